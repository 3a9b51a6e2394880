/**
 * Cold start of the search engine. A snapshot has two parts, each UTF-8 JSON in one byte array,
 * stored as two records of the client store: `contacts` (read and restored first, so contacts
 * are searchable before any message is, S3.2) and `messages`. Bytes cost the main thread one
 * block copy out of IndexedDB and nothing to post (their buffer is transferred to the worker):
 * it never walks the snapshot's object graph; encoding and parsing are the worker's.
 *
 * Two forms:
 * - `index-json` (the default): the contact postings, the entry table (texts and word
 *   sequences), MiniSearch's serialized entry index, term frequencies and stop terms. Loads
 *   without tokenizing.
 * - `text-table`: contacts and rows only, from which the indexes are rebuilt (in slices, so the
 *   worker keeps answering). Smaller, and immune to tokenizer changes.
 * bench/search.bench.ts measures both. A tokenizer change must bump SNAPSHOT_VERSION: an old
 * snapshot is then refused (`bad-snapshot`) and the index is rebuilt from the documents.
 */
import MiniSearch from 'minisearch';
import type { ContactId, CustomFieldDef, EntryId } from '../domain/types';
import { ContactIndex, type ContactIndexData } from './contact-index';
import { entryIndexOptions, SearchEngine } from './engine';
import { EntryTable, type EntryTableData } from './entry-table';
import type { SearchRow, SearchableContact } from './indexable';

/** 3: contacts' phone numbers are indexed in all their forms (phone.ts), read in `country`. */
export const SNAPSHOT_VERSION = 3;

export type SnapshotFormat = 'index-json' | 'text-table';

