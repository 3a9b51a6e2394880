/**
 * The main-thread side of search: forwards index updates to the worker and runs queries there, so
 * typing never blocks on search (ARCHITECTURE.md). Protocol and supersession rules: protocol.ts.
 * A new query in a lane resolves the lane's older query `superseded` immediately; callers simply
 * ignore superseded outcomes.
 */
import type { ContactId, CustomFieldDef, Entry, EntryId } from '../domain/types';
import type { SearchableContact, SearchRow } from './indexable';
import type { CountryCode } from './phone';
import type { Port, QueryOutcome, Scope, WorkerReply, WorkerRequest } from './protocol';
import { SLICES } from './slices';
import type { SearchSnapshot, SnapshotError, SnapshotFormat } from './snapshot';

export interface QueryOptions<S extends Scope> {
	scope: S;
	limit?: number;
	/** The thread to search, for the `thread` scope (S3.6). */
	contactId?: ContactId;
	/** Queries supersede older ones of the same lane only; defaults to the scope. */
	lane?: string;
}

/** `badSlices`: positions of the slices that could not be restored (their threads must be indexed again). */
export type LoadOutcome = { status: 'loaded'; badSlices: number[] } | { status: 'failed'; phase: 'contacts'; error: SnapshotError };

/** Moves a whole buffer to the worker instead of copying it (the caller's view is detached). */
function transferOf(bytes: Uint8Array | null | undefined): Transferable[] {
	return bytes && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
}

interface Waiting {
	lane: string;
	resolve(outcome: QueryOutcome): void;
}

export class SearchClient {
	private seq = 0;
	private queries = new Map<number, Waiting>();
	private latestByLane = new Map<string, number>();
	private exports = new Map<number, (reply: Extract<WorkerReply, { type: 'exported' }>) => void>();
	private phaseListeners = new Set<(reply: WorkerReply) => void>();
	private readonly listener = (ev: MessageEvent<WorkerReply>) => this.receive(ev.data);

	constructor(private readonly port: Port<WorkerReply, WorkerRequest>) {
		port.addEventListener('message', this.listener);
		port.start?.();
	}

