/**
 * Alerts of the notification preferences (issue 20, settings > My profile): the live events a
 * user may want a sound or a desktop notification for: someone mentions me, a conversation is
 * assigned to me (by someone else), a new incoming message in Mine. Derived from summary
 * changes (and the notification center's mentions), only while the app is live: the catch-up
 * after a start or an offline spell announces nothing, like the notification center.
 * What each alert does (sound, desktop) is the preferences' business (`NotificationAlerts.svelte`).
 */
import type { ContactId, ContactSummary, UserId } from '../domain/types';
import type { SummaryChange } from '../sync/summaries';
import type { NotifyEvent } from './settings.svelte';

export interface Alert {
	kind: NotifyEvent;
	contactId: ContactId;
}

type Seen = Pick<ContactSummary, 'assigneeId' | 'recentIncomingAt'>;

const lastIn = (s: Seen | undefined): number => s?.recentIncomingAt[s.recentIncomingAt.length - 1] ?? 0;

/** The alerts one summary change gives `me` (prev: the summary before; undefined when new here). */
export function alertsOf(prev: Seen | undefined, next: ContactSummary, me: UserId): NotifyEvent[] {
	if (next.assigneeId !== me) return [];
	if (prev === undefined) return ['assignments'];
	const out: NotifyEvent[] = [];
	if (prev.assigneeId !== me) out.push('assignments');
	else if (lastIn(next) > lastIn(prev)) out.push('mine');
	return out;
}

export interface AlertsDeps {
	user(): { id: UserId } | null;
	/** Connected and caught up: changes are live news, not history. */
	live(): boolean;
	/** The conversation open here: what happens to it is seen (my own assignment, a reply there). */
	selected(): ContactId | null;
}

export class AlertsState {
	readonly #deps: AlertsDeps;
	readonly #seen = new Map<ContactId, Seen>();
	readonly #listeners = new Set<(a: Alert) => void>();

	constructor(deps: AlertsDeps) {
		this.#deps = deps;
	}

	load(summaries: readonly ContactSummary[]): void {
		this.#seen.clear();
		for (const s of summaries) this.#seen.set(s.id, { assigneeId: s.assigneeId, recentIncomingAt: s.recentIncomingAt });
	}

	apply(change: SummaryChange): void {
		const me = this.#deps.user()?.id;
		const live = this.#deps.live();
		for (const s of change.changed) {
			const prev = this.#seen.get(s.id);
			this.#seen.set(s.id, { assigneeId: s.assigneeId, recentIncomingAt: s.recentIncomingAt });
			if (!me || !live || s.id === this.#deps.selected()) continue;
			for (const kind of alertsOf(prev, s, me)) this.emit(kind, s.id);
		}
		for (const id of change.removed) this.#seen.delete(id);
	}

	emit(kind: NotifyEvent, contactId: ContactId): void {
		for (const f of this.#listeners) f({ kind, contactId });
	}

	onAlert(f: (a: Alert) => void): () => void {
		this.#listeners.add(f);
		return () => this.#listeners.delete(f);
	}

	reset(): void {
		this.#seen.clear();
	}
}
