/**
 * The summaries of every contact this user holds, in memory, kept in step with storage.
 *
 * Invariants:
 * - Cold start reads the stored snapshot plus increments (`load`), never a Y.Doc.
 * - One changed contact costs one increment (`putSummary`, which replaces that contact's
 *   earlier increment), written at most once per `flushDelayMs` per contact; the snapshot is
 *   rewritten in the background (`compactSummaries`) after `compactDelayMs` of quiet or at most
 *   every `compactMaxMs` while changes keep coming. Nothing is ever rebuilt whole for a change.
 * - Summaries of documents stored in bulk (a first sync of thousands) are not increments: they
 *   are persisted together by `persistBulk`, one snapshot of every summary, once at the end.
 * - Listeners get the changed summaries and removed ids in batches (one per flush of the
 *   event loop), so the list recomputes once per batch, not once per contact.
 */
import type { ContactId, ContactSummary } from '../domain/types';
import type { ClientStore } from '../storage/store';

export interface SummaryChange {
	changed: ContactSummary[];
	removed: ContactId[];
}

export interface SummaryBookOptions {
	flushDelayMs?: number;
	compactDelayMs?: number;
	compactMaxMs?: number;
}

export class SummaryBook {
	readonly #store: ClientStore;
	readonly #opts: Required<SummaryBookOptions>;
	readonly #all = new Map<ContactId, ContactSummary>();
	readonly #listeners = new Set<(c: SummaryChange) => void>();
	/** Waiting to be written as increments (value) or tombstones (null). */
	readonly #dirty = new Map<ContactId, ContactSummary | null>();
	/** Waiting to be told to listeners. */
	readonly #notify = new Map<ContactId, ContactSummary | null>();
	#notifyScheduled = false;
	#flushTimer: ReturnType<typeof setTimeout> | null = null;
	#compactTimer: ReturnType<typeof setTimeout> | null = null;
	#firstUncompactedAt = 0;
	/** Summaries put in bulk since the last snapshot: `persistBulk` has work to do. */
	#bulkDue = false;
	#writing: Promise<void> = Promise.resolve();
	#closed = false;

	constructor(store: ClientStore, opts: SummaryBookOptions = {}) {
		this.#store = store;
		this.#opts = { flushDelayMs: 50, compactDelayMs: 3_000, compactMaxMs: 15_000, ...opts };
	}

	/** Reads the stored summaries (snapshot + increments); returns them sorted by id. */
	async load(): Promise<ContactSummary[]> {
		const list = await this.#store.loadSummaries();
		this.#all.clear();
		for (const s of list) this.#all.set(s.id, s);
		return list;
	}

	get size(): number {
		return this.#all.size;
	}

	get(id: ContactId): ContactSummary | undefined {
		return this.#all.get(id);
	}

	values(): IterableIterator<ContactSummary> {
		return this.#all.values();
	}

	subscribe(fn: (c: SummaryChange) => void): () => void {
		this.#listeners.add(fn);
		return () => this.#listeners.delete(fn);
	}

	/** A contact's summary changed here: remember, persist as an increment, tell listeners. */
	put(s: ContactSummary): boolean {
		const prev = this.#all.get(s.id);
		if (prev && sameSummary(prev, s)) return false;
		this.#all.set(s.id, s);
		this.#dirty.set(s.id, s);
		this.#queue(s.id, s);
		this.#scheduleFlush();
		return true;
	}

	/**
	 * Summaries of documents just stored in bulk: remembered and told now, persisted later by
	 * `persistBulk`. A contact with an increment still waiting gets the new value written as an
	 * increment too, or the older increment would win over the snapshot.
	 */
	putMany(list: Iterable<ContactSummary>): void {
		for (const s of list) {
			const prev = this.#all.get(s.id);
			if (prev && sameSummary(prev, s)) continue;
			this.#all.set(s.id, s);
			if (this.#dirty.has(s.id)) {
				this.#dirty.set(s.id, s);
				this.#scheduleFlush();
			} else this.#bulkDue = true;
			this.#queue(s.id, s);
		}
	}

