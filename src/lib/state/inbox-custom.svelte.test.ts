// SPEC S1.5 (custom inboxes, sub-views), S1.3 (sharing never widens visibility), S1.7 (the dot
// order with custom inboxes), S1.8 (open counts), S4.4/S4.5 (live: data changes and time
// conditions crossing their line while the list is open).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CustomInboxView } from '../domain/custom-inboxes';
import { asContactId, asTeamId, asUserId } from '../domain/ids';
import { contact, directory, team, user } from '../domain/test-fixtures';
import type { ContactId, ContactSummary, InboxKey } from '../domain/types';
import { DRAFT_INBOX_KEY, InboxState } from './inbox.svelte';

const SALES = asTeamId('sales');
const H = 3_600_000;
const T0 = Date.UTC(2026, 11, 6, 12);

function inboxDef(id: string, over: Partial<CustomInboxView> = {}): CustomInboxView {
	return {
		id,
		name: id,
		icon: '⭐',
		filter: { groups: [[{ field: 'tags', op: 'contains', value: 'vip' }]] },
		sharing: { kind: 'everyone' },
		createdBy: asUserId('owner'),
		createdAt: 0,
		updatedAt: 0,
		hidden: false,
		...over
	};
}

function setup(meId: 'owner' | 'tom' = 'owner') {
	const owner = user('owner', { role: 'owner' });
	const tom = user('tom', { restriction: 'team', teamIds: [SALES] });
	const dir = directory([owner, tom, user('sue', { restriction: 'self' })], [team('sales')]);
	const me = meId === 'owner' ? owner : tom;
	const dots: InboxKey[][] = [];
	const inbox = new InboxState({ user: () => me, dir: () => dir, opened: () => undefined, saveDots: (d) => dots.push(d), now: () => Date.now() });
	return { inbox, dots };
}

const vip = (id: string, over: Partial<ContactSummary> = {}) => ({ ...contact(id, { status: 'open', ...over }), tags: ['vip'] });

