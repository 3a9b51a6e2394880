/**
 * The contract every `Store` adapter passes (SQLite, PostgreSQL), one group of cases per role
 * (each case is named after the role it checks: `UpdateLog: ...`, `AuthStore: ...`). An
 * adapter's test file calls `storeContract(name, factory)`; the factory hands out fresh, isolated
 * storage locations that can be opened again, so durability across a reopen is part of the contract.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocId, UserId } from '../../../src/lib/domain/types';
import type { Store } from './store';

export interface StoreLocation {
	/** Opens (and migrates) the store at this location; may be called again after `close()`. */
	open(): Promise<Store>;
	/** Removes the location's data. */
	destroy(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreLocation>;

const doc = (s: string) => s as DocId;
const user = (s: string) => s as UserId;
const bytes = (...n: number[]) => new Uint8Array(n);

function textUpdate(text: string, clientID: number, base?: Uint8Array): Uint8Array {
	const ydoc = new Y.Doc();
	ydoc.clientID = clientID;
	if (base) Y.applyUpdate(ydoc, base);
	const before = Y.encodeStateVector(ydoc);
	ydoc.getText('t').insert(ydoc.getText('t').length, text);
	const update = Y.encodeStateAsUpdate(ydoc, before);
	ydoc.destroy();
	return update;
}

function textOf(updates: Uint8Array[]): string {
	const ydoc = new Y.Doc();
	for (const u of updates) Y.applyUpdate(ydoc, u);
	const s = ydoc.getText('t').toString();
	ydoc.destroy();
	return s;
}

export function storeContract(name: string, factory: StoreFactory): void {
	describe(`Store contract: ${name}`, () => {
		const cleanups: Array<() => Promise<void>> = [];
		afterEach(async () => {
			for (const c of cleanups.splice(0).reverse()) await c();
		});
		async function fresh(): Promise<{ store: Store; location: StoreLocation }> {
			const location = await factory();
			const store = await location.open();
			cleanups.push(async () => {
				await store.close();
				await location.destroy();
			});
			return { store, location };
		}

		it('StoreLifecycle: migrates idempotently and starts empty', async () => {
			const { store } = await fresh();
			await store.migrate();
			expect(await store.headSeq()).toBe(0);
			expect(await store.changedSince(0)).toEqual([]);
			expect(await store.loadDoc(doc('c/none'))).toBeNull();
		});

		it('UpdateLog: stamps updates with one monotonic sequence across documents', async () => {
			const { store } = await fresh();
			const a = await store.appendUpdate(doc('c/a'), bytes(1));
			const b = await store.appendUpdate(doc('c/b'), bytes(2));
			const c = await store.appendUpdate(doc('c/a'), bytes(3));
			expect(a.seq).toBeGreaterThan(0);
			expect(b.seq).toBeGreaterThan(a.seq);
			expect(c.seq).toBeGreaterThan(b.seq);
			expect(await store.headSeq()).toBe(c.seq);
			const loaded = await store.loadDoc(doc('c/a'));
			expect(loaded?.updates).toEqual([bytes(1), bytes(3)]);
			expect(loaded?.seq).toBe(c.seq);
		});

		it('UpdateLog: gives unique, increasing numbers to concurrent appends', async () => {
			const { store } = await fresh();
			const results = await Promise.all(
				Array.from({ length: 200 }, (_, i) => store.appendUpdate(doc(`c/${i % 7}`), bytes(i % 256)))
			);
			const seqs = results.map((r) => r.seq);
			expect(new Set(seqs).size).toBe(200);
			expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
		});

		it('UpdateLog: stores an updateId once and answers duplicates with the first sequence number', async () => {
			const { store } = await fresh();
			const first = await store.appendUpdate(doc('c/a'), bytes(1), 'u1');
			const again = await store.appendUpdate(doc('c/a'), bytes(1), 'u1');
			expect(first.duplicate).toBe(false);
			expect(again).toEqual({ seq: first.seq, duplicate: true });
			// The same id in the same batch is stored once too.
			const [x, y] = await Promise.all([
				store.appendUpdate(doc('c/a'), bytes(2), 'u2'),
				store.appendUpdate(doc('c/a'), bytes(2), 'u2')
			]);
			expect(x!.duplicate).toBe(false);
			expect(y).toEqual({ seq: x!.seq, duplicate: true });
			// Ids are scoped to their document.
			const other = await store.appendUpdate(doc('c/b'), bytes(1), 'u1');
			expect(other.duplicate).toBe(false);
			expect((await store.loadDoc(doc('c/a')))?.updates.length).toBe(2);
			expect(await store.findUpdateId(doc('c/a'), 'u2')).toBe(x!.seq);
			expect(await store.findUpdateId(doc('c/a'), 'nope')).toBeNull();
		});

		it('UpdateLog: an append expecting a document head is refused once another write moved it, and rows since a number are listed', async () => {
			const { store } = await fresh();
			const a1 = await store.appendUpdate(doc('c/a'), bytes(1), undefined, { expectDocSeq: 0 });
			expect(a1.conflict).toBeFalsy();
			await store.appendUpdate(doc('c/b'), bytes(2));
			const stale = await store.appendUpdate(doc('c/a'), bytes(3), 'x', { expectDocSeq: 0 });
			expect(stale).toEqual({ seq: 0, duplicate: false, conflict: true });
			expect(await store.findUpdateId(doc('c/a'), 'x')).toBeNull();
			const [a2, a3] = await Promise.all([
				store.appendUpdate(doc('c/a'), bytes(4), undefined, { expectDocSeq: a1.seq }),
				store.appendUpdate(doc('c/a'), bytes(5), undefined, { expectDocSeq: a1.seq })
			]);
			expect(a2!.conflict).toBeFalsy();
			expect(a3!.conflict).toBe(true);
			expect(await store.updatesSince(doc('c/a'), 0)).toEqual([
				{ seq: a1.seq, update: bytes(1) },
				{ seq: a2!.seq, update: bytes(4) }
			]);
			expect(await store.updatesSince(doc('c/a'), a1.seq)).toEqual([{ seq: a2!.seq, update: bytes(4) }]);
			expect(await store.updatesSince(doc('c/none'), 0)).toEqual([]);
			// Behind, with a catch-up: it gets the rows it lacks and may let the append through.
			const seen: number[][] = [];
			const caught = await store.appendUpdate(doc('c/a'), bytes(6), undefined, {
				expectDocSeq: a1.seq,
				catchUp: (rows) => (seen.push(rows.map((r) => r.seq)), true)
			});
			expect(seen).toEqual([[a2!.seq]]);
			expect(caught.seq).toBeGreaterThan(a2!.seq);
			const refused = await store.appendUpdate(doc('c/a'), bytes(7), undefined, { expectDocSeq: a2!.seq, catchUp: () => false });
			expect(refused.conflict).toBe(true);
			expect((await store.loadDoc(doc('c/a')))?.updates).toEqual([bytes(1), bytes(4), bytes(6)]);
		});

		it('UpdateLog: lists the documents changed since a sequence number with their newest number', async () => {
			const { store } = await fresh();
			const a1 = await store.appendUpdate(doc('c/a'), bytes(1));
			await store.appendUpdate(doc('c/b'), bytes(1));
			const c1 = await store.appendUpdate(doc('c/c'), bytes(1));
			const a2 = await store.appendUpdate(doc('c/a'), bytes(2));
			const changed = await store.changedSince(a1.seq);
			const byDoc = new Map(changed.map((c) => [c.docId, c.seq]));
			expect(byDoc.size).toBe(3);
			expect(byDoc.get(doc('c/a'))).toBe(a2.seq);
			expect(byDoc.get(doc('c/c'))).toBe(c1.seq);
			expect(await store.changedSince(a2.seq)).toEqual([]);
			expect((await store.changedSince(c1.seq)).map((c) => c.docId)).toEqual(['c/a']);
		});

		it('UpdateLog: compacts a document into one update, keeping content, newest number and idempotency', async () => {
			const { store } = await fresh();
			let state: Uint8Array | undefined;
			let lastSeq = 0;
			for (let i = 0; i < 10; i++) {
				const u = textUpdate(String(i), 100 + i, state);
				state = state ? Y.mergeUpdates([state, u]) : u;
				lastSeq = (await store.appendUpdate(doc('c/a'), u, `id${i}`)).seq;
			}
			const other = await store.appendUpdate(doc('c/b'), bytes(9));
			const res = await store.compact(doc('c/a'), (us) => Y.mergeUpdates(us));
			expect(res).toEqual({ merged: 10, seq: lastSeq });
			expect(await store.countUpdates(doc('c/a'))).toBe(1);
			const loaded = await store.loadDoc(doc('c/a'));
			expect(loaded?.seq).toBe(lastSeq);
			expect(textOf(loaded!.updates)).toBe('0123456789');
			expect((await store.changedSince(lastSeq - 1)).map((c) => c.docId).sort()).toEqual(['c/a', 'c/b']);
			expect(await store.appendUpdate(doc('c/a'), bytes(0), 'id3')).toEqual({ seq: lastSeq - 6, duplicate: true });
			const next = await store.appendUpdate(doc('c/a'), textUpdate('x', 2));
			expect(next.seq).toBeGreaterThan(other.seq);
			expect(await store.docsNeedingCompaction(1, 10)).toEqual(['c/a']);
		});

		it('UpdateLog: never reuses a sequence number, across compaction and reopen', async () => {
			const { store: first, location } = await fresh();
			await first.appendUpdate(doc('c/a'), textUpdate('a', 1));
			const s2 = await first.appendUpdate(doc('c/a'), textUpdate('b', 2));
			await first.compact(doc('c/a'), (us) => Y.mergeUpdates(us));
			await first.close();
			const store = await location.open();
			cleanups.push(() => store.close());
			const s3 = await store.appendUpdate(doc('c/z'), bytes(1));
			expect(s3.seq).toBeGreaterThan(s2.seq);
			expect(await store.headSeq()).toBe(s3.seq);
		});

		it('UpdateLog: keeps every resolved append across close and reopen', async () => {
			const { store: first, location } = await fresh();
			const appends = await Promise.all(
				Array.from({ length: 50 }, (_, i) => first.appendUpdate(doc(`c/${i % 5}`), bytes(i), `k${i}`))
			);
			await first.setMeta('k', 'v');
			await first.close();
			const store = await location.open();
			cleanups.push(() => store.close());
			let total = 0;
			for (let d = 0; d < 5; d++) total += (await store.loadDoc(doc(`c/${d}`)))?.updates.length ?? 0;
			expect(total).toBe(50);
			expect(await store.headSeq()).toBe(Math.max(...appends.map((a) => a.seq)));
			expect(await store.getMeta('k')).toBe('v');
			expect((await store.appendUpdate(doc('c/0'), bytes(0), 'k0')).duplicate).toBe(true);
		});

		it('AccessIndex: keeps the access records of contacts', async () => {
			const { store } = await fresh();
			await store.putAccess([
				{ docId: doc('c/a'), assigneeId: user('u1'), teamId: null, blocked: false, seq: 3 },
				{ docId: doc('c/b'), assigneeId: null, teamId: 't1', blocked: true, seq: 4 }
			]);
			await store.putAccess([{ docId: doc('c/a'), assigneeId: null, teamId: 't2', blocked: false, seq: 5 }]);
			const all = (await store.listAccess()).sort((x, y) => x.docId.localeCompare(y.docId));
			expect(all).toEqual([
				{ docId: 'c/a', assigneeId: null, teamId: 't2', blocked: false, seq: 5 },
				{ docId: 'c/b', assigneeId: null, teamId: 't1', blocked: true, seq: 4 }
			]);
		});

		it('AuthStore: stores login records, with case-insensitive unique emails', async () => {
			const { store } = await fresh();
			await store.createUser({ id: user('u1'), email: 'Ana@Demo.test', passwordHash: 'h', tokenVersion: 0 });
			expect((await store.getUserByEmail('ana@demo.test'))?.id).toBe('u1');
			await expect(store.createUser({ id: user('u2'), email: 'ana@demo.test', passwordHash: 'h', tokenVersion: 0 })).rejects.toThrow();
			await store.updateUser(user('u1'), { tokenVersion: 3, passwordHash: 'h2' });
			expect(await store.getUserById(user('u1'))).toEqual({ id: 'u1', email: 'Ana@Demo.test', passwordHash: 'h2', tokenVersion: 3 });
			await store.deleteUser(user('u1'));
			expect(await store.getUserById(user('u1'))).toBeNull();
		});

		it('AuthStore: rotates a refresh token in one step, keeping its sealed successor', async () => {
			const { store } = await fresh();
			const base = { userId: user('u1'), familyId: 'f1', expiresAt: 10_000, revokedAt: null, replacedBy: null };
			await store.insertRefreshToken({ ...base, hash: 'h1' });
			expect(await store.rotateRefreshToken('h1', 5, { ...base, hash: 'h2' }, 'sealed-h2')).toBe(true);
			expect(await store.getRefreshToken('h1')).toMatchObject({ revokedAt: 5, replacedBy: 'h2', successor: 'sealed-h2' });
			expect(await store.getRefreshToken('h2')).toMatchObject({ revokedAt: null, familyId: 'f1' });
			// The loser of a race writes nothing.
			expect(await store.rotateRefreshToken('h1', 6, { ...base, hash: 'h3' }, 'sealed-h3')).toBe(false);
			expect(await store.getRefreshToken('h3')).toBeNull();
			expect((await store.getRefreshToken('h1'))?.successor).toBe('sealed-h2');
		});

		it('AuthStore: remembers ended sessions until their access tokens expire', async () => {
			const { store } = await fresh();
			expect(await store.isSessionRevoked('s1', 0)).toBe(false);
			await store.revokeSession('s1', 100, 0);
			expect(await store.isSessionRevoked('s1', 50)).toBe(true);
			expect(await store.isSessionRevoked('s2', 50)).toBe(false);
			expect(await store.isSessionRevoked('s1', 100)).toBe(false);
			// Pruned by a later revocation; a second revocation of the same session keeps the later end.
			await store.revokeSession('s2', 300, 200);
			await store.revokeSession('s2', 250, 200);
			expect(await store.isSessionRevoked('s2', 280)).toBe(true);
		});

		it('AuthStore: rotates and revokes refresh tokens by token, family and user', async () => {
			const { store } = await fresh();
			const base = { userId: user('u1'), expiresAt: 10_000, revokedAt: null, replacedBy: null };
			await store.insertRefreshToken({ ...base, hash: 'h1', familyId: 'f1' });
			await store.insertRefreshToken({ ...base, hash: 'h2', familyId: 'f1' });
			await store.insertRefreshToken({ ...base, hash: 'h3', familyId: 'f2' });
			expect(await store.revokeRefreshToken('h1', 5, 'h2')).toBe(true);
			expect(await store.revokeRefreshToken('h1', 6)).toBe(false);
			expect(await store.getRefreshToken('h1')).toMatchObject({ revokedAt: 5, replacedBy: 'h2', familyId: 'f1' });
			await store.revokeRefreshFamily('f1', 7);
			expect((await store.getRefreshToken('h2'))?.revokedAt).toBe(7);
			expect((await store.getRefreshToken('h3'))?.revokedAt).toBeNull();
			await store.revokeRefreshTokensOfUser(user('u1'), 8);
			expect((await store.getRefreshToken('h3'))?.revokedAt).toBe(8);
			expect(await store.getRefreshToken('missing')).toBeNull();
		});

		it('ChannelSecrets: keeps, replaces and deletes channel secrets', async () => {
			const { store } = await fresh();
			await store.setChannelSecret('ch1', 's1');
			await store.setChannelSecret('ch1', 's2');
			expect(await store.getChannelSecret('ch1')).toBe('s2');
			await store.deleteChannelSecret('ch1');
			expect(await store.getChannelSecret('ch1')).toBeNull();
		});

		it('AdminRecords: one-time links are used once; open invitations; the audit trail pages newest first (issue 20)', async () => {
			const { store, location } = await fresh();
			const link = { hash: 'h1', kind: 'invite' as const, email: 'a@b.co', userId: null, payload: '{"role":"agent"}', createdBy: user('u1'), createdAt: 1000, expiresAt: 5000, usedAt: null };
			await store.insertLink(link);
			await store.insertLink({ ...link, hash: 'h2', kind: 'reset', userId: user('u2') });
			await store.insertLink({ ...link, hash: 'h3', createdAt: 2000, expiresAt: 1500 });
			expect(await store.getLink('h1')).toEqual(link);
			expect((await store.openInvites(1200)).map((l) => l.hash)).toEqual(['h3', 'h1']);
			expect((await store.openInvites(1600)).map((l) => l.hash)).toEqual(['h1']);
			const [first, second] = await Promise.all([store.useLink('h1', 1300), store.useLink('h1', 1301)]);
			expect([first, second].filter(Boolean)).toHaveLength(1);
			expect((await store.getLink('h1'))?.usedAt).toBe(first ? 1300 : 1301);
			expect(await store.openInvites(1200)).toMatchObject([{ hash: 'h3' }]);
			await store.deleteLink('h3');
			expect(await store.getLink('h3')).toBeNull();
			for (let i = 0; i < 5; i++) await store.appendAudit({ id: `e${i}`, at: 100 + i, actorId: i ? user('u1') : null, action: 'team.create', targetId: i % 2 ? `t${i}` : null, detail: '{}' });
			expect((await store.listAudit(2)).map((e) => e.id)).toEqual(['e4', 'e3']);
			expect((await store.listAudit(10, 103)).map((e) => e.id)).toEqual(['e2', 'e1', 'e0']);
			expect((await store.listAudit(10))[4]).toEqual({ id: 'e0', at: 100, actorId: null, action: 'team.create', targetId: null, detail: '{}' });
			await store.close();
			const again = await location.open();
			expect((await again.getLink('h1'))?.usedAt).not.toBeNull();
			expect(await again.listAudit(10)).toHaveLength(5);
			cleanups.push(() => again.close());
		});

		it('AuthStore: lists the live sessions of a user (issue 20)', async () => {
			const { store } = await fresh();
			const rec = (hash: string, userId: string, familyId: string, expiresAt = 10_000) => ({ hash, userId: user(userId), familyId, expiresAt, revokedAt: null, replacedBy: null });
			await store.insertRefreshToken(rec('a', 'u1', 'f1'));
			await store.insertRefreshToken(rec('b', 'u1', 'f2'));
			await store.insertRefreshToken(rec('c', 'u1', 'f3', 50));
			await store.insertRefreshToken(rec('d', 'u2', 'f4'));
			await store.revokeRefreshFamily('f2', 10);
			expect(await store.liveSessionsOf(user('u1'), 100)).toEqual(['f1']);
		});

		it('Leases: one holder at a time, renewed by it, taken over once released or expired', async () => {
			const { store } = await fresh();
			expect(await store.acquireLease('snooze', 'p1', 60_000)).toBe(true);
			expect(await store.acquireLease('snooze', 'p2', 60_000)).toBe(false);
			expect(await store.acquireLease('snooze', 'p1', 60_000)).toBe(true);
			expect(await store.acquireLease('outbox', 'p2', 60_000)).toBe(true);
			await store.releaseLease('snooze', 'p2');
			expect(await store.acquireLease('snooze', 'p2', 60_000)).toBe(false);
			await store.releaseLease('snooze', 'p1');
			expect(await store.acquireLease('snooze', 'p2', 1)).toBe(true);
			const until = Date.now() + 10_000;
			while (!(await store.acquireLease('snooze', 'p3', 60_000))) {
				if (Date.now() > until) throw new Error('an expired lease was never taken over');
				await new Promise((r) => setTimeout(r, 5));
			}
			expect(await store.acquireLease('snooze', 'p2', 60_000)).toBe(false);
		});

		it('MetaStore: keeps meta values', async () => {
			const { store } = await fresh();
			expect(await store.getMeta('x')).toBeNull();
			await store.setMeta('x', '1');
			await store.setMeta('x', '2');
			expect(await store.getMeta('x')).toBe('2');
		});

		// SPEC S5.4 (a list several processes append to, such as an email channel's delivery problems, loses no entry)
		it('MetaStore: swaps a value only when it still holds the expected one', async () => {
			const { store } = await fresh();
			expect(await store.swapMeta('list', null, '[1]')).toBe(true);
			expect(await store.swapMeta('list', null, '[2]')).toBe(false);
			expect(await store.swapMeta('list', '[2]', '[3]')).toBe(false);
			expect(await store.swapMeta('list', '[1]', '[1,2]')).toBe(true);
			expect(await store.getMeta('list')).toBe('[1,2]');
			// Many writers appending at once, each re-reading when it loses: every entry is kept.
			const append = async (n: number) => {
				for (;;) {
					const seen = await store.getMeta('list');
					const next = JSON.stringify([...(JSON.parse(seen ?? '[]') as number[]), n]);
					if (await store.swapMeta('list', seen, next)) return;
				}
			};
			await Promise.all([10, 11, 12, 13, 14, 15].map(append));
			expect((JSON.parse((await store.getMeta('list'))!) as number[]).sort((a, b) => a - b)).toEqual([1, 2, 10, 11, 12, 13, 14, 15]);
		});
	});
}

/**
 * The cross-process part of the contract, for adapters whose storage several server processes
 * share (PostgreSQL): `open()` called twice on one location gives two independent stores, as two
 * processes have. SQLite is one process's embedded store and does not run it.
 */
export function sharedStoreContract(name: string, factory: StoreFactory): void {
	describe(`Store contract (shared by processes): ${name}`, () => {
		const cleanups: Array<() => Promise<void>> = [];
		afterEach(async () => {
			for (const c of cleanups.splice(0).reverse()) await c();
		});
		async function two(): Promise<[Store, Store]> {
			const location = await factory();
			cleanups.push(() => location.destroy());
			const [a, b] = await Promise.all([location.open(), location.open()]);
			cleanups.push(async () => {
				await a.close();
				await b.close();
			});
			return [a, b];
		}

		it('StoreLifecycle: two processes migrating an empty database at once both succeed, once', async () => {
			const location = await factory();
			cleanups.push(() => location.destroy());
			const stores = await Promise.all([location.open(), location.open(), location.open()]);
			cleanups.push(async () => {
				for (const s of stores) await s.close();
			});
			const a = await stores[0]!.appendUpdate(doc('c/a'), bytes(1));
			expect(await stores[2]!.headSeq()).toBe(a.seq);
		});

		it('UpdateLog: numbers are unique across processes and a change-feed cursor never passes an uncommitted number', async () => {
			const [a, b] = await two();
			const seen = new Map<string, number>();
			let cursor = 0;
			let writing = true;
			const reader = (async () => {
				while (writing) {
					for (const c of await b.changedSince(cursor)) {
						seen.set(c.docId, c.seq);
						cursor = Math.max(cursor, c.seq);
					}
				}
			})();
			const writes = await Promise.all(
				Array.from({ length: 300 }, (_, i) => (i % 2 ? a : b).appendUpdate(doc(`c/${i}`), bytes(i % 256)))
			);
			writing = false;
			await reader;
			// One last read from the cursor: it must find every document the reader has not seen.
			for (const c of await b.changedSince(cursor)) seen.set(c.docId, c.seq);
			expect(new Set(writes.map((w) => w.seq)).size).toBe(300);
			expect(seen.size).toBe(300);
			for (const [i, w] of writes.entries()) expect(seen.get(`c/${i}`)).toBe(w.seq);
			expect(await a.headSeq()).toBe(Math.max(...writes.map((w) => w.seq)));
			for (const w of writes) expect(await a.seqMayBeLost(w.seq)).toBe(false);
		});

		it('Leases: two processes never hold one lease or run one exclusive section at once', async () => {
			const [a, b] = await two();
			const got = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).acquireLease('l', `p${i}`, 60_000)));
			expect(got.filter(Boolean)).toHaveLength(1);
			let inside = 0;
			let overlapped = false;
			const section = async () => {
				inside++;
				if (inside > 1) overlapped = true;
				await new Promise((r) => setTimeout(r, 20));
				inside--;
			};
			await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).exclusive('seed', section)));
			expect(overlapped).toBe(false);
		});

		it('UpdateLog: one updateId sent to two processes at once is stored once', async () => {
			const [a, b] = await two();
			const results = await Promise.all(
				Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).appendUpdate(doc('c/a'), bytes(7), 'same'))
			);
			expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
			expect(new Set(results.map((r) => r.seq)).size).toBe(1);
			expect((await a.loadDoc(doc('c/a')))?.updates).toHaveLength(1);
		});

		it('UpdateLog: compaction in one process never loses a write of another, nor races a compaction there', async () => {
			const [a, b] = await two();
			let state: Uint8Array | undefined;
			const expected: string[] = [];
			const appends: Array<Promise<unknown>> = [];
			const compactions: Array<Promise<unknown>> = [];
			for (let i = 0; i < 60; i++) {
				const u = textUpdate(String(i % 10), 1000 + i, state);
				state = state ? Y.mergeUpdates([state, u]) : u;
				expected.push(String(i % 10));
				appends.push((i % 2 ? a : b).appendUpdate(doc('c/a'), u));
				if (i % 7 === 3) {
					compactions.push(a.compact(doc('c/a'), (us) => Y.mergeUpdates(us)).catch(() => null));
					compactions.push(b.compact(doc('c/a'), (us) => Y.mergeUpdates(us)).catch(() => null));
				}
				if (i % 5 === 0) await new Promise((r) => setImmediate(r));
			}
			const seqs = (await Promise.all(appends)) as Array<{ seq: number }>;
			await Promise.all(compactions);
			const loaded = await b.loadDoc(doc('c/a'));
			expect(textOf(loaded!.updates)).toBe(expected.join(''));
			expect(loaded!.seq).toBe(Math.max(...seqs.map((s) => s.seq)));
		});
	});
}
