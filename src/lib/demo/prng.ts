/**
 * A small seeded pseudo-random generator (mulberry32) for the demo data, the benchmarks and
 * every property test: the same seed gives the same sequence on every machine, so a failing
 * seed printed by a test reproduces the failure. Not for anything secret.
 */

export interface Prng {
	/** The seed this generator started from. */
	readonly seed: number;
	/** A float in [0, 1). */
	next(): number;
	/** An integer in [min, max], both included. */
	int(min: number, max: number): number;
	/** True with probability `p` (default 0.5). */
	bool(p?: number): boolean;
	/** One element of a non-empty array. */
	pick<T>(items: readonly T[]): T;
	/** One element, chosen with the given relative weights (same length as `items`). */
	weighted<T>(items: readonly T[], weights: readonly number[]): T;
	/** A shuffled copy (Fisher-Yates). */
	shuffle<T>(items: readonly T[]): T[];
	/** `count` distinct elements (all of them when there are fewer), in random order. */
	sample<T>(items: readonly T[], count: number): T[];
	/** A string of `length` characters from [0-9a-z]. */
	id(length: number): string;
	/** An independent generator derived from this one (for a sub-task that must not shift others). */
	fork(): Prng;
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export function createPrng(seed: number): Prng {
	let state = seed >>> 0;
	const next = (): number => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
	const prng: Prng = {
		seed,
		next,
		int,
		bool: (p = 0.5) => next() < p,
		pick<T>(items: readonly T[]): T {
			if (items.length === 0) throw new RangeError('pick from an empty array');
			return items[Math.floor(next() * items.length)]!;
		},
		weighted<T>(items: readonly T[], weights: readonly number[]): T {
			let total = 0;
			for (const w of weights) total += w;
			let r = next() * total;
			for (let i = 0; i < items.length; i++) {
				r -= weights[i] ?? 0;
				if (r < 0) return items[i]!;
			}
			return prng.pick(items);
		},
		shuffle<T>(items: readonly T[]): T[] {
			const out = items.slice();
			for (let i = out.length - 1; i > 0; i--) {
				const j = Math.floor(next() * (i + 1));
				const tmp = out[i]!;
				out[i] = out[j]!;
				out[j] = tmp;
			}
			return out;
		},
		sample<T>(items: readonly T[], count: number): T[] {
			return prng.shuffle(items).slice(0, Math.max(0, count));
		},
		id(length: number): string {
			let s = '';
			for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(next() * 36)];
			return s;
		},
		fork: () => createPrng(Math.floor(next() * 4294967296))
	};
	return prng;
}
