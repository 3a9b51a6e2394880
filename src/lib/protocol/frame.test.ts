// Round trip of every message type with random field values (seeded; the seed is printed on
// failure), and the typed errors of decodeFrame for each kind of bad input.
// SPEC S9.1 (replication through the sync server), S9.5 (acks), S1.9 (the server refuses bad input).
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import type { DocId } from '../domain/types';
import { arbitraryClientMessage, arbitraryServerMessage, createGen } from './arbitrary';
import { MSG_ACK, MSG_AWARENESS, MSG_UPDATE } from './doc';
import { decodeClientFrame, decodeFrame, decodeServerFrame, encodeFrame, type DecodeResult, type Message } from './frame';
import { MAX_AWARENESS_BYTES, MAX_FRAME_BYTES, MAX_UPDATE_BYTES, PROTOCOL_VERSION } from './limits';
import { MSG_ERROR, MSG_HELLO } from './session';

const SEED = Number(process.env.PROTOCOL_SEED ?? 0x5eed0001);
const RUNS = 3000;
const doc = (s: string): DocId => s as DocId;

/** Byte fields as hex, so that toEqual compares them cheaply and prints them readably. */
function comparable(msg: Message): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(msg)) out[k] = v instanceof Uint8Array ? `${v.constructor.name}:${Buffer.from(v).toString('hex')}` : v;
	return out;
}

function roundTrip(msg: Message, decode: (b: Uint8Array) => DecodeResult, where: string): void {
	const bytes = encodeFrame(msg);
	const result = decode(bytes);
	if (!result.ok) throw new Error(`${where}: ${msg.type} did not decode: ${result.error.code} ${result.error.message}`);
	expect(comparable(result.msg), where).toEqual(comparable(msg));
	// Canonical: the decoded message encodes to the same bytes.
	expect(Buffer.from(encodeFrame(result.msg)).equals(Buffer.from(bytes)), where).toBe(true);
}

function frame(write: (enc: encoding.Encoder) => void): Uint8Array {
	const enc = encoding.createEncoder();
	write(enc);
	return encoding.toUint8Array(enc);
}

function errorOf(result: DecodeResult): { code: string; docId?: string; updateId?: string } {
	if (result.ok) throw new Error(`expected an error, decoded ${result.msg.type}`);
	expect(result.error.message.length).toBeGreaterThan(0);
	return result.error;
}

describe('frame round trip', () => {
	it('every client message survives encode -> decodeClientFrame', () => {
		const gen = createGen(SEED);
		const seen = new Set<string>();
		for (let i = 0; i < RUNS; i++) {
			const msg = arbitraryClientMessage(gen);
			seen.add(msg.type);
			roundTrip(msg, decodeClientFrame, `seed ${SEED} run ${i}`);
			roundTrip(msg, decodeFrame, `seed ${SEED} run ${i}`);
		}
		expect([...seen].sort()).toEqual(['awareness', 'bootstrap', 'docs', 'hello', 'known-docs', 'ping', 'pong', 'sync', 'update']);
	});

	it('every server message survives encode -> decodeServerFrame', () => {
		const seed = SEED + 1;
		const gen = createGen(seed);
		const seen = new Set<string>();
		for (let i = 0; i < RUNS; i++) {
			const msg = arbitraryServerMessage(gen);
			seen.add(msg.type);
			roundTrip(msg, decodeServerFrame, `seed ${seed} run ${i}`);
			roundTrip(msg, decodeFrame, `seed ${seed} run ${i}`);
		}
		expect([...seen].sort()).toEqual(
			['ack', 'awareness', 'bootstrap-chunk', 'catchup-done', 'chunk', 'docs-chunk', 'error', 'grant', 'ping', 'pong', 'remote-update', 'revoke', 'sync', 'welcome'].sort()
		);
	});

	it('decoded byte fields are plain Uint8Arrays that do not alias the frame', () => {
		const bytes = encodeFrame({ type: 'update', docId: doc('c/a'), updateId: 'u1', update: new Uint8Array([1, 2, 3]) });
		const result = decodeClientFrame(Buffer.from(bytes));
		if (!result.ok || result.msg.type !== 'update') throw new Error('did not decode');
		expect(result.msg.update.constructor).toBe(Uint8Array);
		bytes.fill(0);
		expect([...result.msg.update]).toEqual([1, 2, 3]);
	});
});

