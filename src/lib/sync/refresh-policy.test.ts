// The client's session policy against the real sync server (port 0, Node `ws`):
// - issue 17.3: a refresh whose response is lost is made again and succeeds (the server's grace
//   window gives the same successor): nobody is logged out by the network; the client refreshes
//   only when the server refuses the token, never on a network failure; tabs racing to refresh
//   stay signed in, and with a lock only one refresh reaches the server.
// - issue 15.3 / SPEC S1.9, S9.5: a socket closed with CLOSE_UNAUTHORIZED refreshes and reconnects
//   when the token expired, and ends the session (login shown) when the session was ended
//   elsewhere (logout); logout ends the session on the server too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer } from '../../../sync-server/src/server';
import { AuthClient, memorySession, type LockFn, type SessionStorage } from './auth';
import { SyncConnection, type ConnectionState, type WebSocketCtor } from './connection';
import { Backoff } from './backoff';
import { PROTOCOL_VERSION } from '../protocol';
import { waitFor } from '../test-utils/wait';

let now = Date.now();
let server: Awaited<ReturnType<typeof startServer>>;
let dataDir: string;
let base: string;

beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-refresh-policy-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir: dataDir, seed: { contacts: 5 }, clock: () => now, log: () => undefined });
	base = server.url.replace(/\/$/, '');
});

afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

/** fetch that counts refresh requests and can lose the response of the next ones (the request reaches the server). */
function flakyFetch() {
	const state = { refreshes: 0, loseNext: 0, down: false };
	const f: typeof fetch = async (input, init) => {
		const url = String(input);
		if (state.down) throw new TypeError('fetch failed');
		if (url.endsWith('/api/auth/refresh')) state.refreshes++;
		const res = await fetch(input, init);
		if (url.endsWith('/api/auth/refresh') && state.loseNext > 0) {
			state.loseNext--;
			await res.text();
			throw new TypeError('network connection lost');
		}
		return res;
	};
	return { fetch: f, state };
}

async function signedIn(opts: { storage?: SessionStorage; lock?: LockFn } = {}) {
	const net = flakyFetch();
	const auth = new AuthClient({ baseUrl: base, storage: opts.storage ?? memorySession(), fetch: net.fetch, now: () => now, ...(opts.lock ? { lock: opts.lock } : {}) });
	if (!auth.session) {
		const r = await auth.login('ana@demo.test', 'parley-demo');
		if (!r.ok) throw new Error(r.message);
	}
	return { auth, net };
}

const me = (token: string) => fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

