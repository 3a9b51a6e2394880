/**
 * One `GET /sync` connection: the multiplexed protocol of `src/lib/protocol/` for one
 * authenticated user.
 *
 * Handshake and catch-up: the first frame must be HELLO{lastSeq}. The server answers WELCOME
 * with the documents to sync: those the user may see that changed since lastSeq; every visible
 * document (`full`) when lastSeq is 0, ahead of the server, lost in an unclean stop of the store
 * (`Store.seqMayBeLost`), or older than the last directory
 * change (a restriction or team change may have granted documents whose own seq did not move);
 * or, when the client listed its `knownDocs`, exactly the changed or unknown visible ones, with
 * the known ones it may no longer see as `revoked` (without `knownDocs` nothing is revoked:
 * naming the changed documents it may not see would leak them). The client opens each listed document with
 * SYNC step 1; the server answers step 2 (chunked past 256 KiB) and its own step 1. When every
 * listed document has been answered, CATCHUP_DONE{seq} follows.
 *
 * Live: UPDATE is validated, stored, applied, published to the others and then ACKed
 * (duplicates of a stored updateId are ACKed again, not stored); a client's SYNC step 2 or
 * update takes the same path without ack; AWARENESS is published to the other connections that
 * may see the doc, each state only if it names this connection's user (its name is the
 * directory's; others are dropped, see `awareness-identity.ts`). A rejected update gets
 * ERROR{rejected_update, docId, updateId, reason} and nothing else happens to it: the client
 * drops its copy of the document and syncs it again from an empty state vector (replica.ts),
 * which is all it needs to converge back to the server.
 *
 * Limits (limits/constants.ts): updates and awareness per second (token buckets; an update over
 * the rate gets ERROR rate_limited, at most one per REFUSAL_REPLY_WINDOW_MS, the others in the
 * window are dropped without a reply and stay the client's to resend; awareness is dropped). Per
 * user over all connections (limits/user-budget.ts): update bytes and count per second, bytes per
 * day (ERROR quota_exceeded), full catch-ups per minute (close 4429), documents synced per second
 * (the socket is not read until there is room); a user's writes run one at a time and a
 * connection's document reads one per event-loop turn, so no one user holds the server. At
 * most `maxOpenDocs` documents with work in flight (more wait, up to `maxQueuedBytes` of
 * waiting messages; past that ERROR rate_limited), an update over
 * 256 KiB closes with 1009, frames over 1 MiB are closed by `ws` itself (maxPayload).
 *
 * Visibility: the connection only ever sends bytes of documents its user may see now: every
 * delivery passes `wants`, and access or directory changes produce GRANT / REVOKE (see
 * `hub.ts`). The directory is read-only for clients. A malformed frame gets an ERROR and closes
 * this connection only (codes of `src/lib/protocol/close.ts`: 1002 malformed, 1009 too large, 1008 a
 * rule broken, 4426 another protocol version).
 */
import type WebSocket from 'ws';
import {
	closeCodeFor,
	encodeChunked,
	encodeFrame,
	decodeClientFrame,
	MAX_CHUNK_BYTES,
	MAX_DOC_IDS,
	type ClientMessage,
	type ErrorCode,
	type HelloMessage,
	type ProtocolError,
	type ServerMessage,
	type SyncMessage,
	type UpdateMessage
} from '../../src/lib/protocol';
import { BOOTSTRAP_SUMMARIES, type BootstrapItem, type BootstrapRequestMessage, type DocsItem, type DocsRequestMessage } from '../../src/lib/protocol/bootstrap';
import type { BootstrapIndex } from './bootstrap';
import { DIR_DOC_ID } from '../../src/lib/domain/ids';
import { mergeUpdates } from '../../src/lib/doc';
import type { DocId, UserId } from '../../src/lib/domain/types';
import type { VisibilityTarget } from '../../src/lib/domain/visibility';
import { directoryStateGuard } from './awareness-identity';
import { AwarenessTracker, clocksFor } from './awareness-tracker';
import { contactLookup, redactPresence, type ContactLookup } from './presence-filter';
import { framedOnce, type Fanout, type FanoutEvent, type FanoutSubscriber } from './fanout/fanout';
import type { ChangeFeed, ChangedDoc } from './persistence/store';
import { UnreadableDocError } from './quarantine';
import type { Rooms } from './rooms';
import type { Visibility } from './visibility';
import {
	AWARENESS_BURST,
	AWARENESS_PER_SEC,
	MAX_OPEN_DOCS_PER_CONNECTION,
	MAX_GAP_PENDING_BYTES,
	MAX_QUEUED_BYTES_PER_CONNECTION,
	REFUSAL_REPLY_WINDOW_MS,
	UPDATES_BURST,
	UPDATES_PER_SEC
} from './limits/constants';
import { CLOSE_POLICY, CLOSE_PROTOCOL_ERROR, CLOSE_RATE_LIMITED } from '../../src/lib/protocol/close';
import type { UserBudgets } from './limits/user-budget';
import { RateLimiter } from './limits/rate-limit';
import { sendPrepared, type PreparedFrame } from './prepared-frame';
import type { Role } from '../../src/lib/domain/types';


