import { describe, expect, it } from 'vitest';
import type { Restriction, Role, TeamId, UserId } from './types';
import { asTeamId, asUserId } from './ids';
import { canSeeContact, usersWhoCanSee, visibilityPredicate } from './visibility';
import { RESTRICTIONS, ROLES, directory, randomContact, randomWorkspace, rng, team, testSeed, user } from './test-fixtures';

// The viewer `me` is in team T1. `mate` shares T1, `other` is in T2 only, `loner` has no team.
const T1 = asTeamId('T1');
const T2 = asTeamId('T2');
const ASSIGNEES = {
	nobody: null,
	me: asUserId('me'),
	mate: asUserId('mate'),
	other: asUserId('other'),
	loner: asUserId('loner'),
	ghost: asUserId('ghost') // not in the directory
} as const;
const TEAMS = { none: null, mine: T1, foreign: T2, ghost: asTeamId('T9') } as const;
type AssigneeCase = keyof typeof ASSIGNEES;
type TeamCase = keyof typeof TEAMS;

function world(role: Role, restriction: Restriction, active = true) {
	const me = user('me', { role, restriction, teamIds: [T1], active });
	const dir = directory(
		[
			me,
			user('mate', { teamIds: [T1, T2] }),
			user('other', { teamIds: [T2] }),
			user('loner', { teamIds: [] })
		],
		[team('T1'), team('T2')]
	);
	return { me, dir };
}

/** The S1.3 table, written out per restriction as an independent oracle. */
function expected(role: Role, restriction: Restriction, a: AssigneeCase, t: TeamCase): boolean {
	if (role !== 'agent' || restriction === 'none') return true;
	if (restriction === 'self') return a === 'me';
	return a === 'me' || a === 'mate' || t === 'mine';
}

describe('canSeeContact: every role x restriction x assignee x team', () => {
	// SPEC S1.3 S1.6 S1.9
	for (const role of ROLES) {
		for (const restriction of RESTRICTIONS) {
			for (const a of Object.keys(ASSIGNEES) as AssigneeCase[]) {
				for (const t of Object.keys(TEAMS) as TeamCase[]) {
					const want = expected(role, restriction, a, t);
					it(`${role}/${restriction}, assignee ${a}, team ${t}: ${want ? 'sees' : 'hidden'}`, () => {
						const { me, dir } = world(role, restriction);
						const c = { assigneeId: ASSIGNEES[a], teamId: TEAMS[t] };
						expect(canSeeContact(me, c, dir)).toBe(want);
						expect(visibilityPredicate(me, dir)(c)).toBe(want);
						// S1.6: blocked contacts follow the same rule (visibility ignores the flag)
						expect(canSeeContact(me, { ...c, blocked: true } as typeof c, dir)).toBe(want);
						// usersWhoCanSee agrees for this user
						expect(usersWhoCanSee(c, dir).includes(me.id)).toBe(want);
						// an inactive user sees nothing
						const off = world(role, restriction, false);
						expect(canSeeContact(off.me, c, off.dir)).toBe(false);
						expect(usersWhoCanSee(c, off.dir).includes(me.id)).toBe(false);
					});
				}
			}
		}
	}
});

describe('team restriction details', () => {
	// SPEC S1.3
	it('a team agent with no team sees only contacts assigned to them', () => {
		const me = user('me', { restriction: 'team', teamIds: [] });
		const dir = directory([me, user('x', { teamIds: [] })]);
		expect(canSeeContact(me, { assigneeId: asUserId('x'), teamId: null }, dir)).toBe(false);
		expect(canSeeContact(me, { assigneeId: me.id, teamId: null }, dir)).toBe(true);
		expect(canSeeContact(me, { assigneeId: null, teamId: null }, dir)).toBe(false);
	});

	it('membership of an inactive teammate still counts', () => {
		const me = user('me', { restriction: 'team', teamIds: [T1] });
		const dir = directory([me, user('gone', { teamIds: [T1], active: false })]);
		expect(canSeeContact(me, { assigneeId: asUserId('gone'), teamId: null }, dir)).toBe(true);
	});

	it('the restriction field of owners and managers is ignored', () => {
		for (const role of ['owner', 'manager'] as const) {
			const me = user('me', { role, restriction: 'self' });
			expect(canSeeContact(me, { assigneeId: null, teamId: null }, directory([me]))).toBe(true);
		}
	});
});

describe('usersWhoCanSee', () => {
	// SPEC S1.9
	it('lists users in directory order', () => {
		const dir = directory(
			[
				user('a', { role: 'owner' }),
				user('b', { restriction: 'self' }),
				user('c', { restriction: 'team', teamIds: [T1] }),
				user('d', { role: 'manager', active: false }),
				user('e')
			],
			[team('T1')]
		);
		expect(usersWhoCanSee({ assigneeId: asUserId('b'), teamId: null }, dir)).toEqual(['a', 'b', 'e']);
		expect(usersWhoCanSee({ assigneeId: null, teamId: T1 }, dir)).toEqual(['a', 'c', 'e']);
	});

	it('agrees with canSeeContact on random workspaces (seeded)', () => {
		const seed = testSeed();
		const r = rng(seed);
		for (let w = 0; w < 50; w++) {
			const { dir, userIds, teamIds } = randomWorkspace(r);
			const ids: UserId[] = [...userIds, asUserId('nobody')];
			const tids: TeamId[] = [...teamIds, asTeamId('gone')];
			for (let i = 0; i < 40; i++) {
				const c = randomContact(r, i, ids, tids);
				const want = dir.users.filter((u) => canSeeContact(u, c, dir)).map((u) => u.id);
				expect(usersWhoCanSee(c, dir), `seed ${seed}`).toEqual(want);
			}
		}
	});
});
