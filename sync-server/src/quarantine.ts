/**
 * Quarantine: defence in depth for a stored document Yjs cannot read back (a poison update
 * stored before validation refused its kind, a damaged row). The validator keeps such updates
 * out (validation/structs.ts); if one got in anyway, it must cost that one document only:
 * - every reader of stored documents (the access index at start, the snooze scheduler, the
 *   channels' watch, the rooms, compaction) builds them with `readStoredDoc`, which catches an
 *   update Yjs throws on and scans the struct store for what Yjs writes but cannot read back
 *   (`checkStructs`, O(structs); compaction and repair, which write a document, check it
 *   thoroughly: re-encoded and loaded in a fresh one), and on failure puts the document here
 *   and skips it instead of throwing through startup or the maintenance loop;
 * - a quarantined document is not loaded, served, compacted or written until repaired; every
 *   other document is served as usual;
 * - it is reported once in the log and listed by `GET /health` (`quarantined`), and repaired by
 *   `npm run repair -- <docId>` (`repair.ts`), which drops the stored updates that break it.
 * The list is per process: a document that reads fine again (repaired) leaves it on its next load.
 */
import * as Y from 'yjs';
import { applyUpdate, createDoc, encodeState, type YDoc } from '../../src/lib/doc';
import type { Origin } from '../../src/lib/doc/origins';
import type { DocId } from '../../src/lib/domain/types';
import { MAX_CLIENT, MAX_CLOCK } from './validation/structs';

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

/**
 * Throws when the struct store holds what Yjs writes but cannot read back (a struct of length
 * 0, a client id or clock past what it encodes). O(structs), no encoding: cheap enough for
 * every load; `checkReadable` is the thorough (O(document) encode and decode) check.
 */
export function checkStructs(ydoc: YDoc): void {
	for (const [client, structs] of ydoc.store.clients) {
		if (client > MAX_CLIENT) throw new Error(`client id ${client} is past 32 bits`);
		const last = structs[structs.length - 1];
		if (last && last.id.clock + last.length > MAX_CLOCK) throw new Error(`client ${client} has clocks past ${MAX_CLOCK}`);
		for (const s of structs) if (!(s.length >= 1)) throw new Error(`struct ${client}:${s.id.clock} has length ${s.length}`);
	}
	const ds = Y.createDeleteSetFromStructStore(ydoc.store);
	for (const [client, ranges] of ds.clients) for (const r of ranges) if (!(r.len >= 1)) throw new Error(`an empty deletion of client ${client}`);
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

export interface ReadOptions {
	/** Where to apply the updates (a room's document, roots ensured); a new one by default. */
	into?: YDoc;
	quarantine?: Quarantine;
	/** Encode and load the result (`checkReadable`) instead of the struct scan (`checkStructs`). */
	thorough?: boolean;
}

/**
 * The document of `docId` built from its stored updates (one transaction), checked readable.
 * Throws UnreadableDocError (after quarantining it when `quarantine` is given) otherwise.
 */
export function readStoredDoc(docId: DocId, updates: readonly Uint8Array[], origin: Origin, opts: ReadOptions = {}): YDoc {
	const ydoc = opts.into ?? createDoc();
	try {
		ydoc.transact(() => {
			for (const u of updates) applyUpdate(ydoc, u, origin);
		}, origin);
		if (opts.thorough) checkReadable(ydoc, origin);
		else checkStructs(ydoc);
		return ydoc;
	} catch (err) {
		ydoc.destroy();
		const reason = err instanceof Error ? err.message : String(err);
		opts.quarantine?.add(docId, reason);
		throw new UnreadableDocError(docId, reason);
	}
}