/** Updates up to this size fit one frame with room for its header: encoded once per event. */
const MAX_SHARED_FRAME_BYTES = MAX_CHUNK_BYTES - 1024;

/** Document reads waiting on one connection past which its socket is not read until they drain. */
const READS_QUEUED_PAUSE = 256;

/** Contacts a catch-up sends first, newest first, before the user's own (`catchUpOrder`). */
const CATCH_UP_FIRST_PAGE = 50;

/** Bytes queued on a socket past which the peer is too slow to keep. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export interface ConnectionLimits {
	updatesPerSecond: number;
	/** Largest burst of updates; defaults to max(UPDATES_BURST, 2 x updatesPerSecond). */
	updatesBurst?: number;
	awarenessPerSecond: number;
	awarenessBurst?: number;
	/** Documents one connection may have reads or writes in flight for at once; more wait. */
	maxOpenDocs: number;
	/** Bytes of messages waiting for an open-document slot; past it they are refused. */
	maxQueuedBytes?: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
	updatesPerSecond: UPDATES_PER_SEC,
	updatesBurst: UPDATES_BURST,
	awarenessPerSecond: AWARENESS_PER_SEC,
	awarenessBurst: AWARENESS_BURST,
	maxOpenDocs: MAX_OPEN_DOCS_PER_CONNECTION,
	maxQueuedBytes: MAX_QUEUED_BYTES_PER_CONNECTION
};

/** The per-connection token buckets for updates and awareness of `limits`. */
export function connectionBuckets(limits: ConnectionLimits): { updates: RateLimiter; awareness: RateLimiter } {
	return {
		updates: new RateLimiter({
			ratePerSec: limits.updatesPerSecond,
			burst: limits.updatesBurst ?? Math.max(UPDATES_BURST, 2 * limits.updatesPerSecond)
		}),
		awareness: new RateLimiter({
			ratePerSec: limits.awarenessPerSecond,
			burst: limits.awarenessBurst ?? Math.max(AWARENESS_BURST, 2 * limits.awarenessPerSecond)
		})
	};
}

/** A WebSocket close reason cut to the 123 UTF-8 bytes the protocol allows (`ws` throws past it). */
export function closeReason(reason: string): string {
	let out = reason.slice(0, 123);
	while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
	return out;
}

export interface SyncDeps {
	rooms: Rooms;
	visibility: Visibility;
	fanout: Fanout;
	store: ChangeFeed;
	limits: ConnectionLimits;
	/** What all of a user's connections together may cost (limits/user-budget.ts). */
	budgets: UserBudgets;
	log: (message: string) => void;
	/** The bootstrap snapshot (issue 26); without it a BOOTSTRAP gets one empty, done chunk. */
	bootstrap?: BootstrapIndex;
}

/** A bootstrap chunk is cut at this many payload bytes or items. */
const BOOTSTRAP_CHUNK_BYTES = 192 * 1024;
const BOOTSTRAP_CHUNK_ITEMS = 2_000;
/** Bytes queued on the socket past which a bootstrap answer waits for the client to read. */
const BOOTSTRAP_BUFFERED_BYTES = 4 * 1024 * 1024;
/** A DOCS_CHUNK is cut at this many bytes of document states (one frame, no CHUNK transfer, for most). */
const DOCS_CHUNK_BYTES = MAX_CHUNK_BYTES - 16 * 1024;
/** Documents of a DOCS answer per token of the user's document-sync budget (a batched read costs a fraction of a SYNC exchange). */
const DOCS_PER_SYNC_TOKEN = 4;
/** Document ids of DOCS requests waiting on one connection; past it a request is refused (rate_limited). */
const DOCS_QUEUED_MAX = 4 * 1_000;

let nextConnectionNumber = 0;

export class SyncConnection implements FanoutSubscriber {
	readonly id: string;
	private phase: 'hello' | 'welcoming' | 'catching-up' | 'live' | 'closed' = 'hello';
	// Memory: an idle connection is most of what a server holds (one per open tab), so what only
	// some connections need (queues, catch-up state, awareness bookkeeping, the presence filter)
	// is allocated on first use; the budget is 4 KiB above the socket.
	private sees: (a: VisibilityTarget) => boolean = () => false;
	/** Known documents sent in KNOWN_DOCS frames ahead of HELLO. */
	private knownBefore: DocId[] | null = null;
	/** Events that arrived while WELCOME was being prepared. */
	private queued: FanoutEvent[] | null = null;
	private pendingCatchup: Set<DocId> | null = null;
	private catchupSeq = 0;
	private transferId = 0;
	private readonly updates: RateLimiter;
	private readonly awarenessRate: RateLimiter;
	/** Documents with a read or write of this connection in flight, and how many. */
	private openDocs: Map<DocId, number> | null = null;
	/** Messages waiting for an open-document slot, and their bytes. */
	private slotWaiters: Array<() => void> | null = null;
	private queuedBytes = 0;
	private tracker: AwarenessTracker | null = null;
	private lookup: ContactLookup | null = null;
	/** When the last over-rate ERROR was sent: one per REFUSAL_REPLY_WINDOW_MS, the rest are dropped silently. */
	private lastRefusalAt = -Infinity;
	/** Reasons the socket is not being read (over the sync budget, reads queued); read again at 0. */
	private pauses = 0;
	/** The last document read (SYNC step 1) queued: reads run one at a time, one per event-loop turn. */
	private reads: Promise<void> | null = null;
	private readsQueued = 0;

