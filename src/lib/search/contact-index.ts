/**
 * Contact postings for SPEC S3.2 and S3.3: sorted arrays of (folded term, slot) pairs, looked up
 * by binary search, instead of a radix tree. On 10k contacts this is a few MB and answers a
 * one-letter prefix by scanning one contiguous range (bench/search.bench.ts).
 *
 * Invariants:
 * - Each indexed contact lives in one slot; `words`/`wordSlots` (and `phones`/`phoneSlots`) hold
 *   its pairs sorted by term then slot. A changed contact gets a new slot and its old slot dies:
 *   pairs of dead slots are skipped by lookups and dropped at the next merge, so an update never
 *   re-sorts the whole array.
 * - New pairs wait in `pending` and are merged (sort the few new ones, one linear merge) before
 *   the next lookup, so a bulk load costs one sort, not one splice per pair. They are merged
 *   into a small second run (`recent*`), which joins the main run only once it holds an eighth
 *   of it: one changed contact among 50,000 costs a query a merge of the small run, not of
 *   every pair (issue 26). Lookups read both runs.
 * - A query marks the slots it reaches in a per-slot stamp array (no Set per query) and keeps
 *   the best `limit` hits by selection, not a sort of every match: a one-letter prefix over
 *   50,000 contacts costs one pass over its range (issue 26).
 * - Matching is the planner's definition (planner.ts `ContactPlan`): every query word prefixes a
 *   word of the contact, or a phone form of the query prefixes one of the contact's, or the whole
 *   query equals a strict custom value. Results: exact phone matches, then other phone matches,
 *   then the rest, each in name order, ties by id.
 */
import type { ContactId, CustomFieldDef } from '../domain/types';
import { contactTerms, type SearchableContact } from './indexable';
import type { CountryCode } from './phone';
import type { ContactPlan } from './planner';

/** What a contact's terms depend on besides the contact: the workspace's fields and country. */
export interface TermContext {
	fields: readonly CustomFieldDef[];
	country: CountryCode;
}

/** What a snapshot keeps of the index (JSON-safe). */
export interface ContactIndexData {
	slots: Array<SearchableContact | 0>;
	words: string[];
	wordSlots: number[];
	phones: string[];
	phoneSlots: number[];
	exact: Array<[string, number[]]>;
}

function nameKey(c: SearchableContact): string {
	return `${c.firstName} ${c.lastName}`.toLowerCase();
}

function sameContact(a: SearchableContact, b: SearchableContact): boolean {
	return (
		a.firstName === b.firstName &&
		a.lastName === b.lastName &&
		a.phone === b.phone &&
		a.email === b.email &&
		JSON.stringify(a.custom ?? null) === JSON.stringify(b.custom ?? null)
	);
}

