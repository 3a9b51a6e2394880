// The LRU registry of loaded documents: bound, pins, shared loads, drop during load.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocId } from '../domain/types';
import { DocRegistry } from './registry';

const id = (n: number) => `c/k${n}` as DocId;

function registry(capacity: number) {
	const unloaded: DocId[] = [];
	let loads = 0;
	const reg = new DocRegistry({
		capacity,
		load: async () => {
			loads++;
			return new Y.Doc();
		},
		onUnload: (docId) => unloaded.push(docId)
	});
	return { reg, unloaded, loads: () => loads };
}

describe('DocRegistry', () => {
	it('keeps at most capacity documents, evicting the least recently used', async () => {
		const { reg, unloaded } = registry(3);
		for (let i = 0; i < 3; i++) await reg.get(id(i));
		await reg.get(id(0)); // 0 becomes most recent
		await reg.get(id(3));
		expect(reg.size).toBe(3);
		expect(unloaded).toEqual([id(1)]);
		expect(reg.ids()).toEqual([id(2), id(0), id(3)]);
	});

	it('never evicts a pinned document', async () => {
		const { reg, unloaded } = registry(2);
		const doc0 = await reg.get(id(0));
		const release = reg.pin(id(0));
		for (let i = 1; i < 5; i++) await reg.get(id(i));
		expect(reg.has(id(0))).toBe(true);
		expect(reg.peek(id(0))).toBe(doc0);
		release();
		await reg.get(id(8));
		await reg.get(id(9));
		expect(reg.has(id(0))).toBe(false);
		expect(unloaded).toContain(id(0));
	});

	it('shares one load between concurrent gets', async () => {
		const { reg, loads } = registry(5);
		const [a, b] = await Promise.all([reg.get(id(1)), reg.get(id(1))]);
		expect(a).toBe(b);
		expect(loads()).toBe(1);
	});

	it('discards a load that finishes after drop', async () => {
		const { reg } = registry(5);
		const p = reg.get(id(1));
		reg.drop(id(1));
		await expect(p).rejects.toThrow(/dropped/);
		expect(reg.has(id(1))).toBe(false);
	});
});
