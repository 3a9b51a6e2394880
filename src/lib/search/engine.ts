/**
 * The search engine (SPEC S3): two MiniSearch indexes, one over visible contacts and one over
 * searchable thread entries, kept up to date one change at a time.
 *
 * Invariants:
 * - The caller feeds only what the user may see; `removeContact` drops a contact and every entry
 *   of its thread at once (revocation), so nothing of it can be found afterwards.
 * - Every change is incremental (MiniSearch add/discard/replace); nothing rebuilds an index for
 *   one change. Discarded postings are cleaned by MiniSearch's auto vacuum.
 * - The index only proposes candidates; the plan (planner.ts) defines a match, and every hit is
 *   checked against the text (`matchText`), which also places the highlights.
 * - Stop terms: once a term is in `STOP_DF` entries it is no longer added to MiniSearch (its
 *   postings are most of the index's memory and the slowest lookups). A query on a stop term is
 *   answered by walking entries newest first and checking each text: a frequent term fills the
 *   limit after a few hundred entries. A term's postings are therefore complete only while it is
 *   not stopped, and stopping is sticky, so the index is never used for an incomplete term.
 * - Query planning by cost: for each query the engine picks the index (cost ~ candidates) or
 *   the newest-first walk (cost ~ limit x entries / matches) using the term frequencies.
 * - Message results are most recent first and ignore inbox, sort and status (S3.5).
 * The engine is plain TypeScript with no worker or DOM dependency, so it runs in Node tests.
 */
import MiniSearch, { type Query } from 'minisearch';
import type { ContactId, CustomFieldDef, Entry, EntryId } from '../domain/types';
import { contactTerms, newestFirst, searchRow, textTerms, type ContactTerms, type SearchRow, type SearchableContact } from './indexable';
import { makeSnippet, matchText, planContactQuery, planMessageQuery, type MessagePlan, type Snippet } from './planner';

export interface EngineOptions {
	/** The workspace's custom field definitions (Directory.customFields), for S3.3. */
	customFields?: readonly CustomFieldDef[];
	/** Overrides STOP_DF (tests use a small value to exercise stop terms on small data). */
	stopDf?: number;
}

