/**
 * One WebSocket binary message is one frame: `varUint messageType`, then the fields of that
 * type (see `session.ts`, `doc.ts`, `chunk.ts`), nothing after. Type numbers: session 1-9,
 * documents 10-14, bootstrap 15-18, chunk 20.
 *
 * `decodeFrame` turns ANY byte string into either a typed message or a typed `ProtocolError`;
 * it never throws. Decoding with a direction (`decodeClientFrame` on the server,
 * `decodeServerFrame` in the browser) also refuses types the other side may not send
 * (`unknown_type`) and applies that sender's limits: a client's updates are capped at
 * `MAX_UPDATE_BYTES` and its awareness at `MAX_AWARENESS_BYTES`, a server's only by the frame.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { DocId } from '../domain/types';
import {
	MSG_ACK,
	MSG_AWARENESS,
	MSG_REMOTE_UPDATE,
	MSG_SYNC,
	MSG_UPDATE,
	readAck,
	readAwareness,
	readRemoteUpdate,
	readSync,
	readUpdate,
	writeAck,
	writeAwareness,
	writeRemoteUpdate,
	writeSyncStep1,
	writeSyncStep2,
	writeSyncUpdate,
	writeUpdate,
	type AckMessage,
	type AwarenessMessage,
	type DocLimits,
	type RemoteUpdateMessage,
	type SyncMessage,
	type UpdateMessage
} from './doc';
import { MSG_CHUNK, readChunk, splitIntoChunks, writeChunk, type ChunkMessage } from './chunk';
import {
	MSG_BOOTSTRAP,
	MSG_BOOTSTRAP_CHUNK,
	MSG_DOCS,
	MSG_DOCS_CHUNK,
	readBootstrapChunk,
	readBootstrapRequest,
	readDocsChunk,
	readDocsRequest,
	writeBootstrapChunk,
	writeBootstrapRequest,
	writeDocsChunk,
	writeDocsRequest,
	type BootstrapChunkMessage,
	type BootstrapRequestMessage,
	type DocsChunkMessage,
	type DocsRequestMessage
} from './bootstrap';
import { toProtocolError, type ProtocolError } from './errors';
import { MAX_AWARENESS_BYTES, MAX_CHUNK_BYTES, MAX_FRAME_BYTES, MAX_TRANSFER_BYTES, MAX_UPDATE_BYTES } from './limits';
import {
	MSG_CATCHUP_DONE,
	MSG_ERROR,
	MSG_GRANT,
	MSG_HELLO,
	MSG_KNOWN_DOCS,
	MSG_PING,
	MSG_PONG,
	MSG_REVOKE,
	MSG_WELCOME,
	readCatchupDone,
	readError,
	readGrant,
	readHello,
	readKnownDocs,
	readPing,
	readPong,
	readRevoke,
	readWelcome,
	writeCatchupDone,
	writeError,
	writeGrant,
	writeHello,
	writeKnownDocs,
	writePing,
	writePong,
	writeRevoke,
	writeWelcome,
	type CatchupDoneMessage,
	type ErrorMessage,
	type GrantMessage,
	type HelloMessage,
	type KnownDocsMessage,
	type PingMessage,
	type PongMessage,
	type RevokeMessage,
	type WelcomeMessage
} from './session';
import { remaining } from './wire';

/** What a browser may send. */
export type ClientMessage = HelloMessage | KnownDocsMessage | SyncMessage | UpdateMessage | AwarenessMessage | PingMessage | PongMessage | BootstrapRequestMessage | DocsRequestMessage;
/** What the server may send. */
export type ServerMessage =
	| WelcomeMessage
	| CatchupDoneMessage
	| GrantMessage
	| RevokeMessage
	| ErrorMessage
	| PingMessage
	| PongMessage
	| SyncMessage
	| RemoteUpdateMessage
	| AckMessage
	| AwarenessMessage
	| ChunkMessage
	| BootstrapChunkMessage
	| DocsChunkMessage;
export type Message = ClientMessage | ServerMessage;
export type MessageKind = Message['type'];

export type DecodeResult<M extends Message = Message> = { ok: true; msg: M } | { ok: false; error: ProtocolError };

export type Sender = 'client' | 'server';

