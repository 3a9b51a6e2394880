/**
 * Rooms: the server's in-memory documents and the one write path every change takes.
 *
 * Write path (client updates and server-written changes alike):
 *   1. the document is loaded (roots ensured before any stored update is applied);
 *   1b. a client's update is cut to the part the room lacks (`newPart`) and validated against
 *       the room's current state (`validation/`): a rejected update stops here, is not stored,
 *       applied, acknowledged or relayed; `missing` tells a refusal for a gap (the /yjs endpoint
 *       keeps such an update pending, as Yjs does);
 *   2. the update is appended to the store: durable, stamped with the workspace seq (a client's
 *      update is `replicated`: its writer keeps a copy, so it need only survive a crash of this
 *      process; a server change must survive power loss too, see `Store.appendUpdate`);
 *   3. it is applied to the in-memory Y.Doc;
 *   4. the write hooks run (`write-hooks.ts`: the access index and grants/revocations follow
 *      the new state, channels and snooze read it);
 *   5. it is published to the fan-out as REMOTE_UPDATE{seq}, never back to its sender;
 * and only then does the caller ack the sender. A duplicate updateId stops after step 2 and is
 * acked with its original seq. Server-written changes (`applyServerChange`) run `fn` on the
 * live document inside one transaction and take steps 2, 4 and 5 with the captured update.
 *
 * Serialised per room: every write (client or server) runs in the room's one promise chain,
 * from validation to publication, so the state an update was checked against is the state it
 * is applied to; no other write can slip in while the append is awaited.
 *
 * A stored document Yjs cannot read back is quarantined (quarantine.ts): not loaded, served,
 * written or compacted until repaired; every other room is unaffected.
 *
 * Several processes (a fan-out that is `shared`, Redis): two processes may receive writes to one
 * document at once, each validating against its own room. The store is the arbiter, not a
 * per-document lock: an append states the document's head the room is current to
 * (`expectDocSeq` = `room.storeSeq`) and the store refuses it when another process wrote the
 * document meanwhile; the room then catches up from the store (`updatesSince`) and validates
 * again. A lock would cost a lock round trip and a held transaction per write and serialise
 * writers across processes for the whole validation; the arbiter costs nothing unless two
 * processes write one document in the same instant, and then one retry. The check runs under
 * the store's counter lock, so it is exact. Updates from other processes reach the loaded room
 * (`remoteUpdate`) before their event reaches this process's clients, so a room is never
 * behind what its clients have seen; a document not loaded is loaded (its access record and
 * hooks follow the change, as for a local write). Events missed (a lost Redis link, a writer
 * killed between commit and publish) are fetched from the store (`resync`).
 *
 * Lifetime: a room is loaded on demand and held while someone uses it (a /yjs connection, an
 * operation in flight); `unloadAfterMs` after the last release it is destroyed. Pinned rooms
 * (the directory) stay. Reading a document for a sync step 2 does not need its room: when it is
 * not loaded, the stored updates are merged and diffed as bytes, without building a Y.Doc.
 */
import * as Y from 'yjs';
import {
	applyUpdate,
	contactDoc,
	createDoc,
	diffUpdate,
	encodeState,
	ensureContactRoots,
	ensureDirectoryRoots,
	mergeUpdates,
	remoteOrigin,
	serverOrigin,
	stateVector,
	stateVectorOfUpdate,
	storageOrigin,
	type ContactDoc,
	type YDoc
} from '../../src/lib/doc';
import { parseDocId } from '../../src/lib/domain/ids';
import type { Directory, DocId, Role, UserId } from '../../src/lib/domain/types';
import type { Fanout, FanoutEvent, RemoteTraffic } from './fanout/fanout';
import type { StoredUpdate, UpdateLog } from './persistence/store';
import { Quarantine, readStoredDoc, UnreadableDocError } from './quarantine';
import { MAX_UPDATE_BYTES } from './limits/constants';
import { newPart } from './validation/structs';
import { validateContactUpdate, validateDirectoryUpdate, type ValidationResult } from './validation/validate-update';
import type { DocView, WriteHook } from './write-hooks';

