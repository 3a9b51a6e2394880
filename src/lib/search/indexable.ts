/**
 * What search sees of the workspace (SPEC S3.2-S3.5), shared by the index and the reference.
 *
 * - Contacts: words of first name, last name, email (with its email keys) and phone (digit runs)
 *   are matched by word prefix; the phone's forms (phone.ts: as typed, international, national in
 *   the workspace's country) by prefix of a phone-like query's forms; custom fields of text-like types
 *   are matched as whole values. Country, language, gender, tags, assignee, status and
 *   checkbox/date/time custom fields are never read here (S3.4).
 * - Entries: comments, and non-broadcast messages whose body is text-like (text, template,
 *   quick reply, story reply, email). Events, attachments without text and broadcasts are not
 *   searchable (S3.5).
 */
import type { ContactId, CustomFieldDef, CustomFieldType, Entry, EntryId, MessageBodyType, Profile } from '../domain/types';
import { DEMO_COUNTRY, phoneForms, type CountryCode } from './phone';
import { emailKeys, exactForm, tokenize } from './tokenize';

/** What the caller feeds for one visible contact; `ContactSummary` plus `custom` fits. */
export interface SearchableContact {
	id: ContactId;
	firstName: string;
	lastName: string;
	phone: string;
	email: string;
	custom?: Profile['custom'];
}

/**
 * Custom field types searched strictly (S3.3). `number` is included: S3.3 excludes only
 * checkbox, date and time, and S3.4 does not list numbers; a number matches its plain decimal
 * form (`42`, `3.5`).
 */
export const STRICT_FIELD_TYPES: ReadonlySet<CustomFieldType> = new Set(['text', 'email', 'phone', 'url', 'select', 'number']);

/** Message body types that are text a person reads (S3.5). `email` bodies are text too. */
export const TEXT_BODY_TYPES: ReadonlySet<MessageBodyType> = new Set(['text', 'template', 'quick_reply', 'story_reply', 'email']);

export interface ContactTerms {
	/** Matched by prefix. */
	words: string[];
	/** The phone number's forms (phone.ts), each matched by prefix against a phone-like query's. */
	phones: string[];
	/** Whole custom values, matched exactly. */
	exact: string[];
}

function fieldWords(value: string, into: Set<string>): void {
	for (const t of tokenize(value)) {
		if (t.kind === 'email') for (const k of emailKeys(t.term)) into.add(k);
		else into.add(t.term);
	}
}

export function contactTerms(c: SearchableContact, fields: readonly CustomFieldDef[], country: CountryCode = DEMO_COUNTRY): ContactTerms {
	const words = new Set<string>();
	fieldWords(c.firstName, words);
	fieldWords(c.lastName, words);
	fieldWords(c.email, words);
	fieldWords(c.phone, words);
	const exact = new Set<string>();
	for (const def of fields) {
		if (!STRICT_FIELD_TYPES.has(def.type)) continue;
		const v = c.custom?.[def.key];
		if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) {
			const e = exactForm(String(v));
			if (e) exact.add(e);
		}
	}
	return { words: [...words], phones: phoneForms(c.phone, country), exact: [...exact] };
}

export type EntryKindCode = 'message' | 'comment';

/** One searchable entry, as the index keeps it (and as the text-table snapshot stores it). */
export interface SearchRow {
	id: EntryId;
	contactId: ContactId;
	at: number;
	kind: EntryKindCode;
	text: string;
}

/** The searchable text of an entry, or null when S3.5 says it is never found. */
export function searchRow(contactId: ContactId, entry: Entry): SearchRow | null {
	if (entry.kind === 'comment') {
		return entry.text ? { id: entry.id, contactId, at: entry.at, kind: 'comment', text: entry.text } : null;
	}
	if (entry.kind !== 'message' || entry.broadcast) return null;
	const text = entry.body.text;
	if (!text || !TEXT_BODY_TYPES.has(entry.body.type)) return null;
	return { id: entry.id, contactId, at: entry.at, kind: 'message', text };
}

/** Distinct index terms of a text: words, emoji and every email key. */
export function textTerms(text: string): string[] {
	const out = new Set<string>();
	for (const t of tokenize(text)) {
		if (t.kind === 'email') for (const k of emailKeys(t.term)) out.add(k);
		else out.add(t.term);
	}
	return [...out];
}

/** Results come most recent first (S3.5); ties by id so the order is total. */
export function newestFirst(a: { at: number; id: string }, b: { at: number; id: string }): number {
	return b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}
