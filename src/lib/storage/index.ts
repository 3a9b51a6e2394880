/** The client store: import from `$lib/storage`. See store.ts for the contract and its invariants. */
export * from './store';
export { openIdbStore, deleteUserDatabase, DB_VERSION, type IdbStoreOptions } from './idb';
export { createMemoryStore, MemoryBackend } from './memory';
export { databaseName } from './records';