	constructor(
		private readonly socket: WebSocket,
		readonly userId: UserId,
		private readonly deps: SyncDeps
	) {
		this.id = `s${++nextConnectionNumber}`;
		({ updates: this.updates, awareness: this.awarenessRate } = connectionBuckets(deps.limits));
		this.refreshPredicate();
		deps.fanout.subscribe(this);
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
		// Another writer may have filled the gap an update of this connection waits on.
		if (event.type === 'update' && this.gapped?.size) void this.retryGapped(event.docId);
		if (this.phase === 'welcoming') {
			(this.queued ??= []).push(event);
			return;
		}
		this.sendEvent(event);
	}

	/**
	 * One event to this connection. The frame is the same for every /sync recipient unless the
	 * presence on the directory was redacted for this user, so it is encoded once per event
	 * (`framedOnce`); a frame too large for one chunk is split per connection (transfer ids are
	 * the connection's).
	 */
	private sendEvent(event: FanoutEvent): void {
		if (event.type === 'update') {
			if (event.update.length > MAX_SHARED_FRAME_BYTES) {
				return this.send({ type: 'remote-update', docId: event.docId, seq: event.seq, update: event.update });
			}
			return this.sendFrame(framedOnce(event, 'sync', syncFrameOf));
		}
		const update = event.docId === DIR_DOC_ID ? redactPresence(event.update, this.contacts) : event.update;
		if (!update) return;
		this.awareness.delivered(event.docId, clocksFor(event, update));
		if (update !== event.update) return this.send({ type: 'awareness', docId: event.docId, update });
		this.sendFrame(framedOnce(event, 'sync', syncFrameOf));
	}

	/** The awareness clients this connection speaks for; states must name its user (awareness-identity). */
	private get awareness(): AwarenessTracker {
		return (this.tracker ??= new AwarenessTracker(directoryStateGuard(this.userId, this.deps.visibility)));
	}

	/** Contact references this connection's user may see (presence on the directory). */
	private get contacts(): ContactLookup {
		return (this.lookup ??= contactLookup(
			(d) => this.deps.visibility.accessOf(d) !== undefined,
			(d) => this.canSee(d)
		));
	}

	// --- visibility changes (called by the hub) ----------------------------------------------

	grant(docId: DocId): void {
		if (this.phase === 'hello' || this.phase === 'closed') return;
		this.send({ type: 'grant', docId });
	}

	revoke(docId: DocId, reason: string): void {
		if (this.phase === 'hello' || this.phase === 'closed') return;
		this.pendingCatchup?.delete(docId);
		const gone = this.tracker?.drainDoc(docId);
		if (gone) this.deps.fanout.publish({ type: 'awareness', docId, update: gone, senderId: this.id });
		this.send({ type: 'revoke', docId, reason });
		this.maybeCatchupDone();
	}

	close(code: number, reason: string): void {
		if (this.phase === 'closed') return;
		try {
			this.socket.close(code, closeReason(reason));
		} catch (err) {
			this.deps.log(`sync connection ${this.id}: close failed: ${String(err)}`);
			this.socket.terminate();
		}
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
		if (msg.type === 'known-docs') {
			if (this.phase !== 'hello') return this.violation('KNOWN_DOCS comes before HELLO only');
			const known = (this.knownBefore ??= []);
			if (known.length + msg.ids.length > MAX_DOC_IDS) return this.protocolError({ code: 'too_large', message: `more than ${MAX_DOC_IDS} known documents` });
			for (const id of msg.ids) known.push(id);
			return;
		}
		if (msg.type === 'hello') {
			if (this.phase !== 'hello') return this.violation('HELLO was already received');
			// KNOWN_DOCS frames before it hold the first ids of its list (it did not fit one frame).
			const before = this.knownBefore;
			this.knownBefore = null;
			if (before && msg.knownDocs) return this.onHello({ ...msg, knownDocs: [...before, ...msg.knownDocs] });
			if (before) return this.violation('KNOWN_DOCS must be followed by a HELLO that lists known documents');
			return this.onHello(msg);
		}
		if (this.phase === 'hello') return this.violation('the first frame must be HELLO');
		if (msg.type === 'bootstrap') return this.onBootstrap(msg);
		if (msg.type === 'docs') return this.onDocs(msg);
		if (!this.canSee(msg.docId)) {
			const err = { code: 'forbidden' as const, message: 'You may not see this document.', docId: msg.docId };
			return this.sendError(err.code, err.message, msg.docId, msg.type === 'update' ? msg.updateId : undefined);
		}
		switch (msg.type) {
			case 'sync':
				return this.withOpenDoc(msg.docId, undefined, msg.step === 'step1' ? msg.stateVector.length : msg.update.length, () => this.onSync(msg));
			case 'update':
				return this.withOpenDoc(msg.docId, msg.updateId, msg.update.length, () => this.onUpdate(msg));
			case 'awareness': {
				// Over the rate, awareness is dropped: the next state replaces it anyway.
				if (!this.awarenessRate.take()) return;
				const news = this.awareness.observe(msg.docId, msg.update);
				if (news) this.deps.fanout.publish({ type: 'awareness', docId: msg.docId, update: news, senderId: this.id });
				return;
			}
		}
	}

