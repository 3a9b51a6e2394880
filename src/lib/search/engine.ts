/**
 * The search engine (SPEC S3): a contact index (contact-index.ts), and the searchable thread
 * entries in a columnar table (entry-table.ts) with postings of their rarer terms (postings.ts),
 * kept up to date one change at a time.
 *
 * Invariants:
 * - The caller feeds only what the user may see; `removeContact` drops a contact and every entry
 *   of its thread at once (revocation), so nothing of it can be found afterwards.
 * - Every change is incremental (postings added and removed per term); nothing rebuilds an
 *   index for one change.
 * - The index only proposes candidates; the plan (planner.ts) defines a match. Each candidate is
 *   checked against its word sequence (entry-table.ts), which for word, phrase and number
 *   queries *is* the match; `matchText` then places the highlights of the kept hits.
 * - Stop terms: once a term is in `STOP_DF` entries it is no longer indexed and its postings
 *   are dropped (they would be most of the index's memory and its slowest lookups). A
 *   query on a stop term walks entries newest first, one substring test each: a frequent term
 *   fills the limit quickly. Stopping is sticky, so the index is never used for a stopped term.
 * - Query planning by cost: for each query the engine picks the index (cost ~ candidates) or
 *   the newest-first walk (cost ~ limit x entries / matches) using the term frequencies (an
 *   indexed term's frequency is its postings' length; a stopped term's is never needed).
 * - Message results are most recent first and ignore inbox, sort and status (S3.5).
 * The engine is plain TypeScript with no worker or DOM dependency, so it runs in Node tests.
 */
import type { ContactId, CustomFieldDef, Entry, EntryId } from '../domain/types';
import { ContactIndex } from './contact-index';
import { analyze, EntryTable, EMAIL_MARK, seqTerms } from './entry-table';
import { searchRow, type SearchRow, type SearchableContact } from './indexable';
import { DEMO_COUNTRY, type CountryCode } from './phone';
import { Postings } from './postings';
import { makeSnippet, matchText, planContactQuery, planMessageQuery, type MessagePlan, type Snippet } from './planner';

export interface EngineOptions {
	/** The workspace's custom field definitions (Directory.customFields), for S3.3. */
	customFields?: readonly CustomFieldDef[];
	/** The workspace's default country, for phone numbers typed in national form (phone.ts). */
	country?: CountryCode;
	/** Overrides STOP_DF (tests use a small value to exercise stop terms on small data). */
	stopDf?: number;
}

export interface ContactHit {
	contactId: ContactId;
}

export interface ContactResults {
	hits: ContactHit[];
	/** Every matching contact, of which `hits` are the first. */
	total: number;
}

export interface MessageHit {
	contactId: ContactId;
	entryId: EntryId;
	at: number;
	kind: SearchRow['kind'];
	snippet: Snippet;
}

export interface MessageResults {
	hits: MessageHit[];
	/** More matches exist beyond the limit. */
	truncated: boolean;
	/** Why nothing was searched (`too-short`: fewer than 3 characters, S3.5). */
	skipped?: 'empty' | 'too-short';
}

/** Entries a term may be in before it stops being indexed (see the invariants above). */
export const STOP_DF = 300;
/** Relative cost of one index candidate vs one word sequence tested by the walk (measured). */
const INDEX_COST = 8;

/** What proposes candidates for a plan: terms whose postings are united, parts intersected. */
type Lookup = { any: string[] } | { all: Array<string[]> };

/** A cheap test on an entry's word sequence: exact for word/phrase/numbers, necessary for email. */
function sequenceTest(plan: Exclude<MessagePlan, { kind: 'none' }>): (seq: string) => boolean {
	switch (plan.kind) {
		case 'word': {
			const needle = ` ${plan.word} `;
			return (s) => s.includes(needle);
		}
		case 'phrase': {
			const needle = ` ${plan.words.join(' ')} `;
			return (s) => s.includes(needle);
		}
		case 'numbers': {
			const needles = plan.numbers.map((n) => ` ${n} `);
			return (s) => needles.some((n) => s.includes(n));
		}
		case 'email': {
			const words = plan.words.map((w) => ` ${w} `);
			return (s) => {
				const mark = s.indexOf(EMAIL_MARK);
				return mark >= 0 && plan.emails.every((e) => s.includes(e, mark)) && words.every((w) => s.includes(w));
			};
		}
	}
}

export class SearchEngine {
	private fields: readonly CustomFieldDef[];
	private phoneCountry: CountryCode;
	private readonly stopDf: number;
	/** @internal exposed to snapshot.ts */
	contactIndex = new ContactIndex();
	/** @internal the rarer terms' entries. */
	postings = new Postings();
	/** @internal */
	table = new EntryTable();
	/** @internal terms no longer indexed (sticky; see STOP_DF). */
	stopped = new Set<string>();

