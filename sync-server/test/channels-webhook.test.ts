// Webhook channel, inbound side: signed POST /api/channels/<id>/inbound creates or finds the
// contact and appends the message live to the users who may see it; replays write nothing;
// every bad request is refused precisely and writes nothing; blocked contacts' messages become
// a message_blocked event; status callbacks are signed too.
// SPEC S5.7, S7.1, S7.6, S1.3, S1.9, S5.4
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactDoc, createdEventId, docFromUpdates, storageOrigin } from '../../src/lib/doc';
import { contactDocId } from '../../src/lib/domain/ids';
import type { ContactId, DocId, Entry } from '../../src/lib/domain/types';
import { api, postSigned } from './channels-helpers';
import { startTestServer, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';

describe('webhook channel: inbound', () => {
	let server: TestServer;
	let owner: SyncClient;
	let sue: SyncClient;
	let ownerToken: string;
	let channelId: string;
	let secret: string;
	let inbound: string;

	beforeAll(async () => {
		server = await startTestServer({ channels: { allowPrivate: true } });
		ownerToken = (await login(server.url, 'owner@demo.test')).accessToken;
		const created = await api(server.url, ownerToken, 'POST', '/api/directory/channels', { name: 'API', kind: 'webhook', url: 'http://127.0.0.1:9/none' });
		expect(created.status).toBe(201);
		channelId = created.json.id as string;
		secret = created.json.secret as string;
		inbound = `${server.url}/api/channels/${channelId}/inbound`;
		owner = new SyncClient({ url: server.url, token: ownerToken });
		sue = new SyncClient({ url: server.url, token: (await login(server.url, 'sue@demo.test')).accessToken });
		await Promise.all([owner.connect(), sue.connect()]);
	}, 60_000);

	afterAll(async () => {
		owner?.close();
		sue?.close();
		await server?.destroy();
	});

	const thread = (client: SyncClient, docId: DocId): Entry[] => contactDoc(client.doc(docId)).thread.ordered();

	it('creates an unassigned contact with an open conversation, live for those who may see it', async () => {
		const res = await postSigned(inbound, secret, {
			messageId: 'wa-1',
			contact: { externalId: 'ext-42', phone: '+33 6 12 34 56 78', firstName: 'Inès', lastName: 'Durand' },
			text: 'Bonjour, ma commande est en retard'
		});
		expect(res.status).toBe(201);
		const contactId = res.json.contactId as ContactId;
		const docId = contactDocId(contactId);
		// The owner receives the new document (grant) and the message, live.
		await waitFor(() => thread(owner, docId).some((e) => e.kind === 'message'), 10_000, 'message at the owner');
		const c = contactDoc(owner.doc(docId));
		expect(c.assignment.get()).toEqual({ userId: null, teamId: null });
		expect(c.state.get().status).toBe('open');
		expect(c.profile.get()).toMatchObject({ firstName: 'Inès', lastName: 'Durand', phone: '+33612345678', channelIds: [channelId] });
		const entries = thread(owner, docId);
		expect(entries.map((e) => (e.kind === 'event' ? e.type : e.kind))).toEqual(['contact_created', 'opened', 'message']);
		const msg = entries.find((e) => e.kind === 'message')!;
		expect(msg).toMatchObject({ direction: 'in', channelId, author: { type: 'contact', id: contactId }, body: { type: 'text', text: 'Bonjour, ma commande est en retard' } });
		expect(entries.find((e) => e.kind === 'event' && e.type === 'opened')).toMatchObject({ source: 'contact' });
		// Sue (restricted to her own contacts) never receives it (S1.3, S1.9).
		expect(sue.docs.has(docId)).toBe(false);
		expect(sue.traffic.grants).not.toContain(docId);
	});

	it('answers a replay with the first result and writes nothing', async () => {
		const body = { messageId: 'wa-2', contact: { externalId: 'ext-42' }, text: 'Encore moi' };
		const first = await postSigned(inbound, secret, body);
		expect(first.status).toBe(201);
		const head = await server.store.headSeq();
		const again = await postSigned(inbound, secret, body);
		expect(again.status).toBe(200);
		expect(again.json).toMatchObject({ duplicate: true, contactId: first.json.contactId, entryId: first.json.entryId });
		expect(await server.store.headSeq()).toBe(head);
		// Same sender (externalId): same contact as the first test, two messages now.
		const docId = contactDocId(first.json.contactId as ContactId);
		await waitFor(() => thread(owner, docId).filter((e) => e.kind === 'message').length === 2, 10_000, 'second message');
		// Concurrent replays of a new message make one message.
		const burst = { messageId: 'wa-3', contact: { externalId: 'ext-new-burst' }, text: 'hi' };
		const answers = await Promise.all(Array.from({ length: 5 }, () => postSigned(inbound, secret, burst)));
		expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
		expect(new Set(answers.map((a) => a.json.contactId)).size).toBe(1);
		const burstDoc = contactDocId(answers[0]!.json.contactId as ContactId);
		await waitFor(() => thread(owner, burstDoc).some((e) => e.kind === 'message'), 10_000, 'burst message');
		expect(thread(owner, burstDoc).filter((e) => e.kind === 'message')).toHaveLength(1);
	});

	it('finds an existing contact by phone or email', async () => {
		const [docId, doc] = [...owner.docs].find(([d, y]) => d !== 'dir' && contactDoc(y).profile.get().email !== '' && !contactDoc(y).profile.get().blocked)!;
		const email = contactDoc(doc).profile.get().email;
		const res = await postSigned(inbound, secret, { messageId: 'mail-1', contact: { email: email.toUpperCase() }, text: 'by email' });
		expect(res.status).toBe(201);
		expect(contactDocId(res.json.contactId as ContactId)).toBe(docId);
		await waitFor(() => thread(owner, docId).some((e) => e.kind === 'message' && e.body.text === 'by email'), 10_000, 'message on the known contact');
	});

	it('refuses bad requests precisely and writes nothing', async () => {
		const head = await server.store.headSeq();
		// Messages per stored document: background work (an outbox retry writing a delivery
		// status) may change a document meanwhile, a refused request may not add one.
		const messages = async (docId: DocId) => {
			const stored = await server.store.loadDoc(docId);
			if (!stored) return -1;
			const doc = docFromUpdates(stored.updates, storageOrigin());
			const n = contactDoc(doc).thread.entries().filter((e) => e.kind === 'message').length;
			doc.destroy();
			return n;
		};
		const before = new Map<DocId, number>();
		for (const id of server.visibility.contactDocIds()) before.set(id, await messages(id));
		const good = { messageId: 'x-1', contact: { externalId: 'e' }, text: 'hello' };
		const cases: Array<[string, Promise<{ status: number; json: Record<string, unknown> }>, number, string]> = [
			['bad signature', postSigned(inbound, 'not-the-secret', good), 401, 'bad_signature'],
			['no signature', postSigned(inbound, null, good), 401, 'bad_signature'],
			['signature of another body', postSigned(inbound, secret, good, { 'x-parley-signature': 'sha256=' + '0'.repeat(64) }), 401, 'bad_signature'],
			['bad JSON', postSigned(inbound, secret, '{"messageId": '), 400, 'bad_json'],
			['unknown channel', postSigned(`${server.url}/api/channels/ch-nope/inbound`, secret, good), 404, 'unknown_channel'],
			['web chat channel', postSigned(`${server.url}/api/channels/ch-webchat/inbound`, secret, good), 404, 'unknown_channel'],
			['oversized body', postSigned(inbound, secret, { ...good, text: 'x'.repeat(70 * 1024) }), 413, 'body_too_large'],
			['no messageId', postSigned(inbound, secret, { contact: { externalId: 'e' }, text: 'a' }), 422, 'invalid_message'],
			['no contact key', postSigned(inbound, secret, { messageId: 'x-2', contact: { firstName: 'A' }, text: 'a' }), 422, 'invalid_message'],
			['bad email', postSigned(inbound, secret, { messageId: 'x-3', contact: { email: 'nope' }, text: 'a' }), 422, 'invalid_message'],
			['empty text', postSigned(inbound, secret, { messageId: 'x-4', contact: { externalId: 'e' }, text: '' }), 422, 'invalid_message']
		];
		for (const [what, p, status, code] of cases) {
			const res = await p;
			expect(res.status, what).toBe(status);
			expect((res.json.error as { code: string }).code, what).toBe(code);
		}
		for (const { docId } of await server.store.changedSince(head)) {
			expect(before.has(docId), `${docId} was created by a refused request`).toBe(true);
			expect(await messages(docId), `a message was added to ${docId}`).toBe(before.get(docId));
		}
	});

	it('does not deliver a blocked contact\'s message and records message_blocked (S7.6)', async () => {
		const first = await postSigned(inbound, secret, { messageId: 'b-1', contact: { externalId: 'ext-blocked' }, text: 'first' });
		const contactId = first.json.contactId as ContactId;
		const docId = contactDocId(contactId);
		await waitFor(() => owner.docs.has(docId) && thread(owner, docId).some((e) => e.kind === 'message'), 10_000, 'first');
		owner.edit(docId, (y) => contactDoc(y).profile.patch({ blocked: true }));
		await waitFor(() => owner.pending.size === 0, 10_000, 'block acked');
		const res = await postSigned(inbound, secret, { messageId: 'b-2', contact: { externalId: 'ext-blocked' }, text: 'spam' });
		expect(res.status).toBe(201);
		expect(res.json.delivered).toBe(false);
		await waitFor(() => thread(owner, docId).some((e) => e.kind === 'event' && e.type === 'message_blocked'), 10_000, 'blocked event');
		const entries = thread(owner, docId);
		expect(entries.filter((e) => e.kind === 'message')).toHaveLength(1);
		expect(entries.find((e) => e.kind === 'event' && e.type === 'message_blocked')).toMatchObject({ data: { channelId, messageId: 'b-2' } });
		expect(contactDoc(owner.doc(docId)).thread.has(createdEventId(contactId))).toBe(true);
	});

	it('rotates the secret (owners and managers only); the old one stops working', async () => {
		const agent = (await login(server.url, 'ana@demo.test')).accessToken;
		expect((await api(server.url, agent, 'POST', `/api/directory/channels/${channelId}/secret`)).status).toBe(403);
		const rotated = await api(server.url, ownerToken, 'POST', `/api/directory/channels/${channelId}/secret`);
		expect(rotated.status).toBe(200);
		const fresh = rotated.json.secret as string;
		expect(fresh).not.toBe(secret);
		expect((await postSigned(inbound, secret, { messageId: 'r-1', contact: { externalId: 'e' }, text: 'old' })).status).toBe(401);
		expect((await postSigned(inbound, fresh, { messageId: 'r-1', contact: { externalId: 'e' }, text: 'new' })).status).toBe(201);
		secret = fresh;
		// The secret never enters the directory document.
		expect(JSON.stringify(server.visibility.directory)).not.toContain(fresh);
	});
});
