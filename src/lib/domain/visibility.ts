/**
 * Who may see a contact (SPEC S1.3, S1.6, S1.9).
 *
 * The sync server uses these functions to decide which users receive a contact document, so
 * they are the security boundary, not a UI nicety. The rule:
 * - an inactive user sees nothing;
 * - owners and managers see every contact, whatever their restriction field says (S1.3 makes
 *   restrictions a property of agents);
 * - an agent with restriction `none` sees every contact;
 * - `team`: contacts assigned to them, to one of their teams, or to a user who shares one of
 *   their teams;
 * - `self`: only contacts assigned to them.
 * Blocked contacts follow the same rule (S1.6: the Blocked inbox shows them to users allowed to
 * see them). The user passed in is taken as is; callers pass the directory's current record.
 */
import type { ContactSummary, Directory, TeamId, User, UserId } from './types';

export type VisibilityTarget = Pick<ContactSummary, 'assigneeId' | 'teamId'>;

/** True when the user's role or restriction lets them see every contact. */
export function seesEverything(user: User): boolean {
	return user.active && (user.role !== 'agent' || user.restriction === 'none');
}

/** True for agents whose restriction limits them to the Mine view (S1.3). */
export function isRestricted(user: User): boolean {
	return user.role === 'agent' && user.restriction !== 'none';
}

/**
 * A predicate for one user, built once (O(users)) and then O(1) per contact: lists of 10k
 * contacts call this instead of `canSeeContact` in a loop.
 */
export function visibilityPredicate(user: User, dir: Directory): (contact: VisibilityTarget) => boolean {
	if (!user.active) return () => false;
	if (seesEverything(user)) return () => true;
	const me = user.id;
	if (user.restriction === 'self') return (c) => c.assigneeId === me;
	const myTeams = new Set<TeamId>(user.teamIds);
	const teammates = new Set<UserId>();
	for (const u of dir.users) {
		if (u.teamIds.some((t) => myTeams.has(t))) teammates.add(u.id);
	}
	return (c) =>
		c.assigneeId === me ||
		(c.teamId !== null && myTeams.has(c.teamId)) ||
		(c.assigneeId !== null && teammates.has(c.assigneeId));
}

export function canSeeContact(user: User, contact: VisibilityTarget, dir: Directory): boolean {
	return visibilityPredicate(user, dir)(contact);
}

/**
 * Every user allowed to see the contact, in directory order (the server's grant list).
 * O(users x teams per user): the assignee's teams are looked up once, not once per user.
 */
export function usersWhoCanSee(contact: VisibilityTarget, dir: Directory): UserId[] {
	const assignee = contact.assigneeId === null ? undefined : dir.users.find((u) => u.id === contact.assigneeId);
	const assigneeTeams = new Set<TeamId>(assignee?.teamIds ?? []);
	const out: UserId[] = [];
	for (const u of dir.users) {
		if (!u.active) continue;
		const sees =
			seesEverything(u) ||
			contact.assigneeId === u.id ||
			(u.restriction === 'team' &&
				((contact.teamId !== null && u.teamIds.includes(contact.teamId)) ||
					u.teamIds.some((t) => assigneeTeams.has(t))));
		if (sees) out.push(u.id);
	}
	return out;
}
