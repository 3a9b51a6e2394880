import { describe, expect, it } from 'vitest';
import type { Assignment, ConversationState, EventSource, EventType } from './types';
import { asTeamId, asUserId } from './ids';
import {
	applyResult,
	assign,
	autoAssignOnReply,
	block,
	close,
	dueForWake,
	isActionError,
	openOnIncoming,
	reopen,
	snooze,
	unassign,
	unblock,
	wake,
	type ActionError,
	type ActionEvent,
	type ActionResult
} from './actions';
import { state } from './test-fixtures';

const NOW = 9000;
const AWAKE = { snoozeUntil: null, statusBeforeSnooze: null, sinceBeforeSnooze: null };

// Every starting state the actions must handle.
const S = {
	open: state({ status: 'open', since: 1000 }),
	closed: state({ status: 'closed', since: 1000 }),
	snoozedFromOpen: state({ status: 'snoozed', since: 1000, snoozeUntil: 5000, statusBeforeSnooze: 'open', sinceBeforeSnooze: 500 }),
	snoozedFromClosed: state({ status: 'snoozed', since: 1000, snoozeUntil: 5000, statusBeforeSnooze: 'closed', sinceBeforeSnooze: 500 }),
	snoozedNoMemory: state({ status: 'snoozed', since: 1000, snoozeUntil: 5000, statusBeforeSnooze: null, sinceBeforeSnooze: null })
} satisfies Record<string, ConversationState>;
type Start = keyof typeof S;

function ok(r: ActionResult | ActionError): ActionResult {
	if (isActionError(r)) throw new Error(`unexpected error ${r.error}: ${r.message}`);
	return r;
}
const ev = (type: EventType, source: EventSource, data: Record<string, unknown> = {}): ActionEvent => ({ type, source, data });

describe('openOnIncoming', () => {
	// SPEC S7.1 S5.5
	const want: Record<Start, ActionResult> = {
		open: { events: [] },
		closed: { state: { status: 'open', since: NOW, ...AWAKE }, events: [ev('opened', 'contact')] },
		snoozedFromOpen: { state: { status: 'open', since: 500, ...AWAKE }, events: [ev('woken', 'contact', { status: 'open' })] },
		snoozedFromClosed: {
			state: { status: 'open', since: NOW, ...AWAKE },
			events: [ev('woken', 'contact', { status: 'closed' }), ev('opened', 'contact')]
		},
		snoozedNoMemory: { state: { status: 'open', since: null, ...AWAKE }, events: [ev('woken', 'contact', { status: 'open' })] }
	};
	for (const k of Object.keys(S) as Start[]) {
		it(`from ${k}`, () => expect(openOnIncoming(S[k], NOW)).toEqual(want[k]));
	}
});

describe('close and reopen', () => {
	// SPEC S7.3 S4.7 S5.5
	const wantClose: Record<Start, ActionResult> = {
		open: { state: { status: 'closed', since: NOW, ...AWAKE }, events: [ev('closed', 'user')] },
		closed: { events: [] },
		snoozedFromOpen: {
			state: { status: 'closed', since: NOW, ...AWAKE },
			events: [ev('woken', 'user', { status: 'open' }), ev('closed', 'user')]
		},
		snoozedFromClosed: { state: { status: 'closed', since: 500, ...AWAKE }, events: [ev('woken', 'user', { status: 'closed' })] },
		snoozedNoMemory: {
			state: { status: 'closed', since: NOW, ...AWAKE },
			events: [ev('woken', 'user', { status: 'open' }), ev('closed', 'user')]
		}
	};
	const wantReopen: Record<Start, ActionResult> = {
		open: { events: [] },
		closed: { state: { status: 'open', since: NOW, ...AWAKE }, events: [ev('opened', 'user')] },
		snoozedFromOpen: { state: { status: 'open', since: 500, ...AWAKE }, events: [ev('woken', 'user', { status: 'open' })] },
		snoozedFromClosed: {
			state: { status: 'open', since: NOW, ...AWAKE },
			events: [ev('woken', 'user', { status: 'closed' }), ev('opened', 'user')]
		},
		snoozedNoMemory: { state: { status: 'open', since: null, ...AWAKE }, events: [ev('woken', 'user', { status: 'open' })] }
	};
	for (const k of Object.keys(S) as Start[]) {
		it(`close from ${k}`, () => expect(close(S[k], NOW)).toEqual(wantClose[k]));
		it(`reopen from ${k}`, () => expect(reopen(S[k], NOW)).toEqual(wantReopen[k]));
	}

	it('closing never touches the assignment', () => {
		for (const k of Object.keys(S) as Start[]) expect(close(S[k], NOW).assignment).toBeUndefined();
	});

	it('passes the source through', () => {
		expect(close(S.open, NOW, 'workflow').events).toEqual([ev('closed', 'workflow')]);
		expect(reopen(S.closed, NOW, 'bot').events).toEqual([ev('opened', 'bot')]);
	});
});

