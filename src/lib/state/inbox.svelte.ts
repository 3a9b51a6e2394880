/**
 * The inbox sidebar and the conversation list (SPEC S1, S4), derived from the contact
 * summaries with the domain's rules: `visibleInboxes`, `openCounts`, `queryList` (through
 * `ListIndex`, patched in place for small batches), `dotInboxFor`, `unreadCount`.
 *
 * Invariants:
 * - Summaries live in a plain Map (not deeply reactive: 10k proxies would cost more than the
 *   list); the reactive outputs are replaced whole (`$state.raw`) when they change.
 * - Open counts are kept by adding the new and subtracting the old contribution of each changed
 *   contact, so a change costs O(1), not a pass over every contact.
 * - The dot (S1.7): a live incoming message adds it to `dotInboxFor(...)`; opening that inbox
 *   clears it; the set is persisted in the store's meta (`dots`).
 */
import { addDot, clearDot, dotInboxFor, emptyDots, type DotState } from '../domain/dot';
import { openCounts, visibleInboxes } from '../domain/inboxes';
import { availableSorts, DEFAULT_LIST_QUERY } from '../domain/list';
import { visibilityPredicate } from '../domain/visibility';
import { unreadCount } from '../domain/unread';
import type { ContactId, ContactSummary, Directory, InboxKey, ListQuery, SortKey, StatusFilter, User } from '../domain/types';
import type { SummaryChange } from '../sync/summaries';
import type { InboxApi, InboxEntry } from './api';
import { sameQuery, type FirstPage } from './first-page';
import { ListIndex } from './list-index';

export interface InboxDeps {
	user(): User | null;
	dir(): Directory | null;
	/** Called after `select` with the chosen contact (marks it read), and when it gets unread while selected. */
	opened(id: ContactId): void;
	/** Whether the person can see the selected conversation now (the page is visible); default yes. */
	reading?(): boolean;
	/** Persists the dot set. */
	saveDots(dots: InboxKey[]): void;
}

export class InboxState implements InboxApi {
	ready = $state(false);
	query = $state.raw<ListQuery>({ ...DEFAULT_LIST_QUERY });
	selectedId = $state<ContactId | null>(null);
	rows = $state.raw<ContactSummary[]>([]);
	inboxes = $state.raw<InboxEntry[]>([]);
	sorts = $derived<SortKey[]>(availableSorts(this.query.status));
	/** Bumped whenever a summary changes, so `summary()` and `unread()` readers re-run. */
	version = $state(0);

	readonly #deps: InboxDeps;
	readonly #all = new Map<ContactId, ContactSummary>();
	readonly #list = new ListIndex(DEFAULT_LIST_QUERY);
	#counts: Record<InboxKey, number> = { all: 0, mine: 0, unassigned: 0, blocked: 0 };
	#blockedVisible = 0;
	#dots: DotState = emptyDots();

	constructor(deps: InboxDeps) {
		this.#deps = deps;
	}

	/** Cold start: every stored summary at once. */
	load(list: Iterable<ContactSummary>, dots: readonly string[] = []): void {
		this.#all.clear();
		for (const s of list) this.#all.set(s.id, s);
		this.#dots = new Set(dots as InboxKey[]);
		this.recompute();
		this.ready = true;
	}

	/**
	 * While restoring: the first page remembered from the last session, shown until `load`
	 * replaces it. `ready` stays false (nothing else is known yet). False when not applicable.
	 */
	preview(page: FirstPage): boolean {
		if (this.ready || !sameQuery(page.query, this.query)) return false;
		this.rows = page.rows;
		this.inboxes = page.inboxes;
		return true;
	}

