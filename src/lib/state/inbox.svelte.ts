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
import { addDot, clearDot, dotInboxWithCustom, emptyDots, type DotState } from '../domain/dot';
import { customInboxIdOf, customInboxKey, customInboxPredicate, DRAFT_FILTER_ID, subViewOf, type CustomInboxView } from '../domain/custom-inboxes';
import { foldText, isTimeDependent, nextChange, type Filter, type FilterSubject } from '../domain/filters';
import { openCounts, visibleInboxes } from '../domain/inboxes';
import { availableSorts, DEFAULT_LIST_QUERY } from '../domain/list';
import { visibilityPredicate } from '../domain/visibility';
import { unreadCount } from '../domain/unread';
import type { ContactId, ContactSummary, Directory, InboxKey, ListQuery, SortKey, StatusFilter, User } from '../domain/types';
import type { SummaryChange } from '../sync/summaries';
import type { InboxApi, InboxEntry } from './api';
import { sameQuery, type FirstPage } from './first-page';
import { IdleGate } from './idle-gate';
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
	/** The clock of time-based filter conditions (S4.4); default Date.now. */
	now?(): number;
	/** The local search, for a filter's free-text condition (S4.4); without it text is matched in names, email, phone and the last message. */
	textSearch?(query: string): Promise<ReadonlySet<ContactId> | null>;
}

/** Quiet time (no rebuild, no input) before the other sorts are prepared (issue 26). */
const PREPARE_AFTER_MS = 1_500;

/** The unsaved filter's inbox key (its filter lives in the URL). */
export const DRAFT_INBOX_KEY: InboxKey = customInboxKey(DRAFT_FILTER_ID);

export class InboxState implements InboxApi {
	ready = $state(false);
	query = $state.raw<ListQuery>({ ...DEFAULT_LIST_QUERY });
	selectedId = $state<ContactId | null>(null);
	rows = $state.raw<ContactSummary[]>([]);
	inboxes = $state.raw<InboxEntry[]>([]);
	sorts = $derived<SortKey[]>(availableSorts(this.query.status));
	/** Bumped whenever a summary changes, so `summary()` and `unread()` readers re-run. */
	version = $state(0);
	/** Custom inboxes shared with me (S1.5), hidden ones included (they open by URL). */
	customInboxes = $state.raw<CustomInboxView[]>([]);
	/** The unsaved filter shown under DRAFT_INBOX_KEY, if any. */
	draftFilter = $state.raw<Filter | null>(null);

