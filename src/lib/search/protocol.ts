/**
 * The message protocol between the main thread (`SearchClient`) and the search worker
 * (`SearchHost`). Messages on one port arrive in order, so updates and queries apply in the order
 * they were sent.
 *
 * Queries carry a sequence number `seq`, increasing per client, and a `lane` (one per search box:
 * the global box, the in-thread box). A newer query in a lane supersedes every older one in that
 * lane: the host answers a superseded query `superseded` without running it if it has not started,
 * and the client resolves it `superseded` at once and ignores any late answer. So a burst of
 * keystrokes costs one search, and a slow early answer never replaces a later one.
 *
 * Cold start: `load` restores the contacts part of a snapshot and reports `ready` `contacts`;
 * `loadMessages` restores the message slices (one per turn, so queries are served in between;
 * a bad slice is reported `load-failed` with its position and skipped) and reports `ready`
 * `messages`. Message results say `partial` until then. The two parts are separate messages so
 * the main thread can post the contacts as soon as it has read them from storage, before reading
 * the (larger) slices.
 *
 * Saving (issue 26): `exportContacts` answers the contacts part (null when unchanged since the
 * last export, if asked) and the slices changed since they were last exported or restored;
 * `exportSlice` answers one slice, each in its own task, so queries are answered in between.
 */
import type { ContactId, CustomFieldDef, Entry, EntryId } from '../domain/types';
import type { ContactResults, MessageHit, MessageResults } from './engine';
import type { CountryCode } from './phone';
import type { SearchableContact, SearchRow } from './indexable';
import type { SnapshotError, SnapshotFormat } from './snapshot';

export type Scope = 'contacts' | 'messages' | 'thread';

export interface ResultsByScope {
	contacts: ContactResults;
	messages: MessageResults & { partial: boolean };
	thread: { hits: MessageHit[]; partial: boolean };
}

export type QueryRequest = {
	type: 'query';
	seq: number;
	lane: string;
	scope: Scope;
	text: string;
	limit: number;
	/** Required for the `thread` scope. */
	contactId?: ContactId;
};

export type WorkerRequest =
	/** `contacts`: the contacts part of a snapshot, or null to start empty (then messages are ready too). */
	| { type: 'load'; contacts: Uint8Array | null; customFields: CustomFieldDef[]; country?: CountryCode }
	| { type: 'loadMessages'; slices: Uint8Array[] }
	/** `keepCustom`: the contact comes from a summary, without custom fields; keep the indexed ones. */
	| { type: 'upsertContact'; contact: SearchableContact; keepCustom?: boolean }
	/** Many `upsertContact` in one message (a first login's 50,000 summaries: one post per batch, issue 26). */
	| { type: 'upsertContacts'; contacts: SearchableContact[]; keepCustom?: boolean }
	/** Cold start: every contact not listed (revoked while the app was closed) leaves the index. */
	| { type: 'retainContacts'; contactIds: ContactId[] }
	| { type: 'removeContact'; contactId: ContactId }
	| { type: 'addEntries'; contactId: ContactId; entries: Entry[] }
	/** Searchable rows of a contact whose document is not here yet (a first login's bootstrap, issue 26). */
	| { type: 'addRows'; rows: SearchRow[] }
	| { type: 'removeEntry'; entryId: EntryId }
	| { type: 'setCustomFields'; fields: CustomFieldDef[] }
	/** The workspace's default country changed: phone numbers are read again (phone.ts). */
	| { type: 'setCountry'; country: CountryCode }
	| QueryRequest
	| { type: 'exportContacts'; seq: number; format: SnapshotFormat; ifChanged?: boolean }
	| { type: 'exportSlice'; seq: number; slice: number; format: SnapshotFormat };

export type QueryOutcome<S extends Scope = Scope> =
	| { status: 'done'; seq: number; scope: S; results: ResultsByScope[S] }
	| { status: 'superseded'; seq: number };

export type WorkerReply =
	| { type: 'ready'; phase: 'contacts' | 'messages' }
	/** `slice`: the position of a bad slice in `loadMessages` (the others are restored). */
	| { type: 'load-failed'; phase: 'contacts' | 'messages'; error: SnapshotError; slice?: number }
	| { type: 'result'; outcome: QueryOutcome }
	/** `bytes` null: unchanged since the last export; `dirty`: slices to export (exportContacts). */
	| { type: 'exported'; seq: number; bytes: Uint8Array | null; dirty: number[] };

/** The part of `Worker` / `MessagePort` both sides use; a Node `MessagePort` fits in tests. */
export interface Port<In, Out> {
	/** Snapshot bytes travel in `transfer` (moved, not copied). */
	postMessage(message: Out, transfer?: Transferable[]): void;
	addEventListener(type: 'message', listener: (ev: MessageEvent<In>) => void): void;
	removeEventListener(type: 'message', listener: (ev: MessageEvent<In>) => void): void;
	start?(): void;
}
