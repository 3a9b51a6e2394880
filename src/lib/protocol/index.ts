/**
 * The wire format of `GET /sync`, shared by the browser and the server. Each module opens with
 * the part of the protocol it holds: `session.ts` (handshake, catch-up, grants, errors,
 * keepalive), `doc.ts` (per-document Yjs traffic), `chunk.ts` (large transfers), `frame.ts`
 * (one frame = one message; decoding never throws), `close.ts` (how errors end), `limits.ts`.
 * Random messages for tests live in `./arbitrary` (not re-exported here).
 */
export * from './limits';
export { ProtocolFailure, toProtocolError, type ProtocolError, type ProtocolErrorCode } from './errors';
export * from './doc';
export * from './session';
export * from './chunk';
export * from './bootstrap';
export * from './summary';
export * from './frame';
export * from './close';
export { isDocId, isToken, isWord } from './wire';
export * from './awareness';