export interface Room {
	readonly docId: DocId;
	readonly ydoc: YDoc;
	/** Seq of the newest update applied to `ydoc`. */
	seq: number;
	/** Every stored update of the document up to this seq is applied to `ydoc` (see "Several processes"). */
	storeSeq: number;
	holders: number;
	pinned: boolean;
	/** The unload check, armed while nobody holds the room (see `release`). */
	timer: NodeJS.Timeout | null;
	/** When the last holder let go (`performance.now()`). */
	idleSince: number;
	/** Tail of the room's write chain (see "Serialised per room"). */
	chain: Promise<unknown>;
	/** The contact document's reader, made on first use (`roomContact`). */
	contact?: ContactDoc;
	/** What the write hooks see of the room, made on first use (`roomView`). */
	view?: DocView;
}

/** The room as the write hooks see it (read only; made once per room). */
export function roomView(room: Room): DocView {
	return (room.view ??= {
		docId: room.docId,
		ydoc: room.ydoc,
		get seq() {
			return room.seq;
		},
		get contact() {
			return roomContact(room);
		}
	});
}

/**
 * The room's document read as a contact (storage origin: for reading). Made once per room:
 * the write path's hooks (access index, channels, snooze) read it after every update, and
 * building the accessor object costs more than what they read.
 */
export function roomContact(room: Room): ContactDoc {
	return (room.contact ??= contactDoc(room.ydoc, storageOrigin()));
}

/** Who sent a client update: the connection (never echoed to) and the token's user. */
export interface UpdateSource {
	senderId: string;
	updateId?: string;
	userId: UserId;
	role: Role;
}

export type ApplyResult =
	| { ok: true; seq: number; duplicate: boolean }
	/** `missing`: refused only for now, as it builds on changes the server does not have yet. */
	| { ok: false; code: 'rejected_update' | 'too_large' | 'internal'; message: string; missing?: true };

export interface RoomsOptions {
	store: UpdateLog;
	fanout: Fanout;
	unloadAfterMs?: number;
	/**
	 * Run in order after an update was stored and applied, before it is published
	 * (`write-hooks.ts`); consumers made after the rooms (they write through them) are added
	 * with `addHook`.
	 */
	hooks?: readonly WriteHook[];
	log?: (message: string) => void;
	/** The validator's clock (entry times, read marks); defaults to Date.now. */
	clock?: () => number;
	/** The current directory, which every reference a client writes must name something of. */
	directory: () => Directory;
	/** Documents Yjs cannot read back (quarantine.ts); a new one when not given. */
	quarantine?: Quarantine;
}

/**
 * True when `update` holds nothing the room lacks: no struct past the room's state vector and
 * no deletion the room has not applied. Sync step 2 answers (which always carry the sender's
 * whole delete set) are mostly like that; storing them would add a row and a seq per document
 * per reconnect. Conservative: when unsure it says false, and the update is stored.
 */
function isRedundant(room: Room, update: Uint8Array): boolean {
	// Where each client's structs end (`to`), wherever they start: a state vector of the update
	// (`encodeStateVectorFromUpdate`) is empty for structs that do not start at clock 0, which
	// made every live update of a stock y-websocket client look redundant.
	for (const [client, end] of Y.parseUpdateMeta(update).to) {
		if (end > Y.getState(room.ydoc.store, client)) return false;
	}
	const { ds } = Y.decodeUpdate(update);
	if (ds.clients.size === 0) return true;
	const have = Y.createDeleteSetFromStructStore(room.ydoc.store);
	for (const [client, items] of ds.clients) {
		const ranges = have.clients.get(client) ?? [];
		for (const { clock, len } of items) {
			if (!ranges.some((r) => r.clock <= clock && clock + len <= r.clock + r.len)) return false;
		}
	}
	return true;
}

/** A fresh Y.Doc for the document with its root types created. */
export function newRoomDoc(docId: DocId): YDoc {
	const ydoc = createDoc();
	const parsed = parseDocId(docId);
	if (parsed?.kind === 'dir') ensureDirectoryRoots(ydoc);
	else ensureContactRoots(ydoc);
	return ydoc;
}

/**
 * One update holding everything stored (compaction's merge: garbage-collects deleted content).
 * Throws UnreadableDocError when the result would not load (nothing is then replaced).
 */
