// The list kept sorted in place agrees with the domain's queryList after every batch.
// SPEC S4.1, S4.2 (filters and sorts), S4.5 (standard inboxes update live). Seeded.
import { describe, expect, it } from 'vitest';
import { queryList } from '../domain/list';
import type { ContactId, ContactSummary, Directory, ListQuery, TeamId, User, UserId, WorkspaceId } from '../domain/types';
import { seededRandom } from '../sync/backoff';
import { ListIndex } from './list-index';

const me = { id: 'u1' as UserId, name: 'Me', email: 'me@x', role: 'agent', restriction: 'none', teamIds: ['t1' as TeamId], color: '#000', active: true } satisfies User;
const dir: Directory = {
	workspaceId: 'w' as WorkspaceId,
	workspaceName: 'W',
	users: [me, { ...me, id: 'u2' as UserId, name: 'Other' }],
	teams: [{ id: 't1' as TeamId, name: 'Sales' }],
	channels: [],
	snippets: [],
	customFields: []
};

function summary(rand: () => number, id: string): ContactSummary {
	const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
	const hasMsg = rand() < 0.9;
	return {
		id: id as ContactId,
		firstName: id,
		lastName: '',
		phone: '',
		email: '',
		blocked: rand() < 0.05,
		channelIds: [],
		assigneeId: pick([null, 'u1' as UserId, 'u2' as UserId]),
		teamId: pick([null, 't1' as TeamId]),
		status: pick(['open', 'closed', 'snoozed'] as const),
		statusSince: rand() < 0.1 ? null : Math.floor(rand() * 1000),
		snoozeUntil: null,
		statusBeforeSnooze: null,
		sinceBeforeSnooze: null,
		lastMessageAt: hasMsg ? Math.floor(rand() * 1000) : null,
		lastMessageDirection: hasMsg ? pick(['in', 'out'] as const) : null,
		lastMessageChannelId: null,
		lastMessagePreview: '',
		recentIncomingAt: [],
		reads: {},
		updatedAt: 0
	};
}

describe('ListIndex', () => {
	const queries: ListQuery[] = [
		{ inbox: 'all', status: 'all', unreplied: false, sort: 'newest' },
		{ inbox: 'mine', status: 'open', unreplied: false, sort: 'longest' },
		{ inbox: 'team:t1', status: 'closed', unreplied: true, sort: 'shortest' },
		{ inbox: 'unassigned', status: 'all', unreplied: false, sort: 'oldest' },
		{ inbox: 'blocked', status: 'open', unreplied: false, sort: 'newest' }
	];
	for (const query of queries) {
		it(`patches like a full queryList (${query.inbox}/${query.status}/${query.sort})`, () => {
			const seed = 7 + queries.indexOf(query);
			const rand = seededRandom(seed);
			const all = new Map<ContactId, ContactSummary>();
			for (let i = 0; i < 300; i++) {
				const s = summary(rand, `c${i}`);
				all.set(s.id, s);
			}
			const index = new ListIndex(query);
			index.rebuild(all.values(), query, me, dir);
			for (let round = 0; round < 60; round++) {
				const prev = new Map(all);
				const changed: ContactSummary[] = [];
				const removed: ContactId[] = [];
				const k = 1 + Math.floor(rand() * 5);
				for (let j = 0; j < k; j++) {
					const id = `c${Math.floor(rand() * 330)}` as ContactId;
					if (rand() < 0.15) {
						if (all.delete(id)) removed.push(id);
					} else {
						const s = summary(rand, id);
						all.set(id, s);
						changed.push(s);
					}
				}
				// A contact changed twice in one batch is reported once with its last value.
				const last = new Map(changed.map((c) => [c.id, c]));
				const rows = index.patch([...last.values()].filter((c) => all.get(c.id) === c), removed.filter((id) => !all.has(id)), (id) => prev.get(id), () => all.values());
				expect(rows.map((r) => r.id), `seed ${seed} round ${round}`).toEqual(queryList(all.values(), query, me, dir).map((r) => r.id));
			}
		});
	}

	it('switches query after patches like a full queryList (kept sorted orders)', () => {
		const seed = 41;
		const rand = seededRandom(seed);
		const all = new Map<ContactId, ContactSummary>();
		for (let i = 0; i < 300; i++) {
			const s = summary(rand, `c${i}`);
			all.set(s.id, s);
		}
		const index = new ListIndex(queries[0]!);
		index.rebuild(all.values(), queries[0]!, me, dir);
		const sorts = ['newest', 'oldest', 'longest', 'shortest'] as const;
		const statuses = ['all', 'open', 'closed', 'snoozed'] as const;
		const inboxes = ['all', 'mine', 'unassigned', 'team:t1', 'blocked'] as const;
		for (let round = 0; round < 80; round++) {
			const query: ListQuery = {
				inbox: inboxes[Math.floor(rand() * inboxes.length)]!,
				status: statuses[Math.floor(rand() * statuses.length)]!,
				unreplied: rand() < 0.3,
				sort: sorts[Math.floor(rand() * sorts.length)]!
			};
			const rows = index.requery(all.values(), query, me, dir);
			expect(rows.map((r) => r.id), `seed ${seed} round ${round} requery`).toEqual(queryList(all.values(), query, me, dir).map((r) => r.id));
			const prev = new Map(all);
			const changed = new Map<ContactId, ContactSummary>();
			const removed: ContactId[] = [];
			for (let j = 0; j < 1 + Math.floor(rand() * 4); j++) {
				const id = `c${Math.floor(rand() * 330)}` as ContactId;
				if (rand() < 0.15) {
					if (all.delete(id)) {
						removed.push(id);
						changed.delete(id);
					}
				} else {
					const s = summary(rand, id);
					all.set(id, s);
					changed.set(id, s);
				}
			}
			const patched = index.patch([...changed.values()], removed, (id) => prev.get(id), () => all.values());
			expect(patched.map((r) => r.id), `seed ${seed} round ${round} patch`).toEqual(queryList(all.values(), query, me, dir).map((r) => r.id));
		}
	});
});

