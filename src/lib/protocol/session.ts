/**
 * Session messages: the handshake, catch-up, visibility changes, errors and keepalive.
 *
 *   HELLO         c -> s  protocolVersion, lastSeq, clientId, hasKnownDocs, [knownDocs]
 *                         First frame of a connection. `lastSeq` is the workspace seq the
 *                         client last fully caught up to (CATCHUP_DONE), 0 if never.
 *                         `knownDocs`, when present, lists every document the client holds
 *                         locally, so a server that keeps no visibility history can answer
 *                         grants and revocations exactly; omit it to keep HELLO small
 *                         (WELCOME then revokes nothing: it never names a document the
 *                         user may not see).
 *   KNOWN_DOCS    c -> s  ids
 *                         Only before HELLO: the first ids of HELLO's `knownDocs`, when the
 *                         whole list would not fit one frame (50,000 documents take about
 *                         1.1 MB). The server prepends every KNOWN_DOCS list, in order, to
 *                         the `knownDocs` of the HELLO that follows (`helloFrames` cuts them).
 *   WELCOME       s -> c  seq, userId, changed, revoked, full
 *                         `changed`: documents the client must sync (changed since lastSeq,
 *                         or newly visible); only these run sync step 1/2, so a reconnect
 *                         costs O(changed documents). `revoked`: documents to delete locally.
 *                         `full` (lastSeq 0 or too old): `changed` is the complete visible set
 *                         and the client drops every other local document.
 *   CATCHUP_DONE  s -> c  seq
 *                         Every `changed` document has been synced; the client may persist
 *                         lastSeq = seq. Updates it sees after that carry their own seq.
 *   GRANT         s -> c  docId            The user may now see it; the client syncs it.
 *   REVOKE        s -> c  docId, reason    The client deletes its local copy and search entries.
 *   ERROR         s -> c  code, message, flags (1 docId, 2 updateId), [docId], [updateId]
 *   PING / PONG   both    nonce            PONG echoes the nonce of a PING.
 *
 * Layout rules: every integer is a lib0 varUint, every string a lib0 varString, a list is a
 * count then its items, a boolean is varUint 0 or 1; no trailing bytes.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { asUserId } from '../domain/ids';
import type { DocId, UserId } from '../domain/types';
import { fail, within, type ProtocolError } from './errors';
import { MAX_DOC_IDS, MAX_TEXT_BYTES, PROTOCOL_VERSION } from './limits';
import { readBool, readDocId, readDocIdList, readString, readToken, readUint, readWord, writeDocIdList } from './wire';

export const MSG_HELLO = 1;
export const MSG_WELCOME = 2;
export const MSG_CATCHUP_DONE = 3;
export const MSG_GRANT = 4;
export const MSG_REVOKE = 5;
export const MSG_ERROR = 6;
export const MSG_PING = 7;
export const MSG_PONG = 8;
export const MSG_KNOWN_DOCS = 9;

/** Bytes of doc ids one KNOWN_DOCS or HELLO carries at most (a frame is at most 1 MiB). */
export const KNOWN_DOCS_FRAME_BYTES = 768 * 1024;

export interface HelloMessage {
	type: 'hello';
	protocolVersion: number;
	lastSeq: number;
	clientId: string;
	knownDocs?: DocId[];
}

export interface KnownDocsMessage {
	type: 'known-docs';
	ids: DocId[];
}

export interface WelcomeMessage {
	type: 'welcome';
	seq: number;
	userId: UserId;
	changed: DocId[];
	revoked: DocId[];
	full: boolean;
}

export interface CatchupDoneMessage {
	type: 'catchup-done';
	seq: number;
}

export interface GrantMessage {
	type: 'grant';
	docId: DocId;
}

export interface RevokeMessage {
	type: 'revoke';
	docId: DocId;
	/** A lower-case word, e.g. `reassigned`, `blocked`, `restricted`, `deactivated`, `deleted`. */
	reason: string;
}

