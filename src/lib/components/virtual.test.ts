import { describe, expect, it } from 'vitest';
import { anchoredOffset, slotIndexes } from './virtual';

const H = 56;
const id = (s: string) => s;
const list = (n: number, prefix = 'r') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('anchoredOffset', () => {
	it('keeps the top row in place when rows are inserted above it', () => {
		const before = list(100);
		const after = ['new1', 'new2', ...before];
		// Scrolled to row 10, 20px into it.
		expect(anchoredOffset(before, after, id, 10 * H + 20, H)).toBe(12 * H + 20);
	});

	it('keeps the top row in place when rows above it are removed', () => {
		const before = list(100);
		const after = before.filter((r) => r !== 'r2' && r !== 'r5');
		expect(anchoredOffset(before, after, id, 10 * H, H)).toBe(8 * H);
	});

	it('anchors on the next surviving row when the top row itself leaves', () => {
		const before = list(100);
		const after = before.filter((r) => r !== 'r10');
		// The rows below stay where they were on screen; r9 slides in at the top.
		expect(anchoredOffset(before, after, id, 10 * H, H)).toBe(9 * H);
	});

	it('does not follow a row that a live update re-sorted to the top', () => {
		const before = list(100);
		const after = ['r12', ...before.filter((r) => r !== 'r12')];
		// r13 and below did not move, r10 and r11 moved down one: most of the screen stays put.
		expect(anchoredOffset(before, after, id, 10 * H + 5, H)).toBe(10 * H + 5);
		// A row from above the viewport re-sorted to the top: everything on screen moved down one.
		const after2 = ['r3', ...before.filter((r) => r !== 'r3')];
		expect(anchoredOffset(before, after2, id, 10 * H + 5, H)).toBe(10 * H + 5);
		const after3 = ['new', ...before];
		expect(anchoredOffset(before, after3, id, 10 * H + 5, H)).toBe(11 * H + 5);
	});

	it('gives up when none of the visible rows survive', () => {
		expect(anchoredOffset(list(30), list(30, 'x'), id, 5 * H, H)).toBeNull();
	});
});

describe('slotIndexes', () => {
	it('shows every index of the window once, each in its own slot', () => {
		for (const pool of [1, 5, 17]) {
			for (let start = 0; start < 40; start++) {
				for (let end = start; end <= start + pool; end++) {
					const got = slotIndexes(start, end, pool);
					expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: end - start }, (_, k) => start + k));
					expect(new Set(got.map((i) => i % pool)).size).toBe(got.length);
					// Slot order: the slot number never decreases along the list.
					expect(got.map((i) => i % pool)).toEqual([...got.map((i) => i % pool)].sort((a, b) => a - b));
				}
			}
		}
	});

	it('is the visual order at the top of the list', () => {
		expect(slotIndexes(0, 6, 8)).toEqual([0, 1, 2, 3, 4, 5]);
	});

	it('moving the window by k rows gives new indexes to k slots only', () => {
		const bySlot = (xs: number[]) => new Map(xs.map((i) => [i % 24, i]));
		const before = bySlot(slotIndexes(10, 30, 24));
		const after = bySlot(slotIndexes(13, 33, 24));
		const changed = [...after].filter(([slot, i]) => before.get(slot) !== i);
		expect(changed.map(([, i]) => i)).toEqual([30, 31, 32]);
	});
});