export function mergeStored(docId: DocId, updates: Uint8Array[]): Uint8Array {
	if (updates.length === 1) return updates[0]!;
	const ydoc = readStoredDoc(docId, updates, storageOrigin(), { into: newRoomDoc(docId), thorough: true });
	const merged = encodeState(ydoc);
	ydoc.destroy();
	return merged;
}

export class Rooms implements RemoteTraffic {
	private readonly rooms = new Map<DocId, Room>();
	private readonly loading = new Map<DocId, Promise<Room>>();
	private readonly unloadAfterMs: number;
	private inflight = 0;
	private closed = false;
	readonly quarantine: Quarantine;
	private readonly hooks: WriteHook[];

	constructor(private readonly opts: RoomsOptions) {
		this.unloadAfterMs = opts.unloadAfterMs ?? 30_000;
		this.quarantine = opts.quarantine ?? new Quarantine(opts.log);
		this.hooks = [...(opts.hooks ?? [])];
	}

	/** Adds a write hook after the others (see `RoomsOptions.hooks`). */
	addHook(hook: WriteHook): void {
		this.hooks.push(hook);
	}

	/** Runs the write hooks for an update just applied to `room` (step 4 of the write path). */
	private afterApply(room: Room, update: Uint8Array, seq: number): void {
		if (this.hooks.length === 0) return;
		const applied = { docId: room.docId, seq, update, doc: roomView(room) };
		for (const hook of this.hooks) hook.afterApply(applied);
	}

	/** The loaded document `docId` as the write hooks see it (restart scans), if loaded. */
	view(docId: DocId): DocView | undefined {
		const room = this.rooms.get(docId);
		return room && roomView(room);
	}

	/**
	 * A stored document built for reading (the snooze scheduler's and the channels' restart
	 * scans), or null when Yjs cannot read it back: it is then quarantined and skipped.
	 */
	readStored(docId: DocId, updates: readonly Uint8Array[]): YDoc | null {
		if (this.quarantine.has(docId)) return null;
		try {
			return readStoredDoc(docId, updates, storageOrigin(), { quarantine: this.quarantine });
		} catch (err) {
			if (err instanceof UnreadableDocError) return null;
			throw err;
		}
	}

	get loadedCount(): number {
		return this.rooms.size;
	}

	/** Operations between store append and publish; 0 means the access index is current. */
	get inflightCount(): number {
		return this.inflight;
	}

	get(docId: DocId): Room | undefined {
		return this.rooms.get(docId);
	}

	/** Loads (if needed) and holds a room; pair with `release`. */
	async hold(docId: DocId): Promise<Room> {
		if (this.closed) throw new Error('rooms closed');
		let room = this.rooms.get(docId);
		if (!room) {
			let pending = this.loading.get(docId);
			if (!pending) {
				pending = this.load(docId).finally(() => this.loading.delete(docId));
				this.loading.set(docId, pending);
			}
			room = await pending;
		}
		room.holders++;
		return room;
	}

	/**
	 * Lets go of a room; `unloadAfterMs` after the last holder let go it is unloaded. Every
	 * update holds and releases its room, so the timer is not re-made each time: one timer per
	 * idle room checks when it fires and waits out the rest if the room was used meanwhile.
	 */
	release(room: Room): void {
		room.holders = Math.max(0, room.holders - 1);
		if (room.holders > 0 || room.pinned || this.rooms.get(room.docId) !== room) return;
		room.idleSince = performance.now();
		if (!room.timer) this.armUnload(room, this.unloadAfterMs);
	}

	private armUnload(room: Room, ms: number): void {
		room.timer = setTimeout(() => this.unloadIfIdle(room), ms);
		room.timer.unref();
	}

	private unloadIfIdle(room: Room): void {
		room.timer = null;
		if (room.holders > 0 || room.pinned || this.rooms.get(room.docId) !== room) return;
		const idleFor = performance.now() - room.idleSince;
		if (idleFor < this.unloadAfterMs) return this.armUnload(room, this.unloadAfterMs - idleFor);
		this.unload(room);
	}

	/** Loads a room and keeps it loaded for the life of the server (the directory). */
	async pin(docId: DocId): Promise<Room> {
		const room = await this.hold(docId);
		room.pinned = true;
		return room;
	}

