// SPEC S2.1 S2.3: the agent's Incoming calls come from the contact summaries: live calls only,
// tabs All / Assigned to me / Unassigned (no All for a restricted agent), newest first; a call
// ringing live is announced with a desktop notification when the page is hidden and allowed;
// Answer refused by the server shows who got the call.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callStep, startCall, type CallState } from '../domain/calls';
import { contact, user } from '../domain/test-fixtures';
import type { ChannelId, ContactId, User, UserId } from '../domain/types';
import { CallsState } from './calls.svelte';

const ring = (id: string, contactId: string, at: number): CallState => startCall({ id, contactId: contactId as ContactId, channelId: 'web' as ChannelId, direction: 'in', at });
const S = { ringWindowSec: 60, maxDurationSec: 600 };

function setup(me: User, fetchImpl?: typeof fetch) {
	return new CallsState({
		user: () => me,
		now: () => 0,
		baseUrl: '',
		token: async () => 'tok',
		refresh: async () => 'failed' as never,
		...(fetchImpl ? { fetch: fetchImpl } : {}),
		upload: async () => ({ ok: false, error: 'no' })
	});
}

afterEach(() => vi.unstubAllGlobals());

describe('CallsState', () => {
	it('lists live calls by tab, newest first; finished calls only in the log', () => {
		const me = user('me');
		const c = setup(me);
		const done = (() => {
			const s = callStep(ring('x', 'd', 50), { type: 'hangup', by: 'contact', at: 60 }, S);
			if (!s.ok) throw new Error('refused');
			return s.state;
		})();
		c.load([
			contact('a', { calls: [ring('1', 'a', 100)] }),
			contact('b', { assigneeId: 'me' as UserId, calls: [ring('2', 'b', 200)] }),
			contact('c', { assigneeId: 'other' as UserId, calls: [ring('3', 'c', 300)] }),
			contact('d', { calls: [done] })
		]);
		expect(c.tabs).toEqual(['all', 'mine', 'unassigned']);
		expect(c.tabItems('all').map((i) => i.call.id)).toEqual(['3', '2', '1']);
		expect(c.tabItems('mine').map((i) => i.call.id)).toEqual(['2']);
		expect(c.tabItems('unassigned').map((i) => i.call.id)).toEqual(['1']);
		expect(c.items.map((i) => i.call.id)).toEqual(['3', '2', '1', 'x']);
		expect(c.ringing).toHaveLength(3);
	});

	it('a restricted agent has no All tab', () => {
		const c = setup(user('tom', { restriction: 'team' }));
		expect(c.tabs).toEqual(['mine', 'unassigned']);
		c.setView('incoming');
		expect(c.tab).toBe('mine');
	});

	it('a call that starts ringing live is announced when the page is hidden and notifications are allowed', () => {
		const shown: string[] = [];
		class FakeNotification {
			static permission = 'granted';
			constructor(title: string) {
				shown.push(title);
			}
		}
		vi.stubGlobal('Notification', FakeNotification);
		vi.stubGlobal('document', { visibilityState: 'hidden' });
		const c = setup(user('me'));
		c.load([contact('a', { calls: [ring('old', 'a', 1)] })]);
		c.apply({ changed: [contact('b', { firstName: 'Bea', calls: [ring('new', 'b', 2)] })], removed: [] });
		c.apply({ changed: [contact('b', { firstName: 'Bea', calls: [ring('new', 'b', 2)] })], removed: [] });
		expect(shown).toEqual(['📞 Bea']);
	});

	it('an answer the server refuses says who got the call', async () => {
		const fetchImpl = (async () => new Response(JSON.stringify({ error: { code: 'answered_by', message: 'Answered by Ana.', userId: 'u-ana', name: 'Ana' } }), { status: 409 })) as unknown as typeof fetch;
		const c = setup(user('me'), fetchImpl);
		c.load([contact('a', { calls: [ring('1', 'a', 100)] })]);
		expect(await c.answer('a' as ContactId, '1')).toBe(false);
		expect(c.notice).toEqual({ code: 'answered_by', name: 'Ana' });
		expect(c.active).toBeNull();
	});

	it('a call of mine this tab is not on (answered before a reload) can still be ended', async () => {
		const asked: string[] = [];
		const fetchImpl = (async (url: string, init?: RequestInit) => {
			asked.push(`${init?.method ?? 'GET'} ${url}`);
			return new Response(null, { status: 204 });
		}) as unknown as typeof fetch;
		const c = setup(user('me'), fetchImpl);
		await c.endCall('call-12345678');
		expect(asked).toEqual(['POST /api/calls/call-12345678/end']);
		expect(c.notice).toBeNull();
	});
});