	/** Directory or user changed: everything depends on them. */
	recompute(): void {
		const user = this.#deps.user();
		const dir = this.#deps.dir();
		this.#keepInboxAvailable(user, dir);
		this.rows = this.#list.rebuild(this.#all.values(), this.query, user, dir);
		if (user && dir) {
			this.#counts = openCounts(user, this.#all.values(), dir);
			const visible = visibilityPredicate(user, dir);
			let n = 0;
			for (const c of this.#all.values()) if (c.blocked && visible(c)) n++;
			this.#blockedVisible = n;
		}
		this.#refreshInboxes();
		this.version++;
	}

	/** A batch of summary changes from the replica. */
	apply(change: SummaryChange): void {
		if (change.changed.length + change.removed.length > 256) {
			for (const c of change.changed) this.#all.set(c.id, c);
			for (const id of change.removed) this.#all.delete(id);
			this.#dropSelectionIfGone(change.removed);
			this.recompute();
			this.#keepSelectedRead(new Map(change.changed.map((c) => [c.id, c])));
			return;
		}
		const user = this.#deps.user();
		const dir = this.#deps.dir();
		const next = new Map<ContactId, ContactSummary | undefined>();
		for (const id of change.removed) next.set(id, undefined);
		for (const c of change.changed) next.set(c.id, c);
		const previous = new Map<ContactId, ContactSummary | undefined>();
		for (const id of next.keys()) previous.set(id, this.#all.get(id));
		if (user && dir) {
			const visible = visibilityPredicate(user, dir);
			for (const [id, value] of next) {
				const old = previous.get(id);
				if (old) this.#count(user, dir, visible, old, -1);
				if (value) this.#count(user, dir, visible, value, +1);
			}
		}
		for (const [id, value] of next) {
			if (value) this.#all.set(id, value);
			else this.#all.delete(id);
		}
		this.rows = this.#list.patch(change.changed, change.removed, (id) => previous.get(id), () => this.#all.values());
		this.#dropSelectionIfGone(change.removed);
		this.#refreshInboxes();
		this.version++;
		this.#keepSelectedRead(next);
	}

	/** The conversation on screen stays read: a message arriving in it is read as it arrives. */
	#keepSelectedRead(changed: ReadonlyMap<ContactId, ContactSummary | undefined>): void {
		const id = this.selectedId;
		const s = id ? changed.get(id) : undefined;
		if (!id || !s || this.unread(s) === 0 || this.#deps.reading?.() === false) return;
		this.#deps.opened(id);
	}

	/**
	 * A selected contact that went away (revoked, deleted) is no longer selected. One not here yet
	 * stays selected: a link opened during the first sync shows its conversation once it arrives.
	 */
	#dropSelectionIfGone(removed: readonly ContactId[]): void {
		if (this.selectedId && removed.includes(this.selectedId) && !this.#all.has(this.selectedId)) this.selectedId = null;
	}

	/** A new incoming message arrived live for this contact (S1.7). */
	incoming(s: ContactSummary): void {
		const user = this.#deps.user();
		const dir = this.#deps.dir();
		if (!user || !dir) return;
		const inbox = dotInboxFor(user, s, dir);
		// Nobody needs a dot for the inbox they are looking at, on the contact they have open.
		if (inbox === null || (inbox === this.query.inbox && this.selectedId === s.id)) return;
		this.#setDots(addDot(this.#dots, inbox));
	}

	setInbox(key: InboxKey): void {
		this.query = { ...this.query, inbox: key };
		this.#setDots(clearDot(this.#dots, key));
		this.#rebuildList();
	}

	setStatus(status: StatusFilter): void {
		this.query = { ...this.query, status };
		this.#rebuildList();
	}

	setUnreplied(on: boolean): void {
		this.query = { ...this.query, unreplied: on };
		this.#rebuildList();
	}

	setSort(sort: SortKey): void {
		this.query = { ...this.query, sort };
		this.#rebuildList();
	}

	select(id: ContactId | null): void {
		this.selectedId = id;
		this.#setDots(clearDot(this.#dots, this.query.inbox));
		if (id) this.#deps.opened(id);
	}

	unread(summary: ContactSummary): number {
		const user = this.#deps.user();
		return user ? unreadCount(summary, user.id) : 0;
	}

	summary(id: ContactId): ContactSummary | undefined {
		void this.version;
		return this.#all.get(id);
	}

	/** Every summary (not reactive; for tests and the debug hook). */
	all(): IterableIterator<ContactSummary> {
		return this.#all.values();
	}

	reset(): void {
		this.#all.clear();
		this.#dots = emptyDots();
		this.selectedId = null;
		this.ready = false;
		this.query = { ...DEFAULT_LIST_QUERY };
		this.recompute();
	}

	/** A restricted user has no All inbox (S1.3): the list opens on the first inbox they have. */
	#keepInboxAvailable(user: User | null, dir: Directory | null): void {
		if (!user || !dir) return;
		const keys = visibleInboxes(user, dir, { hasBlockedVisible: true });
		if (keys.length > 0 && !keys.includes(this.query.inbox)) this.query = { ...this.query, inbox: keys[0]! };
	}

	/** Another query over the same summaries: the list index reuses its sorted orders. */
	#rebuildList(): void {
		this.rows = this.#list.requery(this.#all.values(), this.query, this.#deps.user(), this.#deps.dir());
	}

	#count(user: User, dir: Directory, visible: (c: ContactSummary) => boolean, c: ContactSummary, sign: 1 | -1): void {
		if (c.blocked && visible(c)) this.#blockedVisible += sign;
		if (c.status !== 'open' || c.blocked || !visible(c)) return;
		const one = openCounts(user, [c], dir);
		for (const key of Object.keys(one) as InboxKey[]) {
			const v = one[key] ?? 0;
			if (v !== 0) this.#counts[key] = (this.#counts[key] ?? 0) + sign * v;
		}
	}

	/**
	 * Another tab of this user changed the dots: take its set as is (it saved it and told the
	 * others; adopting tells no one back). Opening the inbox in any tab clears it in all.
	 */
	adoptDots(dots: readonly string[]): void {
		this.#dots = new Set(dots as InboxKey[]);
		this.#refreshInboxes();
	}

	#setDots(next: DotState): void {
		if (next === this.#dots) return;
		this.#dots = next;
		this.#deps.saveDots([...next]);
		this.#refreshInboxes();
	}

	#refreshInboxes(): void {
		const user = this.#deps.user();
		const dir = this.#deps.dir();
		if (!user || !dir) {
			this.inboxes = [];
			return;
		}
		const teams = new Map(dir.teams.map((t) => [`team:${t.id}`, t.name]));
		this.inboxes = visibleInboxes(user, dir, { hasBlockedVisible: this.#blockedVisible > 0 }).map((key): InboxEntry => {
			if (key === 'blocked') return { key, label: 'blocked', kind: 'blocked', dot: false };
			const team = teams.get(key);
			return {
				key,
				label: team ?? key,
				kind: team !== undefined ? 'team' : 'standard',
				openCount: this.#counts[key] ?? 0,
				dot: this.#dots.has(key)
			};
		});
	}
}
