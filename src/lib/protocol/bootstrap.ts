/**
 * First-login bootstrap (issue 26): what the list and search need, before the documents.
 *
 *   BOOTSTRAP        c -> s  part, seq, after
 *                            Asks for one part of the workspace's bootstrap snapshot, in
 *                            contact-id order: part 0 is every visible contact's summary (the
 *                            list), part 1 its searchable text (comments and text messages,
 *                            SPEC S3.5). `after` is the last document id the client stored of
 *                            this part ('' to start), `seq` the snapshot seq of the chunks it
 *                            stored (0 to start): a resumed request gets the documents after
 *                            `after`, plus those at or before it that changed since `seq`.
 *   BOOTSTRAP_CHUNK  s -> c  part, seq, total, done, items
 *                            `seq`: every item is current to at least this workspace seq;
 *                            `total`: the visible contacts of this part; `done`: the last
 *                            chunk of this answer. An item is docId, docSeq (the seq of the
 *                            newest update the item reflects) and a JSON payload (UTF-8): a
 *                            `ContactSummary` in the compact form of `summary.ts` (part 0) or a `BootstrapText` (part 1).
 *
 *   DOCS             c -> s  ids, [since]
 *                            Asks for whole documents in one batch (at most MAX_DOCS_REQUEST
 *                            ids, in the order wanted): the documents phase of a first login,
 *                            which would otherwise be one SYNC exchange per document. The ids are
 *                            the client's cursor: the documents WELCOME listed that it has not
 *                            stored yet, next in its order (newest activity first).
 *                            `since` (optional, > 0): a reconnect's catch-up of documents the
 *                            client holds up to that workspace seq (its HELLO lastSeq): each
 *                            item is then only the stored updates after it (merged), with the
 *                            contact's current summary, so the client stores the changes without
 *                            decoding the documents (issue 26: a day offline, 500 changed).
 *   DOCS_CHUNK       s -> c  done, items, skipped
 *                            Answers one DOCS, in its order, in chunks cut by bytes; `done` on
 *                            the last. An item is docId, docSeq (the newest stored update the
 *                            state holds) and the document's whole state as one Yjs update, read
 *                            from the store (a merge of its rows, no Y.Doc), or with `since`
 *                            the rows after it, and the contact's summary (the bootstrap
 *                            snapshot's, compact as in `summary.ts`, empty when unknown). `skipped`: asked
 *                            ids with no item (not visible to the user at that moment, unknown,
 *                            or unreadable on the server) - the same answer for each, so it
 *                            tells nothing the request did not name.
 *
 * The bootstrap is a preview: every listed document still arrives whole (DOCS, or SYNC for a
 * client that does not batch), and its own summary replaces the bootstrap's. A server that is
 * asked for a part it does not know answers one empty chunk with `done`. Clients that never send
 * BOOTSTRAP or DOCS (stock clients, bots) see no change: the message types are new. Summary
 * payloads (part 0, DOCS_CHUNK `summary`) are in the compact form of `summary.ts` since
 * PROTOCOL_VERSION 2.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { DocId } from '../domain/types';
import { fail } from './errors';
import { MAX_ID_BYTES, MAX_TRANSFER_BYTES } from './limits';
import { readBool, readBytes, readBytesView, readDocId, readDocIdList, readString, readUint, remaining, writeDocIdList } from './wire';

export const MSG_BOOTSTRAP = 15;
export const MSG_BOOTSTRAP_CHUNK = 16;
export const MSG_DOCS = 17;
export const MSG_DOCS_CHUNK = 18;

/** Documents one DOCS request may name. */
export const MAX_DOCS_REQUEST = 1_000;

export const BOOTSTRAP_SUMMARIES = 0;
export const BOOTSTRAP_TEXT = 1;
export type BootstrapPart = typeof BOOTSTRAP_SUMMARIES | typeof BOOTSTRAP_TEXT;

/** Items in one chunk at most (the server cuts chunks smaller, by bytes). */
export const MAX_BOOTSTRAP_ITEMS = 10_000;

/** One searchable entry of a contact: [entry id, at, kind (0 message, 1 comment), text]. */
export type BootstrapTextRow = [string, number, 0 | 1, string];
/** Part 1's payload for one contact. */
export type BootstrapText = BootstrapTextRow[];

export interface BootstrapRequestMessage {
	type: 'bootstrap';
	part: BootstrapPart;
	seq: number;
	/** '' to start; else a document id. */
	after: string;
}

