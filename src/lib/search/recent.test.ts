// SPEC S3.7: recent searches, per user, most recent first, bounded, case-insensitive duplicates.
import { describe, expect, it } from 'vitest';
import type { UserId } from '../domain/types';
import { pushRecent, RecentSearches, removeRecent, type RecentStore } from './recent';

describe('recent searches', () => {
	it('puts the newest first, drops duplicates ignoring case, keeps at most the limit', () => {
		let list: string[] = [];
		for (const q of ['renard', 'brun rapide', 'RENARD ', '  ', '@gmail']) list = pushRecent(list, q, 3);
		expect(list).toEqual(['@gmail', 'RENARD', 'brun rapide']);
		expect(pushRecent(list, '016 014', 3)).toEqual(['016 014', '@gmail', 'RENARD']);
		expect(removeRecent(list, 'renard')).toEqual(['@gmail', 'brun rapide']);
	});

	it('keeps one list per user through the store', async () => {
		const saved = new Map<UserId, string[]>();
		const store: RecentStore = {
			load: async (u) => saved.get(u),
			save: async (u, l) => void saved.set(u, [...l])
		};
		const ana = await RecentSearches.open(store, 'ana' as UserId);
		const bob = await RecentSearches.open(store, 'bob' as UserId);
		await ana.add('renard');
		await bob.add('samantha');
		await ana.add('@gmail');
		expect((await RecentSearches.open(store, 'ana' as UserId)).items).toEqual(['@gmail', 'renard']);
		expect((await RecentSearches.open(store, 'bob' as UserId)).items).toEqual(['samantha']);
		await ana.clear();
		expect(saved.get('ana' as UserId)).toEqual([]);
	});
});
