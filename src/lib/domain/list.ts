/**
 * The conversation list: status filter, Unreplied, sorts (SPEC S4.1, S4.2, S4.3, S7.4).
 *
 * Ordering rules, total and deterministic so every client shows the same list:
 * - Newest / Oldest order by the last non-broadcast message (`lastMessageAt`, S4.2). Contacts
 *   with no message go LAST under both: they have no time to compare, and putting freshly
 *   created empty contacts on top of Oldest would bury the conversations waiting longest.
 * - Longest / Shortest order by how long the contact has been in its current status, i.e. by
 *   `statusSince` (earlier since = longer). Under the Snoozed filter that is the time it was
 *   snoozed. For a contact woken from snooze nothing special is needed here: waking restores
 *   `since = sinceBeforeSnooze` (actions.ts), so `statusSince` already is the time of its status
 *   before the snooze, as S4.2 asks. Contacts with no since go FIRST for Longest and LAST for
 *   Shortest (S4.2).
 * - Longest / Shortest are not offered with All statuses; asked anyway, the list falls back to
 *   Newest. In the Blocked inbox the status filter is forced to All (S4.3).
 * - Every tie is broken by contact id (code-unit order), so the order is stable.
 */
import type { ContactSummary, Directory, ListQuery, SortKey, StatusFilter, User } from './types';
import { hasInbox, holds } from './inboxes';
import { visibilityPredicate } from './visibility';

export const DEFAULT_LIST_QUERY: Readonly<ListQuery> = Object.freeze({
	inbox: 'all',
	status: 'all',
	unreplied: false,
	sort: 'newest'
});

export function matchesStatus(contact: Pick<ContactSummary, 'status'>, filter: StatusFilter): boolean {
	return filter === 'all' || contact.status === filter;
}

/** S4.1: the latest non-broadcast message came from the contact. */
export function isUnreplied(contact: Pick<ContactSummary, 'lastMessageDirection'>): boolean {
	return contact.lastMessageDirection === 'in';
}

export function availableSorts(status: StatusFilter): SortKey[] {
	return status === 'all' ? ['newest', 'oldest'] : ['newest', 'oldest', 'longest', 'shortest'];
}

/** The sort actually applied: an unavailable one falls back to Newest. */
export function effectiveSort(sort: SortKey, status: StatusFilter): SortKey {
	// `availableSorts(status).includes(sort)` without building an array: this runs per contact.
	return status === 'all' && (sort === 'longest' || sort === 'shortest') ? 'newest' : sort;
}

/** The query actually applied: the Blocked inbox forces All statuses (S4.3), then the sort is checked. */
export function effectiveQuery(query: ListQuery): ListQuery {
	const status = query.inbox === 'blocked' ? 'all' : query.status;
	return { ...query, status, sort: effectiveSort(query.sort, status) };
}

export type Sortable = Pick<ContactSummary, 'id' | 'lastMessageAt' | 'statusSince'>;

function finiteOrNull(n: number | null): number | null {
	return n !== null && Number.isFinite(n) ? n : null;
}

/** The time a contact is sorted by under `sort` (after `effectiveSort`), null when it has none. */
export function sortKey(contact: Sortable, sort: SortKey, status: StatusFilter): number | null {
	return keyOf(contact, effectiveSort(sort, status));
}

/** `sortKey` for a sort that is already effective. */
function keyOf(contact: Sortable, sort: SortKey): number | null {
	return finiteOrNull(sort === 'newest' || sort === 'oldest' ? contact.lastMessageAt : contact.statusSince);
}

function compareIds(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares precomputed keys; `sort` must already be effective. */
function compareKeys(ka: number | null, idA: string, kb: number | null, idB: string, sort: SortKey): number {
	if (ka === null || kb === null) {
		if (ka !== kb) {
			const nullFirst = sort === 'longest';
			return (ka === null) === nullFirst ? -1 : 1;
		}
	} else if (ka !== kb) {
		const ascending = sort === 'oldest' || sort === 'longest';
		return ascending ? ka - kb : kb - ka;
	}
	return compareIds(idA, idB);
}

export function compareContacts(a: Sortable, b: Sortable, sort: SortKey, status: StatusFilter): number {
	return compareBySort(a, b, effectiveSort(sort, status));
}

/** `compareContacts` for a sort that is already effective. */
export function compareBySort(a: Sortable, b: Sortable, sort: SortKey): number {
	return compareKeys(keyOf(a, sort), a.id, keyOf(b, sort), b.id, sort);
}

/**
 * Every contact in list order for `sort` (already effective), whatever the filters: filtering
 * this keeps the order, so one sorted copy serves every inbox and filter (state/list-index.ts).
 */
export function sortContacts<T extends Sortable = ContactSummary>(contacts: Iterable<T>, sort: SortKey): T[] {
	const rows: Array<{ c: T; k: number | null }> = [];
	for (const c of contacts) rows.push({ c, k: keyOf(c, sort) });
	rows.sort((x, y) => compareKeys(x.k, x.c.id, y.k, y.c.id, sort));
	return rows.map((r) => r.c);
}

/**
 * The list of one inbox for one user: visibility, inbox membership, status filter, Unreplied,
 * sort. An inbox the user does not have yields an empty list. O(n log n): visibility is a
 * prebuilt predicate and sort keys are computed once per contact.
 */
export function queryList(
	contacts: Iterable<ContactSummary>,
	query: ListQuery,
	user: User,
	dir: Directory
): ContactSummary[] {
	if (!hasInbox(user, dir, query.inbox)) return [];
	const q = effectiveQuery(query);
	const visible = visibilityPredicate(user, dir);
	const rows: Array<{ c: ContactSummary; k: number | null }> = [];
	for (const c of contacts) {
		if (!matchesStatus(c, q.status)) continue;
		if (q.unreplied && !isUnreplied(c)) continue;
		if (!holds(q.inbox, user, c) || !visible(c)) continue;
		rows.push({ c, k: sortKey(c, q.sort, q.status) });
	}
	rows.sort((x, y) => compareKeys(x.k, x.c.id, y.k, y.c.id, q.sort));
	return rows.map((r) => r.c);
}
