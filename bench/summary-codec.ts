/**
 * Issue 26: the summaries of the cached scale fixture's bootstrap snapshot in the two wire forms,
 * the JSON object (protocol version 1) and the compact array (`protocol/summary.ts`): bytes,
 * deflated bytes, and the decode time of a first login's list part in Node (chunks of 200, one
 * `JSON.parse` each, as the browser's `Replica` decodes them), alternated.
 *
 *   npx tsx bench/summary-codec.ts [contacts=50000] [rounds=6]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import * as decoding from 'lib0/decoding';
import type { ContactSummary } from '../src/lib/domain/types';
import { decodePayloads, encodePayload } from '../src/lib/protocol/bootstrap';
import { decodeSummaries, decodeSummary, encodeSummary } from '../src/lib/protocol/summary';

const root = fileURLToPath(new URL('..', import.meta.url));
const contacts = Number(process.argv[2] ?? 50_000);
const rounds = Number(process.argv[3] ?? 6);
const dec = decoding.createDecoder(new Uint8Array(readFileSync(join(root, 'data', 'bench-scale', `${contacts}-42`, 'bootstrap.snapshot'))));
if (decoding.readVarUint(dec) !== 2) throw new Error('the snapshot file is not of version 2: run npm run bench scale once');
decoding.readVarString(dec);
decoding.readVarUint(dec);
const n = decoding.readVarUint(dec);
const summaries: ContactSummary[] = [];
for (let i = 0; i < n; i++) {
	decoding.readVarString(dec);
	decoding.readVarUint(dec);
	summaries.push(decodeSummary(decoding.readVarUint8Array(dec))!);
	decoding.readVarUint8Array(dec);
}
const forms = { object: summaries.map((s) => encodePayload(s)), compact: summaries.map(encodeSummary) };
const size = (ps: Uint8Array[]) => ps.reduce((x, p) => x + p.length, 0);
for (const [name, ps] of Object.entries(forms)) console.log(`${name}: ${(size(ps) / 1e6).toFixed(1)} MB, deflated ${(deflateRawSync(Buffer.concat(ps)).length / 1e6).toFixed(1)} MB`);
const CHUNK = 200;
function decodeAll(ps: Uint8Array[], compact: boolean): number {
	const t = performance.now();
	for (let i = 0; i < ps.length; i += CHUNK) {
		const part = ps.slice(i, i + CHUNK);
		if (compact) decodeSummaries(part);
		else decodePayloads(part);
	}
	return performance.now() - t;
}
const times: Record<string, number[]> = { object: [], compact: [] };
for (let r = 0; r < rounds; r++) {
	times.object!.push(decodeAll(forms.object, false));
	times.compact!.push(decodeAll(forms.compact, true));
}
for (const [name, ts] of Object.entries(times)) console.log(`${name}: decode ${ts.map((t) => Math.round(t)).join(', ')} ms`);
