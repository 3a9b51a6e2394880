/**
 * One `GET /sync` connection: the multiplexed protocol of `src/lib/protocol/` for one
 * authenticated user.
 *
 * Handshake and catch-up: the first frame must be HELLO{lastSeq}. The server answers WELCOME
 * with the documents to sync: those the user may see that changed since lastSeq; every visible
 * document (`full`) when lastSeq is 0, ahead of the server, or older than the last directory
 * change (a restriction or team change may have granted documents whose own seq did not move);
 * or, when the client listed its `knownDocs`, exactly the changed or unknown visible ones, with
 * the known ones it may no longer see as `revoked`. The client opens each listed document with
 * SYNC step 1; the server answers step 2 (chunked past 256 KiB) and its own step 1. When every
 * listed document has been answered, CATCHUP_DONE{seq} follows.
 *
 * Live: UPDATE is stored, applied, published to the others and then ACKed (duplicates of a
 * stored updateId are ACKed again, not stored); a client's SYNC step 2 or update is stored and
 * published without ack; AWARENESS is published to the other connections that may see the doc.
 *
 * Visibility: the connection only ever sends bytes of documents its user may see now: every
 * delivery passes `wants`, and access or directory changes produce GRANT / REVOKE (see
 * `hub.ts`). The directory is read-only for clients. A malformed frame gets an ERROR and closes
 * this connection only (1003 bad data, 1009 too large, 1008 protocol violation).
 */
import type WebSocket from 'ws';
import {
	encodeChunked,
	decodeClientFrame,
	type ClientMessage,
	type ErrorCode,
	type HelloMessage,
	type ProtocolError,
	type ServerMessage,
	type SyncMessage,
	type UpdateMessage
} from '../../src/lib/protocol';
import { DIR_DOC_ID } from '../../src/lib/domain/ids';
import type { DocId, UserId } from '../../src/lib/domain/types';
import type { VisibilityTarget } from '../../src/lib/domain/visibility';
import { AwarenessTracker } from './awareness-tracker';
import type { Fanout, FanoutEvent, FanoutSubscriber } from './fanout/fanout';
import type { Store } from './persistence/store';
import type { Rooms } from './rooms';
import type { Visibility } from './visibility';

export const CLOSE_BAD_DATA = 1003;
export const CLOSE_POLICY = 1008;
export const CLOSE_TOO_LARGE = 1009;
export const CLOSE_GOING_AWAY = 1001;
/** The user's access ended (deactivated, deleted, tokens revoked). */
export const CLOSE_UNAUTHORIZED = 4401;

/** Bytes queued on a socket past which the peer is too slow to keep. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export interface ConnectionLimits {
	updatesPerSecond: number;
	awarenessPerSecond: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { updatesPerSecond: 50, awarenessPerSecond: 10 };

export interface SyncDeps {
	rooms: Rooms;
	visibility: Visibility;
	fanout: Fanout;
	store: Store;
	limits: ConnectionLimits;
	log: (message: string) => void;
}

/** Token bucket: `rate` per second, bursts of twice that. */
class Bucket {
	private tokens: number;
	private at = performance.now();
	constructor(private readonly rate: number) {
		this.tokens = rate * 2;
	}
	take(): boolean {
		const now = performance.now();
		this.tokens = Math.min(this.rate * 2, this.tokens + ((now - this.at) / 1000) * this.rate);
		this.at = now;
		if (this.tokens < 1) return false;
		this.tokens--;
		return true;
	}
}

let nextConnectionNumber = 0;

export class SyncConnection implements FanoutSubscriber {
	readonly id: string;
	private phase: 'hello' | 'welcoming' | 'catching-up' | 'live' | 'closed' = 'hello';
	private sees: (a: VisibilityTarget) => boolean = () => false;
	private queued: FanoutEvent[] = [];
	private pendingCatchup = new Set<DocId>();
	private catchupSeq = 0;
	private transferId = 0;
	private readonly updates: Bucket;
	private readonly awarenessRate: Bucket;
	private readonly awareness = new AwarenessTracker();
	private unsubscribe: () => void = () => {};

	constructor(
		private readonly socket: WebSocket,
		readonly userId: UserId,
		private readonly deps: SyncDeps
	) {
		this.id = `s${++nextConnectionNumber}`;
		this.updates = new Bucket(deps.limits.updatesPerSecond);
		this.awarenessRate = new Bucket(deps.limits.awarenessPerSecond);
		this.refreshPredicate();
		this.unsubscribe = deps.fanout.subscribe(this);
		socket.on('message', (data, isBinary) => this.onFrame(data, isBinary));
		socket.on('close', () => this.onClosed());
		socket.on('error', (err) => deps.log(`sync connection ${this.id}: ${err.message}`));
	}

