/**
 * Remembers which awareness clients (y-protocols client ids) a connection speaks for on which
 * document, with their last clock, so that when the connection ends the server can tell the
 * others those clients are gone (an awareness update with state `null` and the next clock), as
 * the stock y-websocket server does. The bytes were already checked by the protocol layer
 * (`checkAwarenessUpdate`), so reading them cannot fail on input we accepted.
 *
 * Echoes: a stock y-websocket provider re-broadcasts every state it receives (its awareness
 * 'update' handler sends added, updated and removed clients alike). Relaying such an echo would
 * let this connection claim another connection's client (its close would then withdraw that
 * client's presence for everyone), and on `dir` it would spread a copy of a state as redacted
 * for this connection's user. So the tracker remembers the clock of every foreign client it
 * delivered, and `observe` keeps only entries newer than that: news from clients this
 * connection speaks for.
 *
 * Identity: with a `StateGuard` (every agent connection has one, `awareness-identity.ts`), a
 * state naming anyone but the connection's user is dropped before it is recorded or relayed,
 * and the name is the directory's.
 */
import type { DocId } from '../../src/lib/domain/types';
import { readAwarenessUpdate, writeAwarenessUpdate, type AwarenessEntry } from '../../src/lib/protocol/awareness';
import type { StateGuard } from './awareness-identity';
import { memoOf, type FanoutEvent } from './fanout/fanout';

/** A connection may speak for at most this many awareness clients per document. */
const MAX_CLIENTS_PER_DOC = 16;
/** Foreign clients remembered per document (echo filter); past it the oldest are forgotten. */
const MAX_FOREIGN_PER_DOC = 4096;

/** The (client id, clock) pairs of an awareness update, without decoding the states' JSON. */
export function readClocks(update: Uint8Array): Array<readonly [clientId: number, clock: number]> {
	return (readAwarenessUpdate(update, 'text') ?? []).map((e) => [e.clientId, e.clock] as const);
}

/**
 * The clocks of the awareness bytes a recipient is sent for `event`: the event's own bytes are
 * read once for every recipient (memoised on the event); bytes redacted for one recipient are
 * read for it alone.
 */
export function clocksFor(event: FanoutEvent, update: Uint8Array): ReadonlyArray<readonly [number, number]> {
	if (update !== event.update) return readClocks(update);
	const memo = memoOf(event);
	return (memo.awarenessClocks ??= readClocks(update));
}

export class AwarenessTracker {
	private readonly byDoc = new Map<DocId, Map<number, number>>();
	private readonly foreign = new Map<DocId, Map<number, number>>();

	constructor(private readonly guard?: StateGuard) {}

	/**
	 * Remembers the clients of an update this connection was sent (see "Echoes"); `clocks` are
	 * the update's, read once per event by the fan-out (`readClocks`).
	 */
	delivered(docId: DocId, clocks: ReadonlyArray<readonly [clientId: number, clock: number]>): void {
		let m = this.foreign.get(docId);
		if (!m) {
			m = new Map();
			this.foreign.set(docId, m);
		}
		for (const [clientId, clock] of clocks) {
			m.delete(clientId);
			m.set(clientId, clock);
		}
		while (m.size > MAX_FOREIGN_PER_DOC) m.delete(m.keys().next().value!);
	}

	/** Forgets what was delivered of a document (the connection lost sight of it). */
	forget(docId: DocId): void {
		this.foreign.delete(docId);
	}

	/**
	 * Records the clients of an awareness update from this connection (a client whose state is
	 * null is forgotten) and returns what of it is news to relay: the same bytes when nothing is
	 * an echo or rewritten by the guard, else the update without the echoed and refused entries
	 * (and with the guard's states), null when nothing is left.
	 */
	observe(docId: DocId, update: Uint8Array): Uint8Array | null {
		const all = readAwarenessUpdate(update, 'text') ?? [];
		const seen = this.foreign.get(docId);
		const news: Array<AwarenessEntry<string>> = [];
		let changed = false;
		for (const e of all) {
			if (seen?.has(e.clientId) && e.clock <= seen.get(e.clientId)!) {
				changed = true;
				continue;
			}
			const state = e.state === 'null' || !this.guard ? e.state : this.guard(e.state);
			if (state === null) {
				changed = true;
				continue;
			}
			if (state !== e.state) changed = true;
			news.push({ clientId: e.clientId, clock: e.clock, state });
		}
		let clients = this.byDoc.get(docId);
		for (const { clientId, clock, state } of news) {
			seen?.delete(clientId);
			if (state === 'null') {
				clients?.delete(clientId);
				continue;
			}
			if (!clients) {
				clients = new Map();
				this.byDoc.set(docId, clients);
			}
			if (clients.has(clientId) || clients.size < MAX_CLIENTS_PER_DOC) clients.set(clientId, clock);
		}
		if (clients && clients.size === 0) this.byDoc.delete(docId);
		if (!changed) return update;
		if (news.length === 0) return null;
		return writeAwarenessUpdate(news, 'text');
	}

	/** Awareness updates removing every client still recorded, one per document; then forgets them. */
	drain(): Array<{ docId: DocId; update: Uint8Array }> {
		const out: Array<{ docId: DocId; update: Uint8Array }> = [];
		for (const docId of [...this.byDoc.keys()]) {
			const update = this.drainDoc(docId);
			if (update) out.push({ docId, update });
		}
		return out;
	}

	/** Removal update for one document's clients (the document was revoked). */
	drainDoc(docId: DocId): Uint8Array | null {
		this.foreign.delete(docId);
		const clients = this.byDoc.get(docId);
		if (!clients) return null;
		this.byDoc.delete(docId);
		return writeAwarenessUpdate(
			[...clients].map(([clientId, clock]) => ({ clientId, clock: clock + 1, state: 'null' })),
			'text'
		);
	}
}
