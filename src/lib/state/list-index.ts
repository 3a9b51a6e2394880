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
 * order filtered. `rebuild` (the contacts may have changed wholesale) drops those orders;
 * `requery` (same contacts, another query) reuses them.
 *
 * Facets (issue 26): beside each order, every contact's answers to the standard predicates
 * (visible, blocked, mine, unassigned, status, Unreplied, team) are kept as the bits of one
 * small integer, computed when the contact enters the order. A switch between standard inboxes,
 * statuses and Unreplied is then one pass of `(bits & mask) === want` over a number array,
 * instead of calling the predicates on 50,000 summaries whose shapes differ (optional fields:
 * every property read is megamorphic; that pass was most of a 200 ms switch at 50k). Custom
 * inboxes keep their compiled predicate. The orders of the sorts a status offers are prepared
 * ahead (`prepare`) so the first switch to another sort does not sort 50,000 rows either.
 */
import { hasInbox, holds, teamIdOfInbox } from '../domain/inboxes';
import { compareBySort, effectiveQuery, isUnreplied, matchesStatus, sortContacts } from '../domain/list';
import { visibilityPredicate } from '../domain/visibility';
import type { ContactId, ContactSummary, Directory, InboxKey, ListQuery, SortKey, TeamId, User } from '../domain/types';

/**
 * Membership of a custom inbox or unsaved filter (`custom:<id>` keys, S1.5): the predicate, or
 * null when the user has no such inbox. Not a `custom:` key: undefined.
 */
export type CustomResolver = (key: InboxKey) => ((c: ContactSummary) => boolean) | null | undefined;

/**
 * Above this many changes in one batch, patching (a splice per change) costs more than merging
 * the changes into each kept order in one pass (`#merge`).
 */
const PATCH_LIMIT = 256;

// Facet bits (see the top of this file); the team's number (1-based, 0: none) is above them.
const VISIBLE = 1;
const BLOCKED = 2;
const MINE = 4;
const UNASSIGNED = 8;
const OPEN = 16;
const CLOSED = 32;
const SNOOZED = 64;
const UNREPLIED = 128;
const TEAM_SHIFT = 8;
const STATUS_BIT: Record<string, number> = { open: OPEN, closed: CLOSED, snoozed: SNOOZED };

/** Every contact sorted one way, and each one's facets (same positions). */
interface Order {
	rows: ContactSummary[];
	facets: number[];
}

/** The facet test of a standard query: `(facets & mask) === want`; null: nothing matches. */
export function facetQuery(q: ListQuery, teamNumber: (team: TeamId) => number | undefined): { mask: number; want: number } | null {
	let mask = VISIBLE;
	let want = VISIBLE;
	if (q.inbox === 'blocked') {
		mask |= BLOCKED;
		want |= BLOCKED;
	} else {
		mask |= BLOCKED;
		if (q.inbox === 'mine') {
			mask |= MINE;
			want |= MINE;
		} else if (q.inbox === 'unassigned') {
			mask |= UNASSIGNED;
			want |= UNASSIGNED;
		} else if (q.inbox !== 'all') {
			const team = teamIdOfInbox(q.inbox);
			const n = team === null ? undefined : teamNumber(team);
			if (n === undefined) return null;
			mask |= ~0 << TEAM_SHIFT;
			want |= n << TEAM_SHIFT;
		}
	}
	if (q.status !== 'all') {
		const bit = STATUS_BIT[q.status];
		if (bit === undefined) return null;
		mask |= bit;
		want |= bit;
	}
	if (q.unreplied) {
		mask |= UNREPLIED;
		want |= UNREPLIED;
	}
	return { mask, want };
}

export class ListIndex {
	#rows: ContactSummary[] = [];
	#query: ListQuery;
	#user: User | null = null;
	#dir: Directory | null = null;
	#matches: (c: ContactSummary) => boolean = () => false;
	/** Every contact in list order with its facets, per effective sort already asked for. */
	readonly #sorted = new Map<SortKey, Order>();
	#custom: CustomResolver = () => undefined;
	/** The facets of a contact for the user and directory of the kept orders. */
	#facetsOf: (c: ContactSummary) => number = () => 0;
	/** Team numbers in facets (1-based); kept as long as the orders. */
	readonly #teams = new Map<TeamId, number>();
	/** The user and directory the kept orders' facets were computed for. */
	#facetsFor: { user: User; dir: Directory } | null = null;

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