export interface DecodeOptions {
	/** Who sent the frame: restricts the types accepted and sets the limits. Default: anyone, frame-bounded limits. */
	from?: Sender;
	/** Largest frame accepted. Default `MAX_FRAME_BYTES`. */
	maxBytes?: number;
}

const CLIENT_TYPES: ReadonlySet<number> = new Set([MSG_HELLO, MSG_KNOWN_DOCS, MSG_SYNC, MSG_UPDATE, MSG_AWARENESS, MSG_PING, MSG_PONG, MSG_BOOTSTRAP, MSG_DOCS]);
const SERVER_TYPES: ReadonlySet<number> = new Set([
	MSG_WELCOME,
	MSG_CATCHUP_DONE,
	MSG_GRANT,
	MSG_REVOKE,
	MSG_ERROR,
	MSG_PING,
	MSG_PONG,
	MSG_SYNC,
	MSG_REMOTE_UPDATE,
	MSG_ACK,
	MSG_AWARENESS,
	MSG_CHUNK,
	MSG_BOOTSTRAP_CHUNK,
	MSG_DOCS_CHUNK
]);

/** Appends `msg` as one frame to `enc`. */
export function writeMessage(enc: encoding.Encoder, msg: Message): void {
	switch (msg.type) {
		case 'hello':
			return writeHello(enc, msg);
		case 'known-docs':
			return writeKnownDocs(enc, msg.ids);
		case 'welcome':
			return writeWelcome(enc, msg);
		case 'catchup-done':
			return writeCatchupDone(enc, msg.seq);
		case 'grant':
			return writeGrant(enc, msg.docId);
		case 'revoke':
			return writeRevoke(enc, msg.docId, msg.reason);
		case 'error':
			return writeError(enc, msg);
		case 'ping':
			return writePing(enc, msg.nonce);
		case 'pong':
			return writePong(enc, msg.nonce);
		case 'sync':
			if (msg.step === 'step1') return writeSyncStep1(enc, msg.docId, msg.stateVector);
			if (msg.step === 'step2') return writeSyncStep2(enc, msg.docId, msg.update, msg.seq);
			return writeSyncUpdate(enc, msg.docId, msg.update);
		case 'update':
			return writeUpdate(enc, msg.docId, msg.updateId, msg.update);
		case 'remote-update':
			return writeRemoteUpdate(enc, msg.docId, msg.seq, msg.update);
		case 'ack':
			return writeAck(enc, msg.docId, msg.updateId, msg.seq);
		case 'awareness':
			return writeAwareness(enc, msg.docId, msg.update);
		case 'chunk':
			return writeChunk(enc, msg);
		case 'bootstrap':
			return writeBootstrapRequest(enc, msg);
		case 'bootstrap-chunk':
			return writeBootstrapChunk(enc, msg);
		case 'docs':
			return writeDocsRequest(enc, msg);
		case 'docs-chunk':
			return writeDocsChunk(enc, msg);
	}
}

export function encodeFrame(msg: Message): Uint8Array {
	const enc = encoding.createEncoder();
	writeMessage(enc, msg);
	return encoding.toUint8Array(enc);
}

export function decodeFrame(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
	const maxBytes = options.maxBytes ?? MAX_FRAME_BYTES;
	if (!(bytes instanceof Uint8Array)) return failure('bad_frame', 'a frame must be binary');
	if (bytes.length > maxBytes) return failure('too_large', `frame of ${bytes.length} bytes, more than ${maxBytes}`);
	if (bytes.length === 0) return failure('bad_frame', 'empty frame');
	const limits: DocLimits =
		options.from === 'client'
			? { updateBytes: MAX_UPDATE_BYTES, awarenessBytes: MAX_AWARENESS_BYTES }
			: { updateBytes: maxBytes, awarenessBytes: maxBytes };
	try {
		const dec = decoding.createDecoder(bytes);
		const type = decoding.readVarUint(dec);
		const allowed = options.from === 'client' ? CLIENT_TYPES : options.from === 'server' ? SERVER_TYPES : undefined;
		if (allowed && !allowed.has(type)) return failure('unknown_type', `message type ${type} is not sent by a ${options.from}`);
		const msg = readMessage(type, dec, limits);
		if (msg === undefined) return failure('unknown_type', `unknown message type ${type}`);
		if (remaining(dec) !== 0) {
			const error: ProtocolError = { code: 'bad_frame', message: `${remaining(dec)} trailing bytes after ${msg.type}` };
			if ('docId' in msg && msg.docId !== undefined) error.docId = msg.docId;
			if (msg.type === 'update') error.updateId = msg.updateId;
			return { ok: false, error };
		}
		return { ok: true, msg };
	} catch (e) {
		return { ok: false, error: toProtocolError(e) };
	}
}

