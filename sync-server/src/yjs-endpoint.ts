/**
 * `GET /yjs/<docId>?token=`: one document over the stock y-websocket protocol, so that
 * `y-websocket`'s WebsocketProvider (a bot, a script, an AI agent) joins the same rooms as the
 * app. Frames: `varUint messageType` then
 *   0 messageSync       y-protocols/sync: step 1 (state vector), step 2 or update (an update)
 *   1 messageAwareness  varUint8Array awareness update
 *   3 messageQueryAwareness (ignored: the server keeps no awareness state of its own)
 * On open the server sends its step 1; a client step 1 is answered with step 2 from the room.
 * Updates from the client take the same write path as /sync (store, apply, publish; the
 * directory is read-only), and updates from anyone else arrive as sync updates. Authentication
 * and the visibility check happen before the upgrade (see `upgrade.ts`); when the user loses
 * sight of the document later, the connection is closed (4403).
 *
 * An update that builds on changes the server does not have yet (a stock provider sends its
 * edits made while reconnecting before its sync step 2 that holds the earlier ones) is kept
 * pending for this connection, as Yjs keeps pending structs, and applied (validated, stored,
 * relayed) as soon as an update of this connection or of anyone else fills the gap; at most
 * MAX_PENDING_BYTES wait (past that, 1008). Never dropped silently.
 *
 * The stock protocol has no error message, so a rejected update (the validator's reason) closes
 * the connection with 1008 and the reason; the provider reconnects and syncs from the server.
 * Updates past the per-connection rate close it too (1008: dropping one would silently fork
 * the client's copy); awareness past its rate is dropped, and so is a state that does not name
 * the token's user as `user` or `bot` (`awareness-identity.ts`; a bot uses a user's token).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type WebSocket from 'ws';
import { checkAwarenessUpdate, MAX_AWARENESS_BYTES, MAX_UPDATE_BYTES } from '../../src/lib/protocol';
import { encodeState, stateVector } from '../../src/lib/doc';
import { DIR_DOC_ID } from '../../src/lib/domain/ids';
import type { DocId, UserId } from '../../src/lib/domain/types';
import { directoryStateGuard } from './awareness-identity';
import { AwarenessTracker, clocksFor } from './awareness-tracker';
import { contactLookup, redactPresence } from './presence-filter';
import { closeReason, connectionBuckets } from './connection';
import { CLOSE_FORBIDDEN, CLOSE_INTERNAL, CLOSE_POLICY, CLOSE_PROTOCOL_ERROR, CLOSE_RATE_LIMITED, CLOSE_TOO_LARGE } from '../../src/lib/protocol/close';
import type { RateLimiter } from './limits/rate-limit';
import { MAX_GAP_PENDING_BYTES } from './limits/constants';
import { framedOnce, type FanoutEvent, type FanoutSubscriber } from './fanout/fanout';
import { sendPrepared, type PreparedFrame } from './prepared-frame';
import type { SyncDeps } from './connection';
import type { Room } from './rooms';

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_QUERY_AWARENESS = 3;
const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;
/** Bytes of updates one /yjs connection may keep pending (waiting for changes they build on). */
export const MAX_PENDING_BYTES = MAX_GAP_PENDING_BYTES;

class InputError extends Error {
	constructor(
		readonly closeCode: number,
		message: string
	) {
		super(message);
	}
}

/** A y-protocols sync message: [messageSync, step, payload]. */
function syncFrame(step: number, payload: Uint8Array): Uint8Array {
	const enc = encoding.createEncoder();
	encoding.writeVarUint(enc, MESSAGE_SYNC);
	encoding.writeVarUint(enc, step);
	encoding.writeVarUint8Array(enc, payload);
	return encoding.toUint8Array(enc);
}

/** A y-protocols awareness message: [messageAwareness, update]. */
function awarenessFrame(update: Uint8Array): Uint8Array {
	const enc = encoding.createEncoder();
	encoding.writeVarUint(enc, MESSAGE_AWARENESS);
	encoding.writeVarUint8Array(enc, update);
	return encoding.toUint8Array(enc);
}

/** The y-protocols message of a fan-out event, as every /yjs recipient gets it. */
function yjsFrameOf(event: FanoutEvent): Uint8Array {
	return event.type === 'update' ? syncFrame(SYNC_UPDATE, event.update) : awarenessFrame(event.update);
}

