// SPEC S7.4 S7.5: the server wakes snoozed contacts when their time passes, back to the status
// before the snooze, with a `woken` event from the system; also after a restart. Real server on
// port 0, an injectable clock (real time plus an offset the test moves), no fixed sleeps.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contactDoc, docFromUpdates, storageOrigin } from '../../../src/lib/doc';
import * as actions from '../../../src/lib/domain/actions';
import { newId } from '../../../src/lib/domain/ids';
import type { DocId, EventEntry } from '../../../src/lib/domain/types';
import { startTestServer, tempDir, type TestServer } from '../../test/helpers/server';
import { SqliteStore } from '../persistence/sqlite';
import { MinHeap } from './heap';
import { recordSeededSnoozes, SnoozeScheduler } from './snooze';
import type { Rooms } from '../rooms';
import { waitFor } from '../../../src/lib/test-utils/wait';

const USER = { type: 'user', id: 'u-olivia' } as const;

async function read(server: TestServer, docId: DocId) {
	const { update } = await server.rooms.snapshot(docId);
	const ydoc = docFromUpdates([update], storageOrigin());
	const c = contactDoc(ydoc, storageOrigin());
	const out = { state: c.state.get(), blocked: c.profile.get().blocked, events: c.thread.ordered().filter((e): e is EventEntry => e.kind === 'event') };
	ydoc.destroy();
	return out;
}

/** Runs a domain action on a contact as a user would (through the write path). */
async function act(server: TestServer, docId: DocId, now: number, fn: (c: ReturnType<typeof contactDoc>) => actions.ActionResult | actions.ActionError) {
	await server.rooms.applyServerChange(docId, (ydoc) => {
		const c = contactDoc(ydoc);
		const r = fn(c);
		if (actions.isActionError(r)) throw new Error(r.message);
		c.applyAction(r, USER, now, newId);
	});
}

/** A contact that is neither snoozed nor blocked, with the given status. */
async function pick(server: TestServer, status: 'open' | 'closed'): Promise<DocId> {
	for (const docId of server.visibility.contactDocIds()) {
		const d = await read(server, docId);
		if (!d.blocked && d.state.status === status) return docId;
	}
	throw new Error(`no ${status} contact`);
}

