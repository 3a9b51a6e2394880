// The connection's reconnect loop against a real listening socket: a refused upgrade asks for a
// token refresh and retries with backoff; stop() ends the loop; a denied refresh ends the session.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Backoff } from './backoff';
import { PROTOCOL_VERSION } from '../protocol';
import { SyncConnection, type ConnectionState, type WebSocketCtor } from './connection';
import { waitFor } from '../test-utils/wait';
import { startServer } from '../../../sync-server/src/server';

let http: Server | null = null;

afterEach(async () => {
	await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
	http = null;
});

/** An HTTP server that refuses every WebSocket upgrade with 401, like the sync server on a bad token. */
async function refusingServer(): Promise<number> {
	http = createServer((_req, res) => res.end());
	http.on('upgrade', (_req, socket) => {
		// The client may reset the socket while the refusal is written; that is not a failure here.
		socket.on('error', () => undefined);
		socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
	});
	await new Promise<void>((r) => http!.listen(0, '127.0.0.1', () => r()));
	const addr = http.address();
	return typeof addr === 'object' && addr ? addr.port : 0;
}

function connection(port: number, refresh: () => Promise<'ok' | 'network' | 'denied'>, backoff = new Backoff({ baseMs: 5, maxMs: 20, minMs: 1 })) {
	const states: ConnectionState[] = [];
	let tokens = 0;
	const conn = new SyncConnection({
		url: (t) => `ws://127.0.0.1:${port}/sync?token=${t}`,
		WebSocket: WebSocket as unknown as WebSocketCtor,
		token: async () => `t${++tokens}`,
		refreshToken: refresh,
		backoff,
		handler: {
			hello: async () => ({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 0, clientId: 'c' }),
			message: () => undefined,
			closed: () => undefined,
			state: (s) => states.push(s)
		}
	});
	return { conn, states, tokens: () => tokens };
}

describe('SyncConnection', () => {
	it('refreshes the token and retries with backoff while the upgrade is refused', async () => {
		const port = await refusingServer();
		let refreshes = 0;
		const { conn, tokens } = connection(port, async () => (refreshes++, 'ok'));
		conn.start();
		await waitFor(() => tokens() >= 3 && refreshes >= 2, 10_000, 'three attempts');
		// Issue 17: once an attempt failed the state says offline while retries go on.
		expect(conn.state).toBe('offline');
		conn.stop();
		expect(conn.state).toBe('offline');
	});

	it('stops when the refresh is denied (the session is over)', async () => {
		const port = await refusingServer();
		const { conn } = connection(port, async () => 'denied');
		conn.start();
		await waitFor(() => conn.state === 'offline' && conn.lastError === 'session expired', 10_000, 'stopped');
	});

	// Issue 17: a sign that the network works (tab visible again, an HTTP answer, the browser's
	// online event) cuts a long backoff short.
	it('retries at once when nudged instead of waiting out its backoff', async () => {
		const port = await refusingServer();
		const { conn, tokens } = connection(port, async () => 'network', new Backoff({ baseMs: 60_000, maxMs: 60_000, minMs: 60_000 }));
		conn.start();
		await waitFor(() => tokens() === 1 && conn.state === 'offline', 10_000, 'a first attempt, then a long wait');
		await new Promise((r) => setTimeout(r, 200));
		expect(tokens()).toBe(1);
		conn.nudge();
		await waitFor(() => tokens() === 2, 5_000, 'a second attempt at once');
		conn.setNetworkAvailable(true);
		await waitFor(() => tokens() === 3, 5_000, 'the online event retries too');
		conn.stop();
	});

	it('stays offline while the network is down and reconnects when it returns', async () => {
		const port = await refusingServer();
		const { conn, tokens } = connection(port, async () => 'network');
		conn.setNetworkAvailable(false);
		conn.start();
		expect(tokens()).toBe(0);
		expect(conn.state).toBe('offline');
		conn.setNetworkAvailable(true);
		await waitFor(() => tokens() >= 1, 10_000, 'an attempt');
		conn.stop();
	});
});

describe('SyncConnection against a server of another protocol version', () => {
	// SPEC S9.5 (the connection state says what is true: a tab the server was updated past cannot sync, and says so)
	it('stops on the server refusal of its version and reports itself outdated, without retrying', async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'parley-conn-version-'));
		const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, seed: { contacts: 2, messagesPerContact: 1 }, log: () => undefined });
		try {
			const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@demo.test', password: 'parley-demo' }) });
			const { accessToken } = (await res.json()) as { accessToken: string };
			let attempts = 0;
			const states: ConnectionState[] = [];
			const conn = new SyncConnection({
				url: (t) => `${server.url.replace(/^http/, 'ws')}/sync?token=${t}`,
				WebSocket: WebSocket as unknown as WebSocketCtor,
				token: async () => (attempts++, accessToken),
				refreshToken: async () => 'ok',
				backoff: new Backoff({ baseMs: 5, maxMs: 20, minMs: 1 }),
				handler: {
					// The code of a tab opened before the server was updated.
					hello: async () => ({ type: 'hello', protocolVersion: PROTOCOL_VERSION - 1, lastSeq: 0, clientId: 'old-tab' }),
					message: () => undefined,
					closed: () => undefined,
					state: (s) => states.push(s)
				}
			});
			expect(conn.outdated).toBe(false);
			conn.start();
			await waitFor(() => conn.outdated, 10_000, 'refused as outdated');
			expect(conn.state).toBe('offline');
			expect(conn.lastError).toMatch(/protocol version/);
			// Reconnecting cannot help: no second attempt.
			await new Promise((r) => setTimeout(r, 300));
			expect(attempts).toBe(1);
			conn.stop();
		} finally {
			await server.close();
			rmSync(dataDir, { recursive: true, force: true });
		}
	});
});