	/** Starts the module worker (browser only). */
	static spawn(): { client: SearchClient; worker: Worker } {
		const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'parley-search' });
		return { client: new SearchClient(worker as unknown as Port<WorkerReply, WorkerRequest>), worker };
	}

	/**
	 * Cold start from a stored snapshot (or empty). The contacts part is posted at once and
	 * `onContactsReady` fires as soon as contacts are searchable; the message slices may still be
	 * on their way from storage (a promise; none when it fails). Resolves once messages are
	 * searchable too, with the slices that could not be restored, or with the contacts part's
	 * failure: the caller then indexes from the documents what the failed parts should have held.
	 */
	load(
		snapshot: { contacts: Uint8Array; slices: Uint8Array[] | Promise<Uint8Array[]> } | null,
		customFields: CustomFieldDef[],
		onContactsReady?: () => void,
		country?: CountryCode
	): Promise<LoadOutcome> {
		return new Promise((resolve) => {
			let failed: LoadOutcome | null = null;
			const badSlices: number[] = [];
			const listener = (reply: WorkerReply) => {
				if (reply.type === 'load-failed') {
					if (reply.phase === 'contacts') failed ??= { status: 'failed', phase: 'contacts', error: reply.error };
					else if (reply.slice !== undefined) badSlices.push(reply.slice);
				} else if (reply.type === 'ready' && reply.phase === 'contacts') {
					onContactsReady?.();
				} else if (reply.type === 'ready' && reply.phase === 'messages') {
					this.phaseListeners.delete(listener);
					resolve(failed ?? { status: 'loaded', badSlices });
				}
			};
			this.phaseListeners.add(listener);
			const contacts = snapshot ? snapshot.contacts : null;
			this.send({ type: 'load', contacts, customFields, ...(country ? { country } : {}) }, transferOf(contacts));
			if (snapshot) {
				void Promise.resolve(snapshot.slices).then(
					(given) => {
						const slices = Array.isArray(given) ? given : [];
						this.send({ type: 'loadMessages', slices }, slices.flatMap(transferOf));
					},
					() => this.send({ type: 'loadMessages', slices: [] })
				);
			}
		});
	}

	query<S extends Scope>(text: string, options: QueryOptions<S>): Promise<QueryOutcome<S>> {
		const seq = ++this.seq;
		const lane = options.lane ?? options.scope;
		const older = this.latestByLane.get(lane);
		if (older !== undefined) this.settle({ status: 'superseded', seq: older });
		this.latestByLane.set(lane, seq);
		return new Promise<QueryOutcome<S>>((resolve) => {
			this.queries.set(seq, { lane, resolve: resolve as (o: QueryOutcome) => void });
			this.send({
				type: 'query',
				seq,
				lane,
				scope: options.scope,
				text,
				limit: options.limit ?? 50,
				...(options.contactId ? { contactId: options.contactId } : {})
			});
		});
	}

	/** `keepCustom`: only base fields are known (a summary); indexed custom values stay. */
	upsertContact(contact: SearchableContact, opts: { keepCustom?: boolean } = {}): void {
		this.send({ type: 'upsertContact', contact, ...(opts.keepCustom ? { keepCustom: true } : {}) });
	}

	/** `upsertContact` of each, in one message (issue 26: a first login's summaries in batches). */
	upsertContacts(contacts: SearchableContact[], opts: { keepCustom?: boolean } = {}): void {
		if (contacts.length > 0) this.send({ type: 'upsertContacts', contacts, ...(opts.keepCustom ? { keepCustom: true } : {}) });
	}

	/** Cold start: contacts not listed (revoked while the app was closed) leave the index. */
	retainContacts(contactIds: ContactId[]): void {
		this.send({ type: 'retainContacts', contactIds });
	}

	/** Revocation: the contact and its thread leave the index (S1.9, S3). */
	removeContact(contactId: ContactId): void {
		this.send({ type: 'removeContact', contactId });
	}

	addEntries(contactId: ContactId, entries: Entry[]): void {
		this.send({ type: 'addEntries', contactId, entries });
	}

	/** Rows made elsewhere (the bootstrap's searchable text, issue 26). */
	addRows(rows: SearchRow[]): void {
		if (rows.length > 0) this.send({ type: 'addRows', rows });
	}

	removeEntry(entryId: EntryId): void {
		this.send({ type: 'removeEntry', entryId });
	}

	setCustomFields(fields: CustomFieldDef[]): void {
		this.send({ type: 'setCustomFields', fields });
	}

	setCountry(country: CountryCode): void {
		this.send({ type: 'setCountry', country });
	}

	/**
	 * The contacts part the client store keeps for the next cold start (null when `ifChanged` and
	 * unchanged since the last export), and the slices changed since they were last exported.
	 */
	exportContacts(opts: { ifChanged?: boolean; format?: SnapshotFormat } = {}): Promise<{ bytes: Uint8Array | null; dirty: number[] }> {
		const seq = ++this.seq;
		return new Promise((resolve) => {
			this.exports.set(seq, (r) => resolve({ bytes: r.bytes, dirty: r.dirty }));
			this.send({ type: 'exportContacts', seq, format: opts.format ?? 'index-json', ...(opts.ifChanged ? { ifChanged: true } : {}) });
		});
	}

	/** One slice of the message index (slices.ts), as of the messages sent before this call. */
	exportSlice(slice: number, format: SnapshotFormat = 'index-json'): Promise<Uint8Array> {
		const seq = ++this.seq;
		return new Promise((resolve) => {
			this.exports.set(seq, (r) => resolve(r.bytes ?? new Uint8Array(0)));
			this.send({ type: 'exportSlice', seq, slice, format });
		});
	}

	/** The whole snapshot, every slice (tests, bench). */
	async exportSnapshot(format: SnapshotFormat = 'index-json'): Promise<SearchSnapshot> {
		const [{ bytes }, ...slices] = await Promise.all([this.exportContacts({ format }), ...Array.from({ length: SLICES }, (_, k) => this.exportSlice(k, format))]);
		return { contacts: bytes!, slices };
	}

	/** Stops listening; pending queries resolve `superseded`. */
	dispose(): void {
		this.port.removeEventListener('message', this.listener);
		for (const seq of [...this.queries.keys()]) this.settle({ status: 'superseded', seq });
	}

	private send(req: WorkerRequest, transfer: Transferable[] = []): void {
		this.port.postMessage(req, transfer);
	}

	private settle(outcome: QueryOutcome): void {
		const w = this.queries.get(outcome.seq);
		if (!w) return;
		this.queries.delete(outcome.seq);
		if (this.latestByLane.get(w.lane) === outcome.seq) this.latestByLane.delete(w.lane);
		w.resolve(outcome);
	}

	private receive(reply: WorkerReply): void {
		switch (reply.type) {
			case 'result':
				return this.settle(reply.outcome);
			case 'exported': {
				const resolve = this.exports.get(reply.seq);
				this.exports.delete(reply.seq);
				return resolve?.(reply);
			}
			case 'ready':
			case 'load-failed':
				for (const l of [...this.phaseListeners]) l(reply);
		}
	}
}
