/**
 * Row shapes and their mapping to the store's records, shared by the SQL adapters (`sqlite.ts`,
 * `postgres.ts`): both use the same column names.
 */
import type { DocId, UserId } from '../../../src/lib/domain/types';
import type { AuditEvent, LinkKind, LinkRecord, OutboxPatch, OutboxRow, OutboxState, UserAuth } from './store';

export interface OutboxDbRow {
	doc_id: string;
	entry_id: string;
	channel_id: string;
	payload: string;
	state: string;
	attempts: number;
	next_at: number;
	last_error: string | null;
	created_at: number;
	updated_at: number;
}

export const toOutbox = (r: OutboxDbRow): OutboxRow => ({
	docId: r.doc_id as DocId,
	entryId: r.entry_id,
	channelId: r.channel_id,
	payload: r.payload,
	state: r.state as OutboxState,
	attempts: r.attempts,
	nextAt: r.next_at,
	lastError: r.last_error,
	createdAt: r.created_at,
	updatedAt: r.updated_at
});

export const OUTBOX_COLUMNS: Record<keyof OutboxPatch, string> = {
	state: 'state',
	attempts: 'attempts',
	nextAt: 'next_at',
	lastError: 'last_error',
	updatedAt: 'updated_at'
};

export interface UserRow {
	id: string;
	email: string;
	password_hash: string;
	token_version: number;
}

export const toUser = (r: UserRow): UserAuth => ({
	id: r.id as UserId,
	email: r.email,
	passwordHash: r.password_hash,
	tokenVersion: r.token_version
});

export const toBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export interface LinkRow {
	hash: string;
	kind: string;
	email: string;
	user_id: string | null;
	payload: string;
	created_by: string;
	created_at: number;
	expires_at: number;
	used_at: number | null;
}

export interface AuditRow {
	id: string;
	at: number;
	actor_id: string | null;
	action: string;
	target_id: string | null;
	detail: string;
}

export const toLink = (r: LinkRow): LinkRecord => ({
	hash: r.hash,
	kind: r.kind as LinkKind,
	email: r.email,
	userId: r.user_id as UserId | null,
	payload: r.payload,
	createdBy: r.created_by as UserId,
	createdAt: Number(r.created_at),
	expiresAt: Number(r.expires_at),
	usedAt: r.used_at === null ? null : Number(r.used_at)
});

export const toAudit = (r: AuditRow): AuditEvent => ({
	id: r.id,
	at: Number(r.at),
	actorId: r.actor_id as UserId | null,
	action: r.action,
	targetId: r.target_id,
	detail: r.detail
});
