/**
 * Local search for the UI (SPEC S3.2-S3.7, S9.3): owns the search worker of one open replica,
 * keeps its index in step with what this user may see, persists it, and runs queries.
 *
 * Invariants:
 * - Only the replica feeds the index, and the replica holds only documents the server let this
 *   user see; a contact whose summary goes away (revocation, S1.9) leaves the index at once, and
 *   the stored snapshot is rewritten soon after.
 * - Contacts come from summaries (base fields) and, when a thread is indexed from its document,
 *   from its profile (custom fields, S3.3). Entries come from `replica.onThread` (new entries of
 *   loaded documents) and, for a contact whose summary is newer than what was indexed (its
 *   `mark`, the newest entry time seen), from the document itself. Every summary change is
 *   checked against the marks, so entries arriving by any path (first sync, another tab) are
 *   indexed, incrementally: re-feeding known entries costs the worker an equality check.
 * - Cold start: the contacts part of the stored snapshot is posted first (contacts searchable),
 *   then the message slices (bytes moved to the worker, never parsed here); then every summary is
 *   fed and the contacts not among them are dropped (`retainContacts`).
 * - The snapshot is written in the background (debounced): the contacts part in meta (when it
 *   changed), then each changed slice of the threads (search/slices.ts) as one search row with
 *   the marks of its contacts, taken when the slice is asked for (so they describe exactly what
 *   the slice holds). One slice per worker task and per write: queries are answered in between,
 *   and a page closed during a save keeps the slices stored so far (issue 26); the next start
 *   indexes from the documents only the threads whose slice is missing or older than them.
 */
import { contactDoc } from '../doc';
import { asEntryId } from '../domain/ids';
import type { ContactId, ContactSummary, CustomFieldDef, Directory, Profile, User } from '../domain/types';
import { SearchClient } from '../search/client';
import type { MessageHit } from '../search/engine';
import { SearchHost } from '../search/host';
import { workspaceCountry, type CountryCode } from '../search/phone';
import type { SearchRow } from '../search/indexable';
import type { Port, WorkerReply, WorkerRequest } from '../search/protocol';
import { sliceOf } from '../search/slices';
import { RecentSearches } from '../search/recent';
import type { Replica } from '../sync/replica';
import { IdleGate } from './idle-gate';
import type { SearchApi, SearchResults } from './api';

const CONTACTS_META = 'search.contacts';
/** The single record of the message index before it was sliced (deleted when seen). */
const MESSAGES_ROW = 'search.messages';
const SLICE_ROW = 'search.slice.';
const recentKey = (userId: string) => `search.recent.${userId}`;
/** Quiet time before the snapshot is written; shorter after a revocation. */
const SAVE_DELAY_MS = 4_000;
const SAVE_SOON_MS = 300;
/**
 * A query in the last this many ms holds the next part of a save (the contacts part or a slice,
 * each one worker task of up to tens of ms at a million messages), so a person searching gets
 * answers without waiting behind an export (issue 26: p95 46 ms at 50k with the save running).
 */
const SAVE_QUIET_MS = 1_000;
/** Main-thread budget per slice of background feeding. */
const SLICE_MS = 8;
/** Summaries fed to the worker per message at a cold start (one task each). */
const FEED_BATCH = 2_000;
const RETRIES = 3;
const RETRY_MS = 2_000;
const CONTACT_LIMIT = 8;
/** "Show all contacts": enough for any search a person reads through. */
const CONTACT_LIMIT_ALL = 500;
const MESSAGE_LIMIT = 30;

const EMPTY: SearchResults = { query: '', contacts: [], contactsTotal: 0, messages: [], messagesSkipped: 'empty', partial: false, truncated: false };

interface StoredSlice {
	slice: Uint8Array;
	/** JSON of [contactId, mark][], the slice's contacts. */
	marks: string;
}

export interface SearchDeps {
	summary(id: ContactId): ContactSummary | undefined;
	/** Starts the worker; tests and non-browser runtimes get an in-process host. */
	spawn?(): { client: SearchClient; stop(): void };
}

