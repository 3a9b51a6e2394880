/**
 * Store role: the update log. Every document's Yjs updates, stamped with one monotonic sequence
 * number per workspace (see `store.ts` for the invariants every adapter keeps). `ChangeFeed` is
 * its read side, all that the watchers (visibility, snooze, channels) and the catch-up need.
 */
import type { DocId } from '../../../src/lib/domain/types';

/**
 * How an append must survive. `replicated`: the writer keeps its own copy (an agent's update is
 * in that browser's replica), so surviving a crash of the server process is enough and the
 * append need not wait for the disk to flush. Without it the update exists nowhere else (a
 * customer's message from a channel, a server-written event) and must also survive power loss
 * or an OS crash before the append resolves.
 */
export interface AppendOptions {
	replicated?: boolean;
	/**
	 * The document's newest stored seq the writer's state is current to (0: none stored): the
	 * store as the arbiter of writers in several processes (see `rooms.ts`). When another write
	 * moved the document past it, `catchUp` is called with the rows the writer lacks, while the
	 * store still excludes every other writer; it brings the writer's state up to date and says
	 * whether the update may still be stored (validation against the current state). Without
	 * `catchUp`, or when it says no, nothing is written and the result has `conflict: true`.
	 */
	expectDocSeq?: number;
	catchUp?: (rows: StoredUpdate[]) => boolean;
}

export interface AppendResult {
	seq: number;
	/** True when the updateId was already stored: nothing was written. */
	duplicate: boolean;
	/** True when the document moved past `expectDocSeq` and `catchUp` did not allow the append: nothing was written, `seq` is 0. */
	conflict?: boolean;
}

/** One stored update row of a document, with its sequence number. */
export interface StoredUpdate {
	seq: number;
	update: Uint8Array;
}

export interface StoredDoc {
	updates: Uint8Array[];
	/** Sequence number of the newest stored update of the document. */
	seq: number;
}

export interface ChangedDoc {
	docId: DocId;
	seq: number;
}

/** Merges a document's updates into one (the doc layer's helper). */
export type MergeUpdates = (updates: Uint8Array[]) => Uint8Array;

export interface CompactResult {
	/** Number of update rows replaced by one merged row. */
	merged: number;
	seq: number;
}

/** The read side of the update log: what changed since a number, and a document's updates. */
export interface ChangeFeed {
	/**
	 * True when `seq` may have been handed out before an unclean stop (power loss, OS crash) and
	 * lost with the commits that did not reach the disk: a client that saw it must not be caught
	 * up from it (it syncs in full). Numbers in such a range are never handed out again.
	 */
	seqMayBeLost(seq: number): Promise<boolean>;
	loadDoc(docId: DocId): Promise<StoredDoc | null>;
	/** The document's stored rows with a seq above `afterSeq`, in order (a merged row counts with its newest seq). */
	updatesSince(docId: DocId, afterSeq: number): Promise<StoredUpdate[]>;
	changedSince(seq: number): Promise<ChangedDoc[]>;
	/** Newest sequence number of the workspace (0 when empty). */
	headSeq(): Promise<number>;
}

export interface UpdateLog extends ChangeFeed {
	appendUpdate(docId: DocId, update: Uint8Array, updateId?: string, options?: AppendOptions): Promise<AppendResult>;
	/** Sequence number at which the given updateId was stored, or null. */
	findUpdateId(docId: DocId, updateId: string): Promise<number | null>;
	/** Number of update rows stored for a document (compaction tells it apart). */
	countUpdates(docId: DocId): Promise<number>;
	/** Documents with more than `minUpdates` stored rows, most rows first. */
	docsNeedingCompaction(minUpdates: number, limit: number): Promise<DocId[]>;
	/** Replaces the document's stored updates by their merge, keeping the newest sequence number. */
	compact(docId: DocId, merge: MergeUpdates): Promise<CompactResult>;
}
