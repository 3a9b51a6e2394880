// Issue 16 "A list that holds still" (SPEC S4.6 unread badge): the conversation on screen stays
// read when a live message arrives in it; other conversations get their badge.
import { describe, expect, it } from 'vitest';
import { asContactId } from '../domain/ids';
import { contact, directory, user } from '../domain/test-fixtures';
import type { ContactId } from '../domain/types';
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
