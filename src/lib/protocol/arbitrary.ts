/**
 * Random valid messages from a seeded generator, for round-trip and fuzz tests (ours, and the
 * client's and server's). Every value drawn here must survive encodeFrame -> decodeFrame
 * unchanged; widening a generator is how a new edge of the format gets tested.
 */
import * as encoding from 'lib0/encoding';
import * as prng from 'lib0/prng';
import type { DocId, UserId } from '../domain/types';
import { ERROR_CODES } from './session';
import { MAX_AWARENESS_BYTES, PROTOCOL_VERSION } from './limits';
import type { ClientMessage, Message, ServerMessage } from './frame';

export type Gen = prng.PRNG;

export function createGen(seed: number): Gen {
	return prng.create(seed);
}

const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

export function arbitraryToken(gen: Gen): string {
	const len = prng.bool(gen) ? prng.int31(gen, 1, 24) : prng.int31(gen, 1, 64);
	let s = '';
	for (let i = 0; i < len; i++) s += TOKEN_CHARS[prng.int31(gen, 0, TOKEN_CHARS.length - 1)];
	return s;
}

export function arbitraryDocId(gen: Gen): DocId {
	return (prng.int31(gen, 0, 9) === 0 ? 'dir' : `c/${arbitraryToken(gen)}`) as DocId;
}

/** Mostly small numbers, sometimes up to the largest safe integer. */
export function arbitraryUint(gen: Gen, min = 0): number {
	switch (prng.int31(gen, 0, 3)) {
		case 0:
			return prng.int31(gen, min, min + 127);
		case 1:
			return prng.uint53(gen, min, 2 ** 32);
		case 2:
			return prng.uint53(gen, min, Number.MAX_SAFE_INTEGER);
		default:
			return min;
	}
}

export function arbitraryBytes(gen: Gen, maxLen: number, minLen = 1): Uint8Array {
	const len = prng.bool(gen) ? prng.int31(gen, minLen, Math.min(maxLen, 64)) : prng.int31(gen, minLen, maxLen);
	return prng.uint8Array(gen, len);
}

function arbitraryDocIds(gen: Gen): DocId[] {
	const n = prng.int31(gen, 0, prng.bool(gen) ? 3 : 200);
	return Array.from({ length: n }, () => arbitraryDocId(gen));
}

/** A well-formed y-protocols awareness update of at most `MAX_AWARENESS_BYTES`. */
export function arbitraryAwarenessUpdate(gen: Gen): Uint8Array {
	const enc = encoding.createEncoder();
	const n = prng.int31(gen, 0, 4);
	encoding.writeVarUint(enc, n);
	for (let i = 0; i < n; i++) {
		encoding.writeVarUint(enc, prng.uint32(gen, 0, 0xffffffff));
		encoding.writeVarUint(enc, prng.int31(gen, 0, 1000));
		const state = prng.bool(gen) ? null : { user: arbitraryToken(gen), name: prng.utf16String(gen, 40), at: prng.int31(gen, 0, 1e9) };
		encoding.writeVarString(enc, JSON.stringify(state));
	}
	const bytes = encoding.toUint8Array(enc);
	if (bytes.length > MAX_AWARENESS_BYTES) throw new Error('arbitraryAwarenessUpdate grew past the limit');
	return bytes;
}

/** A string that survives UTF-8 (no lone surrogates). */
function arbitraryText(gen: Gen): string {
	const s = prng.utf16String(gen, prng.int31(gen, 0, 120));
	return s.replace(/[\uD800-\uDFFF]/g, '?');
}