/** Codes of an ERROR frame; the decoder's own codes are a subset, so they can be sent as is. */
export const ERROR_CODES = [
	'bad_frame',
	'unknown_type',
	'bad_doc_id',
	'too_large',
	'unsupported_version',
	'unauthorized',
	'forbidden',
	'unknown_doc',
	'rejected_update',
	'rate_limited',
	'quota_exceeded',
	'internal'
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorMessage {
	type: 'error';
	code: ErrorCode;
	/** For a person. */
	message: string;
	docId?: DocId;
	updateId?: string;
}

export interface PingMessage {
	type: 'ping';
	nonce: number;
}

export interface PongMessage {
	type: 'pong';
	nonce: number;
}

export type SessionMessage =
	| HelloMessage
	| WelcomeMessage
	| CatchupDoneMessage
	| GrantMessage
	| RevokeMessage
	| ErrorMessage
	| PingMessage
	| PongMessage;

// ---------------------------------------------------------------------------------------------

export function writeHello(enc: encoding.Encoder, msg: Omit<HelloMessage, 'type'>): void {
	encoding.writeVarUint(enc, MSG_HELLO);
	encoding.writeVarUint(enc, msg.protocolVersion);
	encoding.writeVarUint(enc, msg.lastSeq);
	encoding.writeVarString(enc, msg.clientId);
	encoding.writeVarUint(enc, msg.knownDocs === undefined ? 0 : 1);
	if (msg.knownDocs !== undefined) writeDocIdList(enc, msg.knownDocs);
}

export function writeKnownDocs(enc: encoding.Encoder, ids: readonly DocId[]): void {
	encoding.writeVarUint(enc, MSG_KNOWN_DOCS);
	writeDocIdList(enc, ids);
}

export function readKnownDocs(dec: decoding.Decoder): KnownDocsMessage {
	return { type: 'known-docs', ids: readDocIdList(dec, 'known docs', MAX_DOC_IDS) };
}

/**
 * HELLO as the frames to send: itself when its `knownDocs` fit `maxBytes`, else KNOWN_DOCS
 * frames with the first ids (each within `maxBytes`) and HELLO with the rest.
 */
export function helloFrames(hello: HelloMessage, maxBytes = KNOWN_DOCS_FRAME_BYTES): Array<HelloMessage | KnownDocsMessage> {
	const ids = hello.knownDocs;
	if (!ids) return [hello];
	const out: Array<HelloMessage | KnownDocsMessage> = [];
	let part: DocId[] = [];
	let bytes = 0;
	for (const id of ids) {
		// An id is ASCII: its length, plus a length byte.
		if (bytes + id.length + 1 > maxBytes && part.length > 0) {
			out.push({ type: 'known-docs', ids: part });
			part = [];
			bytes = 0;
		}
		part.push(id);
		bytes += id.length + 1;
	}
	out.push({ ...hello, knownDocs: part });
	return out;
}

export function readHello(dec: decoding.Decoder): HelloMessage {
	const protocolVersion = readUint(dec, 'protocol version');
	// Checked first: the layout of the rest belongs to that version.
	if (protocolVersion !== PROTOCOL_VERSION) {
		fail('unsupported_version', `protocol version ${protocolVersion}; this server speaks ${PROTOCOL_VERSION}`);
	}
	const lastSeq = readUint(dec, 'last seq');
	const clientId = readToken(dec, 'client id');
	const hasKnownDocs = readBool(dec, 'known docs flag');
	const msg: HelloMessage = { type: 'hello', protocolVersion, lastSeq, clientId };
	if (hasKnownDocs) msg.knownDocs = readDocIdList(dec, 'known docs', MAX_DOC_IDS);
	return msg;
}

export function writeWelcome(enc: encoding.Encoder, msg: Omit<WelcomeMessage, 'type'>): void {
	encoding.writeVarUint(enc, MSG_WELCOME);
	encoding.writeVarUint(enc, msg.seq);
	encoding.writeVarString(enc, msg.userId);
	writeDocIdList(enc, msg.changed);
	writeDocIdList(enc, msg.revoked);
	encoding.writeVarUint(enc, msg.full ? 1 : 0);
}

export function readWelcome(dec: decoding.Decoder): WelcomeMessage {
	const seq = readUint(dec, 'seq');
	// User ids are minted by `newId`, so they fit the token grammar.
	const userId = asUserId(readToken(dec, 'user id'));
	const changed = readDocIdList(dec, 'changed', MAX_DOC_IDS);
	const revoked = readDocIdList(dec, 'revoked', MAX_DOC_IDS);
	const full = readBool(dec, 'full');
	return { type: 'welcome', seq, userId, changed, revoked, full };
}

export function writeCatchupDone(enc: encoding.Encoder, seq: number): void {
	encoding.writeVarUint(enc, MSG_CATCHUP_DONE);
	encoding.writeVarUint(enc, seq);
}

export function readCatchupDone(dec: decoding.Decoder): CatchupDoneMessage {
	return { type: 'catchup-done', seq: readUint(dec, 'seq') };
}

export function writeGrant(enc: encoding.Encoder, docId: DocId): void {
	encoding.writeVarUint(enc, MSG_GRANT);
	encoding.writeVarString(enc, docId);
}

export function readGrant(dec: decoding.Decoder): GrantMessage {
	return { type: 'grant', docId: readDocId(dec) };
}

export function writeRevoke(enc: encoding.Encoder, docId: DocId, reason: string): void {
	encoding.writeVarUint(enc, MSG_REVOKE);
	encoding.writeVarString(enc, docId);
	encoding.writeVarString(enc, reason);
}

export function readRevoke(dec: decoding.Decoder): RevokeMessage {
	const docId = readDocId(dec);
	return within({ docId }, () => ({ type: 'revoke', docId, reason: readWord(dec, 'revoke reason') }));
}

const ERROR_HAS_DOC = 1;
const ERROR_HAS_UPDATE = 2;

export function writeError(enc: encoding.Encoder, msg: Omit<ErrorMessage, 'type'>): void {
	encoding.writeVarUint(enc, MSG_ERROR);
	encoding.writeVarString(enc, msg.code);
	// At most 3 UTF-8 bytes per UTF-16 unit: a clamped message always fits MAX_TEXT_BYTES.
	encoding.writeVarString(enc, msg.message.slice(0, Math.floor(MAX_TEXT_BYTES / 3)));
	const flags = (msg.docId !== undefined ? ERROR_HAS_DOC : 0) | (msg.updateId !== undefined ? ERROR_HAS_UPDATE : 0);
	encoding.writeVarUint(enc, flags);
	if (msg.docId !== undefined) encoding.writeVarString(enc, msg.docId);
	if (msg.updateId !== undefined) encoding.writeVarString(enc, msg.updateId);
}

export function readError(dec: decoding.Decoder): ErrorMessage {
	const code = readWord(dec, 'error code');
	if (!isErrorCode(code)) fail('bad_frame', `unknown error code ${code}`);
	const message = readString(dec, 'error message', MAX_TEXT_BYTES);
	const flags = readUint(dec, 'error flags');
	if (flags > (ERROR_HAS_DOC | ERROR_HAS_UPDATE)) fail('bad_frame', `unknown error flags ${flags}`);
	const msg: ErrorMessage = { type: 'error', code, message };
	if (flags & ERROR_HAS_DOC) msg.docId = readDocId(dec);
	if (flags & ERROR_HAS_UPDATE) msg.updateId = readToken(dec, 'update id');
	return msg;
}

/** The ERROR the server answers a frame it could not decode with (same code, same context). */
export function errorFromProtocolError(error: ProtocolError): ErrorMessage {
	const msg: ErrorMessage = { type: 'error', code: error.code, message: error.message };
	if (error.docId !== undefined) msg.docId = error.docId;
	if (error.updateId !== undefined) msg.updateId = error.updateId;
	return msg;
}

export function isErrorCode(value: string): value is ErrorCode {
	return (ERROR_CODES as readonly string[]).includes(value);
}

export function writePing(enc: encoding.Encoder, nonce: number): void {
	encoding.writeVarUint(enc, MSG_PING);
	encoding.writeVarUint(enc, nonce);
}

export function readPing(dec: decoding.Decoder): PingMessage {
	return { type: 'ping', nonce: readUint(dec, 'nonce') };
}

export function writePong(enc: encoding.Encoder, nonce: number): void {
	encoding.writeVarUint(enc, MSG_PONG);
	encoding.writeVarUint(enc, nonce);
}

export function readPong(dec: decoding.Decoder): PongMessage {
	return { type: 'pong', nonce: readUint(dec, 'nonce') };
}
