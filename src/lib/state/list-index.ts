/**
 * The rows of the current list, kept sorted and updated in place. A small batch of changed
 * summaries is applied with binary search: each changed contact leaves its old position and, if
 * it still matches, is inserted at its new one, O(k log n) comparisons plus the array moves, so
 * one incoming message does not re-sort 10,000 rows. Membership and order are exactly the
 * domain's `queryList`: the same predicates (`hasInbox`, `holds`, visibility, status,
 * Unreplied) and comparator (`compareBySort` on the effective sort).
 *
 * Switching inbox, filter or sort does not sort again: every contact is kept sorted once per
 * effective sort (`sortContacts`, a total order, patched like the rows), and the list is that
 * order filtered, O(n) with cheap predicates. `rebuild` (the contacts may have changed
 * wholesale) drops those orders; `requery` (same contacts, another query) reuses them.
 */
import { hasInbox, holds } from '../domain/inboxes';
import { compareBySort, effectiveQuery, isUnreplied, matchesStatus, sortContacts } from '../domain/list';
import { visibilityPredicate } from '../domain/visibility';
import type { ContactId, ContactSummary, Directory, InboxKey, ListQuery, SortKey, User } from '../domain/types';

/**
 * Membership of a custom inbox or unsaved filter (`custom:<id>` keys, S1.5): the predicate, or
 * null when the user has no such inbox. Not a `custom:` key: undefined.
 */
export type CustomResolver = (key: InboxKey) => ((c: ContactSummary) => boolean) | null | undefined;

/** Above this many changes in one batch a full recompute is cheaper than patching. */
const PATCH_LIMIT = 256;

export class ListIndex {
	#rows: ContactSummary[] = [];
	#query: ListQuery;
	#user: User | null = null;
	#dir: Directory | null = null;
	#matches: (c: ContactSummary) => boolean = () => false;
	/** Every contact in list order, per effective sort already asked for. */
	readonly #sorted = new Map<SortKey, ContactSummary[]>();
	#custom: CustomResolver = () => undefined;

	constructor(query: ListQuery, custom?: CustomResolver) {
		this.#query = query;
		if (custom) this.#custom = custom;
	}

	get rows(): ContactSummary[] {
		return this.#rows;
	}

	/** Full recompute from every summary (which may have changed since the last call). */
	rebuild(all: Iterable<ContactSummary>, query: ListQuery, user: User | null, dir: Directory | null): ContactSummary[] {
		this.#sorted.clear();
		return this.requery(all, query, user, dir);
	}

	/** Another query over the same summaries as the last `rebuild` and `patch`es. */
	requery(all: Iterable<ContactSummary>, query: ListQuery, user: User | null, dir: Directory | null): ContactSummary[] {
		this.#query = query;
		this.#user = user;
		this.#dir = dir;
		const custom = user && dir ? this.#custom(query.inbox) : undefined;
		if (!user || !dir || custom === null || (custom === undefined && !hasInbox(user, dir, effectiveQuery(query).inbox))) {
			this.#matches = () => false;
			return (this.#rows = []);
		}
		const q = effectiveQuery(query);
		const visible = visibilityPredicate(user, dir);
		const matches = custom
			? (c: ContactSummary) => matchesStatus(c, q.status) && (!q.unreplied || isUnreplied(c)) && custom(c)
			: (c: ContactSummary) => matchesStatus(c, q.status) && (!q.unreplied || isUnreplied(c)) && holds(q.inbox, user, c) && visible(c);
		this.#matches = matches;
		let sorted = this.#sorted.get(q.sort);
		if (!sorted) {
			sorted = sortContacts(all, q.sort);
			this.#sorted.set(q.sort, sorted);
		}
		return (this.#rows = sorted.filter(matches));
	}

	/**
	 * Applies changed and removed summaries (`previous` gives each one's old value). Returns a new
	 * array when the rows changed (so a `$state.raw` holder notices), else the same array.
	 */
	patch(
		changed: readonly ContactSummary[],
		removed: readonly ContactId[],
		previous: (id: ContactId) => ContactSummary | undefined,
		all: () => Iterable<ContactSummary>
	): ContactSummary[] {
		if (!this.#user || !this.#dir) {
			this.#sorted.clear(); // no list to patch; the orders would go stale
			return this.#rows;
		}
		if (changed.length + removed.length > PATCH_LIMIT) return this.rebuild(all(), this.#query, this.#user, this.#dir);
		// The kept orders of every contact follow the same changes (mutated: they are never handed out).
		for (const [sort, order] of this.#sorted) {
			for (const id of removed) this.#remove(order, sort, previous(id), id);
			for (const c of changed) {
				this.#remove(order, sort, previous(c.id), c.id);
				order.splice(insertAt(order, c, sort), 0, c);
			}
		}
		const sort = effectiveQuery(this.#query).sort;
		const rows = this.#rows.slice();
		let touched = false;
		for (const id of removed) touched = this.#remove(rows, sort, previous(id), id) || touched;
		for (const c of changed) {
			touched = this.#remove(rows, sort, previous(c.id), c.id) || touched;
			if (this.#matches(c)) {
				rows.splice(insertAt(rows, c, sort), 0, c);
				touched = true;
			}
		}
		if (touched) this.#rows = rows;
		return this.#rows;
	}

	/**
	 * Removes the row of `id`, found by its old value's position (ids are unique in the order).
	 * No old value means a contact new to the list's source, so it has no row (a first sync adds
	 * thousands: a scan each would be quadratic).
	 */
	#remove(rows: ContactSummary[], sort: SortKey, old: ContactSummary | undefined, id: ContactId): boolean {
		if (!old) return false;
		const at = insertAt(rows, old, sort);
		if (rows[at]?.id === id) {
			rows.splice(at, 1);
			return true;
		}
		// The old value is stale (not where it sorts): fall back to a scan.
		const found = rows.findIndex((r) => r.id === id);
		if (found < 0) return false;
		rows.splice(found, 1);
		return true;
	}
}

/** Where `c` goes in `rows` (sorted by the effective `sort`): binary search. */
function insertAt(rows: readonly ContactSummary[], c: ContactSummary, sort: SortKey): number {
	let lo = 0;
	let hi = rows.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (compareBySort(rows[mid]!, c, sort) < 0) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}