/** What the store keeps: two opaque byte arrays (UTF-8 JSON). */
export interface SearchSnapshot {
	contacts: Uint8Array;
	messages: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type RowTuple = [id: string, contactId: string, at: number, kind: 0 | 1, text: string];

interface PartHead {
	version: typeof SNAPSHOT_VERSION;
	format: SnapshotFormat;
}
export type ContactsPart = PartHead & { customFields: CustomFieldDef[]; country?: string } & (
		| { format: 'index-json'; index: ContactIndexData }
		| { format: 'text-table'; contacts: SearchableContact[] }
	);
export type MessagesPart = PartHead & { stopped: string[] } & (
		| { format: 'index-json'; table: EntryTableData; entryIndex: unknown; df: Array<[string, number]> }
		| { format: 'text-table'; rows: RowTuple[] }
	);

export type SnapshotError = { code: 'bad-snapshot'; message: string };

function rowTuple(r: SearchRow): RowTuple {
	return [r.id, r.contactId, r.at, r.kind === 'message' ? 0 : 1, r.text];
}
function fromRowTuple(t: RowTuple): SearchRow {
	return { id: t[0] as EntryId, contactId: t[1] as ContactId, at: t[2], kind: t[3] === 0 ? 'message' : 'comment', text: t[4] };
}

export function exportContacts(engine: SearchEngine, format: SnapshotFormat = 'index-json'): Uint8Array {
	const head = { version: SNAPSHOT_VERSION, customFields: [...engine.customFields], country: engine.country };
	if (format === 'text-table') return encoder.encode(JSON.stringify({ ...head, format, contacts: engine.contactIndex.values() }));
	return encoder.encode(JSON.stringify({ ...head, format, index: engine.contactIndex.toData() }));
}

export function exportMessages(engine: SearchEngine, format: SnapshotFormat = 'index-json'): Uint8Array {
	const head = { version: SNAPSHOT_VERSION, stopped: [...engine.stopped] };
	if (format === 'text-table') {
		return encoder.encode(JSON.stringify({ ...head, format, rows: engine.table.byTime.map((o) => rowTuple(engine.table.row(o))) }));
	}
	return encoder.encode(JSON.stringify({ ...head, format, table: engine.table.toData(), entryIndex: engine.entryIndex.toJSON(), df: [...engine.df] }));
}

export function exportSnapshot(engine: SearchEngine, format: SnapshotFormat = 'index-json'): SearchSnapshot {
	return { contacts: exportContacts(engine, format), messages: exportMessages(engine, format) };
}

function parsePart(value: unknown): { head: PartHead & Record<string, unknown> } | SnapshotError {
	if (!(value instanceof Uint8Array)) return { code: 'bad-snapshot', message: 'not bytes' };
	let v: unknown;
	try {
		v = JSON.parse(decoder.decode(value));
	} catch {
		return { code: 'bad-snapshot', message: 'not JSON' };
	}
	if (typeof v !== 'object' || v === null) return { code: 'bad-snapshot', message: 'not an object' };
	const h = v as Partial<PartHead>;
	if (h.version !== SNAPSHOT_VERSION) return { code: 'bad-snapshot', message: `unknown version ${String(h.version)}` };
	if (h.format !== 'text-table' && h.format !== 'index-json') return { code: 'bad-snapshot', message: 'unknown format' };
	return { head: v as PartHead & Record<string, unknown> };
}

export function parseContacts(value: unknown): ContactsPart | SnapshotError {
	const parsed = parsePart(value);
	if (!('head' in parsed)) return parsed;
	const p = parsed.head;
	if (!Array.isArray(p.customFields) || (p.format === 'index-json' ? typeof p.index !== 'object' : !Array.isArray(p.contacts))) {
		return { code: 'bad-snapshot', message: 'missing contact tables' };
	}
	return p as unknown as ContactsPart;
}

export function parseMessages(value: unknown): MessagesPart | SnapshotError {
	const parsed = parsePart(value);
	if (!('head' in parsed)) return parsed;
	const p = parsed.head;
	if (!Array.isArray(p.stopped) || (p.format === 'index-json' ? typeof p.table !== 'object' : !Array.isArray(p.rows))) {
		return { code: 'bad-snapshot', message: 'missing message tables' };
	}
	return p as unknown as MessagesPart;
}

/** Phase 1 of a cold start: contacts become searchable (S3.2) before any message is loaded. */
export function restoreContacts(engine: SearchEngine, part: ContactsPart): void {
	if (engine.customFields.length === 0 && part.customFields.length > 0) engine.setCustomFields(part.customFields);
	if (part.format === 'index-json') {
		engine.contactIndex = ContactIndex.fromData(part.index);
		// Phone forms were read in the snapshot's country: read them again in the engine's.
		if (part.country !== engine.country) engine.reindexContacts();
	} else for (const c of part.contacts) engine.upsertContact(c);
}

/**
 * Phase 2 (S3.5), in slices of `slice` rows for the text table so a worker can answer queries
 * between slices. Changes made between slices must be re-applied by the caller afterwards when
 * they remove something (a slice may restore a row removed meanwhile); additions are safe.
 */
export function* restoreMessagesInSlices(engine: SearchEngine, part: MessagesPart, slice = 5000): Generator<void> {
	if (part.format === 'index-json') {
		engine.table = EntryTable.fromData(part.table);
		engine.entryIndex = MiniSearch.loadJS(part.entryIndex as Parameters<typeof MiniSearch.loadJS>[0], entryIndexOptions());
		engine.df = new Map(part.df);
		engine.stopped = new Set(part.stopped);
		return;
	}
	for (const s of part.stopped) engine.stopped.add(s);
	for (let i = 0; i < part.rows.length; i += slice) {
		const end = Math.min(part.rows.length, i + slice);
		for (let j = i; j < end; j++) engine.addRow(fromRowTuple(part.rows[j]!));
		if (end < part.rows.length) yield;
	}
}

export function restoreMessages(engine: SearchEngine, part: MessagesPart): void {
	for (const _ of restoreMessagesInSlices(engine, part, Infinity)) void _;
}

/** Both phases at once; errors are values (a bad snapshot means: rebuild from the documents). */
export function engineFromSnapshot(value: unknown): SearchEngine | SnapshotError {
	if (typeof value !== 'object' || value === null) return { code: 'bad-snapshot', message: 'not an object' };
	const s = value as Partial<SearchSnapshot>;
	const contacts = parseContacts(s.contacts);
	if ('code' in contacts) return contacts;
	const messages = parseMessages(s.messages);
	if ('code' in messages) return messages;
	const engine = new SearchEngine({ customFields: contacts.customFields });
	restoreContacts(engine, contacts);
	restoreMessages(engine, messages);
	return engine;
}
