/**
 * Liveness of one open socket, decided from the bytes it receives (issue 17: a half-open
 * connection is known dead within 10 s).
 *
 * A socket behind a captive portal, in a tunnel or on a Wi-Fi that dropped stays "open" with no
 * bytes either way; only silence tells. Two signals, checked on a 1 s tick:
 * - silence: nothing received for `deadAfterMs` (8 s) is dead. An idle socket is kept talking
 *   with a PING once nothing was received for `pingEveryMs` (3 s), so a live one is never silent
 *   that long (the server answers PONG at once, and pings idle sockets itself);
 * - sent but not answered: once something was sent (a ping or the user's change) and its last
 *   byte left this device (`bufferedAmount` 0), a live server answers within `answerWithinMs`
 *   (ACK or PONG); no byte back by then is dead, without waiting for the silence bound.
 *
 * A tick that fires late (a frozen main thread, a throttled background tab) shifts every clock by
 * its lateness: the messages that arrived during the freeze are still queued behind the timer,
 * so silence measured across it proves nothing.
 */

export interface HeartbeatOptions {
	pingEveryMs?: number;
	deadAfterMs?: number;
	answerWithinMs?: number;
	/** Tick of the checks, ms. */
	tickMs?: number;
	now?: () => number;
}

export interface HeartbeatHooks {
	/** Send a ping; false when it could not be written. */
	ping(): boolean;
	/** Bytes written to the socket and not yet sent (the WebSocket's `bufferedAmount`). */
	buffered(): number;
	/** The socket is dead: close it and reconnect. */
	dead(reason: string): void;
}

export const HEARTBEAT_DEFAULTS = { pingEveryMs: 3_000, deadAfterMs: 8_000, answerWithinMs: 5_000, tickMs: 1_000 } as const;

export class Heartbeat {
	readonly #opts: Required<Omit<HeartbeatOptions, 'now'>>;
	readonly #now: () => number;
	readonly #hooks: HeartbeatHooks;
	#timer: ReturnType<typeof setInterval> | null = null;
	#lastRx = 0;
	#lastTick = 0;
	/** When the oldest send not followed by any received byte finished leaving; null when none. */
	#waitingSince: number | null = null;
	#sentUnanswered = false;

	constructor(hooks: HeartbeatHooks, opts: HeartbeatOptions = {}) {
		this.#hooks = hooks;
		this.#now = opts.now ?? Date.now;
		this.#opts = {
			pingEveryMs: opts.pingEveryMs ?? HEARTBEAT_DEFAULTS.pingEveryMs,
			deadAfterMs: opts.deadAfterMs ?? HEARTBEAT_DEFAULTS.deadAfterMs,
			answerWithinMs: opts.answerWithinMs ?? HEARTBEAT_DEFAULTS.answerWithinMs,
			tickMs: opts.tickMs ?? HEARTBEAT_DEFAULTS.tickMs
		};
	}

	start(): void {
		this.stop();
		this.#lastRx = this.#lastTick = this.#now();
		this.#waitingSince = null;
		this.#sentUnanswered = false;
		this.#timer = setInterval(() => this.tick(), this.#opts.tickMs);
	}

	stop(): void {
		if (this.#timer !== null) clearInterval(this.#timer);
		this.#timer = null;
	}

	/** Any byte arrived. */
	received(): void {
		this.#lastRx = this.#now();
		this.#waitingSince = null;
		this.#sentUnanswered = false;
	}

	/** Something that the server answers was written (an update, a sync request, a ping). */
	sent(): void {
		this.#sentUnanswered = true;
	}

	/** One check; public for tests with a fake clock. */
	tick(): void {
		const now = this.#now();
		const late = now - this.#lastTick - this.#opts.tickMs;
		this.#lastTick = now;
		if (late > this.#opts.tickMs) {
			this.#lastRx += late;
			if (this.#waitingSince !== null) this.#waitingSince += late;
		}
		if (this.#sentUnanswered && this.#waitingSince === null && this.#hooks.buffered() === 0) this.#waitingSince = now;
		if (this.#hooks.buffered() > 0) this.#waitingSince = null;
		if (this.#waitingSince !== null && now - this.#waitingSince >= this.#opts.answerWithinMs) {
			return this.#die(`no answer from the server for ${Math.round((now - this.#waitingSince) / 1000)} s`);
		}
		// While bytes are still leaving (a large upload on a slow link) the server may be silent.
		if (now - this.#lastRx >= this.#opts.deadAfterMs && this.#hooks.buffered() === 0) {
			return this.#die(`nothing from the server for ${Math.round((now - this.#lastRx) / 1000)} s`);
		}
		if (now - this.#lastRx >= this.#opts.pingEveryMs && !this.#sentUnanswered) {
			if (this.#hooks.ping()) this.sent();
		}
	}

	#die(reason: string): void {
		this.stop();
		this.#hooks.dead(reason);
	}
}
