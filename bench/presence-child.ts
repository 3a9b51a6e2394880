/**
 * The child processes of `presence.bench.ts` (forked with `--import tsx`, driven over IPC), so
 * that the server's figures are the server's: no client socket decodes frames on its event loop.
 *
 * - `server`: a Parley sync server seeded with `rooms` contacts. `raw`: a plain `ws` relay that
 *   sends every frame to every other socket (the baseline). Both count their relay time: the
 *   `ws` sockets' `message` emit is wrapped, and each `send` made while it runs (the relay is
 *   synchronous from receipt to the recipients' `send` or prepared-frame socket write, through the fan-out) records the time
 *   since the frame was received. `stats` answers with those samples and clears them.
 * - `load`: `rooms` agent sockets, each typing in its own room once a second (as the client's
 *   throttle sends typing), counting the awareness bytes each receives without decoding them.
 */
import { createServer } from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { DocId } from '../src/lib/domain/types';
import { parseDocId } from '../src/lib/domain/ids';
import { decodeServerFrame, encodeFrame, PROTOCOL_VERSION } from '../src/lib/protocol';
import { writeAwarenessUpdate } from '../src/lib/protocol/awareness';
import { startTestServer } from '../sync-server/test/helpers/server';
import { UNBUDGETED_USER_LIMITS } from '../sync-server/src/limits/user-budget';

export type ChildRequest =
	| { type: 'start-server'; rooms: number }
	| { type: 'start-raw' }
	| { type: 'start-load'; url: string; token: string | null; docs: DocId[]; user: { id: string; name: string } }
	| { type: 'stats' }
	| { type: 'stop-load' }
	| { type: 'exit' };

export type ChildReply =
	| { type: 'started'; url: string; docs: DocId[] }
	| { type: 'stats'; perSend: number[]; perFrame: number[] }
	| { type: 'load-running' }
	| { type: 'load-stopped'; bytesPerConnection: number[]; seconds: number };

function reply(msg: ChildReply): void {
	process.send?.(msg);
}

// --- relay-time counter ------------------------------------------------------------------------

const perSend: number[] = [];
const perFrame: number[] = [];

function instrumentRelay(): void {
	const proto = WebSocket.prototype as unknown as { emit(event: string | symbol, ...args: unknown[]): boolean; send(...args: unknown[]): void };
	const emit = proto.emit;
	const send = proto.send;
	let start: number | null = null;
	let last = 0;
	proto.emit = function (this: WebSocket, event: string | symbol, ...args: unknown[]): boolean {
		if (event !== 'message' || start !== null) return emit.call(this, event, ...args);
		start = performance.now();
		last = -1;
		try {
			return emit.call(this, event, ...args);
		} finally {
			if (last >= 0) perFrame.push(last);
			start = null;
		}
	};
	let inSend = false;
	proto.send = function (this: WebSocket, ...args: unknown[]): void {
		if (start !== null) {
			last = performance.now() - start;
			perSend.push(last);
		}
		inSend = true;
		try {
			send.apply(this, args);
		} finally {
			inSend = false;
		}
	};
	// The server writes fan-out frames prepared once per event straight to each socket
	// (sync-server/src/prepared-frame.ts): such a write is a recipient's send too.
	const socketProto = Socket.prototype as unknown as { write(...args: unknown[]): boolean };
	const write = socketProto.write;
	socketProto.write = function (this: Socket, ...args: unknown[]): boolean {
		if (start !== null && !inSend) {
			last = performance.now() - start;
			perSend.push(last);
		}
		return write.apply(this, args);
	};
}

// --- roles ---------------------------------------------------------------------------------------

async function startParley(rooms: number): Promise<() => Promise<void>> {
	instrumentRelay();
	// One token stands in for an agent per room.
	const server = await startTestServer({ seed: { contacts: rooms, messagesPerContact: 1 }, userLimits: UNBUDGETED_USER_LIMITS });
	const docs = [...server.visibility.contactDocIds()].filter((d) => parseDocId(d)?.kind === 'contact').slice(0, rooms) as DocId[];
	reply({ type: 'started', url: server.url, docs });
	return () => server.destroy();
}

