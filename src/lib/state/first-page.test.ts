// The first-page preview of a cold start: stored per user, read back only for the same query.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIST_QUERY } from '../domain/list';
import type { ContactSummary } from '../domain/types';
import { clearFirstPage, FIRST_PAGE_ROWS, readFirstPage, sameQuery, writeFirstPage } from './first-page';

class MemoryStorage implements Storage {
	#m = new Map<string, string>();
	get length() {
		return this.#m.size;
	}
	clear() {
		this.#m.clear();
	}
	getItem(k: string) {
		return this.#m.get(k) ?? null;
	}
	key(i: number) {
		return [...this.#m.keys()][i] ?? null;
	}
	removeItem(k: string) {
		this.#m.delete(k);
	}
	setItem(k: string, v: string) {
		this.#m.set(k, v);
	}
}

const owner = { userId: 'u1', workspaceId: 'w1' };
const rows = Array.from({ length: 50 }, (_, i) => ({ id: `c${i}` }) as unknown as ContactSummary);

describe('first page', () => {
	it('round-trips the first rows of one user, and is gone after clear', () => {
		const st = new MemoryStorage();
		writeFirstPage(st, owner, { query: { ...DEFAULT_LIST_QUERY }, rows, inboxes: [] });
		const page = readFirstPage(st, owner);
		expect(page?.rows.map((r) => r.id)).toEqual(rows.slice(0, FIRST_PAGE_ROWS).map((r) => r.id));
		expect(readFirstPage(st, { userId: 'u2', workspaceId: 'w1' })).toBeNull();
		clearFirstPage(st, owner);
		expect(readFirstPage(st, owner)).toBeNull();
	});

	it('ignores damaged entries and missing storage', () => {
		const st = new MemoryStorage();
		st.setItem('parley.firstPage.w1.u1', '{not json');
		expect(readFirstPage(st, owner)).toBeNull();
		expect(readFirstPage(null, owner)).toBeNull();
	});

	it('compares queries field by field', () => {
		expect(sameQuery({ ...DEFAULT_LIST_QUERY }, DEFAULT_LIST_QUERY)).toBe(true);
		expect(sameQuery({ ...DEFAULT_LIST_QUERY, unreplied: !DEFAULT_LIST_QUERY.unreplied }, DEFAULT_LIST_QUERY)).toBe(false);
	});
});
