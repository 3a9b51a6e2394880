/**
 * The registry of loaded Y.Docs: a bounded LRU. A document is decoded from local storage only
 * when needed (opened, or an update for it arrives) and at most `capacity` unpinned documents
 * stay in memory; the least recently used unpinned one is destroyed when the bound is passed.
 * A pinned document (an open conversation) is never evicted. Concurrent `get`s of one id share
 * one load, so a document is never decoded twice nor exists twice in memory: every writer of
 * an id goes through the same Y.Doc.
 */
import type * as Y from 'yjs';
import type { DocId } from '../domain/types';

export interface RegistryOptions {
	capacity: number;
	/** Decodes the document from local storage (an empty document when nothing is stored). */
	load(docId: DocId): Promise<Y.Doc>;
	/** Called when a document leaves memory (after eviction or `drop`), before it is destroyed. */
	onUnload?(docId: DocId, doc: Y.Doc): void;
}

export class DocRegistry {
	/** Insertion order of a Map is the recency order: the first key is the least recently used. */
	readonly #docs = new Map<DocId, Y.Doc>();
	readonly #loading = new Map<DocId, Promise<Y.Doc>>();
	readonly #pins = new Map<DocId, number>();
	/** Bumped by `drop`, so a load that finishes after its id was dropped is discarded. */
	readonly #generation = new Map<DocId, number>();
	readonly #opts: RegistryOptions;
	#loads = 0;

	constructor(opts: RegistryOptions) {
		if (opts.capacity < 1) throw new RangeError('capacity must be at least 1');
		this.#opts = opts;
	}

	get size(): number {
		return this.#docs.size;
	}

	/** Documents decoded from storage since creation (a test and bench counter). */
	get loads(): number {
		return this.#loads;
	}

	has(docId: DocId): boolean {
		return this.#docs.has(docId);
	}

	/** Whether the document is in memory or being loaded. */
	held(docId: DocId): boolean {
		return this.#docs.has(docId) || this.#loading.has(docId);
	}

	/** The loaded document, without loading it; marks it recently used. */
	peek(docId: DocId): Y.Doc | undefined {
		const doc = this.#docs.get(docId);
		if (doc) this.#touch(docId, doc);
		return doc;
	}

	async get(docId: DocId): Promise<Y.Doc> {
		const loaded = this.peek(docId);
		if (loaded) return loaded;
		const inflight = this.#loading.get(docId);
		if (inflight) return inflight;
		const generation = this.#generation.get(docId) ?? 0;
		const p = this.#opts
			.load(docId)
			.then((doc) => {
				this.#loads++;
				if ((this.#generation.get(docId) ?? 0) !== generation) {
					// Dropped while loading (revoked): nobody may hold this copy.
					doc.destroy();
					throw new Error(`document ${docId} was dropped while loading`);
				}
				this.#docs.set(docId, doc);
				this.#evict();
				return doc;
			})
			.finally(() => this.#loading.delete(docId));
		this.#loading.set(docId, p);
		return p;
	}

	/** Keeps a document in memory until the returned function is called. */
	pin(docId: DocId): () => void {
		this.#pins.set(docId, (this.#pins.get(docId) ?? 0) + 1);
		let released = false;
		return () => {
			if (released) return;
			released = true;
			const n = (this.#pins.get(docId) ?? 1) - 1;
			if (n <= 0) this.#pins.delete(docId);
			else this.#pins.set(docId, n);
			this.#evict();
		};
	}

	/** Removes a document from memory now (revoked or wiped), pinned or not. */
	drop(docId: DocId): void {
		this.#generation.set(docId, (this.#generation.get(docId) ?? 0) + 1);
		const doc = this.#docs.get(docId);
		if (!doc) return;
		this.#docs.delete(docId);
		this.#unload(docId, doc);
	}

	/** Loaded document ids, least recently used first. */
	ids(): DocId[] {
		return [...this.#docs.keys()];
	}

	clear(): void {
		for (const id of [...this.#docs.keys()]) this.drop(id);
	}

	#touch(docId: DocId, doc: Y.Doc): void {
		this.#docs.delete(docId);
		this.#docs.set(docId, doc);
	}

	#evict(): void {
		if (this.#docs.size <= this.#opts.capacity) return;
		for (const [id, doc] of this.#docs) {
			if (this.#docs.size <= this.#opts.capacity) break;
			if (this.#pins.has(id)) continue;
			this.#docs.delete(id);
			this.#unload(id, doc);
		}
	}

	#unload(docId: DocId, doc: Y.Doc): void {
		this.#opts.onUnload?.(docId, doc);
		doc.destroy();
	}
}