/** The server's decoder: client types only, client limits. */
export function decodeClientFrame(bytes: Uint8Array): DecodeResult<ClientMessage> {
	return decodeFrame(bytes, { from: 'client' }) as DecodeResult<ClientMessage>;
}

/** The browser's decoder: server types only. */
export function decodeServerFrame(bytes: Uint8Array): DecodeResult<ServerMessage> {
	return decodeFrame(bytes, { from: 'server' }) as DecodeResult<ServerMessage>;
}

/**
 * Decodes the frame a `ChunkAssembler` reassembled from the chunks of `docId`: a server frame
 * of up to `MAX_TRANSFER_BYTES`, not itself a chunk, and about `docId` when it names a document.
 */
export function decodeTransfer(docId: DocId, bytes: Uint8Array, maxBytes: number = MAX_TRANSFER_BYTES): DecodeResult<ServerMessage> {
	const result = decodeFrame(bytes, { from: 'server', maxBytes }) as DecodeResult<ServerMessage>;
	if (!result.ok) return result;
	if (result.msg.type === 'chunk') return failure('bad_frame', 'a chunked transfer may not hold a chunk');
	if ('docId' in result.msg && result.msg.docId !== undefined && result.msg.docId !== docId) {
		return failure('bad_frame', `transfer of ${docId} holds a frame of ${result.msg.docId}`);
	}
	return result;
}

/**
 * A server message as the frames to send: one frame when it fits in `maxChunkBytes`, else
 * CHUNK frames of transfer `transferId` (unique among the connection's open transfers).
 */
export function encodeChunked(msg: ServerMessage, transferId: number, maxChunkBytes: number = MAX_CHUNK_BYTES): Uint8Array[] {
	const frame = encodeFrame(msg);
	if (frame.length <= maxChunkBytes || msg.type === 'chunk') return [frame];
	const docId: DocId = ('docId' in msg && msg.docId !== undefined ? msg.docId : 'dir') as DocId;
	return splitIntoChunks(docId, transferId, frame, maxChunkBytes).map(encodeFrame);
}

function readMessage(type: number, dec: decoding.Decoder, limits: DocLimits): Message | undefined {
	switch (type) {
		case MSG_HELLO:
			return readHello(dec);
		case MSG_KNOWN_DOCS:
			return readKnownDocs(dec);
		case MSG_WELCOME:
			return readWelcome(dec);
		case MSG_CATCHUP_DONE:
			return readCatchupDone(dec);
		case MSG_GRANT:
			return readGrant(dec);
		case MSG_REVOKE:
			return readRevoke(dec);
		case MSG_ERROR:
			return readError(dec);
		case MSG_PING:
			return readPing(dec);
		case MSG_PONG:
			return readPong(dec);
		case MSG_SYNC:
			return readSync(dec, limits);
		case MSG_UPDATE:
			return readUpdate(dec, limits);
		case MSG_REMOTE_UPDATE:
			return readRemoteUpdate(dec, limits);
		case MSG_ACK:
			return readAck(dec);
		case MSG_AWARENESS:
			return readAwareness(dec, limits);
		case MSG_CHUNK:
			return readChunk(dec);
		case MSG_BOOTSTRAP:
			return readBootstrapRequest(dec);
		case MSG_BOOTSTRAP_CHUNK:
			return readBootstrapChunk(dec);
		case MSG_DOCS:
			return readDocsRequest(dec);
		case MSG_DOCS_CHUNK:
			return readDocsChunk(dec);
		default:
			return undefined;
	}
}

function failure(code: ProtocolError['code'], message: string): { ok: false; error: ProtocolError } {
	return { ok: false, error: { code, message } };
}
