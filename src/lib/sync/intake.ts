/**
 * Bulk intake: whole documents arriving in a catch-up that this device does not hold yet (a
 * first login brings thousands). Loading, applying, storing and summarizing them one at a time
 * costs several IndexedDB transactions and one list update per document; here each document is
 * decoded once, into a throwaway Y.Doc, for its summary, in slices of a few milliseconds with the
 * event loop running in between (the page stays responsive and the socket keeps being read);
 * decoded documents are appended in one transaction per write, one write at a time, each taking
 * all that was decoded meanwhile; and each write's summaries join the summary book together once
 * stored (one list update per write, so the list paints as it grows; the snapshot is written once
 * at the end by `SummaryBook.persistBulk`).
 *
 * Invariants:
 * - A summary joins the book only after its document is stored.
 * - A document that is in memory (opened, or being loaded, while it waited here) also gets the
 *   update applied to that copy once stored; its own watcher then owns its summary.
 * - `settled()` resolves once everything taken so far is stored or has failed (`failures`
 *   counts those); a remote update of a document waiting here waits for it (`holds`).
 * - `discard` (revoked meanwhile) drops a waiting document and keeps its summary out of the
 *   book if its batch is already being written (the revocation deletes what that batch stored).
 */
import { applyUpdate, createDoc, remoteOrigin, summarize, type YDoc } from '../doc';
import { parseDocId } from '../domain/ids';
import type { ContactSummary, DocId } from '../domain/types';
import type { ClientStore } from '../storage/store';
import type { DocRegistry } from './registry';
import type { SummaryBook } from './summaries';

export interface IntakeItem {
	docId: DocId;
	update: Uint8Array;
	/**
	 * The document's current summary, from the server (a reconnect's DOCS answer: the update is
	 * the changes to a document stored here): stored without decoding, the summary joins the book.
	 */
	summary?: ContactSummary;
}

export interface IntakeOptions {
	store: ClientStore;
	summaries: SummaryBook;
	registry: DocRegistry;
	/** Origin owner of updates applied to loaded copies (the replica). */
	origin: unknown;
	/** Everything taken so far is stored (tell the other tabs). */
	onStored?(): void;
	/** One document taken is stored (after its summary joined the book). */
	onDocStored?(docId: DocId): void;
	/**
	 * True when the document's summary is already known and current (a first login's bootstrap,
	 * kept current by live updates): it is stored without being decoded.
	 */
	summaryKnown?(docId: DocId): boolean;
	/** Decoding work per slice before the event loop gets a turn. */
	budgetMs?: number;
}

export class DocIntake {
	readonly #opts: IntakeOptions;
	#queue: IntakeItem[] = [];
	/** Decoded and waiting for the next write, with their summaries. */
	#decoded: IntakeItem[] = [];
	#summaries = new Map<DocId, ContactSummary>();
	/** Documents taken and not stored yet (waiting, decoding or being written). */
	readonly #unsettled = new Map<DocId, number>();
	readonly #discarded = new Set<DocId>();
	#decoding: Promise<void> | null = null;
	#writing: Promise<void> | null = null;
	#failures = 0;
	/** A write ended since the last `onStored`. */
	#wrote = false;

	constructor(opts: IntakeOptions) {
		this.#opts = opts;
	}

	/** Writes that failed since creation (the catch-up must not move lastSeq past them). */
	get failures(): number {
		return this.#failures;
	}

	/** Whether `docId` was taken and is not stored yet. */
	holds(docId: DocId): boolean {
		return this.#unsettled.has(docId);
	}

