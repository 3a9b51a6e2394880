/**
 * Awareness on the client: ephemeral per-document state (presence on `dir`, typing and draft
 * cursors on `c/<id>`), carried in AWARENESS frames as y-protocols awareness updates.
 *
 * Wire format: y-protocols/awareness (so stock y-websocket clients interoperate), read and
 * written by `src/lib/protocol/awareness.ts`; the app keeps object states only. A state replaces the previous one of that client when its clock is higher (or
 * equal and null: the server's "gone" message for a closed connection).
 *
 * Why our own hub and not y-protocols' `Awareness` class: that class needs a Y.Doc per
 * document and runs a timer per instance; a replica receives awareness for every contact it
 * may see, so one hub holds all of them under one timer, and documents need not be loaded.
 *
 * Invariants:
 * - One clientId per hub (per tab); a local state is per document.
 * - At most `ratePerSec` messages per second leave the hub (the server drops what exceeds its
 *   per-connection limit, which could lose a "stopped typing"): past the budget the latest
 *   state of each document waits and is sent when a token is free, so the last state always
 *   arrives and intermediate ones may be skipped.
 * - Local states are re-sent every `renewMs` (others expire peers silent for `outdatedMs`), on
 *   every (re)connect, and once shortly after an unknown peer appears on any document (so a newly
 *   arrived tab learns who is there, and who drafts where, without waiting for a renewal).
 * - When the connection drops, every remote state is forgotten (they can no longer be trusted
 *   to be withdrawn); they come back when their clients renew or answer our own state.
 */
import type { DocId } from '../domain/types';
import { readAwarenessUpdate, writeAwarenessUpdate, type AwarenessObject } from '../protocol/awareness';

export type AwarenessState = AwarenessObject;

export interface Peer {
	clientId: number;
	clock: number;
	state: AwarenessState;
	/** Local time the state last arrived. */
	receivedAt: number;
}

export interface AwarenessHubOptions {
	/** Sends one awareness update of a document; false when there is no open connection. */
	send(docId: DocId, update: Uint8Array): boolean;
	now?(): number;
	clientId?: number;
	/** Messages per second this hub may send (the server allows 10 per connection). */
	ratePerSec?: number;
	burst?: number;
	/** Re-send local states this often; peers silent for `outdatedMs` are dropped. */
	renewMs?: number;
	outdatedMs?: number;
}

function randomClientId(): number {
	const a = new Uint32Array(1);
	globalThis.crypto.getRandomValues(a);
	// y-protocols client ids are uint32; 0 is avoided so a missing id never collides.
	return a[0]! || 1;
}

type Listener = (docId: DocId) => void;

export class AwarenessHub {
	readonly clientId: number;
	readonly #opts: AwarenessHubOptions;
	readonly #now: () => number;
	readonly #local = new Map<DocId, { clock: number; state: AwarenessState | null; sentAt: number }>();
	readonly #peers = new Map<DocId, Map<number, Peer>>();
	readonly #listeners = new Set<Listener>();
	/** Documents whose local state waits for a token. */
	readonly #dirty = new Set<DocId>();
	#tokens: number;
	#refillAt: number;
	#drainTimer: ReturnType<typeof setTimeout> | null = null;
	#tick: ReturnType<typeof setInterval> | null = null;
	#answerTimers = new Map<DocId, ReturnType<typeof setTimeout>>();
	/** Bytes and messages sent (the bench and tests read them). */
	sentBytes = 0;
	sentMessages = 0;

	constructor(opts: AwarenessHubOptions) {
		this.#opts = opts;
		this.#now = opts.now ?? Date.now;
		this.clientId = opts.clientId ?? randomClientId();
		this.#tokens = opts.burst ?? 10;
		this.#refillAt = this.#now();
	}

	/** Sets (or with null withdraws) this tab's state on a document and sends it. */
	setLocal(docId: DocId, state: AwarenessState | null): void {
		const prev = this.#local.get(docId);
		if (!prev && state === null) return;
		this.#local.set(docId, { clock: (prev?.clock ?? 0) + 1, state, sentAt: prev?.sentAt ?? 0 });
		this.#dirty.add(docId);
		this.#drain();
		this.#ensureTick();
	}

	local(docId: DocId): AwarenessState | null {
		return this.#local.get(docId)?.state ?? null;
	}

	/** Other clients' states on a document (never this tab's own). */
	peers(docId: DocId): Peer[] {
		const m = this.#peers.get(docId);
		return m ? [...m.values()] : [];
	}

