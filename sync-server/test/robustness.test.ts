// Limits and bad input (ARCHITECTURE "Limits"): a malformed frame closes only its own
// connection with a clear close code; the server keeps serving everyone else.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeFrame, PROTOCOL_VERSION } from '../../src/lib/protocol';
import type { DocId } from '../../src/lib/domain/types';
import { SyncClient, login, waitFor } from './helpers/sync-client';
import { startTestServer, type TestServer } from './helpers/server';

function closeOf(url: string, send: (ws: WebSocket) => void): Promise<{ code: number; reason: string }> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url);
		ws.on('error', () => {});
		ws.on('unexpected-response', (_q, r) => reject(new Error(`refused ${r.statusCode}`)));
		ws.on('open', () => send(ws));
		ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
	});
}

describe('bad input', () => {
	let server: TestServer | undefined;
	const clients: SyncClient[] = [];
	afterEach(async () => {
		for (const c of clients.splice(0)) c.close();
		await server?.destroy();
	});

	it('closes only the offending connection, with 1002, 1008, 1009 or 4426', async () => {
		server = await startTestServer();
		const { accessToken } = await login(server.url, 'owner@demo.test');
		const bystander = new SyncClient({ url: server.url, token: accessToken });
		clients.push(bystander);
		await bystander.connect();
		const sync = `${server.url.replace('http', 'ws')}/sync?token=${accessToken}`;
		const docId = [...server.visibility.contactDocIds()][0]!;

		expect((await closeOf(sync, (ws) => ws.send(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff])))).code).toBe(1002);
		expect((await closeOf(sync, (ws) => ws.send('hello'))).code).toBe(1002);
		expect((await closeOf(sync, (ws) => ws.send(new Uint8Array(2 * 1024 * 1024)))).code).toBe(1009);
		const early = encodeFrame({ type: 'update', docId, updateId: 'x1', update: new Uint8Array([0, 0]) });
		expect((await closeOf(sync, (ws) => ws.send(early))).code).toBe(1008);
		const oldVersion = encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION + 1, lastSeq: 0, clientId: 'c1' });
		expect((await closeOf(sync, (ws) => ws.send(oldVersion))).code).toBe(4426);

		// A garbage Yjs update inside a valid frame is refused, not stored, and the socket stays up.
		const c = new SyncClient({ url: server.url, token: accessToken });
		clients.push(c);
		await c.connect();
		const before = await server.store.countUpdates(docId);
		c.send({ type: 'update', docId, updateId: 'garbage1', update: new Uint8Array([1, 2, 3, 4, 5, 6]) });
		c.send({ type: 'update', docId: 'dir' as DocId, updateId: 'dir1', update: new Uint8Array([0, 0]) });
		await waitFor(() => c.traffic.errors.length >= 2, 5000, 'errors');
		expect(c.traffic.errors.map((e) => e.code).sort()).toEqual(['forbidden', 'rejected_update']);
		expect(await server.store.countUpdates(docId)).toBe(before);
		expect(c.connected).toBe(true);

		const yjs = `${server.url.replace('http', 'ws')}/yjs/${encodeURIComponent(docId)}?token=${accessToken}`;
		expect((await closeOf(yjs, (ws) => ws.send(new Uint8Array([0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f])))).code).toBe(1009);
		expect((await closeOf(yjs, (ws) => ws.send(new Uint8Array([0, 1, 5, 1])))).code).toBe(1002);
		expect((await closeOf(yjs, (ws) => ws.send('hello'))).code).toBe(1002);

		expect(bystander.connected).toBe(true);
		expect((await fetch(`${server.url}/health`)).status).toBe(200);
	});
});