describe('snooze scheduler', () => {
	const cleanups: Array<() => Promise<void>> = [];
	afterEach(async () => {
		for (const c of cleanups.splice(0).reverse()) await c();
	});

	it('wakes a snoozed contact when its time passes, back to its previous status, with a system woken event', async () => {
		let offset = 3_600_000;
		const clock = () => Date.now() + offset;
		const server = await startTestServer({ clock, maintenanceEveryMs: 0 });
		cleanups.push(() => server.destroy());
		for (const status of ['open', 'closed'] as const) {
			const docId = await pick(server, status);
			const before = await read(server, docId);
			await act(server, docId, clock(), (c) => actions.snooze(c.state.get(), false, clock() + 150, clock()));
			expect((await read(server, docId)).state.status).toBe('snoozed');
			expect(server.snooze.scheduled().has(docId)).toBe(true);
			await waitFor(async () => (await read(server, docId)).state.status !== 'snoozed', 10_000, `wake of ${docId}`);
			const after = await read(server, docId);
			expect(after.state).toMatchObject({ status, since: before.state.since, snoozeUntil: null, statusBeforeSnooze: null });
			const woken = after.events.filter((e) => e.type === 'woken');
			expect(woken).toHaveLength(before.events.filter((e) => e.type === 'woken').length + 1);
			expect(woken.at(-1)).toMatchObject({ source: 'system', author: { type: 'system' }, data: { status } });
			// The document changes before its update is stored; the index follows once it is.
			await waitFor(async () => !server.snooze.scheduled().has(docId), 10_000, 'index update');
		}
		offset = 0;
	});

	it('follows re-snoozes and manual unsnoozes: one wake at the latest time, none after an unsnooze', async () => {
		const clock = () => Date.now();
		const server = await startTestServer({ clock, maintenanceEveryMs: 0 });
		cleanups.push(() => server.destroy());
		const a = await pick(server, 'open');
		await act(server, a, clock(), (c) => actions.snooze(c.state.get(), false, clock() + 100, clock()));
		await act(server, a, clock(), (c) => actions.snooze(c.state.get(), false, clock() + 60_000, clock()));
		expect(server.snooze.scheduled().get(a)).toBeGreaterThan(clock() + 50_000);
		await act(server, a, clock(), (c) => actions.wake(c.state.get(), clock(), 'user'));
		expect(server.snooze.scheduled().has(a)).toBe(false);
		const d = await read(server, a);
		expect(d.state.status).toBe('open');
		expect(d.events.filter((e) => e.type === 'woken' && e.source === 'system')).toHaveLength(0);
		// Blocking ends a snooze silently (no woken to notify about).
		await act(server, a, clock(), (c) => actions.snooze(c.state.get(), false, clock() + 60_000, clock()));
		await act(server, a, clock(), (c) => actions.block(c.state.get(), clock()));
		expect(server.snooze.scheduled().has(a)).toBe(false);
	});

	it('wakes after a restart what came due while the server was down, and keeps what is not due yet', async () => {
		let offset = 0;
		const clock = () => Date.now() + offset;
		const dataDir = tempDir();
		let server = await startTestServer({ clock, dataDir, maintenanceEveryMs: 0 });
		const soon = await pick(server, 'closed');
		const later = await pick(server, 'open');
		await act(server, soon, clock(), (c) => actions.snooze(c.state.get(), false, clock() + 3_600_000, clock()));
		await act(server, later, clock(), (c) => actions.snooze(c.state.get(), false, clock() + 5 * 3_600_000, clock()));
		await server.close();

		offset = 2 * 3_600_000;
		server = await startTestServer({ clock, dataDir, maintenanceEveryMs: 0 });
		cleanups.push(() => server.destroy());
		const s = await read(server, soon);
		expect(s.state.status).toBe('closed');
		expect(s.events.at(-1)).toMatchObject({ type: 'woken', source: 'system' });
		expect((await read(server, later)).state.status).toBe('snoozed');
		expect(server.snooze.scheduled().has(later)).toBe(true);

		// The clock jumps past the second wake-up: `rearm` follows it at once.
		offset = 6 * 3_600_000;
		server.snooze.rearm();
		await waitFor(async () => (await read(server, later)).state.status === 'open', 10_000, 'wake after the clock jump');
	});

	it('a restart after a crash that lost the index entry re-reads the documents after the checkpoint', async () => {
		const clock = () => Date.now();
		const dataDir = tempDir();
		let server = await startTestServer({ clock, dataDir, maintenanceEveryMs: 0 });
		const docId = await pick(server, 'open');
		const checkpoint = await server.store.headSeq();
		await act(server, docId, clock(), (c) => actions.snooze(c.state.get(), false, clock() + 3_600_000, clock()));
		await server.close();
		// As if the process died after storing the snooze, before the index write.
		const store = new SqliteStore(join(dataDir, 'parley.db'));
		await store.setMeta('snooze.index', '{}');
		await store.setMeta('snooze.checkpoint', String(checkpoint));
		await store.close();
		server = await startTestServer({ clock, dataDir, maintenanceEveryMs: 0 });
		cleanups.push(() => server.destroy());
		expect(server.snooze.scheduled().has(docId)).toBe(true);
	});

	it('keeps a snooze without a time (due at once) in its stored index across a restart', async () => {
		// A process that does not hold the lease keeps the index but never wakes: what it stores
		// is what the next holder starts from.
		const dataDir = tempDir();
		const store = new SqliteStore(join(dataDir, 'parley.db'));
		await store.migrate();
		cleanups.push(async () => {
			await store.close();
			rmSync(dataDir, { recursive: true, force: true });
		});
		const docId = 'c/timeless-snooze' as DocId;
		await recordSeededSnoozes(store, [[docId, -Infinity]], await store.headSeq());
		const rooms = { inflightCount: 0, view: () => undefined } as unknown as Rooms;
		const opts = { store, rooms, clock: () => Date.now(), log: () => undefined, lease: { held: false } };
		const first = new SnoozeScheduler(opts);
		await first.start();
		expect(first.scheduled().get(docId)).toBe(-Infinity);
		await first.close();
		const second = new SnoozeScheduler(opts);
		await second.start();
		expect(second.scheduled().get(docId)).toBe(-Infinity);
		await second.close();
	});
});

describe('MinHeap', () => {
	it('pops in time order (seeded)', () => {
		const seed = 0x5eed;
		let x = seed;
		const rand = () => ((x = (x * 1103515245 + 12345) >>> 0) % 1000);
		const h = new MinHeap<number>();
		const all: number[] = [];
		for (let i = 0; i < 500; i++) {
			const at = rand();
			all.push(at);
			h.push({ at, key: i });
		}
		const out: number[] = [];
		for (let t = h.pop(); t; t = h.pop()) out.push(t.at);
		expect(out, `seed ${seed}`).toEqual(all.sort((a, b) => a - b));
	});
});
