/**
 * The workflow role's contract (`workflow-store.ts`), run on SQLite and PostgreSQL: versions
 * are written once, run ids inserted once, run updates are compare-and-set, one claimant of a
 * run wins, and all of it survives a reopen (what makes runs resume after a kill -9).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { UserId } from '../../../src/lib/domain/types';
import type { StoreFactory } from './contract';
import type { Store, StoredRun } from './store';

export function run(id: string, over: Partial<StoredRun> = {}): StoredRun {
	return {
		id,
		workflowId: 'w1',
		version: 1,
		contactId: 'c1',
		status: 'running',
		position: [0],
		steps: 0,
		vars: {},
		waitUntil: null,
		waitReplySince: null,
		error: null,
		startedBy: 'trigger',
		createdAt: 1,
		updatedAt: 1,
		claimUntil: 0,
		...over
	};
}

export function workflowStoreContract(name: string, factory: StoreFactory): void {
	describe(`Store contract (workflows): ${name}`, () => {
		const cleanups: Array<() => Promise<void>> = [];
		afterEach(async () => {
			for (const c of cleanups.splice(0).reverse()) await c();
		});
		async function fresh(): Promise<{ store: Store; reopen(): Promise<Store> }> {
			const location = await factory();
			let store = await location.open();
			cleanups.push(async () => {
				await store.close();
				await location.destroy();
			});
			await store.workflowStore().migrateWorkflows();
			return {
				store,
				async reopen() {
					await store.close();
					store = await location.open();
					await store.workflowStore().migrateWorkflows();
					return store;
				}
			};
		}

		// SPEC S7.7 (versions: a run finishes on the version it started with)
		it('writes each version once and lists them in order', async () => {
			const w = (await fresh()).store.workflowStore();
			const v = { workflowId: 'w1', version: 1, definition: { name: 'A', trigger: { type: 'shortcut' as const }, steps: [] }, createdBy: 'u' as UserId, publishedAt: 5 };
			expect(await w.putWorkflowVersion(v)).toBe(true);
			expect(await w.putWorkflowVersion({ ...v, definition: { ...v.definition, name: 'B' } })).toBe(false);
			expect(await w.putWorkflowVersion({ ...v, version: 2 })).toBe(true);
			expect((await w.workflowVersions('w1')).map((x) => [x.version, x.definition.name])).toEqual([
				[1, 'A'],
				[2, 'A']
			]);
			expect(await w.workflowStates()).toEqual([{ id: 'w1', enabled: true, deleted: false, updatedAt: 5 }]);
			await w.setWorkflowState('w1', { enabled: false }, 9);
			expect((await w.workflowStates())[0]).toMatchObject({ enabled: false, updatedAt: 9 });
		});

		// SPEC S7.7 (exactly once: runs resume where they were after a restart)
		it('inserts a run id once, moves it by compare-and-set, and keeps it across a reopen', async () => {
			const f = await fresh();
			const w = f.store.workflowStore();
			expect(await w.insertRun(run('r1'))).toBe(true);
			expect(await w.insertRun(run('r1', { steps: 5 }))).toBe(false);
			expect(await w.updateRun('r1', { steps: 0, status: 'running' }, { steps: 1, position: [1], vars: { a: 'b' } })).toBe(true);
			expect(await w.updateRun('r1', { steps: 0, status: 'running' }, { steps: 1, position: [2] })).toBe(false);
			expect(await w.updateRun('r1', { steps: 1, status: 'running' }, { status: 'waiting', waitUntil: 100, waitReplySince: 50 })).toBe(true);
			const w2 = (await f.reopen()).workflowStore();
			expect(await w2.getRun('r1')).toEqual(run('r1', { steps: 1, position: [1], vars: { a: 'b' }, status: 'waiting', waitUntil: 100, waitReplySince: 50 }));
			expect(await w2.waitingForReply('c1')).toHaveLength(1);
			expect(await w2.dueRuns(99, 10)).toEqual([]);
			expect((await w2.dueRuns(100, 10)).map((r) => r.id)).toEqual(['r1']);
			expect(await w2.nextRunAt()).toBe(100);
		});

		it('lets exactly one claimant take a due run', async () => {
			const w = (await fresh()).store.workflowStore();
			await w.insertRun(run('r1'));
			const wins = await Promise.all([w.claimRun('r1', 0, 50), w.claimRun('r1', 0, 60), w.claimRun('r1', 0, 70)]);
			expect(wins.filter(Boolean)).toHaveLength(1);
			expect(await w.dueRuns(10, 10)).toEqual([]);
			expect(await w.dueRuns(80, 10)).toHaveLength(1);
		});

		// SPEC S7.7 (each occurrence of a schedule runs once, across restarts and processes)
		it('records an occurrence once, lets one claimant process it, and keeps it across a reopen', async () => {
			const f = await fresh();
			const w = f.store.workflowStore();
			expect(await w.lastOccurrenceAt('w1')).toBeNull();
			expect(await w.insertOccurrence({ workflowId: 'w1', at: 600, version: 1, createdAt: 601 })).toBe(true);
			expect(await w.insertOccurrence({ workflowId: 'w1', at: 600, version: 2, createdAt: 602 })).toBe(false);
			const wins = await Promise.all([w.claimOccurrence('w1', 600, 0, 50), w.claimOccurrence('w1', 600, 0, 60)]);
			expect(wins.filter(Boolean)).toHaveLength(1);
			expect(await w.pendingOccurrences(40, 10)).toEqual([]);
			const w2 = (await f.reopen()).workflowStore();
			expect(await w2.lastOccurrenceAt('w1')).toBe(600);
			expect((await w2.pendingOccurrences(100, 10)).map((o) => [o.workflowId, o.at, o.version])).toEqual([['w1', 600, 1]]);
			await w2.resetClaims();
			expect(await w2.pendingOccurrences(0, 10)).toHaveLength(1);
			await w2.finishOccurrence('w1', 600, { matched: 1001, started: 1000, capped: true, updatedAt: 700 });
			expect(await w2.pendingOccurrences(10_000, 10)).toEqual([]);
			expect(await w2.claimOccurrence('w1', 600, 0, 800)).toBe(false);
			expect(await w2.listOccurrences('w1', 10)).toEqual([
				{ workflowId: 'w1', at: 600, version: 1, status: 'done', matched: 1001, started: 1000, capped: true, claimUntil: 0, createdAt: 601, updatedAt: 700 }
			]);
		});

		// SPEC S7.7 (round robin across processes: one pointer, moved atomically)
		it('moves a round-robin pointer by compare-and-set', async () => {
			const w = (await fresh()).store.workflowStore();
			expect(await w.roundRobin('t1')).toBeNull();
			const first = await Promise.all([w.advanceRoundRobin('t1', null, 'a'), w.advanceRoundRobin('t1', null, 'b')]);
			expect(first.filter(Boolean)).toHaveLength(1);
			const cur = await w.roundRobin('t1');
			const next = await Promise.all([w.advanceRoundRobin('t1', cur, 'c'), w.advanceRoundRobin('t1', cur, 'd')]);
			expect(next.filter(Boolean)).toHaveLength(1);
			expect(['c', 'd']).toContain(await w.roundRobin('t1'));
			expect(await w.roundRobin('t2')).toBeNull();
		});

		it('lists runs by contact, workflow and activity, newest first', async () => {
			const w = (await fresh()).store.workflowStore();
			await w.insertRun(run('a', { createdAt: 1 }));
			await w.insertRun(run('b', { createdAt: 2, status: 'done', position: null }));
			await w.insertRun(run('c', { createdAt: 3, contactId: 'c2', workflowId: 'w2' }));
			expect((await w.listRuns({ contactId: 'c1', limit: 10 })).map((r) => r.id)).toEqual(['b', 'a']);
			expect((await w.listRuns({ contactId: 'c1', active: true, limit: 10 })).map((r) => r.id)).toEqual(['a']);
			expect((await w.listRuns({ workflowId: 'w2', limit: 10 })).map((r) => r.id)).toEqual(['c']);
		});
	});
}
