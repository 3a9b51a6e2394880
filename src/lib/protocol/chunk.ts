/**
 * Chunked transfers: a server frame larger than `MAX_CHUNK_BYTES` (in practice the sync step 2
 * of a large document, or a WELCOME listing very many documents) is encoded whole, then cut
 * into CHUNK frames sent back to back on the same socket:
 *
 *   CHUNK  s -> c  docId, transferId, index, total, bytes
 *
 * `transferId` is unique among the open transfers of one connection; `index` runs 0..total-1
 * in order (a WebSocket is ordered, so a gap is a protocol error, not a reordering); `bytes`
 * are never empty. The receiver's `ChunkAssembler` concatenates the pieces and yields the
 * inner frame's bytes, which `decodeTransfer` decodes (that frame may be up to
 * `MAX_TRANSFER_BYTES`, must not itself be a CHUNK, and concerns `docId`; session frames that
 * name no document travel under `dir`). The assembler bounds what a peer can make it buffer.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { DocId } from '../domain/types';
import { fail, within } from './errors';
import { MAX_CHUNK_BYTES, MAX_CONCURRENT_TRANSFERS, MAX_TRANSFER_BYTES } from './limits';
import { readBytes, readDocId, readUint } from './wire';

export const MSG_CHUNK = 20;

export interface ChunkMessage {
	type: 'chunk';
	docId: DocId;
	transferId: number;
	index: number;
	total: number;
	bytes: Uint8Array;
}

export function writeChunk(enc: encoding.Encoder, chunk: Omit<ChunkMessage, 'type'>): void {
	encoding.writeVarUint(enc, MSG_CHUNK);
	encoding.writeVarString(enc, chunk.docId);
	encoding.writeVarUint(enc, chunk.transferId);
	encoding.writeVarUint(enc, chunk.index);
	encoding.writeVarUint(enc, chunk.total);
	encoding.writeVarUint8Array(enc, chunk.bytes);
}

export function readChunk(dec: decoding.Decoder, maxChunkBytes: number = MAX_CHUNK_BYTES): ChunkMessage {
	const docId = readDocId(dec);
	return within({ docId }, () => {
		const transferId = readUint(dec, 'transfer id');
		const index = readUint(dec, 'chunk index');
		const total = readUint(dec, 'chunk total');
		if (total === 0 || index >= total) fail('bad_frame', `chunk ${index} of ${total}`);
		const bytes = readBytes(dec, 'chunk', maxChunkBytes, 1);
		return { type: 'chunk', docId, transferId, index, total, bytes };
	});
}

/** Cuts the bytes of one encoded frame into chunks of at most `maxChunkBytes`. */
export function splitIntoChunks(
	docId: DocId,
	transferId: number,
	frame: Uint8Array,
	maxChunkBytes: number = MAX_CHUNK_BYTES
): ChunkMessage[] {
	if (!Number.isSafeInteger(maxChunkBytes) || maxChunkBytes < 1) throw new RangeError('maxChunkBytes must be a positive integer');
	if (frame.length === 0) throw new RangeError('nothing to split');
	const total = Math.ceil(frame.length / maxChunkBytes);
	const chunks: ChunkMessage[] = [];
	for (let index = 0; index < total; index++) {
		const bytes = frame.slice(index * maxChunkBytes, (index + 1) * maxChunkBytes);
		chunks.push({ type: 'chunk', docId, transferId, index, total, bytes });
	}
	return chunks;
}

export type ChunkErrorCode =
	/** The transfer would exceed `maxTotalBytes`, or one chunk `maxChunkBytes`. */
	| 'too_large'
	/** More transfers open at once than `maxConcurrentTransfers`. */
	| 'too_many_transfers'
	/** Out of order, a changed total or doc id, a transfer opened twice or never opened. */
	| 'bad_chunk';

export interface ChunkError {
	code: ChunkErrorCode;
	message: string;
	docId: DocId;
	transferId: number;
}

export type ChunkResult =
	| { status: 'partial' }
	| { status: 'complete'; docId: DocId; transferId: number; bytes: Uint8Array }
	| { status: 'error'; error: ChunkError };

