/**
 * Quarantine: defence in depth for a stored document Yjs cannot read back (a poison update
 * stored before validation refused its kind, a damaged row). The validator keeps such updates
 * out (validation/structs.ts); if one got in anyway, it must cost that one document only:
 * - every reader of stored documents (the access index at start, the snooze scheduler, the
 *   channels' watch, the rooms, compaction) builds them with `readStoredDoc`, which checks that
 *   the state re-encodes and loads in a fresh document, and on failure puts the document here
 *   and skips it instead of throwing through startup or the maintenance loop;
 * - a quarantined document is not loaded, served, compacted or written until repaired; every
 *   other document is served as usual;
 * - it is reported once in the log and listed by `GET /health` (`quarantined`), and repaired by
 *   `npm run repair -- <docId>` (`repair.ts`), which drops the stored updates that break it.
 * The list is per process: a document that reads fine again (repaired) leaves it on its next load.
 */
import { applyUpdate, createDoc, encodeState, type YDoc } from '../../src/lib/doc';
import type { Origin } from '../../src/lib/doc/origins';
import type { DocId } from '../../src/lib/domain/types';

export class UnreadableDocError extends Error {
	constructor(
		readonly docId: DocId,
		readonly reason: string
	) {
		super(`document ${docId} cannot be read back: ${reason}`);
	}
}

export interface QuarantinedDoc {
	docId: DocId;
	reason: string;
	/** When this process found it (ms since the epoch). */
	since: number;
}

export class Quarantine {
	private readonly docs = new Map<DocId, QuarantinedDoc>();

	constructor(private readonly log: (message: string) => void = () => {}) {}

	add(docId: DocId, reason: string): void {
		if (this.docs.has(docId)) return;
		this.docs.set(docId, { docId, reason, since: Date.now() });
		this.log(`quarantined ${docId}: ${reason}; it is not served until repaired (npm run repair -- ${docId})`);
	}

	has(docId: DocId): boolean {
		return this.docs.has(docId);
	}

	/** The document reads fine again (repaired while the server ran). */
	release(docId: DocId): void {
		if (this.docs.delete(docId)) this.log(`${docId} reads fine again; out of quarantine`);
	}

	list(): QuarantinedDoc[] {
		return [...this.docs.values()];
	}

	get size(): number {
		return this.docs.size;
	}
}

/** Throws unless `ydoc`'s state re-encodes and loads in a fresh document. */
export function checkReadable(ydoc: YDoc, origin: Origin): void {
	const fresh = createDoc();
	try {
		applyUpdate(fresh, encodeState(ydoc), origin);
		encodeState(fresh);
	} finally {
		fresh.destroy();
	}
}

/**
 * The document of `docId` built from its stored updates (one transaction), checked readable.
 * Throws UnreadableDocError (after quarantining it when `quarantine` is given) otherwise.
 */
export function readStoredDoc(docId: DocId, updates: readonly Uint8Array[], origin: Origin, quarantine?: Quarantine, into?: YDoc): YDoc {
	const ydoc = into ?? createDoc();
	try {
		ydoc.transact(() => {
			for (const u of updates) applyUpdate(ydoc, u, origin);
		}, origin);
		checkReadable(ydoc, origin);
		return ydoc;
	} catch (err) {
		ydoc.destroy();
		const reason = err instanceof Error ? err.message : String(err);
		quarantine?.add(docId, reason);
		throw new UnreadableDocError(docId, reason);
	}
}
