/** Store role: login records and refresh tokens (`auth/auth.ts`, the directory API). */
import type { UserId } from '../../../src/lib/domain/types';

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

export interface AuthStore {
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
	/** The sessions (refresh-token families) of a user with a live token (issue 20: end the others). */
	liveSessionsOf(userId: UserId, now: number): Promise<string[]>;
	/**
	 * Rotation in one step: revokes `oldHash` (replaced by `next.hash`, keeping `sealedSuccessor`)
	 * and inserts `next`. False, with nothing written, when `oldHash` was already revoked.
	 */
	rotateRefreshToken(oldHash: string, at: number, next: RefreshTokenRecord, sealedSuccessor: string): Promise<boolean>;

	// Ended sessions (logout, refresh-token reuse): their access tokens are refused until `until`
	// (the longest an access token of theirs can live); entries past it are pruned.
	revokeSession(sessionId: string, until: number, now: number): Promise<void>;
	isSessionRevoked(sessionId: string, now: number): Promise<boolean>;
}