/** The module worker in the browser; an in-process host where there is no Worker (Node tests). */
function defaultSpawn(): { client: SearchClient; stop(): void } {
	if (typeof Worker !== 'undefined') {
		const worker = new Worker(new URL('../search/worker.ts', import.meta.url), { type: 'module', name: 'parley-search' });
		return { client: new SearchClient(worker as unknown as Port<WorkerReply, WorkerRequest>), stop: () => worker.terminate() };
	}
	const { port1, port2 } = new MessageChannel();
	const host = new SearchHost((reply) => port2.postMessage(reply));
	port2.onmessage = (ev: MessageEvent<WorkerRequest>) => host.handle(ev.data);
	return {
		client: new SearchClient(port1 as unknown as Port<WorkerReply, WorkerRequest>),
		stop: () => {
			port1.close();
			port2.close();
		}
	};
}

const yieldTask = () => new Promise<void>((r) => setTimeout(r, 0));

export class SearchState implements SearchApi {
	/** Contacts are searchable (cold start phase 1 done). */
	ready = $state(false);
	/** Messages are searchable too. */
	complete = $state(false);
	query = $state('');
	results = $state.raw<SearchResults>(EMPTY);
	recent = $state.raw<readonly string[]>([]);

	readonly #deps: SearchDeps;
	#client: SearchClient | null = null;
	#stop: (() => void) | null = null;
	#replica: Replica | null = null;
	#fields = '[]';
	#country: CountryCode = workspaceCountry(undefined);
	#contactLimit = CONTACT_LIMIT;
	#marks = new Map<ContactId, number>();
	#queue = new Set<ContactId>();
	#retries = new Map<ContactId, number>();
	#pumping = false;
	#saveTimer: ReturnType<typeof setTimeout> | null = null;
	#recent: RecentSearches | null = null;
	#detach: Array<() => void> = [];
	#generation = 0;
	/** Thread indexing runs in idle periods and pauses while the person scrolls or types. */
	#gate: IdleGate | null = null;
	/** Issue 26: marks of threads indexed from the bootstrap's text before the snapshot was read. */
	#bootMarks = new Map<ContactId, number>();
	/** Threads queued while their document was not here yet (bootstrap): indexed once it is. */
	#awaitingDoc = new Set<ContactId>();
	#heldRows: SearchRow[] | null = [];
	/** Bootstrap rows waiting for the end of the task to go to the worker in one message. */
	#rowsOut: SearchRow[] = [];
	#rowsSoon = false;
	/** Slices whose marks changed since they were stored (the worker knows those whose rows did). */
	#dirtySlices = new Set<number>();
	/** The contacts part was not stored by the last save: the next one exports it even if unchanged. */
	#contactsUnsaved = true;
	#saving = false;
	#lastQueryAt = -Infinity;

	constructor(deps: SearchDeps) {
		this.#deps = deps;
	}

