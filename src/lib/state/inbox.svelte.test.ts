// Issue 16 "A list that holds still" (SPEC S4.6 unread badge): the conversation on screen stays
// read when a live message arrives in it; other conversations get their badge.
import { describe, expect, it } from 'vitest';
import { asContactId } from '../domain/ids';
import { contact, directory, team, user } from '../domain/test-fixtures';
import type { ContactId, ContactSummary } from '../domain/types';
import { InboxState } from './inbox.svelte';

const me = user('me');
const dir = directory([me]);

function setup(reading = true) {
	const opened: ContactId[] = [];
	const inbox = new InboxState({ user: () => me, dir: () => dir, opened: (id) => opened.push(id), saveDots: () => undefined, reading: () => reading });
	inbox.load([contact('a', { reads: { me: 100 } }), contact('b', { reads: { me: 100 } })]);
	return { inbox, opened };
}

describe('InboxState: the conversation being read', () => {
	it('is marked read when a live message arrives in it, and only it', () => {
		const { inbox, opened } = setup();
		inbox.select(asContactId('a'));
		opened.length = 0;
		inbox.apply({ changed: [contact('a', { reads: { me: 100 }, recentIncomingAt: [200] }), contact('b', { reads: { me: 100 }, recentIncomingAt: [200] })], removed: [] });
		expect(opened).toEqual(['a']);
	});

	it('is left unread while the page is hidden', () => {
		const { inbox, opened } = setup(false);
		inbox.select(asContactId('a'));
		opened.length = 0;
		inbox.apply({ changed: [contact('a', { reads: { me: 100 }, recentIncomingAt: [200] })], removed: [] });
		expect(opened).toEqual([]);
	});

	it('keeps a selection that has not arrived yet (a link opened during the first sync), and drops a removed one', () => {
		const { inbox } = setup();
		inbox.select(asContactId('late'));
		inbox.apply({ changed: [contact('c')], removed: [] });
		expect(inbox.selectedId).toBe('late');
		inbox.apply({ changed: [contact('late')], removed: [] });
		inbox.apply({ changed: [], removed: [asContactId('late')] });
		expect(inbox.selectedId).toBeNull();
	});
});

// Issue 26 (SPEC S1.2, S1.4, S1.6 inboxes and their counts, S4.1 the list): a first login hands the inbox thousands of summaries per
// batch; they are applied incrementally (counts by contribution, the list merged), and the
// result is what a cold start of the same summaries shows.
describe('InboxState: big batches', () => {
	it('applies batches of thousands like a load of the same summaries', () => {
		const other = user('other');
		const sales = team('sales');
		const d = directory([me, other], [sales]);
		const make = (i: number, round: number): ContactSummary =>
			contact(`c${i}`, {
				assigneeId: [null, me.id, other.id][(i + round) % 3]!,
				teamId: (i + round) % 4 === 0 ? sales.id : null,
				status: (['open', 'closed', 'snoozed'] as const)[(i * 7 + round) % 3]!,
				blocked: (i + round) % 17 === 0,
				lastMessageAt: ((i * 7919 + round * 31) % 10_000) + 1,
				lastMessageDirection: (i + round) % 2 === 0 ? 'in' : 'out'
			});
		const deps = { user: () => me, dir: () => d, opened: () => undefined, saveDots: () => undefined };
		const inbox = new InboxState(deps);
		inbox.load([]);
		const all = new Map<ContactId, ContactSummary>();
		// Three batches of new contacts, then one that changes a third and removes a tenth.
		for (let b = 0; b < 3; b++) {
			const batch = Array.from({ length: 1_000 }, (_, j) => make(b * 1_000 + j, 0));
			for (const c of batch) all.set(c.id, c);
			inbox.apply({ changed: batch, removed: [] });
		}
		const removed = Array.from({ length: 300 }, (_, j) => asContactId(`c${j * 10 + 1}`));
		const changed = Array.from({ length: 1_000 }, (_, j) => make(j * 3, 1)).filter((c) => !removed.includes(c.id));
		for (const c of changed) all.set(c.id, c);
		for (const id of removed) all.delete(id);
		inbox.apply({ changed, removed });
		const fresh = new InboxState(deps);
		fresh.load(all.values());
		for (const key of ['all', 'mine', 'unassigned', 'team:sales', 'blocked'] as const) {
			fresh.setInbox(key);
			inbox.setInbox(key);
			for (const status of ['open', 'closed', 'all'] as const) {
				fresh.setStatus(status);
				inbox.setStatus(status);
				expect(inbox.rows.map((r) => r.id), `${key} ${status}`).toEqual(fresh.rows.map((r) => r.id));
			}
		}
		expect(inbox.inboxes).toEqual(fresh.inboxes);
		expect(inbox.rows.length).toBeGreaterThan(0);
	});
});
