// Round trip of every message type with random field values (seeded; the seed is printed on
// failure). SPEC S9.1 (replication through the sync server), S9.5 (acks).
import { describe, expect, it } from 'vitest';
import { arbitraryClientMessage, arbitraryServerMessage, createGen } from './arbitrary';
import { decodeClientFrame, decodeFrame, decodeServerFrame, encodeFrame, type Message } from './frame';

const SEED = Number(process.env.PROTOCOL_SEED ?? 0x5eed_0001);
const RUNS = 3000;

function roundTrip(msg: Message, decode: (b: Uint8Array) => ReturnType<typeof decodeFrame>, seed: number, i: number): void {
	const bytes = encodeFrame(msg);
	const result = decode(bytes);
	if (!result.ok) throw new Error(`seed ${seed} run ${i}: ${msg.type} did not decode: ${result.error.code} ${result.error.message}`);
	expect(result.msg, `seed ${seed} run ${i}`).toEqual(msg);
	// Canonical: encoding the decoded message gives the same bytes.
	expect(encodeFrame(result.msg), `seed ${seed} run ${i}`).toEqual(bytes);
}

describe('frame round trip', () => {
	it('every client message survives encode -> decodeClientFrame', () => {
		const gen = createGen(SEED);
		const seen = new Set<string>();
		for (let i = 0; i < RUNS; i++) {
			const msg = arbitraryClientMessage(gen);
			seen.add(msg.type);
			roundTrip(msg, decodeClientFrame, SEED, i);
			roundTrip(msg, decodeFrame, SEED, i);
		}
		expect([...seen].sort()).toEqual(['awareness', 'hello', 'ping', 'pong', 'sync', 'update']);
	});

	it('every server message survives encode -> decodeServerFrame', () => {
		const gen = createGen(SEED + 1);
		const seen = new Set<string>();
		for (let i = 0; i < RUNS; i++) {
			const msg = arbitraryServerMessage(gen);
			seen.add(msg.type);
			roundTrip(msg, decodeServerFrame, SEED + 1, i);
			roundTrip(msg, decodeFrame, SEED + 1, i);
		}
		expect([...seen].sort()).toEqual([
			'ack',
			'awareness',
			'catchup-done',
			'chunk',
			'error',
			'grant',
			'ping',
			'pong',
			'remote-update',
			'revoke',
			'sync',
			'welcome'
		]);
	});
});
