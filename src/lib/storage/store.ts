/**
 * The client store: everything a browser keeps locally for one user in one workspace.
 *
 * Invariant: log positions, not counts. Document updates and summary increments are append-only
 * logs whose records get increasing positions (IndexedDB key generators, never reused, not even
 * after `wipe`). A merged record (a document's state, the summary snapshot) remembers the
 * position it covers. Readers get that position back as a cursor, and a writer that replaces log
 * records by a merged record hands the cursor in: only records at or before it are removed, and
 * the write is refused when the store has already moved past it (another tab compacted further,
 * or the document was deleted in between). So two tabs of one user, each with its own handle on
 * the same database, can append, compact and delete concurrently without losing an update or
 * resurrecting a revoked document.
 *
 * Every method is one transaction. Implementations: `openIdbStore` (IndexedDB through `idb`) and
 * `createMemoryStore` (tests, server-side rendering), both held to the cases in `contract.ts`.
 */
import type { Brand, ContactId, ContactSummary, DocId } from '../domain/types';

/** Position in the document-update log; from `loadDoc`, handed back to `compactDoc`. 0: nothing yet. */
export type UpdateCursor = Brand<number, 'UpdateCursor'>;
/** Position in the summary-increment log; from `summaryCursor`, handed to `writeSummarySnapshot`. */
export type SummaryCursor = Brand<number, 'SummaryCursor'>;

export interface StoredDoc {
	/** Merged state written by the last compaction, or null when never compacted. */
	state: Uint8Array | null;
	/** Updates appended after that state, oldest first. Apply them on top of `state`. */
	updates: Uint8Array[];
	/** Covers `state` and every update returned; pass it to `compactDoc`. */
	cursor: UpdateCursor;
}

/**
 * - `compacted`: the merged state replaced the state and every update up to the cursor.
 * - `superseded`: the stored state already covers the cursor (another handle compacted as far or
 *   further, or there was nothing to merge); nothing written.
 * - `gone`: the document was deleted since it was loaded; nothing written.
 */
export type CompactOutcome = 'compacted' | 'superseded' | 'gone';

/** `written`, or `superseded` when a compaction folded increments newer than the basis cursor. */
export type SnapshotOutcome = 'written' | 'superseded';

/** A local update the server has not acknowledged yet (ARCHITECTURE "Acknowledgement"). */
export interface PendingUpdate {
	/** Made by the client; the idempotency key of the update on the wire and here. */
	updateId: string;
	docId: DocId;
	update: Uint8Array;
	/** Milliseconds since the epoch. */
	createdAt: number;
	/**
	 * The user action that made it (one id per `Replica.edit`); absent for background writes
	 * (draft keystrokes, read marks). The unsynced count the UI shows counts actions, not updates.
	 */
	action?: string;
	/** Thread entries the action added: each shows its own pending state in the thread. */
	entries?: string[];
}

/** A row of search data. Storage never looks inside `value` (structured-cloned as is). */
export interface SearchRow {
	key: string;
	/** The contact the row belongs to (removed with it), or null for engine-wide data. */
	contactId: ContactId | null;
	value: unknown;
}

export type StoreErrorCode =
	/** The handle was closed: `close()`, another tab upgrading or deleting the database, or the browser. */
	| 'closed'
	/** The origin ran out of storage quota. */
	| 'quota'
	/** The database was upgraded by a newer version of the app (another tab); reload to get it. */
	| 'outdated'
	/** Any other failure of the underlying database; `cause` holds the original error. */
	| 'failed';

/** The one error type a store rejects with. */
export class StoreError extends Error {
	override readonly name = 'StoreError';
	constructor(
		readonly code: StoreErrorCode,
		message: string,
		options?: { cause?: unknown }
	) {
		super(message, options);
	}
}

/** Why a handle closed without its owner asking: the app should stop writing and offer a reload. */
export type ExternalCloseReason = 'versionchange' | 'terminated' | 'deleted';

