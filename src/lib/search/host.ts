/**
 * The worker side of the search protocol (see protocol.ts), independent of the worker global so
 * tests drive it through a real `MessageChannel`. It owns one `SearchEngine`.
 *
 * Queries are not run on arrival: they are parked per lane and run on the next turn, after every
 * message already queued has been read, so only the newest query of a lane runs and the older
 * ones are answered `superseded`. While a snapshot's messages are being restored in slices,
 * queries run between slices (message results are then `partial`), and removals received during
 * the restore are applied again at its end, since a later slice may bring a removed row back.
 */
import type { ContactId, EntryId } from '../domain/types';
import { SearchEngine } from './engine';
import type { QueryOutcome, QueryRequest, WorkerReply, WorkerRequest } from './protocol';
import { checkSnapshot, exportSnapshot, restoreContacts, restoreEntriesInSlices } from './snapshot';

type Schedule = (fn: () => void) => void;

export class SearchHost {
	private engine = new SearchEngine();
	private pending = new Map<string, QueryRequest>();
	private restoring: Generator<void> | null = null;
	private removedWhileRestoring: Array<{ entry: EntryId } | { contact: ContactId }> = [];
	private scheduled = false;

	constructor(
		private readonly post: (reply: WorkerReply) => void,
		private readonly schedule: Schedule = (fn) => setTimeout(fn, 0)
	) {}

	handle(req: WorkerRequest): void {
		switch (req.type) {
			case 'load': {
				const engine = new SearchEngine({ customFields: req.customFields });
				this.engine = engine;
				this.removedWhileRestoring = [];
				this.restoring = null;
				if (req.snapshot) {
					const snap = checkSnapshot(req.snapshot);
					if ('code' in snap) {
						this.post({ type: 'load-failed', error: snap });
					} else {
						if (req.customFields.length === 0) engine.setCustomFields(snap.customFields);
						restoreContacts(engine, snap);
						this.restoring = restoreEntriesInSlices(engine, snap);
					}
				}
				this.post({ type: 'ready', phase: 'contacts' });
				if (!this.restoring) this.post({ type: 'ready', phase: 'messages' });
				else this.wake();
				return;
			}
			case 'upsertContact':
				return this.engine.upsertContact(req.contact);
			case 'removeContact':
				if (this.restoring) this.removedWhileRestoring.push({ contact: req.contactId });
				return this.engine.removeContact(req.contactId);
			case 'addEntries':
				return this.engine.addEntries(req.contactId, req.entries);
			case 'removeEntry':
				if (this.restoring) this.removedWhileRestoring.push({ entry: req.entryId });
				return this.engine.removeEntry(req.entryId);
			case 'setCustomFields':
				return this.engine.setCustomFields(req.fields);
			case 'snapshot':
				return this.post({ type: 'snapshot', seq: req.seq, snapshot: exportSnapshot(this.engine, req.format) });
			case 'query': {
				const older = this.pending.get(req.lane);
				if (older) this.post({ type: 'result', outcome: { status: 'superseded', seq: older.seq } });
				this.pending.set(req.lane, req);
				this.wake();
				return;
			}
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
			for (const r of this.removedWhileRestoring) {
				if ('entry' in r) this.engine.removeEntry(r.entry);
				else this.engine.removeContact(r.contact);
			}
			this.removedWhileRestoring = [];
			this.post({ type: 'ready', phase: 'messages' });
		} else {
			this.wake();
		}
	}

	private run(q: QueryRequest): QueryOutcome {
		const partial = this.restoring !== null;
		switch (q.scope) {
			case 'contacts':
				return { status: 'done', seq: q.seq, scope: q.scope, results: { hits: this.engine.searchContacts(q.text, q.limit) } };
			case 'messages':
				return { status: 'done', seq: q.seq, scope: q.scope, results: { ...this.engine.searchMessages(q.text, q.limit), partial } };
			case 'thread': {
				const hits = q.contactId ? this.engine.searchThread(q.contactId, q.text) : [];
				return { status: 'done', seq: q.seq, scope: q.scope, results: { hits, partial } };
			}
		}
	}
}
