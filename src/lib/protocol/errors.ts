/**
 * Errors of the wire format are values: `decodeFrame` never throws, it answers
 * `{ ok: false, error: ProtocolError }`. Inside the decoder the `read*` functions signal a
 * failure by throwing `ProtocolFailure`, which `frame.ts` turns back into a value; any other
 * exception raised while reading (lib0 on truncated input, TextDecoder on invalid UTF-8) is
 * mapped to `bad_frame` there as well.
 */
import type { DocId } from '../domain/types';

export type ProtocolErrorCode =
	/** Truncated, garbage, trailing bytes, a field outside its grammar. */
	| 'bad_frame'
	/** A message type number this side does not know or may not receive. */
	| 'unknown_type'
	/** A doc id outside the grammar `dir` | `c/<id>`. */
	| 'bad_doc_id'
	/** A frame or a field past its limit (see `limits.ts`). */
	| 'too_large'
	/** A HELLO of another `PROTOCOL_VERSION`; the rest of it is not read. */
	| 'unsupported_version';

export interface ProtocolError {
	code: ProtocolErrorCode;
	/** For a person (logs, the ERROR frame the server answers with). */
	message: string;
	/** The document of the frame, when the decoder got that far; lets the server answer precisely. */
	docId?: DocId;
	/** The update id of an UPDATE frame, when the decoder got that far. */
	updateId?: string;
}

export class ProtocolFailure extends Error {
	constructor(readonly error: ProtocolError) {
		super(error.message);
		this.name = 'ProtocolFailure';
	}
}

export function fail(code: ProtocolErrorCode, message: string): never {
	throw new ProtocolFailure({ code, message });
}

/** Any exception thrown while reading a frame, as a typed error. */
export function toProtocolError(e: unknown): ProtocolError {
	if (e instanceof ProtocolFailure) return e.error;
	const detail = e instanceof Error ? e.message : String(e);
	return { code: 'bad_frame', message: `malformed frame: ${detail}` };
}

/**
 * Runs `read` and tags any failure with the document (and update) it concerns, so that an
 * oversized update can be answered with an ERROR naming its updateId.
 */
export function within<T>(context: { docId?: DocId; updateId?: string }, read: () => T): T {
	try {
		return read();
	} catch (e) {
		const error = { ...toProtocolError(e) };
		if (error.docId === undefined && context.docId !== undefined) error.docId = context.docId;
		if (error.updateId === undefined && context.updateId !== undefined) error.updateId = context.updateId;
		throw new ProtocolFailure(error);
	}
}