	private unload(room: Room): void {
		if (room.timer) clearTimeout(room.timer);
		room.timer = null;
		if (room.holders > 0 || room.pinned || this.rooms.get(room.docId) !== room) return;
		this.rooms.delete(room.docId);
		room.ydoc.destroy();
	}

	private async load(docId: DocId): Promise<Room> {
		const stored = await this.opts.store.loadDoc(docId);
		const existing = this.rooms.get(docId);
		if (existing) return existing;
		// An unreadable document is quarantined and not loaded (hold rejects): it costs only itself.
		const ydoc = stored ? readStoredDoc(docId, stored.updates, storageOrigin(), { quarantine: this.quarantine, into: newRoomDoc(docId) }) : newRoomDoc(docId);
		this.quarantine.release(docId);
		const room: Room = { docId, ydoc, seq: stored?.seq ?? 0, storeSeq: stored?.seq ?? 0, holders: 0, pinned: false, timer: null, idleSince: 0, chain: Promise.resolve() };
		this.rooms.set(docId, room);
		return room;
	}

	/**
	 * The document's state as one update (all of it, or what `sv` lacks), its state vector and
	 * the seq it is current to. Uses the loaded room, else the stored bytes.
	 */
	async snapshot(docId: DocId, sv?: Uint8Array): Promise<{ update: Uint8Array; stateVector: Uint8Array; seq: number }> {
		let room = this.rooms.get(docId);
		if (!room && this.quarantine.has(docId)) {
			// Loading checks it again (throws while it is still unreadable; repaired, it leaves quarantine).
			room = await this.hold(docId);
			this.release(room);
		}
		if (room) return { update: encodeState(room.ydoc, sv), stateVector: stateVector(room.ydoc), seq: room.seq };
		const stored = await this.opts.store.loadDoc(docId);
		const loaded = this.rooms.get(docId);
		if (loaded) return { update: encodeState(loaded.ydoc, sv), stateVector: stateVector(loaded.ydoc), seq: loaded.seq };
		if (!stored) {
			const empty = newRoomDoc(docId);
			const out = { update: encodeState(empty, sv), stateVector: stateVector(empty), seq: 0 };
			empty.destroy();
			return out;
		}
		const merged = stored.updates.length === 1 ? stored.updates[0]! : mergeUpdates(stored.updates);
		// An empty state vector (a client that has nothing) needs the whole thing: no diff pass.
		const needsDiff = sv !== undefined && Y.decodeStateVector(sv).size > 0;
		return {
			update: needsDiff ? diffUpdate(merged, sv) : merged,
			stateVector: stateVectorOfUpdate(merged),
			seq: stored.seq
		};
	}

	/** Validates, stores, applies and publishes an update from a client (see the module comment). */
	async applyClientUpdate(docId: DocId, update: Uint8Array, from: UpdateSource): Promise<ApplyResult> {
		let room: Room;
		try {
			room = await this.hold(docId);
		} catch (err) {
			if (!(err instanceof UnreadableDocError)) throw err;
			return { ok: false, code: 'internal', message: 'This document cannot be read on the server; it is quarantined until an administrator repairs it.' };
		}
		this.inflight++;
		try {
			return await this.serially(room, async (): Promise<ApplyResult> => {
				if (update.length > MAX_UPDATE_BYTES) return { ok: false, code: 'too_large', message: `the update is ${update.length} bytes; at most ${MAX_UPDATE_BYTES} are accepted` };
				// Only what the document lacks is validated, stored and relayed (see `newPart`).
				const fresh = newPart(room.ydoc, update);
				if (!fresh.ok) {
					this.opts.log?.(`rejected an update of ${docId} from ${from.userId}: ${fresh.reason}`);
					return { ok: false, code: 'rejected_update', message: fresh.reason };
				}
				return this.applyNew(room, fresh.update, from);
			});
		} catch (err) {
			this.opts.log?.(`update of ${docId} failed: ${err instanceof Error ? err.message : String(err)}`);
			return { ok: false, code: 'internal', message: 'The update could not be stored.' };
		} finally {
			this.inflight--;
			this.release(room);
		}
	}

