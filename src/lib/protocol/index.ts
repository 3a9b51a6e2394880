/** The wire format of `GET /sync`; see each module's opening comment for its part. */
export * from './limits';
export * from './errors';
export * from './doc';
export * from './session';
export * from './chunk';
export * from './frame';
export { isDocId, isToken, isWord } from './wire';