	/**
	 * Runs `fn` while `docId` counts as open. Past `maxOpenDocs` documents a new one waits for a
	 * slot (a catch-up asks for every document at once); past `maxQueuedBytes` of waiting
	 * messages it is refused with ERROR rate_limited.
	 */
	private async withOpenDoc(docId: DocId, updateId: string | undefined, bytes: number, fn: () => Promise<void>): Promise<void> {
		const { maxOpenDocs, maxQueuedBytes = MAX_QUEUED_BYTES_PER_CONNECTION } = this.deps.limits;
		const openDocs = (this.openDocs ??= new Map());
		while (!openDocs.has(docId) && openDocs.size >= maxOpenDocs) {
			if (this.queuedBytes + bytes > maxQueuedBytes) {
				return this.sendError('rate_limited', `At most ${maxOpenDocs} documents may be open at once and the queue is full; retry later.`, docId, updateId);
			}
			this.queuedBytes += bytes;
			await new Promise<void>((resolve) => (this.slotWaiters ??= []).push(resolve));
			this.queuedBytes -= bytes;
			if (this.phase === 'closed') return;
		}
		openDocs.set(docId, (openDocs.get(docId) ?? 0) + 1);
		try {
			await fn();
		} finally {
			const left = (openDocs.get(docId) ?? 1) - 1;
			if (left > 0) openDocs.set(docId, left);
			else {
				openDocs.delete(docId);
				this.slotWaiters?.shift()?.();
			}
		}
	}

	/** The writer as the validator sees it: the token's user with the directory's current role. */
	private source(updateId?: string): { senderId: string; updateId?: string; userId: UserId; role: Role } | null {
		const user = this.deps.visibility.user(this.userId);
		if (!user || !user.active) return null;
		return { senderId: this.id, userId: this.userId, role: user.role, ...(updateId !== undefined ? { updateId } : {}) };
	}

	/** A refused update: ERROR with its code and reason; `too_large` also ends the connection. */
	private refuseUpdate(code: ErrorCode, message: string, docId: DocId, updateId?: string): void {
		this.sendError(code, message, docId, updateId);
		const close = closeCodeFor(code);
		if (close !== null) this.close(close, message);
	}

	private async onHello(hello: HelloMessage): Promise<void> {
		this.phase = 'welcoming';
		const { store } = this.deps;
		const head = await store.headSeq();
		const usable = hello.lastSeq > 0 && hello.lastSeq <= head && !(await store.seqMayBeLost(hello.lastSeq));
		const changedSince = usable ? await store.changedSince(hello.lastSeq) : null;
		if (this.phase !== 'welcoming') return;
		const visibleNow = (d: DocId) => this.canSee(d);
		let changed: DocId[];
		let revoked: DocId[] = [];
		let full = false;
		let everything = false;
		if (hello.knownDocs !== undefined && changedSince !== null) {
			const known = new Set(hello.knownDocs);
			const changedIds = new Set(changedSince.map((c) => c.docId));
			const all = this.allVisible();
			changed = all.filter((d) => !known.has(d) || changedIds.has(d));
			revoked = hello.knownDocs.filter((d) => !visibleNow(d));
			everything = changed.length === all.length && all.length > 1;
		} else if (changedSince === null || changedSince.some((c) => c.docId === DIR_DOC_ID)) {
			changed = this.allVisible();
			full = true;
			everything = true;
		} else {
			// Without `knownDocs` the server cannot tell a document the client held (and lost
			// sight of) from one it never saw, so it revokes nothing: listing the changed documents
			// it may not see would tell it their ids and that they changed (SPEC S1.9).
			changed = changedSince.map((c) => c.docId).filter(visibleNow);
		}
		// A catch-up of every document is the most a client can ask for: a few per minute per user.
		if (everything && !this.deps.budgets.takeFullSync(this.userId)) {
			const wait = this.deps.budgets.fullSyncRetryAfterSec(this.userId);
			this.sendError('rate_limited', `Too many full syncs from your account; retry in ${wait} s.`);
			return this.close(CLOSE_RATE_LIMITED, `too many full syncs; retry in ${wait} s`);
		}
		if (changed.length > 1) changed = await this.catchUpOrder(changed, changedSince);
		if (this.phase !== 'welcoming') return;
		this.catchupSeq = head;
		this.pendingCatchup = changed.length > 0 ? new Set(changed) : null;
		this.send({ type: 'welcome', seq: head, userId: this.userId, changed, revoked, full });
		this.phase = 'catching-up';
		const queued = this.queued ?? [];
		this.queued = null;
		for (const e of queued) if (this.wants(e.docId)) this.sendEvent(e);
		this.maybeCatchupDone();
	}

