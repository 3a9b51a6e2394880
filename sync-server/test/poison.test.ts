// SPEC S1.9, S9.1; ARCHITECTURE "Validation", "Server". Issue 15, item 1: one small update
// used to poison a document and the workspace. Here, through the public interfaces:
// - the 8-byte update (one GC struct of length 0) and a zero-length deleted content in a draft,
//   sent over /sync and /yjs by an agent who may see the contact, are refused and not stored;
// - defence in depth, for a poisoned document already in the store (as the old compaction
//   merged it): the server starts, reports it in the log and in /health, serves and compacts
//   every other document, keeps the catch-up going, and stops within 10 s of SIGTERM;
// - `npm run repair -- <docId>` drops the bad updates; the document is served again with what
//   the good ones held.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contactDoc } from '../../src/lib/doc';
import { asEntryId } from '../../src/lib/domain/ids';
import type { DocId } from '../../src/lib/domain/types';
import { SqliteStore } from '../src/persistence/sqlite';
import { POISON_GC, encodeUpdate } from '../src/validation/test-kit';
import { spawnServer, type ChildServer } from './helpers/child';
import { startTestServer, tempDir, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';
import { YjsSocket, yjsSyncFrame } from './helpers/trust';

const run = promisify(execFile);
const comment = (id: string, text: string) => (y: Y.Doc) =>
	contactDoc(y).thread.append({ id: asEntryId(id), kind: 'comment', at: Date.now(), author: { type: 'user', id: 'u-olivia' }, text, mentions: [] });

async function health(url: string): Promise<{ ok: boolean; quarantined: Array<{ docId: string; reason: string }> }> {
	const res = await fetch(`${url}/health`);
	expect(res.status).toBe(200);
	return (await res.json()) as { ok: boolean; quarantined: Array<{ docId: string; reason: string }> };
}

describe('poison updates', () => {
	const dataDir = tempDir('parley-poison-');
	let server: TestServer | null = null;
	let child: ChildServer | null = null;
	const clients: SyncClient[] = [];

	afterAll(async () => {
		for (const c of clients) c.close();
		child?.process.kill('SIGKILL');
		await server?.close();
		rmSync(dataDir, { recursive: true, force: true });
	});

	it('refuses the 8-byte poison and a zero-length draft deletion over /sync and /yjs, storing nothing', async () => {
		const s = await startTestServer({ seed: { contacts: 4, messagesPerContact: 1 } });
		try {
			const { accessToken } = await login(s.url, 'ana@demo.test');
			const ana = new SyncClient({ url: s.url, token: accessToken });
			await ana.connect();
			const docId = [...ana.docs.keys()].find((d) => d !== 'dir')!;
			ana.edit(docId, (y) => contactDoc(y).drafts.edit('reply', (t) => t.insert(0, 'Hello')));
			await waitFor(() => ana.pending.size === 0, 10_000, 'draft acked');
			const room = await s.rooms.hold(docId);
			const draft = room.ydoc.getMap('drafts')._map.get('reply')!;
			const textStart = ((draft.content as Y.ContentType).type as Y.Text)._start!;
			s.rooms.release(room);
			const zeroDeleted = encodeUpdate([[4242, [new Y.Item(Y.createID(4242, 0), null, textStart.lastId, null, null, null, null, new Y.ContentDeleted(0))]]]);
			const before = await s.store.countUpdates(docId);
			for (const [i, update] of [POISON_GC, zeroDeleted].entries()) {
				ana.send({ type: 'update', docId, updateId: `poison-${i}`, update });
				await waitFor(() => ana.traffic.errors.some((e) => e.updateId === `poison-${i}`), 10_000, 'refusal');
				expect(ana.traffic.errors.find((e) => e.updateId === `poison-${i}`)!.code).toBe('rejected_update');
			}
			const yjs = await YjsSocket.open(s.url, docId, accessToken);
			yjs.send(yjsSyncFrame(2, POISON_GC));
			expect((await yjs.closed).code).toBe(1008);
			expect(await s.store.countUpdates(docId)).toBe(before);
			const stored = (await s.store.loadDoc(docId))!;
			const fresh = new Y.Doc();
			Y.applyUpdate(fresh, Y.mergeUpdates(stored.updates));
			Y.applyUpdate(new Y.Doc(), Y.encodeStateAsUpdate(fresh));
			ana.close();
		} finally {
			await s.destroy();
		}
	}, 60_000);

	let poisoned: DocId;
	let healthy: DocId;

	it('starts with a poisoned document in the store, quarantines it, and serves and compacts the others', async () => {
		// A workspace where two contacts have many stored rows; then the server stops.
		server = await startTestServer({ dataDir, seed: { contacts: 4, messagesPerContact: 1 }, maintenanceEveryMs: 0 });
		const contacts = [...server.visibility.contactDocIds()];
		[poisoned, healthy] = [contacts[0]!, contacts[1]!];
		for (let i = 0; i < 40; i++) await server.rooms.applyServerChange(healthy, comment(`h${i}`, `healthy ${i}`));
		for (let i = 0; i < 45; i++) await server.rooms.applyServerChange(poisoned, comment(`p${i}`, `kept ${i}`));
		await server.close();
		server = null;

		// The poison as it used to get in: the 8 bytes, then a compaction that merged them.
		const store = new SqliteStore(join(dataDir, 'parley.db'));
		await store.migrate();
		await store.appendUpdate(poisoned, POISON_GC, 'poison-raw', { replicated: true });
		const rows = (await store.loadDoc(poisoned))!.updates;
		const merged = new Y.Doc();
		for (const u of rows) Y.applyUpdate(merged, u);
		await store.appendUpdate(poisoned, Y.encodeStateAsUpdate(merged), 'poison-merged', { replicated: true });
		expect(() => Y.applyUpdate(new Y.Doc(), Y.encodeStateAsUpdate(merged))).toThrow();
		await store.close();

		const logs: string[] = [];
		server = await startTestServer({ dataDir, seed: { contacts: 4, messagesPerContact: 1 }, maintenanceEveryMs: 50, log: (m) => logs.push(m) });
		const h = await health(server.url);
		expect(h.ok).toBe(true);
		expect(h.quarantined.map((q) => q.docId)).toEqual([poisoned]);
		expect(logs.some((l) => l.includes(`quarantined ${poisoned}`))).toBe(true);

		// Compaction skips it and merges the other one.
		await waitFor(() => logs.length > 0, 1000);
		const healthyRows = async () => server!.store.countUpdates(healthy);
		const deadline = Date.now() + 20_000;
		while ((await healthyRows()) > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
		expect(await healthyRows()).toBe(1);
		expect(await server.store.countUpdates(poisoned)).toBeGreaterThan(40);

		// A client catches up (the poisoned document answered with an error), and writes elsewhere.
		const owner = new SyncClient({ url: server.url, token: (await login(server.url, 'owner@demo.test')).accessToken });
		clients.push(owner);
		await owner.connect();
		expect(owner.traffic.errors.some((e) => e.docId === poisoned && e.code === 'internal')).toBe(true);
		expect(contactDoc(owner.doc(healthy)).thread.has(asEntryId('h39'))).toBe(true);
		owner.edit(healthy, comment('after', 'written after the start'));
		await waitFor(() => owner.traffic.acks.some((a) => a.docId === healthy), 10_000, 'ack of the healthy document');
		owner.close();

		const t0 = Date.now();
		await server.close();
		expect(Date.now() - t0).toBeLessThan(10_000);
		server = null;
	}, 120_000);

	it('as a process after an unclean stop: starts, lists the document in /health, and exits within 10 s of SIGTERM', async () => {
		// An unclean stop leaves the access checkpoint behind: the start re-reads every document.
		const store = new SqliteStore(join(dataDir, 'parley.db'));
		await store.migrate();
		await store.setMeta('access.checkpoint', '0');
		await store.close();
		child = await spawnServer({ DATA_DIR: dataDir, DEMO_CONTACTS: '4' });
		expect((await health(child.url)).quarantined.map((q) => q.docId)).toEqual([poisoned]);
		expect(child.stderr()).toContain(`quarantined ${poisoned}`);
		const t0 = Date.now();
		child.process.kill('SIGTERM');
		const code = await Promise.race([child.exited, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
		expect(code).not.toBe('timeout');
		expect(Date.now() - t0).toBeLessThan(10_000);
		child = null;
	}, 90_000);

	it('npm run repair -- <docId> drops the bad updates; the document is served again', async () => {
		const { stdout } = await run(process.execPath, ['--import', 'tsx', 'sync-server/src/repair.ts', poisoned], { env: { ...process.env, DATA_DIR: dataDir } });
		expect(stdout).toMatch(/dropped 2 of \d+ stored updates/);
		server = await startTestServer({ dataDir, seed: { contacts: 4, messagesPerContact: 1 }, maintenanceEveryMs: 0 });
		expect((await health(server.url)).quarantined).toEqual([]);
		const owner = new SyncClient({ url: server.url, token: (await login(server.url, 'owner@demo.test')).accessToken });
		clients.push(owner);
		await owner.connect();
		const thread = contactDoc(owner.doc(poisoned)).thread;
		expect(thread.has(asEntryId('p0')) && thread.has(asEntryId('p44'))).toBe(true);
		expect(owner.traffic.errors).toEqual([]);
		Y.applyUpdate(new Y.Doc(), Y.encodeStateAsUpdate(owner.doc(poisoned)));
		const again = await run(process.execPath, ['--import', 'tsx', 'sync-server/src/repair.ts', poisoned], { env: { ...process.env, DATA_DIR: dataDir } });
		expect(again.stdout).toMatch(/nothing to repair/);
	}, 90_000);
});
