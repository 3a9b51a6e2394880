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
import type { ContactId, DocId, UserId } from '../../../src/lib/domain/types';

/**
 * How an append must survive. `replicated`: the writer keeps its own copy (an agent's update is
 * in that browser's replica), so surviving a crash of the server process is enough and the
 * append need not wait for the disk to flush. Without it the update exists nowhere else (a
 * customer's message from a channel, a server-written event) and must also survive power loss
 * or an OS crash before the append resolves.
 */
export interface AppendOptions {
	replicated?: boolean;
}

export interface AppendResult {
	seq: number;
	/** True when the updateId was already stored: nothing was written. */
	duplicate: boolean;
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

/** Who may see a contact, as last derived from its document (see `visibility.ts`). */
export interface DocAccess {
	docId: DocId;
	assigneeId: UserId | null;
	teamId: string | null;
	blocked: boolean;
	/** The document's sequence number this record was derived at. */
	seq: number;
}

/** Login record of a user; name, role and teams live in the directory document. */
export interface UserAuth {
	id: UserId;
	email: string;
	passwordHash: string;
	/** Bumped on password, role or restriction change, and deactivation: older access tokens stop working. */
	tokenVersion: number;
}

export interface RefreshTokenRecord {
	hash: string;
	userId: UserId;
	/** Tokens produced by rotating one login share a family; reuse of a rotated token revokes it. */
	familyId: string;
	expiresAt: number;
	revokedAt: number | null;
	/** Hash of the token that replaced this one on rotation. */
	replacedBy: string | null;
	/**
	 * The successor itself, sealed with a key derived from this token (which the server never
	 * stores): presented again within the rotation grace window, this token gets the same
	 * successor back (a lost refresh response is not theft). Set by `rotateRefreshToken`.
	 */
	successor?: string | null;
}

/** A web chat visitor's session: the token (stored as its hash) opens one contact's conversation on one channel. */
export interface VisitorSession {
	tokenHash: string;
	channelId: string;
	contactId: ContactId;
	/** The name the visitor gave (may be empty); used when their contact is created. */
	name: string;
	createdAt: number;
}

/** An inbound channel message, recorded once per (channelId, messageId): the sender's idempotency key. */
export interface InboundRecord {
	channelId: string;
	messageId: string;
	contactId: ContactId;
	entryId: string;
	/** True when this message created the contact. */
	createdContact: boolean;
	at: number;
}

/** A key that finds a contact: `phone`, `email`, or `ext:<channelId>` (the sender's external id). */
export interface ContactKey {
	kind: string;
	value: string;
}

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

/** Merges a document's updates into one (the doc layer's helper). */
export type MergeUpdates = (updates: Uint8Array[]) => Uint8Array;

export interface CompactResult {
	/** Number of update rows replaced by one merged row. */
	merged: number;
	seq: number;
}

export interface Store {
	readonly kind: string;
	migrate(): Promise<void>;

	appendUpdate(docId: DocId, update: Uint8Array, updateId?: string, options?: AppendOptions): Promise<AppendResult>;
	/**
	 * True when `seq` may have been handed out before an unclean stop (power loss, OS crash) and
	 * lost with the commits that did not reach the disk: a client that saw it must not be caught
	 * up from it (it syncs in full). Numbers in such a range are never handed out again.
	 */
	seqMayBeLost(seq: number): Promise<boolean>;
	/** Sequence number at which the given updateId was stored, or null. */
	findUpdateId(docId: DocId, updateId: string): Promise<number | null>;
	loadDoc(docId: DocId): Promise<StoredDoc | null>;
	changedSince(seq: number): Promise<ChangedDoc[]>;
	/** Newest sequence number of the workspace (0 when empty). */
	headSeq(): Promise<number>;
	/** Number of update rows stored for a document (compaction tells it apart). */
	countUpdates(docId: DocId): Promise<number>;
	/** Documents with more than `minUpdates` stored rows, most rows first. */
	docsNeedingCompaction(minUpdates: number, limit: number): Promise<DocId[]>;
	/** Replaces the document's stored updates by their merge, keeping the newest sequence number. */
	compact(docId: DocId, merge: MergeUpdates): Promise<CompactResult>;

	/** Upserts access records, all in one commit. */
	putAccess(records: readonly DocAccess[]): Promise<void>;
	listAccess(): Promise<DocAccess[]>;

	createUser(user: UserAuth): Promise<void>;
	getUserById(id: UserId): Promise<UserAuth | null>;
	getUserByEmail(email: string): Promise<UserAuth | null>;
	updateUser(id: UserId, patch: Partial<Omit<UserAuth, 'id'>>): Promise<void>;
	deleteUser(id: UserId): Promise<void>;

	insertRefreshToken(record: RefreshTokenRecord): Promise<void>;
	getRefreshToken(hash: string): Promise<RefreshTokenRecord | null>;
	/** Marks a token revoked (rotation sets `replacedBy`). Returns false when it was already revoked. */
	revokeRefreshToken(hash: string, at: number, replacedBy?: string): Promise<boolean>;
	revokeRefreshFamily(familyId: string, at: number): Promise<void>;
	revokeRefreshTokensOfUser(userId: UserId, at: number): Promise<void>;
	/**
	 * Rotation in one step: revokes `oldHash` (replaced by `next.hash`, keeping `sealedSuccessor`)
	 * and inserts `next`. False, with nothing written, when `oldHash` was already revoked.
	 */
	rotateRefreshToken(oldHash: string, at: number, next: RefreshTokenRecord, sealedSuccessor: string): Promise<boolean>;

	// Ended sessions (logout, refresh-token reuse): their access tokens are refused until `until`
	// (the longest an access token of theirs can live); entries past it are pruned.
	revokeSession(sessionId: string, until: number, now: number): Promise<void>;
	isSessionRevoked(sessionId: string, now: number): Promise<boolean>;

	setChannelSecret(channelId: string, secret: string): Promise<void>;
	getChannelSecret(channelId: string): Promise<string | null>;
	deleteChannelSecret(channelId: string): Promise<void>;

	// Channels (see sync-server/src/channels/): visitor sessions, inbound idempotency, the
	// contact lookup index and the outbound outbox.
	putVisitorSession(session: VisitorSession): Promise<void>;
	getVisitorSession(tokenHash: string): Promise<VisitorSession | null>;
	/** Stores the record unless one with its (channelId, messageId) exists; returns the stored one. */
	claimInbound(record: InboundRecord): Promise<{ record: InboundRecord; existed: boolean }>;
	/** Replaces the contact's keys of the given kinds by `keys` (all of one of those kinds). */
	setContactKeys(contactId: ContactId, kinds: readonly string[], keys: readonly ContactKey[]): Promise<void>;
	findContactByKey(kind: string, value: string): Promise<ContactId | null>;
	contactKeys(contactId: ContactId): Promise<ContactKey[]>;
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

	getMeta(key: string): Promise<string | null>;
	setMeta(key: string, value: string): Promise<void>;

	close(): Promise<void>;
}