	/**
	 * Issue 17: the order the client asks for the documents of a catch-up (it follows WELCOME),
	 * so that over a slow link the list shows the right conversations first: the directory, the
	 * newest page of contacts (the default list, newest first), then the contacts assigned to
	 * this user (Mine), then the others, each newest activity first. The newest stored update
	 * stands for activity: no document is loaded to sort.
	 */
	private async catchUpOrder(changed: DocId[], known: ChangedDoc[] | null): Promise<DocId[]> {
		const seqs = new Map<DocId, number>();
		for (const c of known ?? []) seqs.set(c.docId, c.seq);
		if (known === null || changed.some((d) => d !== DIR_DOC_ID && !seqs.has(d))) {
			// Issue 26: the bootstrap snapshot knows every document's newest seq; a first login
			// need not scan the whole update log for it.
			const index = this.deps.bootstrap;
			if (index?.built) for (const d of changed) seqs.set(d, index.seqOf(d));
			else for (const c of await this.deps.store.changedSince(0)) seqs.set(c.docId, c.seq);
		}
		const byActivity = changed.map((d) => ({ d, seq: d === DIR_DOC_ID ? Infinity : (seqs.get(d) ?? 0) })).sort((a, b) => b.seq - a.seq);
		const firstPage = byActivity.slice(0, CATCH_UP_FIRST_PAGE + 1);
		const rest = byActivity.slice(CATCH_UP_FIRST_PAGE + 1);
		const mine = (d: DocId) => this.deps.visibility.accessOf(d)?.assigneeId === this.userId;
		return [...firstPage, ...rest.filter((x) => mine(x.d)), ...rest.filter((x) => !mine(x.d))].map((x) => x.d);
	}

	private allVisible(): DocId[] {
		const out: DocId[] = [DIR_DOC_ID];
		for (const d of this.deps.visibility.contactDocIds()) if (this.canSee(d)) out.push(d);
		return out;
	}

	private maybeCatchupDone(): void {
		if (this.phase !== 'catching-up' || (this.pendingCatchup?.size ?? 0) > 0) return;
		this.phase = 'live';
		this.pendingCatchup = null;
		this.send({ type: 'catchup-done', seq: this.catchupSeq });
	}

	private async onSync(msg: SyncMessage): Promise<void> {
		if (msg.step === 'step1') return this.queueRead(msg.docId, msg.stateVector);
		if (msg.docId === DIR_DOC_ID) return this.sendError('forbidden', 'The directory is written by the server only.', msg.docId);
		if (!this.updates.take()) return this.refuseOverRate('rate_limited', 'Too many updates; slow down.', msg.docId);
		const over = this.deps.budgets.takeUpdate(this.userId, msg.update.length);
		if (over) return this.refuseOverRate(over.code, over.message, msg.docId);
		const from = this.source();
		if (!from) return this.sendError('forbidden', 'You may not write this document.', msg.docId);
		const res = await this.deps.budgets.inTurn(this.userId, () => this.deps.rooms.applyClientUpdate(msg.docId, msg.update, from));
		if (!res.ok) this.refuseUpdate(res.code, res.message, msg.docId);
	}

	private async onUpdate(msg: UpdateMessage): Promise<void> {
		if (msg.docId === DIR_DOC_ID) {
			return this.sendError('forbidden', 'The directory is written by the server only.', msg.docId, msg.updateId);
		}
		if (!this.updates.take()) return this.refuseOverRate('rate_limited', 'Too many updates; slow down.', msg.docId, msg.updateId);
		const over = this.deps.budgets.takeUpdate(this.userId, msg.update.length);
		if (over) return this.refuseOverRate(over.code, over.message, msg.docId, msg.updateId);
		const from = this.source(msg.updateId);
		if (!from) return this.sendError('forbidden', 'You may not write this document.', msg.docId, msg.updateId);
		// A resent update supersedes its copy waiting for a gap (one ack per update id).
		this.dropGapped(msg.updateId);
		const res = await this.deps.budgets.inTurn(this.userId, () => this.deps.rooms.applyClientUpdate(msg.docId, msg.update, from));
		if (!res.ok && res.missing && this.gappedBytes + msg.update.length <= MAX_GAP_PENDING_BYTES) {
			// It builds on an update of its client the server does not have yet (refused over a rate,
			// resent after a pause): kept, as Yjs keeps pending structs, until the gap is filled.
			(this.gapped ??= new Map()).set(msg.updateId, { docId: msg.docId, update: msg.update });
			this.gappedBytes += msg.update.length;
			return;
		}
		if (!res.ok) return this.refuseUpdate(res.code, res.message, msg.docId, msg.updateId);
		this.send({ type: 'ack', docId: msg.docId, updateId: msg.updateId, seq: res.seq });
		if (this.gapped?.size) await this.retryGapped(msg.docId);
	}

