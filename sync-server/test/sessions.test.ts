// SPEC S1.9 (the server is the gate): a session ends everywhere at once. Logout, expiry,
// refresh-token reuse, a password, role or restriction change and deactivation refuse the
// access token on the next HTTP request and upgrade and close the matching sockets (/sync and
// /yjs) within a second, with a close code the client acts on (4401: refresh, then reconnect or
// show the login; 4403: show the login). Logout ends one device's session, not the others.
// Issue 17: refresh is idempotent for a grace window (a lost response is not theft); reuse after
// it still revokes the family. Issue 15: the login rate limit counts failures per (account,
// address), not successes, and attempts from one address do not lock the user out elsewhere.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DocId, UserId } from '../../src/lib/domain/types';
import { CLOSE_FORBIDDEN, CLOSE_UNAUTHORIZED } from '../../src/lib/protocol/close';
import { ACCESS_TOKEN_TTL_MS, REFRESH_GRACE_MS } from '../src/auth/auth';
import { startTestServer, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';
import { YjsSocket } from './helpers/trust';

interface Json {
	accessToken?: string;
	refreshToken?: string;
	error?: { code: string };
}

async function call(url: string, method: string, token?: string, body?: unknown): Promise<{ status: number; json: Json }> {
	const res = await fetch(url, {
		method,
		headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
		...(body !== undefined ? { body: JSON.stringify(body) } : {})
	});
	const text = await res.text();
	return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json };
}

/** 101 when the socket opened, else the HTTP status of the refused upgrade. */
function upgrade(url: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url);
		ws.on('open', () => {
			ws.close();
			resolve(101);
		});
		ws.on('unexpected-response', (_q, res) => {
			resolve(res.statusCode ?? 0);
			ws.terminate();
		});
		ws.on('error', (err) => {
			if (!/Unexpected server response/.test(err.message)) reject(err);
		});
	});
}