describe('refresh policy (issue 17.3)', () => {
	it('a lost refresh response is made again and succeeds: the session survives', async () => {
		const { auth, net } = await signedIn();
		const before = auth.session!;
		net.state.loseNext = 1;
		expect(await auth.refresh()).toBe('network');
		expect(auth.session?.refreshToken).toBe(before.refreshToken);
		// Later (within the grace window) the old token is presented again: same successor, not theft.
		now += 20_000;
		expect(await auth.refresh()).toBe('ok');
		expect(auth.session).not.toBeNull();
		expect(await me(auth.session!.accessToken)).toBe(200);
		expect(await auth.refresh()).toBe('ok');
		auth.stop();
	});

	it('refreshes only when the server refuses the token, never on a network failure', async () => {
		const { auth, net } = await signedIn();
		// Network down: the check fails, no refresh is attempted, the session stays.
		net.state.down = true;
		expect(await auth.refreshIfRejected()).toBe('network');
		expect(net.state.refreshes).toBe(0);
		expect(auth.session).not.toBeNull();
		// Network back, token good: nothing to refresh.
		net.state.down = false;
		expect(await auth.refreshIfRejected()).toBe('ok');
		expect(net.state.refreshes).toBe(0);
		// The token expired: the server says so (401), and only then the client refreshes.
		const old = auth.session!.accessToken;
		now += 16 * 60_000;
		expect(await auth.refreshIfRejected()).toBe('ok');
		expect(net.state.refreshes).toBe(1);
		expect(auth.session!.accessToken).not.toBe(old);
		expect(await me(auth.session!.accessToken)).toBe(200);
		auth.stop();
	});

	it('a socket that cannot open while the network is down never triggers a refresh', async () => {
		const { auth, net } = await signedIn();
		net.state.down = true;
		let refreshes = 0;
		let attempts = 0;
		const conn = new SyncConnection({
			// Nothing listens there: every attempt fails before opening, as on a lost network.
			url: () => (attempts++, 'ws://127.0.0.1:9/sync'),
			WebSocket: WebSocket as unknown as WebSocketCtor,
			token: () => auth.token(),
			refreshToken: () => (refreshes++, auth.refresh()),
			refusedBeforeOpen: () => auth.refreshIfRejected(),
			backoff: new Backoff({ baseMs: 5, maxMs: 20, minMs: 1 }),
			handler: { hello: async () => ({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 0, clientId: 'c' }), message: () => undefined, closed: () => undefined, state: () => undefined }
		});
		conn.start();
		await waitFor(() => attempts >= 5, 15_000, 'five failed attempts');
		conn.stop();
		expect(refreshes).toBe(0);
		expect(net.state.refreshes).toBe(0);
		expect(auth.session).not.toBeNull();
		auth.stop();
	});

	it('two tabs refreshing at once stay signed in; with a lock only one refresh reaches the server', async () => {
		const storage = memorySession();
		const tabA = await signedIn({ storage });
		const tabB = await signedIn({ storage });
		expect(tabB.auth.session?.refreshToken).toBe(tabA.auth.session?.refreshToken);
		// No lock (a browser without Web Locks): both present the same token; both get the same successor.
		const [a, b] = await Promise.all([tabA.auth.refresh(), tabB.auth.refresh()]);
		expect([a, b]).toEqual(['ok', 'ok']);
		expect(tabA.auth.session?.refreshToken).toBe(tabB.auth.session?.refreshToken);
		expect(await me(tabA.auth.session!.accessToken)).toBe(200);
		// With a lock shared by the tabs: the second adopts the first one's result.
		let held = Promise.resolve();
		const lock: LockFn = (_name, fn) => {
			const run = held.then(fn);
			held = run.then(
				() => undefined,
				() => undefined
			);
			return run;
		};
		const tabC = await signedIn({ storage, lock });
		const tabD = await signedIn({ storage, lock });
		now += 15 * 60_000; // both tokens near expiry: token() refreshes in each tab
		const [c, d] = await Promise.all([tabC.auth.token(), tabD.auth.token()]);
		expect(c).toBe(d);
		expect(tabC.net.state.refreshes + tabD.net.state.refreshes).toBe(1);
		for (const t of [tabA, tabB, tabC, tabD]) t.auth.stop();
	});
});

describe('the session ends the way the server says (issue 15.3)', () => {
	function connect(auth: AuthClient) {
		const states: Array<{ state: ConnectionState; error: string | null }> = [];
		const conn = new SyncConnection({
			url: (t) => `${base.replace('http', 'ws')}/sync?token=${encodeURIComponent(t)}`,
			WebSocket: WebSocket as unknown as WebSocketCtor,
			token: () => auth.token(),
			refreshToken: () => auth.refresh(),
			refusedBeforeOpen: () => auth.refreshIfRejected(),
			backoff: new Backoff({ baseMs: 5, maxMs: 50, minMs: 1 }),
			handler: {
				hello: async () => ({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 0, clientId: `c${Math.floor(Math.random() * 1e9)}` }),
				message: () => undefined,
				closed: () => undefined,
				state: (state, error) => states.push({ state, error })
			}
		});
		conn.start();
		return { conn, states };
	}

	it('token expiry closes the socket; the client refreshes and is back online', async () => {
		const { auth, net } = await signedIn();
		const { conn, states } = connect(auth);
		await waitFor(() => conn.state === 'online', 15_000, 'online');
		const old = auth.session!.accessToken;
		now += 16 * 60_000;
		await waitFor(() => states.some((s) => s.state === 'connecting') && conn.state === 'online' && auth.session?.accessToken !== old, 15_000, 'closed and back online');
		expect(net.state.refreshes).toBeGreaterThanOrEqual(1);
		conn.stop();
		auth.stop();
	});

	it('a logout elsewhere of this session closes the socket and ends the session here (login shown)', async () => {
		const { auth } = await signedIn();
		const { conn } = connect(auth);
		await waitFor(() => conn.state === 'online', 15_000, 'online');
		let ended = false;
		auth.subscribe((s) => (ended ||= s === null));
		const r = await fetch(`${base}/api/auth/logout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: auth.session!.refreshToken }) });
		expect(r.status).toBe(204);
		await waitFor(() => conn.state === 'offline' && conn.lastError === 'session expired', 15_000, 'session over');
		expect(ended).toBe(true);
		auth.stop();
	});

	it('logout ends the session on the server: the access token is refused at once', async () => {
		const { auth } = await signedIn();
		const token = auth.session!.accessToken;
		expect(await me(token)).toBe(200);
		auth.logout();
		let status = 200;
		const deadline = Date.now() + 5000;
		while (status === 200 && Date.now() < deadline) status = await me(token);
		expect(status).toBe(401);
	});
});
