// SPEC S1.9, S6.1, S9.2; ARCHITECTURE "Interoperability". Issue 15, item 2: a stock y-websocket
// provider writing comments one after the other used to get one stored; the rest were dropped
// as "redundant" (the state vector of an update that does not start at clock 0 reads as empty),
// then refused for the gap, and the socket flapped. Here five stock providers
// (WebsocketProvider, `ws`, no BroadcastChannel) write 1,000 comments through the contact
// document's public schema, with random disconnects and reconnects (edits made offline and
// while reconnecting reach the server in whatever order Yjs sends them, gaps included). Every
// comment is stored and relayed: the stored document, a fresh client and every provider hold
// the same 1,000 comments, and no provider was ever refused (no 1008 close). Seeded
// (YJS_STOCK_SEED).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { contactDoc } from '../../src/lib/doc';
import { createPrng } from '../../src/lib/demo/prng';
import { asEntryId } from '../../src/lib/domain/ids';
import type { DocId } from '../../src/lib/domain/types';
import { startTestServer, type TestServer } from './helpers/server';
import { UNBUDGETED_USER_LIMITS } from '../src/limits/user-budget';
import { login, waitFor } from './helpers/sync-client';
import { YjsSocket, yjsSyncFrame } from './helpers/trust';

const SEED = Number(process.env.YJS_STOCK_SEED ?? Date.now() % 100_000);
const PROVIDERS = 5;
const EDITS = 1000;

const threadIds = (ydoc: Y.Doc): Set<string> => new Set(contactDoc(ydoc).thread.entries().map((e) => e.id as string));

interface Bot {
	doc: Y.Doc;
	provider: WebsocketProvider;
	closes: number[];
}

const onOpenEdits = { armed: false, ids: [] as string[] };

