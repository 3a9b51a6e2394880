/**
 * Reconnect delays: exponential growth with "full jitter" (a uniformly random delay between 0
 * and the capped exponential bound), so many clients that lost the server at the same moment do
 * not all come back at the same moment. The random source is injected so tests are seeded.
 */

export interface BackoffOptions {
	/** Bound of the first retry, ms. */
	baseMs: number;
	/** Largest bound, ms. */
	maxMs: number;
	/** Smallest delay ever returned, ms (keeps a flapping server from being hammered). */
	minMs: number;
	/** Uniform [0, 1) source. */
	random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000, minMs: 100, random: Math.random };

export class Backoff {
	#attempt = 0;
	readonly #opts: BackoffOptions;

	constructor(opts: Partial<BackoffOptions> = {}) {
		this.#opts = { ...DEFAULT_BACKOFF, ...opts };
	}

	/** Failed attempts since the last success. */
	get attempt(): number {
		return this.#attempt;
	}

	/** The upper bound of the next delay (no jitter). */
	bound(): number {
		const { baseMs, maxMs } = this.#opts;
		// 2^attempt overflows nothing below 2^1023; cap the exponent anyway to keep it cheap.
		return Math.min(maxMs, baseMs * 2 ** Math.min(this.#attempt, 30));
	}

	/** The delay before the next attempt; counts the attempt. */
	next(): number {
		const bound = this.bound();
		this.#attempt++;
		return Math.max(this.#opts.minMs, Math.floor(this.#opts.random() * bound));
	}

	/** A connection succeeded: start again from the base delay. */
	reset(): void {
		this.#attempt = 0;
	}
}

/** A small seeded generator (mulberry32) for tests and benchmarks. */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
