/**
 * Authentication: login, access tokens, refresh tokens.
 *
 * - Access token: a JWT (HS256, `jose`) with a 32-byte secret kept in the store's meta table
 *   (so every process behind a load balancer shares it), 15 minutes of life, claims `sub`
 *   (user id), `wid` (workspace id), `role`, `ver`, the user's token version, and `sid`, the
 *   session (one login on one device: the refresh-token family). Verification names the one
 *   accepted algorithm, so `alg: none` and HS/RS confusion are refused, and checks issuer,
 *   audience, expiry, the workspace, that the user still exists and is active in the directory,
 *   that `ver` equals the stored version (bumping it on a password, role or restriction change
 *   or deactivation invalidates every older token of the user at once) and that the session was
 *   not ended (logout, refresh-token reuse: `Store.revokeSession`, one device only).
 * - Refresh token: 32 random bytes, stored only as a SHA-256 hash, single use. Refreshing revokes
 *   the presented token and issues its successor in the same family. Presented again within
 *   `REFRESH_GRACE_MS` of its rotation (the response was lost, or two tabs raced), it gets the
 *   same successor back (sealed in its record with a key only the token itself yields); later,
 *   it was copied: the whole family and its session are revoked.
 * - Every ending is reported to `onEnded` (the hub closes the matching sockets at once).
 * - Login: failures are counted per (account, address) and, more loosely, per account and per
 *   address; a success counts nowhere and clears the account's failures, so attempts against an
 *   address lock out that pair, not the real user. An unknown email costs the same scrypt work
 *   as a wrong password.
 */
import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Role, User, UserId, WorkspaceId } from '../../../src/lib/domain/types';
import type { AuthStore, MetaStore, RefreshTokenRecord, UserAuth } from '../persistence/store';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords';
import { RateLimiter, type RateLimitOptions } from './rate-limit';
import { LOGIN_ATTEMPTS_PER_ADDRESS_PER_MIN, LOGIN_FAILURES_PER_ACCOUNT_ADDRESS_PER_MIN, LOGIN_FAILURES_PER_ACCOUNT_PER_MIN } from '../limits/constants';

export const ACCESS_TOKEN_TTL_MS = 15 * 60 * 1000;
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** A rotated refresh token presented again within this gets the same successor (SPEC S1.9). */
export const REFRESH_GRACE_MS = 60 * 1000;
/** Rotations followed from a token within its grace window to the family's live token. */
const MAX_GRACE_HOPS = 4;
const ALGORITHM = 'HS256';
const ISSUER = 'parley';
const AUDIENCE = 'parley';
const SECRET_META_KEY = 'auth.jwtSecret';

export interface AuthError {
	status: 400 | 401 | 403 | 429;
	code: string;
	message: string;
	retryAfterSec?: number;
}

export type AuthResult<T> = { ok: true; value: T } | { ok: false; error: AuthError };

/** Who a verified access token speaks for. */
export interface Principal {
	userId: UserId;
	workspaceId: WorkspaceId;
	role: Role;
	tokenVersion: number;
	/** The session (refresh-token family) the token belongs to. */
	sessionId: string;
	/** When the token expires, ms since the epoch. */
	expiresAt: number;
}

/** Sessions that just ended: one (`sessionId`) or every one of a user. */
export interface SessionsEnded {
	userId: UserId;
	sessionId?: string;
	reason: string;
}

export interface Session {
	accessToken: string;
	refreshToken: string;
	user: User;
}

export interface AuthDeps {
	store: AuthStore & MetaStore;
	clock: () => number;
	workspaceId: WorkspaceId;
	/** The directory's current record of a user. */
	lookupUser(id: UserId): User | undefined;
	loginLimits?: { perAccount?: RateLimitOptions; perAddress?: RateLimitOptions; perAccountAddress?: RateLimitOptions };
	jwtSecret?: Uint8Array;
}

