// Seeded fuzz of decodeFrame: random, truncated, bit-flipped and spliced mutations of valid
// frames. Whatever the bytes, the decoders return a message or a typed error and never throw.
// Reproduce a failure with PROTOCOL_FUZZ_SEED=<printed seed>.
// SPEC S1.9 (the server enforces the rules; malformed input never crashes it).
import * as prng from 'lib0/prng';
import { describe, expect, it } from 'vitest';
import { arbitraryMessage, createGen, type Gen } from './arbitrary';
import { decodeClientFrame, decodeFrame, decodeServerFrame, decodeTransfer, encodeFrame, type DecodeResult } from './frame';
import type { DocId } from '../domain/types';

const SEED = Number(process.env.PROTOCOL_FUZZ_SEED ?? 0xf022);
const FRAMES = 25_000;
const CODES = new Set(['bad_frame', 'unknown_type', 'bad_doc_id', 'too_large', 'unsupported_version']);

/** Varints that stress length checks: 2^31, 2^53-1, more than 2^53, an unterminated one. */
const NASTY = [
	[0x80, 0x80, 0x80, 0x80, 0x08],
	[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f],
	[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
	[0xff, 0xff, 0xff]
];

function mutate(gen: Gen, valid: Uint8Array, other: Uint8Array): Uint8Array {
	const bytes = Uint8Array.from(valid);
	switch (prng.int31(gen, 0, 7)) {
		case 0: // truncate
			return bytes.subarray(0, prng.int31(gen, 0, Math.max(0, bytes.length - 1)));
		case 1: {
			// flip 1..8 bits
			const flips = prng.int31(gen, 1, 8);
			for (let i = 0; i < flips; i++) bytes[prng.int31(gen, 0, bytes.length - 1)]! ^= 1 << prng.int31(gen, 0, 7);
			return bytes;
		}
		case 2: {
			// overwrite a byte with an extreme value
			bytes[prng.int31(gen, 0, bytes.length - 1)] = prng.oneOf(gen, [0, 0x7f, 0x80, 0xff, prng.int31(gen, 0, 255)]);
			return bytes;
		}
		case 3: {
			// insert a nasty varint somewhere
			const at = prng.int31(gen, 0, bytes.length);
			return Uint8Array.from([...bytes.subarray(0, at), ...prng.oneOf(gen, NASTY), ...bytes.subarray(at)]);
		}
		case 4: {
			// splice the head of one frame onto the tail of another
			const a = prng.int31(gen, 0, bytes.length);
			const b = prng.int31(gen, 0, other.length);
			return Uint8Array.from([...bytes.subarray(0, a), ...other.subarray(b)]);
		}
		case 5: // append garbage
			return Uint8Array.from([...bytes, ...prng.uint8Array(gen, prng.int31(gen, 1, 8))]);
		case 6: // pure garbage, starting with a plausible type number
			return Uint8Array.from([prng.int31(gen, 0, 24), ...prng.uint8Array(gen, prng.int31(gen, 0, 64))]);
		default:
			return bytes; // unchanged: must decode
	}
}

function check(result: DecodeResult, where: string): void {
	if (result.ok) {
		// Whatever decoded must encode and decode again to the same thing.
		const again = decodeFrame(encodeFrame(result.msg), { maxBytes: Number.MAX_SAFE_INTEGER });
		if (!again.ok) throw new Error(`${where}: accepted ${result.msg.type} does not re-decode: ${again.error.message}`);
		return;
	}
	if (!CODES.has(result.error.code) || typeof result.error.message !== 'string' || result.error.message === '') {
		throw new Error(`${where}: untyped error ${JSON.stringify(result.error)}`);
	}
}

describe('decodeFrame fuzz', () => {
	it(`never throws on ${FRAMES} mutated frames`, () => {
		const gen = createGen(SEED);
		const counts = { ok: 0, error: 0 };
		let previous = encodeFrame({ type: 'ping', nonce: 1 });
		try {
			for (let i = 0; i < FRAMES; i++) {
				const valid = encodeFrame(arbitraryMessage(gen));
				const bytes = mutate(gen, valid, previous);
				previous = valid;
				const where = `seed ${SEED} frame ${i} bytes ${Buffer.from(bytes.subarray(0, 48)).toString('hex')}`;
				for (const result of [decodeFrame(bytes), decodeClientFrame(bytes), decodeServerFrame(bytes), decodeTransfer('dir' as DocId, bytes)]) {
					check(result, where);
					counts[result.ok ? 'ok' : 'error']++;
				}
			}
		} catch (e) {
			console.error(`protocol fuzz failed; reproduce with PROTOCOL_FUZZ_SEED=${SEED}`);
			throw e;
		}
		// Both outcomes must be exercised, or the mutations are not testing anything.
		expect(counts.ok).toBeGreaterThan(FRAMES / 10);
		expect(counts.error).toBeGreaterThan(FRAMES);
	});
});
