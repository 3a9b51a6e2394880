/** Store role: the outbox of outgoing channel messages (`channels/outbox.ts`). */
import type { DocId } from '../../../src/lib/domain/types';

export type OutboxState = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

/**
 * One outgoing message of a webhook channel, written before the first POST. `pending` rows are
 * (re)tried when `nextAt` has passed, always with the entry id as the Idempotency-Key.
 */
export interface OutboxRow {
	docId: DocId;
	entryId: string;
	channelId: string;
	/** The JSON body to POST. */
	payload: string;
	state: OutboxState;
	attempts: number;
	nextAt: number;
	lastError: string | null;
	createdAt: number;
	updatedAt: number;
}

export type OutboxPatch = Partial<Pick<OutboxRow, 'state' | 'attempts' | 'nextAt' | 'lastError' | 'updatedAt'>>;

export interface ChannelOutbox {
	/** Inserts the row unless the (docId, entryId) is there; true when inserted. Durable on resolve. */
	enqueueOutbox(row: OutboxRow): Promise<boolean>;
	getOutbox(docId: DocId, entryId: string): Promise<OutboxRow | null>;
	/** The row of an entry id on a channel (status callbacks name only the entry id). */
	findOutbox(channelId: string, entryId: string): Promise<OutboxRow | null>;
	/** Pending rows whose `nextAt` has passed, oldest first. */
	dueOutbox(now: number, limit: number): Promise<OutboxRow[]>;
	/** The earliest `nextAt` of a pending row, or null. */
	nextOutboxAt(): Promise<number | null>;
	updateOutbox(docId: DocId, entryId: string, patch: OutboxPatch): Promise<void>;
	/**
	 * Takes a due pending row for one dispatch: moves its `nextAt` from `seenNextAt` (as read by
	 * `dueOutbox`) to `until`, in one conditional write. True for exactly one of any number of
	 * concurrent callers (processes included); the others must not POST. A claimant that dies
	 * leaves the row due again at `until`.
	 */
	claimOutbox(docId: DocId, entryId: string, seenNextAt: number, until: number): Promise<boolean>;
}
