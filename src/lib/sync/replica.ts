/**
 * The local replica of one user's workspace: the documents in the client store, the ones
 * loaded in memory, their summaries, the pending queue, and the `/sync` connection that keeps
 * them in step with the server. The state classes read it; nothing here knows about Svelte.
 *
 * Invariants:
 * - Local change: written by the doc layer with the `local` origin; the update is stored (log and
 *   pending queue in one transaction) before it is sent; it stays pending until acked.
 * - Remote change (REMOTE_UPDATE, sync step 2): the document is loaded from storage if it is not
 *   in memory, the update applied (`remote` origin), stored, and the summary updated
 *   incrementally; `lastSeq` moves only after the update is stored, and only from CATCHUP_DONE
 *   or a live REMOTE_UPDATE, so a crash never skips an update on the next catch-up.
 * - Revocation: the document leaves memory and storage (state, log, pending, summary, search
 *   rows) and the summary list at once.
 * - Catch-up: HELLO carries the stored `lastSeq`; only documents in WELCOME.changed run sync
 *   step 1/2 (`lastCatchUp` counts them, the test hook for "catch-up costs O(changed)").
 *   Documents not stored here (a first login: all of them) are taken in batches by the intake
 *   (`intake.ts`) instead of one by one; during a bootstrap they are also asked for in batches
 *   (DOCS, answered by DOCS_CHUNK: issue 26). CATCHUP_DONE waits for the intake, for the
 *   summaries it produced to be persisted, and for the catch-up's own writes before `lastSeq`
 *   moves.
 */
import {
	applyUpdate,
	contactDoc,
	createDoc,
	directoryDoc,
	encodeState,
	onUpdate,
	remoteOrigin,
	stateVector,
	storageOrigin,
	watchSummary,
	type YDoc
} from '../doc';
import { DIR_DOC_ID, checkedContactDocId, contactDocId, newId, parseDocId } from '../domain/ids';
import type { ContactId, ContactSummary, Directory, DocId, Entry, Profile } from '../domain/types';
import { PROTOCOL_VERSION, type ServerMessage } from '../protocol';
import {
	BOOTSTRAP_SUMMARIES,
	BOOTSTRAP_TEXT,
	decodePayloads,
	MAX_DOCS_REQUEST,
	readBootstrapText,
	type BootstrapChunkMessage,
	type BootstrapText,
	type DocsChunkMessage
} from '../protocol/bootstrap';
import { decodeSummaries, decodeSummary } from '../protocol/summary';
import type { ClientStore, StoredDoc } from '../storage/store';
import { SyncConnection, type ConnectionOptions, type ConnectionState } from './connection';
import { AwarenessHub } from './awareness';
import { PendingQueue, type EntryPending, type UpdateTag } from './pending';
import { CatchUp, type CatchUpStats } from './catchup';
import { DocIntake } from './intake';
import { DocRegistry } from './registry';
import { SummaryBook } from './summaries';
import { openTabChannel, type TabChannel, type TabMessage } from './tabs';

export type { CatchUpStats } from './catchup';

export interface ReplicaOptions {
	store: ClientStore;
	/** Name shared by the tabs of one database (BroadcastChannel). */
	tabChannel?: string;
	/** Loaded documents kept in memory besides the pinned ones. */
	capacity?: number;
	/** Connection options without the handler (the replica is the handler). */
	connection?: Omit<ConnectionOptions, 'handler'>;
	/**
	 * Issue 26: a catch-up with at least this many documents not stored here (a first login)
	 * starts with the bootstrap (summaries, then searchable text), and the documents follow in
	 * the background. Default 1,000.
	 */
	bootstrapMin?: number;
	/** While true, background document fetching waits (the person is using the page: `IdleGate.busy`). */
	busy?: () => boolean;
	/** Documents of a bootstrap asked for (DOCS) and not answered yet, at most. Default 512. */
	docsWindow?: number;
}

/** Progress of a first login's bootstrap (issue 26). */
export interface OfflineProgress {
	/** `list`: summaries arriving; `text`: searchable text; `documents`: whole documents. */
	phase: 'list' | 'text' | 'documents';
	/** Conversations stored here whole (available offline), of `total` visible ones. */
	done: number;
	total: number;
	/** Summaries (list phase) or texts (text phase) received in this phase. */
	received: number;
}

/** What survives a reload of an unfinished bootstrap (meta `bootstrap`). */
interface BootMeta {
	/** 0 summaries, 1 text, 2 documents. */
	part: number;
	/** Snapshot seq of the chunks stored in this part (0: none yet). */
	seq: number;
	/** Last document id stored in this part. */
	after: string;
}

interface BootRun extends BootMeta {
	/** Documents listed in the catch-up and not stored here yet. */
	notLocal: Set<DocId>;
	total: number;
	received: number;
	/** When the next save of progress is due (epoch ms; see `#bootChunk`). */
	savedAt: number;
	/**
	 * Documents whose summary arrived in this connection's bootstrap: current since (live updates
	 * follow), so their documents are stored without being decoded. A stored summary of an earlier
	 * run may predate writes made while the app was closed: those documents are decoded.
	 */
	summarized: Set<DocId>;
	/** The save of progress in flight (summaries, then the cursor); saves run one after another. */
	saving: Promise<void>;
	/** Summaries received and not yet handed to the summary book, and when they are next. */
	waiting: ContactSummary[];
	tellAt: number;
}

export interface SyncStatus {
	state: ConnectionState;
	/** User actions not acknowledged yet (not updates: see `pending.ts`). */
	unacked: number;
	/** Thread entries written here and not acknowledged yet, with their state. */
	entries: ReadonlyMap<string, EntryPending>;
	catchingUp: boolean;
	lastError: string | null;
	/** The server was updated to another protocol version: the app must be reloaded. */
	outdated?: boolean;
	/** A first login's bootstrap in progress (issue 26), or null. */
	offline?: OfflineProgress | null;
}

const LAST_SEQ = 'lastSeq';
const BOOT_META = 'bootstrap';
/** Bootstrap progress is persisted (summaries snapshot and cursor) at most this often. */
const BOOT_SAVE_MS = 3_000;
/**
 * The list part's progress (a snapshot of every summary so far, cloned on the main thread: 0.3 s
 * at 30,000) is saved after its first chunk and then at most this often: at 50,000 the part
 * takes a few seconds on a fast link, so its one save is the last, after the list is complete; a
 * slow link still saves every few seconds of download (a reload resumes from there).
 */
