/**
 * The pending queue: local updates the server has not acknowledged yet (ARCHITECTURE
 * "Acknowledgement", SPEC S9.5).
 *
 * Invariants:
 * - An update is written to the store (its document log and the pending table, in one
 *   transaction) before anything is sent; `add` resolves only then.
 * - Every update carries a client-made id, the idempotency key on the wire: a resend after a
 *   lost ack is stored once by the server. An update stays pending until an ACK names it.
 * - On (re)connect everything pending is sent again, grouped per document and merged into as few
 *   frames as the size limit allows (a merged frame's id is derived from its members, and its
 *   ACK acknowledges every member), so 1,000 offline edits of a few contacts cost a few frames,
 *   well under the server's per-connection rate limit.
 * - A pending update of another tab of the same user (same database) is sent too: the server
 *   stores it once whichever tab's frame arrives first.
 * - What the UI counts is user actions (issue 17: three replies are 3, whatever number of
 *   updates they made; draft keystrokes and read marks are not actions), and each thread entry an
 *   action added has its own state: `queued` on this device, `sending` (in a frame on the
 *   connection), or `failed` (refused, waiting for a retry).
 */
import { mergeUpdates } from '../doc/encoding';
import { newId } from '../domain/ids';
import type { DocId } from '../domain/types';
import { MAX_UPDATE_BYTES } from '../protocol/limits';
import type { ClientStore, PendingUpdate } from '../storage/store';

export type SendUpdate = (docId: DocId, updateId: string, update: Uint8Array) => boolean;

/** The pending state of one thread entry written here; an entry not pending has none. */
export type EntryPending = 'queued' | 'sending' | 'failed';

/** What a local update belongs to: the user action, and the thread entries it added. */
export interface UpdateTag {
	action: string;
	entries: string[];
}

export interface PendingQueueOptions {
	/** Largest merged update sent in one frame. */
	maxBatchBytes?: number;
	now?: () => number;
}

export class PendingQueue {
	readonly #store: ClientStore;
	readonly #maxBatchBytes: number;
	readonly #now: () => number;
	/** Pending ids known to this tab, with their tag (none for background writes). */
	readonly #ids = new Map<string, Pick<PendingUpdate, 'action' | 'entries'>>();
	/** Frames the server refused for now (member ids), until they are sent again. */
	readonly #refused = new Set<string>();
	/** Frames sent on the current connection and not acked yet: frame id -> member ids. */
	readonly #inflight = new Map<string, string[]>();
	readonly #listeners = new Set<(actions: number) => void>();
	#flushing: Promise<unknown> = Promise.resolve();

	constructor(store: ClientStore, opts: PendingQueueOptions = {}) {
		this.#store = store;
		this.#maxBatchBytes = opts.maxBatchBytes ?? MAX_UPDATE_BYTES;
		this.#now = opts.now ?? Date.now;
	}

	/** Updates not acknowledged yet. */
	get count(): number {
		return this.#ids.size;
	}

