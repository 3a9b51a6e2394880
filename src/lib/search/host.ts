/**
 * The worker side of the search protocol (see protocol.ts), independent of the worker global so
 * tests drive it through a real `MessageChannel`. It owns one `SearchEngine`.
 *
 * Queries are not run on arrival: they are parked per lane and run on the next turn, after every
 * message already queued has been read, so only the newest query of a lane runs and the older
 * ones are answered `superseded`. Between a snapshot's contacts and the end of its messages
 * restore (one slice per turn), changes are applied at once (queries see them) and also logged;
 * the log is replayed after the restore, since a restored slice may predate them (it may bring
 * back a removed row). Replaying is idempotent.
 */
import { SearchEngine } from './engine';
import type { QueryOutcome, QueryRequest, WorkerReply, WorkerRequest } from './protocol';
import type { ContactIndex } from './contact-index';
import { exportContacts, exportSlice, parseContacts, parseSlice, restoreContacts, restoreSlice } from './snapshot';

type Schedule = (fn: () => void) => void;
/** Delay of the contact index's merge after changes (see `settleSoon`). */
const SETTLE_MS = 100;
type Change = Extract<WorkerRequest, { type: 'upsertContact' | 'upsertContacts' | 'retainContacts' | 'removeContact' | 'addEntries' | 'addRows' | 'removeEntry' | 'setCustomFields' | 'setCountry' }>;

export class SearchHost {
	private engine = new SearchEngine();
	private pending = new Map<string, QueryRequest>();
	private restoring: Generator<void> | null = null;
	/** Changes since the contacts part was restored, while the messages part is awaited or restored. */
	private log: Change[] | null = null;
	private scheduled = false;
	/** The contact index as last exported (or restored): an export of it unchanged is skipped. */
	private exportedContacts: { index: ContactIndex; changes: number } | null = null;

	/** A merge of the contact index's new pairs is due (see `settleSoon`). */
	private settling = false;

	constructor(
		private readonly post: (reply: WorkerReply, transfer?: Transferable[]) => void,
		private readonly schedule: Schedule = (fn) => setTimeout(fn, 0),
		private readonly later: (fn: () => void, ms: number) => void = (fn, ms) => void setTimeout(fn, ms)
	) {}

	/** @internal the engine, for tests. */
	get current(): SearchEngine {
		return this.engine;
	}

	/**
	 * Issue 26: contacts changed (a cold start feeds 50,000): their new index pairs are merged a
	 * little later, between messages, instead of by the next query (which then waited for a sort
	 * of every new pair: most of a second after a cold start at 50k). New entries likewise.
	 */
	private settleSoon(): void {
		if (this.settling || (this.engine.contactIndex.unsettled === 0 && this.engine.table.unsettled === 0)) return;
		this.settling = true;
		this.later(() => {
			this.settling = false;
			this.engine.contactIndex.settle();
			// Likewise the entries a first login's text part brings (1M at 50k contacts): merged into
			// the time order at most every SETTLE_MS, not by the first query (a sort of all of them).
			this.engine.table.settle();
		}, SETTLE_MS);
	}