// Issue 26 (SPEC S1.2 S1.3 S1.9 S4.1 S4.2 S4.3): a switch filters the kept orders by each
// contact's facet bits; for every kind of user (admin, agent with teams, restricted to self,
// inactive), every inbox (teams unknown to the directory too), status, Unreplied and sort, the
// rows are exactly the domain's queryList, before and after patches and after `prepare`.
describe('ListIndex facets', () => {
	const t2 = 't2' as TeamId;
	const base = { name: 'X', email: 'x@x', color: '#000', active: true, restriction: 'none' as const };
	const users: User[] = [
		{ ...base, id: 'u1' as UserId, role: 'agent', teamIds: ['t1' as TeamId] },
		{ ...base, id: 'u2' as UserId, role: 'manager', teamIds: [] },
		{ ...base, id: 'u3' as UserId, role: 'agent', teamIds: [t2], restriction: 'self' },
		{ ...base, id: 'u4' as UserId, role: 'agent', teamIds: [t2, 't1' as TeamId] },
		{ ...base, id: 'u5' as UserId, role: 'agent', teamIds: [], active: false }
	];
	const dir2: Directory = { ...dir, users, teams: [{ id: 't1' as TeamId, name: 'Sales' }, { id: t2, name: 'Support' }] };
	function contact(rand: () => number, id: string): ContactSummary {
		const s = summary(rand, id);
		const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
		return { ...s, assigneeId: pick([null, ...users.map((u) => u.id)]), teamId: pick([null, 't1' as TeamId, t2, 'gone' as TeamId]) };
	}
	const sorts = ['newest', 'oldest', 'longest', 'shortest'] as const;
	const statuses = ['all', 'open', 'closed', 'snoozed'] as const;
	const inboxes = ['all', 'mine', 'unassigned', 'team:t1', 'team:t2', 'team:gone', 'team:none', 'blocked'] as const;
	const first: ListQuery = { inbox: 'all', status: 'all', unreplied: false, sort: 'newest' };

	for (const user of users) {
		it(`user ${user.id} (${user.role}, ${user.restriction}${user.active ? '' : ', inactive'})`, () => {
			const rand = seededRandom(100 + users.indexOf(user));
			const all = new Map<ContactId, ContactSummary>();
			for (let i = 0; i < 400; i++) {
				const s = contact(rand, `c${i}`);
				all.set(s.id, s);
			}
			const index = new ListIndex(first);
			index.rebuild(all.values(), first, user, dir2);
			index.prepare(() => all.values(), sorts);
			for (let round = 0; round < 120; round++) {
				const query: ListQuery = {
					inbox: inboxes[Math.floor(rand() * inboxes.length)]!,
					status: statuses[Math.floor(rand() * statuses.length)]!,
					unreplied: rand() < 0.3,
					sort: sorts[Math.floor(rand() * sorts.length)]!
				};
				const want = () => queryList(all.values(), query, user, dir2).map((r) => r.id);
				expect(index.requery(all.values(), query, user, dir2).map((r) => r.id), `round ${round} requery`).toEqual(want());
				const prev = new Map(all);
				const changed = new Map<ContactId, ContactSummary>();
				const removed: ContactId[] = [];
				for (let j = 0; j < 1 + Math.floor(rand() * 4); j++) {
					const id = `c${Math.floor(rand() * 430)}` as ContactId;
					if (rand() < 0.15) {
						if (all.delete(id)) {
							removed.push(id);
							changed.delete(id);
						}
					} else {
						const s = contact(rand, id);
						all.set(id, s);
						changed.set(id, s);
					}
				}
				expect(index.patch([...changed.values()], removed, (id) => prev.get(id), () => all.values()).map((r) => r.id), `round ${round} patch`).toEqual(want());
			}
		});
	}

	it('prepare sorts the orders ahead once; a switch to a prepared sort does not sort again', () => {
		const rand = seededRandom(5);
		const all = new Map<ContactId, ContactSummary>();
		for (let i = 0; i < 200; i++) {
			const s = contact(rand, `c${i}`);
			all.set(s.id, s);
		}
		const index = new ListIndex(first);
		index.rebuild(all.values(), first, users[1]!, dir2);
		expect(index.prepare(() => all.values(), ['newest', 'oldest'])).toBe(true);
		expect(index.prepare(() => all.values(), ['newest', 'oldest'])).toBe(false);
		let read = 0;
		const counted = function* () {
			for (const c of all.values()) {
				read++;
				yield c;
			}
		};
		const q: ListQuery = { inbox: 'all', status: 'all', unreplied: false, sort: 'oldest' };
		expect(index.requery(counted(), q, users[1]!, dir2).map((r) => r.id)).toEqual(queryList(all.values(), q, users[1]!, dir2).map((r) => r.id));
		expect(read).toBe(0);
	});

	// Issue 26 (SPEC S4.1, S4.2): a first login hands the list thousands of summaries per batch. A big batch is
	// merged into every kept order in one pass: the rows agree with queryList, and the orders of
	// the other sorts are kept (a rebuild dropped them, so the next switch sorted 50,000 again).
	it('merges big batches like a full queryList and keeps the other sorts ordered', () => {
		const rand = seededRandom(26);
		const all = new Map<ContactId, ContactSummary>();
		for (let i = 0; i < 400; i++) {
			const s = summary(rand, `c${i}`);
			all.set(s.id, s);
		}
		const sorts = ['newest', 'oldest', 'longest', 'shortest'] as const;
		const queries: ListQuery[] = [
			{ inbox: 'all', status: 'all', unreplied: false, sort: 'newest' },
			{ inbox: 'mine', status: 'open', unreplied: false, sort: 'longest' },
			{ inbox: 'team:t1', status: 'closed', unreplied: true, sort: 'shortest' },
			{ inbox: 'blocked', status: 'open', unreplied: false, sort: 'oldest' }
		];
		for (const query of queries) {
			const index = new ListIndex(query);
			const mine = new Map(all);
			index.rebuild(mine.values(), query, me, dir);
			expect(index.prepare(() => mine.values(), sorts)).toBe(true);
			for (let round = 0; round < 6; round++) {
				const prev = new Map(mine);
				const changed = new Map<ContactId, ContactSummary>();
				const removed: ContactId[] = [];
				// New contacts (a first login), changed ones and removals, 300 to 700 in one batch.
				const k = 300 + Math.floor(rand() * 400);
				for (let j = 0; j < k; j++) {
					const id = `c${Math.floor(rand() * 1500)}` as ContactId;
					if (rand() < 0.1) {
						if (mine.delete(id)) {
							removed.push(id);
							changed.delete(id);
						}
					} else {
						const s = summary(rand, id);
						mine.set(id, s);
						changed.set(id, s);
					}
				}
				const rows = index.patch([...changed.values()], removed, (id) => prev.get(id), () => mine.values());
				expect(rows.map((r) => r.id), `${query.inbox} round ${round}`).toEqual(queryList(mine.values(), query, me, dir).map((r) => r.id));
				// Every sort is still kept, and right.
				expect(index.prepare(() => mine.values(), sorts), `${query.inbox} round ${round}: orders kept`).toBe(false);
				for (const sort of sorts) {
					const q = { ...query, sort };
					expect(index.requery(mine.values(), q, me, dir).map((r) => r.id), `${query.inbox} ${sort} round ${round}`).toEqual(queryList(mine.values(), q, me, dir).map((r) => r.id));
				}
				index.requery(mine.values(), query, me, dir);
			}
		}
	});
});