	/** User actions with an update not acknowledged yet (the count the UI shows). */
	get actions(): number {
		const actions = new Set<string>();
		for (const t of this.#ids.values()) if (t.action !== undefined) actions.add(t.action);
		return actions.size;
	}

	/** The state of every thread entry a pending action added. */
	entryStates(): Map<string, EntryPending> {
		const flying = new Set<string>();
		for (const members of this.#inflight.values()) for (const id of members) flying.add(id);
		const out = new Map<string, EntryPending>();
		for (const [id, t] of this.#ids) {
			if (!t.entries) continue;
			const state: EntryPending = this.#refused.has(id) ? 'failed' : flying.has(id) ? 'sending' : 'queued';
			for (const e of t.entries) out.set(e, state);
		}
		return out;
	}

	/** Re-reads the pending table (startup, or another tab changed it). */
	async refresh(): Promise<void> {
		const all = await this.#store.listPending();
		this.#ids.clear();
		for (const p of all) this.#ids.set(p.updateId, tagOf(p));
		this.#emit();
	}

	/**
	 * Persists a local update of `docId` and queues it; resolves once it is stored. `tag`: the
	 * user action it belongs to (none for background writes).
	 */
	async add(docId: DocId, update: Uint8Array, tag?: UpdateTag): Promise<PendingUpdate> {
		const p: PendingUpdate = { updateId: newId(), docId, update, createdAt: this.#now() };
		if (tag) {
			p.action = tag.action;
			if (tag.entries.length > 0) p.entries = tag.entries;
		}
		await this.#store.appendLocalUpdate(p);
		this.#ids.set(p.updateId, tagOf(p));
		this.#emit();
		return p;
	}

	/**
	 * Sends every stored pending update not already in flight on this connection, merged per
	 * document. Returns the number of frames sent; stops at the first refused send.
	 */
	flush(send: SendUpdate): Promise<number> {
		// One flush at a time: two at once (the connection came online, then WELCOME) would both
		// read the table before either marked anything in flight, and send every update twice.
		const run = this.#flushing.then(() => this.#flush(send));
		this.#flushing = run.catch(() => 0);
		return run;
	}

	async #flush(send: SendUpdate): Promise<number> {
		const all = await this.#store.listPending();
		const flying = new Set<string>();
		for (const members of this.#inflight.values()) for (const id of members) flying.add(id);
		const byDoc = new Map<DocId, PendingUpdate[]>();
		for (const p of all) {
			if (!this.#ids.has(p.updateId)) this.#ids.set(p.updateId, tagOf(p));
			if (flying.has(p.updateId)) continue;
			let list = byDoc.get(p.docId);
			if (!list) byDoc.set(p.docId, (list = []));
			list.push(p);
		}
		this.#emit();
		let frames = 0;
		for (const [docId, list] of byDoc) {
			for (const batch of this.#batches(list)) {
				const frameId = batchId(batch);
				const update = batch.length === 1 ? batch[0]!.update : mergeUpdates(batch.map((p) => p.update));
				if (!send(docId, frameId, update)) {
					this.#emit();
					return frames;
				}
				this.#inflight.set(
					frameId,
					batch.map((p) => p.updateId)
				);
				for (const p of batch) this.#refused.delete(p.updateId);
				frames++;
			}
		}
		if (frames > 0) this.#emit();
		return frames;
	}

	/**
	 * The server stored the frame `frameId` durably: forget its members. Unknown ids (an ack of a
	 * frame another tab sent, or a repeated ack) are acked as single updates, which is a no-op
	 * when the store does not hold them.
	 */
	async ack(frameId: string): Promise<number> {
		const members = this.#inflight.get(frameId) ?? [frameId];
		this.#inflight.delete(frameId);
		await this.#store.ackPending(members);
		let n = 0;
		for (const id of members) {
			this.#refused.delete(id);
			if (this.#ids.delete(id)) n++;
		}
		this.#emit();
		return n;
	}

	/**
	 * The server refused the frame `frameId` for now (rate limited): its members are no longer in
	 * flight, so the next flush sends them again. True when the frame was this tab's.
	 */
	release(frameId: string): boolean {
		const members = this.#inflight.get(frameId);
		if (!members) return false;
		this.#inflight.delete(frameId);
		for (const id of members) this.#refused.add(id);
		this.#emit();
		return true;
	}

	/** The connection closed: nothing is in flight any more; the next flush resends it all. */
	resetInflight(): void {
		this.#inflight.clear();
		this.#emit();
	}

	/** Forgets ids of a document deleted locally (revoked: its pending updates went with it). */
	forgetDoc(ids: Iterable<string>): void {
		for (const id of ids) this.#ids.delete(id);
		this.#emit();
	}

	/** Called with the number of pending actions on every change of the queue or its states. */
	subscribe(listener: (actions: number) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	#emit(): void {
		if (this.#listeners.size === 0) return;
		const n = this.actions;
		for (const l of this.#listeners) l(n);
	}

	*#batches(list: PendingUpdate[]): Generator<PendingUpdate[]> {
		let batch: PendingUpdate[] = [];
		let bytes = 0;
		for (const p of list) {
			if (batch.length > 0 && bytes + p.update.length > this.#maxBatchBytes) {
				yield batch;
				batch = [];
				bytes = 0;
			}
			batch.push(p);
			bytes += p.update.length;
		}
		if (batch.length > 0) yield batch;
	}
}

/**
 * The wire id of a frame: the update's own id for one update; for a merge, derived from its
 * members (first, last, count) so a resend of the same batch carries the same id.
 */
function batchId(batch: readonly PendingUpdate[]): string {
	if (batch.length === 1) return batch[0]!.updateId;
	const first = batch[0]!.updateId.slice(0, 24);
	const last = batch[batch.length - 1]!.updateId.slice(0, 24);
	return `${first}_${last}_${batch.length}`.slice(0, 64);
}

function tagOf(p: PendingUpdate): Pick<PendingUpdate, 'action' | 'entries'> {
	return { ...(p.action !== undefined ? { action: p.action } : {}), ...(p.entries !== undefined ? { entries: p.entries } : {}) };
}