export interface BootstrapItem {
	docId: DocId;
	docSeq: number;
	/** Read from a frame: a view into it (decoded at once, not kept: `decodePayloads`). */
	payload: Uint8Array;
}

export interface BootstrapChunkMessage {
	type: 'bootstrap-chunk';
	part: BootstrapPart;
	seq: number;
	total: number;
	done: boolean;
	items: BootstrapItem[];
}

export interface DocsRequestMessage {
	type: 'docs';
	ids: DocId[];
	/** The client holds these documents up to this workspace seq: send the changes after it. */
	since?: number;
}

export interface DocsItem {
	docId: DocId;
	docSeq: number;
	/** The whole document as one Yjs update (with `since`: the stored updates after it, merged). */
	update: Uint8Array;
	/** With `since`: the contact's current summary (JSON `ContactSummary`), when known. */
	summary?: Uint8Array;
}

export interface DocsChunkMessage {
	type: 'docs-chunk';
	/** The last chunk of the answer to one DOCS. */
	done: boolean;
	items: DocsItem[];
	skipped: DocId[];
}

function readPart(dec: decoding.Decoder): BootstrapPart {
	const part = readUint(dec, 'bootstrap part');
	if (part !== BOOTSTRAP_SUMMARIES && part !== BOOTSTRAP_TEXT) fail('bad_frame', `unknown bootstrap part ${part}`);
	return part;
}

export function writeBootstrapRequest(enc: encoding.Encoder, msg: Omit<BootstrapRequestMessage, 'type'>): void {
	encoding.writeVarUint(enc, MSG_BOOTSTRAP);
	encoding.writeVarUint(enc, msg.part);
	encoding.writeVarUint(enc, msg.seq);
	encoding.writeVarString(enc, msg.after);
}

export function readBootstrapRequest(dec: decoding.Decoder): BootstrapRequestMessage {
	const part = readPart(dec);
	const seq = readUint(dec, 'bootstrap seq');
	const after = readString(dec, 'bootstrap cursor', MAX_ID_BYTES);
	return { type: 'bootstrap', part, seq, after };
}

export function writeBootstrapChunk(enc: encoding.Encoder, msg: Omit<BootstrapChunkMessage, 'type'>): void {
	encoding.writeVarUint(enc, MSG_BOOTSTRAP_CHUNK);
	encoding.writeVarUint(enc, msg.part);
	encoding.writeVarUint(enc, msg.seq);
	encoding.writeVarUint(enc, msg.total);
	encoding.writeVarUint(enc, msg.done ? 1 : 0);
	encoding.writeVarUint(enc, msg.items.length);
	for (const it of msg.items) {
		encoding.writeVarString(enc, it.docId);
		encoding.writeVarUint(enc, it.docSeq);
		encoding.writeVarUint8Array(enc, it.payload);
	}
}

export function readBootstrapChunk(dec: decoding.Decoder): BootstrapChunkMessage {
	const part = readPart(dec);
	const seq = readUint(dec, 'bootstrap seq');
	const total = readUint(dec, 'bootstrap total');
	const done = readBool(dec, 'bootstrap done');
	const count = readUint(dec, 'bootstrap items', MAX_BOOTSTRAP_ITEMS);
	// Each item takes at least 6 bytes (an id of 4, a seq, an empty payload): checked before allocating.
	if (count * 6 > remaining(dec)) fail('bad_frame', 'bootstrap items are truncated');
	const items: BootstrapItem[] = [];
	for (let i = 0; i < count; i++) {
		const docId = readDocId(dec);
		const docSeq = readUint(dec, 'bootstrap doc seq');
		const payload = readBytesView(dec, 'bootstrap payload', MAX_TRANSFER_BYTES);
		items.push({ docId, docSeq, payload });
	}
	return { type: 'bootstrap-chunk', part, seq, total, done, items };
}

export function writeDocsRequest(enc: encoding.Encoder, msg: Omit<DocsRequestMessage, 'type'>): void {
	encoding.writeVarUint(enc, MSG_DOCS);
	writeDocIdList(enc, msg.ids);
	if (msg.since !== undefined && msg.since > 0) encoding.writeVarUint(enc, msg.since);
}

