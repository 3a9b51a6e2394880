// Durability (ARCHITECTURE "Acknowledgement"): a server killed with SIGKILL while clients write
// loses no acknowledged update. 3 kill/restart cycles, 20 with LONG=1.
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { asEntryId } from '../../src/lib/domain/ids';
import type { DocId } from '../../src/lib/domain/types';
import { spawnServer, type ChildServer } from './helpers/child';
import { tempDir } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';

const CYCLES = process.env.LONG === '1' ? 20 : 3;
const ACKS_BEFORE_KILL = 40;
const MAX_PENDING = 4;

describe('durability across SIGKILL', () => {
	const dataDir = tempDir('parley-durability-');
	let child: ChildServer | undefined;
	const clients: SyncClient[] = [];
	afterEach(async () => {
		for (const c of clients.splice(0)) c.close();
		if (child && child.process.exitCode === null) {
			child.process.kill('SIGKILL');
			await child.exited;
		}
		rmSync(dataDir, { recursive: true, force: true });
	});

	it(`keeps every acknowledged update through ${CYCLES} kill/restart cycles`, async () => {
		const acked = new Map<string, DocId>();
		let docs: DocId[] = [];
		for (let cycle = 0; cycle <= CYCLES; cycle++) {
			child = await spawnServer({ DATA_DIR: dataDir, DEMO_CONTACTS: '12' });
			const { accessToken } = await login(child.url, 'owner@demo.test');

			// Everything acknowledged before the last kill is there after the restart.
			const checker = new SyncClient({ url: child.url, token: accessToken });
			await checker.connect();
			if (docs.length === 0) docs = [...checker.docs.keys()].filter((d) => d !== 'dir').slice(0, 6);
			const missing = [...acked].filter(([entry, d]) => !contactDoc(checker.doc(d)).thread.has(asEntryId(entry)));
			expect(missing, `cycle ${cycle}: ${missing.length} of ${acked.size} acked entries missing`).toEqual([]);
			checker.close();
			if (cycle === CYCLES) break;

			const writers = [0, 1].map(() => new SyncClient({ url: child!.url, token: accessToken }));
			clients.push(...writers);
			await Promise.all(writers.map((w) => w.connect()));
			let n = 0;
			const entryOf = new Map<string, { entry: string; docId: DocId }>();
			const pump = setInterval(() => {
				for (const [wi, w] of writers.entries()) {
					while (w.connected && w.pending.size < MAX_PENDING) {
						const docId = docs[n % docs.length]!;
						const entry = `c${cycle}-w${wi}-${n++}`;
						const updateId = w.edit(docId, (y) =>
							contactDoc(y).thread.append({
								id: asEntryId(entry),
								kind: 'comment',
								at: Date.now(),
								author: { type: 'user', id: 'u-olivia' },
								text: entry,
								mentions: []
							})
						)!;
						entryOf.set(updateId, { entry, docId });
					}
				}
			}, 1);
			const ackCount = () => writers.reduce((s, w) => s + w.traffic.acks.length, 0);
			await waitFor(() => ackCount() >= ACKS_BEFORE_KILL, 30_000, 'acks before kill').catch((err: unknown) => {
				const errors = writers.flatMap((w) => w.traffic.errors.map((e) => `${e.code}: ${e.message}`));
				const closes = writers.flatMap((w) => w.traffic.closes.map((c) => `${c.code} ${c.reason}`));
				throw new Error(`cycle ${cycle}: ${ackCount()} acks; errors ${JSON.stringify(errors.slice(0, 5))}; closes ${JSON.stringify(closes)}; ${String(err)}`);
			});
			child.process.kill('SIGKILL');
			await child.exited;
			clearInterval(pump);
			await waitFor(() => writers.every((w) => !w.connected), 10_000, 'sockets closed');
			for (const w of writers) {
				for (const a of w.traffic.acks) {
					const e = entryOf.get(a.updateId)!;
					acked.set(e.entry, e.docId);
				}
				w.close();
			}
			expect(acked.size).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL * (cycle + 1));
		}
	}, 30_000 + CYCLES * 15_000);

	// SPEC S1.3: after an unclean stop the store skips the numbers its lost tail may have handed
	// out (sqlite.ts "Unclean stop"). A client that saw such a number syncs in full; without the
	// gap it would be caught up from a number the server had reissued, and miss an update.
	it('after SIGKILL, a client whose lastSeq may have been lost syncs in full, one below it by delta', async () => {
		child = await spawnServer({ DATA_DIR: dataDir, DEMO_CONTACTS: '4' });
		let { accessToken } = await login(child.url, 'owner@demo.test');
		const writer = new SyncClient({ url: child.url, token: accessToken });
		clients.push(writer);
		await writer.connect();
		const docId = [...writer.docs.keys()].find((d) => d !== 'dir')!;
		const comment = (text: string) => (y: Parameters<typeof contactDoc>[0]) =>
			contactDoc(y).thread.append({ id: asEntryId(text), kind: 'comment', at: Date.now(), author: { type: 'user', id: 'u-olivia' }, text, mentions: [] });
		writer.edit(docId, comment('before-kill'));
		await waitFor(() => writer.traffic.acks.length === 1, 10_000, 'ack');
		const seen = writer.traffic.acks[0]!.seq;
		child.process.kill('SIGKILL');
		await child.exited;
		writer.close();

		child = await spawnServer({ DATA_DIR: dataDir, DEMO_CONTACTS: '4' });
		({ accessToken } = await login(child.url, 'owner@demo.test'));
		const after = new SyncClient({ url: child.url, token: accessToken });
		clients.push(after);
		await after.connect();
		after.edit(docId, comment('after-restart'));
		await waitFor(() => after.traffic.acks.length === 1, 10_000, 'ack after restart');
		expect(after.traffic.acks[0]!.seq).toBeGreaterThan(seen + 1);

		const below = new SyncClient({ url: child.url, token: accessToken, lastSeq: seen });
		const inGap = new SyncClient({ url: child.url, token: accessToken, lastSeq: seen + 1 });
		clients.push(below, inGap);
		await Promise.all([below.connect(), inGap.connect()]);
		expect(below.traffic.welcomes[0]!.full).toBe(false);
		expect(below.traffic.welcomes[0]!.changed).toEqual([docId]);
		expect(inGap.traffic.welcomes[0]!.full).toBe(true);
		expect(contactDoc(inGap.doc(docId)).thread.has(asEntryId('after-restart'))).toBe(true);
	}, 30_000);
});