const BOOT_LIST_SAVE_MS = 8_000;
/** How often a held background fetch checks whether the person stopped using the page. */
const BOOT_TICK_MS = 200;
/**
 * Shortest pause between two batches of bootstrap summaries handed to the list (after the first
 * chunk's, which paints at once): each batch costs a pass over every contact so far (the list's
 * merge, the listeners), and the summaries arrive in contact-id order, so a batch in between
 * only shows a random sample growing. On a fast link at 50,000 the list takes two to four
 * batches, not one per chunk.
 */
const BOOT_TELL_MS = 2_000;
/**
 * Documents of a bootstrap's catch-up asked for and not answered yet: they come in DOCS batches,
 * so the window is wider than a SYNC catch-up's (still bounded: what was asked arrives even if
 * the person starts working meanwhile).
 */
const BOOT_DOCS_WINDOW = 512;
const EMPTY_STATE_VECTOR = stateVector(createDoc());
/** Compact a document's stored log once it holds this many updates. */
const COMPACT_AFTER = 64;
/** First pause before rate-limited updates are sent again, and the longest (see `#retryLater`). */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

export class Replica {
	readonly store: ClientStore;
	readonly registry: DocRegistry;
	readonly pending: PendingQueue;
	readonly summaries: SummaryBook;
	readonly connection: SyncConnection | null;
	readonly clientId = newId();
	/** Presence, typing and draft cursors of the documents (ephemeral, see `awareness.ts`). */
	readonly awareness: AwarenessHub;
	/** Last completed catch-up (test and debug hook). */
	lastCatchUp: CatchUpStats | null = null;
	/**
	 * Issue 26: when each step of a first login happened (ms since the page started) and how long
	 * the browser's own work took, summed by kind; the scale bench prints it (debug hook).
	 */
	readonly bootTimes: Record<string, number> = {};

	readonly #tabs: TabChannel;
	readonly #watchers = new Map<DocId, () => void>();
	readonly #statusListeners = new Set<(s: SyncStatus) => void>();
	readonly #incomingListeners = new Set<(s: ContactSummary) => void>();
	readonly #dirListeners = new Set<(d: Directory) => void>();
	readonly #dotListeners = new Set<(dots: string[]) => void>();
	readonly #threadListeners = new Set<(contactId: ContactId, added: Entry[]) => void>();
	readonly #profileListeners = new Set<(contactId: ContactId, profile: Profile) => void>();
	#status: SyncStatus = { state: 'offline', unacked: 0, entries: new Map(), catchingUp: false, lastError: null };
	#lastSeq = 0;
	/** Serialises stored writes of remote updates and the lastSeq that follows them. */
	#chain: Promise<unknown> = Promise.resolve();
	#catchUp: CatchUp | null = null;
	readonly #intake: DocIntake;
	#flushScheduled = false;
	/** Resend of rate-limited updates (`#retryLater`). */
	#retryTimer: ReturnType<typeof setTimeout> | null = null;
	#retryDelay = RETRY_FIRST_MS;
	#releaseDir: (() => void) | null = null;
	#closed = false;
	#atRisk = new Set<DocId>();
	/** While `edit` runs its write: collects the store promises of the updates it makes. */
	#collect: Promise<unknown>[] | null = null;
	/** While `edit` runs a user action: its id, and the thread entries it added so far. */
	#action: { id: string; entries: string[] } | null = null;
	readonly #bootstrapMin: number;
	readonly #busy: () => boolean;
	readonly #docsWindow: number;
	#boot: BootRun | null = null;
	#bootTicker: ReturnType<typeof setInterval> | null = null;
	/** Live updates of documents not stored here yet: applied once the document is (issue 26). */
	readonly #early = new Map<DocId, Uint8Array[]>();
	/** Callers waiting for a document to be stored here (`contact` of a conversation not local yet). */
	readonly #waiters = new Map<DocId, Array<() => void>>();
	readonly #textListeners = new Set<(contactId: ContactId, rows: BootstrapText) => void>();
	readonly #localListeners = new Set<(contactId: ContactId) => void>();
	#welcomeAt = 0;
	/** Stored writes of catch-up answers not finished yet (`#applyRemote`). */
	readonly #writes = new Set<Promise<void>>();
	/** The documents stored here that the last HELLO listed (read once per connection). */
	#helloKnown: DocId[] | null = null;
	/**
	 * Issue 26: the documents stored here, kept in memory (added as documents are stored, removed
	 * as they are deleted), so a HELLO does not scan the store (a second at 50,000). Null until
	 * known: after a cold open with no unfinished bootstrap it is every summary's document (a
	 * contact's summary is stored after its document), the directory and the documents with
	 * pending updates; otherwise the first HELLO lists the store. After the first catch-up, one
	 * listing of the store in the background adds any document stored without a summary.
	 */
	#known: Set<DocId> | null = null;
	#knownChecked = false;
	/** The lastSeq the last HELLO carried (a reconnect's DOCS ask for the changes after it). */
	#helloSeq = 0;
	/** `since` of the DOCS requests of the current catch-up (0: whole documents, a bootstrap). */
	#docsSince = 0;
	/** Stored documents of the current catch-up asked for in DOCS with `since` (issue 26). */
	#lazy: Set<DocId> | null = null;
	/** A progress update is queued for the end of the current task. */
	#progressSoon = false;
	/** Documents to ask for in the next DOCS request (sent at the end of the current task). */
	#docsAsk: DocId[] = [];