describe('stock y-websocket providers on /yjs', () => {
	let server: TestServer;
	let token: string;
	let docId: DocId;
	const bots: Bot[] = [];

	beforeAll(async () => {
		// The per-connection update rate is not what this test is about (floods.test.ts is).
		server = await startTestServer({ seed: { contacts: 3, messagesPerContact: 1 }, limits: { updatesPerSecond: 100_000, updatesBurst: 100_000 }, userLimits: UNBUDGETED_USER_LIMITS });
		token = (await login(server.url, 'owner@demo.test')).accessToken;
		docId = [...server.visibility.contactDocIds()][0]!;
	}, 60_000);

	afterAll(async () => {
		for (const b of bots) {
			b.provider.destroy();
			b.doc.destroy();
		}
		await server?.destroy();
	});

	function bot(): Bot {
		const doc = new Y.Doc();
		const provider = new WebsocketProvider(`${server.url.replace('http', 'ws')}/yjs`, encodeURIComponent(docId), doc, {
			WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
			disableBc: true,
			maxBackoffTime: 200,
			params: { token }
		});
		const b: Bot = { doc, provider, closes: [] };
		provider.on('connection-close', (event: CloseEvent | null) => {
			if (event) b.closes.push(event.code);
		});
		// An edit the moment the socket opens, before the sync step 2 that carries the edits made
		// offline: the server gets it with a gap, as Yjs sends it.
		provider.on('status', ({ status }: { status: string }) => {
			if (status !== 'connected' || !onOpenEdits.armed) return;
			const id = `open-${onOpenEdits.ids.length}`;
			onOpenEdits.ids.push(id);
			contactDoc(doc).thread.append({ id: asEntryId(id), kind: 'comment', at: Date.now(), author: { type: 'user', id: 'u-olivia' }, text: id, mentions: [] });
		});
		bots.push(b);
		return b;
	}

	it(`stores and relays ${EDITS} comments from ${PROVIDERS} providers with random disconnects (seed ${SEED})`, async () => {
		console.log(`yjs stock: seed ${SEED} (YJS_STOCK_SEED=${SEED} to reproduce)`);
		const rng = createPrng(SEED);
		for (let i = 0; i < PROVIDERS; i++) bot();
		await waitFor(() => bots.every((b) => b.provider.synced), 20_000, 'providers synced');
		onOpenEdits.armed = true;

		let disconnects = 0;
		for (let i = 0; i < EDITS; i++) {
			const b = rng.pick(bots);
			contactDoc(b.doc).thread.append({ id: asEntryId(`stock-${i}`), kind: 'comment', at: Date.now(), author: { type: 'user', id: 'u-olivia' }, text: `comment ${i}`, mentions: [] });
			const r = rng.next();
			if (r < 0.02) {
				const other = rng.pick(bots);
				if (other.provider.shouldConnect) {
					other.provider.disconnect();
					disconnects++;
				}
			} else if (r < 0.06) {
				for (const o of bots) if (!o.provider.shouldConnect && rng.bool(0.5)) o.provider.connect();
			}
			// Let frames flow now and then, so edits meet every phase of a reconnect.
			if (rng.bool(0.3)) await new Promise((resolve) => setImmediate(resolve));
			if (rng.bool(0.05)) await new Promise((resolve) => setTimeout(resolve, rng.int(1, 20)));
		}
		for (const b of bots) if (!b.provider.shouldConnect) b.provider.connect();
		await waitFor(() => bots.every((b) => b.provider.wsconnected), 20_000, 'providers reconnected');
		onOpenEdits.armed = false;

		const all = new Set([...Array.from({ length: EDITS }, (_, i) => `stock-${i}`), ...onOpenEdits.ids]);
		expect(onOpenEdits.ids.length).toBeGreaterThan(0);
		const storedIds = async (): Promise<Set<string>> => {
			const stored = await server.store.loadDoc(docId);
			const d = new Y.Doc();
			for (const u of stored?.updates ?? []) Y.applyUpdate(d, u);
			const ids = threadIds(d);
			d.destroy();
			return ids;
		};
		const hasAll = (ids: Set<string>) => [...all].every((id) => ids.has(id));
		const deadline = Date.now() + 60_000;
		while (!(hasAll(await storedIds()) && bots.every((b) => hasAll(threadIds(b.doc))))) {
			if (Date.now() > deadline) {
				const stored = await storedIds();
				throw new Error(`not converged: stored ${[...all].filter((id) => stored.has(id)).length}/${all.size}; providers ${bots.map((b) => [...all].filter((id) => threadIds(b.doc).has(id)).length).join(', ')}`);
			}
			await new Promise((resolve) => setTimeout(resolve, 50));
		}

		const stored = await storedIds();
		for (const b of bots) expect(threadIds(b.doc)).toEqual(stored);
		// The same document, not only the same comments: every provider's state is the store's.
		const storedState = async () => Buffer.from((await server.rooms.snapshot(docId)).stateVector);
		const sv = await storedState();
		for (const b of bots) expect(Buffer.from(Y.encodeStateVector(b.doc)).equals(sv)).toBe(true);
		// A fresh stock client (a reload) gets the same document.
		const fresh = bot();
		await waitFor(() => fresh.provider.synced && hasAll(threadIds(fresh.doc)), 20_000, 'fresh client');
		expect(threadIds(fresh.doc)).toEqual(stored);
		// Never refused: the sockets only closed when the test disconnected them.
		expect(bots.flatMap((b) => b.closes).filter((c) => c === 1008 || c === 1011)).toEqual([]);
		console.log(`yjs stock: ${EDITS} + ${onOpenEdits.ids.length} comments from ${PROVIDERS} providers, ${disconnects} disconnects, all stored and relayed`);
	}, 180_000);

	// The y-protocols messages a stock client sends, in the orders Yjs may send them: three
	// updates of one client with the later ones first (each builds on the one before), then a
	// sync step 2 holding everything. All are stored, in order, and the socket stays open.
	it('keeps an update with a gap pending until the update it builds on arrives, as Yjs does', async () => {
		const replica = new Y.Doc();
		const server0 = await server.rooms.snapshot(docId);
		Y.applyUpdate(replica, server0.update);
		const updates: Uint8Array[] = [];
		replica.on('update', (u: Uint8Array) => updates.push(u));
		for (let i = 0; i < 3; i++) contactDoc(replica).thread.append({ id: asEntryId(`gap-${i}`), kind: 'comment', at: Date.now(), author: { type: 'user', id: 'u-olivia' }, text: `gap ${i}`, mentions: [] });
		expect(updates.length).toBe(3);
		const socket = await YjsSocket.open(server.url, docId, token);
		socket.send(yjsSyncFrame(2, updates[2]!));
		socket.send(yjsSyncFrame(2, updates[1]!));
		// A sync step 1 is answered in order: once its step 2 is back, both updates were handled.
		const before = socket.frames.length;
		socket.send(yjsSyncFrame(0, Y.encodeStateVector(replica)));
		await waitFor(() => socket.frames.length > before, 10_000, 'step 2 answer');
		const stored = async () => {
			const d = new Y.Doc();
			Y.applyUpdate(d, (await server.rooms.snapshot(docId)).update);
			return threadIds(d);
		};
		expect((await stored()).has('gap-2')).toBe(false);
		socket.send(yjsSyncFrame(2, updates[0]!));
		socket.send(yjsSyncFrame(1, Y.encodeStateAsUpdate(replica, server0.stateVector)));
		const deadline = Date.now() + 10_000;
		while (!['gap-0', 'gap-1', 'gap-2'].every((id) => threadIds(replica).has(id)) || !(await stored()).has('gap-2')) {
			if (Date.now() > deadline) throw new Error(`not stored: ${[...(await stored())].filter((id) => id.startsWith('gap')).join(', ')}`);
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		expect(['gap-0', 'gap-1', 'gap-2'].every((id) => threadIds(replica).has(id))).toBe(true);
		const closed = await Promise.race([socket.closed, new Promise((resolve) => setTimeout(() => resolve('open'), 200))]);
		expect(closed).toBe('open');
		socket.close();
	});
});
