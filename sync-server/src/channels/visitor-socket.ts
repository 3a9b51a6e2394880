/**
 * One web chat visitor's WebSocket (`/api/chat/<channelId>/ws?visitor=<token>`): a JSON
 * projection of ONE contact document, the one the token is bound to, restricted to what the
 * contact may see (S6.1): the messages of this channel, incoming and outgoing, and whether an
 * agent is typing a reply. Comments, events, other channels' messages, profile, assignment and
 * drafts never leave the server on this socket.
 *
 * Server -> visitor:
 *   {type:'history', messages: VisitorMessage[], typing}  once, on open
 *   {type:'message', message}                             a message added later
 *   {type:'status', id, status}                           one of the visitor's messages is read
 *   {type:'typing', typing}                               an agent started/stopped typing a reply
 *   {type:'ack', id, status:'sent'} | {type:'error', code, message}
 *
 * Files (S5.14) reach the visitor as `attachments` [{name, size, mime, url}], each url signed for
 * this contact (see `http/upload-store.ts`); a kept link preview (S5.9) as `linkPreview`. A
 * blocked contact's message is acknowledged like any other (S7.6: they are not told).
 * Visitor -> server:
 *   {type:'message', id, text, attachments?}  id: the visitor's own entry id (8-64 of A-Za-z0-9_-),
 *                               retries safe; attachments: storage names of files this visitor
 *                               uploaded into this conversation (POST /api/chat/<id>/uploads)
 *   {type:'typing', typing}     {type:'seen'} (the page is visible)     {type:'page', url}
 *   {type:'call_*', ...}        voice calls (SPEC S2): see `src/lib/protocol/calls.ts`
 *
 * Delivery of agent messages (S5.4): pushing one to this socket writes `delivered`; `seen`
 * writes `read` for every agent message of the channel not read yet. The room is held while the
 * socket is open, and the socket follows the live document (thread observer, afterTransaction
 * for read marks), so it sees every change whatever path wrote it. Visitor typing is published
 * as the contact's awareness state (see `typing.ts`) and withdrawn when the socket closes.
 */
import type WebSocket from 'ws';
import { contactDoc, serverOrigin, storageOrigin, type ContactDoc } from '../../../src/lib/doc';
import { contactDocId } from '../../../src/lib/domain/ids';
import { attachmentBodyType } from '../../../src/lib/domain/attachments';
import { CLOSE_PROTOCOL_ERROR } from '../../../src/lib/protocol/close';
import type { Attachment, Channel, ChannelId, DocId, Entry, EntryId, MessageEntry } from '../../../src/lib/domain/types';
import type { RateDecision } from '../auth/rate-limit';
import { MAX_ATTACHMENTS, type UploadStore } from '../http/upload-store';
import type { Fanout, FanoutEvent, FanoutSubscriber } from '../fanout/fanout';
import type { VisitorSession } from '../persistence/store';
import type { Room, Rooms } from '../rooms';
import { advanceDelivery, deliveryMayMove, isCreated, writeIncoming, writePageChange } from './thread-writes';
import { AgentTyping, TYPING_TTL_MS, writeAwareness } from './typing';
import { isVisitorCallType, parseVisitorCallFrame, type ServerCallFrame, type VisitorCallFrame } from '../../../src/lib/protocol/calls';
import type { VisitorLink } from '../calls/service';

/** The calls service as a visitor socket sees it (`calls/service.ts`). */
export interface VisitorCalls {
	visitorOpened(link: VisitorLink): void;
	visitorClosed(link: VisitorLink): void;
	fromVisitor(link: VisitorLink, frame: VisitorCallFrame): Promise<{ code: string; message: string } | null>;
}

export const MAX_VISITOR_TEXT = 4000;
export const MAX_VISITOR_FRAME = 16 * 1024;
const MAX_URL = 2048;
const ENTRY_ID = /^[A-Za-z0-9_-]{8,64}$/;