	/** The bootstrap answer in progress; a new request ends the older one. */
	private bootstrapRun = 0;

	/**
	 * Issue 26: one part of the bootstrap snapshot, in contact-id order, as chunks of at most
	 * BOOTSTRAP_CHUNK_BYTES, each cut only of contacts this user may see at that moment, read
	 * while the client keeps up (the socket's buffer bounds what waits here). A resumed request
	 * (`after`) gets the contacts after its cursor, plus those before it written since `seq`.
	 */
	private async onBootstrap(msg: BootstrapRequestMessage): Promise<void> {
		const run = ++this.bootstrapRun;
		const index = this.deps.bootstrap;
		const head = await this.deps.store.headSeq();
		if (!index) return this.send({ type: 'bootstrap-chunk', part: msg.part, seq: head, total: 0, done: true, items: [] });
		const ids = index.sortedIds();
		let total = 0;
		for (const id of ids) if (this.canSee(id)) total++;
		let start = 0;
		if (msg.after !== '') {
			let lo = 0;
			let hi = ids.length;
			while (lo < hi) {
				const mid = (lo + hi) >> 1;
				if (ids[mid]! <= msg.after) lo = mid + 1;
				else hi = mid;
			}
			start = lo;
		}
		const todo: DocId[] = [];
		if (msg.seq > 0) for (let i = 0; i < start; i++) if (index.seqOf(ids[i]!) > msg.seq) todo.push(ids[i]!);
		for (let i = start; i < ids.length; i++) todo.push(ids[i]!);
		let items: BootstrapItem[] = [];
		let bytes = 0;
		let t0 = performance.now();
		const live = () => this.isOpen && run === this.bootstrapRun;
		for (const id of todo) {
			if (!live()) return;
			if (!this.canSee(id)) continue;
			const e = await index.entry(id);
			if (!e || !this.canSee(id)) continue;
			const payload = msg.part === BOOTSTRAP_SUMMARIES ? e.summary : e.text;
			items.push({ docId: id, docSeq: e.seq, payload });
			bytes += payload.length + id.length + 8;
			if (bytes >= BOOTSTRAP_CHUNK_BYTES || items.length >= BOOTSTRAP_CHUNK_ITEMS) {
				this.send({ type: 'bootstrap-chunk', part: msg.part, seq: head, total, done: false, items });
				items = [];
				bytes = 0;
				while (live() && this.socket.bufferedAmount > BOOTSTRAP_BUFFERED_BYTES) await new Promise((r) => setTimeout(r, 5));
			}
			// Others share the process: a turn of the event loop every few milliseconds.
			if (performance.now() - t0 > 10) {
				await new Promise<void>((r) => setImmediate(r));
				t0 = performance.now();
			}
		}
		if (live()) this.send({ type: 'bootstrap-chunk', part: msg.part, seq: head, total, done: true, items });
	}

	/** DOCS answers run one after another; ids waiting in them. */
	private docsRun: Promise<void> | null = null;
	private docsQueued = 0;

	/**
	 * Issue 26: whole documents in batches (DOCS), the documents phase of a first login. Each
	 * requested document is read from the store as one merged update (`Rooms.snapshot` without a
	 * state vector: no room, no Y.Doc, unless it is loaded already), checked against what the user
	 * may see when its chunk is cut, and sent in chunks of about 240 KB paced by the socket. Ids
	 * not served (not visible, unknown, unreadable) come back as `skipped`. Every document served
	 * or skipped is answered for the catch-up (CATCHUP_DONE follows the last).
	 */
	private onDocs(msg: DocsRequestMessage): Promise<void> {
		if (this.docsQueued + msg.ids.length > DOCS_QUEUED_MAX) {
			this.sendError('rate_limited', `At most ${DOCS_QUEUED_MAX} documents may be asked for at once; wait for the answers.`);
			return Promise.resolve();
		}
		this.docsQueued += msg.ids.length;
		const run = (this.docsRun ?? Promise.resolve())
			.then(() => this.answerDocs(msg.ids, msg.since ?? 0))
			.finally(() => {
				this.docsQueued -= msg.ids.length;
			});
		this.docsRun = run.catch(() => undefined);
		return run;
	}

