import { describe, expect, it } from 'vitest';
import type { ContactSummary, ListQuery, SortKey, StatusFilter } from './types';
import { asTeamId, asUserId } from './ids';
import {
	DEFAULT_LIST_QUERY,
	availableSorts,
	compareContacts,
	effectiveQuery,
	isUnreplied,
	matchesStatus,
	queryList,
	sortKey
} from './list';
import { hasInbox } from './inboxes';
import { canSeeContact } from './visibility';
import { applyResult, isActionError, snooze, wake } from './actions';
import { contact, directory, randomContact, randomWorkspace, rng, state, team, testSeed, user } from './test-fixtures';

const ids = (cs: ContactSummary[]) => cs.map((c) => c.id);
const STATUS_FILTERS: StatusFilter[] = ['all', 'open', 'closed', 'snoozed'];
const SORTS: SortKey[] = ['newest', 'oldest', 'longest', 'shortest'];

describe('status filter and unreplied', () => {
	// SPEC S4.1 S7.4
	it('matches the status; All matches everything', () => {
		for (const status of ['open', 'closed', 'snoozed'] as const) {
			const c = contact('c', { status });
			for (const f of STATUS_FILTERS) expect(matchesStatus(c, f)).toBe(f === 'all' || f === status);
		}
	});

	it('a snoozed contact leaves Open and Closed but shows under All and Snoozed', () => {
		const c = contact('c', { status: 'snoozed', statusBeforeSnooze: 'open' });
		expect(matchesStatus(c, 'open')).toBe(false);
		expect(matchesStatus(c, 'closed')).toBe(false);
		expect(matchesStatus(c, 'all')).toBe(true);
		expect(matchesStatus(c, 'snoozed')).toBe(true);
	});

	it('unreplied when the latest non-broadcast message is incoming', () => {
		expect(isUnreplied(contact('a', { lastMessageDirection: 'in' }))).toBe(true);
		expect(isUnreplied(contact('a', { lastMessageDirection: 'out' }))).toBe(false);
		expect(isUnreplied(contact('a', { lastMessageDirection: null }))).toBe(false);
	});
});

describe('available sorts', () => {
	// SPEC S4.2
	it('Longest and Shortest are not offered with All statuses', () => {
		expect(availableSorts('all')).toEqual(['newest', 'oldest']);
		for (const s of ['open', 'closed', 'snoozed'] as const) {
			expect(availableSorts(s)).toEqual(['newest', 'oldest', 'longest', 'shortest']);
		}
	});

	it('an unavailable sort falls back to Newest; Blocked forces All statuses', () => {
		// SPEC S4.3
		expect(effectiveQuery({ inbox: 'all', status: 'all', unreplied: false, sort: 'longest' }).sort).toBe('newest');
		expect(effectiveQuery({ inbox: 'blocked', status: 'open', unreplied: true, sort: 'shortest' })).toEqual({
			inbox: 'blocked',
			status: 'all',
			unreplied: true,
			sort: 'newest'
		});
		expect(effectiveQuery({ inbox: 'mine', status: 'closed', unreplied: false, sort: 'longest' }).sort).toBe('longest');
		expect(DEFAULT_LIST_QUERY).toEqual({ inbox: 'all', status: 'all', unreplied: false, sort: 'newest' });
	});
});