async function startRaw(): Promise<() => Promise<void>> {
	instrumentRelay();
	const http = createServer();
	const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
	wss.on('connection', (ws) =>
		ws.on('message', (data, isBinary) => {
			for (const c of wss.clients) if (c !== ws) c.send(data, { binary: isBinary });
		})
	);
	await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
	reply({ type: 'started', url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, docs: [] });
	return async () => {
		wss.close();
		await new Promise((r) => http.close(r));
	};
}

interface Typer {
	ws: WebSocket;
	bytes: number;
	ready: boolean;
}

async function startLoad(req: Extract<ChildRequest, { type: 'start-load' }>): Promise<() => Promise<void>> {
	const typers: Typer[] = [];
	const raw = req.token === null;
	const base = req.url.replace('http', 'ws');
	for (let i = 0; i < req.docs.length; i++) {
		const ws = new WebSocket(raw ? base : `${base}/sync?token=${encodeURIComponent(req.token!)}`, { perMessageDeflate: false });
		const t: Typer = { ws, bytes: 0, ready: false };
		ws.binaryType = 'nodebuffer';
		ws.on('open', () => {
			if (raw) t.ready = true;
			else ws.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 0, clientId: `load-${i}` }));
		});
		ws.on('message', (data: Buffer) => {
			if (t.ready) {
				t.bytes += data.length;
				return;
			}
			const d = decodeServerFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
			if (d.ok && d.msg.type === 'welcome') t.ready = true;
		});
		typers.push(t);
	}
	const deadline = Date.now() + 60_000;
	while (!typers.every((t) => t.ready)) {
		if (Date.now() > deadline) throw new Error('load sockets not ready within 60 s');
		await new Promise((r) => setTimeout(r, 20));
	}
	// Spread over the second, as independent agents' keystrokes are.
	const timers: Array<ReturnType<typeof setInterval>> = [];
	typers.forEach((t, i) => {
		let c = 0;
		const send = () => {
			const state = { user: { kind: 'user', id: req.user.id, name: req.user.name }, typing: { composer: 'reply', at: Date.now() } };
			t.ws.send(encodeFrame({ type: 'awareness', docId: req.docs[i]!, update: writeAwarenessUpdate([{ clientId: 1000 + i, clock: ++c, state }], 'object') }));
		};
		timers.push(
			setTimeout(() => {
				send();
				timers.push(setInterval(send, 1_000));
			}, (i * 1_000) / typers.length)
		);
	});
	for (const t of typers) t.bytes = 0;
	const t0 = performance.now();
	reply({ type: 'load-running' });
	stopLoad = () => {
		for (const t of timers) clearTimeout(t);
		const seconds = (performance.now() - t0) / 1000;
		reply({ type: 'load-stopped', bytesPerConnection: typers.map((t) => t.bytes / seconds), seconds });
	};
	return async () => {
		for (const t of typers) t.ws.close();
	};
}

let stopLoad: () => void = () => undefined;
let cleanup: () => Promise<void> = async () => undefined;

process.on('message', (msg: ChildRequest) => {
	void (async () => {
		switch (msg.type) {
			case 'start-server':
				cleanup = await startParley(msg.rooms);
				return;
			case 'start-raw':
				cleanup = await startRaw();
				return;
			case 'start-load':
				cleanup = await startLoad(msg);
				return;
			case 'stats':
				reply({ type: 'stats', perSend: perSend.splice(0), perFrame: perFrame.splice(0) });
				return;
			case 'stop-load':
				stopLoad();
				return;
			case 'exit':
				await cleanup();
				process.exit(0);
		}
	})().catch((err: unknown) => {
		process.stderr.write(`presence bench child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
		process.exit(1);
	});
});
