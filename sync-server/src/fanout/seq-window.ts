/**
 * Which sequence numbers a process has seen pass through its fan-out (its own publishes and the
 * other processes'): everything up to `floor`, and some above it. A number missing above the
 * floor for long is a hole: its event was lost (a writer killed between commit and publish, a
 * lost pub/sub link) and is fetched from the store (`RemoteTraffic.resync`). The store numbers
 * every stored update from one counter without gaps (PostgreSQL), so every number is expected.
 */
export class SeqWindow {
	private above = new Set<number>();
	/** When the lowest hole appeared (performance.now()), or null when there is none. */
	private holeSince: number | null = null;
	max: number;

	constructor(public floor: number) {
		this.max = floor;
	}

	has(seq: number): boolean {
		return seq <= this.floor || this.above.has(seq);
	}

	note(seq: number): void {
		if (seq <= this.floor) return;
		this.max = Math.max(this.max, seq);
		if (seq === this.floor + 1) {
			this.floor = seq;
			while (this.above.delete(this.floor + 1)) this.floor++;
		} else {
			this.above.add(seq);
		}
		this.holeSince = this.above.size === 0 ? null : (this.holeSince ?? performance.now());
	}

	/** Everything up to `seq` has been seen (or fetched from the store). */
	advanceTo(seq: number): void {
		if (seq <= this.floor) return;
		this.floor = seq;
		this.max = Math.max(this.max, seq);
		for (const s of this.above) if (s <= seq) this.above.delete(s);
		while (this.above.delete(this.floor + 1)) this.floor++;
		this.holeSince = this.above.size === 0 ? null : performance.now();
	}

	/** How long the lowest hole has been open, in ms (0 when there is none). */
	holeAge(now = performance.now()): number {
		return this.holeSince === null ? 0 : now - this.holeSince;
	}
}
