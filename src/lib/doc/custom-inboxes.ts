/**
 * The custom-inbox revision in the directory document (SPEC S1.5). Definitions themselves are
 * NOT in any document (a document reaches every member, a definition only those it is shared
 * with): the server keeps them and serves each user theirs over HTTP. What the directory
 * carries is a counter the server bumps on every change of a definition, so every connected
 * client learns at once, through the live directory it already syncs, that it should fetch its
 * list again. The counter tells nothing about what changed or for whom.
 */
import type * as Y from 'yjs';
import { DIRECTORY_ROOTS } from './schema';
import { serverOrigin, type Origin } from './origins';

export const CUSTOM_INBOXES_REV_KEY = 'customInboxesRev';

export function readCustomInboxesRev(ydoc: Y.Doc): number {
	const v = ydoc.getMap<unknown>(DIRECTORY_ROOTS.settings).get(CUSTOM_INBOXES_REV_KEY);
	return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** Sets the revision (server only: the directory is written by the server alone). */
export function writeCustomInboxesRev(ydoc: Y.Doc, rev: number, origin: Origin = serverOrigin()): void {
	ydoc.transact(() => ydoc.getMap<unknown>(DIRECTORY_ROOTS.settings).set(CUSTOM_INBOXES_REV_KEY, rev), origin);
}
