/**
 * The new-message dot (SPEC S1.7).
 *
 * Invariant: one incoming message marks at most one inbox per user, the first in the order
 * Mine > Team (the contact's team inbox) > Unassigned > All that the user has and that holds
 * the contact. Only standard and team inboxes take part, so a blocked contact (held only by
 * Blocked) and a contact the user cannot see mark nothing. When none of the user's inboxes
 * holds the contact (e.g. a `team`-restricted agent and a contact assigned to a teammate with
 * no team: only All would hold it, and they do not have All) nothing is marked either.
 * Opening an inbox clears its dot.
 *
 * Custom inboxes (S1.5) take part through `dotInboxWithCustom`: they come after the team inbox
 * and before Unassigned and All (Mine > Team > custom inboxes in sidebar order > Unassigned >
 * All), since a saved filter is narrower than the catch-all views and broader than one's own.
 */
import type { ContactSummary, Directory, InboxKey, User } from './types';
import { hasInbox, holds, teamInboxKey } from './inboxes';
import { visibilityPredicate } from './visibility';

type DotTarget = Pick<ContactSummary, 'assigneeId' | 'teamId' | 'blocked'>;

export function dotInboxFor(user: User, contact: DotTarget, dir: Directory): InboxKey | null {
	if (contact.blocked || !visibilityPredicate(user, dir)(contact)) return null;
	const order: InboxKey[] = ['mine'];
	if (contact.teamId !== null) order.push(teamInboxKey(contact.teamId));
	order.push('unassigned', 'all');
	for (const inbox of order) {
		if (hasInbox(user, dir, inbox) && holds(inbox, user, contact)) return inbox;
	}
	return null;
}

/** The set of inboxes showing a dot. Treated as immutable: every change returns a new set. */
export type DotState = ReadonlySet<InboxKey>;

export function emptyDots(): DotState {
	return new Set<InboxKey>();
}

export function addDot(state: DotState, inbox: InboxKey): DotState {
	if (state.has(inbox)) return state;
	const next = new Set(state);
	next.add(inbox);
	return next;
}

export function clearDot(state: DotState, inbox: InboxKey): DotState {
	if (!state.has(inbox)) return state;
	const next = new Set(state);
	next.delete(inbox);
	return next;
}

/** Applies one incoming message of `contact` to the user's dots. */
export function dotOnIncoming(state: DotState, user: User, contact: DotTarget, dir: Directory): DotState {
	const inbox = dotInboxFor(user, contact, dir);
	return inbox === null ? state : addDot(state, inbox);
}

/**
 * `dotInboxFor` with the user's custom inboxes: `customHolding` are the custom inboxes (in
 * sidebar order, hidden ones left out) whose filter holds the contact for this user.
 */
export function dotInboxWithCustom(user: User, contact: DotTarget, dir: Directory, customHolding: readonly InboxKey[]): InboxKey | null {
	if (contact.blocked || !visibilityPredicate(user, dir)(contact)) return customHolding[0] ?? null;
	const order: InboxKey[] = ['mine'];
	if (contact.teamId !== null) order.push(teamInboxKey(contact.teamId));
	for (const inbox of order) {
		if (hasInbox(user, dir, inbox) && holds(inbox, user, contact)) return inbox;
	}
	if (customHolding.length > 0) return customHolding[0]!;
	for (const inbox of ['unassigned', 'all'] as const) {
		if (hasInbox(user, dir, inbox) && holds(inbox, user, contact)) return inbox;
	}
	return null;
}
