/**
 * Test tools of the channel tests: a real HTTP receiver on loopback (records every request,
 * answers by a script, dedupes by Idempotency-Key as a well-behaved receiver does), signed
 * requests, a web chat visitor over a real WebSocket, and a raw /sync socket that reads and
 * writes awareness (the Node SyncClient ignores awareness).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { decodeServerFrame, encodeFrame, PROTOCOL_VERSION } from '../../src/lib/protocol';
import { contactDoc } from '../../src/lib/doc';
import { asChannelId, asEntryId, newId } from '../../src/lib/domain/ids';
import type { DocId, EntryId, MessageBody } from '../../src/lib/domain/types';
import { sign } from '../src/channels/signature';
import { readAwarenessUpdate } from '../../src/lib/protocol/awareness';
import { writeAwareness, type TypingState } from '../src/channels/typing';
import type { ServerOptions } from '../src/server';
import { startTestServer, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';

export interface ReceivedRequest {
	headers: IncomingMessage['headers'];
	body: string;
	json: Record<string, unknown>;
	/** Whether the receiver had already processed this Idempotency-Key. */
	duplicate: boolean;
}

export type Answer = { status: number; body?: string } | 'hang';

export interface Receiver {
	url: string;
	requests: ReceivedRequest[];
	/** Keys processed once (the receiver's own dedupe). */
	processed: Map<string, ReceivedRequest>;
	/** Decides the answer to each new (not yet processed) request; default 200. */
	script: (req: ReceivedRequest, n: number) => Answer;
	close(): Promise<void>;
}

export async function startReceiver(script?: Receiver['script']): Promise<Receiver> {
	const requests: ReceivedRequest[] = [];
	const processed = new Map<string, ReceivedRequest>();
	const r: Receiver = {
		url: '',
		requests,
		processed,
		script: script ?? (() => ({ status: 200 })),
		close: () => new Promise<void>((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		})
	};
	let n = 0;
	const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8');
			const key = String(req.headers['idempotency-key'] ?? '');
			const rec: ReceivedRequest = { headers: req.headers, body, json: JSON.parse(body) as Record<string, unknown>, duplicate: processed.has(key) };
			requests.push(rec);
			if (rec.duplicate) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"duplicate":true}');
			const answer = r.script(rec, n++);
			if (answer === 'hang') return;
			if (answer.status >= 200 && answer.status < 300) processed.set(key, rec);
			res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body ?? '{}');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
	return r;
}

export async function postSigned(url: string, secret: string | null, body: unknown, extraHeaders: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
	const text = typeof body === 'string' ? body : JSON.stringify(body);
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	if (secret !== null) headers['x-parley-signature'] = sign(secret, text);
	Object.assign(headers, extraHeaders);
	const res = await fetch(url, { method: 'POST', headers, body: text });
	const raw = await res.text();
	return { status: res.status, json: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} };
}

export async function api(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
	const res = await fetch(base + path, {
		method,
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
		...(body !== undefined ? { body: JSON.stringify(body) } : {})
	});
	const raw = await res.text();
	return { status: res.status, json: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} };
}

/** A web chat visitor over the real WebSocket; records every frame it receives. */
export class Visitor {
	readonly frames: Array<Record<string, unknown>> = [];
	private ws: WebSocket | null = null;
	closeCode: number | null = null;

	constructor(
		readonly base: string,
		readonly channelId: string,
		public token: string
	) {}