	handle(req: WorkerRequest): void {
		switch (req.type) {
			case 'load': {
				const engine = new SearchEngine({ customFields: req.customFields, ...(req.country ? { country: req.country } : {}) });
				this.engine = engine;
				this.restoring = null;
				this.log = null;
				this.exportedContacts = null;
				if (req.contacts !== null) {
					const part = parseContacts(req.contacts);
					if ('code' in part) {
						this.post({ type: 'load-failed', phase: 'contacts', error: part });
					} else {
						restoreContacts(engine, part);
						this.exportedContacts = { index: engine.contactIndex, changes: engine.contactIndex.changes };
						this.log = [];
					}
				}
				this.post({ type: 'ready', phase: 'contacts' });
				if (!this.log) this.post({ type: 'ready', phase: 'messages' });
				return;
			}
			case 'loadMessages': {
				if (!this.log || this.restoring) return;
				this.restoring = this.restoreSlices(req.slices);
				this.wake();
				return;
			}
			case 'upsertContact':
			case 'upsertContacts':
			case 'retainContacts':
			case 'removeContact':
			case 'addEntries':
			case 'addRows':
			case 'removeEntry':
			case 'setCustomFields':
			case 'setCountry':
				this.log?.push(req);
				this.apply(req);
				return this.settleSoon();
			case 'exportContacts': {
				const index = this.engine.contactIndex;
				const dirty = [...this.engine.table.dirty];
				const last = this.exportedContacts;
				if (req.ifChanged && last?.index === index && last.changes === index.changes) return this.post({ type: 'exported', seq: req.seq, bytes: null, dirty });
				const bytes = exportContacts(this.engine, req.format);
				this.exportedContacts = { index, changes: index.changes };
				return this.post({ type: 'exported', seq: req.seq, bytes, dirty }, [bytes.buffer]);
			}
			case 'exportSlice': {
				const bytes = exportSlice(this.engine, req.slice, req.format);
				this.engine.table.clean(req.slice);
				return this.post({ type: 'exported', seq: req.seq, bytes, dirty: [] }, [bytes.buffer]);
			}
			case 'query': {
				const older = this.pending.get(req.lane);
				if (older) this.post({ type: 'result', outcome: { status: 'superseded', seq: older.seq } });
				this.pending.set(req.lane, req);
				this.wake();
				return;
			}
		}
	}

	/** One slice per step (a turn); a bad one is reported and skipped. */
	private *restoreSlices(slices: readonly Uint8Array[]): Generator<void> {
		for (const [i, bytes] of slices.entries()) {
			const part = parseSlice(bytes);
			if ('code' in part) this.post({ type: 'load-failed', phase: 'messages', error: part, slice: i });
			else {
				try {
					restoreSlice(this.engine, part);
				} catch (err) {
					// Well-formed JSON of the wrong shape: what it restored is kept, its threads are indexed again.
					this.post({ type: 'load-failed', phase: 'messages', error: { code: 'bad-snapshot', message: String(err) }, slice: i });
				}
			}
			if (i < slices.length - 1) yield;
		}
	}

	private apply(req: Change): void {
		switch (req.type) {
			case 'upsertContact':
				return this.engine.upsertContact(req.contact, { keepCustom: req.keepCustom ?? false });
			case 'upsertContacts':
				for (const c of req.contacts) this.engine.upsertContact(c, { keepCustom: req.keepCustom ?? false });
				return;
			case 'retainContacts':
				return this.engine.retainContacts(new Set(req.contactIds));
			case 'removeContact':
				return this.engine.removeContact(req.contactId);
			case 'addEntries':
				return this.engine.addEntries(req.contactId, req.entries);
			case 'addRows':
				for (const row of req.rows) this.engine.addRow(row);
				return;
			case 'removeEntry':
				return this.engine.removeEntry(req.entryId);
			case 'setCustomFields':
				return this.engine.setCustomFields(req.fields);
			case 'setCountry':
				return this.engine.setCountry(req.country);
		}
	}

	private wake(): void {
		if (this.scheduled) return;
		this.scheduled = true;
		this.schedule(() => {
			this.scheduled = false;
			this.turn();
		});
	}

	/** One turn: answer the newest query of each lane, then restore one slice of messages. */
	private turn(): void {
		const queries = [...this.pending.values()];
		this.pending.clear();
		for (const q of queries) this.post({ type: 'result', outcome: this.run(q) });
		if (!this.restoring) return;
		if (this.restoring.next().done) {
			this.restoring = null;
			for (const change of this.log ?? []) this.apply(change);
			this.log = null;
			this.post({ type: 'ready', phase: 'messages' });
		} else {
			this.wake();
		}
	}

	private run(q: QueryRequest): QueryOutcome {
		const partial = this.log !== null;
		switch (q.scope) {
			case 'contacts':
				return { status: 'done', seq: q.seq, scope: q.scope, results: this.engine.findContacts(q.text, q.limit) };
			case 'messages':
				return { status: 'done', seq: q.seq, scope: q.scope, results: { ...this.engine.searchMessages(q.text, q.limit), partial } };
			case 'thread': {
				const hits = q.contactId ? this.engine.searchThread(q.contactId, q.text) : [];
				return { status: 'done', seq: q.seq, scope: q.scope, results: { hits, partial } };
			}
		}
	}
}
