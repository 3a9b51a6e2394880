/**
 * The searchable entries (SPEC S3.5), stored once, in columns indexed by an ordinal: the id, the
 * contact (as a small integer), the time, the kind, the original text (for snippets) and the
 * text's *word sequence*. The ordinal is also the entry's id in the postings (postings.ts), so
 * the index holds small integers instead of strings.
 *
 * The word sequence is the folded terms of the text's words and emoji in order, each surrounded
 * by single spaces (`" le renard brun "`), followed, when the text holds addresses, by U+0001
 * and its email tokens. For word, phrase and number queries, `seq.includes(" w1 w2 ")` is exactly
 * the S3.5 match (the same test the naive reference makes), so checking an entry costs one native
 * substring search instead of a tokenization; for email queries it is a necessary condition
 * checked before the full match. Terms never contain a space or U+0001 (tokenize.ts).
 *
 * Memory (issue 26: a million entries in the worker): the word sequences stay strings (the walk
 * tests them all), but the original texts, read only for the hits' snippets, are kept as UTF-8
 * in one growing byte buffer (`StringPool`) instead of a million JS strings, and so are the ids;
 * the id -> ordinal lookup is an open-addressing table of ordinals (`IdTable`) instead of a Map
 * of string keys.
 *
 * Invariants: an ordinal is never reused (a removed entry leaves a hole: no id; its text and id
 * bytes stay in the pools until the table is rebuilt from a snapshot); `byTime` lists live
 * ordinals by (at, id) ascending: new ordinals wait in `pending` and are sorted and merged in
 * when `byTime` is next read (one sort of the few new ones and one linear merge, instead of an
 * insertion into a million-long array per entry: a first login adds rows in contact order, not
 * in time order); `threads` lists each contact's ordinals; `dirty` holds the slices (slices.ts) with
 * a thread changed since the slice was last exported or restored.
 */
import type { ContactId, EntryId } from '../domain/types';
import type { EntryKindCode, SearchRow } from './indexable';
import { sliceOf } from './slices';
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

