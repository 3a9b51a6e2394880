/**
 * The memory twin of the IndexedDB store, for tests and for code that runs without a browser.
 *
 * It keeps the same invariants (see store.ts): log positions only grow (not even `wipe` resets
 * them), merged records remember the position they cover, and values are structured-cloned on
 * the way in and out, so a caller mutating an array after a call changes nothing stored. Each
 * method runs synchronously to completion before its promise settles, which makes it one
 * transaction. A `MemoryBackend` plays the browser's origin: several handles opened on one
 * backend for the same owner share data, like two tabs on one database.
 */
import type { ContactId, ContactSummary, DocId } from '../domain/types';
import { compareStrings, contactOfDoc, databaseName, mergeSummaries, ownBytes, type SummaryIncrement } from './records';
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

interface MemoryData {
	seq: { update: number; increment: number; pending: number };
	updates: Map<number, { docId: DocId; update: Uint8Array }>;
	states: Map<DocId, { state: Uint8Array; upTo: number }>;
	snapshot: { summaries: ContactSummary[]; upTo: number } | null;
	increments: Map<number, SummaryIncrement>;
	/** Keyed by position, so iteration order is insertion order. */
	pending: Map<number, PendingUpdate>;
	search: Map<string, SearchRow>;
	meta: Map<string, unknown>;
}

function emptyData(): MemoryData {
	return {
		seq: { update: 0, increment: 0, pending: 0 },
		updates: new Map(),
		states: new Map(),
		snapshot: null,
		increments: new Map(),
		pending: new Map(),
		search: new Map(),
		meta: new Map()
	};
}

/** The databases of one simulated browser origin, and the handles open on them. */
export class MemoryBackend {
	readonly #data = new Map<string, MemoryData>();
	readonly #handles = new Map<string, Set<MemoryStore>>();

	/** Opens (creating if needed) the database of `owner`. */
	open(owner: StoreOwner, opts: { onExternalClose?: (reason: ExternalCloseReason) => void } = {}): ClientStore {
		const name = databaseName(owner);
		let data = this.#data.get(name);
		if (!data) {
			data = emptyData();
			this.#data.set(name, data);
		}
		let handles = this.#handles.get(name);
		if (!handles) {
			handles = new Set();
			this.#handles.set(name, handles);
		}
		const store = new MemoryStore(data, () => handles.delete(store), opts.onExternalClose);
		handles.add(store);
		return store;
	}

	/** Like `deleteUserDatabase`: closes every open handle of `owner`, then drops the data. */
	deleteDatabase(owner: StoreOwner): void {
		const name = databaseName(owner);
		for (const handle of [...(this.#handles.get(name) ?? [])]) handle.closeExternally('deleted');
		this.#data.delete(name);
	}
}

/** A store with a private backend: nothing else sees its data. */
export function createMemoryStore(): ClientStore {
	return new MemoryBackend().open({ userId: 'memory', workspaceId: 'memory' });
}

class MemoryStore implements ClientStore {
	#closed = false;

	constructor(
		private readonly data: MemoryData,
		private readonly detach: () => void,
		private readonly onExternalClose: ((reason: ExternalCloseReason) => void) | undefined
	) {}

	get closed(): boolean {
		return this.#closed;
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		this.detach();
	}

	closeExternally(reason: ExternalCloseReason): void {
		if (this.#closed) return;
		this.close();
		this.onExternalClose?.(reason);
	}

	/** Runs `fn` as one transaction: to completion, or not at all visible (it never yields). */
	async #tx<T>(fn: (d: MemoryData) => T): Promise<T> {
		if (this.#closed) throw new StoreError('closed', 'the local store is closed');
		try {
			return fn(this.data);
		} catch (err) {
			throw new StoreError('failed', `local store operation failed: ${String(err)}`, { cause: err });
		}
	}

	appendUpdate(docId: DocId, update: Uint8Array): Promise<void> {
		return this.#tx((d) => {
			d.updates.set(++d.seq.update, { docId, update: ownBytes(update) });
		});
	}

	appendUpdates(items: ReadonlyArray<{ docId: DocId; update: Uint8Array }>): Promise<void> {
		return this.#tx((d) => {
			for (const i of items) d.updates.set(++d.seq.update, { docId: i.docId, update: ownBytes(i.update) });
		});
	}

