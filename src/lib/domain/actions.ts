/**
 * Conversation actions as pure transitions (SPEC S7.1-S7.6, events of S5.5).
 *
 * Each function reads the current state and answers what changes (a partial state, assignment
 * or blocked flag) plus the thread events to write; the doc layer applies it in one transaction.
 * An empty `events` with no other field means "nothing to do". Refusals are `ActionError` values.
 *
 * Status model. A snoozed conversation remembers its underlying status and since
 * (`statusBeforeSnooze`, `sinceBeforeSnooze`). Leaving snooze for any reason writes `woken`;
 * a change of the underlying status (open <-> closed) writes `opened`/`closed` with since = now;
 * returning to the underlying status restores its since, which is what the Longest/Shortest
 * sorts of a woken conversation use (S4.2). So:
 * - wake / manual unsnooze: back to the underlying status and since (S7.4), `woken`;
 * - incoming message (S7.1): closed -> open (`opened`); snoozed -> woken and open. The article
 *   says a message from a contact "without an open conversation" opens one, and a snoozed
 *   contact's conversation is not open; leaving it hidden under Open until the timer fires
 *   would bury a customer's reply. If it was open before the snooze, the same conversation
 *   continues (since restored, no `opened`); if it was closed, a new one opens.
 * - close and reopen of a snoozed conversation work the same way with the user as source.
 * - block (S7.6) closes the conversation (so that unblocking leaves it closed, as the article
 *   says) and ends a snooze silently: a `woken` would notify the assignees (S7.5) of a contact
 *   that was just blocked. Unblock makes sure the conversation is closed.
 * - closing never touches the assignment (S7.3).
 */
import type { Assignment, ConversationState, EventSource, EventType, TeamId, UserId } from './types';

export interface ActionEvent {
	type: EventType;
	source: EventSource;
	data: Record<string, unknown>;
}

export interface ActionResult {
	state?: Partial<ConversationState>;
	assignment?: Partial<Assignment>;
	blocked?: boolean;
	events: ActionEvent[];
}

export type ActionErrorCode = 'blocked' | 'not_snoozed' | 'already' | 'invalid_time';

export interface ActionError {
	error: ActionErrorCode;
	message: string;
}

export function isActionError(r: ActionResult | ActionError): r is ActionError {
	return 'error' in r;
}

/** The whole effect of a result on the three mutable parts of a contact (for callers and tests). */
export function applyResult(
	current: { state: ConversationState; assignment: Assignment; blocked: boolean },
	result: ActionResult
): { state: ConversationState; assignment: Assignment; blocked: boolean } {
	return {
		state: { ...current.state, ...result.state },
		assignment: { ...current.assignment, ...result.assignment },
		blocked: result.blocked ?? current.blocked
	};
}

const AWAKE = { snoozeUntil: null, statusBeforeSnooze: null, sinceBeforeSnooze: null } as const;

type Settled = 'open' | 'closed';

/** The status under a snooze, or the status itself. A snooze with no memory counts as open. */
function underlying(state: ConversationState): { status: Settled; since: number | null } {
	if (state.status !== 'snoozed') return { status: state.status, since: state.since };
	return { status: state.statusBeforeSnooze ?? 'open', since: state.sinceBeforeSnooze };
}

const statusEvent = (status: Settled, source: EventSource): ActionEvent => ({
	type: status === 'open' ? 'opened' : 'closed',
	source,
	data: {}
});

function moveTo(state: ConversationState, target: Settled, now: number, source: EventSource): ActionResult {
	if (state.status === target) return { events: [] };
	if (state.status !== 'snoozed') {
		return { state: { status: target, since: now, ...AWAKE }, events: [statusEvent(target, source)] };
	}
	const u = underlying(state);
	const woken: ActionEvent = { type: 'woken', source, data: { status: u.status } };
	if (u.status === target) return { state: { status: target, since: u.since, ...AWAKE }, events: [woken] };
	return { state: { status: target, since: now, ...AWAKE }, events: [woken, statusEvent(target, source)] };
}

/** S7.1: an incoming message opens a conversation when none is open. */
export function openOnIncoming(state: ConversationState, now: number): ActionResult {
	return moveTo(state, 'open', now, 'contact');
}

/** S7.3: closing keeps the assignee (no assignment in the result). */
export function close(state: ConversationState, now: number, source: EventSource = 'user'): ActionResult {
	return moveTo(state, 'closed', now, source);
}

export function reopen(state: ConversationState, now: number, source: EventSource = 'user'): ActionResult {
	return moveTo(state, 'open', now, source);
}

