// SPEC S6.3, S5.3, S2.4: the shared rules of AI assist: which messages a summary reads (the
// latest conversation, messages with text only, the last 100), the contact's language, the text
// inserted into a comment, the call summary as plain text, and stored options read defensively.
import { describe, expect, it } from 'vitest';
import { callSummaryText, checkEndpoint, guessLang, latestConversation, normalizeLang, readAiOptions, summaryText, toLines } from './ai';
import type { ChannelId, Entry, EntryId } from './types';

let n = 0;
const msg = (text: string | undefined, direction: 'in' | 'out' = 'in'): Entry => ({
	id: `m${++n}` as EntryId,
	kind: 'message',
	at: n,
	author: direction === 'in' ? { type: 'contact', id: 'c' } : { type: 'user', id: 'u' },
	direction,
	channelId: 'ch' as ChannelId,
	body: text === undefined ? { type: 'image', attachments: [] } : { type: 'text', text }
});
const closed = (): Entry => ({ id: `e${++n}` as EntryId, kind: 'event', at: n, author: { type: 'user', id: 'u' }, type: 'closed', source: 'user', data: {} });
const comment = (text: string): Entry => ({ id: `k${++n}` as EntryId, kind: 'comment', at: n, author: { type: 'user', id: 'u' }, text, mentions: [] });

describe('latestConversation', () => {
	it('reads the messages after the last close, never comments, events or messages without text', () => {
		const thread = [msg('old question'), closed(), msg('new question'), comment('internal'), msg(undefined), msg('answer', 'out')];
		expect(latestConversation(thread).map((m) => m.body.text)).toEqual(['new question', 'answer']);
	});

	it('when the thread ends with a close, reads the conversation it closed', () => {
		expect(latestConversation([msg('a'), closed(), msg('b'), msg('c'), closed()]).map((m) => m.body.text)).toEqual(['b', 'c']);
	});

	it('keeps the last 100 messages', () => {
		const many = Array.from({ length: 130 }, (_, i) => msg(`m ${i}`));
		const got = latestConversation(many);
		expect(got).toHaveLength(100);
		expect(got[0]!.body.text).toBe('m 30');
		expect(toLines(got.slice(-1), () => 'Marie')).toEqual([{ from: 'contact', name: 'Marie', text: 'm 129', at: got.at(-1)!.at }]);
	});
});

describe('languages', () => {
	it("reads a contact's language field in its usual forms", () => {
		expect(normalizeLang('fr')).toBe('fr');
		expect(normalizeLang('fr-FR')).toBe('fr');
		expect(normalizeLang('French')).toBe('fr');
		expect(normalizeLang('Español')).toBe('es');
		expect(normalizeLang('de')).toBeNull();
		expect(normalizeLang('')).toBeNull();
	});

	it('guesses English or French from function words, with a fallback', () => {
		expect(guessLang("Bonjour, je n'ai pas reçu ma commande")).toBe('fr');
		expect(guessLang('Hello, I did not get my order')).toBe('en');
		expect(guessLang('4512', 'fr')).toBe('fr');
	});
});

describe('texts', () => {
	it('renders a summary as bullets then action items', () => {
		expect(summaryText({ bullets: ['A: “x”', 'B: “y”'], actionItems: ['B: “I will do it.”'] }, { actions: 'Action items' })).toBe(
			'• A: “x”\n• B: “y”\n\nAction items:\n☐ B: “I will do it.”'
		);
		expect(summaryText({ bullets: ['A: “x”'], actionItems: [] }, { actions: 'Action items' })).toBe('• A: “x”');
	});

	it('renders a call summary as plain text for copy and download (S2.4)', () => {
		const text = callSummaryText(
			{ title: 'Call with Marie', summary: 'Order 4512 broken.', actionItems: [{ text: 'Send a new one', owner: 'Ana' }, { text: 'Send photos', owner: null }], nextSteps: ['Call back Friday'] },
			{ summary: 'Summary', actions: 'Action items', next: 'Next steps' }
		);
		expect(text).toBe('Call with Marie\n\nSummary:\nOrder 4512 broken.\n\nAction items:\n- Send a new one (Ana)\n- Send photos\n\nNext steps:\n- Call back Friday');
	});
});

describe('options', () => {
	it('reads stored options field by field, with defaults for what is malformed', () => {
		expect(readAiOptions(undefined)).toEqual({ mode: 'on', prompts: [] });
		expect(readAiOptions({ mode: 'weird', prompts: [{ id: 'p', name: 'N', instruction: 'I' }, { id: 3 }] })).toEqual({ mode: 'on', prompts: [{ id: 'p', name: 'N', instruction: 'I' }] });
		expect(readAiOptions({ mode: 'off', prompts: [], endpoint: { baseUrl: 'http://x/v1', model: 'm' } })).toEqual({ mode: 'off', prompts: [], endpoint: { baseUrl: 'http://x/v1', model: 'm' } });
	});

	it('accepts only an http(s) endpoint with a model', () => {
		expect(checkEndpoint('http://127.0.0.1:11434/v1', 'llama3.2')).toBeNull();
		expect(checkEndpoint('ftp://x', 'm')).not.toBeNull();
		expect(checkEndpoint('https://api.example.com/v1', '')).not.toBeNull();
	});
});
