/**
 * The server's storage interface. One `Store` holds one workspace: its document updates, its
 * login records, refresh tokens, channel secrets and a small key/value meta table.
 *
 * Invariants every adapter keeps (checked by `contract.ts`):
 * - Every appended update gets a sequence number from one monotonic counter per workspace; a
 *   number is never reused, even after compaction or a restart.
 * - `appendUpdate` resolves only once the update is durable (the server acks after it): it
 *   survives a crash of the process, and unless it is `replicated` (see AppendOptions) power
 *   loss too.
 * - An update carrying an `updateId` already stored for that document is not stored again; the
 *   append resolves with the original sequence number and `duplicate: true`.
 * - `changedSince(seq)` lists each document whose newest stored update is after `seq`, with that
 *   newest number. Compaction keeps the newest number of the document, so it never hides a change.
 * - Refresh tokens are stored only as hashes.
 *
 * The interface is async so that a networked database (PostgreSQL) fits behind it.
 */
import type { AccessIndex } from './access-index';
import type { AdminRecords } from './admin-records';
import type { AuthStore } from './auth-store';
import type { ChannelOutbox } from './channel-outbox';
import type { ChannelRecords } from './channel-records';
import type { ChannelSecrets } from './channel-secrets';
import type { Leases } from './leases';
import type { MetaStore } from './meta-store';
import type { UpdateLog } from './update-log';
import type { WorkflowStore } from './workflow-store';

export type { AppendOptions, AppendResult, ChangedDoc, ChangeFeed, CompactResult, MergeUpdates, StoredDoc, StoredUpdate, UpdateLog } from './update-log';
export type { AccessIndex, DocAccess } from './access-index';
export type { AuthStore, RefreshTokenRecord, UserAuth } from './auth-store';
export type { ChannelSecrets } from './channel-secrets';
export type { ChannelRecords, ContactKey, InboundRecord, VisitorSession } from './channel-records';
export type { ChannelOutbox, OutboxPatch, OutboxRow, OutboxState } from './channel-outbox';
export type { MetaStore } from './meta-store';
export type { AdminRecords, AuditEvent, LinkKind, LinkRecord } from './admin-records';
export type { Leases } from './leases';
export type { WorkflowStore, StoredRun, RunPatch, RunQuery, WorkflowState, Occurrence } from './workflow-store';

/** The workflow role, made over the adapter's own connection (`workflow-store.ts`). */
export interface WorkflowStoreSource {
	workflowStore(): WorkflowStore;
}

/** Opening and closing an adapter. */
export interface StoreLifecycle {
	readonly kind: string;
	migrate(): Promise<void>;
	close(): Promise<void>;
}

/**
 * The whole store, as the wiring (`server.ts`) opens it: the intersection of its roles, one file
 * each. Every other module receives only the roles it uses.
 */
export type Store = StoreLifecycle & UpdateLog & AccessIndex & AuthStore & ChannelSecrets & ChannelRecords & ChannelOutbox & MetaStore & Leases & AdminRecords & WorkflowStoreSource;
