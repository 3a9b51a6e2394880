// The overlay's cut of the draft at peers' carets and selections (shared draft, SPEC S9.4).
import { describe, expect, it } from 'vitest';
import type { RemoteCursor } from '../../state/api';
import { cursorSegments } from './cursor-segments';

const peer = (id: string, anchor: number, head: number): RemoteCursor => ({ user: { kind: 'user', id, name: id }, anchor, head });

describe('cursorSegments', () => {
	it('keeps the whole text, in order, whatever the cursors', () => {
		const v = 'hello world';
		const segs = cursorSegments(v, [peer('a', 2, 2), peer('b', 8, 4), peer('c', 99, 99)]);
		expect(segs.map((s) => s.text).join('')).toBe(v);
	});

	it('puts a caret before the right piece and marks a selection', () => {
		const segs = cursorSegments('abcdef', [peer('a', 1, 3)]);
		expect(segs.map((s) => [s.text, s.selectedBy?.user.id ?? null, s.carets.map((c) => c.user.id)])).toEqual([
			['a', null, []],
			['bc', 'a', []],
			['def', null, ['a']]
		]);
	});

	it('shows a caret at the very end', () => {
		const segs = cursorSegments('ab', [peer('a', 2, 2)]);
		expect(segs[segs.length - 1]).toEqual({ text: '', selectedBy: null, carets: [peer('a', 2, 2)] });
	});
});
