/**
 * `npx tsx bench/scale-fixture.ts`: generates the cached fixture of `npm run bench scale` ahead of
 * a run (the same `BENCH_SCALE` and `BENCH_SEED`; at 500,000 contacts it is the long part of the
 * probe), and prints how long it took. A fixture already cached is left as it is.
 */
import { contactsFor, fixture } from './scale.bench';

const seed = Number(process.env.BENCH_SEED ?? 42);
const ctx = { seed, quick: process.env.BENCH_QUICK === '1', log: (m: string) => process.stderr.write(`  ${m}\n`) };
const contacts = contactsFor(ctx);
const t0 = Date.now();
const fx = await fixture(ctx, contacts);
const rss = Math.round(process.memoryUsage().rss / 1e6);
console.log(
	fx.generatedMs === null
		? `${contacts} contacts: cached in ${fx.dir} (${Date.now() - t0} ms)`
		: `${contacts} contacts: generated in ${(fx.generatedMs / 1000).toFixed(1)} s into ${fx.dir} (rss at the end ${rss} MB)`
);
process.exit(0);
