/**
 * Checked field readers shared by every message family. lib0's decoding functions trust their
 * input (a length prefix of 2^31 would be believed until the copy fails); these check each
 * length against its limit and against the bytes left BEFORE reading or allocating, copy byte
 * payloads out of the frame (so a decoded message never pins or aliases the socket's buffer),
 * and throw `ProtocolFailure` with a precise code. Writers are lib0's, used directly.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { parseDocId } from '../domain/ids';
import type { DocId } from '../domain/types';
import { fail } from './errors';
import { MAX_ID_BYTES } from './limits';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Client-made tokens (client id, update id): uuid, nanoid and the like. */
const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;
/** Machine-readable words (error codes, revoke reasons). */
const WORD = /^[a-z][a-z0-9_]{0,63}$/;

/** `dir` or `c/<contactId>`: the grammar of `parseDocId` in `domain/ids.ts`, the only one. */
export function isDocId(value: string): value is DocId {
	return parseDocId(value) !== null;
}

export function isToken(value: string): boolean {
	return TOKEN.test(value);
}

export function isWord(value: string): boolean {
	return WORD.test(value);
}

export function remaining(dec: decoding.Decoder): number {
	return dec.arr.length - dec.pos;
}

/** A varUint that must be a safe integer no larger than `max`. */
export function readUint(dec: decoding.Decoder, what: string, max = Number.MAX_SAFE_INTEGER): number {
	const n = decoding.readVarUint(dec);
	if (!Number.isSafeInteger(n)) fail('bad_frame', `${what} is not a safe integer`);
	if (n > max) fail('too_large', `${what} is ${n}, more than ${max}`);
	return n;
}

export function readBool(dec: decoding.Decoder, what: string): boolean {
	const n = decoding.readVarUint(dec);
	if (n !== 0 && n !== 1) fail('bad_frame', `${what} must be 0 or 1`);
	return n === 1;
}

function readView(dec: decoding.Decoder, what: string, maxBytes: number): Uint8Array {
	const len = decoding.readVarUint(dec);
	if (len > maxBytes) fail('too_large', `${what} has ${len} bytes, more than ${maxBytes}`);
	if (len > remaining(dec)) fail('bad_frame', `${what} is truncated`);
	return decoding.readUint8Array(dec, len);
}

/**
 * A length-prefixed byte string as a view into the frame (no copy): for bytes read at once and
 * not kept (a bootstrap chunk's 50,000 small payloads, issue 26).
 */
export function readBytesView(dec: decoding.Decoder, what: string, maxBytes: number): Uint8Array {
	return readView(dec, what, maxBytes);
}

/** A length-prefixed byte string, copied into a plain Uint8Array the caller owns. */
export function readBytes(dec: decoding.Decoder, what: string, maxBytes: number, minBytes = 0): Uint8Array {
	const bytes = new Uint8Array(readView(dec, what, maxBytes));
	if (bytes.length < minBytes) fail('bad_frame', `${what} must have at least ${minBytes} bytes`);
	return bytes;
}

/** A length-prefixed UTF-8 string; invalid UTF-8 is `bad_frame`. */
export function readString(dec: decoding.Decoder, what: string, maxBytes: number): string {
	const view = readView(dec, what, maxBytes);
	try {
		return utf8.decode(view);
	} catch {
		return fail('bad_frame', `${what} is not valid UTF-8`);
	}
}

export function readToken(dec: decoding.Decoder, what: string): string {
	const s = readString(dec, what, MAX_ID_BYTES);
	if (!isToken(s)) fail('bad_frame', `${what} must be 1 to 64 of [A-Za-z0-9_-]`);
	return s;
}

export function readWord(dec: decoding.Decoder, what: string): string {
	const s = readString(dec, what, MAX_ID_BYTES);
	if (!isWord(s)) fail('bad_frame', `${what} must be a lower-case word`);
	return s;
}

export function readDocId(dec: decoding.Decoder): DocId {
	const s = readString(dec, 'doc id', MAX_ID_BYTES);
	if (!isDocId(s)) fail('bad_doc_id', `not a doc id: ${JSON.stringify(s.slice(0, 80))}`);
	return s;
}

/** Smallest encoding of one doc id: a length byte and `dir`. */
const MIN_DOC_ID_BYTES = 4;

export function readDocIdList(dec: decoding.Decoder, what: string, maxCount: number): DocId[] {
	const count = readUint(dec, `${what} count`, maxCount);
	// Checked before allocating: each id takes at least MIN_DOC_ID_BYTES.
	if (count * MIN_DOC_ID_BYTES > remaining(dec)) fail('bad_frame', `${what} is truncated`);
	const ids: DocId[] = [];
	for (let i = 0; i < count; i++) ids.push(readDocId(dec));
	return ids;
}

export function writeDocIdList(enc: encoding.Encoder, ids: readonly DocId[]): void {
	encoding.writeVarUint(enc, ids.length);
	for (const id of ids) encoding.writeVarString(enc, id);
}

export function expectEnd(dec: decoding.Decoder): void {
	if (remaining(dec) !== 0) fail('bad_frame', `${remaining(dec)} trailing bytes`);
}
