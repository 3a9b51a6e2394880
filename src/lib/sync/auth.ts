/**
 * The client side of authentication: login, rotating refresh, and the stored session.
 *
 * Invariants:
 * - The session (tokens, user, workspace) is kept in a `SessionStorage` (localStorage in the
 *   browser), so a reload without network restores the same user; login needs the network.
 * - Access tokens live 15 minutes: `token()` refreshes when less than `refreshMarginMs` is left,
 *   and a timer refreshes ahead of expiry. Otherwise the token is refreshed only when the server
 *   says it is no longer good (a 401 of the API, a socket closed with CLOSE_UNAUTHORIZED), never
 *   because the network failed: a socket that failed before opening (a refused upgrade and a
 *   lost network look alike in a browser) goes through `refreshIfRejected`, which asks the
 *   server about the token first (SPEC S9.5, issue 17: a flaky network must not log anyone out).
 * - Refresh tokens are single use and rotate; presenting one again after the server's grace
 *   window (60 s) revokes its whole family. Within it, the server answers with the same
 *   successor, so a refresh whose response was lost is simply made again. One refresh runs at a
 *   time per browser: in-process single flight, and across tabs a Web Lock inside which the
 *   stored session is read again: when another tab has already rotated it, its result is adopted
 *   instead of presenting the old token. Without Web Locks, tabs racing with the same token get
 *   the same successor from the grace window.
 * - Logout ends the session on the server too (its access token is refused at once, its sockets
 *   closed); other devices of the user stay signed in.
 */
import type { User, UserId, WorkspaceId } from '../domain/types';

export interface StoredSession {
	accessToken: string;
	refreshToken: string;
	user: User;
	userId: UserId;
	workspaceId: WorkspaceId;
	/** Expiry of the access token, ms since the epoch. */
	expiresAt: number;
}

export interface SessionStorage {
	load(): StoredSession | null;
	save(s: StoredSession): void;
	clear(): void;
}

export type LoginResult =
	| { ok: true; session: StoredSession }
	| { ok: false; code: 'invalid_credentials' | 'rate_limited' | 'network' | 'server'; message: string };

export type RefreshResult = 'ok' | 'network' | 'denied';

/** Runs `fn` holding a browser-wide lock when Web Locks exist (one refresh across tabs). */
export type LockFn = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

export interface AuthClientOptions {
	/** Origin of the server, e.g. `http://127.0.0.1:8787`; '' for same-origin in the browser. */
	baseUrl: string;
	storage: SessionStorage;
	fetch?: typeof fetch;
	lock?: LockFn;
	refreshMarginMs?: number;
	now?: () => number;
}

const SESSION_KEY = 'parley.session';

export function localStorageSession(storage: Storage = globalThis.localStorage): SessionStorage {
	return {
		load() {
			try {
				const raw = storage.getItem(SESSION_KEY);
				return raw ? (JSON.parse(raw) as StoredSession) : null;
			} catch {
				return null;
			}
		},
		save: (s) => storage.setItem(SESSION_KEY, JSON.stringify(s)),
		clear: () => storage.removeItem(SESSION_KEY)
	};
}

export function memorySession(): SessionStorage {
	let s: StoredSession | null = null;
	return { load: () => s, save: (v) => void (s = v), clear: () => void (s = null) };
}

/** Web Locks when the browser has them, else no cross-tab lock (Node tests). */
export function webLock(): LockFn {
	const locks = (globalThis.navigator as Navigator | undefined)?.locks;
	if (!locks) return (_name, fn) => fn();
	return (name, fn) => locks.request(name, fn);
}

interface Claims {
	sub?: string;
	wid?: string;
	exp?: number;
}

/** Reads a JWT's claims without verifying it (the server verifies; we only need exp and wid). */
export function readClaims(token: string): Claims {
	const part = token.split('.')[1];
	if (!part) return {};
	try {
		const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
		const json = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
		const v: unknown = JSON.parse(json);
		return typeof v === 'object' && v !== null ? (v as Claims) : {};
	} catch {
		return {};
	}
}

interface TokenPair {
	accessToken: string;
	refreshToken: string;
	user?: User;
}

export class AuthClient {
	readonly #opts: AuthClientOptions;
	readonly #fetch: typeof fetch;
	readonly #lock: LockFn;
	readonly #now: () => number;
	#session: StoredSession | null;
	#inflight: Promise<RefreshResult> | null = null;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#listeners = new Set<(s: StoredSession | null) => void>();

	constructor(opts: AuthClientOptions) {
		this.#opts = opts;
		this.#fetch = opts.fetch ?? ((...a) => globalThis.fetch(...a));
		this.#lock = opts.lock ?? webLock();
		this.#now = opts.now ?? Date.now;
		this.#session = opts.storage.load();
	}

	get session(): StoredSession | null {
		return this.#session;
	}

	/** Called with the new session after login, refresh or logout (null). */
	subscribe(fn: (s: StoredSession | null) => void): () => void {
		this.#listeners.add(fn);
		return () => this.#listeners.delete(fn);
	}