	appendLocalUpdate(p: PendingUpdate): Promise<void> {
		return this.#tx((d) => {
			if (findPending(d, p.updateId) !== undefined) return;
			const update = ownBytes(p.update);
			d.updates.set(++d.seq.update, { docId: p.docId, update });
			d.pending.set(++d.seq.pending, { ...p, update: ownBytes(update) });
		});
	}

	loadDoc(docId: DocId): Promise<StoredDoc> {
		return this.#tx((d) => {
			const stored = d.states.get(docId);
			let cursor = stored?.upTo ?? 0;
			const updates: Uint8Array[] = [];
			for (const [seq, rec] of d.updates) {
				if (rec.docId !== docId) continue;
				updates.push(ownBytes(rec.update));
				cursor = seq;
			}
			return { state: stored ? ownBytes(stored.state) : null, updates, cursor: cursor as UpdateCursor };
		});
	}

	compactDoc(docId: DocId, mergedState: Uint8Array, cursor: UpdateCursor): Promise<CompactOutcome> {
		return this.#tx((d): CompactOutcome => {
			const stored = d.states.get(docId);
			if ((stored?.upTo ?? 0) >= cursor) return 'superseded';
			if (d.updates.get(cursor)?.docId !== docId) return 'gone';
			for (const [seq, rec] of d.updates) {
				if (seq <= cursor && rec.docId === docId) d.updates.delete(seq);
			}
			d.states.set(docId, { state: ownBytes(mergedState), upTo: cursor });
			return 'compacted';
		});
	}

	listDocIds(): Promise<DocId[]> {
		return this.#tx((d) => {
			const ids = new Set<DocId>(d.states.keys());
			for (const rec of d.updates.values()) ids.add(rec.docId);
			return [...ids].sort(compareStrings);
		});
	}

	deleteDoc(docId: DocId): Promise<void> {
		return this.#tx((d) => {
			for (const [seq, rec] of d.updates) if (rec.docId === docId) d.updates.delete(seq);
			d.states.delete(docId);
			for (const [order, p] of d.pending) if (p.docId === docId) d.pending.delete(order);
			const contactId = contactOfDoc(docId);
			if (contactId === null) return;
			putIncrement(d, { contactId, summary: null });
			for (const [key, row] of d.search) if (row.contactId === contactId) d.search.delete(key);
		});
	}

	loadSummaries(): Promise<ContactSummary[]> {
		return this.#tx((d) => structuredClone(mergeSummaries(d.snapshot?.summaries ?? [], d.increments.values())));
	}

	putSummary(summary: ContactSummary): Promise<void> {
		return this.#tx((d) => putIncrement(d, { contactId: summary.id, summary: structuredClone(summary) }));
	}

	putSummaries(summaries: readonly ContactSummary[]): Promise<void> {
		return this.#tx((d) => {
			for (const summary of summaries) putIncrement(d, { contactId: summary.id, summary: structuredClone(summary) });
		});
	}

	deleteSummary(contactId: ContactId): Promise<void> {
		return this.#tx((d) => putIncrement(d, { contactId, summary: null }));
	}

	compactSummaries(): Promise<number> {
		return this.#tx((d) => {
			const folded = d.increments.size;
			if (folded === 0) return 0;
			d.snapshot = {
				summaries: mergeSummaries(d.snapshot?.summaries ?? [], d.increments.values()),
				upTo: lastKey(d.increments)
			};
			d.increments.clear();
			return folded;
		});
	}

	summaryCursor(): Promise<SummaryCursor> {
		return this.#tx((d) => Math.max(d.snapshot?.upTo ?? 0, lastKey(d.increments)) as SummaryCursor);
	}

	writeSummarySnapshot(all: ContactSummary[], basis: SummaryCursor): Promise<SnapshotOutcome> {
		return this.#tx((d): SnapshotOutcome => {
			if ((d.snapshot?.upTo ?? 0) > basis) return 'superseded';
			d.snapshot = { summaries: structuredClone(all), upTo: basis };
			for (const seq of d.increments.keys()) if (seq <= basis) d.increments.delete(seq);
			return 'written';
		});
	}

	addPending(p: PendingUpdate): Promise<void> {
		return this.#tx((d) => {
			if (findPending(d, p.updateId) !== undefined) return;
			d.pending.set(++d.seq.pending, { ...p, update: ownBytes(p.update) });
		});
	}

	listPending(): Promise<PendingUpdate[]> {
		return this.#tx((d) => [...d.pending.values()].map((p) => ({ ...p, update: ownBytes(p.update) })));
	}

	ackPending(updateIds: string | readonly string[]): Promise<void> {
		return this.#tx((d) => {
			for (const id of typeof updateIds === 'string' ? [updateIds] : updateIds) {
				const order = findPending(d, id);
				if (order !== undefined) d.pending.delete(order);
			}
		});
	}

	countPending(): Promise<number> {
		return this.#tx((d) => d.pending.size);
	}

	putSearchRows(rows: SearchRow[]): Promise<void> {
		return this.#tx((d) => {
			const copies = structuredClone(rows);
			for (const row of copies) d.search.set(row.key, row);
		});
	}

	deleteSearchRows(keys: string[]): Promise<void> {
		return this.#tx((d) => {
			for (const key of keys) d.search.delete(key);
		});
	}

	deleteSearchRowsOf(contactId: ContactId): Promise<void> {
		return this.#tx((d) => {
			for (const [key, row] of d.search) if (row.contactId === contactId) d.search.delete(key);
		});
	}

	loadSearchRows(contactId?: ContactId): Promise<SearchRow[]> {
		return this.#tx((d) => {
			const rows = [...d.search.values()].filter((r) => contactId === undefined || r.contactId === contactId);
			return structuredClone(rows.sort((a, b) => compareStrings(a.key, b.key)));
		});
	}

	getMeta<T>(key: string): Promise<T | undefined> {
		return this.#tx((d) => structuredClone(d.meta.get(key)) as T | undefined);
	}

	setMeta(key: string, value: unknown): Promise<void> {
		return this.#tx((d) => {
			if (value === undefined) d.meta.delete(key);
			else d.meta.set(key, structuredClone(value));
		});
	}

	wipe(): Promise<void> {
		return this.#tx((d) => {
			d.updates.clear();
			d.states.clear();
			d.snapshot = null;
			d.increments.clear();
			d.pending.clear();
			d.search.clear();
			d.meta.clear();
		});
	}
}

function findPending(d: MemoryData, updateId: string): number | undefined {
	for (const [order, p] of d.pending) if (p.updateId === updateId) return order;
	return undefined;
}

/** Appends an increment, dropping the contact's earlier one (only the latest matters). */
function putIncrement(d: MemoryData, inc: SummaryIncrement): void {
	for (const [seq, old] of d.increments) if (old.contactId === inc.contactId) d.increments.delete(seq);
	d.increments.set(++d.seq.increment, inc);
}

/** Largest key of a log (its keys are inserted in increasing order), 0 when empty. */
function lastKey(log: Map<number, unknown>): number {
	let last = 0;
	for (const key of log.keys()) last = key;
	return last;
}
