/**
 * A list that holds still under the pointer (issue 16, SPEC S4.5): while a person points at the
 * conversation list, the rows they see keep their places, whatever arrives meanwhile; each row
 * still shows its contact's latest summary (keyed by contact, never by position), and contacts
 * that arrived are counted ("3 new", like Front) instead of pushed in above the pointer. A
 * contact that left the view leaves it at once (it may be one this user may no longer see).
 */
export interface HeldList<T> {
	rows: T[];
	/** Items of the latest list that the held rows do not show, or show with new activity. */
	fresh: number;
}

/**
 * The held order `held`, each item replaced by its latest version in `latest` when it has one.
 * `moved(then, now)`: the item has news that would move it (a new message), counted as fresh.
 */
export function holdRows<T>(held: readonly T[], latest: readonly T[], key: (item: T) => string, moved: (then: T, now: T) => boolean = () => false): HeldList<T> {
	const byKey = new Map<string, T>();
	for (const item of latest) byKey.set(key(item), item);
	const shown = new Set<string>();
	const rows: T[] = [];
	let fresh = 0;
	for (const item of held) {
		const k = key(item);
		const now = byKey.get(k);
		if (now === undefined) continue;
		shown.add(k);
		rows.push(now);
		if (moved(item, now)) fresh++;
	}
	for (const k of byKey.keys()) if (!shown.has(k)) fresh++;
	return { rows, fresh };
}
