/**
 * Document traffic: every frame names one document (`docId`) and carries Yjs bytes for it.
 *
 *   SYNC          both ways  docId, y-protocols sync message, seq
 *                            The middle part is byte for byte what y-protocols/sync writes:
 *                            varUint step (0 step 1, 1 step 2, 2 update), varUint8Array
 *                            payload (a state vector for step 1, an update otherwise). The
 *                            trailing varUint `seq` is the workspace sequence number the state
 *                            in a server's step 2 is current to (0 = not given, and always 0 for
 *                            step 1 and update). The client opens a document with step 1; the
 *                            server answers step 2 (the client's missing part, with seq) then its
 *                            own step 1; the client answers step 2.
 *   UPDATE        c -> s     docId, updateId, update
 *                            A local change. `updateId` is made by the client and is the
 *                            idempotency key: a resent UPDATE is stored once and acked again.
 *   REMOTE_UPDATE s -> c     docId, seq, update
 *                            A stored update of someone else, stamped with its workspace seq.
 *   ACK           s -> c     docId, updateId, seq
 *                            Sent only once the update is durably stored; until then the
 *                            client keeps it and resends it on reconnect (SPEC S9.5).
 *   AWARENESS     both ways  docId, awareness update (y-protocols/awareness encodeAwarenessUpdate)
 *
 * Each `write*` writes a whole frame (type first); each `read*` reads the fields after the type,
 * which `frame.ts` has read to dispatch. Sizes are checked against the caller's `DocLimits`,
 * which depend on who sent the frame (a client's updates and awareness are capped tighter).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { DocId } from '../domain/types';
import { fail, within } from './errors';
import { expectEnd, readBytes, readDocId, readString, readToken, readUint, remaining } from './wire';

export const MSG_SYNC = 10;
export const MSG_UPDATE = 11;
export const MSG_REMOTE_UPDATE = 12;
export const MSG_ACK = 13;
export const MSG_AWARENESS = 14;

/** The y-protocols/sync message types, same numbers. */
export const SYNC_STEP1 = 0;
export const SYNC_STEP2 = 1;
export const SYNC_UPDATE = 2;

export type SyncMessage =
	| { type: 'sync'; docId: DocId; step: 'step1'; stateVector: Uint8Array }
	| { type: 'sync'; docId: DocId; step: 'step2'; update: Uint8Array; seq?: number }
	| { type: 'sync'; docId: DocId; step: 'update'; update: Uint8Array };

export interface UpdateMessage {
	type: 'update';
	docId: DocId;
	updateId: string;
	update: Uint8Array;
}

export interface RemoteUpdateMessage {
	type: 'remote-update';
	docId: DocId;
	seq: number;
	update: Uint8Array;
}

export interface AckMessage {
	type: 'ack';
	docId: DocId;
	updateId: string;
	seq: number;
}

export interface AwarenessMessage {
	type: 'awareness';
	docId: DocId;
	update: Uint8Array;
}

export type DocMessage = SyncMessage | UpdateMessage | RemoteUpdateMessage | AckMessage | AwarenessMessage;

export interface DocLimits {
	/** Largest Yjs update or state vector in one frame. */
	updateBytes: number;
	/** Largest awareness update in one frame. */
	awarenessBytes: number;
}

// ---------------------------------------------------------------------------------------------
// SYNC

export function writeSyncStep1(enc: encoding.Encoder, docId: DocId, stateVector: Uint8Array): void {
	writeSync(enc, docId, SYNC_STEP1, stateVector, 0);
}

export function writeSyncStep2(enc: encoding.Encoder, docId: DocId, update: Uint8Array, seq?: number): void {
	writeSync(enc, docId, SYNC_STEP2, update, seq ?? 0);
}

export function writeSyncUpdate(enc: encoding.Encoder, docId: DocId, update: Uint8Array): void {
	writeSync(enc, docId, SYNC_UPDATE, update, 0);
}

function writeSync(enc: encoding.Encoder, docId: DocId, step: number, payload: Uint8Array, seq: number): void {
	encoding.writeVarUint(enc, MSG_SYNC);
	encoding.writeVarString(enc, docId);
	encoding.writeVarUint(enc, step);
	encoding.writeVarUint8Array(enc, payload);
	encoding.writeVarUint(enc, seq);
}

