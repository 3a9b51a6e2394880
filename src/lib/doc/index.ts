/**
 * The document layer: the only code that imports yjs. Everything else reads and writes
 * documents through these wrappers and moves them as bytes through the encoding helpers.
 */
export * from './schema';
export * from './origins';
export * from './values';
export * from './contact';
export * from './directory';
export * from './summary';
export * from './encoding';
export * from './custom-inboxes';
export * from './update-keys';
