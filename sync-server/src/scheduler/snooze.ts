/**
 * The server wakes snoozed contacts when their time comes (SPEC S7.4, S7.5), whether or not
 * anyone is online, and after a restart.
 *
 * Invariant: every stored contact document whose state is `snoozed` has its wake time in
 * `until` (and a pair in the heap); one timer is armed for the earliest.
 * - Live: `afterApply` (a write hook, `write-hooks.ts`) runs after every stored update (as
 *   the channels' watch) and re-reads the document's state: snoozed -> (re)schedule, anything
 *   else -> forget. A user's re-snooze, manual unsnooze, close or block needs nothing more.
 * - Restart: the index is persisted in meta `snooze.index` ({docId: until}); documents changed
 *   after `snooze.checkpoint` are re-read on start. The checkpoint is a head seq read while no
 *   write was in flight and no update was seen since the index snapshot that is stored with it,
 *   so every update after it is re-read (the argument of `channels/watch.ts`).
 * - Seeded: the seed (`workspace.ts`) reads each document it builds with `snoozeOf`, the rule
 *   `read` applies, and stores the index and the checkpoint at its head (`recordSeededSnoozes`),
 *   so a seeded store's first start decodes no document for it (issue 26).
 * - Wake: one server change per contact through `rooms.applyServerChange`, which runs in the
 *   room's write chain and re-reads the state there: it applies the domain's `wake(state, now,
 *   'system')` only if the contact is still due, so a concurrent unsnooze or re-snooze by a user
 *   wins and no second `woken` is written. The `woken` event (source `system`) is what the
 *   assignees' notification center derives its wake-up notices from (S7.5).
 * Several processes: every process keeps the index (remote updates reach its rooms); only the
 * holder of the scheduler lease wakes, and a new holder runs what is due at once (`rearm`).
 * Time comes from an injectable clock; the timer is re-armed at least every `maxDelayMs`, so a
 * clock that jumps (or a test clock) is followed within that delay, and `rearm()` at once.
 */
import { contactDoc, serverOrigin, storageOrigin } from '../../../src/lib/doc';
import { dueForWake, isActionError, wake } from '../../../src/lib/domain/actions';
import { newId, parseDocId } from '../../../src/lib/domain/ids';
import type { DocId } from '../../../src/lib/domain/types';
import type { ChangeFeed, MetaStore } from '../persistence/store';
import type { Rooms } from '../rooms';
import type { AppliedUpdate, DocView, WriteHook } from '../write-hooks';
import { MinHeap } from './heap';

const INDEX_KEY = 'snooze.index';
const CHECKPOINT_KEY = 'snooze.checkpoint';
/** The author of the `woken` events the server writes. */
export const SNOOZE_AUTHOR = { type: 'system', id: 'snooze' } as const;

export interface SnoozeSchedulerOptions {
	store: ChangeFeed & MetaStore;
	rooms: Rooms;
	clock: () => number;
	log: (message: string) => void;
	/** Longest wait before the clock is read again (default 60 s). */
	maxDelayMs?: number;
	/** Wait before retrying a wake whose write failed (default 5 s). */
	retryMs?: number;
	/** Several processes: only the lease's holder wakes contacts (`lease.ts`); all keep the index. */
	lease?: { readonly held: boolean };
}

/** When a contact with this state is due to wake (`-Infinity`: at once), or null when it is not snoozed. */
export function snoozeOf(state: { status: string; snoozeUntil: number | null }): number | null {
	// A snooze without a time is due at once (the domain's `dueForWake`), never stuck.
	return state.status === 'snoozed' ? (state.snoozeUntil ?? -Infinity) : null;
}

/** The stored index (meta `snooze.index`): {docId: until}, null for "due at once". */
function indexJson(until: Iterable<readonly [DocId, number]>): string {
	const out: Record<string, number | null> = {};
	for (const [docId, at] of until) out[docId] = Number.isFinite(at) ? at : null;
	return JSON.stringify(out);
}

/** The seed's record of the snoozed contacts among the documents it stored up to `head` (`snoozeOf` of each). */
export async function recordSeededSnoozes(store: MetaStore, until: Iterable<readonly [DocId, number]>, head: number): Promise<void> {
	await store.setMeta(INDEX_KEY, indexJson(until));
	await store.setMeta(CHECKPOINT_KEY, String(head));
}

export class SnoozeScheduler implements WriteHook {
	private readonly until = new Map<DocId, number>();
	private readonly heap = new MinHeap<DocId>();
	private readonly waking = new Set<DocId>();
	private timer: NodeJS.Timeout | null = null;
	private armedFor = Infinity;
	/** Bumped by every `onApplied` (the checkpoint's "nothing seen since the snapshot"). */
	private seen = 0;
	private dirty = false;
	private saving: Promise<void> | null = null;
	private running = false;
	private closed = false;
	private stopping = false;
	/** Wakes in flight (close waits for them). */
	private readonly inflight = new Set<Promise<unknown>>();

	constructor(private readonly opts: SnoozeSchedulerOptions) {}

	/** Contacts scheduled now, by document id (tests and diagnostics). */
	scheduled(): ReadonlyMap<DocId, number> {
		return this.until;
	}

