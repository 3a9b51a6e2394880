/**
 * Inbox views and their membership (SPEC S1.2, S1.3, S1.4, S1.6, S1.8, S4.3).
 *
 * Two separate questions, kept apart on purpose:
 * - which inboxes a user *has* (`visibleInboxes`, `hasInbox`): standard views All/Mine/Unassigned
 *   for owners, managers and unrestricted agents, only Mine for restricted agents; team inboxes
 *   for every team (owners, managers), for their own teams (agents `none`/`team`), or none
 *   (agents `self`); Blocked for any active user, shown only while they can see a blocked contact;
 * - which inbox *holds* a contact (`inInbox`): the contact must be visible to the user; a blocked
 *   contact is held by `blocked` and by nothing else; otherwise All holds it, Mine when assigned
 *   to the user, Unassigned when it has no assignee user, `team:<id>` when its team is `<id>`.
 * Membership does not depend on the status: snoozed and closed contacts stay in their inboxes and
 * the status filter (list.ts) hides them.
 */
import type { ContactSummary, Directory, InboxKey, TeamId, User } from './types';
import { isRestricted, visibilityPredicate, type VisibilityTarget } from './visibility';

export const STANDARD_INBOXES = ['all', 'mine', 'unassigned'] as const;
export type StandardInbox = (typeof STANDARD_INBOXES)[number];

export function teamInboxKey(teamId: TeamId): InboxKey {
	return `team:${teamId}`;
}

/** The team id of a `team:<id>` key, or null for any other key. */
export function teamIdOfInbox(inbox: InboxKey): TeamId | null {
	return inbox.startsWith('team:') ? (inbox.slice('team:'.length) as TeamId) : null;
}

/** The standard views the user has, in display order (S1.2, S1.3). */
export function standardInboxesOf(user: User): StandardInbox[] {
	if (!user.active) return [];
	return isRestricted(user) ? ['mine'] : [...STANDARD_INBOXES];
}

/** The team inboxes the user has, in the directory's team order (S1.4). */
export function teamInboxesOf(user: User, dir: Directory): InboxKey[] {
	if (!user.active) return [];
	if (user.role !== 'agent') return dir.teams.map((t) => teamInboxKey(t.id));
	if (user.restriction === 'self') return [];
	const mine = new Set(user.teamIds);
	return dir.teams.filter((t) => mine.has(t.id)).map((t) => teamInboxKey(t.id));
}

/**
 * Inboxes in display order: standard views, team inboxes, then Blocked when
 * `hasBlockedVisible` (compute it with `hasVisibleBlocked`).
 */
export function visibleInboxes(user: User, dir: Directory, opts: { hasBlockedVisible: boolean }): InboxKey[] {
	if (!user.active) return [];
	const out: InboxKey[] = [...standardInboxesOf(user), ...teamInboxesOf(user, dir)];
	if (opts.hasBlockedVisible) out.push('blocked');
	return out;
}

/**
 * Whether the user may open this inbox at all. `blocked` is allowed to every active user: it
 * is merely hidden while it would be empty (S1.6), and it only ever lists visible contacts.
 */
export function hasInbox(user: User, dir: Directory, inbox: InboxKey): boolean {
	if (!user.active) return false;
	if (inbox === 'blocked') return true;
	const team = teamIdOfInbox(inbox);
	if (team !== null) return teamInboxesOf(user, dir).includes(inbox);
	return (standardInboxesOf(user) as InboxKey[]).includes(inbox);
}

/** Whether the user can see at least one blocked contact (S1.6). */
export function hasVisibleBlocked(
	user: User,
	contacts: Iterable<VisibilityTarget & Pick<ContactSummary, 'blocked'>>,
	dir: Directory
): boolean {
	const visible = visibilityPredicate(user, dir);
	for (const c of contacts) if (c.blocked && visible(c)) return true;
	return false;
}

type Holdable = Pick<ContactSummary, 'assigneeId' | 'teamId' | 'blocked'>;

/** Membership for a contact already known to be visible to the user. */
export function holds(inbox: InboxKey, user: User, contact: Holdable): boolean {
	if (inbox === 'blocked') return contact.blocked;
	if (contact.blocked) return false;
	switch (inbox) {
		case 'all':
			return true;
		case 'mine':
			return contact.assigneeId === user.id;
		case 'unassigned':
			return contact.assigneeId === null;
		default:
			return contact.teamId !== null && inbox === teamInboxKey(contact.teamId);
	}
}

export function inInbox(inbox: InboxKey, user: User, contact: Holdable, dir: Directory): boolean {
	return visibilityPredicate(user, dir)(contact) && holds(inbox, user, contact);
}

/**
 * Open conversations per standard and team inbox the user has (S1.8), in one pass. Inboxes
 * the user does not have, and `blocked`, are 0: the UI shows counts only for `visibleInboxes`.
 */
export function openCounts(user: User, contacts: Iterable<ContactSummary>, dir: Directory): Record<InboxKey, number> {
	const counts: Record<InboxKey, number> = { all: 0, mine: 0, unassigned: 0, blocked: 0 };
	const standard = new Set<InboxKey>(standardInboxesOf(user));
	const teams = new Set<InboxKey>(teamInboxesOf(user, dir));
	for (const t of teams) counts[t] = 0;
	const visible = visibilityPredicate(user, dir);
	for (const c of contacts) {
		if (c.status !== 'open' || c.blocked || !visible(c)) continue;
		if (standard.has('all')) counts.all++;
		if (standard.has('mine') && c.assigneeId === user.id) counts.mine++;
		if (standard.has('unassigned') && c.assigneeId === null) counts.unassigned++;
		if (c.teamId !== null) {
			const key = teamInboxKey(c.teamId);
			if (teams.has(key)) counts[key] = (counts[key] ?? 0) + 1;
		}
	}
	return counts;
}