export function readSync(dec: decoding.Decoder, limits: DocLimits): SyncMessage {
	const docId = readDocId(dec);
	return within({ docId }, () => {
		const step = readUint(dec, 'sync step');
		if (step === SYNC_STEP1) {
			const stateVector = readBytes(dec, 'state vector', limits.updateBytes, 1);
			if (readUint(dec, 'seq') !== 0) fail('bad_frame', 'sync step 1 carries no seq');
			return { type: 'sync', docId, step: 'step1', stateVector };
		}
		if (step === SYNC_STEP2) {
			const update = readBytes(dec, 'sync step 2 update', limits.updateBytes, 1);
			const seq = readUint(dec, 'seq');
			return seq === 0 ? { type: 'sync', docId, step: 'step2', update } : { type: 'sync', docId, step: 'step2', update, seq };
		}
		if (step === SYNC_UPDATE) {
			const update = readBytes(dec, 'sync update', limits.updateBytes, 1);
			if (readUint(dec, 'seq') !== 0) fail('bad_frame', 'sync update carries no seq');
			return { type: 'sync', docId, step: 'update', update };
		}
		return fail('bad_frame', `unknown sync step ${step}`);
	});
}

// ---------------------------------------------------------------------------------------------
// UPDATE

export function writeUpdate(enc: encoding.Encoder, docId: DocId, updateId: string, update: Uint8Array): void {
	encoding.writeVarUint(enc, MSG_UPDATE);
	encoding.writeVarString(enc, docId);
	encoding.writeVarString(enc, updateId);
	encoding.writeVarUint8Array(enc, update);
}

export function readUpdate(dec: decoding.Decoder, limits: DocLimits): UpdateMessage {
	const docId = readDocId(dec);
	const updateId = within({ docId }, () => readToken(dec, 'update id'));
	return within({ docId, updateId }, () => {
		const update = readBytes(dec, 'update', limits.updateBytes, 1);
		return { type: 'update', docId, updateId, update };
	});
}

// ---------------------------------------------------------------------------------------------
// REMOTE_UPDATE

export function writeRemoteUpdate(enc: encoding.Encoder, docId: DocId, seq: number, update: Uint8Array): void {
	encoding.writeVarUint(enc, MSG_REMOTE_UPDATE);
	encoding.writeVarString(enc, docId);
	encoding.writeVarUint(enc, seq);
	encoding.writeVarUint8Array(enc, update);
}

export function readRemoteUpdate(dec: decoding.Decoder, limits: DocLimits): RemoteUpdateMessage {
	const docId = readDocId(dec);
	return within({ docId }, () => {
		const seq = readSeq(dec);
		const update = readBytes(dec, 'update', limits.updateBytes, 1);
		return { type: 'remote-update', docId, seq, update };
	});
}

// ---------------------------------------------------------------------------------------------
// ACK

export function writeAck(enc: encoding.Encoder, docId: DocId, updateId: string, seq: number): void {
	encoding.writeVarUint(enc, MSG_ACK);
	encoding.writeVarString(enc, docId);
	encoding.writeVarString(enc, updateId);
	encoding.writeVarUint(enc, seq);
}

export function readAck(dec: decoding.Decoder): AckMessage {
	const docId = readDocId(dec);
	return within({ docId }, () => {
		const updateId = readToken(dec, 'update id');
		const seq = readSeq(dec);
		return { type: 'ack', docId, updateId, seq };
	});
}

// ---------------------------------------------------------------------------------------------
// AWARENESS

export function writeAwareness(enc: encoding.Encoder, docId: DocId, update: Uint8Array): void {
	encoding.writeVarUint(enc, MSG_AWARENESS);
	encoding.writeVarString(enc, docId);
	encoding.writeVarUint8Array(enc, update);
}

export function readAwareness(dec: decoding.Decoder, limits: DocLimits): AwarenessMessage {
	const docId = readDocId(dec);
	return within({ docId }, () => {
		const update = readBytes(dec, 'awareness update', limits.awarenessBytes, 1);
		checkAwarenessUpdate(update);
		return { type: 'awareness', docId, update };
	});
}

/**
 * Walks an awareness update (varUint count, then per client: varUint clientID, varUint clock,
 * varString JSON state) so that y-protocols' `applyAwarenessUpdate`, which trusts its input and
 * calls JSON.parse, cannot throw on what we accepted.
 */
export function checkAwarenessUpdate(update: Uint8Array): void {
	const dec = decoding.createDecoder(update);
	const count = readUint(dec, 'awareness client count');
	// Each entry takes at least 3 bytes (client id, clock, string length).
	if (count * 3 > remaining(dec)) fail('bad_frame', 'awareness update is truncated');
	for (let i = 0; i < count; i++) {
		readUint(dec, 'awareness client id');
		readUint(dec, 'awareness clock');
		const json = readString(dec, 'awareness state', update.length);
		try {
			JSON.parse(json);
		} catch {
			fail('bad_frame', 'awareness state is not JSON');
		}
	}
	expectEnd(dec);
}

/** Sequence numbers stamped by the server start at 1; 0 means "none". */
function readSeq(dec: decoding.Decoder): number {
	const seq = readUint(dec, 'seq');
	if (seq === 0) fail('bad_frame', 'seq must be at least 1');
	return seq;
}
