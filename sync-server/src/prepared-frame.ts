/**
 * Prepared WebSocket frames. A fan-out event goes to up to every connection of a workspace with
 * the same bytes, so its whole WebSocket frame (RFC 6455 section 5.2: FIN, binary opcode, the
 * unmasked payload length, the payload) is built once per event and written to each socket as one
 * buffer. `ws.send` would frame it again for every socket and write header and payload as two
 * corked writes (allocating the header, the write requests and the writev batch each time): most
 * of what a broadcast costs in JavaScript. This is what uWebSockets calls a prepared message.
 *
 * It reaches into `ws` 8 internals (`_socket`, `_sender`, `_extensions`) and writes only when the
 * connection is in the state where `ws` itself would write a frame at once: open, without
 * permessage-deflate or below its threshold, nothing queued in its sender (state DEFAULT) and not inside a fragmented
 * message. In any other state, or if those internals ever change shape, it falls back to
 * `ws.send` with the payload, which is always correct. Server frames are never masked, so the
 * bytes are the same for every recipient.
 */
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';

export interface PreparedFrame {
	/** The payload alone (the fallback path). */
	readonly payload: Buffer;
	/** Header and payload: one complete binary WebSocket frame. */
	readonly frame: Buffer;
}

const OPCODE_BINARY_FIN = 0x82;
/** `Sender`'s state when nothing is being compressed or read (ws 8 `lib/sender.js`). */
const SENDER_IDLE = 0;

/** The complete unmasked binary frame of `payload`. */
export function prepareFrame(payload: Uint8Array): PreparedFrame {
	const length = payload.byteLength;
	const headerBytes = length < 126 ? 2 : length < 65536 ? 4 : 10;
	const frame = Buffer.allocUnsafe(headerBytes + length);
	frame[0] = OPCODE_BINARY_FIN;
	if (length < 126) {
		frame[1] = length;
	} else if (length < 65536) {
		frame[1] = 126;
		frame.writeUInt16BE(length, 2);
	} else {
		frame[1] = 127;
		frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
		frame.writeUInt32BE(length >>> 0, 6);
	}
	frame.set(payload, headerBytes);
	return { payload: frame.subarray(headerBytes), frame };
}

interface WsInternals {
	_socket?: Duplex | null;
	_sender?: { _state?: unknown; _firstFragment?: unknown } | null;
	_extensions?: Record<string, unknown>;
}

/** Sends `prepared` on `ws` (see the module comment for when the frame is written as is). */
export function sendPrepared(ws: WebSocket, prepared: PreparedFrame): void {
	const internals = ws as unknown as WsInternals;
	const sender = internals._sender;
	const socket = internals._socket;
	if (
		ws.readyState === ws.OPEN &&
		socket &&
		sender &&
		sender._state === SENDER_IDLE &&
		sender._firstFragment === true &&
		internals._extensions !== undefined &&
		uncompressedFits(internals._extensions['permessage-deflate'], prepared.payload.length)
	) {
		socket.write(prepared.frame);
		return;
	}
	ws.send(prepared.payload);
}

/**
 * Whether a frame may go uncompressed as is: no permessage-deflate, or a message below its
 * threshold, which `ws` would send uncompressed too (RSV1 clear is a plain message under
 * permessage-deflate, RFC 7692 section 6).
 */
function uncompressedFits(deflate: unknown, length: number): boolean {
	if (deflate === undefined) return true;
	const threshold = (deflate as { _threshold?: unknown })._threshold;
	return typeof threshold === 'number' && length < threshold;
}
