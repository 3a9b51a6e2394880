/**
 * The main-thread side of search: forwards index updates to the worker and runs queries there, so
 * typing never blocks on search (ARCHITECTURE.md). Protocol and supersession rules: protocol.ts.
 * A new query in a lane resolves the lane's older query `superseded` immediately; callers simply
 * ignore superseded outcomes.
 */
import type { ContactId, CustomFieldDef, Entry, EntryId } from '../domain/types';
import type { SearchableContact } from './indexable';
import type { Port, QueryOutcome, Scope, WorkerReply, WorkerRequest } from './protocol';
import type { SearchSnapshot, SnapshotError, SnapshotFormat } from './snapshot';

export interface QueryOptions<S extends Scope> {
	scope: S;
	limit?: number;
	/** The thread to search, for the `thread` scope (S3.6). */
	contactId?: ContactId;
	/** Queries supersede older ones of the same lane only; defaults to the scope. */
	lane?: string;
}

export type LoadOutcome = { status: 'loaded' } | { status: 'failed'; error: SnapshotError };

interface Waiting {
	lane: string;
	resolve(outcome: QueryOutcome): void;
}

export class SearchClient {
	private seq = 0;
	private queries = new Map<number, Waiting>();
	private latestByLane = new Map<string, number>();
	private snapshots = new Map<number, (s: SearchSnapshot) => void>();
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
	 * Cold start from a stored snapshot (or empty). `onContactsReady` fires as soon as contacts are
	 * searchable; the promise resolves once messages are too.
	 */
	load(snapshot: SearchSnapshot | null, customFields: CustomFieldDef[], onContactsReady?: () => void): Promise<LoadOutcome> {
		return new Promise((resolve) => {
			const listener = (reply: WorkerReply) => {
				if (reply.type === 'load-failed') {
					this.phaseListeners.delete(listener);
					resolve({ status: 'failed', error: reply.error });
				} else if (reply.type === 'ready' && reply.phase === 'contacts') {
					onContactsReady?.();
				} else if (reply.type === 'ready' && reply.phase === 'messages') {
					this.phaseListeners.delete(listener);
					resolve({ status: 'loaded' });
				}
			};
			this.phaseListeners.add(listener);
			this.send({ type: 'load', snapshot, customFields });
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

	upsertContact(contact: SearchableContact): void {
		this.send({ type: 'upsertContact', contact });
	}

	/** Revocation: the contact and its thread leave the index (S1.9, S3). */
	removeContact(contactId: ContactId): void {
		this.send({ type: 'removeContact', contactId });
	}

	addEntries(contactId: ContactId, entries: Entry[]): void {
		this.send({ type: 'addEntries', contactId, entries });
	}

	removeEntry(entryId: EntryId): void {
		this.send({ type: 'removeEntry', entryId });
	}

	setCustomFields(fields: CustomFieldDef[]): void {
		this.send({ type: 'setCustomFields', fields });
	}

	/** The opaque value the client store keeps for the next cold start. */
	exportSnapshot(format: SnapshotFormat = 'index-json'): Promise<SearchSnapshot> {
		const seq = ++this.seq;
		return new Promise((resolve) => {
			this.snapshots.set(seq, resolve);
			this.send({ type: 'snapshot', seq, format });
		});
	}

	/** Stops listening; pending queries resolve `superseded`. */
	dispose(): void {
		this.port.removeEventListener('message', this.listener);
		for (const seq of [...this.queries.keys()]) this.settle({ status: 'superseded', seq });
	}

	private send(req: WorkerRequest): void {
		this.port.postMessage(req);
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
			case 'snapshot': {
				const resolve = this.snapshots.get(reply.seq);
				this.snapshots.delete(reply.seq);
				return resolve?.(reply.snapshot);
			}
			case 'ready':
			case 'load-failed':
				for (const l of [...this.phaseListeners]) l(reply);
		}
	}
}
