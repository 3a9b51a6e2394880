/**
 * Dead sockets of `/sync` and `/yjs` (issue 17: the server pings idle connections too and drops
 * the dead ones). A client on a train or behind a captive portal can vanish without a FIN; its
 * socket would stay open, holding its awareness state ("Olivia is viewing") and its buffers.
 *
 * One timer for every socket, not one per socket: each sweep (`everyMs`) pings, with a WebSocket
 * ping control frame (browsers and `ws` answer it by themselves, stock y-websocket clients
 * included), every socket from which nothing arrived since the previous sweep, and terminates one
 * silent for `deadAfterSweeps` sweeps. Any frame or pong counts as life; it costs one map write
 * of the sweep number, not a clock read.
 */
import type { WebSocket } from 'ws';

export interface LivenessOptions {
	/** Sweep period, ms (default 5 s). */
	everyMs?: number;
	/** Sweeps without a byte after which a socket is dropped (default 3: 15-20 s of silence). */
	deadAfterSweeps?: number;
}

export const LIVENESS_DEFAULTS = { everyMs: 5_000, deadAfterSweeps: 3 } as const;

export class Liveness {
	/** Socket -> number of the sweep during which it last sent a byte. */
	readonly #seen = new Map<WebSocket, number>();
	readonly #deadAfter: number;
	readonly #timer: ReturnType<typeof setInterval>;
	#sweep = 0;
	/** Shared by every socket (`this` is the socket): no closure per connection. */
	readonly #touch: (this: WebSocket) => void;
	readonly #forget: (this: WebSocket) => void;

	constructor(opts: LivenessOptions = {}) {
		this.#deadAfter = opts.deadAfterSweeps ?? LIVENESS_DEFAULTS.deadAfterSweeps;
		const seen = this.#seen;
		const current = () => this.#sweep;
		this.#touch = function (this: WebSocket) {
			seen.set(this, current());
		};
		this.#forget = function (this: WebSocket) {
			seen.delete(this);
		};
		this.#timer = setInterval(() => this.sweep(), opts.everyMs ?? LIVENESS_DEFAULTS.everyMs);
		this.#timer.unref?.();
	}

	watch(ws: WebSocket): void {
		this.#seen.set(ws, this.#sweep);
		ws.on('message', this.#touch);
		ws.on('pong', this.#touch);
		ws.on('close', this.#forget);
	}

	/** Sockets watched now (tests). */
	get size(): number {
		return this.#seen.size;
	}

	/** One sweep; public for tests. */
	sweep(): void {
		const now = ++this.#sweep;
		for (const [ws, last] of this.#seen) {
			// Whole sweep periods without a byte.
			const silent = now - last - 1;
			if (silent <= 0) continue;
			if (silent >= this.#deadAfter || ws.readyState !== ws.OPEN) {
				this.#seen.delete(ws);
				ws.terminate();
				continue;
			}
			try {
				ws.ping();
			} catch {
				/* closing: its close event forgets it */
			}
		}
	}

	close(): void {
		clearInterval(this.#timer);
		this.#seen.clear();
	}
}
