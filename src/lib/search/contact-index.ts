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
 *   the next lookup, so a bulk load costs one sort, not one splice per pair.
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

export class ContactIndex {
	private slots: Array<SearchableContact | null> = [];
	private names: string[] = [];
	private slotOf = new Map<ContactId, number>();
	private words: string[] = [];
	private wordSlots: number[] = [];
	private phones: string[] = [];
	private phoneSlots: number[] = [];
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
		this.slotOf.delete(id);
		this.slots[slot] = null;
		this.dead++;
		if (this.dead > 1000 && this.dead > this.slotOf.size) this.compact();
	}

	/** Matching contacts, best first (see the invariants), the first `limit` of `total`. */
	search(plan: ContactPlan, limit: number): { ids: ContactId[]; total: number } {
		this.settle();
		const alive = (s: number) => this.slots[s] !== null;
		const found = new Set<number>();
		if (plan.prefixes.length > 0) {
			const ranges = plan.prefixes.map((p) => this.range(this.words, p));
			ranges.sort((a, b) => a[1] - a[0] - (b[1] - b[0]));
			let acc: Set<number> | null = null;
			for (const [a, b] of ranges) {
				const next = new Set<number>();
				for (let i = a; i < b; i++) {
					const s = this.wordSlots[i]!;
					if (acc === null ? alive(s) : acc.has(s)) next.add(s);
				}
				acc = next;
				if (acc.size === 0) break;
			}
			for (const s of acc ?? []) found.add(s);
		}
		/** 0: the phone equals the query; 1: the phone starts with it. */
		const tier = new Map<number, number>();
		for (const form of plan.phones) {
			const [a, b] = this.range(this.phones, form);
			for (let i = a; i < b; i++) {
				const s = this.phoneSlots[i]!;
				if (!alive(s)) continue;
				found.add(s);
				tier.set(s, Math.min(tier.get(s) ?? 1, this.phones[i] === form ? 0 : 1));
			}
		}
		if (plan.exact) for (const s of this.exact.get(plan.exact) ?? []) if (alive(s)) found.add(s);
		const hits = [...found];
		hits.sort((x, y) => {
			const tx = tier.get(x) ?? 2;
			const ty = tier.get(y) ?? 2;
			if (tx !== ty) return tx - ty;
			const a = this.names[x]!;
			const b = this.names[y]!;
			if (a !== b) return a < b ? -1 : 1;
			const ia = this.slots[x]!.id;
			const ib = this.slots[y]!.id;
			return ia < ib ? -1 : ia > ib ? 1 : 0;
		});
		return { ids: hits.slice(0, limit).map((s) => this.slots[s]!.id), total: hits.length };
	}

	/** [start, end) of the pairs whose term starts with `prefix`. */
	private range(terms: readonly string[], prefix: string): [number, number] {
		const start = lowerBound(terms, prefix);
		const last = prefix.charCodeAt(prefix.length - 1);
		const end = last === 0xffff ? terms.length : lowerBound(terms, prefix.slice(0, -1) + String.fromCharCode(last + 1));
		return [start, end];
	}

	private settle(): void {
		const alive = (s: number) => this.slots[s] !== null;
		if (this.pendingWords.length) {
			[this.words, this.wordSlots] = merge(this.words, this.wordSlots, this.pendingWords, alive);
			this.pendingWords = [];
		}
		if (this.pendingPhones.length) {
			[this.phones, this.phoneSlots] = merge(this.phones, this.phoneSlots, this.pendingPhones, alive);
			this.pendingPhones = [];
		}
	}

	/** Renumbers live slots densely once dead ones dominate. */
	private compact(): void {
		this.settle();
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
		this.settle();
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