	/** Documents that have peers now. */
	docsWithPeers(): DocId[] {
		return [...this.#peers.keys()];
	}

	/** Called with the document whose peers changed. */
	subscribe(fn: Listener): () => void {
		this.#listeners.add(fn);
		return () => this.#listeners.delete(fn);
	}

	/** An AWARENESS frame from the server. */
	receive(docId: DocId, update: Uint8Array): void {
		const entries = readAwarenessUpdate(update, 'object');
		if (!entries) return;
		const now = this.#now();
		let changed = false;
		let newcomer = false;
		for (const e of entries) {
			if (e.clientId === this.clientId) continue;
			let m = this.#peers.get(docId);
			const prev = m?.get(e.clientId);
			if (prev && !(e.clock > prev.clock || (e.clock === prev.clock && e.state === null))) continue;
			if (e.state === null) {
				if (prev) {
					m!.delete(e.clientId);
					if (m!.size === 0) this.#peers.delete(docId);
					changed = true;
				}
				continue;
			}
			if (!m) {
				m = new Map();
				this.#peers.set(docId, m);
			}
			if (!prev) newcomer = true;
			m.set(e.clientId, { clientId: e.clientId, clock: e.clock, state: e.state, receivedAt: now });
			changed = true;
		}
		if (changed) this.#ensureTick();
		// A newcomer is a tab that just arrived: it learns our states on every document, not only
		// this one (it may open the contact we draft on without anyone typing there, S9.4).
		if (newcomer) for (const [d, l] of this.#local) if (l.state) this.#answer(d);
		if (changed) this.#emit(docId);
	}

	/** The connection is (again) online: every local state goes out with a fresh clock. */
	connected(): void {
		for (const [docId, l] of this.#local) {
			if (l.state === null) continue;
			// The server told the others our last clock + 1 (null) when the old socket closed.
			l.clock += 2;
			this.#dirty.add(docId);
		}
		this.#drain();
	}

	/** The connection dropped: remote states can no longer be trusted to be withdrawn. */
	disconnected(): void {
		const docs = [...this.#peers.keys()];
		this.#peers.clear();
		for (const d of docs) this.#emit(d);
	}

	dispose(): void {
		if (this.#drainTimer) clearTimeout(this.#drainTimer);
		if (this.#tick) clearInterval(this.#tick);
		for (const t of this.#answerTimers.values()) clearTimeout(t);
		this.#answerTimers.clear();
		this.#drainTimer = this.#tick = null;
		this.#listeners.clear();
	}

	// --- sending -------------------------------------------------------------------------

	#drain(): void {
		const rate = this.#opts.ratePerSec ?? 8;
		const burst = this.#opts.burst ?? 10;
		const now = this.#now();
		this.#tokens = Math.min(burst, this.#tokens + ((now - this.#refillAt) / 1000) * rate);
		this.#refillAt = now;
		for (const docId of [...this.#dirty]) {
			if (this.#tokens < 1) break;
			const l = this.#local.get(docId);
			this.#dirty.delete(docId);
			if (!l) continue;
			const update = writeAwarenessUpdate([{ clientId: this.clientId, clock: l.clock, state: l.state }], 'object');
			if (!this.#opts.send(docId, update)) continue; // offline: `connected` re-sends
			this.#tokens--;
			l.sentAt = now;
			this.sentBytes += update.length;
			this.sentMessages++;
			if (l.state === null) this.#local.delete(docId);
		}
		if (this.#dirty.size > 0 && !this.#drainTimer) {
			const wait = Math.max(1, Math.ceil(((1 - this.#tokens) / rate) * 1000));
			this.#drainTimer = setTimeout(() => {
				this.#drainTimer = null;
				this.#drain();
			}, wait);
		}
	}

	/** A newcomer on `docId`: tell them our state soon (jittered, so a crowd does not answer at once). */
	#answer(docId: DocId): void {
		if (this.#answerTimers.has(docId)) return;
		const t = setTimeout(
			() => {
				this.#answerTimers.delete(docId);
				const l = this.#local.get(docId);
				if (!l?.state) return;
				l.clock++;
				this.#dirty.add(docId);
				this.#drain();
			},
			100 + Math.floor(Math.random() * 400)
		);
		this.#answerTimers.set(docId, t);
	}

	/** Renewal and expiry, under one timer that runs only while there is something to watch. */
	#ensureTick(): void {
		if (this.#tick) return;
		const renew = this.#opts.renewMs ?? 15_000;
		this.#tick = setInterval(() => this.#onTick(), Math.max(250, Math.min(renew, this.#opts.outdatedMs ?? 30_000) / 3));
		// Node: the timer must not keep a test process alive.
		(this.#tick as { unref?: () => void }).unref?.();
	}

	#onTick(): void {
		const now = this.#now();
		const renew = this.#opts.renewMs ?? 15_000;
		const outdated = this.#opts.outdatedMs ?? 30_000;
		for (const [docId, l] of this.#local) {
			if (l.state !== null && now - l.sentAt >= renew) {
				l.clock++;
				this.#dirty.add(docId);
			}
		}
		this.#drain();
		for (const [docId, m] of this.#peers) {
			let changed = false;
			for (const [id, p] of m) {
				if (now - p.receivedAt > outdated) {
					m.delete(id);
					changed = true;
				}
			}
			if (m.size === 0) this.#peers.delete(docId);
			if (changed) this.#emit(docId);
		}
		if (this.#local.size === 0 && this.#peers.size === 0 && this.#tick) {
			clearInterval(this.#tick);
			this.#tick = null;
		}
	}

	#emit(docId: DocId): void {
		for (const l of this.#listeners) l(docId);
	}
}
