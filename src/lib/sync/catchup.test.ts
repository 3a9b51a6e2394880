// A catch-up asks for its documents through a bounded window: never more than `window`
// unanswered, every document asked once, rate-limited ones asked again, revoked ones freeing
// their slot. Seeded random answer order.
import { describe, expect, it } from 'vitest';
import type { DocId } from '../domain/types';
import { seededRandom } from './backoff';
import { CatchUp } from './catchup';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `c/d${i}` as DocId);

describe('CatchUp', () => {
	it('keeps at most `window` requests in flight and asks for every document once', () => {
		const seed = 1234;
		const rand = seededRandom(seed);
		const changed = ids(100);
		const c = new CatchUp({ changed, revoked: 0, full: true, intakeFailures: 0, window: 8 });
		const asked: DocId[] = [];
		const inflight = new Set<DocId>();
		let max = 0;
		c.begin(new Set(changed.slice(0, 50)), (id, fresh) => {
			expect(fresh, `seed ${seed}`).toBe(changed.indexOf(id) < 50);
			asked.push(id);
			inflight.add(id);
			max = Math.max(max, inflight.size);
		});
		while (inflight.size > 0) {
			const list = [...inflight];
			const id = list[Math.floor(rand() * list.length)]!;
			inflight.delete(id);
			const r = rand();
			if (r < 0.1) {
				c.retry(id);
			} else if (r < 0.15) {
				c.settle(id);
			} else {
				expect(c.answered(id).ours, `seed ${seed}`).toBe(true);
			}
		}
		expect(max, `seed ${seed}`).toBe(8);
		expect(new Set(asked).size, `seed ${seed}`).toBe(100);
		expect(c.answered(changed[0]!).ours).toBe(false);
		expect(c.stats.changed).toBe(100);
	});

	// Issue 26 (SPEC S9.2): a bootstrap holds the fresh documents while the person works, and a
	// conversation opened meanwhile is asked for at once, out of turn, and not asked for again.
	it('holds fresh requests while told to, asks for a prioritized document at once and only once', () => {
		const changed = ids(10);
		const c = new CatchUp({ changed, revoked: 0, full: true, intakeFailures: 0, window: 4 });
		const asked: DocId[] = [];
		let hold = true;
		c.begin(new Set(changed.slice(1)), (id) => asked.push(id), () => hold);
		// d0 is stored here (not fresh): asked; the fresh ones wait.
		expect(asked).toEqual([changed[0]]);
		expect(c.prioritize(changed[7]!)).toBe(true);
		expect(c.prioritize(changed[7]!)).toBe(false);
		expect(asked).toEqual([changed[0], changed[7]]);
		hold = false;
		c.answered(changed[0]!);
		c.answered(changed[7]!);
		while (asked.length < changed.length) {
			const before = asked.length;
			for (const id of [...asked]) c.answered(id);
			c.pump();
			if (asked.length === before) break;
		}
		expect([...asked].sort()).toEqual([...changed].sort());
		expect(asked.filter((id) => id === changed[7]).length).toBe(1);
	});
});
