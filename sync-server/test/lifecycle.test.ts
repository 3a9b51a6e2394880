// Rooms lifecycle and restarts (ARCHITECTURE "Server"): idle documents unload and memory stays
// flat over 1,000 load/unload cycles; clients reconnect with backoff after a restart and resume
// without losing or duplicating anything (SPEC S9.2, S9.5).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { asEntryId } from '../../src/lib/domain/ids';
import type { DocId } from '../../src/lib/domain/types';
import { startServer, type RunningServer } from '../src/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';
import { startTestServer, tempDir, type TestServer } from './helpers/server';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
	for (let i = 0; i < 4; i++) gc();
	return process.memoryUsage().heapUsed;
}

// Comments are authored by the token's user: the server refuses any other author.
const entry = (id: string, author = 'u-olivia') => ({
	id: asEntryId(id),
	kind: 'comment' as const,
	at: Date.now(),
	author: { type: 'user' as const, id: author },
	text: id,
	mentions: []
});

describe('rooms lifecycle', () => {
	const cleanups: Array<() => Promise<void> | void> = [];
	afterEach(async () => {
		for (const c of cleanups.splice(0).reverse()) await c();
	});

	it('unloads idle documents; 1,000 load/unload cycles leave the heap within 10%', async () => {
		const server = await startTestServer({ unloadAfterMs: 1, maintenanceEveryMs: 0 });
		cleanups.push(() => server.destroy());
		const docs = [...server.visibility.contactDocIds()];
		const cycle = async (i: number) => {
			const docId = docs[i % docs.length]!;
			await server.rooms.applyServerChange(docId, (y) => contactDoc(y).profile.patch({ language: i % 2 ? 'fr' : 'en' }));
			expect(server.rooms.get(docId)).toBeDefined();
			await waitFor(() => server.rooms.loadedCount === 1, 5000, 'unload');
		};
		for (let i = 0; i < 100; i++) await cycle(i);
		const before = heapAfterGc();
		for (let i = 0; i < 1000; i++) await cycle(i);
		const after = heapAfterGc();
		expect(server.rooms.loadedCount).toBe(1);
		expect(server.rooms.get('dir' as DocId)).toBeDefined();
		expect(after, `heap ${before} -> ${after}`).toBeLessThanOrEqual(before * 1.1);
	});

	it('keeps a held document loaded and unloads it after the last holder leaves', async () => {
		const server = await startTestServer({ unloadAfterMs: 20 });
		cleanups.push(() => server.destroy());
		const docId = [...server.visibility.contactDocIds()][0]!;
		const room = await server.rooms.hold(docId);
		await server.rooms.applyServerChange(docId, (y) => contactDoc(y).profile.patch({ country: 'FR' }));
		expect(server.rooms.get(docId)).toBe(room);
		server.rooms.release(room);
		await waitFor(() => server.rooms.get(docId) === undefined, 5000, 'unload after release');
	});
});

describe('restart', () => {
	const cleanups: Array<() => Promise<void> | void> = [];
	afterEach(async () => {
		for (const c of cleanups.splice(0).reverse()) await c();
	});

	it('clients reconnect with backoff and resume without losing or duplicating anything', async () => {
		const dataDir = tempDir();
		const opts = { host: '127.0.0.1', dataDir, seed: { contacts: 20, messagesPerContact: 2 }, log: () => {} };
		let server: RunningServer | TestServer = await startServer({ ...opts, port: 0 });
		const port = server.port;
		cleanups.push(async () => {
			await server.close();
		});
		const owner = await login(server.url, 'owner@demo.test');
		const manager = await login(server.url, 'manager@demo.test');
		const reconnect = { baseMs: 20, maxMs: 400 };
		const a = new SyncClient({ url: server.url, token: owner.accessToken, reconnect });
		const b = new SyncClient({ url: server.url, token: manager.accessToken, reconnect });
		cleanups.push(() => a.close(), () => b.close());
		await Promise.all([a.connect(), b.connect()]);
		const docId = [...server.visibility.contactDocIds()][3]!;
		const base = contactDoc(a.doc(docId)).thread.size;

		for (let i = 0; i < 5; i++) a.edit(docId, (y) => contactDoc(y).thread.append(entry(`before-${i}`)));
		await waitFor(() => a.pending.size === 0, 10_000, 'acks before restart');

		await server.close();
		await waitFor(() => !a.connected && !b.connected, 10_000, 'disconnect');
		for (let i = 0; i < 5; i++) a.edit(docId, (y) => contactDoc(y).thread.append(entry(`a-down-${i}`)));
		for (let i = 0; i < 5; i++) b.edit(docId, (y) => contactDoc(y).thread.append(entry(`b-down-${i}`, 'u-marc')));

		server = await startServer({ ...opts, port });
		await waitFor(() => a.isCaughtUp && b.isCaughtUp && a.pending.size === 0 && b.pending.size === 0, 20_000, 'resume');
		const expected = base + 15;
		await waitFor(
			() => contactDoc(a.doc(docId)).thread.size === expected && contactDoc(b.doc(docId)).thread.size === expected,
			10_000,
			'convergence'
		);
		const room = await server.rooms.hold(docId);
		expect(contactDoc(room.ydoc).thread.size).toBe(expected);
		server.rooms.release(room);
		// Nothing was relayed twice.
		for (const c of [a, b]) {
			const seqs = c.traffic.remoteUpdates.map((r) => r.seq);
			expect(new Set(seqs).size).toBe(seqs.length);
		}
		expect(a.traffic.welcomes.length).toBeGreaterThanOrEqual(2);
		expect(a.traffic.welcomes.at(-1)!.full).toBe(false);
	});
});