export interface ChunkAssemblerLimits {
	/** Largest reassembled frame. Default `MAX_TRANSFER_BYTES`. */
	maxTotalBytes?: number;
	/** Transfers open at once. Default `MAX_CONCURRENT_TRANSFERS`. */
	maxConcurrentTransfers?: number;
	/** Largest single chunk. Default `MAX_CHUNK_BYTES`. */
	maxChunkBytes?: number;
}

interface Transfer {
	docId: DocId;
	total: number;
	parts: Uint8Array[];
	bytes: number;
}

/**
 * Reassembles the chunked transfers of one connection. A failed transfer is dropped (its
 * memory freed) and reported once; the caller decides whether to close the connection.
 */
export class ChunkAssembler {
	readonly #transfers = new Map<number, Transfer>();
	readonly #maxTotalBytes: number;
	readonly #maxConcurrent: number;
	readonly #maxChunkBytes: number;

	constructor(limits: ChunkAssemblerLimits = {}) {
		this.#maxTotalBytes = limits.maxTotalBytes ?? MAX_TRANSFER_BYTES;
		this.#maxConcurrent = limits.maxConcurrentTransfers ?? MAX_CONCURRENT_TRANSFERS;
		this.#maxChunkBytes = limits.maxChunkBytes ?? MAX_CHUNK_BYTES;
	}

	/** Transfers started and not yet complete. */
	get openTransfers(): number {
		return this.#transfers.size;
	}

	/** Bytes held by open transfers. */
	get bufferedBytes(): number {
		let sum = 0;
		for (const t of this.#transfers.values()) sum += t.bytes;
		return sum;
	}

	accept(chunk: ChunkMessage): ChunkResult {
		const { docId, transferId, index, total, bytes } = chunk;
		const error = (code: ChunkErrorCode, message: string): ChunkResult => {
			this.#transfers.delete(transferId);
			return { status: 'error', error: { code, message, docId, transferId } };
		};
		if (bytes.length === 0 || total < 1 || index >= total) return error('bad_chunk', `chunk ${index} of ${total} with ${bytes.length} bytes`);
		if (bytes.length > this.#maxChunkBytes) return error('too_large', `chunk of ${bytes.length} bytes, more than ${this.#maxChunkBytes}`);
		// Every chunk holds at least one byte, so `total` alone can already prove the transfer too large.
		if (total > this.#maxTotalBytes) return error('too_large', `transfer of ${total} chunks exceeds ${this.#maxTotalBytes} bytes`);

		let transfer = this.#transfers.get(transferId);
		if (index === 0) {
			if (transfer) return error('bad_chunk', `transfer ${transferId} opened twice`);
			if (this.#transfers.size >= this.#maxConcurrent) {
				return { status: 'error', error: { code: 'too_many_transfers', message: `more than ${this.#maxConcurrent} transfers open`, docId, transferId } };
			}
			transfer = { docId, total, parts: [], bytes: 0 };
			this.#transfers.set(transferId, transfer);
		} else if (!transfer) {
			return error('bad_chunk', `chunk ${index} of transfer ${transferId} that was never opened`);
		}
		if (transfer.docId !== docId) return error('bad_chunk', `transfer ${transferId} changed document`);
		if (transfer.total !== total) return error('bad_chunk', `transfer ${transferId} changed its total`);
		if (transfer.parts.length !== index) return error('bad_chunk', `chunk ${index} of transfer ${transferId}, expected ${transfer.parts.length}`);
		if (transfer.bytes + bytes.length > this.#maxTotalBytes) return error('too_large', `transfer ${transferId} exceeds ${this.#maxTotalBytes} bytes`);

		transfer.parts.push(bytes);
		transfer.bytes += bytes.length;
		if (transfer.parts.length < total) return { status: 'partial' };

		this.#transfers.delete(transferId);
		const whole = new Uint8Array(transfer.bytes);
		let at = 0;
		for (const part of transfer.parts) {
			whole.set(part, at);
			at += part.length;
		}
		return { status: 'complete', docId, transferId, bytes: whole };
	}

	/** Drops the open transfers of a document (it was revoked). */
	abort(docId: DocId): void {
		for (const [id, t] of this.#transfers) if (t.docId === docId) this.#transfers.delete(id);
	}

	/** Drops everything (the connection closed). */
	clear(): void {
		this.#transfers.clear();
	}
}
