/**
 * How an ERROR ends, shared so that the server closes and the client reacts the same way.
 * Errors about one document or one update (`forbidden`, `unknown_doc`, `rejected_update`,
 * `rate_limited`) leave the connection open: the client drops or resets that one thing. Every
 * other error is followed by a close with the code below; a malformed frame closes only that
 * connection. Codes 4xxx are ours (4000 + the HTTP status they resemble).
 */
import type { ErrorCode } from './session';

/** The server is shutting down: reconnect with backoff. */
export const CLOSE_GOING_AWAY = 1001;
/** Malformed frame, text frame, unknown type, bad doc id: a bug or an attacker (the client retries with backoff). */
export const CLOSE_PROTOCOL_ERROR = 1002;
/**
 * A rule broken by a well-formed frame: a frame before HELLO, a client that reads too slowly; on
 * `/yjs` (which has no ERROR message) also a refused update, a write to `dir`, too many updates.
 * Reconnect with backoff (a stock provider resyncs).
 */
export const CLOSE_POLICY = 1008;
/** A frame or field past its limit. */
export const CLOSE_TOO_LARGE = 1009;
/** The server failed; the client reconnects with backoff. */
export const CLOSE_INTERNAL = 1011;
/**
 * The token expired, or its session ended (logout elsewhere, refresh-token reuse, a password,
 * role or restriction change): refresh the token, then reconnect; when the refresh is refused,
 * the session is over (show the login).
 */
export const CLOSE_UNAUTHORIZED = 4401;
/** The user may no longer use the workspace (deactivated, deleted). Do not reconnect: show the login. */
export const CLOSE_FORBIDDEN = 4403;
/** The user is over a budget (connections, bytes per second, full syncs): reconnect after a long pause. */
export const CLOSE_RATE_LIMITED = 4429;
/** Client and server speak different `PROTOCOL_VERSION`s: reload the app, do not reconnect. */
export const CLOSE_UNSUPPORTED_VERSION = 4426;

/** The close code that follows an ERROR of `code`, or null when the connection stays open. */
export function closeCodeFor(code: ErrorCode): number | null {
	switch (code) {
		case 'bad_frame':
		case 'unknown_type':
		case 'bad_doc_id':
			return CLOSE_PROTOCOL_ERROR;
		case 'too_large':
			return CLOSE_TOO_LARGE;
		case 'unsupported_version':
			return CLOSE_UNSUPPORTED_VERSION;
		case 'unauthorized':
			return CLOSE_UNAUTHORIZED;
		case 'internal':
			return CLOSE_INTERNAL;
		case 'forbidden':
		case 'unknown_doc':
		case 'rejected_update':
		case 'rate_limited':
		case 'quota_exceeded':
			return null;
	}
}

/**
 * What the app does after a close with `closeCode`: `refresh` its token then reconnect (the login
 * when the refresh is refused), `stop` (another protocol version: reload the app), or `retry`
 * with backoff.
 */
export function afterClose(closeCode: number): 'refresh' | 'stop' | 'retry' {
	if (closeCode === CLOSE_UNAUTHORIZED || closeCode === CLOSE_FORBIDDEN) return 'refresh';
	if (closeCode === CLOSE_UNSUPPORTED_VERSION) return 'stop';
	return 'retry';
}
