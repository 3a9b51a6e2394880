// Webhook channel, outbound side: every outgoing message on a webhook channel, whatever path
// wrote it, is POSTed signed with Idempotency-Key = entry id, retried with backoff, and its
// status written to the thread: queued -> failed (retrying, with the receiver's error) -> sent
// -> delivered/read (receiver callbacks). Private addresses are refused unless allowed.
// SPEC S5.4, S9.2
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { contactDoc, docFromUpdates, encodeState, stateVector, storageOrigin } from '../../src/lib/doc';
import { SqliteStore } from '../src/persistence/sqlite';
import { asChannelId, asEntryId, newId } from '../../src/lib/domain/ids';
import type { Delivery, DocId, EntryId } from '../../src/lib/domain/types';
import { isPrivateAddress, postJson } from '../src/channels/outbound-http';
import { verify } from '../src/channels/signature';
import { api, postSigned, startReceiver, type Receiver , writeOutgoing } from './channels-helpers';
import { startTestServer, tempDir, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';

interface Setup {
	server: TestServer;
	agent: SyncClient;
	channelId: string;
	secret: string;
	docId: DocId;
}

describe('webhook channel: outbound', () => {
	const cleanups: Array<() => Promise<void> | void> = [];
	afterEach(async () => {
		for (const c of cleanups.splice(0).reverse()) await c();
	});

	async function setup(receiver: Receiver, opts: { allowPrivate?: boolean; dataDir?: string } = {}): Promise<Setup> {
		const server = await startTestServer({
			channels: { allowPrivate: opts.allowPrivate ?? true, retryBaseMs: 40, retryMaxMs: 200 },
			...(opts.dataDir ? { dataDir: opts.dataDir } : {})
		});
		cleanups.push(() => server.destroy());
		const token = (await login(server.url, 'owner@demo.test')).accessToken;
		const ch = await api(server.url, token, 'POST', '/api/directory/channels', { name: 'Hook', kind: 'webhook', url: receiver.url });
		expect(ch.status).toBe(201);
		const agent = new SyncClient({ url: server.url, token });
		cleanups.push(() => agent.close());
		await agent.connect();
		const docId = [...agent.docs.keys()].find((d) => d !== 'dir' && !contactDoc(agent.doc(d)).profile.get().blocked)!;
		return { server, agent, channelId: ch.json.id as string, secret: ch.json.secret as string, docId };
	}

	/** An outgoing message authored by the client's user (owner unless told), as the validator requires. */
	function reply(agent: SyncClient, docId: DocId, channelId: string, text: string, userId = 'u-olivia'): EntryId {
		return writeOutgoing(agent, docId, channelId, { type: 'text', text }, { userId });
	}

	/** Every delivery status the agent's replica saw for `id`, in order. */
	function trackStatuses(agent: SyncClient, docId: DocId, id: EntryId): Delivery[] {
		const seen: Delivery[] = [];
		const ydoc = agent.doc(docId);
		ydoc.on('afterTransaction', () => {
			const d = contactDoc(ydoc).delivery.get(id);
			const last = seen[seen.length - 1];
			if (d && (!last || JSON.stringify(last) !== JSON.stringify(d))) seen.push(d);
		});
		return seen;
	}

	const statusOf = (agent: SyncClient, docId: DocId, id: EntryId) => contactDoc(agent.doc(docId)).delivery.get(id);

	it('retries a failing receiver with backoff, then sent; the receiver processes it once', async () => {
		const receiver = await startReceiver((_req, n) => (n < 2 ? { status: 503, body: JSON.stringify({ error: { message: `upstream busy #${n + 1}` } }) } : { status: 200 }));
		cleanups.push(() => receiver.close());
		const { agent, channelId, secret, docId } = await setup(receiver);
		const id = reply(agent, docId, channelId, 'Votre colis arrive demain');
		const seen = trackStatuses(agent, docId, id);
		await waitFor(() => statusOf(agent, docId, id)?.status === 'sent', 15_000, 'sent');
		expect(receiver.requests).toHaveLength(3);
		expect(receiver.processed.size).toBe(1);
		for (const r of receiver.requests) {
			expect(r.headers['idempotency-key']).toBe(id);
			expect(verify(secret, Buffer.from(r.body), r.headers['x-parley-signature'])).toBe(true);
		}
		expect(receiver.requests[2]!.json).toMatchObject({ entryId: id, channelId, type: 'text', text: 'Votre colis arrive demain', author: { type: 'user', id: 'u-olivia' } });
		const statuses = seen.map((d) => d.status);
		expect(statuses[statuses.length - 1]).toBe('sent');
		const failed = seen.filter((d) => d.status === 'failed');
		expect(failed.length).toBeGreaterThanOrEqual(1);
		expect(failed[0]!.error).toMatch(/^HTTP 503: upstream busy #\d$/);
		expect(failed[0]!.retryAt).toBeGreaterThan(failed[0]!.at);
		expect(statusOf(agent, docId, id)).toMatchObject({ status: 'sent', attempts: 3 });
	});

	it('takes receiver callbacks (signed) to delivered and read; refuses unsigned ones', async () => {
		const receiver = await startReceiver();
		cleanups.push(() => receiver.close());
		const { server, agent, channelId, secret, docId } = await setup(receiver);
		const id = reply(agent, docId, channelId, 'hello');
		await waitFor(() => statusOf(agent, docId, id)?.status === 'sent', 10_000, 'sent');
		const url = `${server.url}/api/channels/${channelId}/status`;
		expect((await postSigned(url, 'wrong', { entryId: id, status: 'delivered' })).status).toBe(401);
		expect((await postSigned(url, secret, { entryId: 'nope', status: 'delivered' })).status).toBe(404);
		expect((await postSigned(url, secret, { entryId: id, status: 'weird' })).status).toBe(422);
		expect((await postSigned(url, secret, { entryId: id, status: 'delivered' })).status).toBe(200);
		await waitFor(() => statusOf(agent, docId, id)?.status === 'delivered', 10_000, 'delivered');
		expect((await postSigned(url, secret, { entryId: id, status: 'read' })).status).toBe(200);
		await waitFor(() => statusOf(agent, docId, id)?.status === 'read', 10_000, 'read');
		// A late "delivered" never moves it back.
		expect((await postSigned(url, secret, { entryId: id, status: 'delivered' })).json.changed).toBe(false);
		// A failure reported by the receiver shows its error (S5.4).
		const id2 = reply(agent, docId, channelId, 'second');
		await waitFor(() => statusOf(agent, docId, id2)?.status === 'sent', 10_000, 'sent 2');
		await postSigned(url, secret, { entryId: id2, status: 'failed', error: 'Recipient is outside the 24h window' });
		await waitFor(() => statusOf(agent, docId, id2)?.status === 'failed', 10_000, 'failed');
		expect(statusOf(agent, docId, id2)?.error).toBe('Recipient is outside the 24h window');
	});

	it('fails for good on a 4xx with the receiver\'s error, without retrying', async () => {
		const receiver = await startReceiver(() => ({ status: 400, body: JSON.stringify({ error: 'unknown recipient' }) }));
		cleanups.push(() => receiver.close());
		const { agent, channelId, docId } = await setup(receiver);
		const id = reply(agent, docId, channelId, 'x');
		await waitFor(() => statusOf(agent, docId, id)?.status === 'failed', 10_000, 'failed');
		expect(statusOf(agent, docId, id)).toMatchObject({ status: 'failed', error: 'HTTP 400: unknown recipient', attempts: 1 });
		expect(statusOf(agent, docId, id)?.retryAt).toBeUndefined();
		expect(receiver.requests).toHaveLength(1);
	});

	it('refuses private and loopback URLs unless allowed (SSRF)', async () => {
		const receiver = await startReceiver();
		cleanups.push(() => receiver.close());
		const { agent, channelId, docId } = await setup(receiver, { allowPrivate: false });
		const id = reply(agent, docId, channelId, 'to loopback');
		await waitFor(() => statusOf(agent, docId, id)?.status === 'failed', 10_000, 'refused');
		expect(statusOf(agent, docId, id)?.error).toMatch(/^Refused: 127\.0\.0\.1 is a private address/);
		expect(receiver.requests).toHaveLength(0);
	});

	it('dispatches a message written offline once it reaches the server', async () => {
		const receiver = await startReceiver();
		cleanups.push(() => receiver.close());
		const { server, agent, channelId, docId } = await setup(receiver);
		const token = (await login(server.url, 'manager@demo.test')).accessToken;
		const offline = new SyncClient({ url: server.url, token });
		cleanups.push(() => offline.close());
		// Written before the client ever connects: it sits in the pending queue.
		await offline.connect();
		offline.close();
		await waitFor(() => !offline.connected, 5000, 'offline');
		const id = reply(offline, docId, channelId, 'written offline', 'u-marc');
		expect(offline.pending.size).toBe(1);
		expect(receiver.requests).toHaveLength(0);
		await offline.connect();
		await waitFor(() => statusOf(agent, docId, id)?.status === 'sent', 10_000, 'sent after reconnect');
		expect(receiver.requests.map((r) => r.json.text)).toEqual(['written offline']);
	});

	it('dispatches a message its client marked queued itself', async () => {
		const receiver = await startReceiver();
		cleanups.push(() => receiver.close());
		const { agent, channelId, docId } = await setup(receiver);
		const id = asEntryId(newId());
		agent.edit(docId, (y) => {
			const c = contactDoc(y);
			c.thread.append({ id, kind: 'message', direction: 'out', channelId: asChannelId(channelId), at: Date.now(), author: { type: 'user', id: 'u-olivia' }, body: { type: 'text', text: 'queued by the client' } });
			c.delivery.set(id, { status: 'queued', at: Date.now() });
		});
		await waitFor(() => statusOf(agent, docId, id)?.status === 'sent', 10_000, 'sent');
		expect(receiver.requests).toHaveLength(1);
	});

	it('keeps pending deliveries across a restart and sends them with the same key', async () => {
		let up = false;
		const receiver = await startReceiver(() => (up ? { status: 200 } : { status: 500, body: 'down for maintenance' }));
		cleanups.push(() => receiver.close());
		const dataDir = tempDir('parley-outbox-');
		const first = await setup(receiver, { dataDir });
		const id = reply(first.agent, first.docId, first.channelId, 'survives restarts');
		await waitFor(() => receiver.requests.length >= 1, 10_000, 'first attempt');
		first.agent.close();
		await first.server.close();
		up = true;
		const server = await startTestServer({ dataDir, channels: { allowPrivate: true, retryBaseMs: 40 } });
		cleanups.push(() => server.destroy());
		const token = (await login(server.url, 'owner@demo.test')).accessToken;
		const agent = new SyncClient({ url: server.url, token });
		cleanups.push(() => agent.close());
		await agent.connect();
		await waitFor(() => statusOf(agent, first.docId, id)?.status === 'sent', 15_000, 'sent after restart');
		expect(new Set(receiver.requests.map((r) => r.headers['idempotency-key']))).toEqual(new Set([id]));
		expect(receiver.processed.size).toBe(1);
	});

	it('on start, dispatches an outgoing message stored while the server was down (restart scan)', async () => {
		const receiver = await startReceiver();
		cleanups.push(() => receiver.close());
		const dataDir = tempDir('parley-outbox-scan-');
		const first = await setup(receiver, { dataDir });
		first.agent.close();
		await first.server.close();
		// As if a client's update was stored and the process died before the watch saw it.
		const store = new SqliteStore(join(dataDir, 'parley.db'));
		await store.migrate();
		const ydoc = docFromUpdates((await store.loadDoc(first.docId))!.updates, storageOrigin());
		const sv = stateVector(ydoc);
		const id = asEntryId(newId());
		contactDoc(ydoc).thread.append({ id, kind: 'message', direction: 'out', channelId: asChannelId(first.channelId), at: Date.now(), author: { type: 'user', id: 'u-olivia' }, body: { type: 'text', text: 'stored while down' } });
		await store.appendUpdate(first.docId, encodeState(ydoc, sv));
		ydoc.destroy();
		await store.close();
		const server = await startTestServer({ dataDir, channels: { allowPrivate: true } });
		cleanups.push(() => server.destroy());
		await waitFor(() => receiver.processed.has(id), 10_000, 'dispatched after the restart scan');
		expect(receiver.requests).toHaveLength(1);
	});
});

describe('SSRF guard: private addresses', () => {
	it('classifies loopback, private, link-local, CGNAT, multicast, mapped and unspecified addresses', () => {
		const refused = ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip'];
		const allowed = ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'];
		for (const ip of refused) expect(isPrivateAddress(ip), ip).toBe(true);
		for (const ip of allowed) expect(isPrivateAddress(ip), ip).toBe(false);
	});

	it('checks the addresses a host name resolves to, at connect time', async () => {
		const receiver = await startReceiver();
		try {
			const port = new URL(receiver.url).port;
			const refused = await postJson(`http://localhost:${port}/hook`, '{}', {}, { allowPrivate: false, timeoutMs: 2000 });
			expect(refused).toMatchObject({ ok: false, kind: 'refused' });
			expect(await postJson(`http://[::1]:${port}/hook`, '{}', {}, { allowPrivate: false, timeoutMs: 2000 })).toMatchObject({ ok: false, kind: 'refused' });
			expect(await postJson(`http://localhost:${port}/hook`, '{"a":1}', {}, { allowPrivate: true, timeoutMs: 2000 })).toMatchObject({ ok: true, status: 200 });
			expect(receiver.requests).toHaveLength(1);
		} finally {
			await receiver.close();
		}
	});
});
