/**
 * A list that holds still under the pointer (issue 16, SPEC S4.5): while a person points at the
 * conversation list, the rows they see keep their places, whatever arrives meanwhile; each row
 * still shows its contact's latest summary (keyed by contact, never by position), and contacts
 * that arrived are counted ("3 new", like Front) instead of pushed in above the pointer. A
 * contact that left the view leaves it at once (it may be one this user may no longer see).
 */
export interface HeldList<T> {
	rows: T[];
	/** Items of the latest list that the held rows do not show. */
	fresh: number;
}

/** The held order `held`, each item replaced by its latest version in `latest` when it has one. */
export function holdRows<T>(held: readonly T[], latest: readonly T[], key: (item: T) => string): HeldList<T> {
	const byKey = new Map<string, T>();
	for (const item of latest) byKey.set(key(item), item);
	const shown = new Set<string>();
	const rows: T[] = [];
	for (const item of held) {
		const k = key(item);
		const now = byKey.get(k);
		if (now === undefined) continue;
		shown.add(k);
		rows.push(now);
	}
	let fresh = 0;
	for (const k of byKey.keys()) if (!shown.has(k)) fresh++;
	return { rows, fresh };
}
