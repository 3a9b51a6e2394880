// Issue 20: the alerts behind the notification preferences (settings > My profile): an
// assignment to me, a new incoming message in Mine, a mention; nothing during a catch-up.
// SPEC S6.2 (notifications), S1.2 (Mine).
import { describe, expect, it } from 'vitest';
import type { ContactId, ContactSummary, UserId } from '../domain/types';
import { AlertsState, alertsOf, type Alert } from './alerts.svelte';
import { NotificationPrefsState } from './settings.svelte';

const me = 'u-me' as UserId;
const other = 'u-other' as UserId;
const summary = (p: Partial<ContactSummary>): ContactSummary => ({ id: 'c1' as ContactId, assigneeId: null, recentIncomingAt: [], ...p }) as ContactSummary;

describe('alertsOf', () => {
	it('an assignment to me by a change, a new incoming message in Mine, nothing else', () => {
		expect(alertsOf(summary({ assigneeId: other }), summary({ assigneeId: me }), me)).toEqual(['assignments']);
		expect(alertsOf(summary({ assigneeId: me, recentIncomingAt: [1] }), summary({ assigneeId: me, recentIncomingAt: [1, 2] }), me)).toEqual(['mine']);
		expect(alertsOf(summary({ assigneeId: me, recentIncomingAt: [1] }), summary({ assigneeId: me, recentIncomingAt: [1] }), me)).toEqual([]);
		expect(alertsOf(summary({ assigneeId: other, recentIncomingAt: [1] }), summary({ assigneeId: other, recentIncomingAt: [1, 2] }), me)).toEqual([]);
		expect(alertsOf(summary({ assigneeId: me }), summary({ assigneeId: null }), me)).toEqual([]);
	});
});

describe('AlertsState', () => {
	it('announces live changes only, not the catch-up', () => {
		let live = false;
		let selected: ContactId | null = null;
		const state = new AlertsState({ user: () => ({ id: me }), live: () => live, selected: () => selected });
		const heard: Alert[] = [];
		state.onAlert((a) => heard.push(a));
		state.load([summary({ assigneeId: other })]);
		state.apply({ changed: [summary({ assigneeId: me })], removed: [] });
		expect(heard).toEqual([]);
		live = true;
		state.apply({ changed: [summary({ assigneeId: me, recentIncomingAt: [5] })], removed: [] });
		expect(heard).toEqual([{ kind: 'mine', contactId: 'c1' }]);
		// The conversation open here: seen already.
		selected = 'c1' as ContactId;
		state.apply({ changed: [summary({ assigneeId: me, recentIncomingAt: [5, 6] })], removed: [] });
		expect(heard).toHaveLength(1);
	});
});

describe('NotificationPrefsState', () => {
	it('keeps the choices per device', () => {
		const store = new Map<string, string>();
		const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
		const a = new NotificationPrefsState(storage);
		expect(a.wants('sound', 'mine')).toBe(false);
		a.set('sound', 'mine', true);
		a.set('desktop', 'mentions', false);
		const b = new NotificationPrefsState(storage);
		expect(b.wants('sound', 'mine')).toBe(true);
		expect(b.wants('desktop', 'mentions')).toBe(false);
		expect(b.wants('sound', 'mentions')).toBe(true);
	});
});
