import { describe, expect, it } from 'vitest';
import type { ContactSummary, InboxKey, Restriction, Role } from './types';
import { asTeamId, asUserId } from './ids';
import {
	hasInbox,
	hasVisibleBlocked,
	inInbox,
	openCounts,
	teamIdOfInbox,
	teamInboxKey,
	visibleInboxes
} from './inboxes';
import { canSeeContact } from './visibility';
import { RESTRICTIONS, ROLES, contact, directory, randomContact, randomWorkspace, rng, team, testSeed, user } from './test-fixtures';

const T1 = asTeamId('T1');
const T2 = asTeamId('T2');
const T3 = asTeamId('T3');
const teams = [team('T1'), team('T2'), team('T3')];

function me(role: Role, restriction: Restriction, active = true) {
	return user('me', { role, restriction, teamIds: [T3, T1], active });
}

describe('visibleInboxes', () => {
	// SPEC S1.2 S1.3 S1.4 S1.6
	const table: Record<string, InboxKey[]> = {
		'owner/none': ['all', 'mine', 'unassigned', 'team:T1', 'team:T2', 'team:T3'],
		'owner/team': ['all', 'mine', 'unassigned', 'team:T1', 'team:T2', 'team:T3'],
		'owner/self': ['all', 'mine', 'unassigned', 'team:T1', 'team:T2', 'team:T3'],
		'manager/none': ['all', 'mine', 'unassigned', 'team:T1', 'team:T2', 'team:T3'],
		'manager/team': ['all', 'mine', 'unassigned', 'team:T1', 'team:T2', 'team:T3'],
		'manager/self': ['all', 'mine', 'unassigned', 'team:T1', 'team:T2', 'team:T3'],
		'agent/none': ['all', 'mine', 'unassigned', 'team:T1', 'team:T3'],
		'agent/team': ['mine', 'team:T1', 'team:T3'],
		'agent/self': ['mine']
	};
	for (const role of ROLES) {
		for (const restriction of RESTRICTIONS) {
			const want = table[`${role}/${restriction}`]!;
			it(`${role}/${restriction}`, () => {
				const u = me(role, restriction);
				const dir = directory([u], teams);
				expect(visibleInboxes(u, dir, { hasBlockedVisible: false })).toEqual(want);
				expect(visibleInboxes(u, dir, { hasBlockedVisible: true })).toEqual([...want, 'blocked']);
				for (const k of want) expect(hasInbox(u, dir, k)).toBe(true);
				for (const k of ['all', 'mine', 'unassigned', 'team:T1', 'team:T2', 'team:T3', 'team:T9'] as InboxKey[]) {
					expect(hasInbox(u, dir, k)).toBe(want.includes(k));
				}
				expect(hasInbox(u, dir, 'blocked')).toBe(true);
				const off = me(role, restriction, false);
				expect(visibleInboxes(off, directory([off], teams), { hasBlockedVisible: true })).toEqual([]);
				expect(hasInbox(off, directory([off], teams), 'blocked')).toBe(false);
			});
		}
	}

	it('team inboxes follow directory order and skip teams that no longer exist', () => {
		const u = user('me', { teamIds: [asTeamId('gone'), T2] });
		expect(visibleInboxes(u, directory([u], teams), { hasBlockedVisible: false })).toEqual([
			'all',
			'mine',
			'unassigned',
			'team:T2'
		]);
	});

	it('team keys round-trip', () => {
		expect(teamInboxKey(T1)).toBe('team:T1');
		expect(teamIdOfInbox('team:T1')).toBe('T1');
		expect(teamIdOfInbox('all')).toBeNull();
	});
});

describe('hasVisibleBlocked', () => {
	// SPEC S1.6
	it('needs a blocked contact the user can see', () => {
		const agent = user('me', { restriction: 'self' });
		const dir = directory([agent, user('x')]);
		const blockedOther = contact('b1', { blocked: true, assigneeId: asUserId('x') });
		const blockedMine = contact('b2', { blocked: true, assigneeId: agent.id });
		expect(hasVisibleBlocked(agent, [], dir)).toBe(false);
		expect(hasVisibleBlocked(agent, [blockedOther, contact('c', { assigneeId: agent.id })], dir)).toBe(false);
		expect(hasVisibleBlocked(agent, [blockedOther, blockedMine], dir)).toBe(true);
		const owner = user('o', { role: 'owner' });
		expect(hasVisibleBlocked(owner, [blockedOther], dir)).toBe(true);
	});
});

