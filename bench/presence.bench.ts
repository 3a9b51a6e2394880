/**
 * Presence figures (SPEC S5.8, S9.4): typing-indicator latency from the awareness frame sent by
 * one agent to its arrival at another agent's socket through the sync server (loopback, so the
 * figure is the server's relay cost plus two socket hops), beside a raw `ws` relay of the same
 * bytes in the same run; then 100 agents typing in 100 rooms (one typing state per second each,
 * as the client's throttle sends them) with the latency under that load and the awareness bytes
 * per second each connection receives (every agent here may see every room: the worst case).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { contactDocId } from '../src/lib/domain/ids';
import type { ContactId, DocId } from '../src/lib/domain/types';
import { decodeServerFrame, encodeFrame, PROTOCOL_VERSION } from '../src/lib/protocol';
import { decodeAwareness, encodeAwareness } from '../src/lib/sync/awareness';
import { parseDocId } from '../src/lib/domain/ids';
import { startTestServer } from '../sync-server/test/helpers/server';
import { login, waitFor } from '../sync-server/test/helpers/sync-client';
import { percentile, type Benchmark, type Figure } from './harness';

class Agent {
	readonly ws: WebSocket;
	welcomed = false;
	awarenessBytes = 0;
	clock = 0;
	onAwareness: (docId: DocId, clientId: number, clock: number) => void = () => undefined;

	constructor(url: string, token: string, readonly clientId: number) {
		this.ws = new WebSocket(`${url.replace('http', 'ws')}/sync?token=${encodeURIComponent(token)}`, { perMessageDeflate: false });
		this.ws.binaryType = 'arraybuffer';
		this.ws.on('open', () => this.ws.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 0, clientId: `bench-${clientId}` })));
		this.ws.on('message', (data: ArrayBuffer) => {
			const bytes = new Uint8Array(data);
			const d = decodeServerFrame(bytes);
			if (!d.ok) return;
			if (d.msg.type === 'welcome') this.welcomed = true;
			if (d.msg.type === 'awareness') {
				this.awarenessBytes += bytes.length;
				for (const e of decodeAwareness(d.msg.update) ?? []) this.onAwareness(d.msg.docId, e.clientId, e.clock);
			}
		});
	}

	typing(docId: DocId): void {
		const state = { user: { kind: 'user', id: 'u-olivia', name: 'Olivia' }, typing: { composer: 'reply', at: Date.now() } };
		this.ws.send(encodeFrame({ type: 'awareness', docId, update: encodeAwareness([{ clientId: this.clientId, clock: ++this.clock, state }]) }));
	}
}

/** Resolves on the next `hit()` (event-driven: a polling wait would round every figure up to its period). */
class Arrival {
	#resolve: (() => void) | null = null;
	next(): Promise<void> {
		return new Promise((r, j) => {
			const t = setTimeout(() => j(new Error('awareness did not arrive within 10 s')), 10_000);
			this.#resolve = () => {
				clearTimeout(t);
				r();
			};
		});
	}
	hit(): void {
		const r = this.#resolve;
		this.#resolve = null;
		r?.();
	}
}

async function latencies(rounds: number, send: (i: number) => void, arrival: Arrival): Promise<number[]> {
	const out: number[] = [];
	for (let i = 0; i < rounds; i++) {
		const arrived = arrival.next();
		const t0 = performance.now();
		send(i);
		await arrived;
		out.push(performance.now() - t0);
		// The server allows 10 awareness messages/s per connection (burst 20): stay under it.
		await new Promise((r) => setTimeout(r, 110));
	}
	return out;
}

async function run(quick: boolean): Promise<Figure[]> {
	const rooms = quick ? 20 : 100;
	const server = await startTestServer({ seed: { contacts: rooms, messagesPerContact: 1 } });
	const agents: Agent[] = [];
	try {
		const { accessToken } = await login(server.url, 'owner@demo.test');
		const docs = [...server.visibility.contactDocIds()].filter((d) => parseDocId(d)?.kind === 'contact').slice(0, rooms) as DocId[];
		const a = new Agent(server.url, accessToken, 1);
		const b = new Agent(server.url, accessToken, 2);
		agents.push(a, b);
		await waitFor(() => a.welcomed && b.welcomed, 30_000, 'welcome');
		const got = new Arrival();
		b.onAwareness = (_d, c) => c === 1 && got.hit();
		const room = docs[0] ?? contactDocId('none' as ContactId);
		const rounds = quick ? 20 : 200;
		const ours = await latencies(rounds, () => a.typing(room), got);

		// Baseline: a raw ws relay of the same frame bytes.
		const http = createServer();
		const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
		wss.on('connection', (ws) => ws.on('message', (data) => {
			for (const c of wss.clients) if (c !== ws) c.send(data);
		}));
		await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
		const port = (http.address() as AddressInfo).port;
		const open = (u: string) => new Promise<WebSocket>((res) => { const w = new WebSocket(u, { perMessageDeflate: false }); w.on('open', () => res(w)); });
		const rs = await open(`ws://127.0.0.1:${port}`);
		const rr = await open(`ws://127.0.0.1:${port}`);
		const rawGot = new Arrival();
		rr.on('message', () => rawGot.hit());
		const frame = encodeFrame({ type: 'awareness', docId: room, update: encodeAwareness([{ clientId: 1, clock: 1, state: { user: { kind: 'user', id: 'u-olivia', name: 'Olivia' }, typing: { composer: 'reply', at: 0 } } }]) });
		const raw = await latencies(rounds, () => rs.send(frame), rawGot);
		rs.close();
		rr.close();
		wss.close();
		http.close();

		// Load: one agent per room typing once a second; every agent receives every room.
		const typers: Agent[] = [];
		for (let i = 0; i < rooms; i++) typers.push(new Agent(server.url, accessToken, 100 + i));
		agents.push(...typers);
		await waitFor(() => typers.every((t) => t.welcomed), 60_000, 'typers welcome');
		const seconds = quick ? 2 : 5;
		for (const t of typers) t.awarenessBytes = 0;
		b.awarenessBytes = 0;
		const tick = setInterval(() => typers.forEach((t, i) => t.typing(docs[i]!)), 1_000);
		typers.forEach((t, i) => t.typing(docs[i]!));
		const t0 = performance.now();
		const loaded = await latencies(quick ? 10 : 40, () => a.typing(room), got);
		await new Promise((r) => setTimeout(r, Math.max(0, seconds * 1000 - (performance.now() - t0))));
		clearInterval(tick);
		const elapsed = (performance.now() - t0) / 1000;
		const perConn = typers.reduce((n, t) => n + t.awarenessBytes, 0) / typers.length / elapsed;

		return [
			{ figure: 'typing awareness frame, agent to agent socket via server (p95)', value: percentile(ours, 95), unit: 'ms', baseline: { label: 'raw ws relay', value: percentile(raw, 95) }, target: '<= 3' },
			{ figure: 'typing awareness frame, agent to agent socket via server (p50)', value: percentile(ours, 50), unit: 'ms', baseline: { label: 'raw ws relay', value: percentile(raw, 50) } },
			{ figure: `typing latency with ${rooms} agents typing in ${rooms} rooms (p95)`, value: percentile(loaded, 95), unit: 'ms', target: '<= 3' },
			{ figure: `awareness received per connection, ${rooms} rooms typing, all visible`, value: perConn, unit: 'B/s' }
		];
	} finally {
		for (const g of agents) g.ws.close();
		await server.destroy();
	}
}

export const benchmarks: Benchmark[] = [{ name: 'presence', run: (ctx) => run(ctx.quick) }];
