/**
 * A naive reference implementation of SPEC S3.2, S3.3 and S3.5: it scans every contact and every
 * entry on each query, with no index and no planner. Tests compare the engine with it on
 * generated workspaces; the benchmark uses it as the baseline. It shares only the definition of
 * words (tokenize.ts) and of what is searchable (indexable.ts), and is written to be obviously
 * right rather than fast.
 */
import type { ContactId, CustomFieldDef, Entry, EntryId } from '../domain/types';
import { contactTerms, newestFirst, searchRow, type SearchRow, type SearchableContact } from './indexable';
import { emailKeys, exactForm, isPhoneLike, phoneDigits, tokenize, tokenizeQuery, visibleLength } from './tokenize';

export class ReferenceSearch {
	private contacts = new Map<ContactId, SearchableContact>();
	private rows = new Map<EntryId, SearchRow>();

	constructor(private customFields: readonly CustomFieldDef[] = []) {}

	upsertContact(c: SearchableContact): void {
		this.contacts.set(c.id, c);
	}

	removeContact(id: ContactId): void {
		this.contacts.delete(id);
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
		if (query.trim() === '') return [];
		const { emails, words } = tokenizeQuery(query);
		const qWords = [...emails, ...words];
		const qDigits = isPhoneLike(query) ? phoneDigits(query) : '';
		const qExact = exactForm(query);
		const out: ContactId[] = [];
		for (const c of this.contacts.values()) {
			const t = contactTerms(c, this.customFields);
			const byPrefix = qWords.length > 0 && qWords.every((q) => t.words.some((w) => w.startsWith(q)));
			const byPhone = qDigits !== '' && t.phone.startsWith(qDigits);
			const byExact = qExact !== '' && t.exact.includes(qExact);
			if (byPrefix || byPhone || byExact) out.push(c.id);
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