	take(docId: DocId, update: Uint8Array, summary?: ContactSummary): void {
		this.#discarded.delete(docId);
		this.#queue.push(summary ? { docId, update, summary } : { docId, update });
		this.#unsettled.set(docId, (this.#unsettled.get(docId) ?? 0) + 1);
		this.#decoding ??= this.#decode().finally(() => {
			this.#decoding = null;
			this.#idle();
		});
	}

	discard(docId: DocId): void {
		if (!this.#unsettled.has(docId)) return;
		const before = this.#queue.length;
		this.#queue = this.#queue.filter((i) => i.docId !== docId);
		this.#release(docId, before - this.#queue.length);
		if (this.#unsettled.has(docId)) this.#discarded.add(docId);
	}

	/** Resolves once everything taken so far is stored (or failed). */
	async settled(): Promise<void> {
		while (this.#decoding || this.#writing) await (this.#decoding ?? this.#writing);
	}

	/** Decodes the queue in slices of `budgetMs`, giving the event loop a turn after each. */
	async #decode(): Promise<void> {
		const budget = this.#opts.budgetMs ?? 12;
		while (this.#queue.length > 0) {
			const started = performance.now();
			let i = 0;
			for (; i < this.#queue.length; i++) {
				if ((i & 7) === 7 && performance.now() - started > budget) break;
				const item = this.#queue[i]!;
				// A summary that came with the update joins the book as an increment once stored (`#store`).
				const s = item.summary ? null : this.#opts.summaryKnown?.(item.docId) ? null : summaryOf(item);
				if (s === undefined) this.#release(item.docId, 1);
				else {
					this.#decoded.push(item);
					if (s) this.#summaries.set(item.docId, s);
				}
			}
			this.#queue = this.#queue.slice(i);
			this.#write();
			await nextTask();
		}
	}

	/**
	 * One write in flight at a time, taking everything decoded since the last one began (group
	 * commit): while storage is busy the next batch grows, so a fast network and a slow disk
	 * meet in a few large transactions rather than many small ones.
	 */
	#write(): void {
		if (this.#writing || this.#decoded.length === 0) return;
		const taken = this.#decoded;
		const summaries = this.#summaries;
		this.#decoded = [];
		this.#summaries = new Map();
		this.#writing = this.#store(taken, summaries).finally(() => {
			this.#writing = null;
			this.#wrote = true;
			this.#write();
			this.#idle();
		});
	}

	/** Tells `onStored` once all that was taken is stored and something was. */
	#idle(): void {
		if (this.#decoding || this.#writing || !this.#wrote) return;
		this.#wrote = false;
		this.#opts.onStored?.();
	}

	async #store(taken: IntakeItem[], summaries: Map<DocId, ContactSummary>): Promise<void> {
		// Revoked after decoding: its deletion already ran, so not a byte of it may be written after
		// it. (The transaction starts synchronously below, so a later revocation deletes after it.)
		const batch: IntakeItem[] = [];
		for (const item of taken) {
			if (this.#discarded.has(item.docId)) this.#release(item.docId, 1);
			else batch.push(item);
		}
		if (batch.length === 0) return;
		let ok = true;
		try {
			await this.#opts.store.appendUpdates(batch);
		} catch {
			ok = false;
			this.#failures++;
		}
		const fresh: ContactSummary[] = [];
		const given: ContactSummary[] = [];
		const stored: DocId[] = [];
		const { registry } = this.#opts;
		for (const item of batch) {
			const dropped = this.#discarded.has(item.docId);
			this.#release(item.docId, 1);
			if (!ok || dropped) continue;
			stored.push(item.docId);
			if (registry.held(item.docId)) {
				void registry.get(item.docId).then(
					(doc: YDoc) => applyUpdate(doc, item.update, remoteOrigin(this.#opts.origin)),
					() => undefined
				);
				continue;
			}
			if (item.summary) given.push(item.summary);
			const s = summaries.get(item.docId);
			if (s) fresh.push(s);
		}
		if (ok) this.#opts.summaries.putMany(fresh);
		// A reconnect's few changed summaries are increments, not a snapshot of every summary.
		if (ok) for (const s of given) this.#opts.summaries.put(s);
		if (ok) for (const docId of stored) this.#opts.onDocStored?.(docId);
	}

	#release(docId: DocId, n: number): void {
		if (n <= 0) return;
		const left = (this.#unsettled.get(docId) ?? 0) - n;
		if (left > 0) this.#unsettled.set(docId, left);
		else {
			this.#unsettled.delete(docId);
			this.#discarded.delete(docId);
		}
	}
}

/**
 * The summary of a contact document from its update alone; null for another kind of document;
 * undefined when the update does not decode (it is not stored, as on the one-by-one path).
 */
function summaryOf(item: IntakeItem): ContactSummary | null | undefined {
	const parsed = parseDocId(item.docId);
	const doc = createDoc(item.docId);
	try {
		applyUpdate(doc, item.update, remoteOrigin());
		return parsed?.kind === 'contact' ? summarize(parsed.contactId, doc) : null;
	} catch {
		return undefined;
	} finally {
		doc.destroy();
	}
}

/** Gives the event loop a turn (input, rendering, socket frames) before the next batch. */
function nextTask(): Promise<void> {
	const s = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
	if (typeof s?.yield === 'function') return s.yield();
	return new Promise((resolve) => setTimeout(resolve, 0));
}