	/**
	 * Issue 26, a reconnect's catch-up (DOCS with `since`): the document's stored updates after
	 * `since`, merged (no room, no Y.Doc), and its summary from the bootstrap snapshot, so the
	 * client stores the changes without decoding the document. No rows after `since` (merged by a
	 * compaction): the whole document.
	 */
	private async changesSince(id: DocId, since: number): Promise<{ update: Uint8Array; seq: number; summary?: Uint8Array }> {
		const rows = await this.deps.store.updatesSince(id, since);
		const entry = await this.deps.bootstrap?.entry(id).catch(() => null);
		const summary = entry && entry.summary.length > 0 ? { summary: entry.summary } : {};
		if (rows.length === 0) return { ...(await this.deps.rooms.snapshot(id)), ...summary };
		const update = rows.length === 1 ? rows[0]!.update : mergeUpdates(rows.map((r) => r.update));
		return { update, seq: rows[rows.length - 1]!.seq, ...summary };
	}

	private async answerDocs(ids: DocId[], since = 0): Promise<void> {
		let items: DocsItem[] = [];
		let skipped: DocId[] = [];
		let bytes = 0;
		let t0 = performance.now();
		const answered: DocId[] = [];
		const flush = (done: boolean) => {
			if (!this.isOpen) return;
			// Nothing of a document the user lost sight of while the chunk was being cut.
			const gone = items.filter((it) => !this.canSee(it.docId));
			if (gone.length > 0) {
				items = items.filter((it) => this.canSee(it.docId));
				skipped.push(...gone.map((it) => it.docId));
			}
			this.send({ type: 'docs-chunk', done, items, skipped });
			for (const id of answered.splice(0)) this.pendingCatchup?.delete(id);
			items = [];
			skipped = [];
			bytes = 0;
			this.maybeCatchupDone();
		};
		for (let i = 0; i < ids.length; i++) {
			if (!this.isOpen) return;
			const id = ids[i]!;
			if (i % DOCS_PER_SYNC_TOKEN === 0 && !this.deps.budgets.takeDocSync(this.userId)) await this.waitForDocSync();
			let snap: { update: Uint8Array; seq: number; summary?: Uint8Array } | null = null;
			if (id !== DIR_DOC_ID && this.canSee(id)) {
				snap = await (since > 0 ? this.changesSince(id, since) : this.deps.rooms.snapshot(id)).catch((err: unknown) => {
					if (!(err instanceof UnreadableDocError)) throw err;
					return null;
				});
			}
			if (!this.isOpen) return;
			// Visibility may have changed while it was read: checked again as the chunk is cut.
			if (snap && snap.seq > 0 && this.canSee(id)) {
				items.push(snap.summary ? { docId: id, docSeq: snap.seq, update: snap.update, summary: snap.summary } : { docId: id, docSeq: snap.seq, update: snap.update });
				bytes += snap.update.length + (snap.summary?.length ?? 0) + id.length + 8;
			} else skipped.push(id);
			answered.push(id);
			if (bytes >= DOCS_CHUNK_BYTES) {
				flush(false);
				while (this.isOpen && this.socket.bufferedAmount > BOOTSTRAP_BUFFERED_BYTES) await new Promise((r) => setTimeout(r, 5));
			}
			if (performance.now() - t0 > 10) {
				await new Promise<void>((r) => setImmediate(r));
				t0 = performance.now();
			}
		}
		flush(true);
	}

	/** Updates waiting for changes they build on, by update id (see `onUpdate`). */
	private gapped: Map<string, { docId: DocId; update: Uint8Array }> | null = null;
	private gappedBytes = 0;

	private dropGapped(updateId: string): void {
		const g = this.gapped?.get(updateId);
		if (!g) return;
		this.gapped!.delete(updateId);
		this.gappedBytes -= g.update.length;
	}

	/** Applies the waiting updates of a document whose gap is filled now, until none moves. */
	private async retryGapped(docId: DocId): Promise<void> {
		let moved = true;
		while (moved && this.gapped && this.isOpen) {
			moved = false;
			for (const [updateId, g] of [...this.gapped]) {
				if (g.docId !== docId || this.gapped.get(updateId) !== g) continue;
				const from = this.source(updateId);
				if (!from) return;
				const res = await this.deps.budgets.inTurn(this.userId, () => this.deps.rooms.applyClientUpdate(docId, g.update, from));
				if (this.gapped.get(updateId) !== g) continue; // resent meanwhile: that copy answers
				if (!res.ok && res.missing) continue;
				this.dropGapped(updateId);
				moved = true;
				if (!res.ok) this.refuseUpdate(res.code, res.message, docId, updateId);
				else this.send({ type: 'ack', docId, updateId, seq: res.seq });
			}
		}
	}

	/**
	 * Document reads (SYNC step 1: a catch-up asks for every document at once) run one at a time
	 * per connection, each in its own event-loop turn, so a connection asking for thousands of
	 * documents shares the server with everyone else instead of holding it until it is done. Past
	 * READS_QUEUED_PAUSE waiting reads, the socket is not read until the queue drains.
	 */
	private queueRead(docId: DocId, stateVector: Uint8Array): Promise<void> {
		if (++this.readsQueued === READS_QUEUED_PAUSE) this.pause();
		const run = (this.reads ?? Promise.resolve())
			.then(() => new Promise<void>((r) => setImmediate(r)))
			.then(() => this.answerStep1(docId, stateVector))
			.finally(() => {
				if (this.readsQueued-- === READS_QUEUED_PAUSE) this.unpause();
			});
		this.reads = run.catch(() => undefined);
		return run;
	}

