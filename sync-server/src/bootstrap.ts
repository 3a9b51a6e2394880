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
import { readFile, rename, writeFile } from 'node:fs/promises';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { contactDoc, summarize, type YDoc } from '../../src/lib/doc';
import { parseDocId } from '../../src/lib/domain/ids';
import type { ContactSummary, DocId } from '../../src/lib/domain/types';
import { decodePayload, encodePayload, type BootstrapText } from '../../src/lib/protocol/bootstrap';
import { encodeSummary } from '../../src/lib/protocol/summary';
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
	rooms: Pick<Rooms, 'view' | 'readStored'>;
	/** Every contact document id of the workspace (the access index). */
	contactDocIds(): Iterable<DocId>;
	log?(message: string): void;
	/**
	 * Where the snapshot is kept between starts (a file in the data folder, SQLite only): read at
	 * start, then only documents written since are read again; written after a build and at close.
	 */
	file?: string;
	/** Written in the file and checked when it is read (a file of another workspace is ignored). */
	workspaceId?: string;
}

/**
 * Version of the snapshot file's layout. 2: summaries in their compact wire form
 * (`protocol/summary.ts`). A file of version 1 (summaries as JSON objects) is read and its
 * summaries re-encoded (about a second at 50,000, instead of decoding every document), then
 * saved as version 2; a file of any other version is ignored and the snapshot built again.
 */
export const FILE_VERSION = 2;
/** The layout before the compact summaries: its summary payloads are JSON `ContactSummary` objects. */
const FILE_VERSION_JSON = 1;

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
	return { summary: encodeSummary(summary), text: encodePayload(rows) };
}

/**
 * Writes a snapshot file (the one home of its layout, read back by `BootstrapIndex`): the entries
 * given must reflect their documents as stored up to `head`. Written to a temporary file renamed
 * over the old one. The seed writes it directly from the documents it builds (`workspace.ts`),
 * so a seeded store's first start decodes nothing again.
 */
export async function writeSnapshotFile(file: string, workspaceId: string, head: number, entries: ReadonlyArray<readonly [DocId, BootstrapEntry]>): Promise<void> {
	const enc = encoding.createEncoder();
	encoding.writeVarUint(enc, FILE_VERSION);
	encoding.writeVarString(enc, workspaceId);
	encoding.writeVarUint(enc, head);
	encoding.writeVarUint(enc, entries.length);
	for (const [id, e] of entries) {
		encoding.writeVarString(enc, id);
		encoding.writeVarUint(enc, e.seq);
		encoding.writeVarUint8Array(enc, e.summary);
		encoding.writeVarUint8Array(enc, e.text);
	}
	await writeFile(`${file}.tmp`, encoding.toUint8Array(enc));
	await rename(`${file}.tmp`, file);
}

/** Whether the snapshot file at `file` is of the current layout (false when missing or older: a start reads it and saves it again). */
export async function snapshotFileCurrent(file: string): Promise<boolean> {
	try {
		const bytes = new Uint8Array(await readFile(file));
		return bytes.length > 0 && decoding.readVarUint(decoding.createDecoder(bytes)) === FILE_VERSION;
	} catch {
		return false;
	}
}

export class BootstrapIndex implements WriteHook {
	readonly #deps: BootstrapDeps;
	readonly #entries = new Map<DocId, BootstrapEntry>();
	/** Written since their entry was made (or never read): read again when served. */
	readonly #dirty = new Map<DocId, number>();
	#sorted: DocId[] | null = null;
	#built: Promise<void> | null = null;
	#stopped = false;
	/** The file read was of an older layout: saved again once built. */
	#resave = false;
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
		const loaded = await this.#loadFile();
		const ids = [...this.#deps.contactDocIds()];
		let t0 = performance.now();
		for (const id of ids) {
			if (this.#stopped) return;
			// Missing, or written since the file was saved (the seed's file, then the first start's writes): read now.
			if (!this.#entries.has(id) || this.#dirty.has(id)) await this.#read(id);
			if (performance.now() - t0 > BUILD_SLICE_MS) {
				await new Promise<void>((r) => setImmediate(r));
				t0 = performance.now();
			}
		}
		this.buildMs = performance.now() - started;
		this.built = true;
		this.#deps.log?.(`bootstrap snapshot: ${this.#entries.size} contacts in ${Math.round(this.buildMs)} ms${loaded ? ` (${loaded} from ${this.#deps.file})` : ''}`);
		if (!this.#stopped && (loaded < ids.length || this.#resave)) await this.save();
	}

	/**
	 * Writes the entries that are current (not written since they were read) with the head seq,
	 * to a temporary file renamed over the old one. Documents left out are read at the next start.
	 */
	async save(): Promise<void> {
		const file = this.#deps.file;
		if (!file) return;
		const head = await this.#deps.store.headSeq();
		const current = [...this.#entries].filter(([id]) => !this.#dirty.has(id));
		await writeSnapshotFile(file, this.#deps.workspaceId ?? '', head, current);
	}

	/** Reads the file of an earlier start; documents written since its head seq are marked dirty. */
	async #loadFile(): Promise<number> {
		const file = this.#deps.file;
		if (!file) return 0;
		let bytes: Uint8Array;
		try {
			bytes = new Uint8Array(await readFile(file));
		} catch {
			return 0;
		}
		try {
			const dec = decoding.createDecoder(bytes);
			const version = decoding.readVarUint(dec);
			if (version !== FILE_VERSION && version !== FILE_VERSION_JSON) return 0;
			if (decoding.readVarString(dec) !== (this.#deps.workspaceId ?? '')) return 0;
			const head = decoding.readVarUint(dec);
			// A store older than the file (restored from a backup): the file cannot be trusted.
			if (head > (await this.#deps.store.headSeq())) return 0;
			const n = decoding.readVarUint(dec);
			for (let i = 0; i < n; i++) {
				const id = decoding.readVarString(dec) as DocId;
				const seq = decoding.readVarUint(dec);
				const summary = decoding.readVarUint8Array(dec);
				const text = decoding.readVarUint8Array(dec);
				if (this.#entries.has(id)) continue;
				if (version === FILE_VERSION) this.#entries.set(id, { seq, summary: summary.slice(), text: text.slice() });
				else {
					// An older file: the summary re-encoded (an entry that does not parse is read again from its document).
					const old = decodePayload(summary);
					if (typeof old === 'object' && old !== null && !Array.isArray(old)) this.#entries.set(id, { seq, summary: encodeSummary(old as ContactSummary), text: text.slice() });
				}
			}
			if (version !== FILE_VERSION) this.#resave = true;
			for (const c of await this.#deps.store.changedSince(head)) if (parseDocId(c.docId)?.kind === 'contact') this.#dirty.set(c.docId, c.seq);
			this.#sorted = null;
			return n;
		} catch (err) {
			this.#deps.log?.(`bootstrap snapshot file unreadable, rebuilding: ${String(err)}`);
			this.#entries.clear();
			return 0;
		}
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
