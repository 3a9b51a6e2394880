/**
 * The bootstrap snapshot (issue 26): per contact document, what a new device's list and search
 * need, encoded once and kept, so a first login is served by copying bytes instead of decoding
 * every document the user may see.
 *
 * Per contact: its summary (`summarize`, the same function the browser runs) and its searchable
 * rows (`searchRow`, S3.5), as the JSON payloads of BOOTSTRAP_CHUNK (`src/lib/protocol/bootstrap.ts`),
 * and the seq of the newest update they reflect.
 *
 * Invariants:
 * - Built once per process, in the background from start (`build`: every stored contact
 *   document decoded once, a slice at a time, so the server keeps serving), then kept
 *   incrementally: the write hook marks a written document dirty (O(1) per update) and the
 *   next bootstrap that reaches it re-reads it, from its loaded room or from the store. No
 *   login decodes a document that was not written since the last one read it.
 * - An entry reflects its document at least up to the seq it carries; the chunk's `seq` is the
 *   head seq when the answer began. Writes that race an answer reach the client as live
 *   REMOTE_UPDATEs and by the document itself, which follows (the catch-up): the bootstrap is a
 *   preview that the documents replace, never the truth (ARCHITECTURE "Invariants").
 * - Nothing is filtered here: the connection sends an entry only when its user may see the
 *   contact at the moment the chunk is cut (`connection.ts`).
 */
import { contactDoc, summarize, type YDoc } from '../../src/lib/doc';
import { parseDocId } from '../../src/lib/domain/ids';
import type { DocId } from '../../src/lib/domain/types';
import { encodePayload, type BootstrapText } from '../../src/lib/protocol/bootstrap';
import { searchRow } from '../../src/lib/search/indexable';
import type { ChangeFeed } from './persistence/store';
import type { Rooms } from './rooms';
import type { AppliedUpdate, WriteHook } from './write-hooks';

export interface BootstrapEntry {
	/** Seq of the newest update the payloads reflect. */
	seq: number;
	summary: Uint8Array;
	text: Uint8Array;
}

export interface BootstrapDeps {
	store: ChangeFeed;
	rooms: Rooms;
	/** Every contact document id of the workspace (the access index). */
	contactDocIds(): Iterable<DocId>;
	log?(message: string): void;
}

/** Main-thread time per slice of the background build. */
const BUILD_SLICE_MS = 20;

export function bootstrapPayloads(docId: DocId, ydoc: YDoc): { summary: Uint8Array; text: Uint8Array } | null {
	const parsed = parseDocId(docId);
	if (parsed?.kind !== 'contact') return null;
	const summary = summarize(parsed.contactId, ydoc);
	const rows: BootstrapText = [];
	for (const e of contactDoc(ydoc).thread.entries()) {
		const r = searchRow(parsed.contactId, e);
		if (r) rows.push([r.id, r.at, r.kind === 'comment' ? 1 : 0, r.text]);
	}
	return { summary: encodePayload(summary), text: encodePayload(rows) };
}

export class BootstrapIndex implements WriteHook {
	readonly #deps: BootstrapDeps;
	readonly #entries = new Map<DocId, BootstrapEntry>();
	/** Written since their entry was made (or never read): read again when served. */
	readonly #dirty = new Map<DocId, number>();
	#sorted: DocId[] | null = null;
	#built: Promise<void> | null = null;
	#stopped = false;
	/** Build figures (bench and health). */
	buildMs = 0;
	/** Every stored contact has an entry (kept since by the write hook): `seqOf` is exact. */
	built = false;

	constructor(deps: BootstrapDeps) {
		this.#deps = deps;
	}

	get size(): number {
		return this.#entries.size;
	}

	/** Bytes held (payloads), for the bench. */
	get bytes(): number {
		let n = 0;
		for (const e of this.#entries.values()) n += e.summary.length + e.text.length;
		return n;
	}

	afterApply(applied: AppliedUpdate): void {
		if (parseDocId(applied.docId)?.kind !== 'contact') return;
		if (!this.#entries.has(applied.docId) && !this.#dirty.has(applied.docId)) this.#sorted = null;
		this.#dirty.set(applied.docId, applied.seq);
	}

	/** Starts the background build (idempotent); resolves when every stored contact has an entry. */
	build(): Promise<void> {
		return (this.#built ??= this.#build().catch((err: unknown) => {
			this.#deps.log?.(`bootstrap snapshot build failed: ${String(err)}`);
			this.#built = null;
		}));
	}

	async #build(): Promise<void> {
		const started = performance.now();
		const ids = [...this.#deps.contactDocIds()];
		let t0 = performance.now();
		for (const id of ids) {
			if (this.#stopped) return;
			if (!this.#entries.has(id)) await this.#read(id);
			if (performance.now() - t0 > BUILD_SLICE_MS) {
				await new Promise<void>((r) => setImmediate(r));
				t0 = performance.now();
			}
		}
		this.buildMs = performance.now() - started;
		this.built = true;
		this.#deps.log?.(`bootstrap snapshot: ${this.#entries.size} contacts in ${Math.round(this.buildMs)} ms`);
	}

	/** Ends the background build (the server is closing); resolves when it stopped. */
	async stop(): Promise<void> {
		this.#stopped = true;
		await this.#built;
	}

	/** Contact document ids in id order (the order of every answer, so a cursor can resume it). */
	sortedIds(): DocId[] {
		if (!this.#sorted) {
			const all = new Set<DocId>(this.#deps.contactDocIds());
			for (const id of this.#dirty.keys()) all.add(id);
			this.#sorted = [...all].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
		}
		return this.#sorted;
	}

	/** The entry of `docId`, read again first if it was written since; null if unreadable. */
	async entry(docId: DocId): Promise<BootstrapEntry | null> {
		const e = this.#entries.get(docId);
		if (e && !this.#dirty.has(docId)) return e;
		return this.#read(docId);
	}

	/** The seq an entry was last made at, without reading it (resumed answers pick by it). */
	seqOf(docId: DocId): number {
		return Math.max(this.#entries.get(docId)?.seq ?? 0, this.#dirty.get(docId) ?? 0);
	}

	async #read(docId: DocId): Promise<BootstrapEntry | null> {
		const dirtyAt = this.#dirty.get(docId);
		const view = this.#deps.rooms.view(docId);
		let entry: BootstrapEntry | null = null;
		if (view) {
			const p = bootstrapPayloads(docId, view.ydoc);
			if (p) entry = { seq: view.seq, ...p };
		} else {
			const stored = await this.#deps.store.loadDoc(docId);
			const ydoc = stored ? this.#deps.rooms.readStored(docId, stored.updates) : null;
			if (ydoc && stored) {
				const p = bootstrapPayloads(docId, ydoc);
				ydoc.destroy();
				if (p) entry = { seq: stored.seq, ...p };
			}
		}
		if (!entry) return null;
		this.#entries.set(docId, entry);
		// Written again while it was read: stays dirty.
		if (this.#dirty.get(docId) === dirtyAt) this.#dirty.delete(docId);
		return entry;
	}
}
