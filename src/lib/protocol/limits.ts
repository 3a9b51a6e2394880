/**
 * Numbers every peer of `GET /sync` agrees on. The server enforces them on what clients send
 * (and sets `maxPayload` from `MAX_FRAME_BYTES`); the decoder enforces them on every frame, so
 * a value past a limit is a typed `too_large` error and never an allocation.
 */

/** Bumped on any change of the byte layout; a HELLO with another version is refused. */
export const PROTOCOL_VERSION = 2;

/** One WebSocket message (one frame). The server's `maxPayload`. */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** One Yjs update or state vector sent by a client (UPDATE, SYNC). */
export const MAX_UPDATE_BYTES = 256 * 1024;
/** One awareness update sent by a client. */
export const MAX_AWARENESS_BYTES = 2 * 1024;
/** Payload of one CHUNK frame; a server frame larger than this is sent as chunks. */
export const MAX_CHUNK_BYTES = 256 * 1024;
/** A whole chunked transfer once reassembled (the initial state of one large document). */
export const MAX_TRANSFER_BYTES = 64 * 1024 * 1024;
/** Chunked transfers a receiver keeps open at once. */
export const MAX_CONCURRENT_TRANSFERS = 16;
/** Doc ids in one list (WELCOME changed/revoked, HELLO knownDocs). */
export const MAX_DOC_IDS = 1_000_000;
/** A short string field: ids, error codes, revoke reasons. */
export const MAX_ID_BYTES = 128;
/** A human-readable message (ERROR). */
export const MAX_TEXT_BYTES = 4 * 1024;
