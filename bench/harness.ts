/**
 * The benchmark harness behind `npm run bench`. Each `bench/*.bench.ts` module exports
 * `benchmarks: Benchmark[]`; the runner executes them in order on seeded synthetic data and
 * prints one table: figure, value, unit, and a baseline measured in the same run where one
 * exists (with the ratio) and the issue's target. Results also go to bench/results/latest.json.
 * Benchmarks are where speed lives: tests never assert timings.
 */

export interface Figure {
	/** What was measured, e.g. "append to 20k-entry thread (per append)". */
	figure: string;
	value: number;
	unit: string;
	/** The same work done by the alternative the design rejected, measured in the same run. */
	baseline?: { label: string; value: number };
	/** The target the issue names, e.g. "<= 1.5". Printed, not asserted. */
	target?: string;
}

export interface BenchContext {
	/** Seed for every generator the benchmark uses (printed in the table header). */
	seed: number;
	/** Quick mode (BENCH_QUICK=1) shrinks sizes so the harness itself can be smoke-tested. */
	quick: boolean;
	log(message: string): void;
}

export interface Benchmark {
	name: string;
	run(ctx: BenchContext): Promise<Figure[]>;
}

/** Percentile of a list of numbers (nearest rank); p in [0, 100]. */
export function percentile(values: readonly number[], p: number): number {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[rank]!;
}

/** Runs `fn` `count` times and returns each duration in milliseconds. */
export async function timeEach(count: number, fn: (i: number) => unknown): Promise<number[]> {
	const out: number[] = [];
	for (let i = 0; i < count; i++) {
		const t0 = performance.now();
		await fn(i);
		out.push(performance.now() - t0);
	}
	return out;
}

export function formatValue(value: number): string {
	if (!Number.isFinite(value)) return String(value);
	if (Math.abs(value) >= 100) return value.toFixed(0);
	if (Math.abs(value) >= 10) return value.toFixed(1);
	if (Math.abs(value) >= 1) return value.toFixed(2);
	return value.toPrecision(3);
}

export function renderTable(rows: Array<Figure & { bench: string }>): string {
	const header = ['benchmark', 'figure', 'value', 'unit', 'baseline', 'ratio', 'target'];
	const lines = rows.map((r) => [
		r.bench,
		r.figure,
		formatValue(r.value),
		r.unit,
		r.baseline ? `${formatValue(r.baseline.value)} (${r.baseline.label})` : '',
		r.baseline && r.baseline.value !== 0 ? `${formatValue(r.value / r.baseline.value)}x` : '',
		r.target ?? ''
	]);
	const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
	const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
	return [fmt(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(fmt)].join('\n');
}
