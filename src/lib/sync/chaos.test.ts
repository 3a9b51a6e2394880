// Issue 17 (SPEC S9.5): the replica behind a chaos proxy (tests/chaos/proxy.ts) between it and a
// real sync server on port 0: a black-holed connection (socket open, no bytes) is known dead
// within 10 s; an upgrade the network swallows times out and the state says "offline"; after
// the network returns, every change written meanwhile is stored exactly once on the server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { applyUpdate, contactDoc, createDoc, storageOrigin } from '../doc';
import { contactDocId, newId } from '../domain/ids';
import type { ContactId, EntryId } from '../domain/types';
import { createMemoryStore } from '../storage/memory';
import { startServer } from '../../../sync-server/src/server';
import { ChaosProxy } from '../../../tests/chaos/proxy';
import { AuthClient, memorySession } from './auth';
import { Backoff } from './backoff';
import type { ConnectionState, WebSocketCtor } from './connection';
import { Replica } from './replica';
import { waitFor } from '../test-utils/wait';

let server: Awaited<ReturnType<typeof startServer>>;
let dataDir: string;
let proxy: ChaosProxy;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-chaos-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir: dataDir, seed: { contacts: 10 }, log: () => undefined });
});

afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

afterEach(async () => {
	for (const c of cleanups.splice(0).reverse()) await c();
});

async function replicaBehindProxy(): Promise<{ replica: Replica; userId: string; states: Array<{ state: ConnectionState; at: number }> }> {
	proxy = new ChaosProxy({ target: { host: '127.0.0.1', port: server.port } });
	await proxy.start();
	cleanups.push(() => proxy.close());
	// Login straight to the server: the proxy is for the socket under test.
	const auth = new AuthClient({ baseUrl: server.url.replace(/\/$/, ''), storage: memorySession() });
	const login = await auth.login('owner@demo.test', 'parley-demo');
	if (!login.ok) throw new Error(login.message);
	const replica = new Replica({
		store: createMemoryStore(),
		connection: {
			url: (t) => `ws://127.0.0.1:${proxy.port}/sync?token=${encodeURIComponent(t)}`,
			WebSocket: WebSocket as unknown as WebSocketCtor,
			token: () => auth.token(),
			refreshToken: async () => 'network',
			backoff: new Backoff({ baseMs: 200, maxMs: 1_000 })
		}
	});
	cleanups.push(async () => {
		await replica.close();
		auth.stop();
	});
	const states: Array<{ state: ConnectionState; at: number }> = [];
	replica.onStatus((s) => {
		if (states[states.length - 1]?.state !== s.state) states.push({ state: s.state, at: Date.now() });
	});
	await replica.open();
	return { replica, userId: login.session.user.id, states };
}

async function comment(replica: Replica, contactId: ContactId, userId: string, text: string): Promise<EntryId> {
	const id = newId() as EntryId;
	await replica.edit(contactId, (doc) =>
		contactDoc(doc).thread.append({ id, kind: 'comment', text, mentions: [], at: Date.now(), author: { type: 'user', id: userId as never } })
	);
	return id;
}

/** How many entries of the server's copy of the contact carry `text` (exactly-once delivery). */
async function storedCount(contactId: ContactId, text: string): Promise<number> {
	const doc = createDoc();
	applyUpdate(doc, (await server.rooms.snapshot(contactDocId(contactId))).update, storageOrigin());
	return contactDoc(doc)
		.thread.entries()
		.filter((e) => e.kind === 'comment' && e.text === text).length;
}

describe('the replica behind a chaos proxy', () => {
	it('knows a black-holed connection is dead within 10 s, says offline once reconnecting fails, and delivers exactly once after', async () => {
		const { replica, userId, states } = await replicaBehindProxy();
		replica.start();
		await waitFor(() => replica.lastCatchUp !== null && replica.status.state === 'online', 30_000, 'caught up');
		const contactId = [...replica.summaries.values()][0]!.id;

		proxy.mode = 'blackhole';
		const holedAt = Date.now();
		// A change written into the black hole: sent, never acknowledged.
		const text = `into the hole ${newId()}`;
		await comment(replica, contactId, userId, text);
		await waitFor(() => replica.status.state !== 'online', 15_000, 'the dead connection noticed');
		const detectedMs = Date.now() - holedAt;
		expect(detectedMs, `detected after ${detectedMs} ms`).toBeLessThanOrEqual(10_000);
		expect(replica.status.state).toBe('reconnecting');
		expect(replica.pending.count).toBe(1);
		// The new attempt goes into the hole too: its upgrade times out and the state says so.
		await waitFor(() => replica.status.state === 'offline', 15_000, 'offline after a failed reconnect');

		proxy.mode = 'pass';
		proxy.reset();
		await waitFor(() => replica.status.state === 'online' && replica.pending.count === 0, 30_000, 'back online and acknowledged');
		expect(await storedCount(contactId, text)).toBe(1);
		expect(states.map((s) => s.state)).toContain('reconnecting');
	}, 60_000);

	it('gives up on an upgrade the network swallows after ~10 s and retries', async () => {
		const { replica, states } = await replicaBehindProxy();
		proxy.mode = 'blackhole';
		const t0 = Date.now();
		replica.start();
		await waitFor(() => states.some((s) => s.state === 'offline' && s.at > t0), 15_000, 'the attempt timed out');
		const timedOutMs = states.find((s) => s.state === 'offline' && s.at > t0)!.at - t0;
		expect(timedOutMs).toBeGreaterThanOrEqual(9_000);
		expect(timedOutMs).toBeLessThanOrEqual(12_000);
		expect(replica.status.lastError).toMatch(/timed out/);
		await waitFor(() => proxy.accepted >= 2, 5_000, 'a second attempt');
		proxy.mode = 'pass';
		proxy.reset();
		await waitFor(() => replica.status.state === 'online', 20_000, 'online once the network lets it through');
	}, 60_000);

	it('delivers changes written across resets exactly once', async () => {
		const { replica, userId } = await replicaBehindProxy();
		replica.start();
		await waitFor(() => replica.lastCatchUp !== null && replica.status.state === 'online', 30_000, 'caught up');
		const contactId = [...replica.summaries.values()][1]!.id;
		const texts: string[] = [];
		for (let i = 0; i < 6; i++) {
			const text = `across resets ${i} ${newId()}`;
			texts.push(text);
			await comment(replica, contactId, userId, text);
			if (i % 2 === 0) proxy.reset();
		}
		await waitFor(() => replica.status.state === 'online' && replica.pending.count === 0, 30_000, 'all acknowledged');
		for (const text of texts) expect(await storedCount(contactId, text), text).toBe(1);
	}, 60_000);
});
