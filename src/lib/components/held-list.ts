/**
 * A list that holds still under the pointer (issue 16, SPEC S4.5): while a person points at the
 * conversation list, the rows they see keep their places, whatever arrives meanwhile; each row
 * still shows its contact's latest summary (keyed by contact, never by position), a contact
 * that left the view keeps its place until the list is released, and contacts that arrived are
 * counted ("3 new", like Front) instead of pushed in above the pointer.
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
	const rows = held.map((item) => {
		const k = key(item);
		shown.add(k);
		return byKey.get(k) ?? item;
	});
	let fresh = 0;
	for (const k of byKey.keys()) if (!shown.has(k)) fresh++;
	return { rows, fresh };
}
