/**
 * The socket of `GET /sync`: one WebSocket, kept open with reconnects.
 *
 * Lifecycle: `connecting` (socket opening, HELLO sent, waiting for WELCOME) -> `online` (WELCOME
 * received) -> back to `connecting` after a drop, retried with exponential backoff and jitter,
 * or `offline` while the network is known to be down (`setNetworkAvailable(false)`) or the
 * connection was stopped. Every opening asks `token()` for a current access token (the auth
 * layer refreshes it before expiry). The token is refreshed only when the server says it is no
 * longer good: an `unauthorized` ERROR or a close with CLOSE_UNAUTHORIZED / CLOSE_FORBIDDEN
 * (protocol/close.ts: expiry, logout elsewhere, revocation) asks `refreshToken()`; a socket
 * that failed before opening (a 401 upgrade and a network failure look alike to a browser)
 * asks `refusedBeforeOpen()`, which checks the token over HTTP first (auth.ts) and never
 * refreshes on a network failure. When the refresh is denied the connection stops (session
 * over: the app shows the login).
 *
 * Frames are decoded with `decodeServerFrame`; CHUNK frames are reassembled here, so the
 * handler sees only whole messages. A PING is answered; a silent socket (no frame for
 * `deadAfterMs`) is closed and reopened. The WebSocket constructor is injected (Node's `ws` in
 * tests, the browser's in the app).
 */
import type { DocId } from '../domain/types';
import { ChunkAssembler, decodeServerFrame, decodeTransfer, encodeFrame, type ClientMessage, type ServerMessage } from '../protocol';
import { CLOSE_FORBIDDEN, CLOSE_UNAUTHORIZED } from '../protocol/close';
import { Backoff } from './backoff';

/** The part of the WebSocket API we use; the browser's and `ws`'s both fit. */
export interface WebSocketLike {
	binaryType: string;
	readonly readyState: number;
	send(data: Uint8Array): void;
	close(code?: number, reason?: string): void;
	onopen: ((ev: unknown) => void) | null;
	onmessage: ((ev: { data: unknown }) => void) | null;
	onclose: ((ev: { code: number; reason?: string }) => void) | null;
	onerror: ((ev: unknown) => void) | null;
}
export type WebSocketCtor = new (url: string) => WebSocketLike;

export type ConnectionState = 'online' | 'connecting' | 'offline';

export interface ConnectionHandler {
	/** The socket opened: return the HELLO to send. */
	hello(): Promise<Extract<ClientMessage, { type: 'hello' }>>;
	/** Every whole server message, WELCOME included (the connection is `online` just before). */
	message(msg: ServerMessage): void;
	/** The socket closed (after it had opened). */
	closed(): void;
	state(state: ConnectionState, error: string | null): void;
}

export interface ConnectionOptions {
	/** The WebSocket URL for an access token, e.g. `ws://host/sync?token=...`. */
	url(token: string): string;
	WebSocket: WebSocketCtor;
	/** A current access token, or null when there is no session. */
	token(): Promise<string | null>;
	/** Forces a token refresh; false when the session cannot be refreshed (log in again). */
	refreshToken(): Promise<'ok' | 'network' | 'denied'>;
	/** The socket failed before opening: refresh only if the server refuses the token (default: `refreshToken`). */
	refusedBeforeOpen?(): Promise<'ok' | 'network' | 'denied'>;
	handler: ConnectionHandler;
	backoff?: Backoff;
	pingEveryMs?: number;
	deadAfterMs?: number;
}

const OPEN = 1;

export class SyncConnection {
	readonly #opts: ConnectionOptions;
	readonly #backoff: Backoff;
	readonly #assembler = new ChunkAssembler();
	#socket: WebSocketLike | null = null;
	#state: ConnectionState = 'offline';
	#running = false;
	#network = true;
	#retry: ReturnType<typeof setTimeout> | null = null;
	#ping: ReturnType<typeof setInterval> | null = null;
	#lastFrameAt = 0;
	#nonce = 0;
	/** Bumped per socket, so callbacks of an old socket are ignored. */
	#epoch = 0;
	#lastError: string | null = null;

