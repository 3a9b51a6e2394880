/**
 * The client store on IndexedDB, one database per user and workspace (`databaseName`).
 *
 * Object stores: `updates` (log, auto-increment key, index `docId`), `states` (merged state and
 * the log position it covers, by docId), `summarySnapshot` (one record: every summary, packed as
 * rows of values (`packSummaries`; older databases hold JSON, still read), and the increment
 * position it covers), `summaryIncrements` (log, index `contactId`), `pending`
 * (log in insertion order, unique index `updateId`, index `docId`), `search` (rows by key, index
 * `contactId`), `meta`. Every method is one IndexedDB transaction over the stores it touches, and
 * awaits only requests of that transaction (awaiting anything else would let it auto-commit).
 * Positions and the compaction rules are explained in store.ts.
 *
 * Another tab may upgrade or delete the database: the `versionchange` event closes this handle at
 * once (so the other tab is not blocked), marks it closed and tells the owner, and every later
 * call rejects with `StoreError('closed')`; the app should reload.
 */
import { wrap, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { ContactId, ContactSummary, DocId } from '../domain/types';
import {
	contactOfDoc,
	databaseName,
	mergeSummaries,
	ownBytes,
	packSummaries,
	unpackSummaries,
	type PackedSummaries,
	type SummaryIncrement
} from './records';
import {
	StoreError,
	type ClientStore,
	type CompactOutcome,
	type ExternalCloseReason,
	type PendingUpdate,
	type SearchRow,
	type SnapshotOutcome,
	type StoreOwner,
	type StoredDoc,
	type SummaryCursor,
	type UpdateCursor
} from './store';

/** Bump with a migration in `upgrade` whenever the object stores change. */
export const DB_VERSION = 1;
const SNAPSHOT_KEY = 'snapshot';

type SnapshotRecord = { packed: PackedSummaries; upTo: number } | { json: string; upTo: number };

interface ParleySchema extends DBSchema {
	updates: { key: number; value: { docId: DocId; update: Uint8Array }; indexes: { docId: DocId } };
	states: { key: DocId; value: { state: Uint8Array; upTo: number } };
	/** `packed` since the compact format; `json` (every summary as JSON) in databases written before. */
	summarySnapshot: { key: string; value: SnapshotRecord };
	summaryIncrements: { key: number; value: SummaryIncrement; indexes: { contactId: ContactId } };
	pending: { key: number; value: PendingUpdate; indexes: { updateId: string; docId: DocId } };
	search: { key: string; value: SearchRow; indexes: { contactId: ContactId } };
	meta: { key: string; value: unknown };
}
type Name = StoreNames<ParleySchema>;
const ALL_STORES: Name[] = ['updates', 'states', 'summarySnapshot', 'summaryIncrements', 'pending', 'search', 'meta'];

function upgrade(db: IDBPDatabase<ParleySchema>, oldVersion: number): void {
	if (oldVersion < 1) {
		db.createObjectStore('updates', { autoIncrement: true }).createIndex('docId', 'docId');
		db.createObjectStore('states');
		db.createObjectStore('summarySnapshot');
		db.createObjectStore('summaryIncrements', { autoIncrement: true }).createIndex('contactId', 'contactId');
		const pending = db.createObjectStore('pending', { autoIncrement: true });
		pending.createIndex('updateId', 'updateId', { unique: true });
		pending.createIndex('docId', 'docId');
		db.createObjectStore('search', { keyPath: 'key' }).createIndex('contactId', 'contactId');
		db.createObjectStore('meta');
	}
}

export interface IdbStoreOptions extends StoreOwner {
	/** Defaults to the global `indexedDB`; tests pass a fresh `fake-indexeddb` factory. */
	idbFactory?: IDBFactory;
	/** Another tab upgraded or deleted the database, or the browser dropped the connection. */
	onExternalClose?: (reason: ExternalCloseReason) => void;
	/** The open waits for another tab on an older version to close; tell the user to close it. */
	onBlocked?: () => void;
}

/** Opens (creating or upgrading) the database of `opts.userId` in `opts.workspaceId`. */
export async function openIdbStore(opts: IdbStoreOptions): Promise<ClientStore> {
	const factory = opts.idbFactory ?? globalThis.indexedDB;
	if (!factory) throw new StoreError('failed', 'IndexedDB is not available here');
	let db: IDBPDatabase<ParleySchema>;
	try {
		const request = factory.open(databaseName(opts), DB_VERSION);
		request.onupgradeneeded = (event) => upgrade(wrap(request.result) as IDBPDatabase<ParleySchema>, event.oldVersion);
		request.onblocked = () => opts.onBlocked?.();
		const opened = await wrap(request);
		if (!opened) throw new Error('open returned no database');
		db = opened as IDBPDatabase<ParleySchema>;
	} catch (err) {
		throw toStoreError(err, false);
	}
	return new IdbStore(db, opts.onExternalClose);
}

/**
 * Deletes the database of one user (logout with "forget this device"). Open handles, in this tab
 * or others, are closed by their `versionchange` handler; `onBlocked` fires if one does not let go.
 */
export async function deleteUserDatabase(
	opts: StoreOwner & { idbFactory?: IDBFactory; onBlocked?: () => void }
): Promise<void> {
	const factory = opts.idbFactory ?? globalThis.indexedDB;
	if (!factory) throw new StoreError('failed', 'IndexedDB is not available here');
	const request = factory.deleteDatabase(databaseName(opts));
	request.onblocked = () => opts.onBlocked?.();
	try {
		await wrap(request);
	} catch (err) {
		throw toStoreError(err, false);
	}
}

function toStoreError(err: unknown, closed: boolean): StoreError {
	if (err instanceof StoreError) return err;
	const name = err instanceof Error || (typeof DOMException !== 'undefined' && err instanceof DOMException) ? err.name : '';
	if (name === 'QuotaExceededError') return new StoreError('quota', 'the browser refused to store more data', { cause: err });
	if (name === 'VersionError') return new StoreError('outdated', 'a newer version of the app upgraded the local store; reload', { cause: err });
	if (closed || name === 'InvalidStateError') return new StoreError('closed', 'the local store is closed', { cause: err });
	return new StoreError('failed', `local store operation failed: ${String(err)}`, { cause: err });
}

class IdbStore implements ClientStore {
	#closed = false;

	constructor(
		private readonly db: IDBPDatabase<ParleySchema>,
		private readonly onExternalClose: ((reason: ExternalCloseReason) => void) | undefined
	) {
		db.addEventListener('versionchange', (event) => this.#closeExternally(event.newVersion === null ? 'deleted' : 'versionchange'));
		db.addEventListener('close', () => this.#closeExternally('terminated'));
	}

	get closed(): boolean {
		return this.#closed;
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		this.db.close();
	}

	#closeExternally(reason: ExternalCloseReason): void {
		if (this.#closed) return;
		this.close();
		this.onExternalClose?.(reason);
	}

	async #tx<const N extends Name[], M extends IDBTransactionMode, T>(
		names: N,
		mode: M,
		fn: (tx: IDBPTransaction<ParleySchema, N, M>) => Promise<T>
	): Promise<T> {
		if (this.#closed) throw new StoreError('closed', 'the local store is closed');
		let tx: IDBPTransaction<ParleySchema, N, M> | undefined;
		try {
			tx = this.db.transaction(names, mode);
			const result = await fn(tx);
			await tx.done;
			return result;
		} catch (err) {
			if (tx) {
				tx.done.catch(() => undefined);
				try {
					tx.abort();
				} catch {
					// already finished or aborted: nothing to undo
				}
			}
			throw toStoreError(err, this.#closed);
		}
	}

	appendUpdate(docId: DocId, update: Uint8Array): Promise<void> {
		return this.#tx(['updates'], 'readwrite', async (tx) => {
			await tx.objectStore('updates').add({ docId, update: ownBytes(update) });
		});
	}

	appendUpdates(items: ReadonlyArray<{ docId: DocId; update: Uint8Array }>): Promise<void> {
		if (items.length === 0) return Promise.resolve();
		return this.#tx(['updates'], 'readwrite', async (tx) => {
			const updates = tx.objectStore('updates');
			await Promise.all(items.map((i) => updates.add({ docId: i.docId, update: ownBytes(i.update) })));
		});
	}

	appendLocalUpdate(p: PendingUpdate): Promise<void> {
		return this.#tx(['updates', 'pending'], 'readwrite', async (tx) => {
			const pending = tx.objectStore('pending');
			if ((await pending.index('updateId').getKey(p.updateId)) !== undefined) return;
			const update = ownBytes(p.update);
			await tx.objectStore('updates').add({ docId: p.docId, update });
			await pending.add({ updateId: p.updateId, docId: p.docId, update, createdAt: p.createdAt, ...actionOf(p) });
		});
	}

	loadDoc(docId: DocId): Promise<StoredDoc> {
		return this.#tx(['states', 'updates'], 'readonly', async (tx) => {
			const byDoc = tx.objectStore('updates').index('docId');
			// Both lists come in (docId, primary key) order, so they line up.
			const [stored, updates, keys] = await Promise.all([
				tx.objectStore('states').get(docId),
				byDoc.getAll(docId),
				byDoc.getAllKeys(docId)
			]);
			const cursor = keys.length > 0 ? (keys[keys.length - 1] ?? 0) : (stored?.upTo ?? 0);
			return { state: stored?.state ?? null, updates: updates.map((r) => r.update), cursor: cursor as UpdateCursor };
		});
	}

	compactDoc(docId: DocId, mergedState: Uint8Array, cursor: UpdateCursor): Promise<CompactOutcome> {
		return this.#tx(['states', 'updates'], 'readwrite', async (tx): Promise<CompactOutcome> => {
			const states = tx.objectStore('states');
			const updates = tx.objectStore('updates');
			const stored = await states.get(docId);
			if ((stored?.upTo ?? 0) >= cursor) return 'superseded';
			// The update at the cursor is only missing if the document was deleted since the load.
			if ((await updates.get(cursor))?.docId !== docId) return 'gone';
			const keys = await updates.index('docId').getAllKeys(docId);
			await Promise.all(keys.filter((k) => k <= cursor).map((k) => updates.delete(k)));
			await states.put({ state: ownBytes(mergedState), upTo: cursor }, docId);
			return 'compacted';
		});
	}

	listDocIds(): Promise<DocId[]> {
		return this.#tx(['states', 'updates'], 'readonly', async (tx) => {
			const ids = new Set<DocId>(await tx.objectStore('states').getAllKeys());
			const byDoc = tx.objectStore('updates').index('docId');
			for (let c = await byDoc.openKeyCursor(null, 'nextunique'); c; c = await c.continue()) ids.add(c.key);
			return [...ids].sort();
		});
	}

	deleteDoc(docId: DocId): Promise<void> {
		const stores: Name[] = ['updates', 'states', 'pending', 'summaryIncrements', 'search'];
		return this.#tx(stores, 'readwrite', async (tx) => {
			const updates = tx.objectStore('updates');
			const pending = tx.objectStore('pending');
			const [updateKeys, pendingKeys] = await Promise.all([
				updates.index('docId').getAllKeys(docId),
				pending.index('docId').getAllKeys(docId)
			]);
			await Promise.all([
				...updateKeys.map((k) => updates.delete(k)),
				...pendingKeys.map((k) => pending.delete(k)),
				tx.objectStore('states').delete(docId)
			]);
			const contactId = contactOfDoc(docId);
			if (contactId === null) return;
			const search = tx.objectStore('search');
			const searchKeys = await search.index('contactId').getAllKeys(contactId);
			await Promise.all(searchKeys.map((k) => search.delete(k)));
			await putIncrement(tx.objectStore('summaryIncrements'), { contactId, summary: null });
		});
	}

	loadSummaries(): Promise<ContactSummary[]> {
		return this.#tx(['summarySnapshot', 'summaryIncrements'], 'readonly', async (tx) => {
			const [snapshot, increments] = await Promise.all([
				tx.objectStore('summarySnapshot').get(SNAPSHOT_KEY),
				tx.objectStore('summaryIncrements').getAll()
			]);
			return mergeSummaries(parseSnapshot(snapshot), increments);
		});
	}

	putSummary(summary: ContactSummary): Promise<void> {
		return this.#tx(['summaryIncrements'], 'readwrite', (tx) =>
			putIncrement(tx.objectStore('summaryIncrements'), { contactId: summary.id, summary })
		);
	}

	putSummaries(summaries: readonly ContactSummary[]): Promise<void> {
		if (summaries.length === 0) return Promise.resolve();
		return this.#tx(['summaryIncrements'], 'readwrite', async (tx) => {
			const increments = tx.objectStore('summaryIncrements');
			await Promise.all(summaries.map((summary) => putIncrement(increments, { contactId: summary.id, summary })));
		});
	}

	deleteSummary(contactId: ContactId): Promise<void> {
		return this.#tx(['summaryIncrements'], 'readwrite', (tx) =>
			putIncrement(tx.objectStore('summaryIncrements'), { contactId, summary: null })
		);
	}

	compactSummaries(): Promise<number> {
		return this.#tx(['summarySnapshot', 'summaryIncrements'], 'readwrite', async (tx) => {
			const snapshots = tx.objectStore('summarySnapshot');
			const increments = tx.objectStore('summaryIncrements');
			const [snapshot, incs, keys] = await Promise.all([snapshots.get(SNAPSHOT_KEY), increments.getAll(), increments.getAllKeys()]);
			const last = keys[keys.length - 1];
			if (last === undefined) return 0;
			const packed = packSummaries(mergeSummaries(parseSnapshot(snapshot), incs));
			await Promise.all([snapshots.put({ packed, upTo: last }, SNAPSHOT_KEY), increments.clear()]);
			return incs.length;
		});
	}

	summaryCursor(): Promise<SummaryCursor> {
		return this.#tx(['summarySnapshot', 'summaryIncrements'], 'readonly', async (tx) => {
			const [snapshot, newest] = await Promise.all([
				tx.objectStore('summarySnapshot').get(SNAPSHOT_KEY),
				tx.objectStore('summaryIncrements').openKeyCursor(null, 'prev')
			]);
			return Math.max(snapshot?.upTo ?? 0, newest?.primaryKey ?? 0) as SummaryCursor;
		});
	}

	writeSummarySnapshot(all: ContactSummary[], basis: SummaryCursor): Promise<SnapshotOutcome> {
		return this.#tx(['summarySnapshot', 'summaryIncrements'], 'readwrite', async (tx): Promise<SnapshotOutcome> => {
			const snapshots = tx.objectStore('summarySnapshot');
			if (((await snapshots.get(SNAPSHOT_KEY))?.upTo ?? 0) > basis) return 'superseded';
			await Promise.all([
				snapshots.put({ packed: packSummaries(all), upTo: basis }, SNAPSHOT_KEY),
				tx.objectStore('summaryIncrements').delete(IDBKeyRange.upperBound(basis))
			]);
			return 'written';
		});
	}

	addPending(p: PendingUpdate): Promise<void> {
		return this.#tx(['pending'], 'readwrite', async (tx) => {
			const pending = tx.objectStore('pending');
			if ((await pending.index('updateId').getKey(p.updateId)) !== undefined) return;
			await pending.add({ updateId: p.updateId, docId: p.docId, update: ownBytes(p.update), createdAt: p.createdAt, ...actionOf(p) });
		});
	}

	listPending(): Promise<PendingUpdate[]> {
		return this.#tx(['pending'], 'readonly', (tx) => tx.objectStore('pending').getAll());
	}

	ackPending(updateIds: string | readonly string[]): Promise<void> {
		const ids = typeof updateIds === 'string' ? [updateIds] : updateIds;
		return this.#tx(['pending'], 'readwrite', async (tx) => {
			const pending = tx.objectStore('pending');
			const index = pending.index('updateId');
			await Promise.all(
				ids.map(async (id) => {
					const key = await index.getKey(id);
					if (key !== undefined) await pending.delete(key);
				})
			);
		});
	}

	countPending(): Promise<number> {
		return this.#tx(['pending'], 'readonly', (tx) => tx.objectStore('pending').count());
	}

	putSearchRows(rows: SearchRow[]): Promise<void> {
		return this.#tx(['search'], 'readwrite', async (tx) => {
			const search = tx.objectStore('search');
			await Promise.all(rows.map((row) => search.put({ key: row.key, contactId: row.contactId, value: row.value })));
		});
	}

	deleteSearchRows(keys: string[]): Promise<void> {
		return this.#tx(['search'], 'readwrite', async (tx) => {
			const search = tx.objectStore('search');
			await Promise.all(keys.map((k) => search.delete(k)));
		});
	}

	deleteSearchRowsOf(contactId: ContactId): Promise<void> {
		return this.#tx(['search'], 'readwrite', async (tx) => {
			const search = tx.objectStore('search');
			const keys = await search.index('contactId').getAllKeys(contactId);
			await Promise.all(keys.map((k) => search.delete(k)));
		});
	}

	loadSearchRows(contactId?: ContactId): Promise<SearchRow[]> {
		return this.#tx(['search'], 'readonly', async (tx) => {
			const search = tx.objectStore('search');
			if (contactId === undefined) return search.getAll();
			// The index orders one contact's rows by primary key, which is the row key.
			return search.index('contactId').getAll(contactId);
		});
	}

	async getMeta<T>(key: string): Promise<T | undefined> {
		return (await this.#tx(['meta'], 'readonly', (tx) => tx.objectStore('meta').get(key))) as T | undefined;
	}

	setMeta(key: string, value: unknown): Promise<void> {
		return this.#tx(['meta'], 'readwrite', async (tx) => {
			const meta = tx.objectStore('meta');
			if (value === undefined) await meta.delete(key);
			else await meta.put(value, key);
		});
	}

	wipe(): Promise<void> {
		return this.#tx(ALL_STORES, 'readwrite', async (tx) => {
			await Promise.all(ALL_STORES.map((name) => tx.objectStore(name).clear()));
		});
	}
}

type IncrementStore = ReturnType<IDBPTransaction<ParleySchema, ['summaryIncrements'], 'readwrite'>['objectStore']>;

/** Appends an increment and drops the contact's earlier ones (only the latest matters). */
async function putIncrement(store: IncrementStore, inc: SummaryIncrement): Promise<void> {
	const older = await store.index('contactId').getAllKeys(inc.contactId);
	await Promise.all(older.map((k) => store.delete(k)));
	await store.add(inc);
}

function parseSnapshot(record: SnapshotRecord | undefined): ContactSummary[] {
	if (!record) return [];
	return 'packed' in record ? unpackSummaries(record.packed) : (JSON.parse(record.json) as ContactSummary[]);
}

/** The action fields of a pending update, present only when set. */
function actionOf(p: PendingUpdate): Pick<PendingUpdate, 'action' | 'entries'> {
	return { ...(p.action !== undefined ? { action: p.action } : {}), ...(p.entries !== undefined ? { entries: [...p.entries] } : {}) };
}