export interface VisitorMessage {
	id: string;
	direction: 'in' | 'out';
	type: string;
	text: string;
	at: number;
	/** The visitor's own messages: `sent` (stored) or `read` (an agent read it). */
	status?: 'sent' | 'read';
	attachments?: VisitorAttachment[];
	linkPreview?: { url: string; title?: string; description?: string };
}

export interface VisitorAttachment {
	name: string;
	size: number;
	mime: string;
	/** A signed URL path for this contact. */
	url: string;
}

export interface VisitorDeps {
	rooms: Rooms;
	fanout: Fanout;
	clock: () => number;
	log: (message: string) => void;
	uploads?: UploadStore;
	/** Shared across a visitor's sockets: keys are `<kind>:<token hash>`, kind msg, typing, seen or page. */
	limiter: { hit(key: string): RateDecision };
	/** Voice calls (SPEC S2); absent: call frames are refused. */
	calls?: VisitorCalls;
}

let nextNumber = 0;

export class VisitorConnection implements FanoutSubscriber, VisitorLink {
	readonly id = `v${++nextNumber}`;
	readonly docId: DocId;
	private room: Room | null = null;
	private c: ContactDoc | null = null;
	private closed = false;
	private cleanup: Array<() => void> = [];
	private readonly sentIds = new Set<string>();
	/** The visitor's own messages not yet reported read: id -> at. */
	private readonly unread = new Map<string, number>();
	private readonly typing = new AgentTyping();
	private typingShown = false;
	private typingTimer: NodeJS.Timeout | null = null;
	private readonly awarenessId = 1 + Math.floor(Math.random() * 0x7ffffffe);
	private awarenessClock = 0;
	private visitorTyping = false;
	private lastUrl: string | null = null;
	private pendingUrl: string | null = null;
	private chain: Promise<void> = Promise.resolve();
	/** The last `at` this socket wrote: its entries keep the order the visitor made them in. */
	private lastAt = 0;
	onClose?: () => void;

	constructor(
		private readonly ws: WebSocket,
		readonly session: VisitorSession,
		readonly channel: Channel,
		private readonly deps: VisitorDeps
	) {
		this.docId = contactDocId(session.contactId);
		ws.on('message', (data, isBinary) => {
			if (isBinary) return this.fail('bad_frame', 'Frames are JSON text.');
			const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
			// One at a time: a message and the page change after it keep their order.
			this.chain = this.chain.then(() => this.onText(text)).catch((err: unknown) => {
				this.deps.log(`visitor ${this.id}: ${err instanceof Error ? err.message : String(err)}`);
				this.send({ type: 'error', code: 'internal', message: 'The server failed to handle a message.' });
			});
		});
		ws.on('close', () => this.onClosed());
		ws.on('error', () => this.onClosed());
	}

	get contactId() {
		return this.session.contactId;
	}

	get visitorName(): string {
		return this.session.name;
	}

	sendCall(frame: ServerCallFrame): void {
		this.send(frame as unknown as Record<string, unknown>);
	}

	async open(): Promise<void> {
		const room = await this.deps.rooms.hold(this.docId);
		if (this.closed) return this.deps.rooms.release(room);
		this.room = room;
		const c = contactDoc(room.ydoc, storageOrigin());
		this.c = c;
		const history = c.thread.ordered().filter((e): e is MessageEntry => this.mine(e));
		const messages = history.map((m) => this.project(m, c));
		for (const m of history) this.sentIds.add(m.id);
		this.cleanup.push(
			c.thread.observe((added) => {
				const fresh: MessageEntry[] = [];
				for (const id of added) {
					const e = c.thread.get(id);
					if (e && this.mine(e) && !this.sentIds.has(e.id)) fresh.push(e);
				}
				if (fresh.length === 0) return;
				queueMicrotask(() => {
					for (const m of fresh) {
						this.sentIds.add(m.id);
						this.send({ type: 'message', message: this.project(m, c) });
					}
					this.markDelivered(fresh);
				});
			})
		);
		const onTx = () => this.checkReads();
		room.ydoc.on('afterTransaction', onTx);
		this.cleanup.push(() => room.ydoc.off('afterTransaction', onTx));
		this.deps.fanout.subscribe(this);
		this.cleanup.push(() => this.deps.fanout.unsubscribe(this));
		this.send({ type: 'history', messages, typing: false });
		this.markDelivered(history);
		this.deps.calls?.visitorOpened(this);
	}

