// Issue 15.6: the per-user budgets on their own: sockets counted in and out, the daily storage
// quota rolling over at midnight UTC with a clear message, full syncs per minute, and writes of
// one user run one at a time.
import { describe, expect, it } from 'vitest';
import type { UserId } from '../../../src/lib/domain/types';
import { DEFAULT_USER_LIMITS, UserBudgets } from './user-budget';

const ana = 'u-ana' as UserId;
const tom = 'u-tom' as UserId;
const DAY = 24 * 60 * 60 * 1000;

describe('UserBudgets', () => {
	it('counts sockets per user and frees them on disconnect', () => {
		const b = new UserBudgets({ ...DEFAULT_USER_LIMITS, connections: 2 });
		expect(b.connect(ana) && b.connect(ana)).toBe(true);
		expect(b.canConnect(ana)).toBe(false);
		expect(b.connect(ana)).toBe(false);
		expect(b.connect(tom)).toBe(true);
		b.disconnect(ana);
		expect(b.connect(ana)).toBe(true);
	});

	it('refuses past the daily bytes with quota_exceeded until the next UTC day', () => {
		let now = Date.UTC(2026, 0, 1, 23, 0);
		const b = new UserBudgets({ ...DEFAULT_USER_LIMITS, storedBytesPerDay: 1000 }, () => now);
		expect(b.takeUpdate(ana, 600)).toBeNull();
		const refused = b.takeUpdate(ana, 600);
		expect(refused?.code).toBe('quota_exceeded');
		expect(refused?.message).toMatch(/daily limit/);
		expect(b.takeUpdate(tom, 600)).toBeNull();
		now += DAY / 12; // past midnight UTC
		expect(b.takeUpdate(ana, 600)).toBeNull();
	});

	it('allows a burst of full syncs, then refuses with a retry time', () => {
		const b = new UserBudgets({ ...DEFAULT_USER_LIMITS, fullSyncsBurst: 3, fullSyncsPerMin: 1 });
		expect([b.takeFullSync(ana), b.takeFullSync(ana), b.takeFullSync(ana)]).toEqual([true, true, true]);
		expect(b.takeFullSync(ana)).toBe(false);
		expect(b.fullSyncRetryAfterSec(ana)).toBeGreaterThan(30);
		expect(b.takeFullSync(tom)).toBe(true);
	});

	it('runs one user writes one at a time, in order', async () => {
		const b = new UserBudgets();
		const log: string[] = [];
		let running = 0;
		const write = (name: string) =>
			b.inTurn(ana, async () => {
				running++;
				expect(running).toBe(1);
				await new Promise((r) => setTimeout(r, 5));
				log.push(name);
				running--;
			});
		await Promise.all([write('a'), write('b'), write('c')]);
		expect(log).toEqual(['a', 'b', 'c']);
	});
});
