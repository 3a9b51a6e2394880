// Per-connection rate limits (ARCHITECTURE.md, "Limits"): 50 updates/s and 10 awareness
// messages/s, with bursts. SPEC S1.9 (the server enforces its rules on every connection).
import { describe, expect, it } from 'vitest';
import { createPrng } from '../../../src/lib/demo/prng';
import { AWARENESS_BURST, AWARENESS_PER_SEC, BREACH, MAX_AWARENESS_BYTES, MAX_FRAME_BYTES, MAX_UPDATE_BYTES, UPDATES_BURST, UPDATES_PER_SEC } from './constants';
import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
	it('starts full, allows a burst, then refuses', () => {
		const r = new RateLimiter({ ratePerSec: 50, burst: 100, clock: () => 0 });
		for (let i = 0; i < 100; i++) expect(r.take(1, 0)).toBe(true);
		expect(r.take(1, 0)).toBe(false);
	});

	it('refills at the steady rate and never above the burst', () => {
		const r = new RateLimiter({ ratePerSec: 10, burst: 20, clock: () => 0 });
		expect(r.take(20, 0)).toBe(true);
		expect(r.take(1, 50)).toBe(false); // 0.5 token after 50 ms
		expect(r.take(1, 100)).toBe(true); // 1 token after 100 ms
		expect(r.available(100_000)).toBe(20);
	});

	it('takes all n tokens or none', () => {
		const r = new RateLimiter({ ratePerSec: 1, burst: 5, clock: () => 0 });
		expect(r.take(3, 0)).toBe(true);
		expect(r.take(3, 0)).toBe(false);
		expect(r.available(0)).toBe(2);
		expect(r.take(6, 1e9)).toBe(false); // more than the bucket can ever hold
	});

	it('answers how long to wait', () => {
		const r = new RateLimiter({ ratePerSec: 10, burst: 10, clock: () => 0 });
		expect(r.retryAfterMs(1, 0)).toBe(0);
		r.take(10, 0);
		expect(r.retryAfterMs(1, 0)).toBe(100);
		expect(r.retryAfterMs(5, 0)).toBe(500);
		expect(r.retryAfterMs(11, 0)).toBe(Infinity);
	});

	it('earns nothing from a clock that steps backwards', () => {
		const r = new RateLimiter({ ratePerSec: 10, burst: 10, clock: () => 0 });
		r.take(10, 1000);
		expect(r.take(1, 500)).toBe(false);
		expect(r.take(1, 1000)).toBe(false); // back to the last time seen: still nothing earned
		expect(r.take(1, 1100)).toBe(true);
	});

	it('refuses invalid amounts and ignores invalid times', () => {
		const r = new RateLimiter({ ratePerSec: 10, burst: 10, clock: () => 0 });
		expect(r.take(Number.NaN, 0)).toBe(false);
		expect(r.take(-1, 0)).toBe(false);
		expect(r.take(Infinity, 0)).toBe(false);
		expect(r.take(0, 0)).toBe(true);
		expect(r.take(1, Number.NaN)).toBe(true);
		expect(r.available(0)).toBe(9);
		expect(() => new RateLimiter({ ratePerSec: 0, burst: 1 })).toThrow(RangeError);
		expect(() => new RateLimiter({ ratePerSec: 1, burst: 0.5 })).toThrow(RangeError);
	});

	it('uses its clock when no time is given', () => {
		let now = 0;
		const r = new RateLimiter({ ratePerSec: 1, burst: 1, clock: () => now });
		expect(r.take()).toBe(true);
		expect(r.take()).toBe(false);
		now = 1000;
		expect(r.take()).toBe(true);
	});

	it('never lets more than burst + rate x seconds through (seeded property)', () => {
		const seed = 0xb0c4e7;
		const rng = createPrng(seed);
		for (let run = 0; run < 200; run++) {
			const rate = rng.int(1, 100);
			const burst = rng.int(1, 200);
			const r = new RateLimiter({ ratePerSec: rate, burst, clock: () => 0 });
			let t = 0;
			let passed = 0;
			for (let i = 0; i < 500; i++) {
				t += rng.int(0, 50);
				if (r.take(1, t)) passed++;
			}
			expect(passed, `seed ${seed}, run ${run}`).toBeLessThanOrEqual(burst + Math.floor((rate * t) / 1000) + 1);
		}
	});

	it('holds the published per-connection limits', () => {
		expect(UPDATES_PER_SEC).toBe(50);
		expect(AWARENESS_PER_SEC).toBe(10);
		expect(MAX_AWARENESS_BYTES).toBe(2 * 1024);
		expect(MAX_UPDATE_BYTES).toBe(256 * 1024);
		expect(MAX_FRAME_BYTES).toBe(1024 * 1024);
		// A client flooding updates gets through at most burst + 50 per second.
		const updates = new RateLimiter({ ratePerSec: UPDATES_PER_SEC, burst: UPDATES_BURST, clock: () => 0 });
		let passed = 0;
		for (let ms = 0; ms <= 10_000; ms += 1) if (updates.take(1, ms)) passed++;
		expect(passed).toBe(UPDATES_BURST + 10 * UPDATES_PER_SEC);
		const awareness = new RateLimiter({ ratePerSec: AWARENESS_PER_SEC, burst: AWARENESS_BURST, clock: () => 0 });
		passed = 0;
		for (let ms = 0; ms <= 10_000; ms += 1) if (awareness.take(1, ms)) passed++;
		expect(passed).toBe(AWARENESS_BURST + 10 * AWARENESS_PER_SEC);
	});

	it('maps each breach to the protocol error and close codes', () => {
		expect(BREACH.rateLimited).toEqual({ code: 'rate_limited', close: null });
		expect(BREACH.rejectedUpdate).toEqual({ code: 'rejected_update', close: null });
		expect(BREACH.tooLarge).toEqual({ code: 'too_large', close: 1009 });
		expect(BREACH.frameTooLarge.close).toBe(1009);
	});
});
