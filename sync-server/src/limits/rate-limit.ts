/**
 * A token bucket: one per connection and per message kind (updates, awareness). The bucket holds
 * at most `burst` tokens, refills continuously at `ratePerSec`, and starts full, so a client may
 * send `burst` messages at once (a reconnect flushing its pending queue) and `ratePerSec` per
 * second after that. `take` either takes all `n` tokens or none.
 *
 * Time comes from the caller (`now`, in milliseconds) or from the clock given at construction;
 * a clock that steps backwards never adds tokens, so the bucket cannot be refilled by skew.
 * State is two numbers: no timers, nothing to dispose.
 */

export interface RateLimiterOptions {
	/** Tokens added per second (the steady rate). Must be > 0. */
	ratePerSec: number;
	/** Capacity of the bucket (the largest burst). Must be >= 1. */
	burst: number;
	/** Milliseconds; defaults to `performance.now()` (monotonic). */
	clock?: () => number;
}

/** The default clock, shared: a closure per limiter would cost every connection its bytes. */
const monotonicNow = (): number => performance.now();

export class RateLimiter {
	private tokens: number;
	private last: number;
	private readonly clock: () => number;
	readonly ratePerSec: number;
	readonly burst: number;

	constructor(opts: RateLimiterOptions) {
		if (!(opts.ratePerSec > 0) || !Number.isFinite(opts.ratePerSec)) throw new RangeError(`ratePerSec must be a positive number, got ${opts.ratePerSec}`);
		if (!(opts.burst >= 1) || !Number.isFinite(opts.burst)) throw new RangeError(`burst must be at least 1, got ${opts.burst}`);
		this.ratePerSec = opts.ratePerSec;
		this.burst = opts.burst;
		this.clock = opts.clock ?? monotonicNow;
		this.tokens = opts.burst;
		this.last = this.clock();
	}

	/** Takes `n` tokens if the bucket holds them; returns whether it did. */
	take(n = 1, now: number = this.clock()): boolean {
		if (!(n >= 0) || !Number.isFinite(n)) return false;
		this.refill(now);
		if (this.tokens < n) return false;
		this.tokens -= n;
		return true;
	}

	/** Milliseconds until `n` tokens are available (0: now; Infinity: never, n > burst). */
	retryAfterMs(n = 1, now: number = this.clock()): number {
		if (!(n >= 0) || !Number.isFinite(n) || n > this.burst) return Infinity;
		this.refill(now);
		return this.tokens >= n ? 0 : Math.ceil(((n - this.tokens) / this.ratePerSec) * 1000);
	}

	/** Tokens available at `now` (fractional). */
	available(now: number = this.clock()): number {
		this.refill(now);
		return this.tokens;
	}

	private refill(now: number): void {
		if (!Number.isFinite(now)) return;
		if (now > this.last) {
			this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSec);
		}
		// Never move `last` backwards: a clock that steps back must not earn tokens twice.
		this.last = Math.max(this.last, now);
	}
}
