// SPEC S9.1, S9.4, S1.3, S1.9: live replication between /sync clients and a stock y-websocket
// client; acks without echo; grants and revocations on reassignment.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { contactDoc } from '../../src/lib/doc';
import { asEntryId, asUserId } from '../../src/lib/domain/ids';
import type { DocId, Entry } from '../../src/lib/domain/types';
import { SyncClient, login, waitFor } from './helpers/sync-client';
import { startTestServer } from './helpers/server';

const comment = (id: string, author: string, text: string): Entry => ({
	id: asEntryId(id),
	kind: 'comment',
	at: Date.now(),
	author: { type: 'user', id: author },
	text,
	mentions: []
});

const threadIds = (ydoc: Y.Doc) => new Set(contactDoc(ydoc).thread.entries().map((e) => e.id as string));

describe('/sync and /yjs replication', () => {
	const cleanups: Array<() => Promise<void> | void> = [];
	afterEach(async () => {
		for (const c of cleanups.splice(0).reverse()) await c();
	});

	it('converges two /sync clients and a stock y-websocket provider; acks the sender without echo', async () => {
		const server = await startTestServer();
		cleanups.push(() => server.destroy());
		const owner = await login(server.url, 'owner@demo.test');
		const manager = await login(server.url, 'manager@demo.test');
		const a = new SyncClient({ url: server.url, token: owner.accessToken });
		const b = new SyncClient({ url: server.url, token: manager.accessToken });
		cleanups.push(() => a.close(), () => b.close());
		await Promise.all([a.connect(), b.connect()]);
		const docId = [...server.visibility.contactDocIds()][0]!;
		expect(a.docs.has(docId) && b.docs.has(docId)).toBe(true);

		const botDoc = new Y.Doc();
		const bot = new WebsocketProvider(`${server.url.replace('http', 'ws')}/yjs`, encodeURIComponent(docId), botDoc, {
			WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
			disableBc: true,
			params: { token: owner.accessToken }
		});
		cleanups.push(() => {
			bot.destroy();
			botDoc.destroy();
		});
		await waitFor(() => bot.synced, 10_000, 'bot synced');
		expect(threadIds(botDoc)).toEqual(threadIds(a.doc(docId)));

		const idA = a.edit(docId, (d) => contactDoc(d).thread.append(comment('e-a', 'u-olivia', 'from a')))!;
		b.edit(docId, (d) => contactDoc(d).thread.append(comment('e-b', 'u-marc', 'from b')));
		contactDoc(botDoc).thread.append(comment('e-bot', 'u-olivia', 'from the bot'));

		const all = ['e-a', 'e-b', 'e-bot'];
		const has = (d: Y.Doc) => all.every((id) => threadIds(d).has(id));
		await waitFor(() => has(a.doc(docId)) && has(b.doc(docId)) && has(botDoc), 10_000, 'convergence');
		await waitFor(() => a.isAcked(idA) && b.pending.size === 0, 10_000, 'acks');
		for (const d of [b.doc(docId), botDoc]) expect(Y.encodeStateVector(d)).toEqual(Y.encodeStateVector(a.doc(docId)));
		expect(Y.encodeStateAsUpdate(b.doc(docId)).length).toBe(Y.encodeStateAsUpdate(a.doc(docId)).length);

		// No echo: the sender never receives its own update back.
		const ackA = a.traffic.acks.find((x) => x.updateId === idA)!;
		expect(a.traffic.remoteUpdates.filter((r) => r.seq === ackA.seq)).toEqual([]);
		expect(b.traffic.remoteUpdates.some((r) => r.seq === ackA.seq)).toBe(true);

		// The update is durable: a fresh client syncing later sees all three entries.
		const c = new SyncClient({ url: server.url, token: owner.accessToken });
		cleanups.push(() => c.close());
		await c.connect();
		expect(has(c.doc(docId))).toBe(true);
	});

	it('acks a resent update again without storing it twice', async () => {
		const server = await startTestServer();
		cleanups.push(() => server.destroy());
		const { accessToken } = await login(server.url, 'owner@demo.test');
		const a = new SyncClient({ url: server.url, token: accessToken });
		cleanups.push(() => a.close());
		await a.connect();
		const docId = [...server.visibility.contactDocIds()][1]!;
		const before = await server.store.countUpdates(docId);
		const id = a.edit(docId, (d) => contactDoc(d).thread.append(comment('e-once', 'u-olivia', 'once')))!;
		const update = a.pending.get(id)!.update;
		await waitFor(() => a.isAcked(id));
		a.send({ type: 'update', docId, updateId: id, update });
		await waitFor(() => a.traffic.acks.filter((x) => x.updateId === id).length === 2);
		const [first, second] = a.traffic.acks.filter((x) => x.updateId === id);
		expect(second!.seq).toBe(first!.seq);
		expect(await server.store.countUpdates(docId)).toBe(before + 1);
	});

	it('revokes and grants when a contact is reassigned (S1.3, S1.9)', async () => {
		const server = await startTestServer();
		cleanups.push(() => server.destroy());
		const [owner, tom, sue] = await Promise.all(
			['owner@demo.test', 'tom@demo.test', 'sue@demo.test'].map((e) => login(server.url, e))
		);
		const docId = [...server.visibility.contactDocIds()].find((d) => server.visibility.accessOf(d)?.assigneeId === 'u-tom') as DocId;
		expect(docId).toBeDefined();
		const o = new SyncClient({ url: server.url, token: owner!.accessToken });
		const t = new SyncClient({ url: server.url, token: tom!.accessToken });
		const s = new SyncClient({ url: server.url, token: sue!.accessToken });
		cleanups.push(() => o.close(), () => t.close(), () => s.close());
		await Promise.all([o.connect(), t.connect(), s.connect()]);
		expect(t.docs.has(docId)).toBe(true);
		expect(s.docs.has(docId)).toBe(false);
		// Sue (self-restricted) only ever received documents assigned to her.
		for (const d of s.docs.keys()) if (d !== 'dir') expect(server.visibility.accessOf(d)?.assigneeId).toBe('u-sue');

		o.edit(docId, (d) => contactDoc(d).assignment.set({ userId: asUserId('u-sue'), teamId: null }));
		await waitFor(() => t.traffic.revokes.some((r) => r.docId === docId) && s.docs.has(docId), 10_000, 'revoke and grant');
		expect(t.docs.has(docId)).toBe(false);
		await waitFor(() => contactDoc(s.doc(docId)).assignment.get().userId === 'u-sue', 10_000, 'granted doc synced');

		// Later updates of that contact reach Sue and not Tom.
		const tomUpdates = t.traffic.remoteUpdates.length;
		o.edit(docId, (d) => contactDoc(d).thread.append(comment('e-after', 'u-olivia', 'after reassignment')));
		await waitFor(() => threadIds(s.doc(docId)).has('e-after'), 10_000, 'sue receives');
		expect(t.traffic.remoteUpdates.slice(tomUpdates).filter((r) => r.docId === docId)).toEqual([]);
	});
});