/** First index whose term is >= `key` (pairs sorted by term). */
function lowerBound(terms: readonly string[], key: string): number {
	let lo = 0;
	let hi = terms.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (terms[mid]! < key) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** Merges sorted (terms, slots) with unsorted new pairs, dropping pairs of dead slots. */
function merge(terms: string[], slots: number[], extra: Array<[string, number]>, alive: (slot: number) => boolean): [string[], number[]] {
	extra.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
	const outT: string[] = [];
	const outS: number[] = [];
	let i = 0;
	let j = 0;
	while (i < terms.length || j < extra.length) {
		const takeOld = j >= extra.length || (i < terms.length && (terms[i]! < extra[j]![0] || (terms[i] === extra[j]![0] && slots[i]! < extra[j]![1])));
		const t = takeOld ? terms[i]! : extra[j]![0];
		const s = takeOld ? slots[i++]! : extra[j++]![1];
		if (alive(s)) {
			outT.push(t);
			outS.push(s);
		}
	}
	return [outT, outS];
}

/** Merges two sorted runs of (term, slot) pairs, dropping pairs of dead slots. */
function mergeRuns(terms: string[], slots: number[], terms2: string[], slots2: number[], alive: (slot: number) => boolean): [string[], number[]] {
	const outT: string[] = [];
	const outS: number[] = [];
	let i = 0;
	let j = 0;
	while (i < terms.length || j < terms2.length) {
		const takeOld = j >= terms2.length || (i < terms.length && (terms[i]! < terms2[j]! || (terms[i] === terms2[j] && slots[i]! < slots2[j]!)));
		const t = takeOld ? terms[i]! : terms2[j]!;
		const s = takeOld ? slots[i++]! : slots2[j++]!;
		if (alive(s)) {
			outT.push(t);
			outS.push(s);
		}
	}
	return [outT, outS];
}

/** The small run of pairs joins the main one beyond this many pairs (or an eighth of the main). */
const RECENT_MIN = 4096;

/**
 * The first `k` of `items` in `order`, sorted: a full sort when k is not much smaller than the
 * items, else one pass keeping the best k in a sorted buffer (a one-letter prefix matches
 * thousands of contacts, of which a dropdown shows 8).
 */
export function firstK<T>(items: T[], k: number, order: (a: T, b: T) => number): T[] {
	if (k <= 0) return [];
	if (k * 4 >= items.length) return items.sort(order).slice(0, k);
	const best: T[] = [];
	for (const x of items) {
		if (best.length === k) {
			if (order(x, best[k - 1]!) >= 0) continue;
			best.pop();
		}
		let lo = 0;
		let hi = best.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (order(best[mid]!, x) <= 0) lo = mid + 1;
			else hi = mid;
		}
		best.splice(lo, 0, x);
	}
	return best;
}

export class ContactIndex {
	private slots: Array<SearchableContact | null> = [];
	private names: string[] = [];
	private slotOf = new Map<ContactId, number>();
	private words: string[] = [];
	private wordSlots: number[] = [];
	private phones: string[] = [];
	private phoneSlots: number[] = [];
	/** The second, small run of pairs (see the invariants). */
	private recentWords: string[] = [];
	private recentWordSlots: number[] = [];
	private recentPhones: string[] = [];
	private recentPhoneSlots: number[] = [];
	/** Per slot: the last query stamp it got (see `search`). */
	private stamps = new Int32Array(0);
	/** Per slot: the tier of a hit of the current query (0, 1: phone; 2: the rest). */
	private tiers = new Uint8Array(0);
	private stamp = 0;
	/** Pairs written by merges so far (the work `settle` did; tests check it stays small per change). */
	pairsMerged = 0;
	/** Contacts added, changed or removed so far (a snapshot of the index is stale once this moves). */
	changes = 0;
	private exact = new Map<string, number[]>();
	private pendingWords: Array<[string, number]> = [];
	private pendingPhones: Array<[string, number]> = [];
	private dead = 0;

	get size(): number {
		return this.slotOf.size;
	}

	get(id: ContactId): SearchableContact | undefined {
		const s = this.slotOf.get(id);
		return s === undefined ? undefined : (this.slots[s] ?? undefined);
	}

	values(): SearchableContact[] {
		return [...this.slotOf.values()].map((s) => this.slots[s]!);
	}

	/** Adds or changes a contact; an unchanged one costs nothing (summaries change often). */
	upsert(c: SearchableContact, ctx: TermContext, force = false): void {
		const prev = this.get(c.id);
		if (prev && !force && sameContact(prev, c)) return;
		if (prev) this.remove(c.id);
		this.changes++;
		const slot = this.slots.length;
		this.slots.push(c);
		this.names.push(nameKey(c));
		this.slotOf.set(c.id, slot);
		const t = contactTerms(c, ctx.fields, ctx.country);
		for (const w of t.words) this.pendingWords.push([w, slot]);
		for (const p of t.phones) this.pendingPhones.push([p, slot]);
		for (const x of t.exact) {
			const list = this.exact.get(x);
			if (list) list.push(slot);
			else this.exact.set(x, [slot]);
		}
	}

	remove(id: ContactId): void {
		const slot = this.slotOf.get(id);
		if (slot === undefined) return;
		this.changes++;
		this.slotOf.delete(id);
		this.slots[slot] = null;
		this.dead++;
		if (this.dead > 1000 && this.dead > this.slotOf.size) this.compact();
	}

