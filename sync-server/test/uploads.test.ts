// Uploaded files against a real server on port 0 (SPEC S5.14, S5.6, S1.3): any type stored under a
// unique name with its original name kept; a file belongs to one contact and is read back only by
// users who may see that contact (bearer or short-lived signed URL) and by that contact's web chat
// visitor; per-file and per-workspace limits with their own error codes; a visitor's message can
// carry the files they uploaded, and only theirs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactDocId, parseDocId } from '../../src/lib/domain/ids';
import type { ContactId, UserId } from '../../src/lib/domain/types';
import { Visitor } from './channels-helpers';
import { hashToken } from '../src/channels/signature';
import { login } from './helpers/sync-client';
import { startTestServer, type TestServer } from './helpers/server';
import { contactDoc, docFromUpdates, storageOrigin } from '../../src/lib/doc';

interface Att {
	storageName: string;
	name: string;
	size: number;
	mime: string;
}

describe('uploads', () => {
	let server: TestServer;
	let now = Date.now();
	let ana: string;
	let tom: string;
	let owner: string;
	/** A contact Tom (team-restricted to Sales) may not see; Ana may. */
	let hidden: ContactId;

	beforeAll(async () => {
		server = await startTestServer({ uploads: { maxBytes: 64 * 1024, workspaceMaxBytes: 256 * 1024 }, clock: () => now });
		ana = (await login(server.url, 'ana@demo.test')).accessToken;
		tom = (await login(server.url, 'tom@demo.test')).accessToken;
		owner = (await login(server.url, 'owner@demo.test')).accessToken;
		const tomId = server.visibility.directory.users.find((u) => u.email === 'tom@demo.test')!.id;
		const anaId = server.visibility.directory.users.find((u) => u.email === 'ana@demo.test')!.id;
		for (const docId of server.visibility.contactDocIds()) {
			if (!server.visibility.canSee(tomId, docId) && server.visibility.canSee(anaId as UserId, docId)) {
				const p = parseDocId(docId);
				if (p?.kind === 'contact') hidden = p.contactId;
				break;
			}
		}
		expect(hidden).toBeTruthy();
	});
	afterAll(() => server.destroy());

	const upload = (body: Uint8Array<ArrayBuffer> | string, type: string, name: string, token: string | null = ana, contact: string | null = hidden) =>
		fetch(`${server.url}/api/uploads${contact ? `?contact=${encodeURIComponent(contact)}` : ''}`, {
			method: 'POST',
			headers: { 'content-type': type, 'x-file-name': encodeURIComponent(name), ...(token ? { authorization: `Bearer ${token}` } : {}) },
			body
		});
	const stored = async (res: Response) => {
		expect(res.status).toBe(201);
		return (await res.json()) as { attachment: Att; url: string };
	};
	const get = (path: string, token?: string) => fetch(`${server.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

	it('stores any file under a unique name and serves it with its original name, whatever its characters (S5.14)', async () => {
		const name = 'Devis "final"; été 100% 😀 (v2).txt';
		const a = await stored(await upload('hello', 'text/plain', name));
		const b = await stored(await upload('hello', 'text/plain', name));
		expect(a.attachment).toMatchObject({ name, size: 5, mime: 'text/plain' });
		expect(a.attachment.storageName).toMatch(/^[A-Za-z0-9_-]+\.txt$/);
		expect(b.attachment.storageName).not.toBe(a.attachment.storageName);
		const got = await get(`/api/uploads/${a.attachment.storageName}`, ana);
		expect(got.status).toBe(200);
		expect(await got.text()).toBe('hello');
		const cd = got.headers.get('content-disposition')!;
		expect(cd.startsWith('attachment;')).toBe(true);
		// The exact name comes back from the RFC 5987 form; the ASCII fallback has no quote or semicolon inside.
		const exact = /filename\*=UTF-8''([^;]+)$/.exec(cd)![1]!;
		expect(decodeURIComponent(exact)).toBe(name);
		expect(/filename="([^"]*)"/.exec(cd)![1]).not.toMatch(/[";]/);

		// Audio, any other type: accepted; script-capable types are served as inert downloads.
		const mp3 = await stored(await upload(new Uint8Array([0xff, 0xfb, 0x90, 0x64]), 'audio/mpeg', 'voice note.mp3'));
		const audio = await get(`/api/uploads/${mp3.attachment.storageName}`, ana);
		expect(audio.headers.get('content-type')).toBe('audio/mpeg');
		expect(audio.headers.get('content-disposition')).toMatch(/^inline;/);
		for (const [type, file] of [['image/svg+xml', 'x.svg'], ['text/html', 'x.html'], ['application/x-custom', 'data.xyz']] as const) {
			const s = await stored(await upload('<svg onload=alert(1)>', type, file));
			expect(s.attachment).toMatchObject({ name: file, mime: type });
			const r = await get(`/api/uploads/${s.attachment.storageName}`, ana);
			expect(r.headers.get('content-type')).toBe('application/octet-stream');
			expect(r.headers.get('content-disposition')).toMatch(/^attachment;/);
			expect(r.headers.get('x-content-type-options')).toBe('nosniff');
		}
	});

	it('a file belongs to a contact: only users who may see it upload into it or read it (S1.3)', async () => {
		expect((await upload('x', 'text/plain', 'a.txt', ana, null)).status).toBe(400);
		expect((await upload('x', 'text/plain', 'a.txt', null)).status).toBe(401);
		const refused = await upload('x', 'text/plain', 'a.txt', tom);
		expect(refused.status).toBe(403);
		expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');

		const { attachment, url } = await stored(await upload('secret', 'text/plain', 'plan.txt'));
		// Tom may not see the contact: not by header, not by asking for a link, not by a bare URL.
		expect((await get(`/api/uploads/${attachment.storageName}`, tom)).status).toBe(404);
		expect((await get(`/api/uploads/${attachment.storageName}/link`, tom)).status).toBe(404);
		expect((await get(`/api/uploads/${attachment.storageName}`)).status).toBe(401);
		// Ana's signed URL works without a header (for <img>/<audio>/downloads) ...
		expect((await get(url)).status).toBe(200);
		const link = (await (await get(`/api/uploads/${attachment.storageName}/link`, owner)).json()) as { url: string };
		expect(await (await get(link.url)).text()).toBe('secret');
		// ... but not for another file, nor altered, nor once expired.
		const other = (await stored(await upload('other', 'text/plain', 'b.txt'))).attachment.storageName;
		expect((await get(url.replace(attachment.storageName, other))).status).toBe(403);
		expect((await get(url.replace(/who=[^&]+/, 'who=u%3Au-tom'))).status).toBe(403);
		now += 11 * 60_000;
		const late = await get(url);
		expect(late.status).toBe(403);
		expect(((await late.json()) as { error: { code: string } }).error.code).toBe('link_expired');
	});

	it('refuses a file over the per-file limit and past the workspace limit, with clear messages', async () => {
		const big = await upload(new Uint8Array(64 * 1024 + 1), 'application/pdf', 'big.pdf');
		expect(big.status).toBe(413);
		const bigErr = ((await big.json()) as { error: { code: string; message: string } }).error;
		expect(bigErr.code).toBe('file_too_large');
		expect(bigErr.message).toContain('big.pdf');
		// 256 KiB for the workspace: a few 60 KiB files fit, then the next is refused.
		let last: Response | null = null;
		for (let i = 0; i < 6; i++) {
			last = await upload(new Uint8Array(60 * 1024), 'application/octet-stream', `part${i}.bin`);
			if (last.status !== 201) break;
		}
		expect(last!.status).toBe(413);
		expect(((await last!.json()) as { error: { code: string } }).error.code).toBe('workspace_storage_full');
	});
});

describe('web chat files', () => {
	let server: TestServer;
	let owner: string;
	beforeAll(async () => {
		server = await startTestServer({ uploads: { maxBytes: 64 * 1024 } });
		owner = (await login(server.url, 'owner@demo.test')).accessToken;
	});
	afterAll(() => server.destroy());

	const visitorUpload = (v: Visitor, body: string, type: string, name: string) =>
		fetch(`${server.url}/api/chat/ch-webchat/uploads`, { method: 'POST', headers: { authorization: `Bearer ${v.token}`, 'content-type': type, 'x-file-name': encodeURIComponent(name) }, body });

	it('a visitor sends a file with text; the agent side stores it; the visitor and agents read it; nobody else does', async () => {
		const v = await Visitor.start(server.url, 'ch-webchat', 'Zoé');
		const intruder = await Visitor.start(server.url, 'ch-webchat', 'Eve');
		try {
			expect((await fetch(`${server.url}/api/chat/ch-webchat/uploads`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(401);
			const res = await visitorUpload(v, 'PDF bytes', 'application/pdf', 'facture n°3.pdf');
			expect(res.status).toBe(201);
			const { attachment } = (await res.json()) as { attachment: Att };
			// Another visitor cannot send (or read) this file.
			intruder.send({ type: 'message', id: 'intruder-msg-1', text: 'mine now', attachments: [attachment.storageName] });
			expect((await intruder.waitFrame((f) => f.type === 'error')).code).toBe('invalid_attachment');

			v.send({ type: 'message', id: 'visitor-msg-01', text: 'Here is the invoice', attachments: [attachment.storageName] });
			expect(await v.waitFrame((f) => f.type === 'ack')).toMatchObject({ id: 'visitor-msg-01', status: 'sent' });
			const shown = await v.waitFrame((f) => f.type === 'message' && (f.message as { id: string }).id === 'visitor-msg-01');
			const m = shown.message as { text: string; attachments: Array<{ name: string; url: string }> };
			expect(m.text).toBe('Here is the invoice');
			expect(m.attachments[0]!.name).toBe('facture n°3.pdf');
			expect(await (await fetch(`${server.url}${m.attachments[0]!.url}`)).text()).toBe('PDF bytes');

			// Stored on the contact: the message carries the file with its original name.
			const contactId = (await server.store.getVisitorSession(hashToken(v.token)))!.contactId;
			const doc = await server.store.loadDoc(contactDocId(contactId));
			const c = contactDoc(docFromUpdates(doc!.updates, storageOrigin()), storageOrigin());
			const entry = c.thread.ordered().find((e) => e.id === 'visitor-msg-01');
			expect(entry).toMatchObject({ kind: 'message', direction: 'in', body: { type: 'text', text: 'Here is the invoice', attachments: [{ name: 'facture n°3.pdf', mime: 'application/pdf' }] } });
			// An agent who sees the contact reads it.
			expect((await fetch(`${server.url}/api/uploads/${attachment.storageName}`, { headers: { authorization: `Bearer ${owner}` } })).status).toBe(200);
			// The intruder's own signed URLs are for their contact, not this file's.
			const forged = m.attachments[0]!.url.replace(/who=[^&]+/, `who=${encodeURIComponent(`v:${'x'.repeat(10)}`)}`);
			expect((await fetch(`${server.url}${forged}`)).status).toBe(403);

			// A file alone is a message too.
			const png = (await (await visitorUpload(v, 'png', 'image/png', 'photo.png')).json()) as { attachment: Att };
			v.send({ type: 'message', id: 'visitor-msg-02', text: '', attachments: [png.attachment.storageName] });
			expect(await v.waitFrame((f) => f.type === 'ack' && f.id === 'visitor-msg-02')).toMatchObject({ status: 'sent' });
		} finally {
			v.close();
			intruder.close();
		}
	});
});