export function readDocsRequest(dec: decoding.Decoder): DocsRequestMessage {
	const ids = readDocIdList(dec, 'docs ids', MAX_DOCS_REQUEST);
	if (ids.length === 0) fail('bad_frame', 'a DOCS request names no document');
	if (remaining(dec) === 0) return { type: 'docs', ids };
	const since = readUint(dec, 'docs since');
	if (since === 0) fail('bad_frame', 'a DOCS since of 0 is written by leaving it out');
	return { type: 'docs', ids, since };
}

export function writeDocsChunk(enc: encoding.Encoder, msg: Omit<DocsChunkMessage, 'type'>): void {
	encoding.writeVarUint(enc, MSG_DOCS_CHUNK);
	encoding.writeVarUint(enc, msg.done ? 1 : 0);
	encoding.writeVarUint(enc, msg.items.length);
	for (const it of msg.items) {
		encoding.writeVarString(enc, it.docId);
		encoding.writeVarUint(enc, it.docSeq);
		encoding.writeVarUint8Array(enc, it.update);
		encoding.writeVarUint8Array(enc, it.summary ?? EMPTY);
	}
	writeDocIdList(enc, msg.skipped);
}

export function readDocsChunk(dec: decoding.Decoder): DocsChunkMessage {
	const done = readBool(dec, 'docs done');
	const count = readUint(dec, 'docs items', MAX_DOCS_REQUEST);
	// Each item takes at least 7 bytes (an id of 4, a seq, an empty update and summary): checked before allocating.
	if (count * 7 > remaining(dec)) fail('bad_frame', 'docs items are truncated');
	const items: DocsItem[] = [];
	for (let i = 0; i < count; i++) {
		const docId = readDocId(dec);
		const docSeq = readUint(dec, 'docs doc seq');
		const update = readBytes(dec, 'docs update', MAX_TRANSFER_BYTES);
		const summary = readBytes(dec, 'docs summary', MAX_TRANSFER_BYTES);
		items.push(summary.length > 0 ? { docId, docSeq, update, summary } : { docId, docSeq, update });
	}
	const skipped = readDocIdList(dec, 'docs skipped', MAX_DOCS_REQUEST);
	return { type: 'docs-chunk', done, items, skipped };
}

const EMPTY = new Uint8Array(0);
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function encodePayload(value: unknown): Uint8Array {
	return utf8Encoder.encode(JSON.stringify(value));
}

/** The JSON of a payload, or undefined when it is not UTF-8 JSON (never throws). */
export function decodePayload(bytes: Uint8Array): unknown {
	try {
		return JSON.parse(utf8Decoder.decode(bytes)) as unknown;
	} catch {
		return undefined;
	}
}

/**
 * The JSON of every payload of a chunk, in order, decoded together: the payloads are joined into
 * one JSON array, so a chunk of hundreds of summaries costs one UTF-8 decode and one
 * `JSON.parse`, not one of each per item (issue 26: 50,000 summaries, 20 MB, at a first login).
 * When the joined text is not an array of exactly one value per payload (a payload that is not
 * one JSON value), each payload is decoded alone, as `decodePayload` does. Never throws.
 */
export function decodePayloads(payloads: readonly Uint8Array[]): unknown[] {
	let size = 2;
	for (const p of payloads) size += p.length + 1;
	const joined = new Uint8Array(size);
	let at = 0;
	joined[at++] = 0x5b; // [
	for (let i = 0; i < payloads.length; i++) {
		if (i > 0) joined[at++] = 0x2c; // ,
		joined.set(payloads[i]!, at);
		at += payloads[i]!.length;
	}
	joined[at++] = 0x5d; // ]
	try {
		const all = JSON.parse(utf8Decoder.decode(joined.subarray(0, at))) as unknown;
		if (Array.isArray(all) && all.length === payloads.length) return all as unknown[];
	} catch {
		// one payload is not JSON: each alone below
	}
	return payloads.map(decodePayload);
}

/** Part 1's payload checked row by row; rows that do not fit are dropped. */
export function readBootstrapText(value: unknown): BootstrapText {
	if (!Array.isArray(value)) return [];
	const out: BootstrapText = [];
	for (const r of value as unknown[]) {
		if (!Array.isArray(r) || r.length !== 4) continue;
		const [id, at, kind, text] = r as unknown[];
		if (typeof id === 'string' && typeof at === 'number' && (kind === 0 || kind === 1) && typeof text === 'string') out.push([id, at, kind, text]);
	}
	return out;
}