export function arbitraryClientMessage(gen: Gen): ClientMessage {
	const docId = arbitraryDocId(gen);
	const update = (): Uint8Array => arbitraryBytes(gen, prng.bool(gen) ? 300 : 4096);
	switch (prng.int31(gen, 0, 10)) {
		case 10:
			return { type: 'known-docs', ids: arbitraryDocIds(gen) };
		case 9:
			return prng.bool(gen)
				? { type: 'docs', ids: [docId, ...arbitraryDocIds(gen)].slice(0, 1000), since: arbitraryUint(gen, 1) }
				: { type: 'docs', ids: [docId, ...arbitraryDocIds(gen)].slice(0, 1000) };
		case 8:
			return { type: 'bootstrap', part: prng.bool(gen) ? 0 : 1, seq: arbitraryUint(gen), after: prng.bool(gen) ? '' : docId };
		case 0: {
			const hello: ClientMessage = { type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: arbitraryUint(gen), clientId: arbitraryToken(gen) };
			if (prng.bool(gen)) hello.knownDocs = arbitraryDocIds(gen);
			return hello;
		}
		case 1:
			return { type: 'sync', docId, step: 'step1', stateVector: update() };
		case 2:
			return { type: 'sync', docId, step: 'step2', update: update() };
		case 3:
			return { type: 'sync', docId, step: 'update', update: update() };
		case 4:
			return { type: 'update', docId, updateId: arbitraryToken(gen), update: update() };
		case 5:
			return { type: 'awareness', docId, update: arbitraryAwarenessUpdate(gen) };
		case 6:
			return { type: 'ping', nonce: arbitraryUint(gen) };
		default:
			return { type: 'pong', nonce: arbitraryUint(gen) };
	}
}

export function arbitraryServerMessage(gen: Gen): ServerMessage {
	const docId = arbitraryDocId(gen);
	const update = (): Uint8Array => arbitraryBytes(gen, prng.bool(gen) ? 300 : 4096);
	switch (prng.int31(gen, 0, 13)) {
		case 13: {
			const items = Array.from({ length: prng.int31(gen, 0, 5) }, () => {
				const item = { docId: arbitraryDocId(gen), docSeq: arbitraryUint(gen), update: arbitraryBytes(gen, 300, 0) };
				return prng.bool(gen) ? { ...item, summary: arbitraryBytes(gen, 300, 1) } : item;
			});
			return { type: 'docs-chunk', done: prng.bool(gen), items, skipped: arbitraryDocIds(gen).slice(0, 1000) };
		}
		case 12: {
			const items = Array.from({ length: prng.int31(gen, 0, 5) }, () => ({ docId: arbitraryDocId(gen), docSeq: arbitraryUint(gen), payload: arbitraryBytes(gen, 300, 0) }));
			return { type: 'bootstrap-chunk', part: prng.bool(gen) ? 0 : 1, seq: arbitraryUint(gen), total: arbitraryUint(gen), done: prng.bool(gen), items };
		}
		case 0:
			return {
				type: 'welcome',
				seq: arbitraryUint(gen),
				userId: arbitraryToken(gen) as UserId,
				changed: arbitraryDocIds(gen),
				revoked: arbitraryDocIds(gen),
				full: prng.bool(gen)
			};
		case 1:
			return { type: 'catchup-done', seq: arbitraryUint(gen) };
		case 2:
			return { type: 'grant', docId };
		case 3:
			return { type: 'revoke', docId, reason: prng.oneOf(gen, ['reassigned', 'blocked', 'restricted', 'deactivated', 'deleted']) };
		case 4: {
			const error: ServerMessage = { type: 'error', code: prng.oneOf(gen, [...ERROR_CODES]), message: arbitraryText(gen) };
			if (prng.bool(gen)) error.docId = docId;
			if (prng.bool(gen)) error.updateId = arbitraryToken(gen);
			return error;
		}
		case 5:
			return prng.bool(gen) ? { type: 'ping', nonce: arbitraryUint(gen) } : { type: 'pong', nonce: arbitraryUint(gen) };
		case 6: {
			const step = prng.int31(gen, 0, 2);
			if (step === 0) return { type: 'sync', docId, step: 'step1', stateVector: update() };
			if (step === 1) return { type: 'sync', docId, step: 'update', update: update() };
			return prng.bool(gen)
				? { type: 'sync', docId, step: 'step2', update: update(), seq: arbitraryUint(gen, 1) }
				: { type: 'sync', docId, step: 'step2', update: update() };
		}
		case 7:
			return { type: 'remote-update', docId, seq: arbitraryUint(gen, 1), update: update() };
		case 8:
			return { type: 'ack', docId, updateId: arbitraryToken(gen), seq: arbitraryUint(gen, 1) };
		case 9:
			return { type: 'awareness', docId, update: arbitraryAwarenessUpdate(gen) };
		default: {
			const total = prng.int31(gen, 1, 1000);
			return { type: 'chunk', docId, transferId: arbitraryUint(gen), index: prng.int31(gen, 0, total - 1), total, bytes: update() };
		}
	}
}

export function arbitraryMessage(gen: Gen): Message {
	return prng.bool(gen) ? arbitraryClientMessage(gen) : arbitraryServerMessage(gen);
}