	/**
	 * Sorts ahead the orders of `sorts` not kept yet (same contacts as the last `requery`), so a
	 * switch to one of them only filters. Returns whether it sorted anything.
	 */
	prepare(all: () => Iterable<ContactSummary>, sorts: readonly SortKey[]): boolean {
		if (!this.#user || !this.#dir) return false;
		let did = false;
		for (const sort of sorts) {
			if (this.#sorted.has(sort)) continue;
			this.#order(all(), sort);
			did = true;
		}
		return did;
	}

	/** The kept order of `sort`, sorted now if needed, with the facets of the current user. */
	#order(all: Iterable<ContactSummary>, sort: SortKey): Order {
		let order = this.#sorted.get(sort);
		if (!order) {
			const rows = sortContacts(all, sort);
			const facetsOf = this.#facetsOf;
			const facets: number[] = new Array<number>(rows.length);
			for (let i = 0; i < rows.length; i++) facets[i] = facetsOf(rows[i]!);
			order = { rows, facets };
			this.#sorted.set(sort, order);
		}
		return order;
	}

	/** Facets depend on the user and the directory: other ones drop the kept orders. */
	#useFacetsFor(user: User, dir: Directory): void {
		if (this.#facetsFor && this.#facetsFor.user === user && this.#facetsFor.dir === dir) return;
		this.#sorted.clear();
		this.#teams.clear();
		this.#facetsFor = { user, dir };
		const visible = visibilityPredicate(user, dir);
		const me = user.id;
		const teams = this.#teams;
		this.#facetsOf = (c) => {
			let f = 0;
			if (visible(c)) f |= VISIBLE;
			if (c.blocked) f |= BLOCKED;
			if (c.assigneeId === me) f |= MINE;
			if (c.assigneeId === null) f |= UNASSIGNED;
			f |= STATUS_BIT[c.status] ?? 0;
			if (isUnreplied(c)) f |= UNREPLIED;
			if (c.teamId !== null) {
				let n = teams.get(c.teamId);
				if (n === undefined) teams.set(c.teamId, (n = teams.size + 1));
				f |= n << TEAM_SHIFT;
			}
			return f;
		};
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
		this.#useFacetsFor(user, dir);
		const order = this.#order(all, q.sort);
		if (custom) return (this.#rows = order.rows.filter(matches));
		const test = facetQuery(q, (team) => this.#teams.get(team));
		if (!test) return (this.#rows = []);
		const { mask, want } = test;
		const { rows, facets } = order;
		const out: ContactSummary[] = [];
		for (let i = 0; i < facets.length; i++) if ((facets[i]! & mask) === want) out.push(rows[i]!);
		return (this.#rows = out);
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
		if (changed.length + removed.length > PATCH_LIMIT) return this.#merge(changed, removed, all);
		// The kept orders of every contact follow the same changes (mutated: they are never handed out).
		for (const [sort, order] of this.#sorted) {
			for (const id of removed) this.#remove(order.rows, sort, previous(id), id, order.facets);
			for (const c of changed) {
				this.#remove(order.rows, sort, previous(c.id), c.id, order.facets);
				const at = insertAt(order.rows, c, sort);
				order.rows.splice(at, 0, c);
				order.facets.splice(at, 0, this.#facetsOf(c));
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
	 * A big batch (a first login hands the list thousands of summaries at a time, issue 26): each
	 * kept order drops the changed and removed contacts in one pass and merges the changed ones,
	 * sorted, back in (O(n + k log k), where a rebuild sorted all n + k and dropped the orders of
	 * the other sorts). The rows are then the current order filtered, as `requery` does.
	 */
	#merge(changed: readonly ContactSummary[], removed: readonly ContactId[], all: () => Iterable<ContactSummary>): ContactSummary[] {
		const gone = new Set<ContactId>(removed);
		for (const c of changed) gone.add(c.id);
		for (const [sort, order] of this.#sorted) {
			const add = sortContacts(changed, sort);
			const rows: ContactSummary[] = [];
			const facets: number[] = [];
			let j = 0;
			for (let i = 0; i < order.rows.length; i++) {
				const r = order.rows[i]!;
				if (gone.has(r.id)) continue;
				for (; j < add.length && compareBySort(add[j]!, r, sort) < 0; j++) {
					rows.push(add[j]!);
					facets.push(this.#facetsOf(add[j]!));
				}
				rows.push(r);
				facets.push(order.facets[i]!);
			}
			for (; j < add.length; j++) {
				rows.push(add[j]!);
				facets.push(this.#facetsOf(add[j]!));
			}
			this.#sorted.set(sort, { rows, facets });
		}
		return this.requery(all(), this.#query, this.#user, this.#dir);
	}

	/**
	 * Removes the row of `id`, found by its old value's position (ids are unique in the order).
	 * No old value means a contact new to the list's source, so it has no row (a first sync adds
	 * thousands: a scan each would be quadratic).
	 */
	#remove(rows: ContactSummary[], sort: SortKey, old: ContactSummary | undefined, id: ContactId, facets?: number[]): boolean {
		if (!old) return false;
		let at = insertAt(rows, old, sort);
		// The old value is stale (not where it sorts): fall back to a scan.
		if (rows[at]?.id !== id) at = rows.findIndex((r) => r.id === id);
		if (at < 0) return false;
		rows.splice(at, 1);
		facets?.splice(at, 1);
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
