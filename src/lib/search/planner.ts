/**
 * The query planner: what a typed query means (SPEC S3.2, S3.3, S3.5), and how a text is checked
 * against that meaning. The engine turns a plan into MiniSearch queries; `matchText` is the
 * per-text check used to verify phrases and to place highlights.
 *
 * Message queries, once at least 3 visible characters are typed (an emoji is one):
 * - `email`: the query holds an address or part of one (`@gmail`, `ana@`, `b@x.io`). Each must
 *   be a prefix of one of a text's email keys (see `emailKeys`); other words must be present.
 * - `numbers`: two or more tokens, all numbers (`016 014`): any of them, as whole words.
 * - `word`: one word or emoji: present as a whole word.
 * - `phrase`: several words: the words appear consecutively, in order (`brun rapide`).
 * Contact queries: every query word is a prefix of a word of the contact, or the query reads as a
 * phone number and one of its forms prefixes one of the contact's phone forms (phone.ts), or the
 * whole query equals a strict custom field value. Contacts whose phone equals the query (a form
 * equals a form) come first, then other phone matches, then the rest, each in name order.
 */
import { DEMO_COUNTRY, phoneForms, type CountryCode } from './phone';
import { emailKeys, exactForm, isPhoneLike, tokenize, tokenizeQuery, visibleLength } from './tokenize';

/** S3.5: search starts once 3 characters are typed. */
export const MIN_MESSAGE_QUERY = 3;

export type MessagePlan =
	| { kind: 'none'; reason: 'empty' | 'too-short' }
	| { kind: 'word'; word: string }
	| { kind: 'phrase'; words: string[] }
	| { kind: 'numbers'; numbers: string[] }
	| { kind: 'email'; emails: string[]; words: string[] };

const NUMBER_RE = /^\p{Nd}+$/u;

export function planMessageQuery(query: string): MessagePlan {
	if (query.trim() === '') return { kind: 'none', reason: 'empty' };
	if (visibleLength(query) < MIN_MESSAGE_QUERY) return { kind: 'none', reason: 'too-short' };
	const { emails, words } = tokenizeQuery(query);
	if (emails.length > 0) return { kind: 'email', emails: [...new Set(emails)], words: [...new Set(words)] };
	if (words.length === 0) return { kind: 'none', reason: 'empty' };
	if (words.length === 1) return { kind: 'word', word: words[0]! };
	if (words.every((w) => NUMBER_RE.test(w))) return { kind: 'numbers', numbers: [...new Set(words)] };
	return { kind: 'phrase', words };
}

export interface ContactPlan {
	/** Each must prefix some word of the contact (AND); empty when the query has no words. */
	prefixes: string[];
	/** The query's phone forms (phone.ts) when it reads as a phone number, else empty. */
	phones: string[];
	/** Whole-query form for strict custom fields; empty when the query is blank. */
	exact: string;
}

export function planContactQuery(query: string, country: CountryCode = DEMO_COUNTRY): ContactPlan | null {
	if (query.trim() === '') return null;
	const { emails, words } = tokenizeQuery(query);
	const prefixes = [...new Set([...emails, ...words])];
	const phones = isPhoneLike(query) ? phoneForms(query, country) : [];
	const exact = exactForm(query);
	if (prefixes.length === 0 && phones.length === 0 && !exact) return null;
	return { prefixes, phones, exact };
}

/** A highlight: UTF-16 offsets in the text. */
export type Span = [start: number, end: number];

/** Where a text matches a plan, or null when it does not match (the definition of S3.5). */
export function matchText(plan: MessagePlan, text: string): Span[] | null {
	if (plan.kind === 'none') return null;
	const tokens = tokenize(text);
	const spans: Span[] = [];
	switch (plan.kind) {
		case 'word':
			for (const t of tokens) if (t.kind !== 'email' && t.term === plan.word) spans.push([t.start, t.end]);
			break;
		case 'numbers': {
			const wanted = new Set(plan.numbers);
			for (const t of tokens) if (t.kind === 'word' && wanted.has(t.term)) spans.push([t.start, t.end]);
			break;
		}
		case 'phrase': {
			const seq = tokens.filter((t) => t.kind !== 'email');
			const n = plan.words.length;
			for (let i = 0; i + n <= seq.length; i++) {
				let ok = true;
				for (let j = 0; j < n && ok; j++) ok = seq[i + j]!.term === plan.words[j];
				if (ok) {
					spans.push([seq[i]!.start, seq[i + n - 1]!.end]);
					i += n - 1;
				}
			}
			break;
		}
		case 'email': {
			const emailTokens = tokens.filter((t) => t.kind === 'email');
			for (const q of plan.emails) {
				const hits = emailTokens.filter((t) => emailKeys(t.term).some((k) => k.startsWith(q)));
				if (hits.length === 0) return null;
				for (const h of hits) spans.push([h.start, h.end]);
			}
			for (const w of plan.words) {
				const hits = tokens.filter((t) => t.kind !== 'email' && t.term === w);
				if (hits.length === 0) return null;
				for (const h of hits) spans.push([h.start, h.end]);
			}
			break;
		}
	}
	return spans.length ? mergeSpans(spans) : null;
}

function mergeSpans(spans: Span[]): Span[] {
	spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
	const out: Span[] = [];
	for (const s of spans) {
		const last = out[out.length - 1];
		if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
		else out.push([s[0], s[1]]);
	}
	return out;
}

export interface Snippet {
	text: string;
	/** Offsets into `text`. */
	highlights: Span[];
	/** Whether text was cut before / after the snippet. */
	cutStart: boolean;
	cutEnd: boolean;
}

const SNIPPET_LENGTH = 160;
const SNIPPET_LEAD = 40;

/** A window of the text around the first highlight, never splitting a surrogate pair. */
export function makeSnippet(text: string, spans: readonly Span[]): Snippet {
	if (text.length <= SNIPPET_LENGTH) return { text, highlights: spans.map((s) => [s[0], s[1]]), cutStart: false, cutEnd: false };
	const first = spans[0]?.[0] ?? 0;
	let start = Math.max(0, Math.min(first - SNIPPET_LEAD, text.length - SNIPPET_LENGTH));
	let end = Math.min(text.length, start + SNIPPET_LENGTH);
	if (isLowSurrogate(text.charCodeAt(start))) start++;
	if (isLowSurrogate(text.charCodeAt(end))) end--;
	const highlights: Span[] = [];
	for (const [a, b] of spans) {
		if (b <= start || a >= end) continue;
		highlights.push([Math.max(a, start) - start, Math.min(b, end) - start]);
	}
	return { text: text.slice(start, end), highlights, cutStart: start > 0, cutEnd: end < text.length };
}

function isLowSurrogate(c: number): boolean {
	return c >= 0xdc00 && c <= 0xdfff;
}