	/** Loads the index, re-reads the documents changed since the checkpoint, wakes what is due. */
	async start(): Promise<void> {
		const { store } = this.opts;
		const raw = await store.getMeta(INDEX_KEY);
		if (raw) {
			try {
				const parsed = JSON.parse(raw) as Record<string, unknown>;
				for (const [docId, at] of Object.entries(parsed)) if (typeof at === 'number' || at === null) this.set(docId as DocId, at ?? -Infinity);
			} catch {
				this.opts.log('snooze: unreadable index, rebuilding from every contact');
				await store.setMeta(CHECKPOINT_KEY, '0');
			}
		}
		const checkpoint = raw ? Number((await store.getMeta(CHECKPOINT_KEY)) ?? 0) : 0;
		for (const { docId } of await store.changedSince(checkpoint)) {
			if (parseDocId(docId)?.kind !== 'contact') continue;
			const live = this.opts.rooms.view(docId);
			if (live) {
				this.onApplied(live);
				continue;
			}
			const stored = await store.loadDoc(docId);
			if (!stored) continue;
			const ydoc = this.opts.rooms.readStored(docId, stored.updates);
			if (!ydoc) continue;
			this.read(docId, contactDoc(ydoc, storageOrigin()).state.get());
			ydoc.destroy();
		}
		this.dirty = true;
		await this.save();
		await this.runDue();
	}

	/** Write hook: called after every stored update of a document. */
	afterApply({ doc }: AppliedUpdate): void {
		this.onApplied(doc);
	}

	private onApplied(doc: DocView): void {
		if (this.closed || parseDocId(doc.docId)?.kind !== 'contact') return;
		this.seen++;
		this.read(doc.docId, doc.contact.state.get());
	}

	/** Re-reads the clock and re-arms the timer (after a clock jump; tests). */
	rearm(): void {
		this.armedFor = Infinity;
		void this.runDue();
	}

	/** Wakes every contact due now; resolves once their changes are stored. */
	async runDue(): Promise<number> {
		if (this.closed || this.stopping) return 0;
		if (this.running) return 0;
		if (this.opts.lease && !this.opts.lease.held) return 0;
		this.running = true;
		let n: number;
		try {
			const now = this.opts.clock();
			const due: DocId[] = [];
			for (let top = this.heap.peek(); top && top.at <= now; top = this.heap.peek()) {
				this.heap.pop();
				if (this.until.get(top.key) === top.at && !this.waking.has(top.key)) due.push(top.key);
			}
			const results = await Promise.all(due.map((docId) => this.wakeOne(docId, now)));
			n = results.filter(Boolean).length;
		} finally {
			this.running = false;
		}
		this.arm();
		return n;
	}

	/** Stops the timer, lets wakes in flight finish and stores the index with a checkpoint. */
	async close(): Promise<void> {
		this.stopping = true;
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		await Promise.allSettled([...this.inflight]);
		await this.saving;
		this.dirty = true;
		await this.save();
		this.closed = true;
	}

	private read(docId: DocId, state: { status: string; snoozeUntil: number | null }): void {
		const at = snoozeOf(state);
		if (at !== null) {
			if (this.until.get(docId) === at) return;
			this.set(docId, at);
		} else {
			if (!this.until.has(docId)) return;
			this.until.delete(docId);
		}
		this.dirty = true;
		void this.save();
		this.arm();
	}

	private set(docId: DocId, at: number): void {
		this.until.set(docId, at);
		this.heap.push({ at, key: docId });
	}

	private async wakeOne(docId: DocId, now: number): Promise<boolean> {
		this.waking.add(docId);
		const job = this.opts.rooms.applyServerChange(docId, (ydoc) => {
			const c = contactDoc(ydoc, serverOrigin());
			const state = c.state.get();
			if (!dueForWake(state, now)) return;
			const result = wake(state, now, 'system');
			if (isActionError(result)) return;
			c.applyAction(result, SNOOZE_AUTHOR, now, newId);
		});
		this.inflight.add(job);
		try {
			const res = await job;
			return res !== null;
		} catch (err) {
			this.opts.log(`snooze: waking ${docId} failed, retrying: ${String(err)}`);
			// Retried later: the in-memory time moves; the document (and so the index) keeps its own.
			if (this.until.has(docId)) this.set(docId, now + (this.opts.retryMs ?? 5000));
			return false;
		} finally {
			this.inflight.delete(job);
			this.waking.delete(docId);
		}
	}

	/** Arms one timer for the earliest wake (dropping stale heap pairs on the way). */
	private arm(): void {
		if (this.closed || this.stopping) return;
		let top = this.heap.peek();
		while (top && this.until.get(top.key) !== top.at) {
			this.heap.pop();
			top = this.heap.peek();
		}
		if (!top) {
			if (this.timer) clearTimeout(this.timer);
			this.timer = null;
			this.armedFor = Infinity;
			return;
		}
		if (this.timer && top.at >= this.armedFor) return;
		if (this.timer) clearTimeout(this.timer);
		const wait = Math.max(0, Math.min(top.at - this.opts.clock(), this.opts.maxDelayMs ?? 60_000));
		this.armedFor = top.at;
		this.timer = setTimeout(() => {
			this.timer = null;
			this.armedFor = Infinity;
			void this.runDue();
		}, wait);
		this.timer.unref();
	}

	/** Persists the index and, when it is safe, the checkpoint (see the module comment). */
	private save(): Promise<void> {
		if (this.saving) return this.saving;
		this.saving = (async () => {
			try {
				while (this.dirty && !this.closed) {
					this.dirty = false;
					const quiet = this.opts.rooms.inflightCount === 0;
					const seenAtSnapshot = this.seen;
					const snapshot = indexJson(this.until);
					const head = quiet ? await this.opts.store.headSeq() : null;
					await this.opts.store.setMeta(INDEX_KEY, snapshot);
					if (head !== null && this.seen === seenAtSnapshot && this.opts.rooms.inflightCount === 0) {
						await this.opts.store.setMeta(CHECKPOINT_KEY, String(head));
					}
				}
			} catch (err) {
				this.opts.log(`snooze: saving the index failed: ${String(err)}`);
			} finally {
				this.saving = null;
			}
		})();
		return this.saving;
	}
}
