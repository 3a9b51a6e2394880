// The packed summaries snapshot round-trips every summary exactly (key order, absent keys, nested
// values), and merging a sorted snapshot without increments returns it as it is. SPEC S9.1.
import { describe, expect, it } from 'vitest';
import type { ContactId, ContactSummary } from '../domain/types';
import { mergeSummaries, packSummaries, unpackSummaries } from './records';

const base = {
	firstName: 'A',
	lastName: '',
	phone: '',
	email: '',
	blocked: false,
	channelIds: ['ch'],
	assigneeId: null,
	teamId: null,
	status: 'open',
	statusSince: 1,
	snoozeUntil: null,
	statusBeforeSnooze: null,
	sinceBeforeSnooze: null,
	reads: { u: 5 },
	lastMessageAt: null,
	lastMessageDirection: null,
	lastMessageChannelId: null,
	lastMessagePreview: '',
	recentIncomingAt: [1, 2],
	updatedAt: 3
};
const s = (id: string, extra: object = {}): ContactSummary => ({ id: id as ContactId, ...base, ...extra }) as unknown as ContactSummary;

describe('packed summaries', () => {
	it('round-trip exactly, whatever keys each summary has', () => {
		const list = [s('a'), s('b', { lastMessageId: 'm1' }), s('c', { lastMessageId: null }), s('d')];
		const packed = packSummaries(list);
		expect(packed.shapes.length).toBe(2);
		const back = unpackSummaries(structuredClone(packed));
		expect(back).toEqual(list);
		expect(back.map((x) => Object.keys(x))).toEqual(list.map((x) => Object.keys(x)));
		expect('lastMessageId' in back[0]!).toBe(false);
	});

	it('a sorted snapshot without increments is returned as it is; otherwise merged and sorted', () => {
		const sorted = [s('a'), s('b'), s('c')];
		expect(mergeSummaries(sorted, [])).toEqual(sorted);
		expect(mergeSummaries([s('c'), s('a')], []).map((x) => x.id)).toEqual(['a', 'c']);
		const merged = mergeSummaries(sorted, [
			{ contactId: 'b' as ContactId, summary: null },
			{ contactId: 'd' as ContactId, summary: s('d') }
		]);
		expect(merged.map((x) => x.id)).toEqual(['a', 'c', 'd']);
	});
});