function readPayload(dec: decoding.Decoder, max: number, what: string): Uint8Array {
	const len = decoding.readVarUint(dec);
	if (len > max) throw new InputError(CLOSE_TOO_LARGE, `${what} larger than ${max} bytes`);
	if (len > dec.arr.length - dec.pos) throw new InputError(CLOSE_PROTOCOL_ERROR, `${what} is truncated`);
	return new Uint8Array(decoding.readUint8Array(dec, len));
}

let nextNumber = 0;

export class YjsConnection implements FanoutSubscriber {
	readonly id = `y${++nextNumber}`;
	private room: Room | null = null;
	private chain: Promise<void>;
	private closed = false;
	/** The awareness clients this connection speaks for; states must name its user (awareness-identity). */
	private readonly awareness: AwarenessTracker;
	private readonly updates: RateLimiter;
	private readonly awarenessRate: RateLimiter;
	/** Updates waiting for changes the server does not have yet, in arrival order. */
	private pending: Uint8Array[] = [];
	private pendingBytes = 0;

	constructor(
		private readonly socket: WebSocket,
		readonly userId: UserId,
		readonly docId: DocId,
		private readonly deps: SyncDeps
	) {
		({ updates: this.updates, awareness: this.awarenessRate } = connectionBuckets(deps.limits));
		this.awareness = new AwarenessTracker(directoryStateGuard(userId, deps.visibility));
		socket.on('error', (err) => deps.log(`yjs connection ${this.id}: ${err.message}`));
		socket.on('close', () => this.onClosed());
		socket.on('message', (data, isBinary) => {
			const bytes = isBinary ? toBytes(data) : null;
			this.chain = this.chain.then(() => (bytes ? this.onFrame(bytes) : this.fail(CLOSE_PROTOCOL_ERROR, 'frames are binary')));
		});
		this.chain = deps.rooms.hold(docId).then(
			(room) => {
				if (this.closed) return deps.rooms.release(room);
				this.room = room;
				deps.fanout.subscribe(this);
				this.sendSync(SYNC_STEP1, stateVector(room.ydoc));
			},
			(err: unknown) => this.fail(CLOSE_INTERNAL, `could not load the document: ${String(err)}`)
		);
	}

	canSee(): boolean {
		return this.deps.visibility.canSee(this.userId, this.docId);
	}

	wants(docId: DocId): boolean {
		return !this.closed && docId === this.docId && this.room !== null && this.canSee();
	}

	/** Frames are encoded once per event for every /yjs recipient, unless redacted for this one. */
	deliver(event: FanoutEvent): void {
		if (event.type === 'update') {
			if (this.pending.length > 0) {
				this.chain = this.chain.then(() => this.retryPending()).catch((err: unknown) => this.fail(CLOSE_INTERNAL, `pending updates failed: ${String(err)}`));
			}
			return this.sendShared(framedOnce(event, 'yjs', yjsFrameOf));
		}
		const update = this.docId === DIR_DOC_ID ? redactPresence(event.update, this.contacts) : event.update;
		if (!update) return;
		this.awareness.delivered(this.docId, clocksFor(event, update));
		if (update === event.update) this.sendShared(framedOnce(event, 'yjs', yjsFrameOf));
		else this.send(awarenessFrame(update));
	}

	/** Contact references this connection's user may see (presence on the directory). */
	private readonly contacts = contactLookup(
		(d) => this.deps.visibility.accessOf(d) !== undefined,
		(d) => this.deps.visibility.canSee(this.userId, d)
	);

	close(code: number, reason: string): void {
		if (this.closed) return;
		try {
			this.socket.close(code, closeReason(reason));
		} catch (err) {
			this.deps.log(`yjs connection ${this.id}: close failed: ${String(err)}`);
			this.socket.terminate();
		}
		this.onClosed();
	}

