// Chunked initial sync: frames past MAX_CHUNK_BYTES travel as CHUNK frames and are
// reassembled within bounded memory. SPEC S9.1 (large documents still replicate).
import * as prng from 'lib0/prng';
import { describe, expect, it } from 'vitest';
import type { DocId } from '../domain/types';
import { createGen } from './arbitrary';
import { ChunkAssembler, splitIntoChunks, type ChunkMessage, type ChunkResult } from './chunk';
import { decodeServerFrame, decodeTransfer, encodeChunked, encodeFrame } from './frame';
import { MAX_CHUNK_BYTES, MAX_FRAME_BYTES } from './limits';

const SEED = Number(process.env.PROTOCOL_SEED ?? 0xc4c4);
const docA = 'c/a' as DocId;
const docB = 'c/b' as DocId;

function chunk(docId: DocId, transferId: number, index: number, total: number, bytes = new Uint8Array([1])): ChunkMessage {
	return { type: 'chunk', docId, transferId, index, total, bytes };
}

function codeOf(result: ChunkResult): string {
	return result.status === 'error' ? result.error.code : result.status;
}

describe('splitIntoChunks / ChunkAssembler', () => {
	it('reassembles random payloads cut at random sizes, interleaved across transfers', () => {
		const gen = createGen(SEED);
		for (let run = 0; run < 200; run++) {
			const where = `seed ${SEED} run ${run}`;
			const assembler = new ChunkAssembler();
			const payloads = [0, 1, 2].map(() => prng.uint8Array(gen, prng.int31(gen, 1, 5000)));
			const queues = payloads.map((p, t) => splitIntoChunks(t % 2 ? docA : docB, t + 10, p, prng.int31(gen, 1, 700)));
			const done = new Map<number, Uint8Array>();
			while (queues.some((q) => q.length > 0)) {
				const q = prng.oneOf(gen, queues.filter((x) => x.length > 0));
				const c = q.shift()!;
				// Round trip each chunk through its frame, as on the wire.
				const decoded = decodeServerFrame(encodeFrame(c));
				if (!decoded.ok || decoded.msg.type !== 'chunk') throw new Error(`${where}: chunk frame did not decode`);
				const result = assembler.accept(decoded.msg);
				if (result.status === 'error') throw new Error(`${where}: ${result.error.message}`);
				if (result.status === 'complete') done.set(result.transferId, result.bytes);
			}
			payloads.forEach((p, t) => expect(Buffer.from(done.get(t + 10)!).equals(Buffer.from(p)), where).toBe(true));
			expect(assembler.openTransfers).toBe(0);
			expect(assembler.bufferedBytes).toBe(0);
		}
	});

	it('a document step 2 past the frame limit goes through encodeChunked and decodeTransfer', () => {
		const update = prng.uint8Array(createGen(SEED + 1), 3 * MAX_FRAME_BYTES + 17);
		const step2 = { type: 'sync', docId: docA, step: 'step2', update, seq: 77 } as const;
		const frames = encodeChunked(step2, 5);
		expect(frames.length).toBe(Math.ceil(encodeFrame(step2).length / MAX_CHUNK_BYTES));
		const assembler = new ChunkAssembler();
		let whole: Uint8Array | undefined;
		for (const f of frames) {
			expect(f.length).toBeLessThan(MAX_FRAME_BYTES);
			const decoded = decodeServerFrame(f);
			if (!decoded.ok || decoded.msg.type !== 'chunk') throw new Error('chunk frame did not decode');
			const result = assembler.accept(decoded.msg);
			if (result.status === 'complete') whole = result.bytes;
		}
		const msg = decodeTransfer(docA, whole!);
		if (!msg.ok || msg.msg.type !== 'sync' || msg.msg.step !== 'step2') throw new Error('transfer did not decode');
		expect(msg.msg.seq).toBe(77);
		expect(Buffer.from(msg.msg.update).equals(Buffer.from(update))).toBe(true);
		// The same transfer presented as another document's is refused.
		expect(decodeTransfer(docB, whole!).ok).toBe(false);
	});

	it('small messages are one plain frame; session frames are chunked under dir', () => {
		expect(encodeChunked({ type: 'grant', docId: docA }, 1)).toHaveLength(1);
		const changed = Array.from({ length: 30_000 }, (_, i) => `c/contact-${i}` as DocId);
		const frames = encodeChunked({ type: 'welcome', seq: 1, userId: 'u' as never, changed, revoked: [], full: true }, 2);
		expect(frames.length).toBeGreaterThan(1);
		const first = decodeServerFrame(frames[0]!);
		expect(first.ok && first.msg.type === 'chunk' && first.msg.docId).toBe('dir');
	});

	it('refuses out-of-order, unopened, reopened and inconsistent chunks', () => {
		const a = new ChunkAssembler();
		expect(codeOf(a.accept(chunk(docA, 1, 1, 3)))).toBe('bad_chunk'); // never opened
		expect(codeOf(a.accept(chunk(docA, 1, 0, 3)))).toBe('partial');
		expect(codeOf(a.accept(chunk(docA, 1, 2, 3)))).toBe('bad_chunk'); // gap; transfer dropped
		expect(a.openTransfers).toBe(0);
		a.accept(chunk(docA, 2, 0, 3));
		expect(codeOf(a.accept(chunk(docA, 2, 0, 3)))).toBe('bad_chunk'); // opened twice
		a.accept(chunk(docA, 3, 0, 3));
		expect(codeOf(a.accept(chunk(docA, 3, 1, 4)))).toBe('bad_chunk'); // total changed
		a.accept(chunk(docA, 4, 0, 3));
		expect(codeOf(a.accept(chunk(docB, 4, 1, 3)))).toBe('bad_chunk'); // document changed
		expect(codeOf(a.accept(chunk(docA, 5, 0, 2, new Uint8Array(0))))).toBe('bad_chunk'); // empty
		expect(a.openTransfers).toBe(0);
	});

	it('bounds total size, chunk size and concurrent transfers', () => {
		const a = new ChunkAssembler({ maxTotalBytes: 10, maxConcurrentTransfers: 2, maxChunkBytes: 4 });
		expect(codeOf(a.accept(chunk(docA, 1, 0, 11)))).toBe('too_large'); // 11 chunks of >= 1 byte
		expect(codeOf(a.accept(chunk(docA, 1, 0, 2, new Uint8Array(5))))).toBe('too_large');
		expect(codeOf(a.accept(chunk(docA, 1, 0, 3, new Uint8Array(4))))).toBe('partial');
		expect(codeOf(a.accept(chunk(docA, 1, 1, 3, new Uint8Array(4))))).toBe('partial');
		expect(codeOf(a.accept(chunk(docA, 1, 2, 3, new Uint8Array(4))))).toBe('too_large'); // 12 > 10
		expect(a.bufferedBytes).toBe(0);
		a.accept(chunk(docA, 1, 0, 2));
		a.accept(chunk(docB, 2, 0, 2));
		expect(codeOf(a.accept(chunk(docA, 3, 0, 2)))).toBe('too_many_transfers');
		expect(a.openTransfers).toBe(2);
		a.abort(docA);
		expect(a.openTransfers).toBe(1);
		a.clear();
		expect(a.openTransfers).toBe(0);
		expect(a.bufferedBytes).toBe(0);
	});
});
