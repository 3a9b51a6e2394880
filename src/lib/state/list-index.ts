/**
 * The rows of the current list, kept sorted and updated in place. A full recompute is the
 * domain's `queryList` (O(n log n)); a small batch of changed summaries is applied with binary
 * search: each changed contact leaves its old position and, if it still matches, is inserted at
 * its new one, O(k log n) comparisons plus the array moves, so one incoming message does not
 * re-sort 10,000 rows. Membership and order are exactly `queryList`'s: the same domain
 * predicates (`hasInbox`, `holds`, visibility, status, Unreplied) and comparator
 * (`compareContacts` on the effective query).
 */
import { hasInbox, holds } from '../domain/inboxes';
import { compareContacts, effectiveQuery, isUnreplied, matchesStatus, queryList } from '../domain/list';
import { visibilityPredicate } from '../domain/visibility';
import type { ContactId, ContactSummary, Directory, ListQuery, User } from '../domain/types';

/** Above this many changes in one batch a full recompute is cheaper than patching. */
const PATCH_LIMIT = 256;

export class ListIndex {
	#rows: ContactSummary[] = [];
	#query: ListQuery;
	#user: User | null = null;
	#dir: Directory | null = null;
	#matches: (c: ContactSummary) => boolean = () => false;

	constructor(query: ListQuery) {
		this.#query = query;
	}

	get rows(): ContactSummary[] {
		return this.#rows;
	}

	/** Full recompute from every summary. */
	rebuild(all: Iterable<ContactSummary>, query: ListQuery, user: User | null, dir: Directory | null): ContactSummary[] {
		this.#query = query;
		this.#user = user;
		this.#dir = dir;
		if (!user || !dir) {
			this.#matches = () => false;
			return (this.#rows = []);
		}
		const q = effectiveQuery(query);
		const has = hasInbox(user, dir, q.inbox);
		const visible = visibilityPredicate(user, dir);
		this.#matches = (c) =>
			has && matchesStatus(c, q.status) && (!q.unreplied || isUnreplied(c)) && holds(q.inbox, user, c) && visible(c);
		return (this.#rows = queryList(all, query, user, dir));
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
		if (!this.#user || !this.#dir) return this.#rows;
		if (changed.length + removed.length > PATCH_LIMIT) return this.rebuild(all(), this.#query, this.#user, this.#dir);
		const rows = this.#rows.slice();
		let touched = false;
		for (const id of removed) touched = this.#remove(rows, previous(id), id) || touched;
		for (const c of changed) {
			touched = this.#remove(rows, previous(c.id), c.id) || touched;
			if (this.#matches(c)) {
				rows.splice(this.#insertAt(rows, c), 0, c);
				touched = true;
			}
		}
		if (touched) this.#rows = rows;
		return this.#rows;
	}

	#insertAt(rows: ContactSummary[], c: ContactSummary): number {
		const q = effectiveQuery(this.#query);
		let lo = 0;
		let hi = rows.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (compareContacts(rows[mid]!, c, q.sort, q.status) < 0) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}

	/**
	 * Removes the row of `id`, found by its old value's position (ids are unique in the order).
	 * No old value means a contact new to the list's source, so it has no row (a first sync adds
	 * thousands: a scan each would be quadratic).
	 */
	#remove(rows: ContactSummary[], old: ContactSummary | undefined, id: ContactId): boolean {
		if (!old) return false;
		const at = this.#insertAt(rows, old);
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