describe('decodeFrame errors', () => {
	it('unknown and misdirected message types are unknown_type', () => {
		expect(errorOf(decodeFrame(new Uint8Array([99]))).code).toBe('unknown_type');
		const ack = encodeFrame({ type: 'ack', docId: doc('dir'), updateId: 'u', seq: 1 });
		expect(errorOf(decodeClientFrame(ack)).code).toBe('unknown_type');
		const hello = encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 0, clientId: 'c' });
		expect(errorOf(decodeServerFrame(hello)).code).toBe('unknown_type');
	});

	it('doc ids outside the grammar are bad_doc_id', () => {
		for (const bad of ['', 'c/', 'c/../dir', 'c/a/b', 'C/a', 'dir2', 'c/%2e', `c/${'a'.repeat(65)}`, 'c/ä']) {
			const bytes = frame((enc) => {
				encoding.writeVarUint(enc, MSG_AWARENESS);
				encoding.writeVarString(enc, bad);
				encoding.writeVarUint8Array(enc, new Uint8Array([0]));
			});
			expect(errorOf(decodeFrame(bytes)).code, bad).toBe('bad_doc_id');
		}
	});

	it('oversized frames and fields are too_large, tagged with what the server needs to answer', () => {
		expect(errorOf(decodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1))).code).toBe('too_large');
		const big = encodeFrame({ type: 'update', docId: doc('c/x'), updateId: 'up-1', update: new Uint8Array(MAX_UPDATE_BYTES + 1) });
		expect(decodeFrame(big).ok).toBe(true);
		expect(errorOf(decodeClientFrame(big))).toMatchObject({ code: 'too_large', docId: 'c/x', updateId: 'up-1' });
		const awareness = frame((enc) => {
			encoding.writeVarUint(enc, MSG_AWARENESS);
			encoding.writeVarString(enc, 'dir');
			encoding.writeVarUint8Array(enc, new Uint8Array(MAX_AWARENESS_BYTES + 1));
		});
		expect(errorOf(decodeClientFrame(awareness))).toMatchObject({ code: 'too_large', docId: 'dir' });
	});

	it('an absurd length prefix is refused before anything is allocated', () => {
		const bytes = frame((enc) => {
			encoding.writeVarUint(enc, MSG_UPDATE);
			encoding.writeVarString(enc, 'c/x');
			encoding.writeVarString(enc, 'u');
			encoding.writeVarUint(enc, 2 ** 31);
			encoding.writeUint8Array(enc, new Uint8Array(10));
		});
		expect(errorOf(decodeFrame(bytes)).code).toBe('too_large');
		const unsafe = new Uint8Array([MSG_UPDATE, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
		expect(['bad_frame', 'too_large']).toContain(errorOf(decodeFrame(unsafe)).code);
		const truncated = frame((enc) => {
			encoding.writeVarUint(enc, MSG_UPDATE);
			encoding.writeVarString(enc, 'c/x');
			encoding.writeVarString(enc, 'u');
			encoding.writeVarUint(enc, 1000);
			encoding.writeUint8Array(enc, new Uint8Array(10));
		});
		expect(errorOf(decodeFrame(truncated))).toMatchObject({ code: 'bad_frame', docId: 'c/x', updateId: 'u' });
	});

	it('trailing bytes, truncation, invalid UTF-8, empty and non-binary input are bad_frame', () => {
		const ack = encodeFrame({ type: 'ack', docId: doc('c/a'), updateId: 'u', seq: 7 });
		expect(errorOf(decodeFrame(Uint8Array.from([...ack, 0]))).code).toBe('bad_frame');
		expect(errorOf(decodeFrame(ack.subarray(0, ack.length - 1))).code).toBe('bad_frame');
		expect(errorOf(decodeFrame(new Uint8Array(0))).code).toBe('bad_frame');
		expect(errorOf(decodeFrame('hello' as unknown as Uint8Array)).code).toBe('bad_frame');
		const badUtf8 = Uint8Array.from([MSG_ACK, 3, 0x63, 0x2f, 0xc3, 1, 0x75, 7]);
		expect(errorOf(decodeFrame(badUtf8)).code).toBe('bad_frame');
	});

	it('field grammar: seq 0 in an ack, unknown error codes, bad sync steps, bad booleans', () => {
		const ack0 = frame((enc) => {
			encoding.writeVarUint(enc, MSG_ACK);
			encoding.writeVarString(enc, 'dir');
			encoding.writeVarString(enc, 'u');
			encoding.writeVarUint(enc, 0);
		});
		expect(errorOf(decodeFrame(ack0)).code).toBe('bad_frame');
		const err = frame((enc) => {
			encoding.writeVarUint(enc, MSG_ERROR);
			encoding.writeVarString(enc, 'no_such_code');
			encoding.writeVarString(enc, 'x');
			encoding.writeVarUint(enc, 0);
		});
		expect(errorOf(decodeFrame(err)).code).toBe('bad_frame');
		const step3 = Uint8Array.from([...encodeFrame({ type: 'sync', docId: doc('dir'), step: 'update', update: new Uint8Array([1]) })]);
		step3[5] = 3; // [type, len 3, 'd', 'i', 'r', step, ...]
		expect(errorOf(decodeFrame(step3))).toMatchObject({ code: 'bad_frame', docId: 'dir' });
		const hello = encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 0, clientId: 'c' });
		const badFlag = Uint8Array.from(hello);
		badFlag[badFlag.length - 1] = 2;
		expect(errorOf(decodeFrame(badFlag)).code).toBe('bad_frame');
	});

	it('a HELLO of another protocol version is unsupported_version', () => {
		const hello = frame((enc) => {
			encoding.writeVarUint(enc, MSG_HELLO);
			encoding.writeVarUint(enc, PROTOCOL_VERSION + 1);
			encoding.writeVarString(enc, 'whatever follows in another layout');
		});
		expect(errorOf(decodeClientFrame(hello)).code).toBe('unsupported_version');
	});
});
