/**
 * Store role: one-time links (invitations, password resets) and the audit trail of settings
 * changes (issue 20). Tokens are stored only as hashes; a link is used at most once
 * (`useLink` is a conditional write).
 */
import type { UserId } from '../../../src/lib/domain/types';

export type LinkKind = 'invite' | 'reset';

export interface LinkRecord {
	hash: string;
	kind: LinkKind;
	/** The invited email, or the account whose password is reset. */
	email: string;
	/** For a reset: the user; for an invite: null until accepted. */
	userId: UserId | null;
	/** JSON: what the invitation grants (role, restriction, teamIds, name). */
	payload: string;
	createdBy: UserId;
	createdAt: number;
	expiresAt: number;
	usedAt: number | null;
}

export interface AuditEvent {
	id: string;
	at: number;
	/** The user who made the change; null for the first-run setup. */
	actorId: UserId | null;
	/** What was done, e.g. `user.invite`, `team.delete`, `channel.rotate_secret`. */
	action: string;
	/** The record acted on (an id), or null. */
	targetId: string | null;
	/** JSON details (changed fields, never secrets). */
	detail: string;
}

export interface AdminRecords {
	insertLink(link: LinkRecord): Promise<void>;
	getLink(hash: string): Promise<LinkRecord | null>;
	/** Marks a link used; false (nothing written) when it was used already. */
	useLink(hash: string, at: number): Promise<boolean>;
	/** Invitations not yet used nor expired, newest first. */
	openInvites(now: number): Promise<LinkRecord[]>;
	deleteLink(hash: string): Promise<void>;
	appendAudit(e: AuditEvent): Promise<void>;
	/** Newest first; `before` pages by time. */
	listAudit(limit: number, before?: number): Promise<AuditEvent[]>;
}
