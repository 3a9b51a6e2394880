/**
 * The message index's postings (SPEC S3.5, issue 26): for each *rare* term (in fewer than the
 * engine's stop threshold of entries, so a few hundred ordinals at most), the ordinals of the
 * entries holding it. A term held by one entry maps to that ordinal itself, more to a small
 * array: most rare terms are in one or two entries, and a number costs nothing beside the key.
 * This replaces MiniSearch's documents (per-document maps of field lengths and ids, and a radix
 * tree of per-field frequency maps), which were most of the search worker's heap at a million
 * messages; the planner needs only exact lookups, prefixes of email keys and each term's count.
 *
 * Invariants: a list holds distinct ordinals, in insertion order (callers sort candidates by
 * time); a term's count is its entries while it is indexed; `drop` forgets a term (stop term).
 */
export class Postings {
	private map = new Map<string, number | number[]>();

	/** Indexed terms. */
	get size(): number {
		return this.map.size;
	}

	/** Entries holding `term` (0 when not indexed). */
	count(term: string): number {
		const p = this.map.get(term);
		return p === undefined ? 0 : typeof p === 'number' ? 1 : p.length;
	}

	add(term: string, o: number): void {
		const p = this.map.get(term);
		if (p === undefined) this.map.set(term, o);
		else if (typeof p === 'number') this.map.set(term, [p, o]);
		else p.push(o);
	}

	remove(term: string, o: number): void {
		const p = this.map.get(term);
		if (p === undefined) return;
		if (typeof p === 'number') {
			if (p === o) this.map.delete(term);
			return;
		}
		const i = p.indexOf(o);
		if (i < 0) return;
		p.splice(i, 1);
		if (p.length === 1) this.map.set(term, p[0]!);
	}

	drop(term: string): void {
		this.map.delete(term);
	}

	/** Calls `fn` with each ordinal holding `term`. */
	each(term: string, fn: (o: number) => void): void {
		const p = this.map.get(term);
		if (p === undefined) return;
		if (typeof p === 'number') fn(p);
		else for (const o of p) fn(o);
	}

	/** Indexed terms starting with `prefix` (a scan of the terms: used for partial emails only). */
	*withPrefix(prefix: string): Generator<string> {
		for (const t of this.map.keys()) if (t.startsWith(prefix)) yield t;
	}
}
