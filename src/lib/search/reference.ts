/**
 * A naive reference implementation of SPEC S3.2, S3.3 and S3.5: it scans every contact and every
 * entry on each query, with no index and no planner. Tests compare the engine with it on
 * generated workspaces; the benchmark uses it as the baseline. It shares only the definition of
 * words (tokenize.ts) and of what is searchable (indexable.ts), and is written to be obviously
 * right rather than fast.
 */
import type { ContactId, CustomFieldDef, Entry, EntryId } from '../domain/types';
import { contactTerms, newestFirst, type ContactTerms, searchRow, type SearchRow, type SearchableContact } from './indexable';
import { DEMO_COUNTRY, phoneForms, type CountryCode } from './phone';
import { emailKeys, exactForm, isPhoneLike, tokenize, tokenizeQuery, visibleLength } from './tokenize';

export class ReferenceSearch {
	private contacts = new Map<ContactId, SearchableContact>();
	/** Each contact's terms, worked out when it is upserted (the scan itself stays naive). */
	private terms = new Map<ContactId, ContactTerms>();
	private rows = new Map<EntryId, SearchRow>();

	constructor(
		private customFields: readonly CustomFieldDef[] = [],
		private country: CountryCode = DEMO_COUNTRY
	) {}

	upsertContact(c: SearchableContact): void {
		this.contacts.set(c.id, c);
		this.terms.set(c.id, contactTerms(c, this.customFields, this.country));
	}

	removeContact(id: ContactId): void {
		this.contacts.delete(id);
		this.terms.delete(id);
		for (const [entryId, row] of this.rows) if (row.contactId === id) this.rows.delete(entryId);
	}

	addEntries(contactId: ContactId, entries: readonly Entry[]): void {
		for (const e of entries) {
			const row = searchRow(contactId, e);
			if (row) this.rows.set(e.id, row);
			else this.rows.delete(e.id);
		}
	}

	removeEntry(id: EntryId): void {
		this.rows.delete(id);
	}

	/** Ids of matching contacts, in no particular order. */
	searchContacts(query: string): ContactId[] {
		return this.rankContacts(query).map((r) => r.id);
	}

	/**
	 * Matching contacts with their phone rank: 0 when the phone equals the query (a form of one
	 * equals a form of the other, phone.ts), 1 when it starts with it, 2 otherwise.
	 */
	rankContacts(query: string): Array<{ id: ContactId; phoneRank: 0 | 1 | 2 }> {
		if (query.trim() === '') return [];
		const { emails, words } = tokenizeQuery(query);
		const qWords = [...emails, ...words];
		const qPhones = isPhoneLike(query) ? phoneForms(query, this.country) : [];
		const qExact = exactForm(query);
		const out: Array<{ id: ContactId; phoneRank: 0 | 1 | 2 }> = [];
		for (const c of this.contacts.values()) {
			const t = this.terms.get(c.id)!;
			const byPrefix = qWords.length > 0 && qWords.every((q) => t.words.some((w) => w.startsWith(q)));
			const phoneEqual = qPhones.some((q) => t.phones.includes(q));
			const byPhone = phoneEqual || qPhones.some((q) => t.phones.some((p) => p.startsWith(q)));
			const byExact = qExact !== '' && t.exact.includes(qExact);
			if (byPrefix || byPhone || byExact) out.push({ id: c.id, phoneRank: phoneEqual ? 0 : byPhone ? 1 : 2 });
		}
		return out;
	}

	/** Matching entries, most recent first. */
	searchMessages(query: string): SearchRow[] {
		const test = this.matcher(query);
		return [...this.rows.values()].filter((r) => test(r.text)).sort(newestFirst);
	}

	/** The S3.5 predicate for one query, applied to a text. */
	matcher(query: string): (text: string) => boolean {
		if (query.trim() === '' || visibleLength(query) < 3) return () => false;
		const { emails, words } = tokenizeQuery(query);
		return (text) => {
			const tokens = tokenize(text);
			const textWords = tokens.filter((t) => t.kind !== 'email').map((t) => t.term);
			const textEmails = tokens.filter((t) => t.kind === 'email').map((t) => t.term);
			if (emails.length > 0) {
				const emailOk = emails.every((q) => textEmails.some((e) => emailKeys(e).some((k) => k.startsWith(q))));
				return emailOk && words.every((w) => textWords.includes(w));
			}
			if (words.length === 0) return false;
			if (words.length > 1 && words.every((w) => /^\p{Nd}+$/u.test(w))) return words.some((w) => textWords.includes(w));
			return (' ' + textWords.join(' ') + ' ').includes(' ' + words.join(' ') + ' ');
		};
	}
}
