// A contact you can write to (SPEC S3.1, S5.10, S5.6), server side: a contact created with
// POST /api/contacts has no channel yet, and a message to it on the webhook channel is delivered
// to the provider with the contact's id and phone (the channel starts the conversation); a
// template message says so; channel templates are validated by the directory API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { contactDocId } from '../../src/lib/domain/ids';
import type { ContactId } from '../../src/lib/domain/types';
import { api, startReceiver, type Receiver , writeOutgoing } from './channels-helpers';
import { startTestServer, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';

describe('outbound to a new contact', () => {
	let server: TestServer;
	let receiver: Receiver;
	let token: string;
	let channelId: string;
	beforeAll(async () => {
		receiver = await startReceiver();
		server = await startTestServer({ channels: { allowPrivate: true, retryBaseMs: 40, retryMaxMs: 200 } });
		token = (await login(server.url, 'owner@demo.test')).accessToken;
		// Channel names are unique: the demo has its own "WhatsApp".
		const ch = await api(server.url, token, 'POST', '/api/directory/channels', {
			name: 'WhatsApp Business',
			kind: 'webhook',
			url: receiver.url,
			windowHours: 24,
			templates: [{ id: 'tpl-hello', name: 'Hello', text: 'Hello {{firstName}}, reply to continue.' }]
		});
		expect(ch.status).toBe(201);
		channelId = ch.json.id as string;
	});
	afterAll(async () => {
		await server.destroy();
		await receiver.close();
	});

	it('validates channel templates', async () => {
		for (const bad of ['x', [{ name: '', text: 'a' }], [{ name: 'a', text: 'x'.repeat(1001) }], Array.from({ length: 21 }, () => ({ name: 'a', text: 'b' }))]) {
			expect((await api(server.url, token, 'PATCH', `/api/directory/channels/${channelId}`, { templates: bad })).status).toBe(400);
		}
		const ch = server.visibility.directory.channels.find((c) => c.id === channelId);
		expect(ch?.templates).toEqual([{ id: 'tpl-hello', name: 'Hello', text: 'Hello {{firstName}}, reply to continue.' }]);
	});

	it('a template message to a contact made with POST /api/contacts reaches the provider by id and phone', async () => {
		const made = await api(server.url, token, 'POST', '/api/contacts', { firstName: 'Nora', phone: '+1 415 555 0101' });
		expect(made.status).toBe(201);
		const contactId = made.json.id as ContactId;
		const agent = new SyncClient({ url: server.url, token });
		try {
			await agent.connect();
			const docId = contactDocId(contactId);
			await waitFor(() => agent.docs.has(docId), 10_000, 'the new contact');
			expect(contactDoc(agent.doc(docId)).profile.get().channelIds).toEqual([]);
			const id = writeOutgoing(agent, docId, channelId, { type: 'template', text: 'Hello Nora, reply to continue.', templateId: 'tpl-hello' });
			await waitFor(() => receiver.requests.some((r) => r.json.entryId === id), 10_000, 'the provider request');
			const sent = receiver.requests.find((r) => r.json.entryId === id)!.json as { type: string; contact: { id: string; phone?: string } };
			expect(sent.type).toBe('template');
			expect(sent.contact.id).toBe(contactId);
			expect(sent.contact.phone).toBe('+14155550101');
			await waitFor(() => contactDoc(agent.doc(docId)).delivery.get(id)?.status === 'sent', 10_000, 'sent');
		} finally {
			agent.close();
		}
	});

	it('a file sent on the webhook channel reaches the provider as a signed link to the file (S5.14)', async () => {
		const made = await api(server.url, token, 'POST', '/api/contacts', { firstName: 'Ivo', phone: '+1 415 555 0102' });
		const contactId = made.json.id as ContactId;
		const up = await fetch(`${server.url}/api/uploads?contact=${contactId}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf', 'x-file-name': encodeURIComponent('devis été.pdf') }, body: '%PDF-1.4' });
		expect(up.status).toBe(201);
		const { attachment } = (await up.json()) as { attachment: { storageName: string; name: string; size: number; mime: string } };
		const agent = new SyncClient({ url: server.url, token });
		try {
			await agent.connect();
			const docId = contactDocId(contactId);
			await waitFor(() => agent.docs.has(docId), 10_000, 'the new contact');
			const id = writeOutgoing(agent, docId, channelId, { type: 'file', text: '', attachments: [attachment] });
			await waitFor(() => receiver.requests.some((r) => r.json.entryId === id), 10_000, 'the provider request');
			const sent = receiver.requests.find((r) => r.json.entryId === id)!.json as { attachments: Array<{ name: string; url: string }> };
			expect(sent.attachments[0]!.name).toBe('devis été.pdf');
			const file = await fetch(`${server.url}${sent.attachments[0]!.url}`);
			expect(file.status).toBe(200);
			expect(await file.text()).toBe('%PDF-1.4');
		} finally {
			agent.close();
		}
	});
});
