// SPEC S6.2 S7.5: the notification center derives from summaries: mentions of me by others,
// system wake-ups of contacts assigned to me; unread = newer than the seen mark; live arrivals
// are announced once.
import { describe, expect, it } from 'vitest';
import { contact, user } from '../domain/test-fixtures';
import type { EntryId, SummaryNotice, UserId } from '../domain/types';
import { NotificationsState } from './notifications.svelte';

const me = user('me');
const mention = (id: string, at: number, to: string[], by = 'other'): SummaryNotice => ({ entryId: id as EntryId, at, kind: 'mention', userIds: to as UserId[], authorId: by });
const woken = (id: string, at: number): SummaryNotice => ({ entryId: id as EntryId, at, kind: 'woken', userIds: [], authorId: null });

function setup() {
	const saved: number[] = [];
	const n = new NotificationsState({ user: () => me, now: () => 1000, saveSeen: (at) => saved.push(at) });
	return { n, saved };
}

describe('NotificationsState', () => {
	it('keeps mentions of me by others and wake-ups of my contacts, newest first', () => {
		const { n } = setup();
		n.load(
			[
				contact('a', { notices: [mention('m1', 100, ['me']), mention('m2', 200, ['someone']), mention('m3', 300, ['me'], 'me')] }),
				contact('b', { assigneeId: 'me' as UserId, notices: [woken('w1', 400)] }),
				contact('c', { assigneeId: 'other' as UserId, notices: [woken('w2', 500)] })
			],
			50
		);
		expect(n.items.map((x) => x.entryId)).toEqual(['w1', 'm1']);
		expect(n.unread).toBe(2);
		n.markAllSeen();
		expect(n.unread).toBe(0);
	});

	it('a first run marks history seen; live arrivals are announced once', () => {
		const { n, saved } = setup();
		n.load([contact('a', { notices: [mention('m1', 100, ['me'])] })], undefined);
		expect(saved).toEqual([1000]);
		expect(n.unread).toBe(0);
		const heard: string[] = [];
		n.onArrive((x) => heard.push(x.entryId));
		const next = contact('a', { notices: [mention('m1', 100, ['me']), mention('m9', 2000, ['me'])] });
		n.apply({ changed: [next], removed: [] });
		n.apply({ changed: [next], removed: [] });
		expect(heard).toEqual(['m9']);
		expect(n.unread).toBe(1);
		n.apply({ changed: [], removed: [next.id] });
		expect(n.items).toEqual([]);
	});
});