describe('sorting', () => {
	// SPEC S4.2
	const byMessage = [
		contact('b', { lastMessageAt: 300 }),
		contact('a', { lastMessageAt: 300 }), // tie with b: id decides
		contact('c', { lastMessageAt: 100 }),
		contact('n2', { lastMessageAt: null }),
		contact('n1', { lastMessageAt: null }),
		contact('d', { lastMessageAt: 200 })
	];
	const sorted = (cs: ContactSummary[], sort: SortKey, status: StatusFilter) =>
		ids([...cs].sort((x, y) => compareContacts(x, y, sort, status)));

	it('Newest: latest message first, ties by id, no message last', () => {
		expect(sorted(byMessage, 'newest', 'all')).toEqual(['a', 'b', 'd', 'c', 'n1', 'n2']);
	});

	it('Oldest: earliest message first, ties by id, no message last', () => {
		expect(sorted(byMessage, 'oldest', 'all')).toEqual(['c', 'd', 'a', 'b', 'n1', 'n2']);
	});

	const bySince = [
		contact('b', { statusSince: 100, lastMessageAt: 1 }),
		contact('a', { statusSince: 100, lastMessageAt: 2 }),
		contact('c', { statusSince: 50 }),
		contact('n2', { statusSince: null }),
		contact('n1', { statusSince: null }),
		contact('d', { statusSince: 400 })
	];

	for (const status of ['open', 'closed', 'snoozed'] as const) {
		const cs = bySince.map((c) => ({ ...c, status }));
		it(`Longest (${status}): no data first, then longest in the status, ties by id`, () => {
			expect(sorted(cs, 'longest', status)).toEqual(['n1', 'n2', 'c', 'a', 'b', 'd']);
		});
		it(`Shortest (${status}): shortest in the status, ties by id, no data last`, () => {
			expect(sorted(cs, 'shortest', status)).toEqual(['d', 'a', 'b', 'c', 'n1', 'n2']);
		});
	}

	it('Longest/Shortest under All statuses sort as Newest', () => {
		for (const s of ['longest', 'shortest'] as const) {
			expect(sorted(byMessage, s, 'all')).toEqual(sorted(byMessage, 'newest', 'all'));
		}
		expect(sortKey(contact('x', { lastMessageAt: 5, statusSince: 9 }), 'longest', 'all')).toBe(5);
		expect(sortKey(contact('x', { lastMessageAt: 5, statusSince: 9 }), 'longest', 'open')).toBe(9);
	});

	it('non-finite times count as no data', () => {
		expect(sortKey(contact('x', { lastMessageAt: Number.NaN }), 'newest', 'all')).toBeNull();
		expect(sorted([contact('a', { lastMessageAt: Number.NaN }), contact('b', { lastMessageAt: 1 })], 'newest', 'all')).toEqual(['b', 'a']);
	});

	it('a snoozed contact under Snoozed sorts by when it was snoozed', () => {
		const early = contact('early', { status: 'snoozed', statusSince: 10, sinceBeforeSnooze: 900 });
		const late = contact('late', { status: 'snoozed', statusSince: 20, sinceBeforeSnooze: 1 });
		expect(sorted([late, early], 'longest', 'snoozed')).toEqual(['early', 'late']);
	});

	it('a woken contact sorts by the since of its status before the snooze', () => {
		// open since 100, snoozed at 5000, woken at 9000: under Open it has been open since 100
		const s0 = state({ status: 'open', since: 100 });
		const snoozed = snooze(s0, false, 8000, 5000);
		if (isActionError(snoozed)) throw new Error(snoozed.message);
		const s1 = applyResult({ state: s0, assignment: { userId: null, teamId: null }, blocked: false }, snoozed).state;
		const woken = wake(s1, 9000, 'system');
		if (isActionError(woken)) throw new Error(woken.message);
		const s2 = applyResult({ state: s1, assignment: { userId: null, teamId: null }, blocked: false }, woken).state;
		const wokenContact = contact('woken', { status: s2.status, statusSince: s2.since });
		const recent = contact('recent', { status: 'open', statusSince: 3000 });
		expect(s2.since).toBe(100);
		expect(sorted([recent, wokenContact], 'longest', 'open')).toEqual(['woken', 'recent']);
		expect(sorted([recent, wokenContact], 'shortest', 'open')).toEqual(['recent', 'woken']);
	});

	it('is a total order on random data: antisymmetric, and input order does not matter (seeded)', () => {
		const seed = testSeed();
		const r = rng(seed);
		const cs = Array.from({ length: 300 }, (_, i) => randomContact(r, i, [asUserId('u')], [asTeamId('t')]));
		for (const sort of SORTS) {
			for (const status of STATUS_FILTERS) {
				for (let i = 0; i < 200; i++) {
					const a = cs[Math.floor(r() * cs.length)]!;
					const b = cs[Math.floor(r() * cs.length)]!;
					const ab = Math.sign(compareContacts(a, b, sort, status));
					const ba = Math.sign(compareContacts(b, a, sort, status));
					expect(ab + ba, `seed ${seed}`).toBe(0);
					if (a.id === b.id) expect(ab).toBe(0);
				}
				const once = ids([...cs].sort((x, y) => compareContacts(x, y, sort, status)));
				const reversedInput = ids([...cs].reverse().sort((x, y) => compareContacts(x, y, sort, status)));
				expect(reversedInput, `seed ${seed}`).toEqual(once);
			}
		}
	});
});

/** A naive reference of S4 written differently: partition by data, sort the rest, concatenate. */
function reference(contacts: ContactSummary[], q: ListQuery, visible: (c: ContactSummary) => boolean, inbox: (c: ContactSummary) => boolean) {
	const status = q.inbox === 'blocked' ? 'all' : q.status;
	const sort = status === 'all' && (q.sort === 'longest' || q.sort === 'shortest') ? 'newest' : q.sort;
	const rows = contacts.filter(
		(c) => visible(c) && inbox(c) && (status === 'all' || c.status === status) && (!q.unreplied || c.lastMessageDirection === 'in')
	);
	const time = (c: ContactSummary) => (sort === 'newest' || sort === 'oldest' ? c.lastMessageAt : c.statusSince);
	const byId = (a: ContactSummary, b: ContactSummary) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
	const withData = rows.filter((c) => time(c) !== null);
	const without = rows.filter((c) => time(c) === null).sort(byId);
	const asc = sort === 'oldest' || sort === 'longest';
	withData.sort((a, b) => (time(a) === time(b) ? byId(a, b) : asc ? time(a)! - time(b)! : time(b)! - time(a)!));
	return sort === 'longest' ? [...without, ...withData] : [...withData, ...without];
}

