import { describe, expect, it } from 'vitest';
import type { ContactSummary, InboxKey, Restriction, Role } from './types';
import { asTeamId, asUserId } from './ids';
import { addDot, clearDot, dotInboxFor, dotOnIncoming, emptyDots } from './dot';
import { hasInbox, inInbox, visibleInboxes } from './inboxes';
import { RESTRICTIONS, ROLES, contact, directory, randomContact, randomWorkspace, rng, team, testSeed, user } from './test-fixtures';

const T1 = asTeamId('T1');
const T2 = asTeamId('T2');
const X = asUserId('x'); // in T1 with me
const Y = asUserId('y'); // in T2 only

function world(role: Role, restriction: Restriction) {
	const me = user('me', { role, restriction, teamIds: [T1] });
	return { me, dir: directory([me, user('x', { teamIds: [T1] }), user('y', { teamIds: [T2] })], [team('T1'), team('T2')]) };
}

type Case = [string, Partial<ContactSummary>];
const CASES: Case[] = [
	['mine, my team', { assigneeId: asUserId('me'), teamId: T1 }],
	['mine, other team', { assigneeId: asUserId('me'), teamId: T2 }],
	['mine, no team', { assigneeId: asUserId('me') }],
	['teammate, my team', { assigneeId: X, teamId: T1 }],
	['teammate, no team', { assigneeId: X }],
	['stranger, other team', { assigneeId: Y, teamId: T2 }],
	['stranger, no team', { assigneeId: Y }],
	['unassigned, my team', { teamId: T1 }],
	['unassigned, other team', { teamId: T2 }],
	['unassigned, no team', {}]
];

/** Expected dot per role/restriction for each case, in CASES order (S1.7 by hand). */
const EXPECTED: Record<string, Array<InboxKey | null>> = {
	unrestricted: ['mine', 'mine', 'mine', 'team:T1', 'all', 'all', 'all', 'team:T1', 'unassigned', 'unassigned'],
	privileged: ['mine', 'mine', 'mine', 'team:T1', 'all', 'team:T2', 'all', 'team:T1', 'team:T2', 'unassigned'],
	team: ['mine', 'mine', 'mine', 'team:T1', null, null, null, 'team:T1', null, null],
	self: ['mine', 'mine', 'mine', null, null, null, null, null, null, null]
};

describe('dotInboxFor: Mine > Team > Unassigned > All', () => {
	// SPEC S1.7
	for (const role of ROLES) {
		for (const restriction of RESTRICTIONS) {
			const key = role !== 'agent' ? 'privileged' : restriction === 'none' ? 'unrestricted' : restriction;
			CASES.forEach(([name, over], i) => {
				const want = EXPECTED[key]![i] ?? null;
				it(`${role}/${restriction}, ${name}: ${want ?? 'no dot'}`, () => {
					const { me, dir } = world(role, restriction);
					expect(dotInboxFor(me, contact('c', over), dir)).toBe(want);
					// a blocked contact never marks a standard or team inbox
					expect(dotInboxFor(me, contact('c', { ...over, blocked: true }), dir)).toBeNull();
				});
			});
		}
	}

	it('is the first inbox, in priority order, that the user has and that holds the contact (seeded)', () => {
		const seed = testSeed();
		const r = rng(seed);
		for (let w = 0; w < 30; w++) {
			const { dir, userIds, teamIds } = randomWorkspace(r);
			for (let i = 0; i < 60; i++) {
				const c = randomContact(r, i, userIds, teamIds);
				for (const u of dir.users) {
					const order: InboxKey[] = ['mine', ...visibleInboxes(u, dir, { hasBlockedVisible: false }).filter((k) => k.startsWith('team:')), 'unassigned', 'all'];
					const want = order.find((k) => hasInbox(u, dir, k) && inInbox(k, u, c, dir)) ?? null;
					expect(dotInboxFor(u, c, dir), `seed ${seed}`).toBe(want);
				}
			}
		}
	});
});

describe('dot state', () => {
	// SPEC S1.7
	it('adds and clears without mutating', () => {
		const s0 = emptyDots();
		const s1 = addDot(s0, 'mine');
		expect([...s0]).toEqual([]);
		expect([...s1]).toEqual(['mine']);
		expect(addDot(s1, 'mine')).toBe(s1);
		const s2 = addDot(s1, 'team:T1');
		expect(clearDot(s2, 'mine')).toEqual(new Set(['team:T1']));
		expect([...s2].sort()).toEqual(['mine', 'team:T1']);
		expect(clearDot(s0, 'all')).toBe(s0);
	});

	it('one incoming message marks exactly one inbox', () => {
		const { me, dir } = world('owner', 'none');
		let s = emptyDots();
		s = dotOnIncoming(s, me, contact('c', { assigneeId: me.id, teamId: T1 }), dir);
		expect([...s]).toEqual(['mine']);
		s = dotOnIncoming(s, me, contact('d', { teamId: T2 }), dir);
		expect([...s].sort()).toEqual(['mine', 'team:T2']);
		const before = s;
		s = dotOnIncoming(s, me, contact('e', { blocked: true }), dir);
		expect(s).toBe(before);
		s = clearDot(s, 'mine');
		expect([...s]).toEqual(['team:T2']);
	});
});