	constructor(opts: ReplicaOptions) {
		this.store = opts.store;
		this.#bootstrapMin = opts.bootstrapMin ?? 1_000;
		this.#busy = opts.busy ?? (() => false);
		this.#docsWindow = opts.docsWindow ?? BOOT_DOCS_WINDOW;
		this.pending = new PendingQueue(opts.store);
		this.summaries = new SummaryBook(opts.store);
		this.registry = new DocRegistry({
			capacity: opts.capacity ?? 200,
			load: (docId) => this.#load(docId),
			onUnload: (docId) => {
				this.#watchers.get(docId)?.();
				this.#watchers.delete(docId);
			}
		});
		this.#intake = new DocIntake({
			store: opts.store,
			summaries: this.summaries,
			registry: this.registry,
			origin: this,
			onStored: () => this.#tabs.post({ t: 'stored' }),
			onDocStored: (docId) => {
				this.#known?.add(docId);
				this.#nowLocal(docId);
			},
			// Issue 26: the bootstrap's summary of a document is current (live updates keep it so):
			// the document is stored as it came, not decoded, which makes the documents phase I/O.
			summaryKnown: (docId) => {
				const parsed = parseDocId(docId);
				return parsed?.kind === 'contact' && this.#boot !== null && this.#boot.notLocal.has(docId) && this.#boot.summarized.has(docId);
			}
		});
		this.#tabs = opts.tabChannel ? openTabChannel(opts.tabChannel, (m) => void this.#fromTab(m)) : { post: () => undefined, close: () => undefined };
		this.pending.subscribe((n) => this.#setStatus({ unacked: n, entries: this.pending.entryStates() }));
		this.awareness = new AwarenessHub({
			send: (docId, update) => (this.connection?.online ? this.connection.send({ type: 'awareness', docId, update }) : false)
		});
		this.connection = opts.connection
			? new SyncConnection({
					...opts.connection,
					handler: {
						hello: () => this.#hello(),
						message: (m) => this.#onMessage(m),
						closed: () => this.#onClosed(),
						state: (state, lastError) => this.#setStatus({ state, lastError, outdated: this.connection?.outdated ?? false })
					}
				})
			: null;
	}

	/** Reads summaries, pending count and lastSeq; the list can paint after this. */
	async open(): Promise<ContactSummary[]> {
		const [list, pending, , , boot] = await Promise.all([
			this.summaries.load(),
			this.store.listPending(),
			this.pending.refresh(),
			this.store.getMeta<number>(LAST_SEQ).then((v) => (this.#lastSeq = v ?? 0)),
			this.store.getMeta<BootMeta>(BOOT_META).catch(() => undefined)
		]);
		this.#atRisk = new Set(pending.map((p) => p.docId));
		// Caught up before and no bootstrap unfinished: every summary stands for a stored document.
		if (this.#lastSeq > 0 && boot === undefined) {
			this.#known = new Set([DIR_DOC_ID, ...list.map((s) => contactDocId(s.id)), ...this.#atRisk]);
		}
		return list;
	}

	/** Loads (and keeps loaded) the directory document. */
	async directory(): Promise<Directory> {
		const doc = await this.registry.get(DIR_DOC_ID);
		if (!this.#releaseDir) this.#releaseDir = this.registry.pin(DIR_DOC_ID);
		return directoryDoc(doc).read();
	}

	/**
	 * Connects, after recomputing the summaries at risk: a summary increment is written a moment
	 * after its update, so a tab closed in between left a stale summary. The documents with
	 * unacknowledged local updates are the ones at risk; loading one recomputes its summary
	 * (O(pending documents), not O(all)). Call after subscribing to summaries: the list has
	 * painted from the stored ones by then, and the fixes arrive as ordinary changes.
	 */
	start(): void {
		const docs = this.#atRisk;
		this.#atRisk = new Set();
		void (async () => {
			for (const docId of docs) {
				if (this.#closed) return;
				if (parseDocId(docId)?.kind === 'contact') await this.registry.get(docId).catch(() => null);
			}
		})();
		this.connection?.start();
	}

	get status(): SyncStatus {
		return this.#status;
	}

	get lastSeq(): number {
		return this.#lastSeq;
	}

	onStatus(fn: (s: SyncStatus) => void): () => void {
		this.#statusListeners.add(fn);
		return () => this.#statusListeners.delete(fn);
	}

	/** A new incoming message arrived live (not during catch-up) for this contact. */
	onIncoming(fn: (s: ContactSummary) => void): () => void {
		this.#incomingListeners.add(fn);
		return () => this.#incomingListeners.delete(fn);
	}

	/**
	 * Entries added to a loaded contact document, from any origin (local, server, another tab);
	 * the search index follows threads with it. Entries already in a document when it loads are
	 * not reported: a listener catches up from the document itself.
	 */
	onThread(fn: (contactId: ContactId, added: Entry[]) => void): () => void {
		this.#threadListeners.add(fn);
		return () => this.#threadListeners.delete(fn);
	}

	/**
	 * A loaded contact document's profile changed, from any origin (a field edited here, in
	 * another tab, by a teammate); search follows custom fields with it (S3.3).
	 */
	onProfile(fn: (contactId: ContactId, profile: Profile) => void): () => void {
		this.#profileListeners.add(fn);
		return () => this.#profileListeners.delete(fn);
	}

	/**
	 * The user's new-message dots (S1.7) are one set for all their tabs: a tab that changes them
	 * tells the others (`shareDots`), which adopt them (`onDots`) without telling anyone back.
	 */
	shareDots(dots: string[]): void {
		this.#tabs.post({ t: 'dots', dots });
	}

	onDots(fn: (dots: string[]) => void): () => void {
		this.#dotListeners.add(fn);
		return () => this.#dotListeners.delete(fn);
	}

	onDirectory(fn: (d: Directory) => void): () => void {
		this.#dirListeners.add(fn);
		return () => this.#dirListeners.delete(fn);
	}

	/**
	 * A contact's document, loaded from storage when not in memory; during a first login's
	 * bootstrap, a document not stored here yet is asked for first, ahead of the others.
	 */
	async contact(id: ContactId): Promise<YDoc> {
		await this.#ensureLocal(contactDocId(id));
		return this.registry.get(contactDocId(id));
	}

	/** Whether the contact's document is stored here (false only during a bootstrap). */
	isLocal(id: ContactId): boolean {
		// Asked for every summary of a first login (search): the id is a summary's, already checked.
		return !this.#boot?.notLocal.has(checkedContactDocId(id));
	}

	/** Searchable text of contacts whose documents are not here yet (bootstrap part 1). */
	onBootstrapText(fn: (contactId: ContactId, rows: BootstrapText) => void): () => void {
		this.#textListeners.add(fn);
		return () => this.#textListeners.delete(fn);
	}

	/** A contact's document was stored here for the first time during a bootstrap. */
	onLocal(fn: (contactId: ContactId) => void): () => void {
		this.#localListeners.add(fn);
		return () => this.#localListeners.delete(fn);
	}

	/**
	 * Runs a local write on a contact's document and resolves once every update it made is
	 * stored (and queued for the server). It counts as one user action in the unsynced count
	 * unless `background` (a read mark: nothing the user would call "my change").
	 */
	async edit<T>(id: ContactId, write: (doc: YDoc) => T, opts: { background?: boolean } = {}): Promise<T> {
		const docId = contactDocId(id);
		await this.#ensureLocal(docId);
		const doc = await this.registry.get(docId);
		const writes: Promise<unknown>[] = [];
		this.#collect = writes;
		this.#action = opts.background ? null : { id: newId(), entries: [] };
		try {
			return write(doc);
		} finally {
			this.#collect = null;
			this.#action = null;
			await Promise.all(writes);
		}
	}

	/** Sends what waits now (the "retry" of an entry that failed), instead of after its pause. */
	retryNow(): void {
		if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
		this.#retryTimer = null;
		this.#retryDelay = RETRY_FIRST_MS;
		if (this.connection?.online) this.#scheduleFlush();
		else this.connection?.nudge(true);
	}

	/** The browser's online/offline events. */
	setNetworkAvailable(up: boolean): void {
		this.connection?.setNetworkAvailable(up);
	}

	/** A sign the network works (tab visible again, an HTTP request succeeded): retry now. */
	nudge(): void {
		this.connection?.nudge();
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		const saving = this.#boot?.saving;
		this.#stopBootTicker();
		for (const id of [...this.#waiters.keys()]) this.#wake(id);
		if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
		this.#retryTimer = null;
		this.connection?.stop();
		this.awareness.dispose();
		this.#releaseDir?.();
		await this.#chain.catch(() => undefined);
		await Promise.all([...this.#writes].map((w) => w.catch(() => undefined)));
		await saving;
		await this.#intake.settled();
		if (await this.summaries.persistBulk()) this.#tabs.post({ t: 'summaries' });
		this.summaries.close();
		this.registry.clear();
		this.#tabs.close();
	}

	// --- documents ---------------------------------------------------------------------------

	async #load(docId: DocId): Promise<YDoc> {
		const stored = await this.store.loadDoc(docId);
		const doc = createDoc(docId);
		applyStored(doc, stored);
		const parsed = parseDocId(docId);
		const offs: Array<() => void> = [];
		offs.push(
			onUpdate(doc, (update, o) => {
				// Anything not from the server or storage is ours to send: an editor binding writing
				// a draft's Y.Text straight away has a null origin.
				if (o?.kind === 'remote' || o?.kind === 'storage') return;
				const action = this.#action;
				const stored = this.#stored(docId, update, action ? { action: action.id, entries: action.entries.splice(0) } : undefined);
				this.#collect?.push(stored);
			})
		);
		if (parsed?.kind === 'contact') {
			const watch = watchSummary(parsed.contactId, doc, (s) => this.#summaryChanged(s));
			offs.push(() => watch.stop());
			const { thread, profile } = contactDoc(doc);
			offs.push(
				profile.observe(() => {
					if (this.#profileListeners.size === 0) return;
					const p = profile.get();
					for (const l of this.#profileListeners) l(parsed.contactId, p);
				}),
				thread.observe((ids) => {
					// Observers run before the document's update event: the action's update is tagged with them.
					this.#action?.entries.push(...ids);
					if (this.#threadListeners.size === 0) return;
					const added = ids.flatMap((id) => thread.get(id) ?? []);
					for (const l of this.#threadListeners) l(parsed.contactId, added);
				})
			);
			if (stored.state !== null || stored.updates.length > 0) this.#summaryChanged(watch.current());
		} else if (parsed?.kind === 'dir') {
			const handler = () => {
				const dir = directoryDoc(doc).read();
				for (const l of this.#dirListeners) l(dir);
			};
			doc.on('afterTransaction', handler);
			offs.push(() => doc.off('afterTransaction', handler));
		}
		this.#watchers.set(docId, () => offs.forEach((f) => f()));
		if (stored.updates.length >= COMPACT_AFTER) {
			void this.store.compactDoc(docId, encodeState(doc), stored.cursor).catch(() => undefined);
		}
		return doc;
	}

	async #stored(docId: DocId, update: Uint8Array, tag?: UpdateTag): Promise<void> {
		await this.pending.add(docId, update, tag);
		this.#known?.add(docId);
		this.#tabs.post({ t: 'update', docId, update });
		this.#tabs.post({ t: 'pending' });
		this.#scheduleFlush();
	}

	#summaryChanged(s: ContactSummary): void {
		if (this.summaries.put(s)) this.#tabs.post({ t: 'summary', summary: s });
	}

	/** Applies a server update: load, apply, store; resolves when stored. */
	#applyRemote(docId: DocId, update: Uint8Array, live: boolean): Promise<void> {
		const run = async () => {
			// A document still in the intake is not stored yet: loading it now would miss its state.
			if (this.#intake.holds(docId)) await this.#intake.settled();
			if (this.#boot?.notLocal.has(docId)) {
				// Not here yet (bootstrap): kept until its document is stored, which is asked for now.
				// Applied to an empty copy, it would make a summary of a few fields.
				const early = this.#early.get(docId) ?? [];
				early.push(update);
				this.#early.set(docId, early);
				this.#catchUp?.prioritize(docId);
				return;
			}
			const doc = await this.registry.get(docId).catch(() => null);
			if (!doc) return;
			const before = live ? this.#lastIncoming(docId) : null;
			applyUpdate(doc, update, remoteOrigin(this));
			const write = this.store.appendUpdate(docId, update).then(() => {
				this.#known?.add(docId);
				this.#tabs.post({ t: 'update', docId, update });
			});
			if (!live) {
				// A catch-up's answers do not wait for each other's write (500 documents after a day
				// away: one IndexedDB transaction each, in order); CATCHUP_DONE waits for them all. A
				// revocation's delete is a later transaction, so it follows the write.
				this.#writes.add(write);
				void write.catch(() => undefined).finally(() => this.#writes.delete(write));
				return;
			}
			await write;
			this.#checkIncoming(docId, before);
		};
		const p = this.#chain.then(run, run);
		this.#chain = p.catch(() => undefined);
		return p;
	}

	#lastIncoming(docId: DocId): number | null {
		const parsed = parseDocId(docId);
		if (parsed?.kind !== 'contact') return null;
		const r = this.summaries.get(parsed.contactId)?.recentIncomingAt;
		return r && r.length > 0 ? r[r.length - 1]! : null;
	}

	#checkIncoming(docId: DocId, before: number | null): void {
		const parsed = parseDocId(docId);
		if (parsed?.kind !== 'contact') return;
		const s = this.summaries.get(parsed.contactId);
		const r = s?.recentIncomingAt;
		const after = r && r.length > 0 ? r[r.length - 1]! : null;
		if (s && after !== null && (before === null || after > before)) for (const l of this.#incomingListeners) l(s);
	}

	/** Deletes a document everywhere on this device (revoked, or reset after a rejection). */
	async #removeLocal(docId: DocId): Promise<void> {
		this.#intake.discard(docId);
		this.#early.delete(docId);
		if (this.#boot?.notLocal.delete(docId)) {
			this.#boot.total--;
			this.#bootProgress();
		}
		this.#wake(docId);
		this.registry.drop(docId);
		// Out of the known set before the delete (a HELLO meanwhile does not name it) and after it
		// (a write that landed during the delete added it back).
		this.#known?.delete(docId);
		await this.store.deleteDoc(docId);
		this.#known?.delete(docId);
		const parsed = parseDocId(docId);
		const contactId = parsed?.kind === 'contact' ? parsed.contactId : null;
		if (contactId) this.summaries.forget(contactId);
		await this.pending.refresh();
		this.#tabs.post({ t: 'removed', docId, contactId });
		this.#tabs.post({ t: 'pending' });
	}

	async #fromTab(m: TabMessage): Promise<void> {
		switch (m.t) {
			case 'update': {
				this.#known?.add(m.docId);
				const doc = this.registry.peek(m.docId);
				if (doc) applyUpdate(doc, m.update, storageOrigin());
				return;
			}
			case 'stored':
				for (const docId of this.registry.ids()) await this.#reread(docId);
				return;
			case 'summary':
				return this.summaries.adopt(m.summary);
			case 'summaries':
				return this.summaries.reload();
			case 'removed':
				this.#known?.delete(m.docId);
				this.registry.drop(m.docId);
				if (m.contactId) this.summaries.forget(m.contactId);
				return;
			case 'pending':
				return this.pending.refresh();
			case 'dots':
				for (const fn of this.#dotListeners) fn(m.dots);
				return;
		}
	}

	/** Applies what storage holds of a loaded document (another tab stored it). */
	async #reread(docId: DocId): Promise<void> {
		const doc = this.registry.peek(docId);
		if (!doc) return;
		applyStored(doc, await this.store.loadDoc(docId));
	}

	// --- connection ----------------------------------------------------------------------------

	async #hello() {
		await this.#chain;
		// Listing the documents held here lets the server name the ones revoked while offline.
		// Issue 26: from memory when the replica knows them (no scan of the store per connection).
		const t0 = performance.now();
		const knownDocs = this.#known ? [...this.#known] : await this.store.listDocIds();
		this.#known ??= new Set(knownDocs);
		this.bootTimes['last HELLO: stored documents listed'] = Math.round(performance.now() - t0);
		this.#helloKnown = knownDocs;
		this.#helloSeq = this.#lastSeq;
		this.bootTimes['last HELLO: sent'] = Math.round(performance.now());
		return { type: 'hello' as const, protocolVersion: PROTOCOL_VERSION, lastSeq: this.#lastSeq, clientId: this.clientId, knownDocs };
	}

	#onMessage(m: ServerMessage): void {
		switch (m.type) {
			case 'welcome':
				this.awareness.connected();
				return void this.#welcome(m.changed, m.revoked, m.full);
			case 'awareness':
				return this.awareness.receive(m.docId, m.update);
			case 'catchup-done':
				return void this.#catchupDone(m.seq);
			case 'bootstrap-chunk':
				return void this.#bootChunk(m);
			case 'docs-chunk':
				return this.#docsChunk(m);
			case 'sync':
				// The server's own step 1 asks for what we have and it lacks. Everything local that
				// the server lacks is in the pending queue (kept until acked, resent on connect), so
				// it is not answered: an unacknowledged step 2 would bypass the queue's ids and count
				// against the server's update rate limit once per synced document.
				if (m.step === 'step1') return;
				if (m.step === 'step2' && this.#catchUp?.answered(m.docId).fresh && (!this.registry.held(m.docId) || this.#boot?.notLocal.has(m.docId))) {
					this.#intake.take(m.docId, m.update);
					return;
				}
				void this.#applyRemote(m.docId, m.update, false);
				return;
			case 'remote-update': {
				const live = this.#catchUp === null;
				void this.#applyRemote(m.docId, m.update, live).then(() => {
					if (live && m.seq > this.#lastSeq) return this.#saveSeq(m.seq);
				});
				return;
			}
			case 'ack':
				this.#retryDelay = RETRY_FIRST_MS;
				void this.pending.ack(m.updateId).then(() => this.#tabs.post({ t: 'pending' }));
				return;
			case 'grant':
				void this.#syncDoc(m.docId);
				return;
			case 'revoke': {
				this.#catchUp?.settle(m.docId);
				void this.#removeLocal(m.docId);
				// Again after what is queued (a bootstrap chunk being stored): nothing of it stays.
				const again = () => this.#removeLocal(m.docId);
				this.#chain = this.#chain.then(again, again).catch(() => undefined);
				return;
			}
			case 'error':
				if (m.docId && (m.code === 'rate_limited' || m.code === 'quota_exceeded')) {
					// The server answers one refusal per window and drops the updates after it silently:
					// everything in flight is released and sent again after the pause.
					if (m.updateId !== undefined) {
						this.pending.resetInflight();
						this.#retryLater();
					}
					this.#catchUp?.retry(m.docId);
				} else if (m.docId) this.#catchUp?.settle(m.docId);
				this.#setStatus({ lastError: m.message });
				if (m.docId && (m.code === 'rejected_update' || m.code === 'forbidden' || m.code === 'unknown_doc')) {
					void this.#reset(m.docId, m.updateId, m.code !== 'rejected_update');
				}
				return;
			default:
				return;
		}
	}

	async #welcome(changed: DocId[], revoked: DocId[], full: boolean): Promise<void> {
		mark(this.bootTimes, 'welcome');
		this.#welcomeAt = performance.now();
		this.bootTimes['last WELCOME: received'] = Math.round(this.#welcomeAt);
		const catchUp = new CatchUp({ changed, revoked: revoked.length, full, intakeFailures: this.#intake.failures });
		this.#catchUp = catchUp;
		this.#setStatus({ catchingUp: true });
		// The documents stored here, as HELLO listed them: listing them again costs a scan of the
		// store (seconds at 50,000). One stored since by another tab is synced whole: harmless.
		const stored = this.#helloKnown ?? (await this.store.listDocIds());
		this.#helloKnown = null;
		const gone = new Set<DocId>(revoked);
		for (const id of revoked) await this.#removeLocal(id);
		if (full) {
			const keep = new Set<DocId>(changed);
			for (const id of stored) {
				if (keep.has(id)) continue;
				gone.add(id);
				await this.#removeLocal(id);
			}
			// Summaries of an unfinished bootstrap have no document: those no longer visible go too.
			for (const s of [...this.summaries.values()]) if (!keep.has(contactDocId(s.id))) await this.#removeLocal(contactDocId(s.id));
		}
		// A document not stored here syncs from an empty state vector without being loaded.
		const local = new Set(stored.filter((id) => !gone.has(id)));
		const fresh = new Set(changed.filter((id) => !local.has(id) && !this.registry.has(id)));
		const meta = await this.store.getMeta<BootMeta>(BOOT_META).catch(() => undefined);
		if (this.#catchUp !== catchUp) return;
		const boot = fresh.size >= this.#bootstrapMin || (meta !== undefined && fresh.size > 0);
		this.#boot = boot
			? {
					part: meta?.part ?? 0,
					seq: meta?.seq ?? 0,
					after: meta?.after ?? '',
					notLocal: new Set([...fresh].filter((id) => id !== DIR_DOC_ID)),
					total: changed.filter((id) => id !== DIR_DOC_ID).length,
					received: 0,
					savedAt: 0,
					waiting: [],
					tellAt: 0,
					saving: Promise.resolve(),
					summarized: new Set()
				}
			: null;
		// A bootstrap's documents come in DOCS batches (issue 26); a document opened meanwhile, and
		// every document of a smaller catch-up, by its own SYNC exchange.
		const batched = this.#boot !== null;
		// A reconnect (issue 26): the stored contact documents that changed come in DOCS batches
		// too, each as the changes since HELLO's lastSeq with its current summary, stored without
		// being decoded. Those loaded here (open: applied live) or with local updates not yet
		// acknowledged (their summary must include them) take the SYNC path.
		const withPending = batched || full || this.#helloSeq === 0 ? null : new Set((await this.store.listPending().catch(() => [])).map((p) => p.docId));
		if (this.#catchUp !== catchUp) return;
		this.#lazy = withPending
			? new Set(changed.filter((id) => local.has(id) && parseDocId(id)?.kind === 'contact' && !this.registry.held(id) && !withPending.has(id)))
			: null;
		this.#docsSince = this.#lazy !== null && this.#lazy.size > 0 ? this.#helloSeq : 0;
		if (batched || this.#docsSince > 0) catchUp.resize(this.#docsWindow);
		const lazy = this.#lazy;
		catchUp.begin(
			fresh,
			(id, isFresh, urgent) => {
				if (isFresh && batched && !urgent && id !== DIR_DOC_ID) this.#askDocs(id);
				else if (isFresh) this.connection?.send({ type: 'sync', docId: id, step: 'step1', stateVector: EMPTY_STATE_VECTOR });
				else if (!urgent && lazy?.has(id) && !this.registry.held(id)) this.#askDocs(id);
				else void this.#syncDoc(id, true);
			},
			() => this.#holdDocs()
		);
		if (this.#boot) {
			mark(this.bootTimes, 'bootstrap asked');
			if (meta === undefined) await this.store.setMeta(BOOT_META, { part: 0, seq: 0, after: '' } satisfies BootMeta).catch(() => undefined);
			catchUp.prioritize(DIR_DOC_ID);
			for (const id of this.#waiters.keys()) catchUp.prioritize(id);
			this.#bootAsk();
			this.#startBootTicker();
			this.#bootProgress();
		}
		this.#scheduleFlush();
	}

	// --- bootstrap (issue 26) ------------------------------------------------------------------

	/** Fresh documents wait while the bootstrap's parts arrive, and while the person uses the page. */
	#holdDocs(): boolean {
		return this.#boot !== null && (this.#boot.part < 2 || this.#busy());
	}

	/** Asks for the current part from its cursor; the documents part needs no asking. */
	#bootAsk(): void {
		const b = this.#boot;
		if (!b || b.part >= 2) return;
		this.connection?.send({ type: 'bootstrap', part: b.part === 0 ? BOOTSTRAP_SUMMARIES : BOOTSTRAP_TEXT, seq: b.seq, after: b.after });
	}

	#startBootTicker(): void {
		if (this.#bootTicker !== null) return;
		this.#bootTicker = setInterval(() => {
			if (!this.#boot) return this.#stopBootTicker();
			if (!this.#holdDocs()) this.#catchUp?.pump();
		}, BOOT_TICK_MS);
	}

	#stopBootTicker(): void {
		if (this.#bootTicker !== null) clearInterval(this.#bootTicker);
		this.#bootTicker = null;
	}

	/** One chunk of the bootstrap: stored in order with remote updates and revocations. */
	#bootChunk(m: BootstrapChunkMessage): Promise<void> {
		mark(this.bootTimes, `part ${m.part}: first chunk received`);
		const run = async () => {
			const b = this.#boot;
			if (!b || m.part !== b.part) return;
			const t0 = performance.now();
			const fresh: ContactSummary[] = [];
			// A document stored here meanwhile has its own summary and search entries.
			const wanted: Array<{ contactId: ContactId; payload: Uint8Array }> = [];
			for (const it of m.items) {
				const parsed = parseDocId(it.docId);
				if (parsed?.kind === 'contact' && b.notLocal.has(it.docId)) wanted.push({ contactId: parsed.contactId, payload: it.payload });
			}
			// One decode for the chunk, not one per item (issue 26).
			const payloads = wanted.map((w) => w.payload);
			const values = m.part === BOOTSTRAP_SUMMARIES ? decodeSummaries(payloads) : decodePayloads(payloads);
			for (let i = 0; i < wanted.length; i++) {
				const { contactId } = wanted[i]!;
				const value = values[i];
				if (m.part === BOOTSTRAP_SUMMARIES) {
					if (isSummary(value, contactId)) fresh.push(value);
				} else {
					const rows = readBootstrapText(value);
					for (const l of this.#textListeners) l(contactId, rows);
				}
			}
			spent(this.bootTimes, `part ${m.part}: decode (sum)`, t0);
			b.received += m.items.length;
			b.waiting.push(...fresh);
			const last = m.items[m.items.length - 1]?.docId;
			if (last !== undefined && last > b.after) b.after = last;
			if (b.seq === 0) b.seq = m.seq;
			const now = Date.now();
			const save = m.done || now >= b.savedAt;
			// Summaries join the book (and the list) in batches: at most every BOOT_TELL_MS or 4x
			// the time the listeners took last, so a 50k list is not updated once per chunk.
			const t1 = performance.now();
			if (save || now >= b.tellAt) await this.#tellBootSummaries(b);
			spent(this.bootTimes, `part ${m.part}: list updates (sum)`, t1);
			if (m.done) {
				// The part is whole in memory (the list has every row): the next part is asked for,
				// and the progress moves on, now; what this one brought is stored below, before the
				// cursor says so (the chain holds the next part's chunks until then).
				mark(this.bootTimes, `part ${m.part}: done`);
				b.part++;
				b.seq = 0;
				b.after = '';
				b.received = 0;
				if (this.#boot === b) {
					this.#bootAsk();
					if (b.part >= 2) this.#catchUp?.pump();
					this.#bootProgress();
				}
			}
			if (save) {
				// The summaries first, then the cursor: a cursor past summaries not stored would
				// skip them after a reload. A save on the way runs beside the next chunks (it is
				// a snapshot of every summary: seconds at 50k); the last one is waited for.
				const cursor: BootMeta = { part: b.part, seq: b.seq, after: b.after };
				const persist = m.part === BOOTSTRAP_SUMMARIES;
				b.savedAt = Infinity;
				const saving = b.saving.then(async () => {
					const started = Date.now();
					const t2 = performance.now();
					if (persist && (await this.summaries.persistBulk())) this.#tabs.post({ t: 'summaries' });
					spent(this.bootTimes, `part ${m.part}: stored (sum)`, t2);
					if (this.#boot === b) await this.store.setMeta(BOOT_META, cursor).catch(() => undefined);
					// The next save waits at least 4x as long as this one took: a snapshot of every
					// summary costs O(contacts), so saving at a fixed pace would be quadratic at 50k.
					b.savedAt = Date.now() + Math.max(persist ? BOOT_LIST_SAVE_MS : BOOT_SAVE_MS, 4 * (Date.now() - started));
				});
				b.saving = saving.catch(() => undefined);
				if (m.done) await saving;
			}
			this.#bootProgress();
		};
		const p = this.#chain.then(run, run);
		this.#chain = p.catch(() => undefined);
		return p;
	}

	/** Queues `docId` for the next DOCS request, sent once the current task is done. */
	#askDocs(docId: DocId): void {
		this.#docsAsk.push(docId);
		if (this.#docsAsk.length > 1) return;
		queueMicrotask(() => {
			const ids = this.#docsAsk;
			this.#docsAsk = [];
			const since = this.#docsSince > 0 ? { since: this.#docsSince } : {};
			for (let i = 0; i < ids.length; i += MAX_DOCS_REQUEST) this.connection?.send({ type: 'docs', ids: ids.slice(i, i + MAX_DOCS_REQUEST), ...since });
		});
	}

	/**
	 * One chunk of whole documents (DOCS_CHUNK): each one this catch-up asked for and still wants
	 * goes to the intake, stored as it came (its bootstrap summary is current) in one write with
	 * the others; one no longer wanted (revoked meanwhile: settled) is dropped, not a byte stored.
	 */
	#docsChunk(m: DocsChunkMessage): void {
		mark(this.bootTimes, 'documents: first chunk received');
		for (const id of m.skipped) this.#catchUp?.settle(id);
		for (const it of m.items) {
			const answer = this.#catchUp?.answered(it.docId);
			if (!answer?.ours) continue;
			if (answer.fresh && (!this.registry.held(it.docId) || this.#boot?.notLocal.has(it.docId))) this.#intake.take(it.docId, it.update);
			else if (!answer.fresh && this.#lazy?.has(it.docId)) {
				// A reconnect's changes with the server's summary: appended as they came, not decoded
				// (a document opened meanwhile gets them applied by the intake, and its own summary).
				const parsed = parseDocId(it.docId);
				const summary = it.summary && parsed?.kind === 'contact' ? decodeSummary(it.summary) : undefined;
				if (parsed?.kind === 'contact' && isSummary(summary, parsed.contactId)) this.#intake.take(it.docId, it.update, summary);
				else void this.#applyRemote(it.docId, it.update, false);
			} else void this.#applyRemote(it.docId, it.update, false);
		}
	}

	/** Hands the bootstrap summaries waiting to the summary book (and so to the list). */
	async #tellBootSummaries(b: BootRun): Promise<void> {
		// The summaries' ids were checked against their document ids (`isSummary`).
		const list = b.waiting.filter((s) => b.notLocal.has(checkedContactDocId(s.id)));
		b.waiting = [];
		for (const s of list) b.summarized.add(checkedContactDocId(s.id));
		const t = performance.now();
		if (list.length > 0) {
			this.summaries.putMany(list);
			// Listeners run in the microtask the book queued: their time is measured here.
			await Promise.resolve();
		}
		b.tellAt = Date.now() + Math.max(BOOT_TELL_MS, 4 * (performance.now() - t));
	}

	/** A document listed in the catch-up is stored here now. */
	#nowLocal(docId: DocId): void {
		const b = this.#boot;
		if (!b?.notLocal.delete(docId)) return;
		const parsed = parseDocId(docId);
		if (parsed?.kind === 'contact') for (const l of this.#localListeners) l(parsed.contactId);
		const early = this.#early.get(docId);
		this.#early.delete(docId);
		for (const u of early ?? []) void this.#applyRemote(docId, u, false);
		this.#wake(docId);
		// Once per batch stored, not once per document (a chunk stores dozens at once).
		if (this.#progressSoon) return;
		this.#progressSoon = true;
		queueMicrotask(() => {
			this.#progressSoon = false;
			this.#bootProgress();
		});
	}

	#ensureLocal(docId: DocId): Promise<void> {
		if (!this.#boot?.notLocal.has(docId) || this.#closed) return Promise.resolve();
		const p = new Promise<void>((resolve) => {
			const list = this.#waiters.get(docId) ?? [];
			list.push(resolve);
			this.#waiters.set(docId, list);
		});
		this.#catchUp?.prioritize(docId);
		return p;
	}

	#wake(docId: DocId): void {
		const list = this.#waiters.get(docId);
		this.#waiters.delete(docId);
		for (const w of list ?? []) w();
	}

	#bootProgress(): void {
		const b = this.#boot;
		const offline: OfflineProgress | null = b
			? { phase: b.part === 0 ? 'list' : b.part === 1 ? 'text' : 'documents', done: Math.max(0, b.total - b.notLocal.size), total: b.total, received: b.received }
			: null;
		this.#setStatus({ offline });
	}

	/** Sync step 1 of one document (its state vector from storage). */
	async #syncDoc(docId: DocId, orAll = false): Promise<void> {
		const doc = await this.registry.get(docId).catch(() => null);
		// `orAll` (a catch-up, which waits for an answer): unreadable here, ask for all of it.
		if (!doc && !orAll) return;
		this.connection?.send({ type: 'sync', docId, step: 'step1', stateVector: doc ? stateVector(doc) : EMPTY_STATE_VECTOR });
	}

	async #catchupDone(seq: number): Promise<void> {
		await this.#chain;
		await Promise.all([...this.#writes].map((w) => w.catch(() => undefined)));
		await this.#intake.settled();
		const intakeFailed = this.#intake.failures > (this.#catchUp?.intakeFailuresBefore ?? this.#intake.failures);
		if (this.#catchUp) this.lastCatchUp = this.#catchUp.stats;
		this.#catchUp = null;
		this.#lazy = null;
		this.#docsSince = 0;
		mark(this.bootTimes, 'catch-up done');
		this.bootTimes['last catch-up: WELCOME -> done'] = Math.round(performance.now() - this.#welcomeAt);
		if (this.#boot) {
			// Every listed document is here: the bootstrap is over (after a save still on its way).
			await this.#boot.saving;
			this.#boot = null;
			this.#stopBootTicker();
			await this.store.setMeta(BOOT_META, undefined).catch(() => undefined);
			this.#bootProgress();
		}
		if (await this.summaries.persistBulk()) this.#tabs.post({ t: 'summaries' });
		// A document the intake failed to store is synced again by the next catch-up.
		if (seq > this.#lastSeq && !intakeFailed) await this.#saveSeq(seq);
		this.#setStatus({ catchingUp: false });
		await this.summaries.flush();
		this.#checkKnown();
	}

	/**
	 * Once per page, after a catch-up, when the known documents came from the summaries: one
	 * listing of the store adds any document stored without a summary, so the next HELLO names
	 * it (and the server can revoke it).
	 */
	#checkKnown(): void {
		if (this.#knownChecked || this.#closed) return;
		this.#knownChecked = true;
		const known = this.#known;
		if (!known) return;
		void this.store
			.listDocIds()
			.then((ids) => {
				if (this.#known === known) for (const id of ids) known.add(id);
			})
			.catch(() => undefined);
	}

	async #saveSeq(seq: number): Promise<void> {
		// Summaries first: a lastSeq past an update whose summary was never stored would leave
		// that summary stale until the document is opened again.
		await this.summaries.flush();
		this.#lastSeq = Math.max(this.#lastSeq, seq);
		await this.store.setMeta(LAST_SEQ, this.#lastSeq);
	}

	/** The server refused an update or a document: forget it and take the server's state again. */
	async #reset(docId: DocId, updateId: string | undefined, gone: boolean): Promise<void> {
		if (updateId) await this.pending.ack(updateId);
		await this.#removeLocal(docId);
		if (!gone) await this.#syncDoc(docId);
	}

	#onClosed(): void {
		this.awareness.disconnected();
		this.pending.resetInflight();
		this.#catchUp = null;
		this.#lazy = null;
		this.#docsSince = 0;
		// A bootstrap resumes from its stored cursor on the next WELCOME.
		this.#boot = null;
		this.#stopBootTicker();
		this.#setStatus({ catchingUp: false });
	}

	#scheduleFlush(): void {
		if (this.#flushScheduled || !this.connection) return;
		this.#flushScheduled = true;
		queueMicrotask(() => {
			this.#flushScheduled = false;
			if (!this.connection?.online) return;
			void this.pending.flush((docId, updateId, update) => this.connection!.send({ type: 'update', docId, updateId, update }));
		});
	}

	/**
	 * Updates the server refused as over its rate are sent again after a pause, on the same
	 * connection (before, they waited for the next reconnect and the unsynced count stayed up).
	 * The pause doubles while refusals continue and is back to its first length after an ack.
	 */
	#retryLater(): void {
		if (this.#retryTimer !== null || this.#closed) return;
		const delay = this.#retryDelay;
		this.#retryDelay = Math.min(this.#retryDelay * 2, RETRY_MAX_MS);
		this.#retryTimer = setTimeout(() => {
			this.#retryTimer = null;
			this.#scheduleFlush();
		}, delay);
	}

	#setStatus(patch: Partial<SyncStatus>): void {
		this.#status = { ...this.#status, ...patch };
		if (patch.state === 'online') this.#scheduleFlush();
		for (const l of this.#statusListeners) l(this.#status);
	}
}

/** Records the first time `what` happened (ms since the page started). */
function mark(times: Record<string, number>, what: string): void {
	times[what] ??= Math.round(performance.now());
}

/** Adds the milliseconds since `t0` to the running total of `what`. */
function spent(times: Record<string, number>, what: string, t0: number): void {
	times[what] = Math.round(((times[what] ?? 0) + performance.now() - t0) * 10) / 10;
}

/** Applies a document's stored state and updates to its in-memory copy, in one transaction. */
function applyStored(doc: YDoc, stored: StoredDoc): void {
	const origin = storageOrigin();
	doc.transact(() => {
		if (stored.state) applyUpdate(doc, stored.state, origin);
		for (const u of stored.updates) applyUpdate(doc, u, origin);
	}, origin);
}

/** A bootstrap summary as the server encodes it (`summarize`), for the contact it is filed under. */
function isSummary(value: unknown, id: ContactId): value is ContactSummary {
	if (typeof value !== 'object' || value === null) return false;
	const v = value as Record<string, unknown>;
	return v.id === id && typeof v.firstName === 'string' && typeof v.lastName === 'string' && typeof v.updatedAt === 'number' && typeof v.status === 'string' && Array.isArray(v.recentIncomingAt);
}