describe('InboxState: custom inboxes', () => {
	beforeEach(() => {
		vi.useFakeTimers();
		vi.setSystemTime(T0);
	});
	afterEach(() => vi.useRealTimers());

	it('lists matching contacts live, with the normal status filter, and counts open ones', () => {
		const { inbox } = setup();
		inbox.load([vip('a'), vip('b', { status: 'closed' }), contact('c')]);
		inbox.setCustomInboxes([inboxDef('v', { name: 'VIP' })]);
		expect(inbox.inboxes.find((e) => e.key === 'custom:v')).toMatchObject({ kind: 'custom', label: 'VIP', icon: '⭐', mine: true, openCount: 1 });
		inbox.setInbox('custom:v');
		expect(inbox.rows.map((r) => r.id).sort()).toEqual(['a', 'b']);
		inbox.setStatus('open');
		expect(inbox.rows.map((r) => r.id)).toEqual(['a']);
		// c gets the tag (a local or remote edit): it enters at once; a loses it: it leaves
		inbox.apply({ changed: [{ ...contact('c'), tags: ['VIP'] }, contact('a')], removed: [] });
		expect(inbox.rows.map((r) => r.id)).toEqual(['c']);
		expect(inbox.inboxes.find((e) => e.key === 'custom:v')?.openCount).toBe(1);
	});

	it('shows a team-restricted viewer only the contacts they may see (S1.3)', () => {
		const { inbox } = setup('tom');
		inbox.load([vip('mine', { assigneeId: asUserId('tom') }), vip('sales', { teamId: SALES }), vip('other', { assigneeId: asUserId('sue') })]);
		inbox.setCustomInboxes([inboxDef('v')]);
		inbox.setInbox('custom:v');
		expect(inbox.query.inbox).toBe('custom:v');
		expect(inbox.rows.map((r) => r.id).sort()).toEqual(['mine', 'sales']);
		expect(inbox.inboxes.find((e) => e.key === 'custom:v')).toMatchObject({ mine: false, openCount: 2 });
	});

	it('"unreplied for 2 hours" crosses the line while the list is open (S4.5)', () => {
		const { inbox } = setup();
		const filter = { groups: [[{ field: 'unreplied' as const, op: 'is' as const, value: true }, { field: 'lastIncomingAt' as const, op: 'older_than' as const, amount: 2, unit: 'hours' as const }]] };
		inbox.load([contact('a', { lastMessageDirection: 'in', lastMessageAt: T0 - H, recentIncomingAt: [T0 - H] })]);
		inbox.setCustomInboxes([inboxDef('u', { filter })]);
		inbox.setInbox('custom:u');
		expect(inbox.rows).toEqual([]);
		vi.advanceTimersByTime(H - 1000);
		expect(inbox.rows).toEqual([]);
		vi.advanceTimersByTime(2000);
		expect(inbox.rows.map((r) => r.id)).toEqual(['a']);
		expect(inbox.inboxes.find((e) => e.key === 'custom:u')?.openCount).toBe(1);
		// a reply makes it leave at once
		inbox.apply({ changed: [contact('a', { lastMessageDirection: 'out', lastMessageAt: T0 + 2 * H, recentIncomingAt: [T0 - H] })], removed: [] });
		expect(inbox.rows).toEqual([]);
	});

	it('several contacts cross a rolling window one after the other; counts follow each flip', () => {
		const { inbox } = setup();
		const filter = { groups: [[{ field: 'lastMessageAt' as const, op: 'in_last' as const, amount: 3, unit: 'hours' as const }]] };
		inbox.load([contact('a', { lastMessageAt: T0 - 2.5 * H }), contact('b', { lastMessageAt: T0 - H }), contact('c', { lastMessageAt: T0 - 5 * H }), contact('d', { lastMessageAt: T0 - 0.5 * H, status: 'closed' })]);
		inbox.setCustomInboxes([inboxDef('r', { filter })]);
		inbox.setInbox('custom:r');
		const count = () => inbox.inboxes.find((e) => e.key === 'custom:r')?.openCount;
		expect(inbox.rows.map((r) => r.id).sort()).toEqual(['a', 'b', 'd']);
		expect(count()).toBe(2);
		vi.advanceTimersByTime(0.5 * H + 10);
		expect(inbox.rows.map((r) => r.id).sort()).toEqual(['b', 'd']);
		expect(count()).toBe(1);
		// a new message brings c back into the window, between the flips
		inbox.apply({ changed: [contact('c', { lastMessageAt: T0 + 0.5 * H })], removed: [] });
		expect(count()).toBe(2);
		vi.advanceTimersByTime(1.5 * H);
		expect(inbox.rows.map((r) => r.id).sort()).toEqual(['c', 'd']);
		vi.advanceTimersByTime(0.5 * H);
		expect(inbox.rows.map((r) => r.id)).toEqual(['c']);
		expect(count()).toBe(1);
		vi.advanceTimersByTime(2 * H);
		expect(inbox.rows).toEqual([]);
		expect(count()).toBe(0);
	});

	it('hidden inboxes leave the sidebar but still open; the unsaved filter is a view of its own', () => {
		const { inbox } = setup();
		inbox.load([vip('a'), contact('b', { status: 'closed' })]);
		inbox.setCustomInboxes([inboxDef('v', { hidden: true })]);
		expect(inbox.inboxes.some((e) => e.key === 'custom:v')).toBe(false);
		inbox.setInbox('custom:v');
		expect(inbox.rows.map((r) => r.id)).toEqual(['a']);
		inbox.setDraftFilter({ groups: [[{ field: 'status', op: 'is', value: 'closed' }]] });
		inbox.setInbox(DRAFT_INBOX_KEY);
		expect(inbox.rows.map((r) => r.id)).toEqual(['b']);
		expect(inbox.query.inbox).toBe(DRAFT_INBOX_KEY);
	});

	it('the dot: Mine > Team > custom inboxes > Unassigned > All (S1.7)', () => {
		const { inbox, dots } = setup();
		inbox.load([]);
		inbox.setCustomInboxes([inboxDef('v')]);
		inbox.incoming(vip('x'));
		expect(dots.at(-1)).toEqual(['custom:v']);
		inbox.incoming(vip('y', { teamId: SALES }));
		expect(dots.at(-1)).toEqual(['custom:v', 'team:sales']);
		inbox.incoming(contact('z'));
		expect(dots.at(-1)).toEqual(['custom:v', 'team:sales', 'unassigned']);
		inbox.setInbox('custom:v');
		expect(dots.at(-1)).toEqual(['team:sales', 'unassigned']);
	});
});

describe('InboxState: free text through the local search (S4.4)', () => {
	it('a text condition matches the contacts the search finds (messages included), and asks again after changes', async () => {
		vi.useFakeTimers();
		const me = user('owner', { role: 'owner' });
		const dir = directory([me]);
		const asked: string[] = [];
		let hits = new Set<ContactId>([asContactId('b')]);
		const inbox = new InboxState({
			user: () => me,
			dir: () => dir,
			opened: () => undefined,
			saveDots: () => undefined,
			textSearch: async (q) => {
				asked.push(q);
				return hits;
			}
		});
		inbox.load([contact('a', { lastMessagePreview: 'refund please' }), contact('b'), contact('c')]);
		inbox.setCustomInboxes([inboxDef('t', { filter: { groups: [[{ field: 'text', op: 'contains', value: 'refund' }]] } })]);
		inbox.setInbox('custom:t');
		// before the search answers, the name / email / phone / last message fallback applies
		expect(inbox.rows.map((r) => r.id)).toEqual(['a']);
		await vi.runAllTimersAsync();
		expect(asked).toEqual(['refund']);
		expect(inbox.rows.map((r) => r.id)).toEqual(['b']);
		hits = new Set<ContactId>([asContactId('b'), asContactId('c')]);
		inbox.apply({ changed: [contact('c', { updatedAt: 5 })], removed: [] });
		await vi.advanceTimersByTimeAsync(2000);
		expect(asked).toEqual(['refund', 'refund']);
		expect(inbox.rows.map((r) => r.id).sort()).toEqual(['b', 'c']);
		vi.useRealTimers();
	});
});