	constructor(options: EngineOptions = {}) {
		this.fields = options.customFields ?? [];
		this.phoneCountry = options.country ?? DEMO_COUNTRY;
		this.stopDf = options.stopDf ?? STOP_DF;
	}

	get customFields(): readonly CustomFieldDef[] {
		return this.fields;
	}

	get country(): CountryCode {
		return this.phoneCountry;
	}

	private get termContext() {
		return { fields: this.fields, country: this.phoneCountry };
	}

	get contactCount(): number {
		return this.contactIndex.size;
	}

	get entryCount(): number {
		return this.table.size;
	}

	// ------------------------------------------------------------------ contacts

	/**
	 * Adds or changes a contact. `keepCustom`: the caller knows only the base fields (a summary);
	 * custom values already indexed for the contact stay.
	 */
	upsertContact(contact: SearchableContact, opts: { keepCustom?: boolean } = {}): void {
		if (opts.keepCustom && !contact.custom) {
			const custom = this.contactIndex.get(contact.id)?.custom;
			if (custom) contact = { ...contact, custom };
		}
		const copy: SearchableContact = {
			id: contact.id,
			firstName: contact.firstName,
			lastName: contact.lastName,
			phone: contact.phone,
			email: contact.email,
			...(contact.custom ? { custom: { ...contact.custom } } : {})
		};
		this.contactIndex.upsert(copy, this.termContext);
	}

	/** Revocation or deletion: the contact and its whole thread leave the index now. */
	removeContact(contactId: ContactId): void {
		this.contactIndex.remove(contactId);
		for (const o of [...this.table.thread(contactId)]) this.removeEntry(this.table.id(o));
	}

	/** Keeps only the given contacts (and their threads): what a cold start knows is still visible. */
	retainContacts(keep: ReadonlySet<ContactId>): void {
		for (const c of this.contactIndex.values()) if (!keep.has(c.id)) this.removeContact(c.id);
		for (const id of this.table.contactIds()) if (!keep.has(id)) this.removeContact(id);
	}

	/** A change of custom field definitions re-indexes contacts (a directory change, not a data change). */
	setCustomFields(fields: readonly CustomFieldDef[]): void {
		this.fields = [...fields];
		this.reindexContacts();
	}

	/** Works out every contact's terms again (after a change of what they depend on). */
	reindexContacts(): void {
		for (const c of this.contactIndex.values()) this.contactIndex.upsert(c, this.termContext, true);
	}

	/** A change of the workspace's country re-indexes phone numbers. */
	setCountry(country: CountryCode): void {
		if (country === this.phoneCountry) return;
		this.phoneCountry = country;
		this.reindexContacts();
	}

	// ------------------------------------------------------------------ entries

	/** Adds a thread's new entries; unsearchable ones are ignored, a known id is replaced. */
	addEntries(contactId: ContactId, entries: readonly Entry[]): void {
		for (const e of entries) {
			const row = searchRow(contactId, e);
			if (row) this.addRow(row);
			else this.removeEntry(e.id);
		}
	}

	/** @internal */
	addRow(row: SearchRow): void {
		const known = this.table.ordinal(row.id);
		if (known !== undefined) {
			const t = this.table;
			const same = t.at[known] === row.at && t.contactOf(known) === row.contactId && t.kinds[known] === row.kind && t.text(known) === row.text;
			if (same) return;
			this.removeEntry(row.id);
		}
		const { seq, terms } = analyze(row.text);
		this.index(this.table.add(row, seq), terms);
	}

	/** @internal adds a row whose word sequence is known (a snapshot slice's): no tokenizing. */
	addAnalyzed(row: SearchRow, seq: string): void {
		if (this.table.ordinal(row.id) !== undefined) this.removeEntry(row.id);
		this.index(this.table.add(row, seq), seqTerms(seq));
	}

	/** Posts an entry under each of its terms that is not a stop term (and stops the ones that become one). */
	private index(o: number, terms: readonly string[]): void {
		for (const t of terms) {
			if (this.stopped.has(t)) continue;
			if (this.postings.count(t) + 1 >= this.stopDf) {
				this.stopped.add(t);
				this.postings.drop(t);
			} else this.postings.add(t, o);
		}
	}

	removeEntry(entryId: EntryId): void {
		const gone = this.table.remove(entryId);
		if (!gone) return;
		for (const t of seqTerms(gone.seq)) this.postings.remove(t, gone.ordinal);
	}

	// ------------------------------------------------------------------ queries

	/** SPEC S3.2, S3.3: contacts by word prefix, phone or strict custom value; exact phone matches first, then name order. */
	searchContacts(query: string, limit = 50): ContactHit[] {
		return this.findContacts(query, limit).hits;
	}

	/** `searchContacts` with the number of all matches, so a short list can say there are more. */
	findContacts(query: string, limit = 50): ContactResults {
		const plan = planContactQuery(query, this.phoneCountry);
		if (!plan) return { hits: [], total: 0 };
		const { ids, total } = this.contactIndex.search(plan, limit);
		return { hits: ids.map((contactId) => ({ contactId })), total };
	}