describe('inInbox', () => {
	// SPEC S1.2 S1.4 S1.6 S4.3
	const owner = user('me', { role: 'owner', teamIds: [T1] });
	const dir = directory([owner, user('x', { teamIds: [T2] })], teams);
	const inboxes: InboxKey[] = ['all', 'mine', 'unassigned', 'team:T1', 'team:T2', 'blocked'];
	const cases: Array<[string, Partial<ContactSummary>, InboxKey[]]> = [
		['unassigned, no team', {}, ['all', 'unassigned']],
		['mine, no team', { assigneeId: owner.id }, ['all', 'mine']],
		['mine, team T2', { assigneeId: owner.id, teamId: T2 }, ['all', 'mine', 'team:T2']],
		['other user, team T1', { assigneeId: asUserId('x'), teamId: T1 }, ['all', 'team:T1']],
		['team only', { teamId: T2 }, ['all', 'unassigned', 'team:T2']],
		['blocked, mine, team T1', { blocked: true, assigneeId: owner.id, teamId: T1 }, ['blocked']],
		['blocked, unassigned', { blocked: true }, ['blocked']],
		['snoozed stays in its inboxes', { status: 'snoozed', assigneeId: owner.id }, ['all', 'mine']],
		['closed stays in its inboxes', { status: 'closed' }, ['all', 'unassigned']]
	];
	for (const [name, over, want] of cases) {
		it(name, () => {
			const c = contact('c1', over);
			expect(inboxes.filter((k) => inInbox(k, owner, c, dir))).toEqual(want);
		});
	}

	it('requires visibility', () => {
		const agent = user('me', { restriction: 'self' });
		const d = directory([agent, user('x')], teams);
		const theirs = contact('c', { assigneeId: asUserId('x'), teamId: T1 });
		for (const k of inboxes) expect(inInbox(k, agent, theirs, d)).toBe(false);
		expect(inInbox('blocked', agent, { ...theirs, blocked: true }, d)).toBe(false);
		expect(inInbox('mine', agent, { ...theirs, assigneeId: agent.id }, d)).toBe(true);
	});
});

describe('openCounts', () => {
	// SPEC S1.8
	it('counts open, visible, unblocked contacts per inbox the user has', () => {
		const agent = user('me', { restriction: 'none', teamIds: [T1] });
		const dir = directory([agent, user('x')], teams);
		const contacts = [
			contact('a', { assigneeId: agent.id, teamId: T1 }),
			contact('b', { teamId: T1 }),
			contact('c', { teamId: T2 }),
			contact('d', { status: 'closed', teamId: T1 }),
			contact('e', { status: 'snoozed', assigneeId: agent.id }),
			contact('f', { blocked: true, assigneeId: agent.id, teamId: T1 }),
			contact('g', { assigneeId: asUserId('x') })
		];
		expect(openCounts(agent, contacts, dir)).toEqual({
			all: 4,
			mine: 1,
			unassigned: 2,
			blocked: 0,
			'team:T1': 2
		});
	});

	it('gives zero for inboxes the user does not have', () => {
		const agent = user('me', { restriction: 'self', teamIds: [T1] });
		const dir = directory([agent], teams);
		const counts = openCounts(agent, [contact('a', { assigneeId: agent.id, teamId: T1 }), contact('b')], dir);
		expect(counts).toEqual({ all: 0, mine: 1, unassigned: 0, blocked: 0 });
	});

	it('matches inInbox on random workspaces (seeded)', () => {
		const seed = testSeed();
		const r = rng(seed);
		for (let w = 0; w < 20; w++) {
			const { dir, userIds, teamIds } = randomWorkspace(r);
			const contacts = Array.from({ length: 200 }, (_, i) => randomContact(r, i, userIds, teamIds));
			for (const u of dir.users) {
				const counts = openCounts(u, contacts, dir);
				for (const k of visibleInboxes(u, dir, { hasBlockedVisible: false })) {
					const want = contacts.filter((c) => c.status === 'open' && inInbox(k, u, c, dir)).length;
					expect(counts[k], `seed ${seed} user ${u.id} inbox ${k}`).toBe(want);
				}
				const anyBlocked = contacts.some((c) => c.blocked && canSeeContact(u, c, dir));
				expect(hasVisibleBlocked(u, contacts, dir), `seed ${seed}`).toBe(anyBlocked);
			}
		}
	});
});