	/**
	 * Persists what `putMany` remembered: waiting increments first, then one snapshot of every
	 * summary over the increments it covers. Later increments (a change meanwhile) are kept and
	 * still win. Retried when another tab compacted in between; falls back to increments.
	 */
	async persistBulk(): Promise<boolean> {
		if (!this.#bulkDue) {
			await this.flush();
			return false;
		}
		this.#bulkDue = false;
		await this.flush();
		let written = false;
		const write = async (): Promise<void> => {
			for (let attempt = 0; attempt < 3 && !this.#closed && !written; attempt++) {
				const basis = await this.#store.summaryCursor();
				// Sorted by id, as the store keeps snapshots: a cold start then needs no sort.
				const all = [...this.#all.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
				written = (await this.#store.writeSummarySnapshot(all, basis)) === 'written';
			}
			if (!written) for (const s of this.#all.values()) this.#dirty.set(s.id, s);
		};
		this.#writing = this.#writing.then(write).catch(() => {
			this.#bulkDue = true;
		});
		await this.#writing;
		if (this.#dirty.size > 0) await this.flush();
		return written;
	}

	/** Another tab persisted summaries in bulk: read them and tell what differs. */
	async reload(): Promise<void> {
		const list = await this.#store.loadSummaries();
		for (const s of list) if (!this.#dirty.has(s.id)) this.adopt(s);
	}

	/** Another tab persisted this summary: remember and tell, do not write. */
	adopt(s: ContactSummary): void {
		const prev = this.#all.get(s.id);
		if (prev && sameSummary(prev, s)) return;
		this.#all.set(s.id, s);
		this.#queue(s.id, s);
	}

	/** The contact is gone (revoked); storage already removed it (`deleteDoc` writes the tombstone). */
	forget(id: ContactId): void {
		this.#dirty.delete(id);
		if (!this.#all.delete(id)) return;
		this.#queue(id, null);
	}

	/** Writes what is waiting now (tests, before a reload, on logout). */
	async flush(): Promise<void> {
		this.#clearFlush();
		const batch = [...this.#dirty.values()];
		this.#dirty.clear();
		if (batch.length === 0) return this.#writing;
		this.#writing = this.#writing
			.then(() => this.#store.putSummaries(batch.filter((s): s is ContactSummary => s !== null)))
			.then(() => this.#scheduleCompact())
			.catch(() => undefined);
		return this.#writing;
	}

	/** Folds the increments into the snapshot now. */
	async compact(): Promise<void> {
		await this.flush();
		if (this.#compactTimer !== null) clearTimeout(this.#compactTimer);
		this.#compactTimer = null;
		this.#firstUncompactedAt = 0;
		if (this.#closed) return;
		await this.#store.compactSummaries().catch(() => 0);
	}

	close(): void {
		this.#closed = true;
		this.#clearFlush();
		if (this.#compactTimer !== null) clearTimeout(this.#compactTimer);
		this.#compactTimer = null;
		this.#listeners.clear();
	}

	#queue(id: ContactId, s: ContactSummary | null): void {
		this.#notify.set(id, s);
		if (this.#notifyScheduled) return;
		this.#notifyScheduled = true;
		queueMicrotask(() => {
			this.#notifyScheduled = false;
			const change: SummaryChange = { changed: [], removed: [] };
			for (const [cid, v] of this.#notify) {
				if (v) change.changed.push(v);
				else change.removed.push(cid);
			}
			this.#notify.clear();
			for (const l of this.#listeners) l(change);
		});
	}

	#scheduleFlush(): void {
		if (this.#flushTimer !== null || this.#closed) return;
		this.#flushTimer = setTimeout(() => {
			this.#flushTimer = null;
			void this.flush();
		}, this.#opts.flushDelayMs);
	}

	#clearFlush(): void {
		if (this.#flushTimer !== null) clearTimeout(this.#flushTimer);
		this.#flushTimer = null;
	}

	#scheduleCompact(): void {
		if (this.#closed) return;
		const now = Date.now();
		if (this.#firstUncompactedAt === 0) this.#firstUncompactedAt = now;
		if (this.#compactTimer !== null) clearTimeout(this.#compactTimer);
		const due = Math.min(this.#opts.compactDelayMs, this.#firstUncompactedAt + this.#opts.compactMaxMs - now);
		this.#compactTimer = setTimeout(() => {
			this.#compactTimer = null;
			void this.compact();
		}, Math.max(0, due));
	}
}

/** Field-wise equality of two summaries (they are small, flat JSON). */
export function sameSummary(a: ContactSummary, b: ContactSummary): boolean {
	return JSON.stringify(a) === JSON.stringify(b);
}