	/** Matching contacts, best first (see the invariants), the first `limit` of `total`. */
	search(plan: ContactPlan, limit: number): { ids: ContactId[]; total: number } {
		this.settle();
		const n = this.slots.length;
		if (this.stamps.length < n) {
			const size = Math.max(n, this.stamps.length * 2, 1024);
			this.stamps = new Int32Array(size);
			this.tiers = new Uint8Array(size);
			this.stamp = 0;
		}
		const prefixes = plan.prefixes.length;
		if (this.stamp > 0x3fffffff - prefixes - 2) {
			this.stamps.fill(0);
			this.stamp = 0;
		}
		// Stamps of this query: base + j once a slot matched the first j prefixes; `found` once a hit.
		const base = this.stamp + 1;
		const found = base + prefixes;
		this.stamp = found;
		const stamps = this.stamps;
		const tiers = this.tiers;
		const slots = this.slots;
		const hits: number[] = [];
		if (prefixes > 0) {
			// The narrowest prefix first: the later ones only test the slots it reached.
			const ranges = plan.prefixes.map((p) => this.ranges(p, false));
			ranges.sort((a, b) => a.size - b.size);
			for (let j = 0; j < prefixes; j++) {
				const { runs } = ranges[j]!;
				const want = base + j - 1;
				const next = j === prefixes - 1 ? found : base + j;
				for (const [pairSlots, a, b] of runs) {
					for (let i = a; i < b; i++) {
						const s = pairSlots[i]!;
						if (j === 0 ? slots[s] === null || stamps[s]! >= base : stamps[s] !== want) continue;
						stamps[s] = next;
						if (next === found) {
							tiers[s] = 2;
							hits.push(s);
						}
					}
				}
			}
		}
		for (const form of plan.phones) {
			for (const [pairSlots, a, b, terms] of this.ranges(form, true).runs) {
				for (let i = a; i < b; i++) {
					const s = pairSlots[i]!;
					if (slots[s] === null) continue;
					const tier = terms[i] === form ? 0 : 1;
					if (stamps[s] !== found) {
						stamps[s] = found;
						tiers[s] = tier;
						hits.push(s);
					} else if (tier < tiers[s]!) tiers[s] = tier;
				}
			}
		}
		if (plan.exact) {
			for (const s of this.exact.get(plan.exact) ?? []) {
				if (slots[s] === null || stamps[s] === found) continue;
				stamps[s] = found;
				tiers[s] = 2;
				hits.push(s);
			}
		}
		const names = this.names;
		const better = (x: number, y: number): number => {
			const tx = tiers[x]!;
			const ty = tiers[y]!;
			if (tx !== ty) return tx - ty;
			const a = names[x]!;
			const b = names[y]!;
			if (a !== b) return a < b ? -1 : 1;
			const ia = slots[x]!.id;
			const ib = slots[y]!.id;
			return ia < ib ? -1 : ia > ib ? 1 : 0;
		};
		return { ids: firstK(hits, limit, better).map((s) => this.slots[s]!.id), total: hits.length };
	}

	/** The pairs whose term starts with `prefix`, in each run: [slots, start, end, terms]. */
	private ranges(prefix: string, phone: boolean): { runs: Array<[number[], number, number, string[]]>; size: number } {
		const runs: Array<[number[], number, number, string[]]> = [];
		let size = 0;
		const pairs: Array<[string[], number[]]> = phone
			? [
					[this.phones, this.phoneSlots],
					[this.recentPhones, this.recentPhoneSlots]
				]
			: [
					[this.words, this.wordSlots],
					[this.recentWords, this.recentWordSlots]
				];
		for (const [terms, slots] of pairs) {
			const [a, b] = this.range(terms, prefix);
			if (b > a) runs.push([slots, a, b, terms]);
			size += b - a;
		}
		return { runs, size };
	}

	/** [start, end) of the pairs whose term starts with `prefix`. */
	private range(terms: readonly string[], prefix: string): [number, number] {
		const start = lowerBound(terms, prefix);
		const last = prefix.charCodeAt(prefix.length - 1);
		const end = last === 0xffff ? terms.length : lowerBound(terms, prefix.slice(0, -1) + String.fromCharCode(last + 1));
		return [start, end];
	}