	readonly #deps: InboxDeps;
	readonly #all = new Map<ContactId, ContactSummary>();
	readonly #list = new ListIndex(DEFAULT_LIST_QUERY, (key) => this.#customPredicate(key));
	/** Compiled membership of each custom inbox and the draft, for the current user, directory and time. */
	#customPreds = new Map<InboxKey, (c: ContactSummary) => boolean>();
	/** Custom inboxes in the sidebar (not hidden), in sidebar order. */
	#customShown: InboxKey[] = [];
	#customCounts = new Map<InboxKey, number>();
	#flipTimer: ReturnType<typeof setTimeout> | null = null;
	#flipAt: number | null = null;
	/** The sidebar entries of custom inboxes last given out (kept while unchanged). */
	readonly #customEntries = new Map<InboxKey, InboxEntry>();
	/** Results of the local search for each free-text condition in use (S4.4). */
	readonly #textMatches = new Map<string, ReadonlySet<ContactId>>();
	#textPending = new Set<string>();
	#textTimer: ReturnType<typeof setTimeout> | null = null;
	/** Filters with a time condition (custom inboxes and the draft). */
	#timeFilters: Filter[] = [];
	/** Per contact, the next instant a time condition flips for it (contacts with none are absent). */
	readonly #due = new Map<ContactId, number>();
	/** Sorting ahead the other sorts' orders (issue 26), once the list has been still a while. */
	#prepareTimer: ReturnType<typeof setTimeout> | null = null;
	#prepareGen = 0;
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
		this.#compileCustom();
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
		this.#prepareSoon();
	}

	/**
	 * Issue 26: once the person has not touched the page for a while, the list index sorts ahead
	 * the orders of the sorts the status filter offers (one per idle period), so the first switch
	 * of sort at 50,000 conversations only filters. A rebuild (a first sync's batches) starts over.
	 */
	#prepareSoon(): void {
		const gen = ++this.#prepareGen;
		if (this.#prepareTimer !== null) clearTimeout(this.#prepareTimer);
		this.#prepareTimer = setTimeout(() => {
			this.#prepareTimer = null;
			void this.#prepare(gen);
		}, PREPARE_AFTER_MS);
	}

	async #prepare(gen: number): Promise<void> {
		const gate = new IdleGate({ quietMs: PREPARE_AFTER_MS });
		try {
			for (;;) {
				await gate.next();
				if (gen !== this.#prepareGen) return;
				// One sort per idle period; none left to sort: done.
				let sorted = false;
				for (const sort of this.sorts) if (!sorted) sorted = this.#list.prepare(() => this.#all.values(), [sort]);
				if (!sorted) return;
			}
		} finally {
			gate.dispose();
		}
	}

	/**
	 * A batch of summary changes from the replica, applied incrementally whatever its size: the
	 * counts by each changed contact's old and new contribution, the list by the index's patch
	 * (which merges a big batch in one pass). A first login's batches of thousands used to
	 * recompute everything each time (every count, and a sort of every contact: issue 26).
	 */
	apply(change: SummaryChange): void {
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
		this.#countCustom(previous, next);
		this.#refreshTextSoon();
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
		const inbox = dotInboxWithCustom(user, s, dir, this.#customShown.filter((k) => this.#customPreds.get(k)?.(s)));
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
		this.#clearFlipTimer();
		if (this.#prepareTimer !== null) clearTimeout(this.#prepareTimer);
		this.#prepareTimer = null;
		if (this.#textTimer !== null) clearTimeout(this.#textTimer);
		this.#textTimer = null;
		this.#textMatches.clear();
		this.#textPending.clear();
		this.#all.clear();
		this.#dots = emptyDots();
		this.selectedId = null;
		this.ready = false;
		this.query = { ...DEFAULT_LIST_QUERY };
		this.recompute();
	}

	/** A restricted user has no All inbox (S1.3): the list opens on the first inbox they have. */
	#keepInboxAvailable(user: User | null, dir: Directory | null): void {
		// a custom inbox is kept even before its definition arrives (a shared link opened at start)
		if (!user || !dir || customInboxIdOf(this.query.inbox) !== null) return;
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
		const byKey = new Map(this.customInboxes.map((c) => [customInboxKey(c.id), c]));
		const custom = this.#customShown.map((key): InboxEntry => {
			const c = byKey.get(key)!;
			const e: InboxEntry = { key, label: c.name, kind: 'custom', icon: c.icon, mine: c.createdBy === user.id, openCount: this.#customCounts.get(key) ?? 0, dot: this.#dots.has(key) };
			// the same object when nothing changed: the sidebar row is not rendered again
			const was = this.#customEntries.get(key);
			if (was && was.label === e.label && was.icon === e.icon && was.mine === e.mine && was.openCount === e.openCount && was.dot === e.dot) return was;
			this.#customEntries.set(key, e);
			return e;
		});
		const blockedAt = this.inboxes.findIndex((e) => e.kind === 'blocked');
		const list = this.inboxes.slice();
		list.splice(blockedAt < 0 ? list.length : blockedAt, 0, ...custom);
		this.inboxes = list;
	}

	// -----------------------------------------------------------------------------------------
	// Custom inboxes and the unsaved filter (S1.5, S4.4)

	/** The custom inboxes shared with me arrived or changed. */
	setCustomInboxes(list: readonly CustomInboxView[]): void {
		this.customInboxes = [...list];
		this.#compileCustom();
		this.#rebuildList();
		this.#refreshInboxes();
	}

	/** Shows an unsaved filter under DRAFT_INBOX_KEY (null: none). */
	setDraftFilter(filter: Filter | null): void {
		this.draftFilter = filter;
		this.#compileCustom();
		if (this.query.inbox === DRAFT_INBOX_KEY) this.#rebuildList();
	}

	/** Whether `key` is a custom inbox shared with me (hidden or not) or the draft with a filter. */
	hasCustomView(key: InboxKey): boolean {
		return customInboxIdOf(key) !== null && this.#customPreds.has(key);
	}

	/** The filter of a custom inbox or the draft, or null. */
	filterOf(key: InboxKey): Filter | null {
		if (key === DRAFT_INBOX_KEY) return this.draftFilter;
		const id = customInboxIdOf(key);
		return id === null ? null : (this.customInboxes.find((c) => c.id === id)?.filter ?? null);
	}

	#customPredicate(key: InboxKey): ((c: ContactSummary) => boolean) | null | undefined {
		if (customInboxIdOf(key) === null) return undefined;
		return this.#customPreds.get(key) ?? null;
	}

	#now(): number {
		return this.#deps.now?.() ?? Date.now();
	}

	/** Compiles every custom filter (and the draft) for `now`; counts are left as they are. */
	#compilePreds(user: User, dir: Directory, now: number): void {
		const filters = new Map<InboxKey, Filter>();
		for (const c of this.customInboxes) filters.set(customInboxKey(c.id), c.filter);
		if (this.draftFilter) filters.set(DRAFT_INBOX_KEY, this.draftFilter);
		this.#customPreds = new Map();
		const text = (q: string, c: FilterSubject) => {
			const hits = this.#textMatches.get(q);
			if (hits) return hits.has(c.id);
			return foldText(`${c.firstName} ${c.lastName} ${c.email} ${c.phone} ${c.lastMessagePreview}`).includes(foldText(q));
		};
		for (const [key, f] of filters) {
			this.#customPreds.set(key, customInboxPredicate(f, user, dir, now, text));
			for (const g of f.groups) for (const c of g) if (c.field === 'text' && typeof c.value === 'string') this.#searchText(c.value);
		}
		this.#customShown = subViewOf(this.customInboxes, user.id, 'all').map((c) => customInboxKey(c.id));
		this.#timeFilters = [...filters.values()].filter(isTimeDependent);
	}

	/** Asks the local search for a free-text condition's contacts (once; again after changes). */
	#searchText(query: string): void {
		const search = this.#deps.textSearch;
		if (!search || this.#textMatches.has(query) || this.#textPending.has(query)) return;
		this.#textPending.add(query);
		void search(query)
			.then((hits) => {
				this.#textPending.delete(query);
				if (!hits) return;
				this.#textMatches.set(query, hits);
				this.#compileCustom();
				if (customInboxIdOf(this.query.inbox) !== null) this.#rebuildList();
				this.#refreshInboxes();
			})
			.catch(() => this.#textPending.delete(query));
	}

	/** Conversations changed: the free-text results are asked again, at most once a second and a half. */
	#refreshTextSoon(): void {
		if (this.#textMatches.size === 0 || this.#textTimer !== null) return;
		this.#textTimer = setTimeout(() => {
			this.#textTimer = null;
			const queries = [...this.#textMatches.keys()];
			for (const q of queries) {
				const search = this.#deps.textSearch;
				if (!search) return;
				void search(q).then((hits) => {
					if (!hits) return;
					this.#textMatches.set(q, hits);
					this.#compileCustom();
					if (customInboxIdOf(this.query.inbox) !== null) this.#rebuildList();
					this.#refreshInboxes();
				});
			}
		}, 1500);
	}

	/** The next instant a time condition of any custom filter flips for this contact. */
	#nextFlipOf(c: ContactSummary, now: number): number | null {
		let best: number | null = null;
		for (const f of this.#timeFilters) {
			const t = nextChange(f, c as FilterSubject, now);
			if (t !== null && (best === null || t < best)) best = t;
		}
		return best;
	}

	/** Compiles every custom filter for now, recounts them, and schedules the next time flip. */
	#compileCustom(): void {
		const user = this.#deps.user();
		const dir = this.#deps.dir();
		this.#customPreds = new Map();
		this.#customShown = [];
		this.#customCounts = new Map();
		this.#timeFilters = [];
		this.#due.clear();
		this.#clearFlipTimer();
		if (!user || !dir) return;
		const now = this.#now();
		this.#compilePreds(user, dir, now);
		for (const key of this.#customShown) {
			const pred = this.#customPreds.get(key)!;
			let n = 0;
			for (const c of this.#all.values()) if (c.status === 'open' && pred(c)) n++;
			this.#customCounts.set(key, n);
		}
		if (this.#timeFilters.length > 0) {
			for (const c of this.#all.values()) {
				const t = this.#nextFlipOf(c, now);
				if (t !== null) this.#due.set(c.id, t);
			}
			this.#scheduleNextFlip();
		}
	}

	/** Open counts of the custom inboxes follow a batch of changes (old contribution out, new in). */
	#countCustom(previous: ReadonlyMap<ContactId, ContactSummary | undefined>, next: ReadonlyMap<ContactId, ContactSummary | undefined>): void {
		if (this.#customPreds.size === 0) return;
		for (const key of this.#customShown) {
			const pred = this.#customPreds.get(key)!;
			let n = this.#customCounts.get(key) ?? 0;
			for (const [id, value] of next) {
				const old = previous.get(id);
				if (old && old.status === 'open' && pred(old)) n--;
				if (value && value.status === 'open' && pred(value)) n++;
			}
			this.#customCounts.set(key, n);
		}
		if (this.#timeFilters.length === 0) return;
		const now = this.#now();
		for (const [id, value] of next) {
			const t = value ? this.#nextFlipOf(value, now) : null;
			if (t === null) this.#due.delete(id);
			else {
				this.#due.set(id, t);
				if (this.#flipAt === null || t < this.#flipAt) this.#scheduleFlip(t);
			}
		}
	}

	#scheduleNextFlip(): void {
		let next: number | null = null;
		for (const t of this.#due.values()) if (next === null || t < next) next = t;
		if (next === null) this.#clearFlipTimer();
		else this.#scheduleFlip(next);
	}

	#scheduleFlip(at: number): void {
		this.#clearFlipTimer();
		this.#flipAt = at;
		// Timers are capped near 24.8 days; a later flip is rescheduled when this one fires.
		const delay = Math.min(Math.max(0, at - this.#now()), 2 ** 31 - 1);
		this.#flipTimer = setTimeout(() => {
			this.#flipTimer = null;
			this.#flipAt = null;
			this.#flip();
		}, delay);
	}

	/**
	 * A time condition crossed its line (S4.5): only the contacts whose flip is due are evaluated
	 * again (`nextChange` is never late, so every other contact's answer is unchanged); the open
	 * list is filtered again when it is a custom view.
	 */
	#flip(): void {
		const user = this.#deps.user();
		const dir = this.#deps.dir();
		if (!user || !dir) return;
		const now = this.#now();
		const before = this.#customPreds;
		this.#compilePreds(user, dir, now);
		for (const [id, t] of this.#due) {
			if (t > now) continue;
			const c = this.#all.get(id);
			if (c && c.status === 'open') {
				for (const key of this.#customShown) {
					const was = before.get(key)?.(c) === true;
					const is = this.#customPreds.get(key)!(c);
					if (was !== is) this.#customCounts.set(key, (this.#customCounts.get(key) ?? 0) + (is ? 1 : -1));
				}
			}
			const next = c ? this.#nextFlipOf(c, now) : null;
			if (next === null) this.#due.delete(id);
			else this.#due.set(id, next);
		}
		if (customInboxIdOf(this.query.inbox) !== null) this.#rebuildList();
		this.#refreshInboxes();
		this.#scheduleNextFlip();
	}

	#clearFlipTimer(): void {
		if (this.#flipTimer !== null) clearTimeout(this.#flipTimer);
		this.#flipTimer = null;
		this.#flipAt = null;
	}
}