export interface ClientStore {
	// --- documents ----------------------------------------------------------------------------
	/** Appends one update to the document's log. */
	appendUpdate(docId: DocId, update: Uint8Array): Promise<void>;
	/**
	 * Appends many updates (of one or several documents) in one transaction, in list order: the
	 * bulk form of `appendUpdate`, for a first sync of thousands of documents.
	 */
	appendUpdates(items: ReadonlyArray<{ docId: DocId; update: Uint8Array }>): Promise<void>;
	/**
	 * Appends a local update and queues it as pending in one transaction, so a crash can neither
	 * keep an update the server will never get nor queue one the document does not hold.
	 * Idempotent by `updateId`: a second call with the same id changes nothing.
	 */
	appendLocalUpdate(p: PendingUpdate): Promise<void>;
	loadDoc(docId: DocId): Promise<StoredDoc>;
	/**
	 * Replaces the stored state and every update up to `cursor` (from `loadDoc`) by `mergedState`,
	 * which must be the loaded state with the loaded updates applied. Updates appended after the
	 * load, by this handle or any other, are kept.
	 */
	compactDoc(docId: DocId, mergedState: Uint8Array, cursor: UpdateCursor): Promise<CompactOutcome>;
	/** Ids of documents with a state or an update, sorted. */
	listDocIds(): Promise<DocId[]>;
	/**
	 * Removes the document's updates, state and pending updates, and for a contact document
	 * (`c/<contactId>`) its summary (a tombstone increment) and search rows, in one transaction.
	 * Used on revocation.
	 */
	deleteDoc(docId: DocId): Promise<void>;

	// --- summaries: one snapshot plus increments -----------------------------------------------
	/** Snapshot with increments applied in order (a tombstone removes); sorted by contact id. */
	loadSummaries(): Promise<ContactSummary[]>;
	/** Records an increment; replaces an earlier increment of the same contact. */
	putSummary(summary: ContactSummary): Promise<void>;
	/** `putSummary` of each, in one transaction (a reconnect's hundreds of changed contacts). */
	putSummaries(summaries: readonly ContactSummary[]): Promise<void>;
	/** Records a tombstone increment. */
	deleteSummary(contactId: ContactId): Promise<void>;
	/** Folds every increment into the snapshot in one transaction; returns how many were folded. */
	compactSummaries(): Promise<number>;
	/** Position of the newest increment (or of what the snapshot covers); read before a rebuild. */
	summaryCursor(): Promise<SummaryCursor>;
	/**
	 * Replaces the snapshot by `all` (a rebuild from the documents) and drops increments up to
	 * `basis`, read with `summaryCursor()` before the rebuild started reading documents. Later
	 * increments (a change or revocation during the rebuild) are kept and still win.
	 */
	writeSummarySnapshot(all: ContactSummary[], basis: SummaryCursor): Promise<SnapshotOutcome>;

	// --- pending queue ------------------------------------------------------------------------
	/** Queues an update; idempotent by `updateId` (the first one stays, with its position). */
	addPending(p: PendingUpdate): Promise<void>;
	/** In the order they were first added. */
	listPending(): Promise<PendingUpdate[]>;
	/**
	 * Forgets acknowledged updates, one id or many in one transaction (the ACK of a merged frame
	 * names every member: an offline afternoon acked per update would cost one transaction
	 * each); unknown ids are ignored (acks can repeat).
	 */
	ackPending(updateIds: string | readonly string[]): Promise<void>;
	countPending(): Promise<number>;

	// --- search data (opaque) -----------------------------------------------------------------
	/** Inserts or replaces rows by key, in one transaction. */
	putSearchRows(rows: SearchRow[]): Promise<void>;
	deleteSearchRows(keys: string[]): Promise<void>;
	deleteSearchRowsOf(contactId: ContactId): Promise<void>;
	/** Every row, or the rows of one contact; sorted by key. */
	loadSearchRows(contactId?: ContactId): Promise<SearchRow[]>;

	// --- meta: lastSeq, user info, recent searches, dot state, locale ---------------------------
	getMeta<T>(key: string): Promise<T | undefined>;
	/** Structured-cloned; `undefined` deletes the key. */
	setMeta(key: string, value: unknown): Promise<void>;

	/** Empties every table in one transaction; the handle stays open. */
	wipe(): Promise<void>;
	/** Closes the handle; later calls reject with `StoreError('closed')`. Idempotent. */
	close(): void;
	readonly closed: boolean;
}

/** Who the data belongs to; each pair gets its own database so users of one browser never mix. */
export interface StoreOwner {
	userId: string;
	workspaceId: string;
}
