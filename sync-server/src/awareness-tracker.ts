/**
 * Remembers which awareness clients (y-protocols client ids) a connection speaks for on which
 * document, with their last clock, so that when the connection ends the server can tell the
 * others those clients are gone (an awareness update with state `null` and the next clock), as
 * the stock y-websocket server does. The bytes were already checked by the protocol layer
 * (`checkAwarenessUpdate`), so reading them cannot fail on input we accepted.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { DocId } from '../../src/lib/domain/types';

/** A connection may speak for at most this many awareness clients per document. */
const MAX_CLIENTS_PER_DOC = 16;

export class AwarenessTracker {
	private readonly byDoc = new Map<DocId, Map<number, number>>();

	/** Records the clients of an awareness update; a client whose state is null is forgotten. */
	observe(docId: DocId, update: Uint8Array): void {
		const dec = decoding.createDecoder(update);
		const count = decoding.readVarUint(dec);
		let clients = this.byDoc.get(docId);
		for (let i = 0; i < count; i++) {
			const clientId = decoding.readVarUint(dec);
			const clock = decoding.readVarUint(dec);
			const state = decoding.readVarString(dec);
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
		const clients = this.byDoc.get(docId);
		if (!clients) return null;
		this.byDoc.delete(docId);
		const enc = encoding.createEncoder();
		encoding.writeVarUint(enc, clients.size);
		for (const [clientId, clock] of clients) {
			encoding.writeVarUint(enc, clientId);
			encoding.writeVarUint(enc, clock + 1);
			encoding.writeVarString(enc, 'null');
		}
		return encoding.toUint8Array(enc);
	}
}