	private mine(e: Entry): e is MessageEntry {
		return e.kind === 'message' && e.channelId === this.channel.id && !e.broadcast;
	}

	private project(m: MessageEntry, c: ContactDoc): VisitorMessage {
		const out: VisitorMessage = {
			id: m.id,
			direction: m.direction,
			type: m.body.type,
			text: typeof m.body.text === 'string' ? m.body.text : '',
			at: m.at
		};
		const uploads = this.deps.uploads;
		if (uploads && m.body.attachments?.length) {
			out.attachments = m.body.attachments.map((a) => ({ name: a.name, size: a.size, mime: a.mime, url: uploads.signedPath(a.storageName, { kind: 'visitor', contactId: this.contactId }).url }));
		}
		const lp = m.linkPreview;
		if (lp && /^https?:\/\//i.test(lp.url)) {
			out.linkPreview = { url: lp.url, ...(lp.title ? { title: lp.title } : {}), ...(lp.description ? { description: lp.description } : {}) };
		}
		if (m.direction === 'in') {
			const read = maxRead(c) >= m.at;
			out.status = read ? 'read' : 'sent';
			if (!read) this.unread.set(m.id, m.at);
		}
		return out;
	}

	private checkReads(): void {
		if (!this.c || this.unread.size === 0) return;
		const mark = maxRead(this.c);
		for (const [id, at] of this.unread) {
			if (at <= mark) {
				this.unread.delete(id);
				this.send({ type: 'status', id, status: 'read' });
			}
		}
	}

	// --- fan-out: awareness of agents --------------------------------------------------------

	wants(docId: DocId): boolean {
		return !this.closed && docId === this.docId;
	}

	deliver(event: FanoutEvent): void {
		if (event.type !== 'awareness') return;
		this.typing.apply(event.update, this.deps.clock());
		this.refreshTyping();
	}

	private refreshTyping(): void {
		const now = this.typing.any(this.deps.clock());
		if (now !== this.typingShown) {
			this.typingShown = now;
			this.send({ type: 'typing', typing: now });
		}
		if (this.typingTimer) clearTimeout(this.typingTimer);
		this.typingTimer = null;
		if (now && !this.closed) {
			this.typingTimer = setTimeout(() => this.refreshTyping(), TYPING_TTL_MS / 2);
			this.typingTimer.unref();
		}
	}

	// --- from the visitor ----------------------------------------------------------------------

