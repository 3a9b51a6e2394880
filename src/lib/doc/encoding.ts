/**
 * Thin wrappers over Yjs' update encoding, so the sync, storage and server code can move
 * documents as bytes without importing yjs. Every application of an update names its origin.
 */
import * as Y from 'yjs';
import { asOrigin, type Origin } from './origins';

export type YDoc = Y.Doc;
export type YText = Y.Text;

/**
 * A new, empty document (garbage collection on, as in every replica of ours). `guid` names it
 * (pass the DocId): without one Yjs draws a random UUID, ~30 calls to the crypto RNG per
 * document, which shows when thousands are decoded in a row.
 */
export function createDoc(guid?: string): Y.Doc {
	return guid === undefined ? new Y.Doc() : new Y.Doc({ guid });
}

/** The whole document (or what `since`, a state vector, lacks) as one update. */
export function encodeState(ydoc: Y.Doc, since?: Uint8Array): Uint8Array {
	return Y.encodeStateAsUpdate(ydoc, since);
}

export function applyUpdate(ydoc: Y.Doc, update: Uint8Array, origin: Origin): void {
	Y.applyUpdate(ydoc, update, origin);
}

export function stateVector(ydoc: Y.Doc): Uint8Array {
	return Y.encodeStateVector(ydoc);
}

/** The part of `update` that a replica with state vector `sv` lacks. */
export function diffUpdate(update: Uint8Array, sv: Uint8Array): Uint8Array {
	return Y.diffUpdate(update, sv);
}

export function mergeUpdates(updates: readonly Uint8Array[]): Uint8Array {
	return Y.mergeUpdates([...updates]);
}

export function stateVectorOfUpdate(update: Uint8Array): Uint8Array {
	return Y.encodeStateVectorFromUpdate(update);
}

/** A document built from one or more updates (e.g. a stored snapshot plus increments). */
export function docFromUpdates(updates: readonly Uint8Array[], origin: Origin): Y.Doc {
	const ydoc = createDoc();
	ydoc.transact(() => {
		for (const u of updates) Y.applyUpdate(ydoc, u, origin);
	}, origin);
	return ydoc;
}

/** Calls `cb` with every update the document emits and its origin; returns the unsubscribe. */
export function onUpdate(ydoc: Y.Doc, cb: (update: Uint8Array, origin: Origin | null) => void): () => void {
	const handler = (update: Uint8Array, origin: unknown) => cb(update, asOrigin(origin));
	ydoc.on('update', handler);
	return () => ydoc.off('update', handler);
}