	/** Starts search for an opened replica; returns the detach function. */
	attach(replica: Replica, user: User, dir: Directory): () => void {
		this.detach();
		const gen = ++this.#generation;
		const { client, stop } = (this.#deps.spawn ?? defaultSpawn)();
		this.#client = client;
		this.#stop = stop;
		this.#replica = replica;
		this.#fields = JSON.stringify(dir.customFields);
		this.#country = workspaceCountry(dir.defaultCountry);
		const gate = new IdleGate({ sliceMs: SLICE_MS });
		this.#gate = gate;
		this.#detach.push(() => gate.dispose());
		// Issue 26: the bootstrap's searchable text is indexed as it arrives (the worker takes it
		// in order after its restore), so messages are searchable before their documents are here.
		this.#detach.push(
			replica.onBootstrapText((id, rows) => {
				const list: SearchRow[] = rows.map(([entryId, at, kind, text]) => ({ id: asEntryId(entryId), contactId: id, at, kind: kind === 1 ? 'comment' : 'message', text }));
				// Before the worker's `load` is posted, rows would be lost in the restore: kept until then.
				if (this.#heldRows) {
					this.#heldRows.push(...list);
					this.#scheduleSave(SAVE_DELAY_MS);
				} else {
					// The rows of one chunk (hundreds of contacts) go to the worker in one message, at the
					// end of the task that brought them (one message per contact: 50,000 at 50k).
					for (const r of list) this.#rowsOut.push(r);
					if (!this.#rowsSoon) {
						this.#rowsSoon = true;
						queueMicrotask(() => this.#flushRows());
					}
				}
				// The summary (part 0, same or older snapshot) knows the newest entry of any kind: the
				// thread is indexed up to it. A later change arrives as a summary change and is indexed then.
				const newest = list.reduce((m, r) => Math.max(m, r.at), Math.max(this.#marks.get(id) ?? 0, replica.summaries.get(id)?.updatedAt ?? 0));
				this.#setMark(id, newest);
				this.#bootMarks.set(id, newest);
			}),
			replica.onLocal((id) => {
				if (!this.#awaitingDoc.delete(id)) return;
				// Indexed from the bootstrap's text since it was queued: nothing to read from the document.
				const s = replica.summaries.get(id);
				if (s && (this.#marks.get(id) ?? -Infinity) >= s.updatedAt) return;
				this.#queue.add(id);
				this.#pumpWhenIdle();
			})
		);
		void this.#start(gen, replica, client, user, dir.customFields);
		return () => this.detach();
	}

	detach(): void {
		this.#generation++;
		for (const f of this.#detach.splice(0)) f();
		if (this.#saveTimer) clearTimeout(this.#saveTimer);
		this.#saveTimer = null;
		this.#client?.dispose();
		this.#stop?.();
		this.#client = null;
		this.#stop = null;
		this.#replica = null;
		this.#recent = null;
		this.#gate = null;
		this.#marks = new Map();
		this.#bootMarks = new Map();
		this.#heldRows = [];
		this.#rowsOut = [];
		this.#awaitingDoc.clear();
		this.#dirtySlices.clear();
		this.#contactsUnsaved = true;
		this.#saving = false;
		this.#queue.clear();
		this.#retries.clear();
		this.ready = false;
		this.complete = false;
		this.query = '';
		this.results = EMPTY;
		this.recent = [];
	}

	/** Custom field definitions changed in the directory (S3.3). */
	setDirectory(dir: Directory): void {
		const country = workspaceCountry(dir.defaultCountry);
		if (country !== this.#country) {
			this.#country = country;
			this.#client?.setCountry(country);
			this.#scheduleSave(SAVE_DELAY_MS);
		}
		const json = JSON.stringify(dir.customFields);
		if (json === this.#fields) return;
		this.#fields = json;
		this.#client?.setCustomFields(dir.customFields);
		this.#scheduleSave(SAVE_DELAY_MS);
	}

	async #start(gen: number, replica: Replica, client: SearchClient, user: User, fields: CustomFieldDef[]): Promise<void> {
		const live = () => gen === this.#generation;
		this.#recent = await RecentSearches.open(
			{ load: (u) => replica.store.getMeta<string[]>(recentKey(u)), save: (u, list) => replica.store.setMeta(recentKey(u), list) },
			user.id
		).catch(() => null);
		if (!live()) return;
		this.recent = this.#recent?.items ?? [];
		const contacts = await replica.store.getMeta<Uint8Array>(CONTACTS_META).catch(() => undefined);
		if (!live()) return;
		const stored: StoredSlice[] = [];
		const slices = replica.store.loadSearchRows().then(
			(rows) => {
				for (const r of rows) {
					const v = r.value as StoredSlice | undefined;
					if (r.key.startsWith(SLICE_ROW) && v && v.slice instanceof Uint8Array && typeof v.marks === 'string') stored.push(v);
				}
				if (rows.some((r) => r.key === MESSAGES_ROW)) void replica.store.deleteSearchRows([MESSAGES_ROW]).catch(() => undefined);
				return stored.map((v) => v.slice);
			},
			() => []
		);
		const loading = client.load(
			contacts instanceof Uint8Array ? { contacts, slices } : null,
			fields,
			() => {
				if (live()) this.ready = true;
			},
			this.#country
		);
		const held = this.#heldRows ?? [];
		this.#heldRows = null;
		client.addRows(held);
		const outcome = await loading;
		if (!live()) return;
		this.ready = true;
		const marks = new Map<ContactId, number>();
		if (outcome.status === 'loaded') {
			const bad = new Set(outcome.badSlices);
			for (const [i, v] of stored.entries()) if (!bad.has(i)) for (const [id, m] of parseMarks(v.marks)) marks.set(id, m);
			// The contacts part is the one stored: it is saved again only when it changes.
			this.#contactsUnsaved = false;
		}
		for (const [id, m] of this.#bootMarks) marks.set(id, Math.max(m, marks.get(id) ?? 0));
		this.#bootMarks.clear();
		this.#marks = marks;
		// Feed what the replica holds, then follow it.
		this.#detach.push(
			replica.summaries.subscribe((c) => {
				this.#summaries(c.changed);
				for (const id of c.removed) this.#revoked(id);
			}),
			// A profile edited now (here, in another tab, by a teammate) is searchable at once,
			// custom fields included (S3.3), without waiting for its thread to be indexed again.
			replica.onProfile((id, p) => this.#profile(id, p)),
			replica.onThread((id, added) => {
				this.#client?.addEntries(id, added);
				const newest = added.reduce((m, e) => Math.max(m, e.at), this.#marks.get(id) ?? -Infinity);
				this.#setMark(id, newest);
				this.#scheduleSave(SAVE_DELAY_MS);
			})
		);
		const all = [...replica.summaries.values()];
		client.retainContacts(all.map((s) => s.id));
		for (const [id] of marks) if (!replica.summaries.get(id)) this.#dropMark(id);
		for (let i = 0; i < all.length; i += FEED_BATCH) {
			if (i > 0) {
				await yieldTask();
				if (!live()) return;
			}
			this.#summaries(all.slice(i, i + FEED_BATCH));
		}
		this.complete = true;
		if (this.query) this.setQuery(this.query);
		if (this.#queue.size === 0) this.#scheduleSave(SAVE_DELAY_MS);
	}

	/**
	 * Changed summaries: their contacts go to the worker in one message (issue 26: a first login
	 * hands over 50,000, one message each was most of a second of the page's time), and their
	 * threads are queued for indexing when the summary knows newer entries than the index.
	 */
	#summaries(list: readonly ContactSummary[]): void {
		const client = this.#client;
		if (!client || list.length === 0) return;
		client.upsertContacts(
			list.map((s) => ({ id: s.id, firstName: s.firstName, lastName: s.lastName, phone: s.phone, email: s.email })),
			{ keepCustom: true }
		);
		let queued = false;
		for (const s of list) {
			const mark = this.#marks.get(s.id);
			if (mark !== undefined && s.updatedAt <= mark) continue;
			// Not here yet (a first login's bootstrap): indexed when its document arrives.
			if (this.#replica && !this.#replica.isLocal(s.id)) {
				this.#awaitingDoc.add(s.id);
				continue;
			}
			this.#queue.add(s.id);
			queued = true;
		}
		if (queued) this.#pumpWhenIdle();
	}

	#profile(id: ContactId, p: Profile): void {
		if (!this.#client || !this.#replica?.summaries.get(id)) return;
		this.#client.upsertContact({ id, firstName: p.firstName, lastName: p.lastName, phone: p.phone, email: p.email, custom: p.custom });
		if (this.query) this.#run(this.query);
		this.#scheduleSave(SAVE_DELAY_MS);
	}

	/**
	 * A summary change often comes from opening a conversation (marking it read): indexing its
	 * thread then waits for an idle moment instead of competing with the thread's first paint.
	 */
	#pumpWhenIdle(): void {
		if (this.#pumping) return;
		const run = () => void this.#pump();
		if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 500 });
		else setTimeout(run, 0);
	}

	/** Sends the bootstrap rows gathered in this task (see `attach`). */
	#flushRows(): void {
		this.#rowsSoon = false;
		const rows = this.#rowsOut;
		if (rows.length === 0) return;
		this.#rowsOut = [];
		this.#client?.addRows(rows);
		this.#scheduleSave(SAVE_DELAY_MS);
	}

	#revoked(id: ContactId): void {
		// Rows gathered before the revocation reach the worker first, so its removal covers them.
		this.#flushRows();
		this.#awaitingDoc.delete(id);
		this.#bootMarks.delete(id);
		this.#client?.removeContact(id);
		this.#dropMark(id);
		this.#queue.delete(id);
		this.#scheduleSave(SAVE_SOON_MS);
	}

	/**
	 * Indexes queued threads from their documents, a slice at a time, each slice in an idle
	 * period the gate grants (after a first sync this loads every document: see `idle-gate.ts`).
	 */
	async #pump(): Promise<void> {
		const gate = this.#gate;
		// No gate: detached (the gate lives exactly as long as the attachment).
		if (this.#pumping || !gate) return;
		this.#pumping = true;
		const gen = this.#generation;
		try {
			let budget = await gate.next();
			let t0 = performance.now();
			while (this.#queue.size > 0 && gen === this.#generation) {
				const id = this.#queue.values().next().value as ContactId;
				this.#queue.delete(id);
				await this.#indexThread(id);
				if (performance.now() - t0 > budget) {
					budget = await gate.next();
					t0 = performance.now();
				}
			}
		} finally {
			this.#pumping = false;
		}
		if (gen === this.#generation) this.#scheduleSave(SAVE_DELAY_MS);
	}

	async #indexThread(id: ContactId): Promise<void> {
		const replica = this.#replica;
		const s = this.#deps.summary(id) ?? replica?.summaries.get(id);
		if (!replica || !s) return;
		// Not here yet (a first login's bootstrap): indexed when it arrives, not fetched for search.
		if (!replica.isLocal(id)) {
			this.#awaitingDoc.add(id);
			return;
		}
		const doc = await replica.contact(id).catch(() => null);
		const client = this.#client;
		// Revoked while loading: the summary is gone, and so must the contact stay.
		if (!doc || !client || !replica.summaries.get(id)) return;
		const c = contactDoc(doc);
		const p = c.profile.get();
		const entries = c.thread.entries();
		client.upsertContact({ id, firstName: p.firstName, lastName: p.lastName, phone: p.phone, email: p.email, custom: p.custom });
		client.addEntries(id, entries);
		const newest = entries.reduce((m, e) => Math.max(m, e.at), 0);
		this.#setMark(id, Math.max(newest, this.#marks.get(id) ?? 0));
		// The summary knows a newer entry than the document shows (the document was read while
		// still being stored, e.g. during a first sync): look again a little later, a few times.
		const tries = this.#retries.get(id) ?? 0;
		if (newest < s.updatedAt && tries < RETRIES) {
			this.#retries.set(id, tries + 1);
			const gen = this.#generation;
			setTimeout(() => {
				if (gen !== this.#generation) return;
				this.#queue.add(id);
				void this.#pump();
			}, RETRY_MS);
		} else this.#retries.delete(id);
	}

	#setMark(id: ContactId, mark: number): void {
		if (this.#marks.get(id) === mark) return;
		this.#marks.set(id, mark);
		this.#dirtySlices.add(sliceOf(id));
	}

	#dropMark(id: ContactId): void {
		if (this.#marks.delete(id)) this.#dirtySlices.add(sliceOf(id));
	}

	#scheduleSave(ms: number): void {
		if (!this.#client) return;
		if (this.#saveTimer) clearTimeout(this.#saveTimer);
		this.#saveTimer = setTimeout(() => {
			this.#saveTimer = null;
			void this.#save();
		}, ms);
	}

	/**
	 * Writes the contacts part if it changed, then each changed slice, one at a time (see the
	 * invariants). A failed write leaves its part to the next save.
	 */
	async #save(): Promise<void> {
		const client = this.#client;
		const replica = this.#replica;
		if (!client || !replica || !this.complete) return;
		if (this.#queue.size > 0 || this.#pumping || this.#saving) return this.#scheduleSave(SAVE_DELAY_MS);
		this.#saving = true;
		try {
			await this.#quietAfterQueries();
			if (client !== this.#client) return;
			const { bytes, dirty } = await client.exportContacts({ ifChanged: !this.#contactsUnsaved });
			if (client !== this.#client) return;
			if (bytes) {
				this.#contactsUnsaved = true;
				await replica.store.setMeta(CONTACTS_META, bytes);
				this.#contactsUnsaved = false;
			}
			for (const k of dirty) this.#dirtySlices.add(k);
			for (const k of [...this.#dirtySlices].sort((a, b) => a - b)) {
				await this.#quietAfterQueries();
				if (client !== this.#client) return;
				// The marks as of the request: the slice holds exactly the changes sent before it.
				const marks = JSON.stringify([...this.#marks].filter(([id]) => sliceOf(id) === k));
				this.#dirtySlices.delete(k);
				const slice = await client.exportSlice(k);
				if (client !== this.#client) return;
				try {
					await replica.store.putSearchRows([{ key: `${SLICE_ROW}${k}`, contactId: null, value: { slice, marks } satisfies StoredSlice }]);
				} catch (err) {
					this.#dirtySlices.add(k);
					throw err;
				}
			}
		} catch {
			// Closed or out of quota: what was not stored is indexed from the documents next time.
		} finally {
			if (client === this.#client) this.#saving = false;
		}
	}

	/** Resolves once no query was asked for `SAVE_QUIET_MS`. */
	async #quietAfterQueries(): Promise<void> {
		for (;;) {
			const wait = this.#lastQueryAt + SAVE_QUIET_MS - performance.now();
			if (wait <= 0) return;
			await new Promise((r) => setTimeout(r, wait));
		}
	}

	// ------------------------------------------------------------------ queries

	setQuery(text: string): void {
		if (text !== this.query) this.#contactLimit = CONTACT_LIMIT;
		this.query = text;
		this.#run(text);
	}

	showAllContacts(): void {
		if (this.#contactLimit === CONTACT_LIMIT_ALL) return;
		this.#contactLimit = CONTACT_LIMIT_ALL;
		this.#run(this.query);
	}

	#run(text: string): void {
		const client = this.#client;
		if (!client || text.trim() === '') {
			this.results = { ...EMPTY, query: text };
			return;
		}
		this.#lastQueryAt = performance.now();
		void Promise.all([
			client.query(text, { scope: 'contacts', limit: this.#contactLimit, lane: 'global-contacts' }),
			client.query(text, { scope: 'messages', limit: MESSAGE_LIMIT, lane: 'global-messages' })
		]).then(([c, m]) => {
			if (c.status !== 'done' || m.status !== 'done' || this.query !== text) return;
			const contacts = c.results.hits.flatMap((h) => this.#deps.summary(h.contactId) ?? []);
			const r = m.results;
			this.results = { query: text, contacts, contactsTotal: Math.max(c.results.total, contacts.length), messages: r.hits, messagesSkipped: r.skipped ?? null, partial: r.partial, truncated: r.truncated };
		});
	}

	/** S3.7: a search the user acted on (opened a result, pressed Enter) becomes recent. */
	remember(text: string): void {
		const r = this.#recent;
		if (!r || text.trim() === '') return;
		void r.add(text).then(() => (this.recent = r.items)).catch(() => undefined);
	}

	forgetRecent(text: string): void {
		const r = this.#recent;
		if (!r) return;
		void r.remove(text).then(() => (this.recent = r.items)).catch(() => undefined);
	}

	/**
	 * S4.4: the contacts whose profile or messages match `text`, for a filter's free-text
	 * condition (at most `limit` contacts and `limit` message hits); null while search is not
	 * running or when a newer query for the same text replaced this one.
	 */
	async contactsMatching(text: string, limit = 2000): Promise<Set<ContactId> | null> {
		const client = this.#client;
		if (!client || text.trim() === '') return null;
		const [c, m] = await Promise.all([
			client.query(text, { scope: 'contacts', limit, lane: `filter-contacts:${text}` }),
			client.query(text, { scope: 'messages', limit, lane: `filter-messages:${text}` })
		]);
		if (c.status !== 'done' || m.status !== 'done') return null;
		return new Set([...c.results.hits.map((h) => h.contactId), ...m.results.hits.map((h) => h.contactId)]);
	}

	/** S3.6: hits in one thread, in thread order; null when a newer thread search replaced it. */
	async searchThread(contactId: ContactId, text: string): Promise<MessageHit[] | null> {
		const client = this.#client;
		if (!client) return [];
		const o = await client.query(text, { scope: 'thread', contactId, lane: 'thread' });
		return o.status === 'done' ? o.results.hits : null;
	}
}

function parseMarks(json: string): Map<ContactId, number> {
	try {
		const list = JSON.parse(json) as Array<[ContactId, number]>;
		return new Map(list.filter((e) => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number'));
	} catch {
		return new Map();
	}
}