const err = (status: AuthError['status'], code: string, message: string): { ok: false; error: AuthError } => ({
	ok: false,
	error: { status, code, message }
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Loads the signing secret from the store, creating it on first start. */
export async function loadJwtSecret(store: MetaStore): Promise<Uint8Array> {
	const existing = await store.getMeta(SECRET_META_KEY);
	if (existing) return new Uint8Array(Buffer.from(existing, 'base64url'));
	const secret = randomBytes(32);
	await store.setMeta(SECRET_META_KEY, secret.toString('base64url'));
	return new Uint8Array(secret);
}

export class Auth {
	private readonly perAccount: RateLimiter;
	private readonly perAddress: RateLimiter;
	private readonly perAccountAddress: RateLimiter;
	/** Told of every ending (logout, reuse, invalidation); the server closes the matching sockets. */
	onEnded: ((e: SessionsEnded) => void) | null = null;

	/** The secret as a key object, made once: from raw bytes `jose` imports a key per call. */
	private readonly signingKey: KeyObject;

	constructor(
		private readonly deps: AuthDeps & { jwtSecret: Uint8Array }
	) {
		this.signingKey = createSecretKey(deps.jwtSecret);
		const limits = deps.loginLimits;
		this.perAccount = new RateLimiter(limits?.perAccount ?? { limit: LOGIN_FAILURES_PER_ACCOUNT_PER_MIN, windowMs: 60_000 }, deps.clock);
		this.perAddress = new RateLimiter(limits?.perAddress ?? { limit: LOGIN_ATTEMPTS_PER_ADDRESS_PER_MIN, windowMs: 60_000 }, deps.clock);
		this.perAccountAddress = new RateLimiter(
			limits?.perAccountAddress ?? { limit: LOGIN_FAILURES_PER_ACCOUNT_ADDRESS_PER_MIN, windowMs: 60_000 },
			deps.clock
		);
	}

	static async create(deps: AuthDeps): Promise<Auth> {
		return new Auth({ ...deps, jwtSecret: deps.jwtSecret ?? (await loadJwtSecret(deps.store)) });
	}

	async login(email: string, password: string, address: string): Promise<AuthResult<Session>> {
		const account = email.trim().toLowerCase();
		// Each attempt is counted before the password is checked (parallel guesses cannot slip
		// through); a success takes its count back.
		const keys: Array<[RateLimiter, string]> = [
			[this.perAccountAddress, `${account}\u0000${address}`],
			[this.perAccount, account],
			[this.perAddress, address]
		];
		for (const [i, [limiter, key]] of keys.entries()) {
			const d = limiter.hit(key);
			if (!d.ok) {
				for (const [l, k] of keys.slice(0, i)) l.refund(k);
				const retryAfterSec = Math.max(1, Math.ceil(d.retryAfterMs / 1000));
				return {
					ok: false,
					error: { status: 429, code: 'rate_limited', message: 'Too many login attempts; try again later.', retryAfterSec }
				};
			}
		}
		const record = await this.deps.store.getUserByEmail(account);
		const passwordOk = await verifyPassword(password, record?.passwordHash ?? DUMMY_HASH);
		const user = record ? this.deps.lookupUser(record.id) : undefined;
		if (!record || !passwordOk || !user || !user.active) {
			return err(401, 'invalid_credentials', 'Wrong email or password.');
		}
		// A success counts nowhere and clears the account's failures.
		this.perAccountAddress.reset(keys[0]![1]);
		this.perAccount.reset(account);
		this.perAddress.refund(address);
		return { ok: true, value: await this.startSession(record, user, randomUUID()) };
	}

	async refresh(token: string): Promise<AuthResult<Session>> {
		return this.rotate(token, 0);
	}

	private async rotate(token: string, hops: number): Promise<AuthResult<Session>> {
		const now = this.deps.clock();
		const rec = await this.deps.store.getRefreshToken(sha256(token));
		if (!rec) return err(401, 'invalid_refresh_token', 'Unknown refresh token.');
		if (rec.revokedAt !== null) return this.rotated(rec, token, now, hops);
		if (rec.expiresAt <= now) return err(401, 'refresh_token_expired', 'The refresh token has expired.');
		const record = await this.deps.store.getUserById(rec.userId);
		const user = this.deps.lookupUser(rec.userId);
		if (!record || !user || !user.active) return err(401, 'user_inactive', 'This account is no longer active.');
		const next = newRefreshToken();
		const nextRecord: RefreshTokenRecord = {
			hash: next.hash,
			userId: record.id,
			familyId: rec.familyId,
			expiresAt: now + REFRESH_TOKEN_TTL_MS,
			revokedAt: null,
			replacedBy: null
		};
		// Only one of two concurrent refreshes with the same token rotates it; the other finds it
		// rotated a moment ago and gets the same successor.
		if (!(await this.deps.store.rotateRefreshToken(rec.hash, now, nextRecord, seal(next.token, token)))) {
			const again = await this.deps.store.getRefreshToken(rec.hash);
			return again ? this.rotated(again, token, now, hops) : err(401, 'invalid_refresh_token', 'Unknown refresh token.');
		}
		return { ok: true, value: await this.issue(record, user, rec.familyId, next.token) };
	}

	/**
	 * A token that is no longer live was presented. Rotated within the grace window: the same
	 * successor (followed to the family's live token when that was rotated too). Rotated before
	 * it: reuse of a copied token, the family and its session end. Revoked otherwise (logout,
	 * invalidation): refused.
	 */
	private async rotated(rec: RefreshTokenRecord, token: string, now: number, hops: number): Promise<AuthResult<Session>> {
		const revoked = err(401, 'refresh_token_revoked', 'This refresh token is no longer valid.');
		if (rec.replacedBy === null) return revoked;
		const successor = rec.successor ? unseal(rec.successor, token) : null;
		if (successor === null || now - rec.revokedAt! > REFRESH_GRACE_MS || hops >= MAX_GRACE_HOPS) {
			await this.endFamily(rec.familyId, rec.userId, 'refresh token reused');
			return err(401, 'refresh_token_reused', 'This refresh token is no longer valid.');
		}
		const next = await this.deps.store.getRefreshToken(rec.replacedBy);
		if (!next || next.hash !== sha256(successor)) return revoked;
		if (next.revokedAt !== null) return next.replacedBy === null ? revoked : this.rotated(next, successor, now, hops + 1);
		if (next.expiresAt <= now) return err(401, 'refresh_token_expired', 'The refresh token has expired.');
		const record = await this.deps.store.getUserById(rec.userId);
		const user = this.deps.lookupUser(rec.userId);
		if (!record || !user || !user.active) return err(401, 'user_inactive', 'This account is no longer active.');
		return { ok: true, value: await this.issue(record, user, rec.familyId, successor) };
	}

	/**
	 * Ends the session of a refresh token or of a verified access token (this device only): its
	 * refresh tokens are revoked, its access tokens refused at once, its sockets closed.
	 */
	async logout(refreshToken: string | null, accessToken?: string | null): Promise<void> {
		const rec = refreshToken ? await this.deps.store.getRefreshToken(sha256(refreshToken)) : null;
		if (rec) return this.endFamily(rec.familyId, rec.userId, 'logged out');
		const verified = accessToken ? await this.verify(accessToken) : null;
		if (verified?.ok) await this.endFamily(verified.value.sessionId, verified.value.userId, 'logged out');
	}

	/** Verifies an access token completely (signature, algorithm, claims, user, version). */
	async verify(token: string | null | undefined): Promise<AuthResult<Principal>> {
		if (!token) return err(401, 'missing_token', 'An access token is required.');
		let payload: Record<string, unknown>;
		try {
			({ payload } = await jwtVerify(token, this.signingKey, {
				algorithms: [ALGORITHM],
				issuer: ISSUER,
				audience: AUDIENCE,
				currentDate: new Date(this.deps.clock()),
				requiredClaims: ['sub', 'exp', 'iat']
			}));
		} catch (e) {
			if (e instanceof joseErrors.JWTExpired) return err(401, 'token_expired', 'The access token has expired.');
			return err(401, 'invalid_token', 'The access token is not valid.');
		}
		const { sub, wid, ver, sid, exp } = payload;
		if (typeof sub !== 'string' || typeof ver !== 'number' || typeof sid !== 'string' || typeof exp !== 'number') {
			return err(401, 'invalid_token', 'The access token is not valid.');
		}
		if (wid !== this.deps.workspaceId) return err(401, 'wrong_workspace', 'The access token is for another workspace.');
		const record = await this.deps.store.getUserById(sub as UserId);
		const user = this.deps.lookupUser(sub as UserId);
		if (!record || !user || !user.active) return err(401, 'user_inactive', 'This account is no longer active.');
		if (record.tokenVersion !== ver) return err(401, 'token_revoked', 'The access token was revoked.');
		if (await this.deps.store.isSessionRevoked(sid, this.deps.clock())) return err(401, 'token_revoked', 'The session has ended.');
		return {
			ok: true,
			value: { userId: user.id, workspaceId: this.deps.workspaceId, role: user.role, tokenVersion: ver, sessionId: sid, expiresAt: exp * 1000 }
		};
	}

	/** Invalidates every access and refresh token of a user (password, role, restriction change, deactivation). */
	async invalidateUser(userId: UserId): Promise<void> {
		const record = await this.deps.store.getUserById(userId);
		if (!record) return;
		await this.deps.store.updateUser(userId, { tokenVersion: record.tokenVersion + 1 });
		await this.deps.store.revokeRefreshTokensOfUser(userId, this.deps.clock());
		this.onEnded?.({ userId, reason: 'credentials changed' });
	}

	async setPassword(userId: UserId, password: string): Promise<void> {
		await this.deps.store.updateUser(userId, { passwordHash: await hashPassword(password) });
		await this.invalidateUser(userId);
	}

	/**
	 * The user's own password change (issue 20): the new password, and every other session of
	 * the user ends (refresh tokens revoked, access tokens refused, sockets closed); the session
	 * `keepSessionId` making the change goes on.
	 */
	async changeOwnPassword(userId: UserId, password: string, keepSessionId: string): Promise<void> {
		await this.deps.store.updateUser(userId, { passwordHash: await hashPassword(password) });
		const now = this.deps.clock();
		for (const family of await this.deps.store.liveSessionsOf(userId, now)) {
			if (family !== keepSessionId) await this.endFamily(family, userId, 'password changed');
		}
	}

	/** Whether `password` is the user's current one (re-authentication before a sensitive change). */
	async checkPassword(userId: UserId, password: string): Promise<boolean> {
		const record = await this.deps.store.getUserById(userId);
		return verifyPassword(password, record?.passwordHash ?? DUMMY_HASH).then((ok) => ok && record !== null);
	}

	/** Signs an access token; exposed for tests that need tokens with chosen claims. */
	signAccessToken(claims: { sub: string; wid: string; role: Role; ver: number; sid?: string }, issuedAt = this.deps.clock()): Promise<string> {
		const iat = Math.floor(issuedAt / 1000);
		return new SignJWT({ wid: claims.wid, role: claims.role, ver: claims.ver, sid: claims.sid ?? randomUUID() })
			.setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
			.setSubject(claims.sub)
			.setIssuer(ISSUER)
			.setAudience(AUDIENCE)
			.setIssuedAt(iat)
			.setExpirationTime(iat + ACCESS_TOKEN_TTL_MS / 1000)
			.sign(this.signingKey);
	}

	private async startSession(record: UserAuth, user: User, familyId: string): Promise<Session> {
		const refresh = newRefreshToken();
		await this.deps.store.insertRefreshToken({
			hash: refresh.hash,
			userId: record.id,
			familyId,
			expiresAt: this.deps.clock() + REFRESH_TOKEN_TTL_MS,
			revokedAt: null,
			replacedBy: null
		});
		return this.issue(record, user, familyId, refresh.token);
	}

	/** A fresh access token for the session `familyId`, paired with its live refresh token. */
	private async issue(record: UserAuth, user: User, familyId: string, refreshToken: string): Promise<Session> {
		const accessToken = await this.signAccessToken({
			sub: record.id,
			wid: this.deps.workspaceId,
			role: user.role,
			ver: record.tokenVersion,
			sid: familyId
		});
		return { accessToken, refreshToken, user };
	}

	/** Revokes a family and ends its session: its access tokens are refused, its sockets closed. */
	private async endFamily(familyId: string, userId: UserId, reason: string): Promise<void> {
		const now = this.deps.clock();
		await this.deps.store.revokeRefreshFamily(familyId, now);
		await this.deps.store.revokeSession(familyId, now + ACCESS_TOKEN_TTL_MS, now);
		this.onEnded?.({ userId, sessionId: familyId, reason });
	}
}

function newRefreshToken(): { token: string; hash: string } {
	const token = randomBytes(32).toString('base64url');
	return { token, hash: sha256(token) };
}

/** The key that seals a token's successor: derived from the token, which is never stored. */
const sealKey = (token: string) => createHash('sha256').update(`parley.refresh.successor\u0000${token}`).digest();

/** `successor` encrypted (AES-256-GCM) so that only the holder of `token` can read it back. */
function seal(successor: string, token: string): string {
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', sealKey(token), iv);
	const body = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
	return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

function unseal(sealed: string, token: string): string | null {
	try {
		const raw = Buffer.from(sealed, 'base64url');
		const decipher = createDecipheriv('aes-256-gcm', sealKey(token), raw.subarray(0, 12));
		decipher.setAuthTag(raw.subarray(12, 28));
		return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
	} catch {
		return null;
	}
}