	constructor(opts: ConnectionOptions) {
		this.#opts = opts;
		this.#backoff = opts.backoff ?? new Backoff();
	}

	get state(): ConnectionState {
		return this.#state;
	}

	get lastError(): string | null {
		return this.#lastError;
	}

	start(): void {
		if (this.#running) return;
		this.#running = true;
		void this.#open();
	}

	/** Closes the socket and stops reconnecting. */
	stop(): void {
		this.#running = false;
		this.#teardown();
		this.#setState('offline');
	}

	/** The browser reported the network gone or back; going back reconnects at once. */
	setNetworkAvailable(up: boolean): void {
		if (this.#network === up) return;
		this.#network = up;
		if (!up) {
			this.#teardown();
			this.#setState('offline');
		} else if (this.#running) {
			this.#backoff.reset();
			this.#teardown();
			void this.#open();
		}
	}

	/** Drops the socket now and reconnects (after a server-side reset, or in tests). */
	reconnect(): void {
		this.#teardown();
		if (this.#running && this.#network) void this.#open();
	}

	/** Sends one message; false when there is no open socket (the caller keeps it pending). */
	send(msg: ClientMessage): boolean {
		const s = this.#socket;
		if (!s || s.readyState !== OPEN) return false;
		try {
			s.send(encodeFrame(msg));
			return true;
		} catch {
			return false;
		}
	}

	/** Whether an open socket has received its WELCOME. */
	get online(): boolean {
		return this.#state === 'online';
	}

	#setState(state: ConnectionState, error: string | null = this.#lastError): void {
		this.#lastError = error;
		this.#state = state;
		this.#opts.handler.state(state, error);
	}

	async #open(): Promise<void> {
		if (!this.#running || !this.#network) return;
		this.#clearRetry();
		const epoch = ++this.#epoch;
		this.#setState('connecting');
		const token = await this.#opts.token();
		if (epoch !== this.#epoch || !this.#running) return;
		if (token === null) {
			this.#lastError = 'signed out';
			this.stop();
			return;
		}
		let socket: WebSocketLike;
		try {
			socket = new this.#opts.WebSocket(this.#opts.url(token));
		} catch (e) {
			this.#scheduleRetry(e instanceof Error ? e.message : 'cannot open the socket');
			return;
		}
		socket.binaryType = 'arraybuffer';
		this.#socket = socket;
		let opened = false;
		socket.onopen = () => {
			if (epoch !== this.#epoch) return;
			opened = true;
			this.#lastFrameAt = Date.now();
			void this.#opts.handler.hello().then((hello) => {
				if (epoch === this.#epoch) this.send(hello);
			});
			this.#startPing(epoch);
		};
		socket.onmessage = (ev) => {
			if (epoch !== this.#epoch) return;
			this.#lastFrameAt = Date.now();
			const bytes = toBytes(ev.data);
			if (bytes) this.#receive(bytes);
		};
		socket.onerror = () => {
			/* onclose follows and decides */
		};
		socket.onclose = (ev) => {
			if (epoch !== this.#epoch) return;
			this.#socket = null;
			this.#stopPing();
			this.#assembler.clear();
			if (opened) this.#opts.handler.closed();
			if (!this.#running || !this.#network) {
				this.#setState('offline');
				return;
			}
			if (ev.code === CLOSE_UNAUTHORIZED || ev.code === CLOSE_FORBIDDEN) {
				// The server ended the token's session (expiry, logout elsewhere, revocation).
				void this.#refreshThenRetry(ev.reason ? `closed: ${ev.reason}` : `closed (${ev.code})`);
				return;
			}
			if (!opened) {
				// Refused before opening: a refused token and a network failure look alike here.
				void this.#refreshThenRetry(`connection failed (${ev.code})`, () => (this.#opts.refusedBeforeOpen ? this.#opts.refusedBeforeOpen() : this.#opts.refreshToken()));
				return;
			}
			this.#scheduleRetry(ev.reason ? `closed: ${ev.reason}` : `closed (${ev.code})`);
		};
	}

	#receive(bytes: Uint8Array): void {
		const decoded = decodeServerFrame(bytes);
		if (!decoded.ok) {
			this.#lastError = `bad frame from the server: ${decoded.error.message}`;
			return;
		}
		let msg = decoded.msg;
		if (msg.type === 'chunk') {
			const r = this.#assembler.accept(msg);
			if (r.status === 'partial') return;
			if (r.status === 'error') {
				this.#lastError = r.error.message;
				this.reconnect();
				return;
			}
			const inner = decodeTransfer(r.docId as DocId, r.bytes);
			if (!inner.ok) {
				this.#lastError = inner.error.message;
				return;
			}
			msg = inner.msg;
		}
		if (msg.type === 'ping') {
			this.send({ type: 'pong', nonce: msg.nonce });
			return;
		}
		if (msg.type === 'pong') return;
		if (msg.type === 'welcome') {
			this.#backoff.reset();
			this.#setState('online', null);
		}
		if (msg.type === 'error' && msg.code === 'unauthorized') {
			this.#teardown();
			void this.#refreshThenRetry(msg.message);
			return;
		}
		if (msg.type === 'error' && msg.code === 'unsupported_version') {
			this.#lastError = msg.message;
			this.stop();
			return;
		}
		this.#opts.handler.message(msg);
	}

	async #refreshThenRetry(reason: string, refresh: () => Promise<'ok' | 'network' | 'denied'> = () => this.#opts.refreshToken()): Promise<void> {
		const epoch = this.#epoch;
		const r = await refresh();
		if (epoch !== this.#epoch || !this.#running) return;
		if (r === 'denied') {
			this.#lastError = 'session expired';
			this.stop();
			return;
		}
		this.#scheduleRetry(reason);
	}

	#scheduleRetry(reason: string): void {
		this.#clearRetry();
		this.#setState('connecting', reason);
		const delay = this.#backoff.next();
		this.#retry = setTimeout(() => {
			this.#retry = null;
			void this.#open();
		}, delay);
	}

	#clearRetry(): void {
		if (this.#retry !== null) clearTimeout(this.#retry);
		this.#retry = null;
	}

	#startPing(epoch: number): void {
		this.#stopPing();
		const every = this.#opts.pingEveryMs ?? 15_000;
		const dead = this.#opts.deadAfterMs ?? every * 3;
		this.#ping = setInterval(() => {
			if (epoch !== this.#epoch) return;
			if (Date.now() - this.#lastFrameAt > dead) {
				this.#lastError = 'the server stopped answering';
				this.reconnect();
				return;
			}
			this.send({ type: 'ping', nonce: ++this.#nonce % 1_000_000 });
		}, every);
	}

	#stopPing(): void {
		if (this.#ping !== null) clearInterval(this.#ping);
		this.#ping = null;
	}

	/** Closes the current socket without callbacks; the handler hears `closed` if it was open. */
	#teardown(): void {
		this.#clearRetry();
		this.#stopPing();
		this.#assembler.clear();
		const s = this.#socket;
		this.#socket = null;
		this.#epoch++;
		if (s) {
			const wasOpen = s.readyState === OPEN;
			s.onopen = s.onmessage = s.onclose = null;
			// `ws` reports closing a socket that is still connecting as an error event.
			s.onerror = () => undefined;
			try {
				s.close(1000, 'client closing');
			} catch {
				/* already closed */
			}
			if (wasOpen) this.#opts.handler.closed();
		}
	}
}

function toBytes(data: unknown): Uint8Array | null {
	if (data instanceof ArrayBuffer) return new Uint8Array(data);
	if (data instanceof Uint8Array) return data;
	if (Array.isArray(data) && data.every((d) => d instanceof Uint8Array)) {
		// `ws` may deliver fragmented messages as Buffer[] when binaryType is 'fragments'.
		const parts = data as Uint8Array[];
		const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
		let at = 0;
		for (const p of parts) {
			out.set(p, at);
			at += p.length;
		}
		return out;
	}
	return null;
}
