// Minimal text edits for the shared draft and cursors as relative positions. Seeded property
// test: the diff turns any string into any other, and a peer's cursor follows concurrent edits.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { seededRandom } from './backoff';
import { absoluteCursor, applyTextDiff, relativeCursor, textDiff } from './awareness-text';

const ALPHABET = ['a', 'b', ' ', 'é', '😀', '\n', 'ab'];

function randomString(rand: () => number, max: number): string {
	let s = '';
	const n = Math.floor(rand() * max);
	for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)]!;
	return s;
}

describe('textDiff', () => {
	it('is one replace between common prefix and suffix', () => {
		expect(textDiff('hello', 'hello')).toBeNull();
		expect(textDiff('hello', 'help')).toEqual({ index: 3, remove: 2, insert: 'p' });
		expect(textDiff('ab', 'aXb')).toEqual({ index: 1, remove: 0, insert: 'X' });
	});

	it('never splits an emoji', () => {
		const e = textDiff('a😀', 'a😃');
		expect(e).toEqual({ index: 1, remove: 2, insert: '😃' });
	});

	it('turns any string into any other (seeded)', () => {
		const seed = 20251125;
		const rand = seededRandom(seed);
		const doc = new Y.Doc();
		const text = doc.getText('t');
		for (let i = 0; i < 500; i++) {
			const next = randomString(rand, 12);
			doc.transact(() => applyTextDiff(text, next));
			expect(text.toString(), `seed ${seed} step ${i}`).toBe(next);
		}
	});
});

describe('relative cursors', () => {
	it('follow concurrent edits made before them', () => {
		const a = new Y.Doc();
		const b = new Y.Doc();
		const ta = a.getText('t');
		ta.insert(0, 'hello world');
		Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
		const tb = b.getText('t');
		const json = JSON.parse(JSON.stringify(relativeCursor(ta, 6))) as unknown; // before "world"
		tb.insert(0, '>> ');
		Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
		expect(absoluteCursor(tb, json)).toBe(9);
		expect(absoluteCursor(ta, json)).toBe(9);
	});

	it('ignores malformed positions', () => {
		const t = new Y.Doc().getText('t');
		expect(absoluteCursor(t, null)).toBeNull();
		expect(absoluteCursor(t, { item: 'x' })).toBeNull();
		expect(absoluteCursor(t, { type: { client: 1, clock: 2 }, item: null, assoc: 0 })).toBeNull();
	});
});