	/** SPEC S3.5: messages and comments of every visible thread, most recent first. */
	searchMessages(query: string, limit = 50): MessageResults {
		const plan = planMessageQuery(query);
		if (plan.kind === 'none') return { hits: [], truncated: false, skipped: plan.reason };
		const lookup = this.indexQuery(plan, limit);
		if (lookup === null) return this.collect(plan, this.newestFirstWalk(), limit);
		const candidates = this.candidates(lookup);
		const t = this.table;
		candidates.sort((a, b) => t.at[b]! - t.at[a]! || t.compareIds(b, a));
		return this.collect(plan, candidates, limit);
	}

	/**
	 * SPEC S3.6: hits of one thread in thread order (at, id), for next/previous navigation.
	 * A thread is small next to the workspace, so it is scanned rather than looked up.
	 */
	searchThread(contactId: ContactId, query: string): MessageHit[] {
		const plan = planMessageQuery(query);
		if (plan.kind === 'none') return [];
		const t = this.table;
		const ords = [...t.thread(contactId)];
		ords.sort((a, b) => t.at[a]! - t.at[b]! || t.compareIds(a, b));
		return this.collect(plan, ords, Infinity).hits;
	}

	private *newestFirstWalk(): Generator<number> {
		const byTime = this.table.byTime;
		for (let i = byTime.length - 1; i >= 0; i--) yield byTime[i]!;
	}

	private indexed(term: string): boolean {
		return !this.stopped.has(term);
	}

	/** Whether walking newest first is cheaper than `candidates` index hits for `matches` expected matches. */
	private walkIsCheaper(candidates: number, matches: number, limit: number): boolean {
		const n = this.table.size;
		const walk = Math.min(n, ((limit + 1) * n) / Math.max(1, matches));
		return walk < candidates * INDEX_COST;
	}

	/** The terms proposing candidates for a plan, or null to walk entries newest first. */
	private indexQuery(plan: Exclude<MessagePlan, { kind: 'none' }>, limit: number): Lookup | null {
		const df = (t: string) => this.postings.count(t);
		switch (plan.kind) {
			case 'word':
				if (!this.indexed(plan.word) || this.walkIsCheaper(df(plan.word), df(plan.word), limit)) return null;
				return { any: [plan.word] };
			case 'numbers': {
				const total = plan.numbers.reduce((n, t) => n + df(t), 0);
				if (!plan.numbers.every((t) => this.indexed(t)) || this.walkIsCheaper(total, total, limit)) return null;
				return { any: plan.numbers };
			}
			case 'phrase': {
				// The rarest indexed word proposes candidates; each is checked for the whole phrase.
				let rarest: string | null = null;
				for (const w of plan.words) if (this.indexed(w) && (rarest === null || df(w) < df(rarest))) rarest = w;
				if (rarest === null) return null;
				return { any: [rarest] };
			}
			case 'email': {
				// Any complete part of this AND narrows the candidates; the text check does the rest.
				const parts: Array<string[]> = [];
				for (const e of plan.emails) {
					let complete = true;
					for (const t of this.stopped) if (t.startsWith(e)) complete = false;
					if (complete) parts.push([...this.postings.withPrefix(e)]);
				}
				for (const w of plan.words) if (this.indexed(w)) parts.push([w]);
				return parts.length ? { all: parts } : null;
			}
		}
	}

	/** Distinct ordinals of a lookup: the union of each part's terms' postings, parts intersected. */
	private candidates(lookup: Lookup): number[] {
		const union = (terms: readonly string[]): Set<number> => {
			const s = new Set<number>();
			for (const t of terms) this.postings.each(t, (o) => s.add(o));
			return s;
		};
		if ('any' in lookup) return [...union(lookup.any)];
		const sets = lookup.all.map(union).sort((a, b) => a.size - b.size);
		const [first, ...rest] = sets;
		return [...first!].filter((o) => rest.every((s) => s.has(o)));
	}

	/** Checks candidates in the given order, keeps `limit` matches and notes whether more exist. */
	private collect(plan: Exclude<MessagePlan, { kind: 'none' }>, ordered: Iterable<number>, limit: number): MessageResults {
		const t = this.table;
		const test = sequenceTest(plan);
		const hits: MessageHit[] = [];
		for (const o of ordered) {
			if (!test(t.seqs[o]!)) continue;
			const text = t.text(o);
			const spans = matchText(plan, text);
			if (!spans) continue;
			if (hits.length >= limit) return { hits, truncated: true };
			hits.push({ contactId: t.contactOf(o), entryId: t.id(o), at: t.at[o]!, kind: t.kinds[o]!, snippet: makeSnippet(text, spans) });
		}
		return { hits, truncated: false };
	}
}