	get isOpen(): boolean {
		return this.phase !== 'closed';
	}

	canSee(docId: DocId): boolean {
		if (docId === DIR_DOC_ID) return this.deps.visibility.user(this.userId)?.active === true;
		const a = this.deps.visibility.accessOf(docId);
		return a !== undefined && this.sees(a);
	}

	seesTarget(a: VisibilityTarget): boolean {
		return this.sees(a);
	}

	/** Recomputes the user's predicate from the current directory; false when the user lost access. */
	refreshPredicate(): boolean {
		const pred = this.deps.visibility.predicateForTarget(this.userId);
		this.sees = pred ?? (() => false);
		return pred !== null;
	}

	// --- fan-out ---------------------------------------------------------------------------

	wants(docId: DocId): boolean {
		return this.phase !== 'hello' && this.phase !== 'closed' && this.canSee(docId);
	}

	deliver(event: FanoutEvent): void {
		if (this.phase === 'welcoming') {
			this.queued.push(event);
			return;
		}
		this.sendEvent(event);
	}

	private sendEvent(event: FanoutEvent): void {
		if (event.type === 'update') this.send({ type: 'remote-update', docId: event.docId, seq: event.seq, update: event.update });
		else this.send({ type: 'awareness', docId: event.docId, update: event.update });
	}

	// --- visibility changes (called by the hub) ----------------------------------------------

	grant(docId: DocId): void {
		if (this.phase === 'hello' || this.phase === 'closed') return;
		this.send({ type: 'grant', docId });
	}

	revoke(docId: DocId, reason: string): void {
		if (this.phase === 'hello' || this.phase === 'closed') return;
		this.pendingCatchup.delete(docId);
		const gone = this.awareness.drainDoc(docId);
		if (gone) this.deps.fanout.publish({ type: 'awareness', docId, update: gone, senderId: this.id });
		this.send({ type: 'revoke', docId, reason });
		this.maybeCatchupDone();
	}

	close(code: number, reason: string): void {
		if (this.phase === 'closed') return;
		this.socket.close(code, reason.slice(0, 120));
		this.onClosed();
	}

	// --- incoming ------------------------------------------------------------------------------