/** A login from a chosen loopback address (127.0.0.x), as another machine would. */
function loginFrom(url: string, localAddress: string, email: string, password: string): Promise<number> {
	const { hostname, port } = new URL(url);
	return new Promise((resolve, reject) => {
		const body = JSON.stringify({ email, password });
		const req = request(
			{ host: hostname, port, path: '/api/auth/login', method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
			(res) => {
				res.resume();
				res.on('end', () => resolve(res.statusCode ?? 0));
			}
		);
		req.on('error', reject);
		req.end(body);
	});
}

describe('sessions end everywhere at once', () => {
	let now = Date.now();
	const clock = () => now;
	let server: TestServer | undefined;
	const sockets: Array<{ close(): void }> = [];
	afterEach(async () => {
		for (const s of sockets.splice(0)) s.close();
		await server?.destroy();
		server = undefined;
		now = Date.now();
	});

	async function setup() {
		server = await startTestServer({ clock });
		const s = server;
		const docOf = (user: string) => [...s.visibility.contactDocIds()].find((d) => s.visibility.accessOf(d)?.assigneeId === user)!;
		return { s, ws: s.url.replace('http', 'ws'), docOf };
	}

	/** A /sync client and a /yjs socket on one access token. */
	async function open(s: TestServer, token: string, docId: DocId) {
		const sync = new SyncClient({ url: s.url, token });
		sockets.push(sync);
		await sync.connect();
		const yjs = await YjsSocket.open(s.url, docId, token);
		sockets.push(yjs);
		const yjsClose = { code: 0 };
		void yjs.closed.then((c) => (yjsClose.code = c.code));
		return { sync, yjs, yjsClose };
	}

	/** Waits for both sockets to close with `code`; returns the milliseconds it took from `since`. */
	async function closedWith(conn: Awaited<ReturnType<typeof open>>, code: number, since: number): Promise<number> {
		await waitFor(() => conn.sync.traffic.closes.length > 0 && conn.yjsClose.code !== 0, 5000, 'sockets closed');
		const took = performance.now() - since;
		expect(conn.sync.traffic.closes[0]!.code).toBe(code);
		expect(conn.yjsClose.code).toBe(code);
		return took;
	}

	it('logout refuses the access token at once and closes that session sockets, not the other device', async () => {
		const { s, ws, docOf } = await setup();
		const laptop = await login(s.url, 'ana@demo.test');
		const phone = await login(s.url, 'ana@demo.test');
		const onLaptop = await open(s, laptop.accessToken, docOf('u-ana'));
		const onPhone = await open(s, phone.accessToken, docOf('u-ana'));

		const t0 = performance.now();
		expect((await call(`${s.url}/api/auth/logout`, 'POST', laptop.accessToken, { refreshToken: laptop.refreshToken })).status).toBe(204);
		expect(await closedWith(onLaptop, CLOSE_UNAUTHORIZED, t0)).toBeLessThan(1000);
		const me = await call(`${s.url}/api/me`, 'GET', laptop.accessToken);
		expect(me.status).toBe(401);
		expect(me.json.error?.code).toBe('token_revoked');
		expect(await upgrade(`${ws}/sync?token=${laptop.accessToken}`)).toBe(401);
		expect(await upgrade(`${ws}/yjs/${encodeURIComponent(docOf('u-ana'))}?token=${laptop.accessToken}`)).toBe(401);
		expect((await call(`${s.url}/api/auth/refresh`, 'POST', undefined, { refreshToken: laptop.refreshToken })).status).toBe(401);

		// The other device keeps working.
		expect((await call(`${s.url}/api/me`, 'GET', phone.accessToken)).status).toBe(200);
		expect(onPhone.sync.connected).toBe(true);
		await onPhone.sync.ping();
		expect(await upgrade(`${ws}/sync?token=${phone.accessToken}`)).toBe(101);

		// A logout that sends only its access token ends the session too.
		expect((await call(`${s.url}/api/auth/logout`, 'POST', phone.accessToken, {})).status).toBe(204);
		expect((await call(`${s.url}/api/me`, 'GET', phone.accessToken)).status).toBe(401);
		await closedWith(onPhone, CLOSE_UNAUTHORIZED, performance.now());
	});

	it('closes sockets when their token expires (within a second); a refreshed token reconnects', async () => {
		const { s, docOf } = await setup();
		const ana = await login(s.url, 'ana@demo.test');
		const conn = await open(s, ana.accessToken, docOf('u-ana'));
		await conn.sync.ping();
		const t0 = performance.now();
		now += ACCESS_TOKEN_TTL_MS + 1000;
		expect(await closedWith(conn, CLOSE_UNAUTHORIZED, t0)).toBeLessThan(1000);
		expect((await call(`${s.url}/api/me`, 'GET', ana.accessToken)).json.error?.code).toBe('token_expired');
		const fresh = await call(`${s.url}/api/auth/refresh`, 'POST', undefined, { refreshToken: ana.refreshToken });
		expect(fresh.status).toBe(200);
		const again = new SyncClient({ url: s.url, token: fresh.json.accessToken! });
		sockets.push(again);
		await again.connect();
	});

	it('refresh-token reuse after the grace window ends that session: token refused, sockets closed', async () => {
		const { s, ws, docOf } = await setup();
		const first = await login(s.url, 'ana@demo.test');
		const other = await login(s.url, 'ana@demo.test');
		const rotated = await call(`${s.url}/api/auth/refresh`, 'POST', undefined, { refreshToken: first.refreshToken });
		expect(rotated.status).toBe(200);
		const conn = await open(s, rotated.json.accessToken!, docOf('u-ana'));
		const otherConn = await open(s, other.accessToken, docOf('u-ana'));
		now += REFRESH_GRACE_MS + 1000;
		const t0 = performance.now();
		const reuse = await call(`${s.url}/api/auth/refresh`, 'POST', undefined, { refreshToken: first.refreshToken });
		expect(reuse.status).toBe(401);
		expect(reuse.json.error?.code).toBe('refresh_token_reused');
		expect(await closedWith(conn, CLOSE_UNAUTHORIZED, t0)).toBeLessThan(1000);
		expect(await upgrade(`${ws}/sync?token=${rotated.json.accessToken}`)).toBe(401);
		expect((await call(`${s.url}/api/auth/refresh`, 'POST', undefined, { refreshToken: rotated.json.refreshToken })).status).toBe(401);
		// Another login of the same user is another session: untouched.
		expect(otherConn.sync.connected).toBe(true);
		expect((await call(`${s.url}/api/me`, 'GET', other.accessToken)).status).toBe(200);
	});

	// Issue 20: a restriction or teams change no longer ends sessions (the hub applies it live,
	// settings.test.ts); a password or role change does, deactivation too.
	it('a password or role change closes the user sockets (4401); deactivation with 4403', async () => {
		const { s, ws, docOf } = await setup();
		const owner = await login(s.url, 'owner@demo.test');
		const patch = (id: string, body: unknown) => call(`${s.url}/api/directory/users/${id}`, 'PATCH', owner.accessToken, body);
		const cases: Array<[string, string, unknown, number]> = [
			['tom@demo.test', 'u-tom', { password: 'another-password-1' }, CLOSE_UNAUTHORIZED],
			['ana@demo.test', 'u-ana', { role: 'manager' }, CLOSE_UNAUTHORIZED],
			['lucas@demo.test', 'u-lucas', { role: 'manager' }, CLOSE_UNAUTHORIZED],
			['sue@demo.test', 'u-sue', { active: false }, CLOSE_FORBIDDEN]
		];
		for (const [email, id, body, code] of cases) {
			const who = await login(s.url, email);
			const doc = docOf(id) ?? [...s.visibility.contactDocIds()].find((d) => s.visibility.canSee(id as UserId, d))!;
			const conn = await open(s, who.accessToken, doc);
			const t0 = performance.now();
			const res = await patch(id, body);
			expect(res.status, `${email} ${JSON.stringify(body)}`).toBe(200);
			expect(await closedWith(conn, code, t0), `${email} ${JSON.stringify(body)}`).toBeLessThan(1000);
			expect(await upgrade(`${ws}/sync?token=${who.accessToken}`)).toBe(401);
		}
	});
});

describe('refresh rotation grace window (issue 17)', () => {
	let now = Date.now();
	let server: TestServer | undefined;
	afterEach(async () => {
		await server?.destroy();
		server = undefined;
	});

	const refresh = (s: TestServer, refreshToken: string) => call(`${s.url}/api/auth/refresh`, 'POST', undefined, { refreshToken });

	it('a lost response: the same token again within the window gets the same successor', async () => {
		now = Date.now();
		server = await startTestServer({ clock: () => now });
		const s = server;
		const first = await login(s.url, 'ana@demo.test');
		const a = await refresh(s, first.refreshToken);
		expect(a.status).toBe(200);
		now += REFRESH_GRACE_MS - 5000;
		const b = await refresh(s, first.refreshToken);
		expect(b.status).toBe(200);
		expect(b.json.refreshToken).toBe(a.json.refreshToken);
		// Both access tokens work; the successor rotates normally.
		expect((await call(`${s.url}/api/me`, 'GET', a.json.accessToken)).status).toBe(200);
		expect((await call(`${s.url}/api/me`, 'GET', b.json.accessToken)).status).toBe(200);
		const c = await refresh(s, b.json.refreshToken!);
		expect(c.status).toBe(200);
		expect(c.json.refreshToken).not.toBe(b.json.refreshToken);
		// The old token again, still within its window: followed to the live token of the family.
		expect((await refresh(s, first.refreshToken)).json.refreshToken).toBe(c.json.refreshToken);
	});

	it('two tabs refreshing at once with the same token both get the same successor', async () => {
		now = Date.now();
		server = await startTestServer({ clock: () => now });
		const s = server;
		const first = await login(s.url, 'ana@demo.test');
		const answers = await Promise.all([refresh(s, first.refreshToken), refresh(s, first.refreshToken), refresh(s, first.refreshToken)]);
		for (const r of answers) expect(r.status).toBe(200);
		expect(new Set(answers.map((r) => r.json.refreshToken)).size).toBe(1);
		expect((await refresh(s, answers[0]!.json.refreshToken!)).status).toBe(200);
	});

	it('after the window, the old token is reuse: the family is revoked', async () => {
		now = Date.now();
		server = await startTestServer({ clock: () => now });
		const s = server;
		const first = await login(s.url, 'ana@demo.test');
		const a = await refresh(s, first.refreshToken);
		now += REFRESH_GRACE_MS + 1;
		const late = await refresh(s, first.refreshToken);
		expect(late.status).toBe(401);
		expect(late.json.error?.code).toBe('refresh_token_reused');
		expect((await refresh(s, a.json.refreshToken!)).status).toBe(401);
		expect((await call(`${s.url}/api/me`, 'GET', a.json.accessToken)).status).toBe(401);
		// A token logged out is refused even within the window (no successor of an ended session).
		const second = await login(s.url, 'ana@demo.test');
		const b = await refresh(s, second.refreshToken);
		await call(`${s.url}/api/auth/logout`, 'POST', undefined, { refreshToken: b.json.refreshToken });
		expect((await refresh(s, second.refreshToken)).status).toBe(401);
	});
});

describe('login rate limit (issue 15)', () => {
	let server: TestServer | undefined;
	afterEach(async () => {
		await server?.destroy();
		server = undefined;
	});

	it('successful logins do not count; guesses from another address do not lock the real user out', async () => {
		server = await startTestServer();
		const s = server;
		// 15 good logins in a row (the per-account limit is 10 a minute): all accepted.
		for (let i = 0; i < 15; i++) expect((await call(`${s.url}/api/auth/login`, 'POST', undefined, { email: 'tom@demo.test', password: 'parley-demo' })).status).toBe(200);
		// An attacker at 127.0.0.2 guesses Tom's password until refused.
		const statuses: number[] = [];
		for (let i = 0; i < 15; i++) statuses.push(await loginFrom(s.url, '127.0.0.2', 'tom@demo.test', `guess-${i}`));
		expect(statuses.slice(0, 10).every((c) => c === 401)).toBe(true);
		expect(statuses.slice(10).every((c) => c === 429)).toBe(true);
		// Even the right password from the attacker's address waits; Tom, elsewhere, logs in.
		expect(await loginFrom(s.url, '127.0.0.2', 'tom@demo.test', 'parley-demo')).toBe(429);
		expect(await loginFrom(s.url, '127.0.0.1', 'tom@demo.test', 'parley-demo')).toBe(200);
		// Tom's own typos, then a success, which clears them: he can mistype again.
		for (let i = 0; i < 9; i++) expect(await loginFrom(s.url, '127.0.0.3', 'tom@demo.test', `typo-${i}`)).toBe(401);
		expect(await loginFrom(s.url, '127.0.0.3', 'tom@demo.test', 'parley-demo')).toBe(200);
		for (let i = 0; i < 5; i++) expect(await loginFrom(s.url, '127.0.0.3', 'tom@demo.test', `typo-again-${i}`)).toBe(401);
		expect(await loginFrom(s.url, '127.0.0.3', 'tom@demo.test', 'parley-demo')).toBe(200);
	});
});
