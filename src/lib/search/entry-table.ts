/**
 * The searchable entries (SPEC S3.5), stored once, in columns indexed by an ordinal: the id, the
 * contact (as a small integer), the time, the kind, the original text (for snippets) and the
 * text's *word sequence*. The ordinal is also the entry's id in MiniSearch, so the index holds
 * small integers instead of strings.
 *
 * The word sequence is the folded terms of the text's words and emoji in order, each surrounded
 * by single spaces (`" le renard brun "`), followed, when the text holds addresses, by U+0001
 * and its email tokens. For word, phrase and number queries, `seq.includes(" w1 w2 ")` is exactly
 * the S3.5 match (the same test the naive reference makes), so checking an entry costs one native
 * substring search instead of a tokenization; for email queries it is a necessary condition
 * checked before the full match. Terms never contain a space or U+0001 (tokenize.ts).
 *
 * Invariants: an ordinal is never reused (a removed entry leaves a hole, `ids[o] === null`);
 * `byTime` lists live ordinals by (at, id) ascending; `threads` lists each contact's ordinals.
 */
import type { ContactId, EntryId } from '../domain/types';
import type { EntryKindCode, SearchRow } from './indexable';
import { emailKeys, tokenize } from './tokenize';

export const EMAIL_MARK = '\u0001';

/** Word sequence and distinct index terms (words, emoji, every email key) of a text. */
export function analyze(text: string): { seq: string; terms: string[] } {
	const words: string[] = [];
	const emails: string[] = [];
	for (const t of tokenize(text)) (t.kind === 'email' ? emails : words).push(t.term);
	// Array joins give flat strings; `+` would keep a tree of cons strings per entry (memory).
	let seq = ['', ...words, ''].join(' ');
	if (emails.length) seq = [seq, emails.join(' ')].join(EMAIL_MARK);
	return { seq, terms: seqTerms(seq) };
}

/** The distinct index terms of a word sequence (used on removal: no tokenizing). */
export function seqTerms(seq: string): string[] {
	const mark = seq.indexOf(EMAIL_MARK);
	const out = new Set<string>();
	for (const w of (mark < 0 ? seq : seq.slice(0, mark)).split(' ')) if (w) out.add(w);
	if (mark >= 0) for (const e of seq.slice(mark + 1).split(' ')) for (const k of emailKeys(e)) out.add(k);
	return [...out];
}

/** The JSON-safe columns a snapshot keeps. */
export interface EntryTableData {
	contacts: string[];
	ids: Array<string | null>;
	owner: number[];
	at: number[];
	/** One character per ordinal: `m` message, `c` comment. */
	kinds: string;
	texts: string[];
	seqs: string[];
	byTime: number[];
}

export class EntryTable {
	ids: Array<EntryId | null> = [];
	texts: string[] = [];
	seqs: string[] = [];
	at: number[] = [];
	kinds: EntryKindCode[] = [];
	owner: number[] = [];
	/** Live ordinals by (at, id) ascending. */
	byTime: number[] = [];
	private contactKeys: ContactId[] = [];
	private keyOf = new Map<ContactId, number>();
	private ordOf = new Map<EntryId, number>();
	private threads = new Map<number, number[]>();

	get size(): number {
		return this.ordOf.size;
	}

	ordinal(id: EntryId): number | undefined {
		return this.ordOf.get(id);
	}

	contactOf(o: number): ContactId {
		return this.contactKeys[this.owner[o]!]!;
	}

	row(o: number): SearchRow {
		return { id: this.ids[o]!, contactId: this.contactOf(o), at: this.at[o]!, kind: this.kinds[o]!, text: this.texts[o]! };
	}

	/** Contacts with at least one entry. */
	contactIds(): ContactId[] {
		return [...this.threads.keys()].map((k) => this.contactKeys[k]!);
	}

	/** Ordinals of a contact's thread, in no particular order. */
	thread(contactId: ContactId): readonly number[] {
		const k = this.keyOf.get(contactId);
		return k === undefined ? [] : (this.threads.get(k) ?? []);
	}

	add(row: SearchRow, seq: string): number {
		const o = this.ids.length;
		let k = this.keyOf.get(row.contactId);
		if (k === undefined) {
			k = this.contactKeys.length;
			this.contactKeys.push(row.contactId);
			this.keyOf.set(row.contactId, k);
		}
		this.ids.push(row.id);
		this.texts.push(row.text);
		this.seqs.push(seq);
		this.at.push(row.at);
		this.kinds.push(row.kind);
		this.owner.push(k);
		this.ordOf.set(row.id, o);
		let t = this.threads.get(k);
		if (!t) this.threads.set(k, (t = []));
		t.push(o);
		const pos = this.upperBound(row.at, row.id);
		if (pos === this.byTime.length) this.byTime.push(o);
		else this.byTime.splice(pos, 0, o);
		return o;
	}

	/** Forgets an entry; returns its ordinal and word sequence, or null when unknown. */
	remove(id: EntryId): { ordinal: number; seq: string } | null {
		const o = this.ordOf.get(id);
		if (o === undefined) return null;
		const seq = this.seqs[o]!;
		const pos = this.upperBound(this.at[o]!, id) - 1;
		if (this.byTime[pos] === o) this.byTime.splice(pos, 1);
		const t = this.threads.get(this.owner[o]!);
		if (t) {
			const i = t.indexOf(o);
			if (i >= 0) t.splice(i, 1);
			if (t.length === 0) this.threads.delete(this.owner[o]!);
		}
		this.ordOf.delete(id);
		this.ids[o] = null;
		this.texts[o] = '';
		this.seqs[o] = '';
		return { ordinal: o, seq };
	}

	/** Position after (at, id) in `byTime`. */
	private upperBound(at: number, id: string): number {
		let lo = 0;
		let hi = this.byTime.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			const o = this.byTime[mid]!;
			const a = this.at[o]!;
			if (a < at || (a === at && this.ids[o]! <= id)) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}

	toData(): EntryTableData {
		return {
			contacts: this.contactKeys,
			ids: this.ids,
			owner: this.owner,
			at: this.at,
			kinds: this.kinds.map((k) => (k === 'message' ? 'm' : 'c')).join(''),
			texts: this.texts,
			seqs: this.seqs,
			byTime: this.byTime
		};
	}

	static fromData(d: EntryTableData): EntryTable {
		const t = new EntryTable();
		t.contactKeys = d.contacts as ContactId[];
		for (const [i, c] of t.contactKeys.entries()) t.keyOf.set(c, i);
		t.ids = d.ids as Array<EntryId | null>;
		t.owner = d.owner;
		t.at = d.at;
		t.kinds = Array.from(d.kinds, (c) => (c === 'm' ? 'message' : 'comment'));
		t.texts = d.texts;
		t.seqs = d.seqs;
		t.byTime = d.byTime;
		for (let o = 0; o < t.ids.length; o++) {
			const id = t.ids[o];
			if (id === null || id === undefined) continue;
			t.ordOf.set(id, o);
			const k = t.owner[o]!;
			let list = t.threads.get(k);
			if (!list) t.threads.set(k, (list = []));
			list.push(o);
		}
		return t;
	}
}