/** The distinct index terms of a word sequence (used on removal and restore: no tokenizing). */
export function seqTerms(seq: string): string[] {
	const mark = seq.indexOf(EMAIL_MARK);
	const out = new Set<string>();
	for (const w of (mark < 0 ? seq : seq.slice(0, mark)).split(' ')) if (w) out.add(w);
	if (mark >= 0) for (const e of seq.slice(mark + 1).split(' ')) for (const k of emailKeys(e)) out.add(k);
	return [...out];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Strings as UTF-8 in one buffer that grows by half when full, by ordinal: a string is (start,
 * length + 1), length 0 meaning none (never set, or cleared: its bytes stay until the table is
 * rebuilt). Used for the entries' texts and ids: a million JS strings cost a header and a slot
 * each in the worker's heap, and a text is read only for a hit's snippet.
 */
class StringPool {
	private bytes = new Uint8Array(1 << 16);
	private used = 0;
	private starts = new Uint32Array(1024);
	private lengths = new Uint32Array(1024);

	set(o: number, text: string): void {
		if (o >= this.starts.length) {
			const n = Math.max(o + 1, Math.ceil(this.starts.length * 1.5));
			const s = new Uint32Array(n);
			s.set(this.starts);
			this.starts = s;
			const l = new Uint32Array(n);
			l.set(this.lengths);
			this.lengths = l;
		}
		// UTF-8 takes at most 3 bytes per UTF-16 unit.
		const need = this.used + text.length * 3;
		if (need > this.bytes.length) {
			const b = new Uint8Array(Math.max(need, Math.ceil(this.bytes.length * 1.5)));
			b.set(this.bytes.subarray(0, this.used));
			this.bytes = b;
		}
		const { written } = encoder.encodeInto(text, this.bytes.subarray(this.used));
		this.starts[o] = this.used;
		this.lengths[o] = written + 1;
		this.used += written;
	}

	has(o: number): boolean {
		return (this.lengths[o] ?? 0) > 0;
	}

	get(o: number): string {
		const len = (this.lengths[o] ?? 0) - 1;
		if (len <= 0) return '';
		const start = this.starts[o]!;
		return decoder.decode(this.bytes.subarray(start, start + len));
	}

	/** Whether the string at `o` is `s` (ASCII compared in place, without decoding). */
	equals(o: number, s: string): boolean {
		const len = (this.lengths[o] ?? 0) - 1;
		if (len < 0) return false;
		const start = this.starts[o]!;
		if (len !== s.length) return len > s.length && len <= s.length * 3 && this.get(o) === s;
		const b = this.bytes;
		for (let i = 0; i < len; i++) {
			const c = s.charCodeAt(i);
			if (c >= 0x80) return this.get(o) === s;
			if (b[start + i] !== c) return false;
		}
		return true;
	}

	clear(o: number): void {
		this.lengths[o] = 0;
	}

	/** Bytes held (buffers), for the bench. */
	get byteLength(): number {
		return this.bytes.byteLength + this.starts.byteLength + this.lengths.byteLength;
	}
}

/** 32-bit FNV-1a of a string's UTF-16 units. */
function hashId(s: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) {
		h ^= s.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return h >>> 0;
}

/**
 * Entry id -> ordinal, as an open-addressing table of ordinals (linear probing, power-of-two
 * size, at most half full); a slot holds `EMPTY`, `GONE` (a removed entry, skipped by lookups) or
 * an ordinal whose id is read from the table's `ids` column.
 */
class IdTable {
	private static readonly EMPTY = -1;
	private static readonly GONE = -2;
	private slots = new Int32Array(1024).fill(IdTable.EMPTY);
	private live = 0;
	private filled = 0;

	constructor(private readonly ids: StringPool) {}

	get size(): number {
		return this.live;
	}

	get(id: string): number | undefined {
		const mask = this.slots.length - 1;
		for (let i = hashId(id) & mask; ; i = (i + 1) & mask) {
			const o = this.slots[i]!;
			if (o === IdTable.EMPTY) return undefined;
			if (o >= 0 && this.ids.equals(o, id)) return o;
		}
	}

	/** `id` must not be in the table. */
	add(id: string, o: number): void {
		if ((this.filled + 1) * 2 > this.slots.length) this.rehash();
		const mask = this.slots.length - 1;
		let i = hashId(id) & mask;
		while (this.slots[i]! >= 0) i = (i + 1) & mask;
		if (this.slots[i] === IdTable.EMPTY) this.filled++;
		this.slots[i] = o;
		this.live++;
	}

	delete(id: string): void {
		const mask = this.slots.length - 1;
		for (let i = hashId(id) & mask; ; i = (i + 1) & mask) {
			const o = this.slots[i]!;
			if (o === IdTable.EMPTY) return;
			if (o >= 0 && this.ids.equals(o, id)) {
				this.slots[i] = IdTable.GONE;
				this.live--;
				return;
			}
		}
	}

	private rehash(): void {
		const old = this.slots;
		let size = old.length;
		while (this.live * 4 > size) size *= 2;
		this.slots = new Int32Array(size).fill(IdTable.EMPTY);
		this.filled = 0;
		this.live = 0;
		for (const o of old) if (o >= 0) this.add(this.ids.get(o), o);
	}

	get byteLength(): number {
		return this.slots.byteLength;
	}
}

export class EntryTable {
	seqs: string[] = [];
	at: number[] = [];
	kinds: EntryKindCode[] = [];
	owner: number[] = [];
	private order: number[] = [];
	/** Ordinals added since `order` was last merged. */
	private pending: number[] = [];
	private textPool = new StringPool();
	private idPool = new StringPool();
	/** Slices with a change not exported yet. */
	readonly dirty = new Set<number>();
	private contactKeys: ContactId[] = [];
	/** The slice of each contact key's thread. */
	private sliceOfKey: number[] = [];
	private keyOf = new Map<ContactId, number>();
	private ordOf = new IdTable(this.idPool);
	private threads = new Map<number, number[]>();

	get size(): number {
		return this.ordOf.size;
	}

	/** Bytes held outside the JS heap (the text and id pools, the id table), for the bench. */
	get externalBytes(): number {
		return this.textPool.byteLength + this.idPool.byteLength + this.ordOf.byteLength;
	}

	/** The entry's id (an ordinal still in the table). */
	id(o: number): EntryId {
		return this.idPool.get(o) as EntryId;
	}

	/** Compares two entries' ids (ties of `at`). */
	compareIds(a: number, b: number): number {
		const x = this.id(a);
		const y = this.id(b);
		return x < y ? -1 : x > y ? 1 : 0;
	}

	ordinal(id: EntryId): number | undefined {
		return this.ordOf.get(id);
	}

	text(o: number): string {
		return this.textPool.get(o);
	}

	contactOf(o: number): ContactId {
		return this.contactKeys[this.owner[o]!]!;
	}

	row(o: number): SearchRow {
		return { id: this.id(o), contactId: this.contactOf(o), at: this.at[o]!, kind: this.kinds[o]!, text: this.text(o) };
	}

	/** Contacts with at least one entry. */
	contactIds(): ContactId[] {
		return [...this.threads.keys()].map((k) => this.contactKeys[k]!);
	}

	/** Contacts with at least one entry whose thread is in `slice`. */
	contactsOfSlice(slice: number): ContactId[] {
		const out: ContactId[] = [];
		for (const k of this.threads.keys()) if (this.sliceOfKey[k] === slice) out.push(this.contactKeys[k]!);
		return out;
	}

	/** The slice was stored as it is now. */
	clean(slice: number): void {
		this.dirty.delete(slice);
	}

	/** Ordinals of a contact's thread, in no particular order. */
	thread(contactId: ContactId): readonly number[] {
		const k = this.keyOf.get(contactId);
		return k === undefined ? [] : (this.threads.get(k) ?? []);
	}

	/** Ordinals added and not merged into the time order yet. */
	get unsettled(): number {
		return this.pending.length;
	}

	/** Merges the new ordinals into the time order now (between messages), not in a query. */
	settle(): void {
		if (this.pending.length > 0) this.mergePending();
	}

	/** Live ordinals by (at, id) ascending. */
	get byTime(): readonly number[] {
		if (this.pending.length > 0) this.mergePending();
		return this.order;
	}

	/** Merges the ordinals added since the last read of `byTime` (removed ones are skipped). */
	private mergePending(): void {
		const at = this.at;
		const added = this.pending.filter((o) => this.idPool.has(o));
		this.pending = [];
		added.sort((a, b) => at[a]! - at[b]! || this.compareIds(a, b));
		const old = this.order;
		// Filled by push: `new Array(n)` of a large n is a dictionary-mode array, slow to walk.
		const out: number[] = [];
		let i = 0;
		let j = 0;
		while (j < added.length) {
			const b = added[j]!;
			const atB = at[b]!;
			// Old ordinals up to (at, id) of b stay first.
			while (i < old.length) {
				const a = old[i]!;
				const atA = at[a]!;
				if (atA < atB || (atA === atB && this.compareIds(a, b) <= 0)) out.push(old[i++]!);
				else break;
			}
			out.push(b);
			j++;
		}
		while (i < old.length) out.push(old[i++]!);
		this.order = out;
	}

	add(row: SearchRow, seq: string): number {
		const o = this.append(row, seq);
		this.pending.push(o);
		return o;
	}

	private append(row: SearchRow, seq: string): number {
		const o = this.seqs.length;
		let k = this.keyOf.get(row.contactId);
		if (k === undefined) {
			k = this.contactKeys.length;
			this.contactKeys.push(row.contactId);
			this.sliceOfKey.push(sliceOf(row.contactId));
			this.keyOf.set(row.contactId, k);
		}
		this.dirty.add(this.sliceOfKey[k]!);
		this.idPool.set(o, row.id);
		this.textPool.set(o, row.text);
		this.seqs.push(seq);
		this.at.push(row.at);
		this.kinds.push(row.kind);
		this.owner.push(k);
		this.ordOf.add(row.id, o);
		let t = this.threads.get(k);
		if (!t) this.threads.set(k, (t = []));
		t.push(o);
		return o;
	}

	/** Forgets an entry; returns its ordinal and word sequence, or null when unknown. */
	remove(id: EntryId): { ordinal: number; seq: string } | null {
		const o = this.ordOf.get(id);
		if (o === undefined) return null;
		const seq = this.seqs[o]!;
		this.dirty.add(this.sliceOfKey[this.owner[o]!]!);
		const order = this.byTime as number[];
		const pos = this.upperBound(this.at[o]!, id) - 1;
		if (order[pos] === o) order.splice(pos, 1);
		const t = this.threads.get(this.owner[o]!);
		if (t) {
			const i = t.indexOf(o);
			if (i >= 0) t.splice(i, 1);
			if (t.length === 0) this.threads.delete(this.owner[o]!);
		}
		this.ordOf.delete(id);
		this.idPool.clear(o);
		this.textPool.clear(o);
		this.seqs[o] = '';
		return { ordinal: o, seq };
	}

	/** Position after (at, id) in `byTime`. */
	private upperBound(at: number, id: string): number {
		let lo = 0;
		let hi = this.order.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			const o = this.order[mid]!;
			const a = this.at[o]!;
			if (a < at || (a === at && this.id(o) <= id)) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}
}
