/**
 * Cold start of the search engine. A snapshot is a contacts part and message slices, each UTF-8
 * JSON in one byte array, stored as records of the client store: `contacts` (read and restored
 * first, so contacts are searchable before any message is, S3.2), then one record per slice of
 * the threads (slices.ts). Bytes cost the main thread one block copy out of IndexedDB and
 * nothing to post (their buffer is transferred to the worker): it never walks the snapshot's
 * object graph; encoding and parsing are the worker's.
 *
 * Two forms:
 * - `index-json` (the default): the contact postings, and per slice the threads' rows with their
 *   word sequences, from which the message postings are rebuilt without tokenizing (splitting
 *   the sequences on spaces); stop terms are found again by counting.
 * - `text-table`: contacts and rows only, from which the indexes are rebuilt by tokenizing.
 *   Smaller, and immune to tokenizer changes.
 * Slices are exported one per worker task and restored one per turn, so the worker answers
 * queries in between (issue 26: one export of a million messages held queries for seconds).
 * bench/search.bench.ts measures both forms. A tokenizer change must bump SNAPSHOT_VERSION: an
 * old snapshot is then refused (`bad-snapshot`) and the index is rebuilt from the documents.
 */
import type { ContactId, CustomFieldDef, EntryId } from '../domain/types';
import { ContactIndex, type ContactIndexData } from './contact-index';
import { SearchEngine } from './engine';
import type { SearchableContact, SearchRow } from './indexable';
import { SLICES } from './slices';

/**
 * 3: contacts' phone numbers are indexed in all their forms (phone.ts), read in `country`.
 * 4: messages in slices of threads, with word sequences instead of a serialized index (issue 26).
 */
export const SNAPSHOT_VERSION = 4;

export type SnapshotFormat = 'index-json' | 'text-table';

/** A whole snapshot (tests, bench): the contacts part and every slice, each opaque bytes. */
export interface SearchSnapshot {
	contacts: Uint8Array;
	slices: Uint8Array[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One entry of a thread: the word sequence is there in the `index-json` form only. */
type EntryTuple = [id: string, at: number, kind: 0 | 1, text: string, seq?: string];
type ThreadTuple = [contactId: string, entries: EntryTuple[]];

interface PartHead {
	version: typeof SNAPSHOT_VERSION;
	format: SnapshotFormat;
}
export type ContactsPart = PartHead & { customFields: CustomFieldDef[]; country?: string } & (
		| { format: 'index-json'; index: ContactIndexData }
		| { format: 'text-table'; contacts: SearchableContact[] }
	);
export type SlicePart = PartHead & { slice: number; threads: ThreadTuple[] };

export type SnapshotError = { code: 'bad-snapshot'; message: string };

export function exportContacts(engine: SearchEngine, format: SnapshotFormat = 'index-json'): Uint8Array {
	const head = { version: SNAPSHOT_VERSION, customFields: [...engine.customFields], country: engine.country };
	if (format === 'text-table') return encoder.encode(JSON.stringify({ ...head, format, contacts: engine.contactIndex.values() }));
	return encoder.encode(JSON.stringify({ ...head, format, index: engine.contactIndex.toData() }));
}

/** The threads of one slice (those whose contact hashes to it), in no particular order. */
export function exportSlice(engine: SearchEngine, slice: number, format: SnapshotFormat = 'index-json'): Uint8Array {
	const t = engine.table;
	const threads: ThreadTuple[] = [];
	for (const contactId of t.contactsOfSlice(slice)) {
		const entries: EntryTuple[] = [];
		for (const o of t.thread(contactId)) {
			const e: EntryTuple = [t.id(o), t.at[o]!, t.kinds[o] === 'comment' ? 1 : 0, t.text(o)];
			if (format === 'index-json') e.push(t.seqs[o]!);
			entries.push(e);
		}
		threads.push([contactId, entries]);
	}
	return encoder.encode(JSON.stringify({ version: SNAPSHOT_VERSION, format, slice, threads }));
}

export function exportSnapshot(engine: SearchEngine, format: SnapshotFormat = 'index-json'): SearchSnapshot {
	return { contacts: exportContacts(engine, format), slices: Array.from({ length: SLICES }, (_, k) => exportSlice(engine, k, format)) };
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

export function parseSlice(value: unknown): SlicePart | SnapshotError {
	const parsed = parsePart(value);
	if (!('head' in parsed)) return parsed;
	const p = parsed.head;
	if (typeof p.slice !== 'number' || !Array.isArray(p.threads)) return { code: 'bad-snapshot', message: 'missing message tables' };
	return p as unknown as SlicePart;
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
 * Phase 2 (S3.5), one slice: its threads' entries join the table and the postings. A slice holds
 * what was stored; changes made since it was read must be applied again afterwards by the caller
 * when they remove something (the slice may bring back a removed row); additions are safe.
 */
export function restoreSlice(engine: SearchEngine, part: SlicePart): void {
	for (const [contactId, entries] of part.threads) {
		for (const [id, at, kind, text, seq] of entries) {
			const row: SearchRow = { id: id as EntryId, contactId: contactId as ContactId, at, kind: kind === 1 ? 'comment' : 'message', text };
			if (typeof seq === 'string') engine.addAnalyzed(row, seq);
			else engine.addRow(row);
		}
	}
	// A slice's rows join the time order now (one sort of theirs, one merge), not in a later query.
	engine.table.settle();
	engine.table.clean(part.slice);
}

/** A whole snapshot at once; errors are values (a bad snapshot means: rebuild from the documents). */
export function engineFromSnapshot(value: unknown): SearchEngine | SnapshotError {
	if (typeof value !== 'object' || value === null) return { code: 'bad-snapshot', message: 'not an object' };
	const s = value as Partial<SearchSnapshot>;
	const contacts = parseContacts(s.contacts);
	if ('code' in contacts) return contacts;
	if (!Array.isArray(s.slices)) return { code: 'bad-snapshot', message: 'no slices' };
	const slices: SlicePart[] = [];
	for (const bytes of s.slices) {
		const part = parseSlice(bytes);
		if ('code' in part) return part;
		slices.push(part);
	}
	const engine = new SearchEngine({ customFields: contacts.customFields });
	restoreContacts(engine, contacts);
	for (const part of slices) restoreSlice(engine, part);
	return engine;
}
