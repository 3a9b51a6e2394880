/**
 * Authentication: login, access tokens, refresh tokens.
 *
 * - Access token: a JWT (HS256, `jose`) with a 32-byte secret kept in the store's meta table
 *   (so every process behind a load balancer shares it), 15 minutes of life, claims `sub`
 *   (user id), `wid` (workspace id), `role` and `ver`, the user's token version. Verification
 *   names the one accepted algorithm, so `alg: none` and HS/RS confusion are refused, and checks
 *   issuer, audience, expiry, the workspace, that the user still exists and is active in the
 *   directory, and that `ver` equals the stored version: bumping the version (password, role or
 *   restriction change, deactivation, refresh-token reuse) invalidates every older token at once.
 * - Refresh token: 32 random bytes, stored only as a SHA-256 hash, single use. Refreshing revokes
 *   the presented token and issues its successor in the same family; presenting a token that was
 *   already rotated means it was copied, so the whole family is revoked and the user's access
 *   tokens are invalidated.
 * - Login attempts are rate-limited per account and per address; an unknown email costs the same
 *   scrypt work as a wrong password.
 */
import { createHash, createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Role, User, UserId, WorkspaceId } from '../../../src/lib/domain/types';
import type { AuthStore, MetaStore, UserAuth } from '../persistence/store';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords';
import { RateLimiter, type RateLimitOptions } from './rate-limit';
import { LOGIN_ATTEMPTS_PER_ADDRESS_PER_MIN, LOGIN_ATTEMPTS_PER_MIN } from '../limits/constants';

