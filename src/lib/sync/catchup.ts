/**
 * One catch-up: the documents WELCOME listed, asked for with SYNC step 1 through a window of at
 * most `window` unanswered requests, so the server holds a bounded number of documents open for
 * this connection (it refuses past its per-connection cap) and its answers arrive at the pace
 * they are taken in, whatever the number of documents (a first login lists every one).
 *
 * A request is answered by the document's step 2, or ends without one when the document is
 * revoked or forbidden meanwhile (`settle`); either frees a slot for the next request. A request
 * the server rate-limited is asked again after the others (`retry`). Documents
 * not stored here (`fresh`) are asked for from an empty state vector without being loaded, and
 * their step 2 goes to the bulk intake.
 */
import type { DocId } from '../domain/types';

/** Requests of one catch-up in flight at once. */
export const CATCH_UP_WINDOW = 256;

export interface CatchUpStats {
	/** Documents WELCOME listed as changed. */
	changed: number;
	/** Documents that ran sync step 1/2 in this catch-up. */
	synced: number;
	revoked: number;
	full: boolean;
}

export class CatchUp {
	readonly stats: CatchUpStats;
	/** Intake failures counted before this catch-up (it must not move lastSeq past a new one). */
	readonly intakeFailuresBefore: number;
	readonly #queue: DocId[];
	#window: number;
	readonly #inflight = new Set<DocId>();
	#fresh: ReadonlySet<DocId> = new Set();
	#request: (docId: DocId, fresh: boolean, urgent: boolean) => void = () => undefined;
	#next = 0;
	/** While it says true, no new request of a fresh document starts (the user is busy: issue 26). */
	#hold: () => boolean = () => false;
	/** Asked for out of turn (`prioritize`): skipped when their turn comes. */
	readonly #asked = new Set<DocId>();
	#answered = 0;

	constructor(opts: { changed: readonly DocId[]; revoked: number; full: boolean; intakeFailures: number; window?: number }) {
		this.stats = { changed: opts.changed.length, synced: 0, revoked: opts.revoked, full: opts.full };
		this.intakeFailuresBefore = opts.intakeFailures;
		this.#queue = [...opts.changed];
		this.#window = opts.window ?? CATCH_UP_WINDOW;
	}

	/**
	 * Starts asking: `fresh` are the listed documents not stored here. `request` gets `urgent`
	 * for a document asked for out of turn (`prioritize`); the others may be sent in batches.
	 */
	begin(fresh: ReadonlySet<DocId>, request: (docId: DocId, fresh: boolean, urgent: boolean) => void, hold?: () => boolean): void {
		this.#fresh = fresh;
		this.#request = request;
		if (hold) this.#hold = hold;
		this.pump();
	}

	/** Sends requests until the window is full or every document was asked for. */
	pump(): void {
		while (this.#inflight.size < this.#window && this.#next < this.#queue.length) {
			const id = this.#queue[this.#next]!;
			if (this.#asked.has(id)) {
				this.#next++;
				continue;
			}
			if (this.#fresh.has(id) && this.#hold()) return;
			this.#next++;
			this.#inflight.add(id);
			this.#request(id, this.#fresh.has(id), false);
		}
	}

	/** Asks for up to `window` documents at once from now on (documents sent in batches: issue 26). */
	resize(window: number): void {
		this.#window = Math.max(1, window);
	}

	/** Documents answered so far (step 2 received or settled). */
	get answeredCount(): number {
		return this.#answered;
	}

	/**
	 * Asks for `docId` now, ahead of its turn and past the window (a conversation opened before
	 * its document arrived). False when it is not waiting (asked already, or not listed).
	 */
	prioritize(docId: DocId): boolean {
		if (this.#inflight.has(docId) || this.#asked.has(docId)) return false;
		const at = this.#queue.indexOf(docId, this.#next);
		if (at < 0) return false;
		this.#asked.add(docId);
		this.#inflight.add(docId);
		this.#request(docId, this.#fresh.has(docId), true);
		return true;
	}

	/**
	 * A step 2 of `docId` arrived. Returns whether it answers a request of this catch-up for a
	 * document not stored here (the caller hands it to the intake).
	 */
	answered(docId: DocId): { ours: boolean; fresh: boolean } {
		if (!this.#inflight.delete(docId)) return { ours: false, fresh: false };
		this.stats.synced++;
		this.#answered++;
		this.pump();
		return { ours: true, fresh: this.#fresh.has(docId) };
	}

	/** `docId` will get no step 2 (revoked, or forbidden): free its slot. */
	settle(docId: DocId): void {
		if (this.#inflight.delete(docId)) {
			this.#answered++;
			this.pump();
		}
	}

	/** The server asked to slow down for `docId`: ask again after the others. */
	retry(docId: DocId): void {
		if (!this.#inflight.delete(docId)) return;
		this.#asked.delete(docId);
		this.#queue.push(docId);
		this.pump();
	}
}