	/** Validation to publication of the new part of a client's update (inside the room's chain). */
	private async applyNew(room: Room, update: Uint8Array, from: UpdateSource): Promise<ApplyResult> {
		const docId = room.docId;
		const verdict = this.validate(room, update, from);
		if (!verdict.ok) return this.rejected(docId, from, verdict);
		if (from.updateId === undefined && isRedundant(room, update)) return { ok: true, seq: room.seq, duplicate: true };
		const shared = this.opts.fanout.shared;
		let prevSeq = room.storeSeq;
		let late: ValidationResult | null = null;
		const res = await this.opts.store.appendUpdate(docId, update, from.updateId, {
			replicated: true,
			...(shared
				? {
						expectDocSeq: prevSeq,
						// Another process wrote the document: catch up and validate again, under the store's lock.
						catchUp: (rows: StoredUpdate[]) => {
							this.applyRows(room, rows);
							prevSeq = room.storeSeq;
							const again = this.validate(room, update, from);
							if (!again.ok) late = again;
							return again.ok;
						}
					}
				: {})
		});
		if (late) return this.rejected(docId, from, late);
		if (res.conflict) throw new Error(`${docId}: the store refused the append`);
		const { seq, duplicate } = res;
		if (duplicate) return { ok: true, seq, duplicate };
		if (shared && room.storeSeq === prevSeq) room.storeSeq = seq;
		this.applyStored(room, update, seq, remoteOrigin(from.senderId));
		this.opts.fanout.publish({ type: 'update', docId, seq, update, senderId: from.senderId, ...(shared ? { prevSeq } : {}) });
		return { ok: true, seq, duplicate: false };
	}

	private rejected(docId: DocId, from: UpdateSource, verdict: ValidationResult & { ok: false }): ApplyResult {
		this.opts.log?.(`rejected an update of ${docId} from ${from.userId}: ${verdict.reason}`);
		return { ok: false, code: verdict.code === 'too_large' ? 'too_large' : 'rejected_update', message: verdict.reason, ...(verdict.missing ? { missing: true as const } : {}) };
	}

	private validate(room: Room, update: Uint8Array, from: UpdateSource): ValidationResult {
		if (parseDocId(room.docId)?.kind === 'dir') return validateDirectoryUpdate({ doc: room.ydoc, update });
		const now = (this.opts.clock ?? Date.now)();
		return validateContactUpdate({ doc: room.ydoc, update, user: { id: from.userId, role: from.role }, now, directory: this.opts.directory() });
	}

	/** Runs `fn` after every write queued on the room before it (one chain per room). */
	private serially<T>(room: Room, fn: () => Promise<T>): Promise<T> {
		const run = room.chain.then(fn, fn);
		room.chain = run.catch(() => undefined);
		return run;
	}

	/**
	 * Runs `fn` on the live document as one server transaction and takes the captured update
	 * through the write path. Resolves with its seq, or null when `fn` changed nothing. With an
	 * `updateId`, a change already stored under that id is not stored again. Server changes are
	 * not validated (the server is trusted) but queue behind client updates like any write.
	 */
	async applyServerChange(docId: DocId, fn: (ydoc: YDoc) => void, updateId?: string): Promise<{ seq: number } | null> {
		const room = await this.hold(docId);
		this.inflight++;
		try {
			return await this.serially(room, async () => {
				if (updateId !== undefined) {
					const seq = await this.opts.store.findUpdateId(docId, updateId);
					if (seq !== null) return { seq };
				}
				const shared = this.opts.fanout.shared;
				if (shared) await this.catchUp(room);
				const captured: Uint8Array[] = [];
				const onUpdate = (u: Uint8Array) => captured.push(u);
				room.ydoc.on('update', onUpdate);
				try {
					room.ydoc.transact(() => fn(room.ydoc), serverOrigin());
				} finally {
					room.ydoc.off('update', onUpdate);
				}
				if (captured.length === 0) return null;
				const update = captured.length === 1 ? captured[0]! : mergeUpdates(captured);
				let prevSeq = room.storeSeq;
				// Trusted and already applied here: stored whatever another process wrote meanwhile.
				const catchUp = (rows: StoredUpdate[]) => {
					this.applyRows(room, rows);
					prevSeq = room.storeSeq;
					return true;
				};
				const { seq } = await this.opts.store.appendUpdate(docId, update, updateId, shared ? { expectDocSeq: prevSeq, catchUp } : {});
				if (shared && room.storeSeq === prevSeq) room.storeSeq = seq;
				room.seq = Math.max(room.seq, seq);
				this.afterApply(room, update, seq);
				this.opts.fanout.publish({ type: 'update', docId, seq, update, ...(shared ? { prevSeq } : {}) });
				return { seq };
			});
		} finally {
			this.inflight--;
			this.release(room);
		}
	}

