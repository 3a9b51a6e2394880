// Reconnect backoff: exponential bounds, full jitter inside them, reset on success.
import { describe, expect, it } from 'vitest';
import { Backoff, seededRandom } from './backoff';

describe('Backoff', () => {
	it('grows exponentially up to the cap', () => {
		const b = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0.999999 });
		const bounds: number[] = [];
		for (let i = 0; i < 6; i++) {
			bounds.push(b.bound());
			b.next();
		}
		expect(bounds).toEqual([100, 200, 400, 800, 1000, 1000]);
	});

	it('jitters uniformly below the bound and never under the minimum (seeded)', () => {
		const seed = 1234;
		const b = new Backoff({ baseMs: 200, maxMs: 5000, minMs: 50, random: seededRandom(seed) });
		const delays: number[] = [];
		for (let i = 0; i < 200; i++) {
			const bound = b.bound();
			const d = b.next();
			expect(d, `seed ${seed}`).toBeGreaterThanOrEqual(50);
			expect(d, `seed ${seed}`).toBeLessThanOrEqual(bound);
			delays.push(d);
		}
		// Jitter: the capped delays are spread, not all equal.
		expect(new Set(delays.slice(10)).size, `seed ${seed}`).toBeGreaterThan(100);
	});

	it('reset starts again from the base', () => {
		const b = new Backoff({ baseMs: 100, maxMs: 10_000 });
		for (let i = 0; i < 5; i++) b.next();
		expect(b.attempt).toBe(5);
		b.reset();
		expect(b.attempt).toBe(0);
		expect(b.bound()).toBe(100);
	});
});
