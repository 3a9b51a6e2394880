/**
 * The search worker's heap and query times over the scale fixture's 1M messages, in Node (issue
 * 26): fast to iterate on compared with the browser. Reads the searchable rows and summaries of
 * the cached fixture's bootstrap snapshot file (`data/bench-scale/50000-42/bootstrap.snapshot`,
 * made by `npm run bench scale`), feeds them to a `SearchEngine` the way the worker gets them
 * (contacts, then each thread's rows), and prints the heap after a full collection, the query
 * times of the scale bench's queries (and a few phrase, email and number queries), and the
 * snapshot export's time and size.
 *
 *   node --expose-gc --import tsx bench/search-heap.ts [--out results.json] [--limit N] [--copies 2] [--restore] [--verbose]
 *
 * `--copies 2` feeds the workspace twice (ids suffixed): 100,000 contacts / 2M messages, the 2x
 * probe's size. `--restore` also restores an engine from the exported slices and compares.
 * `--out` writes every query's hits (ids, snippets, truncation), to compare two versions.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as decoding from 'lib0/decoding';
import type { ContactId, ContactSummary, EntryId } from '../src/lib/domain/types';
import { decodePayload } from '../src/lib/protocol/bootstrap';
import { SearchEngine } from '../src/lib/search/engine';
import { SLICES } from '../src/lib/search/slices';
import { engineFromSnapshot, exportContacts, exportSlice } from '../src/lib/search/snapshot';
import { SCALE_QUERIES } from './browser-setup';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const arg = (name: string) => {
	const i = args.indexOf(name);
	return i >= 0 ? args[i + 1] : undefined;
};
const file = arg('--file') ?? join(root, 'data', 'bench-scale', '50000-42', 'bootstrap.snapshot');
const limit = Number(arg('--limit') ?? Infinity);
const verbose = args.includes('--verbose');
const copies = Number(arg('--copies') ?? 1);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const EXTRA = ['bonjour merci', 'thank you', '@gmail', 'gmail.com', '2024 016', 'commande', 'the order', 'zzzz', 'mer', 'week-end'];

function heap(): { heap: number; external: number } {
	gc!();
	gc!();
	const m = process.memoryUsage();
	return { heap: m.heapUsed, external: m.arrayBuffers };
}
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

function pct(v: number[], p: number): number {
	const s = [...v].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function main(): Promise<void> {
	const base = heap();
	const engine = new SearchEngine();
	const t0 = performance.now();
	let rows = 0;
	for (let copy = 0; copy < copies; copy++) {
		// Further copies of the workspace (`--copies 2`: 100k contacts / 2M messages) differ by a suffix of every id.
		const tag = copy === 0 ? '' : `~${copy}`;
		const dec = decoding.createDecoder(new Uint8Array(readFileSync(file)));
		decoding.readVarUint(dec);
		decoding.readVarString(dec);
		decoding.readVarUint(dec);
		const n = Math.min(limit, decoding.readVarUint(dec));
		for (let i = 0; i < n; i++) {
			decoding.readVarString(dec);
			decoding.readVarUint(dec);
			const s = decodePayload(decoding.readVarUint8Array(dec)) as ContactSummary;
			const text = decodePayload(decoding.readVarUint8Array(dec)) as Array<[string, number, 0 | 1, string]>;
			const contactId = (s.id + tag) as ContactId;
			engine.upsertContact({ id: contactId, firstName: s.firstName, lastName: s.lastName, phone: s.phone, email: s.email }, { keepCustom: true });
			for (const [id, at, kind, t] of text) {
				engine.addRow({ id: (id + tag) as EntryId, contactId, at, kind: kind === 1 ? 'comment' : 'message', text: t });
				rows++;
			}
		}
	}
	engine.contactIndex.settle();
	engine.table.settle();
	const built = performance.now() - t0;
	const used = heap();
	console.log(`${engine.contactCount} contacts, ${engine.entryCount} entries (${rows} rows) indexed in ${(built / 1000).toFixed(1)} s`);
	console.log(`held by the engine: JS heap ${mb(used.heap - base.heap)}, array buffers ${mb(used.external - base.external)}`);

	const queries = [...SCALE_QUERIES, ...EXTRA];
	const out: Record<string, unknown> = {};
	const times: number[] = [];
	const scaleTimes: number[] = [];
	for (let round = 0; round < 3; round++) {
		for (const q of queries) {
			const t = performance.now();
			const contacts = engine.findContacts(q, 8);
			const messages = engine.searchMessages(q, 30);
			const ms = performance.now() - t;
			times.push(ms);
			if (SCALE_QUERIES.includes(q)) scaleTimes.push(ms);
			if (round === 0) out[q] = { contacts, messages };
			if (round === 2 && verbose) console.log(`  ${q}: ${ms.toFixed(1)} ms, ${messages.hits.length} hits${messages.truncated ? '+' : ''}`);
		}
	}
	console.log(`search, the scale bench's queries: p50 ${pct(scaleTimes, 50).toFixed(1)} ms, p95 ${pct(scaleTimes, 95).toFixed(1)} ms (n=${scaleTimes.length})`);
	console.log(`search, all queries (contacts + messages): p50 ${pct(times, 50).toFixed(1)} ms, p95 ${pct(times, 95).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms (n=${times.length})`);
	let t1 = performance.now();
	const contacts = exportContacts(engine);
	const contactsMs = performance.now() - t1;
	const slices: Uint8Array[] = [];
	const sliceMs: number[] = [];
	for (let k = 0; k < SLICES; k++) {
		t1 = performance.now();
		slices.push(exportSlice(engine, k));
		sliceMs.push(performance.now() - t1);
	}
	const total = sliceMs.reduce((a, b) => a + b, 0);
	console.log(`snapshot export: contacts ${mb(contacts.length)} in ${contactsMs.toFixed(0)} ms; ${SLICES} slices ${mb(slices.reduce((n, b) => n + b.length, 0))} in ${(total / 1000).toFixed(2)} s (longest slice ${Math.max(...sliceMs).toFixed(0)} ms)`);
	if (args.includes('--restore')) {
		const t2 = performance.now();
		const restored = engineFromSnapshot({ contacts, slices });
		if ('code' in restored) throw new Error(restored.message);
		console.log(`restored from the slices in ${((performance.now() - t2) / 1000).toFixed(2)} s: ${restored.entryCount} entries`);
		for (const q of queries) {
			const a = JSON.stringify(engine.searchMessages(q, 30));
			const b = JSON.stringify(restored.searchMessages(q, 30));
			if (a !== b) console.log(`  restored engine differs on ${q}`);
		}
	}
	const outFile = arg('--out');
	if (outFile) writeFileSync(outFile, JSON.stringify(out));
}

await main();