/** S7.4: snooze until a future time; refused for blocked contacts. Re-snoozing moves the time. */
export function snooze(
	state: ConversationState,
	profileBlocked: boolean,
	until: number,
	now: number,
	source: EventSource = 'user'
): ActionResult | ActionError {
	if (profileBlocked) return { error: 'blocked', message: 'A blocked contact cannot be snoozed.' };
	if (!Number.isFinite(until) || until <= now) {
		return { error: 'invalid_time', message: 'The snooze time must be in the future.' };
	}
	const events: ActionEvent[] = [{ type: 'snoozed', source, data: { until } }];
	if (state.status === 'snoozed') {
		if (state.snoozeUntil === until) return { error: 'already', message: 'Already snoozed until that time.' };
		return { state: { snoozeUntil: until }, events };
	}
	return {
		state: {
			status: 'snoozed',
			since: now,
			snoozeUntil: until,
			statusBeforeSnooze: state.status,
			sinceBeforeSnooze: state.since
		},
		events
	};
}

/**
 * S7.4: timer or manual unsnooze; back to the status (and since) before the snooze. `now` is
 * unused today and kept in the contract so that recording the wake time needs no caller change.
 */
export function wake(state: ConversationState, now: number, source: 'user' | 'system'): ActionResult | ActionError {
	if (state.status !== 'snoozed') return { error: 'not_snoozed', message: 'The conversation is not snoozed.' };
	const u = underlying(state);
	return {
		state: { status: u.status, since: u.since, ...AWAKE },
		events: [{ type: 'woken', source, data: { status: u.status } }]
	};
}

/** True when the snooze timer has fired. A snooze without a time is due at once, never stuck. */
export function dueForWake(state: ConversationState, now: number): boolean {
	if (state.status !== 'snoozed') return false;
	return state.snoozeUntil === null || !Number.isFinite(state.snoozeUntil) || state.snoozeUntil <= now;
}

/** S7.6: block, which closes the conversation and silently ends a snooze. */
export function block(state: ConversationState, now: number, source: EventSource = 'user'): ActionResult {
	const events: ActionEvent[] = [{ type: 'blocked', source, data: {} }];
	if (state.status === 'closed') return { blocked: true, events };
	const u = underlying(state);
	if (u.status === 'closed') return { blocked: true, state: { status: 'closed', since: u.since, ...AWAKE }, events };
	events.push(statusEvent('closed', source));
	return { blocked: true, state: { status: 'closed', since: now, ...AWAKE }, events };
}

/** S7.6: unblock; the conversation stays (or is made) closed and the composer works again. */
export function unblock(state: ConversationState, now: number, source: EventSource = 'user'): ActionResult {
	const events: ActionEvent[] = [{ type: 'unblocked', source, data: {} }];
	if (state.status === 'closed') return { blocked: false, events };
	const closed = block(state, now, source);
	return { blocked: false, state: closed.state, events: [...events, ...closed.events.slice(1)] };
}

export interface AssignTarget {
	/** undefined: unchanged; null: remove. */
	userId?: UserId | null;
	teamId?: TeamId | null;
}

/**
 * Change the assignee user and/or team. Events: `assigned` carries the assignment after the
 * change; `unassigned` carries what was removed. Removing the user while setting a new team
 * writes both. No change: no event.
 */
export function assign(assignment: Assignment, target: AssignTarget, source: EventSource): ActionResult {
	const next: Assignment = {
		userId: target.userId === undefined ? assignment.userId : target.userId,
		teamId: target.teamId === undefined ? assignment.teamId : target.teamId
	};
	const patch: Partial<Assignment> = {};
	if (next.userId !== assignment.userId) patch.userId = next.userId;
	if (next.teamId !== assignment.teamId) patch.teamId = next.teamId;
	if (patch.userId === undefined && patch.teamId === undefined) return { events: [] };

	const events: ActionEvent[] = [];
	if (assignment.userId !== null && next.userId === null) {
		events.push({ type: 'unassigned', source, data: { userId: assignment.userId, teamId: assignment.teamId } });
		if (next.teamId !== null && next.teamId !== assignment.teamId) {
			events.push({ type: 'assigned', source, data: { userId: null, teamId: next.teamId } });
		}
	} else if (next.userId === null && next.teamId === null) {
		events.push({ type: 'unassigned', source, data: { userId: null, teamId: assignment.teamId } });
	} else {
		events.push({ type: 'assigned', source, data: { userId: next.userId, teamId: next.teamId } });
	}
	return { assignment: patch, events };
}

/** Removes the assignee user; the team stays (use `assign` with `teamId: null` to clear it). */
export function unassign(assignment: Assignment, source: EventSource = 'user'): ActionResult {
	return assign(assignment, { userId: null }, source);
}

/** S7.2: a user replying to a contact with no assignee user is assigned to it. */
export function autoAssignOnReply(assignment: Assignment, userId: UserId): ActionResult {
	if (assignment.userId !== null) return { events: [] };
	return assign(assignment, { userId }, 'user');
}