	/** Pairs added since the last merge (a query merges them first). */
	get unsettled(): number {
		return this.pendingWords.length + this.pendingPhones.length;
	}

	/**
	 * New pairs join the small run; the small run joins the main one once it holds an eighth of
	 * it (or always, with `all`: a snapshot keeps one run). Queries call it; the worker also calls
	 * it when idle after changes, so a query after a bulk load does not pay the merge.
	 */
	settle(all = false): void {
		const alive = (s: number) => this.slots[s] !== null;
		if (this.pendingWords.length) {
			[this.recentWords, this.recentWordSlots] = merge(this.recentWords, this.recentWordSlots, this.pendingWords, alive);
			this.pendingWords = [];
			this.pairsMerged += this.recentWords.length;
		}
		if (this.pendingPhones.length) {
			[this.recentPhones, this.recentPhoneSlots] = merge(this.recentPhones, this.recentPhoneSlots, this.pendingPhones, alive);
			this.pendingPhones = [];
			this.pairsMerged += this.recentPhones.length;
		}
		if (this.recentWords.length > 0 && (all || this.recentWords.length > Math.max(RECENT_MIN, this.words.length / 8))) {
			[this.words, this.wordSlots] = mergeRuns(this.words, this.wordSlots, this.recentWords, this.recentWordSlots, alive);
			this.pairsMerged += this.words.length;
			this.recentWords = [];
			this.recentWordSlots = [];
		}
		if (this.recentPhones.length > 0 && (all || this.recentPhones.length > Math.max(RECENT_MIN, this.phones.length / 8))) {
			[this.phones, this.phoneSlots] = mergeRuns(this.phones, this.phoneSlots, this.recentPhones, this.recentPhoneSlots, alive);
			this.pairsMerged += this.phones.length;
			this.recentPhones = [];
			this.recentPhoneSlots = [];
		}
	}

	/** Renumbers live slots densely once dead ones dominate. */
	private compact(): void {
		this.settle(true);
		const renum = new Map<number, number>();
		const slots: SearchableContact[] = [];
		const names: string[] = [];
		for (const [id, s] of this.slotOf) {
			renum.set(s, slots.length);
			this.slotOf.set(id, slots.length);
			slots.push(this.slots[s]!);
			names.push(this.names[s]!);
		}
		const remap = (terms: string[], ss: number[]): [string[], number[]] => {
			const t: string[] = [];
			const o: number[] = [];
			for (let i = 0; i < terms.length; i++) {
				const n = renum.get(ss[i]!);
				if (n !== undefined) {
					t.push(terms[i]!);
					o.push(n);
				}
			}
			return [t, o];
		};
		[this.words, this.wordSlots] = remap(this.words, this.wordSlots);
		[this.phones, this.phoneSlots] = remap(this.phones, this.phoneSlots);
		for (const [x, list] of this.exact) {
			const next = list.flatMap((s) => (renum.has(s) ? [renum.get(s)!] : []));
			if (next.length) this.exact.set(x, next);
			else this.exact.delete(x);
		}
		this.slots = slots;
		this.names = names;
		this.dead = 0;
	}

	toData(): ContactIndexData {
		this.settle(true);
		return {
			slots: this.slots.map((c) => c ?? 0),
			words: this.words,
			wordSlots: this.wordSlots,
			phones: this.phones,
			phoneSlots: this.phoneSlots,
			exact: [...this.exact]
		};
	}

	static fromData(d: ContactIndexData): ContactIndex {
		const x = new ContactIndex();
		x.slots = d.slots.map((c) => c || null);
		x.names = d.slots.map((c) => (c ? nameKey(c) : ''));
		for (const [i, c] of d.slots.entries()) {
			if (c) x.slotOf.set(c.id, i);
			else x.dead++;
		}
		x.words = d.words;
		x.wordSlots = d.wordSlots;
		x.phones = d.phones;
		x.phoneSlots = d.phoneSlots;
		x.exact = new Map(d.exact);
		return x;
	}
}