	private async onText(text: string): Promise<void> {
		if (this.closed) return;
		let msg: unknown;
		try {
			msg = JSON.parse(text);
		} catch {
			return this.fail('bad_json', 'Frames are JSON objects.');
		}
		if (typeof msg !== 'object' || msg === null) return this.fail('bad_json', 'Frames are JSON objects.');
		const m = msg as Record<string, unknown>;
		const key = this.session.tokenHash;
		if (isVisitorCallType(m.type)) {
			const calls = this.deps.calls;
			if (!calls) return this.error('calls_off', 'This chat does not take calls.');
			if (!this.deps.limiter.hit(`call:${key}`).ok) return this.error('rate_limited', 'Too many call requests; wait a moment.');
			const frame = parseVisitorCallFrame(m);
			if (!frame.ok) return this.error(frame.code, frame.message);
			const refused = await calls.fromVisitor(this, frame.value);
			if (refused) this.send({ type: 'error', code: refused.code, message: refused.message, ...('callId' in frame.value && frame.value.callId ? { callId: frame.value.callId } : {}) });
			return;
		}
		switch (m.type) {
			case 'message': {
				const id = m.id;
				const body = typeof m.text === 'string' ? m.text.trim() : '';
				if (typeof id !== 'string' || !ENTRY_ID.test(id)) return this.error('invalid_message', 'id must be 8 to 64 of A-Z a-z 0-9 _ -.');
				const files = await this.attachmentsOf(m.attachments);
				if (!files.ok) return this.error('invalid_attachment', files.error, id);
				if ((!body && files.value.length === 0) || body.length > MAX_VISITOR_TEXT) return this.error('invalid_message', `A message holds 1 to ${MAX_VISITOR_TEXT} characters, or a file.`, id);
				if (!this.deps.limiter.hit(`msg:${key}`).ok) return this.error('rate_limited', 'Too many messages; wait a moment.', id);
				await this.writeMessage(id, body, files.value);
				return this.send({ type: 'ack', id, status: 'sent' });
			}
			case 'typing':
				if (!this.deps.limiter.hit(`typing:${key}`).ok) return;
				return this.publishTyping(m.typing === true);
			case 'seen':
				if (!this.deps.limiter.hit(`seen:${key}`).ok) return;
				return this.markRead();
			case 'page': {
				const url = typeof m.url === 'string' ? m.url : '';
				if (url.length > MAX_URL || !/^https?:\/\/\S+$/i.test(url)) return this.error('invalid_url', 'url must be an http(s) URL.');
				if (url === this.lastUrl) return;
				if (!this.deps.limiter.hit(`page:${key}`).ok) return;
				this.lastUrl = url;
				if (!this.room || !isCreated(this.room.ydoc, this.contactId)) {
					this.pendingUrl = url;
					return;
				}
				const at = this.nextAt(1);
				await this.deps.rooms.applyServerChange(this.docId, (ydoc) => writePageChange(ydoc, this.contactId, this.channel.id, url, at));
				return;
			}
			default:
				return this.error('unknown_type', 'Unknown message type.');
		}
	}

	/**
	 * A time after every entry this socket wrote, with `lead` ms free before it (the events a
	 * message brings along: created, opened) and `room` ms after it (the first page change).
	 */
	private nextAt(room: number, lead = 0): number {
		const at = Math.max(this.deps.clock(), this.lastAt + 1 + lead);
		this.lastAt = at + room;
		return at;
	}

	/** The files a visitor's message names: each one this visitor's contact owns. */
	private async attachmentsOf(raw: unknown): Promise<{ ok: true; value: Attachment[] } | { ok: false; error: string }> {
		if (raw === undefined) return { ok: true, value: [] };
		const uploads = this.deps.uploads;
		if (!uploads || !Array.isArray(raw) || raw.length > MAX_ATTACHMENTS || !raw.every((n) => typeof n === 'string')) {
			return { ok: false, error: `attachments must be at most ${MAX_ATTACHMENTS} names of files uploaded to this chat.` };
		}
		const out: Attachment[] = [];
		for (const storageName of new Set(raw as string[])) {
			const side = await uploads.sidecar(storageName);
			if (!side || side.contactId !== this.contactId) return { ok: false, error: 'A file of this message was not uploaded to this chat.' };
			out.push({ storageName, name: side.name, size: side.size, mime: side.mime });
		}
		return { ok: true, value: out };
	}

