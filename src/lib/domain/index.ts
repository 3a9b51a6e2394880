/** The public API of the product's pure rules; see each module for its invariant. */
export type * from './types';
export * from './ids';
export * from './visibility';
export * from './inboxes';
export * from './dot';
export * from './list';
export * from './unread';
export * from './actions';
export * from './contact-input';
export * from './references';
export * from './filters';