	private async answerStep1(docId: DocId, stateVector: Uint8Array): Promise<void> {
		if (!this.deps.budgets.takeDocSync(this.userId)) await this.waitForDocSync();
		if (!this.isOpen || !this.canSee(docId)) return;
		const snap = await this.deps.rooms.snapshot(docId, stateVector).catch((err: unknown) => {
			if (!(err instanceof UnreadableDocError)) throw err;
			return null;
		});
		if (!snap) {
			// Quarantined (quarantine.ts): the catch-up goes on without it.
			this.sendError('internal', 'This document cannot be read on the server; it is quarantined until an administrator repairs it.', docId);
			if (this.pendingCatchup?.delete(docId)) this.maybeCatchupDone();
			return;
		}
		// Visibility may have changed while the snapshot was read.
		if (!this.isOpen || !this.canSee(docId)) return;
		this.send({ type: 'sync', docId, step: 'step2', update: snap.update, seq: snap.seq || undefined });
		this.send({ type: 'sync', docId, step: 'step1', stateVector: snap.stateVector });
		if (this.pendingCatchup?.delete(docId)) this.maybeCatchupDone();
	}

	/**
	 * Over the user's document-sync rate: stop reading the socket (what the client sends next
	 * waits in its own buffers, costing the server nothing) until the budget has room again.
	 */
	private async waitForDocSync(): Promise<void> {
		this.pause();
		try {
			while (this.isOpen && !this.deps.budgets.takeDocSync(this.userId)) {
				await new Promise((r) => setTimeout(r, Math.max(10, this.deps.budgets.docSyncRetryAfterMs(this.userId))));
			}
		} finally {
			this.unpause();
		}
	}

	private pause(): void {
		if (this.pauses++ === 0) this.socket.pause();
	}

	private unpause(): void {
		if (--this.pauses === 0 && this.isOpen) this.socket.resume();
	}

	/**
	 * An update over a rate or quota: ERROR (naming it) at most once per REFUSAL_REPLY_WINDOW_MS;
	 * the ones refused after it in the window get no reply. The client releases every update it
	 * has in flight on that ERROR and resends them after a pause (the server stores an update id
	 * once, so a resend of one that was stored is only acked again).
	 */
	private refuseOverRate(code: 'rate_limited' | 'quota_exceeded', message: string, docId: DocId, updateId?: string): void {
		const now = performance.now();
		if (now - this.lastRefusalAt < REFUSAL_REPLY_WINDOW_MS) return;
		this.lastRefusalAt = now;
		this.sendError(code, message, docId, updateId);
	}

	// --- outgoing ------------------------------------------------------------------------------

	private send(msg: ServerMessage): void {
		if (!this.writable()) return;
		for (const frame of encodeChunked(msg, this.transferId)) this.socket.send(frame);
		this.transferId = (this.transferId + 1) % 1_000_000;
	}

	/** A frame prepared once for every recipient of a fan-out event. */
	private sendFrame(frame: PreparedFrame): void {
		if (this.writable()) sendPrepared(this.socket, frame);
	}

	private writable(): boolean {
		if (this.phase === 'closed' || this.socket.readyState !== this.socket.OPEN) return false;
		if (this.socket.bufferedAmount <= MAX_BUFFERED_BYTES) return true;
		this.close(CLOSE_POLICY, 'the client reads too slowly');
		return false;
	}

	private sendError(code: ErrorCode, message: string, docId?: DocId, updateId?: string): void {
		const err: ServerMessage = { type: 'error', code, message };
		if (docId !== undefined) err.docId = docId;
		if (updateId !== undefined) err.updateId = updateId;
		this.send(err);
	}

	private protocolError(error: ProtocolError): void {
		const code = closeCodeFor(error.code) ?? CLOSE_PROTOCOL_ERROR;
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
		this.deps.fanout.unsubscribe(this);
		this.queued = null;
		for (const wake of this.slotWaiters?.splice(0) ?? []) wake();
		for (const { docId, update } of this.tracker?.drain() ?? []) {
			this.deps.fanout.publish({ type: 'awareness', docId, update, senderId: this.id });
		}
		this.onClose?.(this);
	}

	/** Set by the hub to forget this connection. */
	onClose?: (conn: SyncConnection) => void;
}

/** The /sync message of a fan-out event, as every recipient gets it. */
function syncFrameOf(event: FanoutEvent): Uint8Array {
	return event.type === 'update'
		? encodeFrame({ type: 'remote-update', docId: event.docId, seq: event.seq, update: event.update })
		: encodeFrame({ type: 'awareness', docId: event.docId, update: event.update });
}

function toBytes(data: WebSocket.RawData): Uint8Array {
	if (data instanceof ArrayBuffer) return new Uint8Array(data);
	if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
	return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