	async login(email: string, password: string): Promise<LoginResult> {
		let res: Response;
		try {
			res = await this.#fetch(`${this.#opts.baseUrl}/api/auth/login`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ email, password })
			});
		} catch {
			return { ok: false, code: 'network', message: 'No connection to the server.' };
		}
		const body = (await res.json().catch(() => null)) as (TokenPair & { error?: { code?: string; message?: string } }) | null;
		if (!res.ok || !body?.accessToken || !body.user) {
			const message = body?.error?.message ?? `Login failed (${res.status}).`;
			if (res.status === 429) return { ok: false, code: 'rate_limited', message };
			if (res.status === 400 || res.status === 401 || res.status === 403) return { ok: false, code: 'invalid_credentials', message };
			return { ok: false, code: 'server', message };
		}
		const session = this.#toSession(body, body.user);
		this.#set(session);
		return { ok: true, session };
	}

	/**
	 * Forgets the session here and ends it on the server (best effort: offline, the refresh token
	 * dies with its 30 days and the access token with its 15 minutes).
	 */
	logout(): void {
		const s = this.#session;
		this.#set(null);
		if (!s) return;
		void this.#fetch(`${this.#opts.baseUrl}/api/auth/logout`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: `Bearer ${s.accessToken}` },
			body: JSON.stringify({ refreshToken: s.refreshToken }),
			keepalive: true
		}).catch(() => undefined);
	}

	/**
	 * Something failed before the server could say why (a WebSocket upgrade: the browser hides
	 * its status). Asks the server whether the access token is still good, and refreshes only if
	 * the server refuses it: a network failure is 'network', never a refresh.
	 */
	async refreshIfRejected(): Promise<RefreshResult> {
		const s = this.#session;
		if (!s) return 'denied';
		let res: Response;
		try {
			res = await this.#fetch(`${this.#opts.baseUrl}/api/me`, { headers: { authorization: `Bearer ${s.accessToken}` } });
		} catch {
			return 'network';
		}
		if (res.status === 401) return this.#session === s ? this.refresh() : 'ok';
		return res.ok ? 'ok' : 'network';
	}

	/** A current access token (refreshed first when it is about to expire), or null when signed out. */
	async token(): Promise<string | null> {
		const s = this.#session;
		if (!s) return null;
		if (s.expiresAt - this.#now() < (this.#opts.refreshMarginMs ?? 60_000)) {
			const r = await this.refresh();
			if (r === 'denied') return null;
		}
		return this.#session?.accessToken ?? null;
	}

	/** Rotates the token pair; one at a time per browser. */
	refresh(): Promise<RefreshResult> {
		if (!this.#inflight) {
			this.#inflight = this.#lock('parley.refresh', () => this.#refreshLocked()).finally(() => (this.#inflight = null));
		}
		return this.#inflight;
	}

	stop(): void {
		if (this.#timer !== null) clearTimeout(this.#timer);
		this.#timer = null;
	}

	async #refreshLocked(): Promise<RefreshResult> {
		const mine = this.#session;
		if (!mine) return 'denied';
		// Another tab may have rotated the pair while we waited for the lock.
		const stored = this.#opts.storage.load();
		if (stored && stored.userId === mine.userId && stored.refreshToken !== mine.refreshToken) {
			this.#set(stored);
			if (stored.expiresAt - this.#now() > (this.#opts.refreshMarginMs ?? 60_000)) return 'ok';
		}
		const current = this.#session!;
		let res: Response;
		try {
			res = await this.#fetch(`${this.#opts.baseUrl}/api/auth/refresh`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ refreshToken: current.refreshToken })
			});
		} catch {
			return 'network';
		}
		if (res.status === 400 || res.status === 401 || res.status === 403) {
			this.#set(null);
			return 'denied';
		}
		const body = (await res.json().catch(() => null)) as TokenPair | null;
		if (!res.ok || !body?.accessToken || !body.refreshToken) return 'network';
		this.#set(this.#toSession(body, body.user ?? current.user));
		return 'ok';
	}

	#toSession(pair: TokenPair, user: User): StoredSession {
		const claims = readClaims(pair.accessToken);
		return {
			accessToken: pair.accessToken,
			refreshToken: pair.refreshToken,
			user,
			userId: user.id,
			workspaceId: (claims.wid ?? '') as WorkspaceId,
			expiresAt: claims.exp ? claims.exp * 1000 : this.#now() + 15 * 60_000
		};
	}

	#set(s: StoredSession | null): void {
		this.#session = s;
		if (s) this.#opts.storage.save(s);
		else this.#opts.storage.clear();
		this.#schedule();
		for (const l of this.#listeners) l(s);
	}

	#schedule(): void {
		this.stop();
		const s = this.#session;
		if (!s) return;
		const margin = this.#opts.refreshMarginMs ?? 60_000;
		const delay = Math.max(1_000, s.expiresAt - this.#now() - margin);
		this.#timer = setTimeout(() => void this.refresh(), delay);
	}
}
