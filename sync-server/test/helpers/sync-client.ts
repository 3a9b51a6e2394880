/**
 * A Node client of `GET /sync` for tests and benchmarks, built on `src/lib/protocol` and
 * holding one Y.Doc per document. It follows the protocol as the browser does: HELLO{lastSeq},
 * SYNC step 1 for every document WELCOME lists, answers the server's step 1, keeps every local
 * update until ACKed and resends it on reconnect (same updateId), and persists lastSeq at
 * CATCHUP_DONE and from each seq it sees afterwards. With `reconnect`, a lost connection is
 * retried with exponential backoff and full jitter, fetching a fresh token each time.
 * It records what it received (welcomes, step 2 counts, remote updates, acks, errors) so tests
 * can assert on the traffic, not only on the final state; with `recordFrames`, every raw frame.
 * A `rejected_update` ERROR is handled as the browser does: the update is dropped from the
 * pending queue and the document is reset (dropped and synced again from an empty state vector).
 */
import WebSocket from 'ws';
import * as Y from 'yjs';
import {
	ChunkAssembler,
	decodeServerFrame,
	decodeTransfer,
	encodeFrame,
	PROTOCOL_VERSION,
	type ClientMessage,
	type ErrorMessage,
	type ServerMessage,
	type WelcomeMessage
} from '../../../src/lib/protocol';
import { ensureContactRoots, ensureDirectoryRoots } from '../../../src/lib/doc';
import { parseDocId } from '../../../src/lib/domain/ids';
import type { DocId } from '../../../src/lib/domain/types';
import { waitFor } from '../../../src/lib/test-utils/wait';

export interface SyncClientOptions {
	/** Base URL of the server (http://127.0.0.1:port). */
	url: string;
	/** The access token, or a function fetching a fresh one (called on every (re)connect). */
	token: string | (() => Promise<string>);
	clientId?: string;
	lastSeq?: number;
	/** Send the ids of held documents in HELLO. */
	sendKnownDocs?: boolean;
	/** Reconnect with backoff after an unexpected close. */
	reconnect?: { baseMs: number; maxMs: number };
	/** Keep every raw frame received, in order (`traffic.frames`). */
	recordFrames?: boolean;
}

export interface Traffic {
	welcomes: WelcomeMessage[];
	/** Documents that got a step 2 from the server, per session (index = welcome index). */
	step2: DocId[][];
	remoteUpdates: Array<{ docId: DocId; seq: number }>;
	acks: Array<{ docId: DocId; updateId: string; seq: number }>;
	grants: DocId[];
	revokes: Array<{ docId: DocId; reason: string }>;
	errors: ErrorMessage[];
	catchups: number[];
	closes: Array<{ code: number; reason: string }>;
	bytesIn: number;
	/** Raw frames with their arrival time (only with `recordFrames`). */
	frames: Array<{ at: number; bytes: Uint8Array }>;
	/** Documents reset after a rejected update. */
	resets: DocId[];
}

const REMOTE = Symbol('remote');
let counter = 0;

export class SyncClient {
	readonly docs = new Map<DocId, Y.Doc>();
	readonly pending = new Map<string, { docId: DocId; update: Uint8Array }>();
	readonly traffic: Traffic = {
		welcomes: [],
		step2: [],
		remoteUpdates: [],
		acks: [],
		grants: [],
		revokes: [],
		errors: [],
		catchups: [],
		closes: [],
		bytesIn: 0,
		frames: [],
		resets: []
	};
	private nonce = 0;
	private readonly pongs = new Map<number, () => void>();
	lastSeq: number;
	readonly clientId: string;
	private ws: WebSocket | null = null;
	private caughtUp = false;
	private wantOpen = false;
	private attempt = 0;
	private timer: NodeJS.Timeout | null = null;
	private resendTimer: NodeJS.Timeout | null = null;
	private assembler = new ChunkAssembler();
	/** Called after each server message is handled (benchmarks time on it instead of polling). */
	onMessage: ((msg: ServerMessage) => void) | null = null;

