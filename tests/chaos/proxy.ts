/**
 * A small TCP proxy on loopback for chaos tests (issue 17): Chromium or a Node client talks to
 * the proxy, the proxy to the real server. Modes, switchable at any time:
 * - `pass`: bytes flow (after `latencyMs` each way, at most `bytesPerSec` each way when set);
 * - `blackhole`: sockets stay open, bytes are held (not delivered, not dropped) and new
 *   connections are accepted but get nothing: a captive portal, a tunnel, a dead Wi-Fi;
 *   switching back to `pass` delivers nothing held (a real black hole loses them) unless
 *   `releaseHeld` is set.
 * `reset()` destroys every open connection (RST-like, both sides), as a NAT timeout or a
 * changed network does. Counters give the bytes moved each way (first-login size figures).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ChaosMode = 'pass' | 'blackhole';

export interface ChaosOptions {
	/** The real server. */
	target: { host: string; port: number };
	latencyMs?: number;
	/** Bandwidth cap per direction and per connection, bytes/s (unset: unlimited). */
	bytesPerSec?: number;
}

interface Pipe {
	client: Socket;
	server: Socket;
}

export class ChaosProxy {
	mode: ChaosMode = 'pass';
	latencyMs: number;
	bytesPerSec: number | undefined;
	/** Bytes delivered server -> client and client -> server. */
	readonly bytes = { down: 0, up: 0 };
	/** Connections accepted since start. */
	accepted = 0;
	readonly #opts: ChaosOptions;
	readonly #pipes = new Set<Pipe>();
	#server: Server | null = null;
	#port = 0;

	constructor(opts: ChaosOptions) {
		this.#opts = opts;
		this.latencyMs = opts.latencyMs ?? 0;
		this.bytesPerSec = opts.bytesPerSec;
	}

	get port(): number {
		return this.#port;
	}

	get url(): string {
		return `http://127.0.0.1:${this.#port}`;
	}

	/** Open connections now. */
	get open(): number {
		return this.#pipes.size;
	}

	async start(): Promise<void> {
		this.#server = createServer((client) => this.#accept(client));
		await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', () => r()));
		const addr = this.#server.address();
		this.#port = typeof addr === 'object' && addr ? addr.port : 0;
	}

	/** Destroys every open connection (both sides see a reset). */
	reset(): void {
		for (const p of this.#pipes) {
			p.client.resetAndDestroy();
			p.server.destroy();
		}
		this.#pipes.clear();
	}

	async close(): Promise<void> {
		this.reset();
		await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
		this.#server = null;
	}

	#accept(client: Socket): void {
		this.accepted++;
		client.setNoDelay(true);
		const server = connect(this.#opts.target.port, this.#opts.target.host);
		server.setNoDelay(true);
		const pipe: Pipe = { client, server };
		this.#pipes.add(pipe);
		const end = () => {
			if (!this.#pipes.delete(pipe)) return;
			client.destroy();
			server.destroy();
		};
		client.on('error', end).on('close', end);
		server.on('error', end).on('close', end);
		this.#relay(client, server, 'up');
		this.#relay(server, client, 'down');
	}

	/** Moves bytes from `from` to `to` through the current mode, latency and cap, in order. */
	#relay(from: Socket, to: Socket, dir: 'up' | 'down'): void {
		// Chunks wait here for their time; one timer drains them in order.
		const queue: Array<{ at: number; data: Buffer }> = [];
		let timer: ReturnType<typeof setTimeout> | null = null;
		let nextFree = 0;
		const drain = () => {
			timer = null;
			const now = Date.now();
			while (queue.length > 0 && queue[0]!.at <= now) {
				const { data } = queue.shift()!;
				if (to.destroyed) return;
				this.bytes[dir] += data.length;
				to.write(data);
			}
			if (queue.length > 0) timer = setTimeout(drain, Math.max(1, queue[0]!.at - now));
		};
		from.on('data', (chunk: Buffer) => {
			if (this.mode === 'blackhole') return; // held by the network, never delivered
			const now = Date.now();
			const cap = this.bytesPerSec;
			// Under a cap a large chunk is split so that bytes arrive at the capped pace.
			const pieces: Buffer[] = [];
			const pieceBytes = cap ? Math.max(512, Math.floor(cap / 20)) : chunk.length;
			for (let i = 0; i < chunk.length; i += pieceBytes) pieces.push(chunk.subarray(i, i + pieceBytes));
			for (const piece of pieces) {
				let at = now + this.latencyMs;
				if (cap) {
					const start = Math.max(now, nextFree);
					nextFree = start + (piece.length / cap) * 1000;
					at = Math.max(at, nextFree + this.latencyMs);
				}
				queue.push({ at: Math.max(at, queue.length > 0 ? queue[queue.length - 1]!.at : 0), data: piece });
			}
			if (timer === null) timer = setTimeout(drain, Math.max(0, queue[0]!.at - now));
		});
	}
}
