/**
 * The pure parts of the virtualized list, tested without a DOM:
 * - scroll anchoring: after the items change, the scroll offset that keeps the row at the top
 *   of the viewport (or, when it left the list, the next row below it that is still there) at
 *   the same place on screen;
 * - the slot pool: which index each of `poolSize` reused row slots shows.
 */

/**
 * The indexes of the window [start, end) in slot order: slot `s` shows the one index `i` of the
 * window with `i % poolSize === s` (unique while `end - start <= poolSize`); slots with no index
 * in the window are left out. Moving the window changes only the slots at its edges.
 */
export function slotIndexes(start: number, end: number, poolSize: number): number[] {
	const out: number[] = [];
	const base = start - (start % poolSize);
	for (let slot = 0; slot < poolSize; slot++) {
		const i = base + slot < start ? base + slot + poolSize : base + slot;
		if (i < end) out.push(i);
	}
	return out;
}

/** How many rows below the top one may serve as the anchor when the top one is gone. */
const ANCHOR_CANDIDATES = 20;

export function anchoredOffset<T>(before: readonly T[], after: readonly T[], key: (item: T) => string, top: number, rowHeight: number): number | null {
	const first = Math.floor(top / rowHeight);
	const within = top - first * rowHeight;
	const wanted = new Map<string, number>();
	for (let i = first; i < Math.min(before.length, first + ANCHOR_CANDIDATES); i++) {
		const item = before[i];
		if (item !== undefined) wanted.set(key(item), i - first);
	}
	if (wanted.size === 0) return null;
	// Each surviving candidate votes for the new index of the top row. The rows on screen move
	// together, so the majority wins and a row that was re-sorted away (a new message sent it to
	// the top) is outvoted instead of dragging the viewport after it.
	const votes = new Map<number, { count: number; shift: number }>();
	let found = 0;
	for (let j = 0; j < after.length && found < wanted.size; j++) {
		const item = after[j];
		if (item === undefined) continue;
		const shift = wanted.get(key(item));
		if (shift === undefined) continue;
		found++;
		const v = votes.get(j - shift);
		if (v) {
			v.count++;
			v.shift = Math.min(v.shift, shift);
		} else votes.set(j - shift, { count: 1, shift });
	}
	let best: { index: number; count: number; shift: number } | null = null;
	for (const [index, v] of votes) {
		if (!best || v.count > best.count || (v.count === best.count && v.shift < best.shift)) best = { index, ...v };
	}
	return best === null ? null : Math.max(0, best.index * rowHeight + within);
}