	private applyStored(room: Room, update: Uint8Array, seq: number, origin: ReturnType<typeof remoteOrigin>): void {
		applyUpdate(room.ydoc, update, origin);
		room.seq = Math.max(room.seq, seq);
		this.afterApply(room, update, seq);
	}

	/** Applies the document's stored updates this room lacks (see "Several processes"). */
	private async catchUp(room: Room): Promise<void> {
		this.applyRows(room, await this.opts.store.updatesSince(room.docId, room.storeSeq));
	}

	/** Applies stored rows (in seq order) to the room, advancing what it is current to. */
	private applyRows(room: Room, rows: readonly StoredUpdate[]): void {
		for (const row of rows) {
			if (row.seq <= room.storeSeq) continue;
			applyUpdate(room.ydoc, row.update, storageOrigin());
			room.storeSeq = row.seq;
			room.seq = Math.max(room.seq, row.seq);
			this.afterApply(room, row.update, row.seq);
		}
	}

	/** An update stored by another process (`RemoteTraffic`; see "Several processes"). */
	async remoteUpdate(event: FanoutEvent & { type: 'update' }): Promise<void> {
		let room = this.rooms.get(event.docId);
		if (!room) {
			if (this.closed) return;
			// Loaded from the store, which holds the update: the hooks see the new state.
			room = await this.hold(event.docId);
			try {
				if (room.storeSeq < event.seq) applyUpdate(room.ydoc, event.update, storageOrigin());
				room.seq = Math.max(room.seq, event.seq);
				this.afterApply(room, event.update, event.seq);
			} finally {
				this.release(room);
			}
			return;
		}
		applyUpdate(room.ydoc, event.update, storageOrigin());
		if (event.prevSeq !== undefined && event.prevSeq === room.storeSeq) room.storeSeq = event.seq;
		room.seq = Math.max(room.seq, event.seq);
		this.afterApply(room, event.update, event.seq);
	}

	/** Fetches from the store the updates whose events this process missed (`RemoteTraffic`). */
	async resync(afterSeq: number, upTo: number | null, seen: (seq: number) => boolean, deliver: (event: FanoutEvent) => void): Promise<number> {
		const head = upTo ?? (await this.opts.store.headSeq());
		for (const { docId } of await this.opts.store.changedSince(afterSeq)) {
			const rows = (await this.opts.store.updatesSince(docId, afterSeq)).filter((r) => r.seq <= head && !seen(r.seq));
			if (rows.length === 0) continue;
			const room = await this.hold(docId);
			try {
				for (const row of rows) {
					applyUpdate(room.ydoc, row.update, storageOrigin());
					room.seq = Math.max(room.seq, row.seq);
					this.afterApply(room, row.update, row.seq);
				}
			} finally {
				this.release(room);
			}
			for (const row of rows) deliver({ type: 'update', docId, seq: row.seq, update: row.update });
		}
		return head;
	}

	/** Merges the stored updates of the documents with the most rows (background compaction). */
	async compactSome(minUpdates = 32, limit = 16): Promise<number> {
		let n = 0;
		// Quarantined documents are left as they are (repair reads their rows) and must not take
		// the places of the others in the batch.
		const candidates = await this.opts.store.docsNeedingCompaction(minUpdates, limit + this.quarantine.size);
		for (const docId of candidates.filter((d) => !this.quarantine.has(d)).slice(0, limit)) {
			try {
				const res = await this.opts.store.compact(docId, (updates) => mergeStored(docId, updates));
				if (res.merged > 0) n++;
			} catch (err) {
				if (!(err instanceof UnreadableDocError)) throw err;
				this.quarantine.add(docId, err.reason);
			}
		}
		return n;
	}

	async close(): Promise<void> {
		this.closed = true;
		await Promise.allSettled([...this.loading.values()]);
		for (const room of this.rooms.values()) {
			if (room.timer) clearTimeout(room.timer);
			room.ydoc.destroy();
		}
		this.rooms.clear();
	}
}
