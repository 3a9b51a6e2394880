import { describe, expect, it } from 'vitest';
import type { Channel, ChannelId, Entry, EntryId, Profile } from '../../domain/types';
import { filterEmoji } from './emoji';
import { contactVariables, defaultChannel, expandVariables, filterByWord, firstUrl, insertMention, keptMentions, messagingWindow, replaceRange, triggerAt } from './text';

describe('composer shortcuts (SPEC S5.6, S6.2)', () => {
	it('finds the trigger under the caret only at a word start', () => {
		expect(triggerAt(':smi', 4, false)).toEqual({ kind: 'emoji', start: 0, query: 'smi' });
		expect(triggerAt('hello /tr', 9, false)).toEqual({ kind: 'snippet', start: 6, query: 'tr' });
		expect(triggerAt('Hi {{first', 10, false)).toEqual({ kind: 'variable', start: 3, query: 'first' });
		expect(triggerAt('ping @an', 8, true)).toEqual({ kind: 'mention', start: 5, query: 'an' });
		expect(triggerAt('ping @an', 8, false)).toBeNull();
		expect(triggerAt('at 10:30', 8, false)).toBeNull();
		expect(triggerAt('see http://x.io/a', 17, false)).toBeNull();
		expect(triggerAt('mail me@x.io', 12, true)).toBeNull();
		expect(triggerAt(':smile done', 11, false)).toBeNull();
	});

	it('replaces the trigger with the insertion and moves the caret after it', () => {
		expect(replaceRange('Hi :smi!', 3, 7, '😄')).toEqual({ text: 'Hi 😄!', caret: 5 });
	});

	it('filters emoji and items by word prefix', () => {
		expect(filterEmoji('thumbs').map((e) => e.char)).toEqual(['👍', '👎']);
		expect(filterEmoji('').length).toBe(8);
		expect(filterByWord([{ n: 'Ana Souza' }, { n: 'Tom Becker' }], 'sou', (x) => x.n)).toEqual([{ n: 'Ana Souza' }]);
	});

	it('variables are the contact values; snippets expand them', () => {
		const p = { firstName: 'Zoé', lastName: 'Martin', email: 'z@x.io', phone: '+33 6', custom: { company: 'Acme' } } as unknown as Profile;
		const vars = contactVariables(p, [{ key: 'company', label: 'Company', type: 'text' }], { firstName: 'First name', lastName: 'Last name', fullName: 'Full name', email: 'Email', phone: 'Phone' });
		expect(vars.find((v) => v.key === 'fullName')?.value).toBe('Zoé Martin');
		expect(expandVariables('Hi {{firstName}} from {{ company }} {{nope}}', vars)).toBe('Hi Zoé from Acme {{nope}}');
	});

	it('keeps only mentions still written in the text', () => {
		const ana = { id: 'u1', name: 'Ana Souza' };
		const tom = { id: 'u2', name: 'Tom Becker' };
		expect(keptMentions('cc @Ana Souza', [ana, tom, ana])).toEqual([ana]);
	});
});

describe('messaging window and channel (SPEC S5.6, S5.10)', () => {
	const hook: Channel = { id: 'hook' as ChannelId, kind: 'webhook', name: 'WA', windowHours: 24, supportsReplies: true };
	const chat: Channel = { id: 'chat' as ChannelId, kind: 'webchat', name: 'Chat', windowHours: null, supportsReplies: true };
	const H = 3_600_000;
	it('is open for windowHours after the last incoming message; null is always open', () => {
		expect(messagingWindow(chat, null, 0)).toEqual({ open: true });
		expect(messagingWindow(hook, 0, 23 * H)).toEqual({ open: true });
		expect(messagingWindow(hook, 0, 24 * H)).toEqual({ open: false, reason: 'expired', closedAt: 24 * H });
		expect(messagingWindow(hook, null, 0)).toEqual({ open: false, reason: 'no-incoming', closedAt: null });
	});
	it('defaults to the channel of the last incoming message', () => {
		const m = (id: string, channelId: string, direction: 'in' | 'out', at: number): Entry => ({ id: id as EntryId, kind: 'message', at, author: { type: 'contact', id: 'c' }, direction, channelId: channelId as ChannelId, body: { type: 'text', text: '' } });
		const entries = [m('1', 'hook', 'in', 1), m('2', 'chat', 'out', 2)];
		expect(defaultChannel(entries, ['chat', 'hook'] as ChannelId[], 'chat' as ChannelId)).toBe('hook');
		expect(defaultChannel([], ['chat', 'hook'] as ChannelId[], 'hook' as ChannelId)).toBe('hook');
		expect(defaultChannel([], [], null)).toBeNull();
	});
});

describe('first URL (SPEC S5.9)', () => {
	it('takes the first http(s) URL without trailing punctuation', () => {
		expect(firstUrl('see https://example.com/a?b=1. and http://other.io')).toBe('https://example.com/a?b=1');
		expect(firstUrl('(http://x.io/p)')).toBe('http://x.io/p');
		expect(firstUrl('ftp://x.io no')).toBeNull();
	});
});

// Issue 16: a mention picked in the middle of a sentence inserted a double space.
describe('insertMention (SPEC S6.2)', () => {
	it('leaves exactly one space after the name, at the end or before existing text', () => {
		expect(insertMention('Hi @ol', 3, 6, 'Olivia Bennett')).toEqual({ text: 'Hi @Olivia Bennett ', caret: 19 });
		const mid = insertMention('Hi @ol thanks', 3, 6, 'Olivia Bennett');
		expect(mid.text).toBe('Hi @Olivia Bennett thanks');
		expect(mid.text).not.toContain('  ');
		expect(mid.caret).toBe(19);
	});
});
