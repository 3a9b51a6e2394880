/**
 * Cold start of the search engine. Two stored forms are supported, both opaque values the client
 * store keeps (structured-clone and JSON safe):
 *
 * - `index-json` (the default): MiniSearch's `toJSON` of both indexes plus the rows (snippets and
 *   phrase checks need the text), the term frequencies and the stop terms. Loads without
 *   tokenizing.
 * - `text-table`: the searchable rows only, as compact arrays, from which the indexes are
 *   rebuilt, in slices so the worker keeps answering. Half the size, and immune to tokenizer
 *   changes (a rebuild is what loading is).
 *
 * bench/search.bench.ts measures both on 10k contacts / 108k entries: loadJSON made all messages
 * searchable in about 1.5 s, the rebuild in 2.7 s on an idle box and over 5 s on a loaded one
 * (target 3 s); contacts were as fast or faster with loadJSON. So `index-json` is the default,
 * at 2.2x the stored size (28 MB vs 13 MB). A tokenizer change must bump SNAPSHOT_VERSION: an old
 * snapshot is then refused (`bad-snapshot`) and the index is rebuilt from the documents.
 * Keep `contacts` and the rest in two records so contacts are searchable after reading the first.
 */
import MiniSearch from 'minisearch';
import type { ContactId, CustomFieldDef, EntryId } from '../domain/types';
import { contactIndexOptions, entryIndexOptions, SearchEngine } from './engine';
import { contactTerms, type SearchRow, type SearchableContact } from './indexable';

export const SNAPSHOT_VERSION = 1;

type ContactTuple = [id: string, firstName: string, lastName: string, phone: string, email: string, custom: SearchableContact['custom'] | 0];
type RowTuple = [id: string, contactId: string, at: number, kind: 0 | 1, text: string];

interface SnapshotBase {
	version: typeof SNAPSHOT_VERSION;
	customFields: CustomFieldDef[];
	contacts: ContactTuple[];
	/** Oldest first, so a restore appends. */
	rows: RowTuple[];
	/** Terms the engine no longer indexes (see STOP_DF in engine.ts); restored as such. */
	stopped: string[];
}
export interface TextTableSnapshot extends SnapshotBase {
	format: 'text-table';
}
export interface IndexJsonSnapshot extends SnapshotBase {
	format: 'index-json';
	contactIndex: string;
	entryIndex: string;
	df: Array<[string, number]>;
}
export type SearchSnapshot = TextTableSnapshot | IndexJsonSnapshot;
export type SnapshotFormat = SearchSnapshot['format'];

export type SnapshotError = { code: 'bad-snapshot'; message: string };

function contactTuple(c: SearchableContact): ContactTuple {
	return [c.id, c.firstName, c.lastName, c.phone, c.email, c.custom ?? 0];
}
function fromContactTuple(t: ContactTuple): SearchableContact {
	const [id, firstName, lastName, phone, email, custom] = t;
	return { id: id as ContactId, firstName, lastName, phone, email, ...(custom ? { custom } : {}) };
}
function rowTuple(r: SearchRow): RowTuple {
	return [r.id, r.contactId, r.at, r.kind === 'message' ? 0 : 1, r.text];
}
function fromRowTuple(t: RowTuple): SearchRow {
	return { id: t[0] as EntryId, contactId: t[1] as ContactId, at: t[2], kind: t[3] === 0 ? 'message' : 'comment', text: t[4] };
}

export function exportSnapshot(engine: SearchEngine, format: SnapshotFormat = 'index-json'): SearchSnapshot {
	const base: SnapshotBase = {
		version: SNAPSHOT_VERSION,
		customFields: [...engine.customFields],
		contacts: [...engine.contacts.values()].map(contactTuple),
		rows: engine.byTime.map(rowTuple),
		stopped: [...engine.stopped]
	};
	if (format === 'text-table') return { format, ...base };
	return {
		format,
		...base,
		contactIndex: JSON.stringify(engine.contactIndex),
		entryIndex: JSON.stringify(engine.entryIndex),
		df: [...engine.df]
	};
}

export function checkSnapshot(value: unknown): SearchSnapshot | SnapshotError {
	if (typeof value !== 'object' || value === null) return { code: 'bad-snapshot', message: 'not an object' };
	const v = value as Partial<SearchSnapshot>;
	if (v.version !== SNAPSHOT_VERSION) return { code: 'bad-snapshot', message: `unknown version ${String(v.version)}` };
	if (v.format !== 'text-table' && v.format !== 'index-json') return { code: 'bad-snapshot', message: 'unknown format' };
	if (!Array.isArray(v.contacts) || !Array.isArray(v.rows) || !Array.isArray(v.stopped)) return { code: 'bad-snapshot', message: 'missing tables' };
	return value as SearchSnapshot;
}

/** Phase 1 of a cold start: contacts become searchable (S3.2) before any message is loaded. */
export function restoreContacts(engine: SearchEngine, snap: SearchSnapshot): void {
	if (snap.format === 'index-json') {
		engine.contactIndex = MiniSearch.loadJSON(snap.contactIndex, contactIndexOptions());
		for (const t of snap.contacts) {
			const c = fromContactTuple(t);
			engine.contacts.set(c.id, c);
			engine.contactTermsById.set(c.id, contactTerms(c, engine.customFields));
		}
		return;
	}
	for (const t of snap.contacts) engine.upsertContact(fromContactTuple(t));
}

/** Phase 2: messages and comments (S3.5). */
export function restoreEntries(engine: SearchEngine, snap: SearchSnapshot): void {
	if (snap.format === 'index-json') {
		engine.entryIndex = MiniSearch.loadJSON(snap.entryIndex, entryIndexOptions());
		engine.df = new Map(snap.df);
		engine.stopped = new Set(snap.stopped);
		for (const t of snap.rows) {
			const r = fromRowTuple(t);
			engine.rows.set(r.id, r);
			engine.byTime.push(r);
			let ids = engine.threads.get(r.contactId);
			if (!ids) engine.threads.set(r.contactId, (ids = new Set()));
			ids.add(r.id);
		}
		return;
	}
	for (const s of snap.stopped) engine.stopped.add(s);
	for (const t of snap.rows) engine.addRow(fromRowTuple(t));
}

/**
 * Phase 2 in slices of `slice` rows, so a worker can answer queries between slices. Changes made
 * between slices must be re-applied by the caller afterwards when they remove something (a slice
 * may restore a row removed meanwhile); additions are safe, rows are immutable.
 */
export function* restoreEntriesInSlices(engine: SearchEngine, snap: SearchSnapshot, slice = 5000): Generator<void> {
	if (snap.format === 'index-json') {
		restoreEntries(engine, snap);
		return;
	}
	for (const s of snap.stopped) engine.stopped.add(s);
	for (let i = 0; i < snap.rows.length; i += slice) {
		const end = Math.min(snap.rows.length, i + slice);
		for (let j = i; j < end; j++) engine.addRow(fromRowTuple(snap.rows[j]!));
		if (end < snap.rows.length) yield;
	}
}

/** Both phases at once; errors are values (a bad snapshot means: rebuild from the documents). */
export function engineFromSnapshot(value: unknown): SearchEngine | SnapshotError {
	const snap = checkSnapshot(value);
	if ('code' in snap) return snap;
	const engine = new SearchEngine({ customFields: snap.customFields });
	restoreContacts(engine, snap);
	restoreEntries(engine, snap);
	return engine;
}