	static async start(base: string, channelId: string, name?: string): Promise<Visitor> {
		const res = await fetch(`${base}/api/chat/${channelId}/session`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(name !== undefined ? { name } : {})
		});
		if (res.status !== 201) throw new Error(`session: ${res.status} ${await res.text()}`);
		const { token } = (await res.json()) as { token: string };
		const v = new Visitor(base, channelId, token);
		await v.connect();
		return v;
	}

	/** Opens the socket; resolves once the history frame arrived. */
	async connect(): Promise<void> {
		this.frames.length = 0;
		const ws = new WebSocket(`${this.base.replace(/^http/, 'ws')}/api/chat/${this.channelId}/ws?visitor=${encodeURIComponent(this.token)}`);
		this.ws = ws;
		ws.on('message', (d: Buffer) => this.frames.push(JSON.parse(d.toString('utf8')) as Record<string, unknown>));
		ws.on('close', (code) => (this.closeCode = code));
		await new Promise<void>((resolve, reject) => {
			ws.once('open', () => resolve());
			ws.once('error', reject);
			ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
		});
		await this.waitFrame((f) => f.type === 'history');
	}

	send(msg: Record<string, unknown>): void {
		this.ws?.send(JSON.stringify(msg));
	}

	sendRaw(data: string | Buffer): void {
		this.ws?.send(data);
	}

	async waitFrame(pred: (f: Record<string, unknown>) => boolean, what = 'visitor frame'): Promise<Record<string, unknown>> {
		await waitFor(() => this.frames.some(pred), 10_000, what);
		return this.frames.find(pred)!;
	}

	get history(): Array<Record<string, unknown>> {
		const h = this.frames.find((f) => f.type === 'history');
		return (h?.messages as Array<Record<string, unknown>> | undefined) ?? [];
	}

	/** Every message the visitor was shown (history and live). */
	get shown(): Array<Record<string, unknown>> {
		return [...this.history, ...this.frames.filter((f) => f.type === 'message').map((f) => f.message as Record<string, unknown>)];
	}

	close(): void {
		this.ws?.close();
	}
}

/** A bare /sync socket of a user, used for awareness only. */
export class AwarenessSocket {
	readonly received: Array<{ docId: DocId; clientId: number; state: unknown }> = [];
	private ws!: WebSocket;
	private clock = 0;
	private readonly clientId = 1 + Math.floor(Math.random() * 1e9);

	static async open(base: string, token: string): Promise<AwarenessSocket> {
		const s = new AwarenessSocket();
		s.ws = new WebSocket(`${base.replace(/^http/, 'ws')}/sync?token=${encodeURIComponent(token)}`);
		s.ws.binaryType = 'nodebuffer';
		s.ws.on('message', (d: Buffer) => {
			const decoded = decodeServerFrame(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
			if (!decoded.ok || decoded.msg.type !== 'awareness') return;
			for (const e of readAwarenessUpdate(decoded.msg.update, 'json') ?? []) s.received.push({ docId: decoded.msg.docId, clientId: e.clientId, state: e.state });
		});
		await new Promise<void>((resolve, reject) => {
			s.ws.once('open', () => resolve());
			s.ws.once('error', reject);
		});
		s.ws.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 0, clientId: `aw-${s.clientId}` }));
		return s;
	}

	publish(docId: DocId, state: TypingState | null): void {
		this.ws.send(encodeFrame({ type: 'awareness', docId, update: writeAwareness(this.clientId, ++this.clock, state) }));
	}

	close(): void {
		this.ws.close();
	}
}

/** A server with a webhook channel posting to a real receiver, and the owner connected over /sync. */
export interface WebhookBench {
	server: TestServer;
	receiver: Receiver;
	owner: SyncClient;
	token: string;
	channelId: string;
	secret: string;
	close(): Promise<void>;
}

export async function startWebhookBench(channelName: string, opts: ServerOptions = {}): Promise<WebhookBench> {
	const receiver = await startReceiver();
	const server = await startTestServer({ ...opts, channels: { ...opts.channels, allowPrivate: true } });
	const token = (await login(server.url, 'owner@demo.test')).accessToken;
	const ch = await api(server.url, token, 'POST', '/api/directory/channels', { name: channelName, kind: 'webhook', url: receiver.url });
	const owner = new SyncClient({ url: server.url, token });
	await owner.connect();
	return {
		server,
		receiver,
		owner,
		token,
		channelId: ch.json.id as string,
		secret: ch.json.secret as string,
		async close() {
			owner.close();
			await server.destroy();
			await receiver.close();
		}
	};
}

/**
 * An outgoing message written into the thread by an agent's client, as the app writes it (the
 * author is the client's own user: Olivia, the owner, unless told); returns its entry id.
 */
export function writeOutgoing(agent: SyncClient, docId: DocId, channelId: string, body: MessageBody, opts: { userId?: string; replyTo?: EntryId } = {}): EntryId {
	const id = asEntryId(newId());
	agent.edit(docId, (y) =>
		contactDoc(y).thread.append({
			id,
			kind: 'message',
			direction: 'out',
			channelId: asChannelId(channelId),
			at: Date.now(),
			author: { type: 'user', id: opts.userId ?? 'u-olivia' },
			body,
			...(opts.replyTo ? { replyTo: opts.replyTo } : {})
		})
	);
	return id;
}
