/**
 * Recent searches (SPEC S3.7), kept per user: a bounded most-recent-first list. Re-running a
 * search moves it to the front instead of listing it twice; two queries that differ only in case
 * or surrounding spaces are the same search (search is case-insensitive, S3.7). The list is a
 * plain value; persistence is the caller's, through a store callback.
 */
import type { UserId } from '../domain/types';

export const RECENT_LIMIT = 10;

function sameSearch(a: string, b: string): boolean {
	return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The list after running `query`: it goes first, duplicates go, the oldest beyond `limit` go. */
export function pushRecent(list: readonly string[], query: string, limit = RECENT_LIMIT): string[] {
	const q = query.trim();
	if (!q) return [...list];
	return [q, ...list.filter((s) => !sameSearch(s, q))].slice(0, limit);
}

export function removeRecent(list: readonly string[], query: string): string[] {
	return list.filter((s) => !sameSearch(s, query));
}

/** Where a user's list lives (IndexedDB in the app, a Map in tests). */
export interface RecentStore {
	load(userId: UserId): Promise<string[] | undefined>;
	save(userId: UserId, list: string[]): Promise<void>;
}

/** One user's recent searches, written through to the store on each change. */
export class RecentSearches {
	private list: string[] = [];

	private constructor(
		private readonly store: RecentStore,
		private readonly userId: UserId,
		private readonly limit: number
	) {}

	static async open(store: RecentStore, userId: UserId, limit = RECENT_LIMIT): Promise<RecentSearches> {
		const r = new RecentSearches(store, userId, limit);
		r.list = ((await store.load(userId)) ?? []).slice(0, limit);
		return r;
	}

	get items(): readonly string[] {
		return this.list;
	}

	async add(query: string): Promise<void> {
		this.list = pushRecent(this.list, query, this.limit);
		await this.store.save(this.userId, this.list);
	}

	async remove(query: string): Promise<void> {
		this.list = removeRecent(this.list, query);
		await this.store.save(this.userId, this.list);
	}

	async clear(): Promise<void> {
		this.list = [];
		await this.store.save(this.userId, this.list);
	}
}