describe('snooze', () => {
	// SPEC S7.4 S5.5
	it('from open or closed remembers the status and its since', () => {
		for (const k of ['open', 'closed'] as const) {
			expect(ok(snooze(S[k], false, 20_000, NOW))).toEqual({
				state: { status: 'snoozed', since: NOW, snoozeUntil: 20_000, statusBeforeSnooze: k, sinceBeforeSnooze: 1000 },
				events: [ev('snoozed', 'user', { until: 20_000 })]
			});
		}
	});

	it('re-snoozing moves the time and keeps the memory', () => {
		expect(ok(snooze(S.snoozedFromClosed, false, 20_000, NOW))).toEqual({
			state: { snoozeUntil: 20_000 },
			events: [ev('snoozed', 'user', { until: 20_000 })]
		});
		expect(snooze(S.snoozedFromClosed, false, 5000, 4000)).toMatchObject({ error: 'already' });
	});

	it('refuses blocked contacts', () => {
		for (const k of Object.keys(S) as Start[]) expect(snooze(S[k], true, 20_000, NOW)).toMatchObject({ error: 'blocked' });
	});

	it.each([NOW, NOW - 1, 0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('refuses until = %s', (until) => {
		const r = snooze(S.open, false, until, NOW);
		expect(r).toMatchObject({ error: 'invalid_time' });
		expect(isActionError(r) && r.message.length > 0).toBe(true);
	});
});

describe('wake', () => {
	// SPEC S7.4 S7.5 S4.2
	const want: Partial<Record<Start, ActionResult>> = {
		snoozedFromOpen: { state: { status: 'open', since: 500, ...AWAKE }, events: [ev('woken', 'system', { status: 'open' })] },
		snoozedFromClosed: { state: { status: 'closed', since: 500, ...AWAKE }, events: [ev('woken', 'system', { status: 'closed' })] },
		snoozedNoMemory: { state: { status: 'open', since: null, ...AWAKE }, events: [ev('woken', 'system', { status: 'open' })] }
	};
	for (const k of Object.keys(S) as Start[]) {
		it(`from ${k}`, () => {
			const w = want[k];
			if (w) expect(wake(S[k], NOW, 'system')).toEqual(w);
			else expect(wake(S[k], NOW, 'system')).toMatchObject({ error: 'not_snoozed' });
		});
	}

	it('manual unsnooze is the same with source user', () => {
		expect(ok(wake(S.snoozedFromOpen, NOW, 'user')).events).toEqual([ev('woken', 'user', { status: 'open' })]);
	});

	it('snooze then wake restores the state exactly', () => {
		for (const k of ['open', 'closed'] as const) {
			const base = { state: S[k], assignment: { userId: null, teamId: null }, blocked: false };
			const snoozed = applyResult(base, ok(snooze(S[k], false, 20_000, NOW)));
			const woken = applyResult(snoozed, ok(wake(snoozed.state, 30_000, 'system')));
			expect(woken.state).toEqual(S[k]);
		}
	});

	it('dueForWake', () => {
		expect(dueForWake(S.snoozedFromOpen, 4999)).toBe(false);
		expect(dueForWake(S.snoozedFromOpen, 5000)).toBe(true);
		expect(dueForWake(S.snoozedFromOpen, 6000)).toBe(true);
		expect(dueForWake(S.open, 6000)).toBe(false);
		expect(dueForWake(S.closed, 6000)).toBe(false);
		expect(dueForWake({ ...S.snoozedFromOpen, snoozeUntil: null }, 0)).toBe(true);
	});
});

describe('block and unblock', () => {
	// SPEC S7.6 S5.5
	const wantBlock: Record<Start, ActionResult> = {
		open: { blocked: true, state: { status: 'closed', since: NOW, ...AWAKE }, events: [ev('blocked', 'user'), ev('closed', 'user')] },
		closed: { blocked: true, events: [ev('blocked', 'user')] },
		snoozedFromOpen: {
			blocked: true,
			state: { status: 'closed', since: NOW, ...AWAKE },
			events: [ev('blocked', 'user'), ev('closed', 'user')]
		},
		snoozedFromClosed: { blocked: true, state: { status: 'closed', since: 500, ...AWAKE }, events: [ev('blocked', 'user')] },
		snoozedNoMemory: {
			blocked: true,
			state: { status: 'closed', since: NOW, ...AWAKE },
			events: [ev('blocked', 'user'), ev('closed', 'user')]
		}
	};
	for (const k of Object.keys(S) as Start[]) {
		it(`block from ${k} closes it and writes no woken`, () => {
			const r = block(S[k], NOW);
			expect(r).toEqual(wantBlock[k]);
			expect(r.events.some((e) => e.type === 'woken')).toBe(false);
		});
	}

	it('unblock after block leaves it closed', () => {
		for (const k of Object.keys(S) as Start[]) {
			const base = { state: S[k], assignment: { userId: null, teamId: null }, blocked: false };
			const blocked = applyResult(base, block(S[k], NOW));
			expect(blocked.blocked).toBe(true);
			const r = unblock(blocked.state, NOW + 1);
			expect(r).toEqual({ blocked: false, events: [ev('unblocked', 'user')] });
			const after = applyResult(blocked, r);
			expect(after.blocked).toBe(false);
			expect(after.state.status).toBe('closed');
		}
	});

	it('unblock of a conversation that got reopened meanwhile closes it again', () => {
		expect(unblock(S.open, NOW)).toEqual({
			blocked: false,
			state: { status: 'closed', since: NOW, ...AWAKE },
			events: [ev('unblocked', 'user'), ev('closed', 'user')]
		});
	});

	it('a blocked contact cannot be snoozed after blocking', () => {
		expect(snooze(S.closed, true, NOW + 1, NOW)).toMatchObject({ error: 'blocked' });
	});
});

describe('assignment', () => {
	// SPEC S7.2 S5.5 S5.7
	const U = asUserId('u');
	const V = asUserId('v');
	const T = asTeamId('t');
	const T2 = asTeamId('t2');
	const a = (userId: typeof U | null, teamId: typeof T | null): Assignment => ({ userId, teamId });

	it('assigns a user, keeping the team', () => {
		expect(assign(a(null, T), { userId: U }, 'user')).toEqual({
			assignment: { userId: U },
			events: [ev('assigned', 'user', { userId: U, teamId: T })]
		});
	});

	it('reassigns and changes team in one event', () => {
		expect(assign(a(U, T), { userId: V, teamId: T2 }, 'workflow')).toEqual({
			assignment: { userId: V, teamId: T2 },
			events: [ev('assigned', 'workflow', { userId: V, teamId: T2 })]
		});
	});

	it('no change, no event', () => {
		expect(assign(a(U, T), { userId: U, teamId: T }, 'user')).toEqual({ events: [] });
		expect(assign(a(U, T), {}, 'user')).toEqual({ events: [] });
	});

	it('removing the team keeps the user', () => {
		expect(assign(a(U, T), { teamId: null }, 'user')).toEqual({
			assignment: { teamId: null },
			events: [ev('assigned', 'user', { userId: U, teamId: null })]
		});
	});

	it('removing the last team of an unassigned contact is an unassignment', () => {
		expect(assign(a(null, T), { teamId: null }, 'user')).toEqual({
			assignment: { teamId: null },
			events: [ev('unassigned', 'user', { userId: null, teamId: T })]
		});
	});

	it('removing the user while moving team writes both events', () => {
		expect(assign(a(U, T), { userId: null, teamId: T2 }, 'bot')).toEqual({
			assignment: { userId: null, teamId: T2 },
			events: [ev('unassigned', 'bot', { userId: U, teamId: T }), ev('assigned', 'bot', { userId: null, teamId: T2 })]
		});
	});

	it('unassign removes the user only', () => {
		expect(unassign(a(U, T))).toEqual({
			assignment: { userId: null },
			events: [ev('unassigned', 'user', { userId: U, teamId: T })]
		});
		expect(unassign(a(null, T))).toEqual({ events: [] });
	});

	it('autoAssignOnReply assigns only when no user is assigned', () => {
		expect(autoAssignOnReply(a(null, null), U)).toEqual({
			assignment: { userId: U },
			events: [ev('assigned', 'user', { userId: U, teamId: null })]
		});
		expect(autoAssignOnReply(a(null, T), U).assignment).toEqual({ userId: U });
		expect(autoAssignOnReply(a(V, T), U)).toEqual({ events: [] });
		expect(autoAssignOnReply(a(U, null), U)).toEqual({ events: [] });
	});
});