describe('queryList', () => {
	// SPEC S1.3 S1.6 S4.1 S4.2 S4.3
	const T1 = asTeamId('T1');
	const agent = user('me', { restriction: 'team', teamIds: [T1] });
	const owner = user('boss', { role: 'owner' });
	const dir = directory([agent, owner, user('mate', { teamIds: [T1] }), user('x')], [team('T1')]);
	const contacts = [
		contact('a', { assigneeId: agent.id, lastMessageAt: 10, lastMessageDirection: 'in' }),
		contact('b', { assigneeId: asUserId('mate'), lastMessageAt: 20, status: 'closed' }),
		contact('c', { assigneeId: asUserId('x'), lastMessageAt: 30 }),
		contact('d', { teamId: T1, lastMessageAt: 40, status: 'snoozed' }),
		contact('e', { blocked: true, assigneeId: agent.id, lastMessageAt: 50, status: 'closed' }),
		contact('f', { blocked: true, assigneeId: asUserId('x'), lastMessageAt: 60 })
	];
	const q = (over: Partial<ListQuery>): ListQuery => ({ ...DEFAULT_LIST_QUERY, ...over });

	it('applies visibility and inbox membership', () => {
		expect(ids(queryList(contacts, q({ inbox: 'mine' }), agent, dir))).toEqual(['a']);
		expect(ids(queryList(contacts, q({ inbox: 'team:T1' }), agent, dir))).toEqual(['d']);
		expect(ids(queryList(contacts, q({ inbox: 'all' }), owner, dir))).toEqual(['d', 'c', 'b', 'a']);
	});

	it('an inbox the user does not have is empty', () => {
		expect(queryList(contacts, q({ inbox: 'all' }), agent, dir)).toEqual([]);
		expect(queryList(contacts, q({ inbox: 'team:T9' }), owner, dir)).toEqual([]);
	});

	it('blocked contacts appear only in Blocked, whose status filter is forced to All', () => {
		// SPEC S4.3 S1.6
		expect(ids(queryList(contacts, q({ inbox: 'blocked', status: 'open' }), agent, dir))).toEqual(['e']);
		expect(ids(queryList(contacts, q({ inbox: 'blocked', status: 'open' }), owner, dir))).toEqual(['f', 'e']);
		for (const inbox of ['all', 'mine', 'unassigned'] as const) {
			expect(ids(queryList(contacts, q({ inbox }), owner, dir))).not.toContain('e');
		}
	});

	it('applies status and unreplied', () => {
		expect(ids(queryList(contacts, q({ status: 'open' }), owner, dir))).toEqual(['c', 'a']);
		expect(ids(queryList(contacts, q({ status: 'snoozed' }), owner, dir))).toEqual(['d']);
		expect(ids(queryList(contacts, q({ unreplied: true }), owner, dir))).toEqual(['a']);
	});

	it('matches the naive reference on random data (seeded)', () => {
		const seed = testSeed();
		const r = rng(seed);
		for (let w = 0; w < 10; w++) {
			const ws = randomWorkspace(r);
			const cs = Array.from({ length: 300 }, (_, i) => randomContact(r, i, ws.userIds, ws.teamIds));
			for (const u of ws.dir.users) {
				for (const inbox of ['all', 'mine', 'unassigned', 'blocked', `team:${ws.teamIds[0]}`] as const) {
					for (const status of STATUS_FILTERS) {
						const sort = SORTS[Math.floor(r() * SORTS.length)]!;
						const query: ListQuery = { inbox, status, unreplied: r() < 0.3, sort };
						const got = queryList(cs, query, u, ws.dir);
						const holds = (c: ContactSummary) =>
							inbox === 'blocked'
								? c.blocked
								: !c.blocked &&
									(inbox === 'all' ||
										(inbox === 'mine' && c.assigneeId === u.id) ||
										(inbox === 'unassigned' && c.assigneeId === null) ||
										inbox === `team:${c.teamId}`);
						const want = hasInbox(u, ws.dir, inbox)
							? reference(cs, query, (c) => canSeeContact(u, c, ws.dir), holds)
							: [];
						expect(ids(got), `seed ${seed} user ${u.id} ${JSON.stringify(query)}`).toEqual(ids(want));
					}
				}
			}
		}
	});

	it('lists 10k contacts quickly', () => {
		const r = rng(7);
		const ws = randomWorkspace(r, 50, 8);
		const cs = Array.from({ length: 10_000 }, (_, i) => randomContact(r, i, ws.userIds, ws.teamIds));
		const boss = user('boss', { role: 'owner' });
		const t0 = performance.now();
		for (const sort of SORTS) queryList(cs, { inbox: 'all', status: 'open', unreplied: false, sort }, boss, ws.dir);
		const perQuery = (performance.now() - t0) / SORTS.length;
		// O(n log n) on 10k rows takes a few ms; O(n^2) would take seconds.
		expect(perQuery).toBeLessThan(250);
	});
});
