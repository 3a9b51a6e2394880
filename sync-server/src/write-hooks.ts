/**
 * The write path's one hook (ARCHITECTURE "Server"): what runs after an update is applied to a
 * loaded document, before it is published. `Rooms` takes a list of hooks and calls each, in
 * list order, for every update it applies: a client's, a server change, another process's
 * (`remoteUpdate`, `resync`) and the stored rows a room catches up on.
 *
 * Implemented today by the access index (`visibility.ts`: the contact's access, the directory),
 * the hub (GRANT/REVOKE, closes; after the access index, whose change it reads), the channels'
 * thread watch (outgoing messages) and the snooze scheduler (wake-ups); by workflows tomorrow.
 *
 * Contract: a hook is synchronous, must not throw, and only reads the document. It may keep an
 * observer on `doc.ydoc` (the channels' watch does); a change it wants to make goes through
 * `Rooms.applyServerChange`, queued behind the write that called it.
 */
import type { ContactDoc, YDoc } from '../../src/lib/doc';
import type { DocId } from '../../src/lib/domain/types';

/** A loaded document, as the hooks see it: to read, never to write. */
export interface DocView {
	readonly docId: DocId;
	/** The live Y.Doc (read it or observe it; never write it from a hook). */
	readonly ydoc: YDoc;
	/** The seq of the newest update applied to the document (at least the update's). */
	readonly seq: number;
	/** The document read as a contact (made once per document; contact documents only). */
	readonly contact: ContactDoc;
}

/** One applied update. */
export interface AppliedUpdate {
	readonly docId: DocId;
	/** The update's own seq in the workspace's log. */
	readonly seq: number;
	readonly update: Uint8Array;
	/** The document after the update. */
	readonly doc: DocView;
}

export interface WriteHook {
	afterApply(applied: AppliedUpdate): void;
}