	private onFrame(data: WebSocket.RawData, isBinary: boolean): void {
		if (this.phase === 'closed') return;
		if (!isBinary) return this.protocolError({ code: 'bad_frame', message: 'frames are binary' });
		const bytes = toBytes(data);
		const decoded = decodeClientFrame(bytes);
		if (!decoded.ok) return this.protocolError(decoded.error);
		this.handle(decoded.msg).catch((err: unknown) => {
			this.deps.log(`sync connection ${this.id}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
			this.sendError('internal', 'The server failed to handle a message.');
		});
	}

	private async handle(msg: ClientMessage): Promise<void> {
		if (msg.type === 'ping') return this.send({ type: 'pong', nonce: msg.nonce });
		if (msg.type === 'pong') return;
		if (msg.type === 'hello') {
			if (this.phase !== 'hello') return this.violation('HELLO was already received');
			return this.onHello(msg);
		}
		if (this.phase === 'hello') return this.violation('the first frame must be HELLO');
		if (!this.canSee(msg.docId)) {
			const err = { code: 'forbidden' as const, message: 'You may not see this document.', docId: msg.docId };
			return this.sendError(err.code, err.message, msg.docId, msg.type === 'update' ? msg.updateId : undefined);
		}
		switch (msg.type) {
			case 'sync':
				return this.onSync(msg);
			case 'update':
				return this.onUpdate(msg);
			case 'awareness':
				if (!this.awarenessRate.take()) return;
				this.awareness.observe(msg.docId, msg.update);
				this.deps.fanout.publish({ type: 'awareness', docId: msg.docId, update: msg.update, senderId: this.id });
				return;
		}
	}

	private async onHello(hello: HelloMessage): Promise<void> {
		this.phase = 'welcoming';
		const { store } = this.deps;
		const head = await store.headSeq();
		const changedSince = hello.lastSeq > 0 && hello.lastSeq <= head ? await store.changedSince(hello.lastSeq) : null;
		if (this.phase !== 'welcoming') return;
		const visibleNow = (d: DocId) => this.canSee(d);
		let changed: DocId[];
		let revoked: DocId[] = [];
		let full = false;
		if (hello.knownDocs !== undefined && changedSince !== null) {
			const known = new Set(hello.knownDocs);
			const changedIds = new Set(changedSince.map((c) => c.docId));
			changed = this.allVisible().filter((d) => !known.has(d) || changedIds.has(d));
			revoked = hello.knownDocs.filter((d) => !visibleNow(d));
		} else if (changedSince === null || changedSince.some((c) => c.docId === DIR_DOC_ID)) {
			changed = this.allVisible();
			full = true;
		} else {
			changed = [];
			for (const c of changedSince) (visibleNow(c.docId) ? changed : revoked).push(c.docId);
		}
		this.catchupSeq = head;
		this.pendingCatchup = new Set(changed);
		this.send({ type: 'welcome', seq: head, userId: this.userId, changed, revoked, full });
		this.phase = 'catching-up';
		const queued = this.queued;
		this.queued = [];
		for (const e of queued) if (this.wants(e.docId)) this.sendEvent(e);
		this.maybeCatchupDone();
	}

	private allVisible(): DocId[] {
		const out: DocId[] = [DIR_DOC_ID];
		for (const d of this.deps.visibility.contactDocIds()) if (this.canSee(d)) out.push(d);
		return out;
	}

	private maybeCatchupDone(): void {
		if (this.phase !== 'catching-up' || this.pendingCatchup.size > 0) return;
		this.phase = 'live';
		this.send({ type: 'catchup-done', seq: this.catchupSeq });
	}

	private async onSync(msg: SyncMessage): Promise<void> {
		if (msg.step === 'step1') {
			const snap = await this.deps.rooms.snapshot(msg.docId, msg.stateVector);
			// Visibility may have changed while the snapshot was read.
			if (!this.canSee(msg.docId) || this.phase === 'closed') return;
			this.send({ type: 'sync', docId: msg.docId, step: 'step2', update: snap.update, seq: snap.seq || undefined });
			this.send({ type: 'sync', docId: msg.docId, step: 'step1', stateVector: snap.stateVector });
			if (this.pendingCatchup.delete(msg.docId)) this.maybeCatchupDone();
			return;
		}
		if (msg.docId === DIR_DOC_ID) return this.sendError('forbidden', 'The directory is written by the server only.', msg.docId);
		if (!this.updates.take()) return this.sendError('rate_limited', 'Too many updates; slow down.', msg.docId);
		const res = await this.deps.rooms.applyClientUpdate(msg.docId, msg.update, { senderId: this.id });
		if (!res.ok) this.sendError(res.code, res.message, msg.docId);
	}

	private async onUpdate(msg: UpdateMessage): Promise<void> {
		if (msg.docId === DIR_DOC_ID) {
			return this.sendError('forbidden', 'The directory is written by the server only.', msg.docId, msg.updateId);
		}
		if (!this.updates.take()) return this.sendError('rate_limited', 'Too many updates; slow down.', msg.docId, msg.updateId);
		const res = await this.deps.rooms.applyClientUpdate(msg.docId, msg.update, { senderId: this.id, updateId: msg.updateId });
		if (!res.ok) return this.sendError(res.code, res.message, msg.docId, msg.updateId);
		this.send({ type: 'ack', docId: msg.docId, updateId: msg.updateId, seq: res.seq });
	}

	// --- outgoing ------------------------------------------------------------------------------

	private send(msg: ServerMessage): void {
		if (this.phase === 'closed' || this.socket.readyState !== this.socket.OPEN) return;
		if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) return this.close(CLOSE_POLICY, 'the client reads too slowly');
		for (const frame of encodeChunked(msg, this.transferId)) this.socket.send(frame);
		this.transferId = (this.transferId + 1) % 1_000_000;
	}

	private sendError(code: ErrorCode, message: string, docId?: DocId, updateId?: string): void {
		const err: ServerMessage = { type: 'error', code, message };
		if (docId !== undefined) err.docId = docId;
		if (updateId !== undefined) err.updateId = updateId;
		this.send(err);
	}

	private protocolError(error: ProtocolError): void {
		const code =
			error.code === 'too_large' ? CLOSE_TOO_LARGE : error.code === 'unsupported_version' ? CLOSE_POLICY : CLOSE_BAD_DATA;
		this.sendError(error.code, error.message, error.docId, error.updateId);
		this.close(code, error.message);
	}

	private violation(message: string): void {
		this.sendError('bad_frame', message);
		this.close(CLOSE_POLICY, message);
	}

	private onClosed(): void {
		if (this.phase === 'closed') return;
		this.phase = 'closed';
		this.unsubscribe();
		this.queued = [];
		for (const { docId, update } of this.awareness.drain()) {
			this.deps.fanout.publish({ type: 'awareness', docId, update, senderId: this.id });
		}
		this.onClose?.();
	}

	/** Set by the hub to forget this connection. */
	onClose?: () => void;
}

function toBytes(data: WebSocket.RawData): Uint8Array {
	if (data instanceof ArrayBuffer) return new Uint8Array(data);
	if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
	return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