export interface ContactHit {
	contactId: ContactId;
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

interface ContactDoc {
	id: ContactId;
	w: string;
	p: string;
	x: string;
}
interface EntryDoc {
	id: EntryId;
	t: string;
}

/** Terms never contain NUL, so it joins pre-tokenized terms into one MiniSearch field value. */
const SEP = '\u0000';
const splitTerms = (s: string): string[] => (s ? s.split(SEP) : []);
const identity = (t: string): string => t;
/** Pre-tokenized queries: each query string is one term. */
const asOneTerm = (s: string): string[] => [s];

/** Entries a term may be in before it stops being indexed (see the invariants above). */
export const STOP_DF = 2000;
/** Relative cost of one index candidate vs one text checked by the newest-first walk (measured). */
const INDEX_COST = 0.5;
/** Below this length a contact prefix expands to too many terms: scan contacts instead. */
const MIN_INDEXED_PREFIX = 2;

/** Position of the first row after (at, id) in an ascending array. */
function upperBound(rows: readonly SearchRow[], at: number, id: string): number {
	let lo = 0;
	let hi = rows.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		const r = rows[mid]!;
		if (r.at < at || (r.at === at && r.id <= id)) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

function contactName(c: SearchableContact): string {
	return `${c.firstName} ${c.lastName}`.toLowerCase();
}

export function contactIndexOptions() {
	return {
		fields: ['w', 'p', 'x'],
		tokenize: splitTerms,
		processTerm: identity,
		searchOptions: { tokenize: asOneTerm, processTerm: identity }
	};
}

export function entryIndexOptions() {
	return {
		fields: ['t'],
		tokenize: splitTerms,
		processTerm: identity,
		searchOptions: { tokenize: asOneTerm, processTerm: identity }
	};
}

export class SearchEngine {
	private fields: readonly CustomFieldDef[];
	private readonly stopDf: number;
	/** @internal exposed to snapshot.ts */
	contactIndex = new MiniSearch<ContactDoc>(contactIndexOptions());
	/** @internal */
	entryIndex = new MiniSearch<EntryDoc>(entryIndexOptions());
	/** @internal */
	contacts = new Map<ContactId, SearchableContact>();
	/** @internal */
	rows = new Map<EntryId, SearchRow>();
	/** @internal entry ids per contact, for revocation and in-thread search. */
	threads = new Map<ContactId, Set<EntryId>>();
	/** @internal document frequency of each entry term, for planning. */
	df = new Map<string, number>();
	/** @internal terms no longer indexed (sticky; see STOP_DF). */
	stopped = new Set<string>();
	/** @internal searchable rows by (at, id) ascending: the newest-first walk goes backwards. */
	byTime: SearchRow[] = [];
	/** @internal terms of each contact, for the short-prefix scan. */
	contactTermsById = new Map<ContactId, ContactTerms>();

	constructor(options: EngineOptions = {}) {
		this.fields = options.customFields ?? [];
		this.stopDf = options.stopDf ?? STOP_DF;
	}

	get customFields(): readonly CustomFieldDef[] {
		return this.fields;
	}

	get contactCount(): number {
		return this.contacts.size;
	}

	get entryCount(): number {
		return this.rows.size;
	}

	// ------------------------------------------------------------------ contacts

	private contactDoc(c: SearchableContact): ContactDoc {
		const t = contactTerms(c, this.fields);
		this.contactTermsById.set(c.id, t);
		return { id: c.id, w: t.words.join(SEP), p: t.phone, x: t.exact.join(SEP) };
	}

	upsertContact(contact: SearchableContact): void {
		const copy: SearchableContact = {
			id: contact.id,
			firstName: contact.firstName,
			lastName: contact.lastName,
			phone: contact.phone,
			email: contact.email,
			...(contact.custom ? { custom: { ...contact.custom } } : {})
		};
		const doc = this.contactDoc(copy);
		if (this.contacts.has(contact.id)) this.contactIndex.replace(doc);
		else this.contactIndex.add(doc);
		this.contacts.set(contact.id, copy);
	}

	/** Revocation or deletion: the contact and its whole thread leave the index now. */
	removeContact(contactId: ContactId): void {
		if (this.contacts.delete(contactId)) this.contactIndex.discard(contactId);
		this.contactTermsById.delete(contactId);
		const ids = this.threads.get(contactId);
		if (ids) for (const id of [...ids]) this.removeEntry(id);
		this.threads.delete(contactId);
	}

	/** A change of custom field definitions re-indexes contacts (a directory change, not a data change). */
	setCustomFields(fields: readonly CustomFieldDef[]): void {
		this.fields = [...fields];
		for (const c of this.contacts.values()) this.contactIndex.replace(this.contactDoc(c));
	}

	// ------------------------------------------------------------------ entries

	/** Adds a thread's new entries; unsearchable ones are ignored, a known id is replaced. */
	addEntries(contactId: ContactId, entries: readonly Entry[]): void {
		for (const e of entries) {
			const row = searchRow(contactId, e);
			if (row) this.addRow(row);
			else if (this.rows.has(e.id)) this.removeEntry(e.id);
		}
	}

	/** @internal */
	addRow(row: SearchRow): void {
		if (this.rows.has(row.id)) this.removeEntry(row.id);
		const indexed: string[] = [];
		for (const t of textTerms(row.text)) {
			const n = (this.df.get(t) ?? 0) + 1;
			this.df.set(t, n);
			if (n >= this.stopDf) this.stopped.add(t);
			if (!this.stopped.has(t)) indexed.push(t);
		}
		this.entryIndex.add({ id: row.id, t: indexed.join(SEP) });
		this.rows.set(row.id, row);
		const at = upperBound(this.byTime, row.at, row.id);
		if (at === this.byTime.length) this.byTime.push(row);
		else this.byTime.splice(at, 0, row);
		let ids = this.threads.get(row.contactId);
		if (!ids) this.threads.set(row.contactId, (ids = new Set()));
		ids.add(row.id);
	}

	removeEntry(entryId: EntryId): void {
		const row = this.rows.get(entryId);
		if (!row) return;
		this.entryIndex.discard(entryId);
		for (const t of textTerms(row.text)) {
			const n = (this.df.get(t) ?? 1) - 1;
			if (n > 0) this.df.set(t, n);
			else this.df.delete(t);
		}
		this.rows.delete(entryId);
		this.threads.get(row.contactId)?.delete(entryId);
		const at = upperBound(this.byTime, row.at, row.id) - 1;
		if (this.byTime[at] === row) this.byTime.splice(at, 1);
	}

	// ------------------------------------------------------------------ queries

	/**
	 * SPEC S3.2, S3.3: contacts by word prefix, phone digits or strict custom value, in name
	 * order. A one-character prefix would expand to a large part of the vocabulary, so such a
	 * query scans the contacts' terms instead of asking the index.
	 */
	searchContacts(query: string, limit = 50): ContactHit[] {
		const plan = planContactQuery(query);
		if (!plan) return [];
		let ids: ContactId[];
		const short = plan.prefixes.some((p) => p.length < MIN_INDEXED_PREFIX) || (plan.phone !== null && plan.phone.length < MIN_INDEXED_PREFIX);
		if (short) {
			ids = [];
			for (const [id, t] of this.contactTermsById) {
				const byPrefix = plan.prefixes.length > 0 && plan.prefixes.every((p) => t.words.some((w) => w.startsWith(p)));
				const byPhone = plan.phone !== null && plan.phone !== '' && t.phone.startsWith(plan.phone);
				if (byPrefix || byPhone || (plan.exact !== '' && t.exact.includes(plan.exact))) ids.push(id);
			}
		} else {
			const queries: Query[] = [];
			if (plan.prefixes.length) queries.push({ queries: plan.prefixes, combineWith: 'AND', fields: ['w'], prefix: true });
			if (plan.phone) queries.push({ queries: [plan.phone], fields: ['p'], prefix: true });
			if (plan.exact) queries.push({ queries: [plan.exact], fields: ['x'], prefix: false });
			ids = this.contactIndex.search({ queries, combineWith: 'OR' }).map((r) => r.id as ContactId);
		}
		const named = ids.map((id) => ({ id, name: contactName(this.contacts.get(id)!) }));
		named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
		return named.slice(0, limit).map((n) => ({ contactId: n.id }));
	}

	/** SPEC S3.5: messages and comments of every visible thread, most recent first. */
	searchMessages(query: string, limit = 50): MessageResults {
		const plan = planMessageQuery(query);
		if (plan.kind === 'none') return { hits: [], truncated: false, skipped: plan.reason };
		const lookup = this.indexQuery(plan, limit);
		if (lookup === null) return this.collect(plan, this.newestFirstWalk(), limit);
		const candidates: SearchRow[] = [];
		for (const r of this.entryIndex.search(lookup, { prefix: false, fuzzy: false })) {
			const row = this.rows.get(r.id as EntryId);
			if (row) candidates.push(row);
		}
		candidates.sort(newestFirst);
		return this.collect(plan, candidates, limit);
	}

	/**
	 * SPEC S3.6: hits of one thread in thread order (at, id), for next/previous navigation.
	 * A thread is small next to the workspace, so it is scanned rather than looked up.
	 */
	searchThread(contactId: ContactId, query: string): MessageHit[] {
		const plan = planMessageQuery(query);
		const ids = this.threads.get(contactId);
		if (plan.kind === 'none' || !ids) return [];
		const rows: SearchRow[] = [];
		for (const id of ids) rows.push(this.rows.get(id)!);
		rows.sort((a, b) => -newestFirst(a, b));
		return this.collect(plan, rows, Infinity).hits;
	}

	private *newestFirstWalk(): Generator<SearchRow> {
		for (let i = this.byTime.length - 1; i >= 0; i--) yield this.byTime[i]!;
	}

	private indexed(term: string): boolean {
		return !this.stopped.has(term);
	}

	/** Whether walking newest first is cheaper than `candidates` index hits for `matches` expected matches. */
	private walkIsCheaper(candidates: number, matches: number, limit: number): boolean {
		const walk = Math.min(this.rows.size, ((limit + 1) * this.rows.size) / Math.max(1, matches));
		return walk < candidates * INDEX_COST;
	}

	/** The MiniSearch query proposing candidates for a plan, or null to walk entries newest first. */
	private indexQuery(plan: Exclude<MessagePlan, { kind: 'none' }>, limit: number): Query | null {
		const df = (t: string) => this.df.get(t) ?? 0;
		switch (plan.kind) {
			case 'word':
				if (!this.indexed(plan.word) || this.walkIsCheaper(df(plan.word), df(plan.word), limit)) return null;
				return plan.word;
			case 'numbers': {
				const total = plan.numbers.reduce((n, t) => n + df(t), 0);
				if (!plan.numbers.every((t) => this.indexed(t)) || this.walkIsCheaper(total, total, limit)) return null;
				return { queries: plan.numbers, combineWith: 'OR' };
			}
			case 'phrase': {
				// The rarest indexed word proposes candidates; each is checked for the whole phrase.
				let rarest: string | null = null;
				for (const w of plan.words) if (this.indexed(w) && (rarest === null || df(w) < df(rarest))) rarest = w;
				if (rarest === null) return null;
				return rarest;
			}
			case 'email': {
				// Any complete part of this AND narrows the candidates; the text check does the rest.
				const parts: Query[] = [];
				for (const e of plan.emails) {
					let complete = true;
					for (const t of this.stopped) if (t.startsWith(e)) complete = false;
					if (complete) parts.push({ queries: [e], prefix: true });
				}
				for (const w of plan.words) if (this.indexed(w)) parts.push({ queries: [w], prefix: false });
				return parts.length ? { combineWith: 'AND', queries: parts } : null;
			}
		}
	}

	/** Checks candidates in the given order, keeps `limit` matches and notes whether more exist. */
	private collect(plan: MessagePlan, ordered: Iterable<SearchRow>, limit: number): MessageResults {
		const hits: MessageHit[] = [];
		for (const row of ordered) {
			const spans = matchText(plan, row.text);
			if (!spans) continue;
			if (hits.length >= limit) return { hits, truncated: true };
			hits.push({ contactId: row.contactId, entryId: row.id, at: row.at, kind: row.kind, snippet: makeSnippet(row.text, spans) });
		}
		return { hits, truncated: false };
	}
}
