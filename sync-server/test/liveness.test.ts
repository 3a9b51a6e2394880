// Issue 17: the server pings idle WebSockets (/sync and /yjs) and drops the ones that stay
// silent, as a client that vanished without a FIN (train tunnel, captive portal) does; a client
// that answers pings, or talks, is kept however long it idles. Raw `ws` clients, one with its
// automatic pong turned off to play the vanished one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from './helpers/server';
import { login, waitFor } from './helpers/sync-client';

let server: TestServer;
let token: string;

beforeAll(async () => {
	server = await startTestServer({ liveness: { everyMs: 100, deadAfterSweeps: 3 } });
	token = (await login(server.url, 'owner@demo.test')).accessToken;
});

afterAll(async () => {
	await server?.destroy();
});

function open(path: string, autoPong: boolean): Promise<{ ws: WebSocket; closed: () => boolean; pings: () => number }> {
	const ws = new WebSocket(`${server.url.replace('http', 'ws').replace(/\/$/, '')}${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`, { autoPong });
	let closed = false;
	let pings = 0;
	ws.on('close', () => (closed = true));
	ws.on('ping', () => pings++);
	ws.on('error', () => undefined);
	return new Promise((resolve, reject) => {
		ws.once('open', () => resolve({ ws, closed: () => closed, pings: () => pings }));
		ws.once('error', reject);
	});
}

describe('server liveness', () => {
	it('drops a /sync socket that answers nothing, and keeps one that answers pings', async () => {
		const dead = await open('/sync', false);
		const live = await open('/sync', true);
		await waitFor(() => dead.closed(), 10_000, 'the silent socket dropped');
		expect(dead.pings()).toBeGreaterThanOrEqual(1);
		// Past several dead-socket bounds the answering one is still there.
		await waitFor(() => live.pings() >= 4, 10_000, 'more pings of the live socket');
		expect(live.closed()).toBe(false);
		live.ws.close();
	});

	it('drops a silent /yjs socket too', async () => {
		const dead = await open(`/yjs/${encodeURIComponent('dir')}`, false);
		await waitFor(() => dead.closed(), 10_000, 'the silent /yjs socket dropped');
	});
});

// Issue 17: /sync frames of 1 KiB and more are compressed (see SYNC_COMPRESSION for the numbers).
describe('/sync compression', () => {
	it('negotiates permessage-deflate', async () => {
		const s = await open('/sync', true);
		expect(s.ws.extensions).toContain('permessage-deflate');
		s.ws.close();
	});
});
