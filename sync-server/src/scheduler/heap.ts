/**
 * A binary min-heap of (time, key) pairs. Deletion is lazy: the owner keeps the authoritative
 * time per key and skips popped pairs that no longer match it, so rescheduling a key is one
 * push (O(log n)) and never a search through the heap.
 */
export interface Timed<K> {
	at: number;
	key: K;
}

export class MinHeap<K> {
	private readonly items: Timed<K>[] = [];

	get size(): number {
		return this.items.length;
	}

	peek(): Timed<K> | undefined {
		return this.items[0];
	}

	push(item: Timed<K>): void {
		const a = this.items;
		a.push(item);
		let i = a.length - 1;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (a[parent]!.at <= a[i]!.at) break;
			[a[parent], a[i]] = [a[i]!, a[parent]!];
			i = parent;
		}
	}

	pop(): Timed<K> | undefined {
		const a = this.items;
		const top = a[0];
		const last = a.pop();
		if (a.length === 0 || last === undefined) return top;
		a[0] = last;
		let i = 0;
		for (;;) {
			const l = 2 * i + 1;
			const r = l + 1;
			let m = i;
			if (l < a.length && a[l]!.at < a[m]!.at) m = l;
			if (r < a.length && a[r]!.at < a[m]!.at) m = r;
			if (m === i) break;
			[a[m], a[i]] = [a[i]!, a[m]!];
			i = m;
		}
		return top;
	}

	clear(): void {
		this.items.length = 0;
	}
}