	private async onFrame(bytes: Uint8Array): Promise<void> {
		if (this.closed || !this.room) return;
		try {
			const dec = decoding.createDecoder(bytes);
			const type = decoding.readVarUint(dec);
			if (type === MESSAGE_SYNC) {
				const step = decoding.readVarUint(dec);
				const payload = readPayload(dec, MAX_UPDATE_BYTES, 'sync payload');
				if (step === SYNC_STEP1) {
					if (!this.deps.budgets.takeDocSync(this.userId)) return this.fail(CLOSE_RATE_LIMITED, 'too many syncs from your account; retry later');
					this.sendSync(SYNC_STEP2, encodeState(this.room.ydoc, payload));
				} else if (step === SYNC_STEP2 || step === SYNC_UPDATE) {
					// A stock client answers our step 1 with its step 2, usually holding nothing new: that
					// one goes through validation (which refuses any real change to the directory), so a
					// read-only client of `dir` (presence) stays connected.
					if (this.docId === DIR_DOC_ID && step === SYNC_UPDATE) return this.fail(CLOSE_POLICY, 'the directory is written by the server only');
					if (!this.updates.take()) return this.fail(CLOSE_POLICY, 'too many updates; slow down');
					const over = this.deps.budgets.takeUpdate(this.userId, payload.length);
					if (over) return this.fail(CLOSE_RATE_LIMITED, over.message);
					const verdict = await this.write(payload);
					if (verdict === 'missing') {
						if (this.pendingBytes + payload.length > MAX_PENDING_BYTES) return this.fail(CLOSE_POLICY, 'too many updates wait for changes the server does not have');
						this.pending.push(payload);
						this.pendingBytes += payload.length;
					} else if (verdict === 'stored') {
						await this.retryPending();
					}
				} else {
					throw new InputError(CLOSE_PROTOCOL_ERROR, `unknown sync step ${step}`);
				}
			} else if (type === MESSAGE_AWARENESS) {
				const update = readPayload(dec, MAX_AWARENESS_BYTES, 'awareness update');
				checkAwarenessUpdate(update);
				if (!this.awarenessRate.take()) return;
				const news = this.awareness.observe(this.docId, update);
				if (news) this.deps.fanout.publish({ type: 'awareness', docId: this.docId, update: news, senderId: this.id });
			} else if (type !== MESSAGE_QUERY_AWARENESS) {
				throw new InputError(CLOSE_PROTOCOL_ERROR, `unknown message type ${type}`);
			}
		} catch (err) {
			if (err instanceof InputError) return this.fail(err.closeCode, err.message);
			return this.fail(CLOSE_PROTOCOL_ERROR, `malformed frame: ${err instanceof Error ? err.message : String(err)}`);
		}
	}

	/** Validates and stores one update; 'missing' when it must wait; failures close the connection. */
	private async write(update: Uint8Array): Promise<'stored' | 'missing' | 'failed'> {
		const user = this.deps.visibility.user(this.userId);
		if (!user || !user.active) {
			this.fail(CLOSE_FORBIDDEN, 'access ended');
			return 'failed';
		}
		const res = await this.deps.rooms.applyClientUpdate(this.docId, update, { senderId: this.id, userId: this.userId, role: user.role });
		if (res.ok) return 'stored';
		if (res.missing) return 'missing';
		this.fail(res.code === 'too_large' ? CLOSE_TOO_LARGE : res.code === 'internal' ? CLOSE_INTERNAL : CLOSE_POLICY, res.message);
		return 'failed';
	}

	/** Applies the pending updates whose gaps are filled now, until none is left or none moves. */
	private async retryPending(): Promise<void> {
		let moved = true;
		while (moved && this.pending.length > 0 && !this.closed) {
			moved = false;
			for (const update of [...this.pending]) {
				const verdict = await this.write(update);
				if (verdict === 'failed') return;
				if (verdict === 'stored') {
					this.pending.splice(this.pending.indexOf(update), 1);
					this.pendingBytes -= update.length;
					moved = true;
				}
			}
		}
	}

	private sendSync(step: number, payload: Uint8Array): void {
		this.send(syncFrame(step, payload));
	}

	private send(frame: Uint8Array): void {
		if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
		this.socket.send(frame);
	}

	private sendShared(frame: PreparedFrame): void {
		if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
		sendPrepared(this.socket, frame);
	}

	private fail(code: number, reason: string): void {
		this.deps.log(`yjs connection ${this.id} closed: ${reason}`);
		this.close(code, reason);
	}

	private onClosed(): void {
		if (this.closed) return;
		this.closed = true;
		this.deps.fanout.unsubscribe(this);
		for (const { docId, update } of this.awareness.drain()) {
			this.deps.fanout.publish({ type: 'awareness', docId, update, senderId: this.id });
		}
		if (this.room) this.deps.rooms.release(this.room);
		this.room = null;
		this.onClose?.(this);
	}

	/** Set by the hub to forget this connection. */
	onClose?: (conn: YjsConnection) => void;
}

function toBytes(data: WebSocket.RawData): Uint8Array {
	if (data instanceof ArrayBuffer) return new Uint8Array(data);
	if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
	return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
