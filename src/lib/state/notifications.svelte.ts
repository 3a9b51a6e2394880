/**
 * The notification center (SPEC S6.2, S7.5), derived from the local contact summaries, never
 * stored: a comment that mentions me, written by someone else, and a system wake-up of a
 * contact assigned to me. Summaries carry each contact's recent notices (`summary.notices`), so
 * nothing here loads a contact document.
 *
 * Invariants:
 * - Per-contact lists are replaced as summary changes arrive (O(changed contacts)); the flat,
 *   newest-first `items` is rebuilt from them, bounded to ITEMS_LIMIT.
 * - "Unread" means newer than my seen mark, kept in the client store's meta; a first run sets the
 *   mark to now, so history is not announced as new.
 * - Listeners of `onArrive` hear only notifications that appear live (after `load`), unread.
 */
import type { ContactId, ContactSummary, EntryId, User, UserId } from '../domain/types';
import type { SummaryChange } from '../sync/summaries';
import type { AppNotification, NotificationsApi } from './api';

export const ITEMS_LIMIT = 50;

export interface NotificationsDeps {
	user(): User | null;
	now(): number;
	saveSeen(at: number): void;
}

type Permission = NotificationPermission | 'unsupported';

/** The notifications one summary gives `me`. */
export function notificationsOf(s: ContactSummary, me: UserId, seen: number): AppNotification[] {
	const out: AppNotification[] = [];
	for (const n of s.notices ?? []) {
		const forMe = n.kind === 'mention' ? n.userIds.includes(me) && n.authorId !== me : s.assigneeId === me;
		if (!forMe) continue;
		out.push({
			key: `${s.id}/${n.entryId}`,
			kind: n.kind,
			contactId: s.id,
			entryId: n.entryId as EntryId,
			at: n.at,
			authorId: (n.authorId as UserId | null) ?? null,
			unread: n.at > seen
		});
	}
	return out;
}

export class NotificationsState implements NotificationsApi {
	items = $state.raw<AppNotification[]>([]);
	unread = $state(0);
	permission = $state<Permission>(currentPermission());

	readonly #deps: NotificationsDeps;
	readonly #byContact = new Map<ContactId, AppNotification[]>();
	readonly #listeners = new Set<(n: AppNotification) => void>();
	#seen = 0;
	#loaded = false;

	constructor(deps: NotificationsDeps) {
		this.#deps = deps;
	}

	/** Cold start: every stored summary and the stored seen mark (undefined on a first run). */
	load(summaries: Iterable<ContactSummary>, seen: number | undefined): void {
		this.#byContact.clear();
		if (seen === undefined) {
			this.#seen = this.#deps.now();
			this.#deps.saveSeen(this.#seen);
		} else this.#seen = seen;
		const me = this.#deps.user()?.id;
		if (me) for (const s of summaries) this.#set(s.id, notificationsOf(s, me, this.#seen));
		this.#loaded = true;
		this.#publish();
	}

	apply(change: SummaryChange): void {
		const me = this.#deps.user()?.id;
		if (!me || !this.#loaded) return;
		const fresh: AppNotification[] = [];
		for (const id of change.removed) this.#byContact.delete(id);
		for (const s of change.changed) {
			const before = new Set((this.#byContact.get(s.id) ?? []).map((n) => n.key));
			const next = notificationsOf(s, me, this.#seen);
			for (const n of next) if (n.unread && !before.has(n.key)) fresh.push(n);
			this.#set(s.id, next);
		}
		this.#publish();
		for (const n of fresh) for (const f of this.#listeners) f(n);
	}

	reset(): void {
		this.#byContact.clear();
		this.#loaded = false;
		this.#publish();
	}

	/** Called for each notification that arrives live. */
	onArrive(f: (n: AppNotification) => void): () => void {
		this.#listeners.add(f);
		return () => this.#listeners.delete(f);
	}

	markAllSeen(): void {
		const newest = this.items[0]?.at ?? 0;
		this.#seen = Math.max(this.#seen, newest, this.#deps.now());
		this.#deps.saveSeen(this.#seen);
		for (const [id, list] of this.#byContact) this.#byContact.set(id, list.map((n) => (n.unread && n.at <= this.#seen ? { ...n, unread: false } : n)));
		this.#publish();
	}

	async requestPermission(): Promise<void> {
		if (typeof Notification === 'undefined') return;
		this.permission = await Notification.requestPermission();
	}

	#set(id: ContactId, list: AppNotification[]): void {
		if (list.length > 0) this.#byContact.set(id, list);
		else this.#byContact.delete(id);
	}

	#publish(): void {
		const all: AppNotification[] = [];
		for (const list of this.#byContact.values()) all.push(...list);
		all.sort((a, b) => b.at - a.at || (a.key < b.key ? 1 : -1));
		this.items = all.slice(0, ITEMS_LIMIT);
		this.unread = all.reduce((n, x) => n + (x.unread ? 1 : 0), 0);
	}
}

function currentPermission(): Permission {
	return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}
