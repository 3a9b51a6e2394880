/**
 * `npm run bench [name-filter]`: discovers bench/*.bench.ts, runs each benchmark, prints the table
 * and writes bench/results/latest.json. BENCH_SEED sets the seed, BENCH_QUICK=1 shrinks sizes.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderTable, type Benchmark, type Figure } from './harness';

const here = dirname(fileURLToPath(import.meta.url));
const seed = Number(process.env.BENCH_SEED ?? 42);
const quick = process.env.BENCH_QUICK === '1';
const filter = process.argv[2];

const files = readdirSync(here)
	.filter((f) => f.endsWith('.bench.ts'))
	.sort();
// A filter that is exactly a benchmark's file name (`scale` for scale.bench.ts) runs that file only,
// not every file whose name contains it (scaleout.bench.ts).
const exact = filter !== undefined && files.includes(`${filter}.bench.ts`);
const rows: Array<Figure & { bench: string }> = [];
const failures: string[] = [];
for (const file of files) {
	if (exact && file !== `${filter}.bench.ts`) continue;
	const mod = (await import(pathToFileURL(join(here, file)).href)) as { benchmarks?: Benchmark[] };
	for (const bench of mod.benchmarks ?? []) {
		if (filter && !bench.name.includes(filter) && !file.includes(filter)) continue;
		process.stderr.write(`running ${bench.name} ...\n`);
		try {
			const figures = await bench.run({ seed, quick, log: (m) => process.stderr.write(`  ${m}\n`) });
			for (const f of figures) rows.push({ bench: bench.name, ...f });
		} catch (err) {
			failures.push(`${bench.name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
		}
	}
}
console.log(`\nParley benchmarks (seed ${seed}${quick ? ', quick' : ''}, node ${process.version})\n`);
console.log(renderTable(rows));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
	join(here, 'results', 'latest.json'),
	JSON.stringify({ seed, quick, at: new Date().toISOString(), node: process.version, rows, failures }, null, 2)
);
if (failures.length) console.error(`\n${failures.length} benchmark(s) failed:\n${failures.join('\n')}`);
// A failed benchmark may leave sockets or servers open; the run ends here either way.
process.exit(failures.length ? 1 : 0);
