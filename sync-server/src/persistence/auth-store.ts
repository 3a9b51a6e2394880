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
}
