import { describe, expect, it } from 'vitest';
import { anchoredOffset } from './virtual';

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