	constructor(private readonly opts: SyncClientOptions) {
		this.lastSeq = opts.lastSeq ?? 0;
		this.clientId = opts.clientId ?? `test-client-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
	}

	get connected(): boolean {
		return this.ws?.readyState === WebSocket.OPEN;
	}

	get isCaughtUp(): boolean {
		return this.connected && this.caughtUp;
	}

	/** Opens the connection; resolves at CATCHUP_DONE. */
	async connect(timeoutMs = 20_000): Promise<void> {
		this.wantOpen = true;
		const before = this.traffic.catchups.length;
		await this.open();
		await waitFor(() => this.traffic.catchups.length > before && this.caughtUp, timeoutMs, 'catch-up');
	}

	/** Closes for good (no reconnect). */
	close(): void {
		this.wantOpen = false;
		if (this.timer) clearTimeout(this.timer);
		if (this.resendTimer) clearTimeout(this.resendTimer);
		this.ws?.close(1000, 'bye');
	}

	/** Drops the socket abruptly; with `reconnect`, the client comes back on its own. */
	terminate(): void {
		this.ws?.terminate();
	}

	doc(docId: DocId): Y.Doc {
		let d = this.docs.get(docId);
		if (!d) {
			d = new Y.Doc();
			if (parseDocId(docId)?.kind === 'dir') ensureDirectoryRoots(d);
			else ensureContactRoots(d);
			this.docs.set(docId, d);
		}
		return d;
	}

	/** Applies `fn` locally, queues its update until acked, sends it when connected; returns the updateId. */
	edit(docId: DocId, fn: (ydoc: Y.Doc) => void): string | null {
		const ydoc = this.doc(docId);
		const captured: Uint8Array[] = [];
		const onUpdate = (u: Uint8Array, origin: unknown) => {
			if (origin !== REMOTE) captured.push(u);
		};
		ydoc.on('update', onUpdate);
		try {
			ydoc.transact(() => fn(ydoc));
		} finally {
			ydoc.off('update', onUpdate);
		}
		if (captured.length === 0) return null;
		const update = captured.length === 1 ? captured[0]! : Y.mergeUpdates(captured);
		const updateId = `u${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
		this.pending.set(updateId, { docId, update });
		if (this.caughtUp) this.send({ type: 'update', docId, updateId, update });
		return updateId;
	}

	/** Round trip of a PING; resolves with the milliseconds it took. */
	ping(timeoutMs = 10_000): Promise<number> {
		const nonce = ++this.nonce;
		const t0 = performance.now();
		return new Promise<number>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pongs.delete(nonce);
				reject(new Error(`no PONG within ${timeoutMs} ms`));
			}, timeoutMs);
			this.pongs.set(nonce, () => {
				clearTimeout(timer);
				resolve(performance.now() - t0);
			});
			this.send({ type: 'ping', nonce });
		});
	}

	isAcked(updateId: string): boolean {
		return !this.pending.has(updateId);
	}

	send(msg: ClientMessage): void {
		if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeFrame(msg));
	}

	/** Opens the socket and sends HELLO (without waiting for the catch-up). */
	async open(): Promise<void> {
		const token = typeof this.opts.token === 'string' ? this.opts.token : await this.opts.token();
		const wsUrl = `${this.opts.url.replace(/^http/, 'ws')}/sync?token=${encodeURIComponent(token)}`;
		const ws = new WebSocket(wsUrl);
		this.ws = ws;
		this.caughtUp = false;
		this.assembler = new ChunkAssembler();
		ws.binaryType = 'nodebuffer';
		await new Promise<void>((resolve, reject) => {
			ws.once('open', () => resolve());
			ws.once('error', reject);
			ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
		}).catch((err: unknown) => {
			this.scheduleReconnect();
			throw err;
		});
		ws.on('error', () => {});
		ws.on('message', (data: Buffer) => this.onFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
		ws.on('close', (code, reason) => {
			this.traffic.closes.push({ code, reason: reason.toString() });
			if (this.ws === ws) {
				this.ws = null;
				this.caughtUp = false;
				this.scheduleReconnect();
			}
		});
		this.attempt = 0;
		const hello: ClientMessage = { type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: this.lastSeq, clientId: this.clientId };
		if (this.opts.sendKnownDocs) hello.knownDocs = [...this.docs.keys()];
		this.send(hello);
	}

	private scheduleReconnect(): void {
		if (!this.wantOpen || !this.opts.reconnect || this.timer) return;
		const { baseMs, maxMs } = this.opts.reconnect;
		// Full jitter: a random delay up to the exponential bound, so clients do not come back in lockstep.
		const delay = Math.random() * Math.min(maxMs, baseMs * 2 ** this.attempt++);
		this.timer = setTimeout(() => {
			this.timer = null;
			this.open().catch(() => {});
		}, delay);
	}

	private onFrame(bytes: Uint8Array): void {
		this.traffic.bytesIn += bytes.length;
		if (this.opts.recordFrames) this.traffic.frames.push({ at: Date.now(), bytes: bytes.slice() });
		const decoded = decodeServerFrame(bytes);
		if (!decoded.ok) throw new Error(`bad server frame: ${decoded.error.message}`);
		const msg = decoded.msg;
		if (msg.type === 'chunk') {
			const r = this.assembler.accept(msg);
			if (r.status === 'error') throw new Error(`bad chunk: ${r.error.message}`);
			if (r.status === 'complete') {
				const inner = decodeTransfer(r.docId, r.bytes);
				if (!inner.ok) throw new Error(`bad transfer: ${inner.error.message}`);
				this.handle(inner.msg);
				this.onMessage?.(inner.msg);
			}
			return;
		}
		this.handle(msg);
		this.onMessage?.(msg);
	}

	private handle(msg: ServerMessage): void {
		switch (msg.type) {
			case 'welcome': {
				this.traffic.welcomes.push(msg);
				this.traffic.step2.push([]);
				for (const d of msg.revoked) this.dropDoc(d);
				if (msg.full) for (const d of [...this.docs.keys()]) if (!msg.changed.includes(d)) this.dropDoc(d);
				for (const d of msg.changed) this.send({ type: 'sync', docId: d, step: 'step1', stateVector: Y.encodeStateVector(this.doc(d)) });
				for (const [updateId, p] of this.pending) this.send({ type: 'update', docId: p.docId, updateId, update: p.update });
				return;
			}
			case 'catchup-done':
				this.caughtUp = true;
				this.lastSeq = Math.max(this.lastSeq, msg.seq);
				this.traffic.catchups.push(msg.seq);
				return;
			case 'sync':
				if (msg.step === 'step1') {
					// Only structs the server lacks are worth sending: local deletions travel as pending UPDATEs.
					const local = Y.decodeStateVector(Y.encodeStateVector(this.doc(msg.docId)));
					const remote = Y.decodeStateVector(msg.stateVector);
					if ([...local].some(([client, clock]) => clock > (remote.get(client) ?? 0))) {
						this.send({ type: 'sync', docId: msg.docId, step: 'step2', update: Y.encodeStateAsUpdate(this.doc(msg.docId), msg.stateVector) });
					}
					return;
				}
				Y.applyUpdate(this.doc(msg.docId), msg.update, REMOTE);
				if (msg.step === 'step2') this.traffic.step2[this.traffic.step2.length - 1]?.push(msg.docId);
				return;
			case 'remote-update':
				Y.applyUpdate(this.doc(msg.docId), msg.update, REMOTE);
				this.traffic.remoteUpdates.push({ docId: msg.docId, seq: msg.seq });
				if (this.caughtUp) this.lastSeq = Math.max(this.lastSeq, msg.seq);
				return;
			case 'ack':
				this.pending.delete(msg.updateId);
				this.traffic.acks.push({ docId: msg.docId, updateId: msg.updateId, seq: msg.seq });
				if (this.caughtUp) this.lastSeq = Math.max(this.lastSeq, msg.seq);
				return;
			case 'grant':
				this.traffic.grants.push(msg.docId);
				this.send({ type: 'sync', docId: msg.docId, step: 'step1', stateVector: Y.encodeStateVector(this.doc(msg.docId)) });
				return;
			case 'revoke':
				this.traffic.revokes.push({ docId: msg.docId, reason: msg.reason });
				this.dropDoc(msg.docId);
				return;
			case 'error': {
				this.traffic.errors.push(msg);
				// Over the rate the server answers once per window and drops the rest silently: every
				// pending update is sent again after a pause (as the app's replica does).
				if (msg.code === 'rate_limited' && msg.updateId !== undefined && !this.resendTimer) {
					this.resendTimer = setTimeout(() => {
						this.resendTimer = null;
						for (const [id, p] of this.pending) this.send({ type: 'update', docId: p.docId, updateId: id, update: p.update });
					}, 1000 + Math.random() * 100);
				}
				if (msg.code === 'rejected_update' && msg.docId !== undefined) {
					if (msg.updateId !== undefined) this.pending.delete(msg.updateId);
					this.traffic.resets.push(msg.docId);
					this.dropDoc(msg.docId);
					this.send({ type: 'sync', docId: msg.docId, step: 'step1', stateVector: Y.encodeStateVector(this.doc(msg.docId)) });
				}
				return;
			}
			case 'ping':
				this.send({ type: 'pong', nonce: msg.nonce });
				return;
			case 'pong':
				this.pongs.get(msg.nonce)?.();
				this.pongs.delete(msg.nonce);
				return;
			case 'awareness':
				return;
		}
	}

	private dropDoc(docId: DocId): void {
		this.docs.get(docId)?.destroy();
		this.docs.delete(docId);
	}
}

/** Polls `cond` until true or the deadline passes (then throws, naming `what`). */
/** The shared wait of every test, re-exported: most server tests import it from here. */
export { waitFor };

export async function login(url: string, email: string, password = 'parley-demo'): Promise<{ accessToken: string; refreshToken: string }> {
	const res = await fetch(`${url}/api/auth/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ email, password })
	});
	if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
	return (await res.json()) as { accessToken: string; refreshToken: string };
}
