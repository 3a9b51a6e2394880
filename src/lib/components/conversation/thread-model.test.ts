// SPEC S5.1 (order, day separators, windowed rendering), S5.2 (sender kinds), S5.5 (event
// details), S5.11 (unsupported bodies), S8.4 (activities grouped by date), S5.3 (entry links).
import { describe, expect, it } from 'vitest';
import { asEntryId } from '../../domain/ids';
import type { Author, Entry, EventEntry, MessageEntry } from '../../domain/types';
import { startOfDay } from '../../i18n/format';
import {
	activitiesByDay,
	bodyView,
	earlierStart,
	entryLink,
	eventDetail,
	initialStart,
	rawJson,
	safeHref,
	senderKind,
	startToShow,
	threadRows,
	trimmedStart
} from './thread-model';

const H = 3_600_000;
const base = new Date(2025, 2, 10, 9, 0).getTime();
const msg = (i: number, at: number, body: MessageEntry['body'] = { type: 'text', text: `m${i}` }): MessageEntry => ({
	id: asEntryId(`e${String(i).padStart(5, '0')}`),
	kind: 'message',
	direction: 'in',
	channelId: 'ch' as MessageEntry['channelId'],
	body,
	at,
	author: { type: 'contact', id: 'c' }
});
const ev = (i: number, at: number, type: string, data: Record<string, unknown> = {}): EventEntry => ({
	id: asEntryId(`v${i}`),
	kind: 'event',
	type,
	source: 'user',
	data,
	at,
	author: { type: 'user', id: 'u' }
});

describe('thread rows', () => {
	it('puts one day separator before the first entry of each day, from the window start', () => {
		const entries: Entry[] = [msg(0, base), msg(1, base + H), msg(2, base + 24 * H), msg(3, base + 49 * H)];
		const rows = threadRows(entries, 0);
		expect(rows.map((r) => (r.kind === 'day' ? `day:${r.at}` : r.key))).toEqual([
			`day:${startOfDay(base)}`,
			'e00000',
			'e00001',
			`day:${startOfDay(base + 24 * H)}`,
			'e00002',
			`day:${startOfDay(base + 49 * H)}`,
			'e00003'
		]);
		// A window starting mid-day still opens with that day's separator.
		expect(threadRows(entries, 1).map((r) => r.kind)).toEqual(['day', 'entry', 'day', 'entry', 'day', 'entry']);
	});

	it('windows: newest page first, earlier pages on demand, focus widens, bottom trims', () => {
		expect(initialStart(10_000)).toBe(9_800);
		expect(initialStart(50)).toBe(0);
		expect(earlierStart(9_800)).toBe(9_600);
		expect(earlierStart(150)).toBe(0);
		expect(startToShow(9_800, 9_900)).toBe(9_800);
		expect(startToShow(9_800, 120)).toBe(100);
		expect(startToShow(9_800, 5)).toBe(0);
		expect(trimmedStart(9_000, 10_000, true)).toBe(9_800);
		expect(trimmedStart(9_000, 10_000, false)).toBe(9_000);
		expect(trimmedStart(9_700, 10_000, true)).toBe(9_700);
	});

	it('builds rows for a 10k thread window in well under a frame', () => {
		const entries = Array.from({ length: 10_000 }, (_, i) => msg(i, base + i * 60_000));
		const t0 = performance.now();
		const rows = threadRows(entries, initialStart(entries.length));
		expect(performance.now() - t0).toBeLessThan(16);
		expect(rows.filter((r) => r.kind === 'entry')).toHaveLength(200);
	});
});

describe('activities', () => {
	it('keeps comments and events, newest day first, each day in thread order', () => {
		const entries: Entry[] = [ev(1, base, 'opened'), msg(1, base + 1), ev(2, base + 2, 'assigned'), ev(3, base + 25 * H, 'closed')];
		const days = activitiesByDay(entries);
		expect(days.map((d) => [d.day, d.items.map((e) => e.id)])).toEqual([
			[startOfDay(base + 25 * H), ['v3']],
			[startOfDay(base), ['v1', 'v2']]
		]);
		expect(activitiesByDay(entries, 1)).toHaveLength(1);
	});
});

describe('messages and events', () => {
	it('names the sender kind of every author type', () => {
		const kinds = (['user', 'contact', 'bot', 'workflow', 'integration', 'api', 'provider', 'system'] as Author['type'][]).map((type) => senderKind({ type, id: 'x' }));
		expect(kinds).toEqual(['human', 'contact', 'platform', 'platform', 'platform', 'api', 'provider', 'platform']);
	});

	it('shows text, media with attachments, and everything else as unsupported with its raw JSON', () => {
		expect(bodyView(msg(1, base))).toBe('text');
		expect(bodyView(msg(1, base, { type: 'image', attachments: [{ storageName: 's', name: 'a.png', size: 1, mime: 'image/png' }] }))).toBe('media');
		const odd = msg(1, base, { type: 'sticker_pack', raw: { id: 7, tags: ['x'] } });
		expect(bodyView(odd)).toBe('unsupported');
		expect(JSON.parse(rawJson(odd))).toEqual({ id: 7, tags: ['x'] });
		expect(bodyView(msg(1, base, { type: 'image' }))).toBe('unsupported');
	});

	it('reads the people and times of events', () => {
		expect(eventDetail(ev(1, base, 'assigned', { userId: 'u1', teamId: null }))).toEqual({ kind: 'assigned', userId: 'u1', teamId: null });
		expect(eventDetail(ev(1, base, 'assigned', { assigneeId: 'u2' }))).toEqual({ kind: 'assigned', userId: 'u2', teamId: null });
		expect(eventDetail(ev(1, base, 'snoozed', { until: 5 }))).toEqual({ kind: 'snoozed', until: 5 });
		expect(eventDetail(ev(1, base, 'woken', { status: 'closed' }))).toEqual({ kind: 'woken', status: 'closed' });
		expect(eventDetail(ev(1, base, 'bot_on'))).toEqual({ kind: 'plain' });
	});

	it('makes entry links and only http(s) hrefs', () => {
		expect(entryLink('http://h:1', 'c 1', 'e/2')).toBe('http://h:1/c/c%201?entry=e%2F2');
		expect(safeHref('https://shop.example/p?a=1')).toBe('https://shop.example/p?a=1');
		expect(safeHref('javascript:alert(1)')).toBeNull();
		expect(safeHref('not a url')).toBeNull();
	});
});