export const ACCESS_TOKEN_TTL_MS = 15 * 60 * 1000;
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
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
	loginLimits?: { perAccount?: RateLimitOptions; perAddress?: RateLimitOptions };
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

	/** The secret as a key object, made once: from raw bytes `jose` imports a key per call. */
	private readonly signingKey: KeyObject;

	constructor(
		private readonly deps: AuthDeps & { jwtSecret: Uint8Array }
	) {
		this.signingKey = createSecretKey(deps.jwtSecret);
		this.perAccount = new RateLimiter(deps.loginLimits?.perAccount ?? { limit: LOGIN_ATTEMPTS_PER_MIN, windowMs: 60_000 }, deps.clock);
		this.perAddress = new RateLimiter(deps.loginLimits?.perAddress ?? { limit: LOGIN_ATTEMPTS_PER_ADDRESS_PER_MIN, windowMs: 60_000 }, deps.clock);
	}

	static async create(deps: AuthDeps): Promise<Auth> {
		return new Auth({ ...deps, jwtSecret: deps.jwtSecret ?? (await loadJwtSecret(deps.store)) });
	}

	async login(email: string, password: string, address: string): Promise<AuthResult<Session>> {
		const account = email.trim().toLowerCase();
		for (const d of [this.perAccount.hit(`a:${account}`), this.perAddress.hit(`ip:${address}`)]) {
			if (!d.ok) {
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
		return { ok: true, value: await this.startSession(record, user, randomUUID()) };
	}

	async refresh(token: string): Promise<AuthResult<Session>> {
		const now = this.deps.clock();
		const rec = await this.deps.store.getRefreshToken(sha256(token));
		if (!rec) return err(401, 'invalid_refresh_token', 'Unknown refresh token.');
		if (rec.revokedAt !== null) {
			if (rec.replacedBy !== null) await this.onReuse(rec.familyId, rec.userId);
			return err(401, rec.replacedBy !== null ? 'refresh_token_reused' : 'refresh_token_revoked', 'This refresh token is no longer valid.');
		}
		if (rec.expiresAt <= now) return err(401, 'refresh_token_expired', 'The refresh token has expired.');
		const record = await this.deps.store.getUserById(rec.userId);
		const user = this.deps.lookupUser(rec.userId);
		if (!record || !user || !user.active) return err(401, 'user_inactive', 'This account is no longer active.');
		const next = newRefreshToken();
		// Only one of two concurrent refreshes with the same token wins; the other is a reuse.
		if (!(await this.deps.store.revokeRefreshToken(rec.hash, now, next.hash))) {
			await this.onReuse(rec.familyId, rec.userId);
			return err(401, 'refresh_token_reused', 'This refresh token is no longer valid.');
		}
		return { ok: true, value: await this.startSession(record, user, rec.familyId, next) };
	}

	async logout(token: string): Promise<void> {
		const rec = await this.deps.store.getRefreshToken(sha256(token));
		if (rec) await this.deps.store.revokeRefreshFamily(rec.familyId, this.deps.clock());
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
		const { sub, wid, ver } = payload;
		if (typeof sub !== 'string' || typeof ver !== 'number') return err(401, 'invalid_token', 'The access token is not valid.');
		if (wid !== this.deps.workspaceId) return err(401, 'wrong_workspace', 'The access token is for another workspace.');
		const record = await this.deps.store.getUserById(sub as UserId);
		const user = this.deps.lookupUser(sub as UserId);
		if (!record || !user || !user.active) return err(401, 'user_inactive', 'This account is no longer active.');
		if (record.tokenVersion !== ver) return err(401, 'token_revoked', 'The access token was revoked.');
		return { ok: true, value: { userId: user.id, workspaceId: this.deps.workspaceId, role: user.role, tokenVersion: ver } };
	}

	/** Invalidates every access and refresh token of a user (password, role, restriction change, deactivation). */
	async invalidateUser(userId: UserId): Promise<void> {
		const record = await this.deps.store.getUserById(userId);
		if (!record) return;
		await this.deps.store.updateUser(userId, { tokenVersion: record.tokenVersion + 1 });
		await this.deps.store.revokeRefreshTokensOfUser(userId, this.deps.clock());
	}

	async setPassword(userId: UserId, password: string): Promise<void> {
		await this.deps.store.updateUser(userId, { passwordHash: await hashPassword(password) });
		await this.invalidateUser(userId);
	}

	/** Signs an access token; exposed for tests that need tokens with chosen claims. */
	signAccessToken(claims: { sub: string; wid: string; role: Role; ver: number }, issuedAt = this.deps.clock()): Promise<string> {
		const iat = Math.floor(issuedAt / 1000);
		return new SignJWT({ wid: claims.wid, role: claims.role, ver: claims.ver })
			.setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
			.setSubject(claims.sub)
			.setIssuer(ISSUER)
			.setAudience(AUDIENCE)
			.setIssuedAt(iat)
			.setExpirationTime(iat + ACCESS_TOKEN_TTL_MS / 1000)
			.sign(this.signingKey);
	}

	private async startSession(
		record: UserAuth,
		user: User,
		familyId: string,
		refresh = newRefreshToken()
	): Promise<Session> {
		const now = this.deps.clock();
		await this.deps.store.insertRefreshToken({
			hash: refresh.hash,
			userId: record.id,
			familyId,
			expiresAt: now + REFRESH_TOKEN_TTL_MS,
			revokedAt: null,
			replacedBy: null
		});
		const accessToken = await this.signAccessToken({
			sub: record.id,
			wid: this.deps.workspaceId,
			role: user.role,
			ver: record.tokenVersion
		});
		return { accessToken, refreshToken: refresh.token, user };
	}

	private async onReuse(familyId: string, userId: UserId): Promise<void> {
		await this.deps.store.revokeRefreshFamily(familyId, this.deps.clock());
		const record = await this.deps.store.getUserById(userId);
		if (record) await this.deps.store.updateUser(userId, { tokenVersion: record.tokenVersion + 1 });
	}
}

function newRefreshToken(): { token: string; hash: string } {
	const token = randomBytes(32).toString('base64url');
	return { token, hash: sha256(token) };
}
