// The idle gate holds background work (search indexing) while the person scrolls or types and
// lets it run once they stop (SPEC S9.3: the list stays smooth while search catches up).
import { describe, expect, it } from 'vitest';
import { IdleGate } from './idle-gate';

describe('IdleGate', () => {
	it('lets work run at once when nobody is interacting, with a bounded slice', async () => {
		const gate = new IdleGate({ target: new EventTarget(), sliceMs: 8 });
		const budget = await gate.next();
		expect(budget).toBeGreaterThan(0);
		expect(budget).toBeLessThanOrEqual(8);
		gate.dispose();
	});

	it('waits while inputs keep coming and resumes the quiet time after the last one', async () => {
		const target = new EventTarget();
		const gate = new IdleGate({ target, quietMs: 60 });
		let lastInput = performance.now();
		target.dispatchEvent(new Event('scroll'));
		let inputs = 1;
		const scrolling = setInterval(() => {
			if (inputs >= 10) return clearInterval(scrolling);
			inputs++;
			lastInput = performance.now();
			target.dispatchEvent(new Event(inputs % 2 ? 'wheel' : 'keydown'));
		}, 10);
		await gate.next();
		const resumedAt = performance.now();
		clearInterval(scrolling);
		expect(inputs).toBe(10);
		// Timers may fire a little early or late; the gate never resumes mid-gesture.
		expect(resumedAt - lastInput).toBeGreaterThanOrEqual(55);
		gate.dispose();
	});

	it('stops listening once disposed', async () => {
		const target = new EventTarget();
		const gate = new IdleGate({ target, quietMs: 10_000 });
		gate.dispose();
		target.dispatchEvent(new Event('scroll'));
		await expect(gate.next()).resolves.toBeGreaterThan(0);
	});
});