	private async writeMessage(id: string, text: string, attachments: Attachment[] = []): Promise<void> {
		const at = this.nextAt(1, 2);
		const pendingUrl = this.pendingUrl;
		await this.deps.rooms.applyServerChange(
			this.docId,
			(ydoc) => {
				const created = isCreated(ydoc, this.contactId);
				writeIncoming(ydoc, {
					contactId: this.contactId,
					channelId: this.channel.id as ChannelId,
					entryId: id as EntryId,
					at,
					body: attachments.length > 0 ? { type: text ? 'text' : attachmentBodyType(attachments), text, attachments } : { type: 'text', text },
					newProfile: this.session.name ? { firstName: this.session.name } : {}
				});
				// The page the visitor was on when they first wrote (S5.5 page change).
				if (!created && pendingUrl) writePageChange(ydoc, this.contactId, this.channel.id, pendingUrl, at + 1);
			},
			`v:${id}`
		);
		if (pendingUrl === this.pendingUrl) this.pendingUrl = null;
		if (this.visitorTyping) this.publishTyping(false);
	}

	private publishTyping(typing: boolean): void {
		if (typing === this.visitorTyping && !typing) return;
		this.visitorTyping = typing;
		const state = {
			user: { kind: 'contact' as const, id: this.contactId, name: this.session.name },
			typing: typing ? { composer: 'reply', at: this.deps.clock() } : null
		};
		this.deps.fanout.publish({ type: 'awareness', docId: this.docId, update: writeAwareness(this.awarenessId, ++this.awarenessClock, state), senderId: this.id });
	}

	/** `delivered` for agent messages just pushed to this socket (S5.4). */
	private markDelivered(pushed: MessageEntry[]): void {
		const c = this.c;
		if (!c) return;
		const ids = pushed.filter((m) => m.direction === 'out' && deliveryMayMove(c.delivery.get(m.id), 'delivered')).map((m) => m.id);
		if (ids.length > 0) void this.writeStatus(ids, 'delivered');
	}

	private markRead(): Promise<void> {
		const c = this.c;
		if (!c) return Promise.resolve();
		const ids = c.thread
			.entries()
			.filter((e): e is MessageEntry => this.mine(e) && e.direction === 'out' && deliveryMayMove(c.delivery.get(e.id), 'read'))
			.map((m) => m.id);
		return ids.length > 0 ? this.writeStatus(ids, 'read') : Promise.resolve();
	}

	private async writeStatus(ids: EntryId[], status: 'delivered' | 'read'): Promise<void> {
		const at = this.deps.clock();
		try {
			await this.deps.rooms.applyServerChange(this.docId, (ydoc) => {
				const c = contactDoc(ydoc, serverOrigin());
				for (const id of ids) advanceDelivery(c, id, { status, at });
			});
		} catch (err) {
			this.deps.log(`visitor ${this.id}: status write failed: ${String(err)}`);
		}
	}

	// --- plumbing ------------------------------------------------------------------------------

	private send(msg: Record<string, unknown>): void {
		if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
		this.ws.send(JSON.stringify(msg));
	}

	private error(code: string, message: string, id?: string): void {
		this.send({ type: 'error', code, message, ...(id ? { id } : {}) });
	}

	private fail(code: string, message: string): void {
		this.error(code, message);
		this.close(CLOSE_PROTOCOL_ERROR, message);
	}

	close(code: number, reason: string): void {
		if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason.slice(0, 120));
		this.onClosed();
	}

	private onClosed(): void {
		if (this.closed) return;
		// The visitor's awareness client leaves (state null), as y-websocket clients do.
		if (this.awarenessClock > 0) {
			this.deps.fanout.publish({ type: 'awareness', docId: this.docId, update: writeAwareness(this.awarenessId, ++this.awarenessClock, null), senderId: this.id });
		}
		this.closed = true;
		this.deps.calls?.visitorClosed(this);
		if (this.typingTimer) clearTimeout(this.typingTimer);
		for (const f of this.cleanup.splice(0)) f();
		if (this.room) this.deps.rooms.release(this.room);
		this.room = null;
		this.onClose?.();
	}
}

function maxRead(c: ContactDoc): number {
	let max = -Infinity;
	for (const v of Object.values(c.reads.all())) if (v > max) max = v;
	return max;
}
