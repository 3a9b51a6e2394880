/**
 * The search engine (SPEC S3): two MiniSearch indexes, one over visible contacts and one over
 * searchable thread entries, kept up to date one change at a time.
 *
 * Invariants:
 * - The caller feeds only what the user may see; `removeContact` drops a contact and every entry
 *   of its thread at once (revocation), so nothing of it can be found afterwards.
 * - Every change is incremental (MiniSearch add/discard/replace); nothing rebuilds an index for
 *   one change. Discarded postings are cleaned by MiniSearch's auto vacuum.
 * - The index only proposes candidates; the plan (planner.ts) defines a match. Word, number and
 *   email plans are answered by the index exactly; a phrase is looked up by its rarest word and
 *   each candidate's text is checked, newest first, until the limit is reached.
 * - Message results are most recent first and ignore inbox, sort and status (S3.5).
 * The engine is plain TypeScript with no worker or DOM dependency, so it runs in Node tests.
 */
import MiniSearch, { type Query } from 'minisearch';
import type { ContactId, CustomFieldDef, Entry, EntryId } from '../domain/types';
import { contactTerms, newestFirst, searchRow, textTerms, type SearchRow, type SearchableContact } from './indexable';
import { makeSnippet, matchText, planContactQuery, planMessageQuery, type MessagePlan, type Snippet } from './planner';

export interface EngineOptions {
	/** The workspace's custom field definitions (Directory.customFields), for S3.3. */
	customFields?: readonly CustomFieldDef[];
}

export interface ContactHit {
	contactId: ContactId;
	score: number;
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
	/** @internal document frequency of each entry term: picks a phrase's rarest word. */
	df = new Map<string, number>();

	constructor(options: EngineOptions = {}) {
		this.fields = options.customFields ?? [];
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
		const terms = textTerms(row.text);
		this.entryIndex.add({ id: row.id, t: terms.join(SEP) });
		for (const t of terms) this.df.set(t, (this.df.get(t) ?? 0) + 1);
		this.rows.set(row.id, row);
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
	}

	// ------------------------------------------------------------------ queries

	/** SPEC S3.2, S3.3: contacts by word prefix, phone digits or strict custom value; best first. */
	searchContacts(query: string, limit = 50): ContactHit[] {
		const plan = planContactQuery(query);
		if (!plan) return [];
		const queries: Query[] = [];
		if (plan.prefixes.length) queries.push({ queries: plan.prefixes, combineWith: 'AND', fields: ['w'], prefix: true });
		if (plan.phone) queries.push({ queries: [plan.phone], fields: ['p'], prefix: true });
		if (plan.exact) queries.push({ queries: [plan.exact], fields: ['x'], prefix: false });
		const found = this.contactIndex.search({ queries, combineWith: 'OR' });
		return found.slice(0, limit).map((r) => ({ contactId: r.id as ContactId, score: r.score }));
	}

	/** SPEC S3.5: messages and comments of every visible thread, most recent first. */
	searchMessages(query: string, limit = 50): MessageResults {
		const plan = planMessageQuery(query);
		if (plan.kind === 'none') return { hits: [], truncated: false, skipped: plan.reason };
		const candidates = this.candidates(plan);
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

	private candidates(plan: Exclude<MessagePlan, { kind: 'none' }>): SearchRow[] {
		let query: Query;
		switch (plan.kind) {
			case 'word':
				query = plan.word;
				break;
			case 'numbers':
				query = { queries: plan.numbers, combineWith: 'OR' };
				break;
			case 'email':
				query = {
					combineWith: 'AND',
					queries: [
						...plan.emails.map((e) => ({ queries: [e], prefix: true })),
						...plan.words.map((w) => ({ queries: [w], prefix: false }))
					]
				};
				break;
			case 'phrase': {
				let rarest = plan.words[0]!;
				for (const w of plan.words) if ((this.df.get(w) ?? 0) < (this.df.get(rarest) ?? 0)) rarest = w;
				if (!this.df.has(rarest)) return [];
				query = rarest;
				break;
			}
		}
		const out: SearchRow[] = [];
		for (const r of this.entryIndex.search(query, { prefix: false, fuzzy: false })) {
			const row = this.rows.get(r.id as EntryId);
			if (row) out.push(row);
		}
		return out;
	}

	/** Checks candidates in the given order, keeps `limit` matches and notes whether more exist. */
	private collect(plan: MessagePlan, ordered: readonly SearchRow[], limit: number): MessageResults {
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
