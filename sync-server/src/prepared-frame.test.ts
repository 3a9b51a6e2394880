// Prepared frames (`prepared-frame.ts`) reach a stock `ws` client byte for byte, in order with
// frames sent by `ws.send`, for every length class of the header, and the fallback path serves
// a connection that negotiated permessage-deflate. Real sockets on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { prepareFrame, sendPrepared } from './prepared-frame';
import { waitFor } from '../../src/lib/test-utils/wait';

interface Pair {
	server: WebSocket;
	client: WebSocket;
	received: Buffer[];
}

const opened: Array<{ http: Server; wss: WebSocketServer; client: WebSocket }> = [];

afterEach(async () => {
	for (const { http, wss, client } of opened.splice(0)) {
		client.terminate();
		wss.close();
		await new Promise<void>((resolve) => http.close(() => resolve()));
	}
});

async function pair(deflate: boolean, threshold = 0): Promise<Pair> {
	const http = createServer();
	const wss = new WebSocketServer({ server: http, perMessageDeflate: deflate ? { threshold } : false });
	await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
	const port = (http.address() as AddressInfo).port;
	const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
	const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: deflate });
	opened.push({ http, wss, client });
	const received: Buffer[] = [];
	client.on('message', (data: Buffer) => received.push(data));
	await new Promise((resolve) => client.once('open', resolve));
	return { server: await serverSide, client, received };
}

const payloadOf = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
const LENGTHS = [0, 1, 125, 126, 127, 65_535, 65_536, 300_000];

describe('prepared frames', () => {
	it('arrive intact and in order with ws.send frames, for every header length class', async () => {
		const { server, received } = await pair(false);
		const sent: Uint8Array[] = [];
		LENGTHS.forEach((length, i) => {
			const payload = payloadOf(length, i);
			sendPrepared(server, prepareFrame(payload));
			const plain = payloadOf(7, 100 + i);
			server.send(plain);
			sent.push(payload, plain);
		});
		await waitFor(() => received.length === sent.length, 5_000);
		received.forEach((got, i) => expect(Buffer.compare(got, Buffer.from(sent[i]!)), `frame ${i}`).toBe(0));
	});

	it('one prepared frame serves many sockets', async () => {
		const pairs = await Promise.all([pair(false), pair(false), pair(false)]);
		const prepared = prepareFrame(payloadOf(150, 7));
		for (const p of pairs) sendPrepared(p.server, prepared);
		await waitFor(() => pairs.every((p) => p.received.length === 1), 5_000);
		for (const p of pairs) expect(Buffer.compare(p.received[0]!, Buffer.from(payloadOf(150, 7)))).toBe(0);
	});

	// Issue 17: /sync compresses messages of 1 KiB and more; smaller ones keep the prepared path.
	it('writes frames below the permessage-deflate threshold as they are, in order with compressed ones', async () => {
		const { server, received } = await pair(true, 1024);
		const writes: number[] = [];
		const socket = (server as unknown as { _socket: { write(b: Buffer): boolean } })._socket;
		const write = socket.write.bind(socket);
		socket.write = (b: Buffer) => (writes.push(b.length), write(b));
		const small = payloadOf(300, 5);
		const big = new Uint8Array(50_000).fill(7);
		sendPrepared(server, prepareFrame(small));
		server.send(big);
		await waitFor(() => received.length === 2, 5_000);
		sendPrepared(server, prepareFrame(small));
		await waitFor(() => received.length === 3, 5_000);
		// One write of the whole frame (header 4 + payload 300): the prepared path, not ws.send.
		expect(writes[0]).toBe(304);
		expect(Buffer.compare(received[0]!, Buffer.from(small))).toBe(0);
		expect(Buffer.compare(received[1]!, Buffer.from(big))).toBe(0);
		expect(Buffer.compare(received[2]!, Buffer.from(small))).toBe(0);
	});

	it('keeps order behind a message ws is still compressing (falls back to ws.send)', async () => {
		const { server, received } = await pair(true);
		const big = new Uint8Array(200_000).fill(42);
		const small = payloadOf(2000, 3);
		server.send(big);
		sendPrepared(server, prepareFrame(small));
		await waitFor(() => received.length === 2, 5_000);
		expect(received[0]!.length).toBe(big.length);
		expect(Buffer.compare(received[1]!, Buffer.from(small))).toBe(0);
	});
});
