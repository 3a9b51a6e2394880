/**
 * Fixed-window attempt counters (login attempts per account, per address and per pair). Memory is
 * bounded: expired windows are dropped as they are met and the table is capped; when full, the
 * oldest window is evicted (an attacker spraying addresses loses their own counters first).
 */
export interface RateLimitOptions {
	limit: number;
	windowMs: number;
	maxKeys?: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

export class RateLimiter {
	private readonly windows = new Map<string, { start: number; count: number }>();

	constructor(
		private readonly opts: RateLimitOptions,
		private readonly clock: () => number
	) {}

	/** Counts one attempt for `key`; refuses it when the window already holds `limit` attempts. */
	hit(key: string): RateDecision {
		const now = this.clock();
		let w = this.windows.get(key);
		if (w && now - w.start >= this.opts.windowMs) {
			this.windows.delete(key);
			w = undefined;
		}
		if (!w) {
			if (this.windows.size >= (this.opts.maxKeys ?? 100_000)) this.evict(now);
			w = { start: now, count: 0 };
			this.windows.set(key, w);
		}
		if (w.count >= this.opts.limit) return { ok: false, retryAfterMs: w.start + this.opts.windowMs - now };
		w.count++;
		return { ok: true };
	}

	/** Takes back one attempt of `key` (it turned out not to count: a successful login). */
	refund(key: string): void {
		const w = this.windows.get(key);
		if (w && w.count > 0) w.count--;
	}

	/** Forgets every attempt of `key`. */
	reset(key: string): void {
		this.windows.delete(key);
	}

	private evict(now: number): void {
		for (const [k, w] of this.windows) if (now - w.start >= this.opts.windowMs) this.windows.delete(k);
		const oldest = this.windows.keys().next();
		if (!oldest.done && this.windows.size >= (this.opts.maxKeys ?? 100_000)) this.windows.delete(oldest.value);
	}
}
