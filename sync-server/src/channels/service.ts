/**
 * The channels of a workspace, wired as one service: the web chat (sessions, visitor sockets,
 * pages) and the webhook channel (inbound, status callbacks, outbox), plus the watch that finds
 * outgoing messages on the write path. `server.ts` constructs it, adds it to the rooms' write
 * hooks (`write-hooks.ts`), mounts `routes`, `pages` and `handleUpgrade`, runs `start` before
 * listening and `close` before the rooms close.
 *
 * Visitor tokens: 256 random bits, given to the visitor once, stored as a SHA-256 hash bound to
 * one channel and one contact id. The contact's document is created by the first message, not
 * by the session (a visitor who never writes leaves no contact behind). A token opens that
 * contact's own conversation on that channel and nothing else.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { contactDoc, serverOrigin } from '../../../src/lib/doc';
import { newId } from '../../../src/lib/domain/ids';
import type { Channel, ContactId, DocId, MessageEntry, Profile } from '../../../src/lib/domain/types';
import { CLOSE_GOING_AWAY, CLOSE_INTERNAL } from '../../../src/lib/protocol/close';
import { RateLimiter } from '../auth/rate-limit';
import type { Fanout } from '../fanout/fanout';
import { asObject, errorReply, readJson, reply, type Reply } from '../http/respond';
import type { Route } from '../http/routes';
import { audit } from '../http/audit';
import type { UploadStore } from '../http/upload-store';
import type { ChangeFeed, ChannelOutbox, ChannelRecords, ChannelSecrets, MetaStore, VisitorSession } from '../persistence/store';
import type { Rooms } from '../rooms';
import type { AppliedUpdate, WriteHook } from '../write-hooks';
import { DEFAULT_OUTBOX_OPTIONS, Outbox, type OutboxOptions } from './outbox';
import { hashToken, randomSecret } from './signature';
import { advanceDelivery } from './thread-writes';
import { createPageHandler, type PageHandler } from './visitor-page';
import { MAX_VISITOR_FRAME, VisitorConnection, type VisitorCalls } from './visitor-socket';
import { ThreadWatch } from './watch';
import { WebhookChannel } from './webhook';
import { EmailChannel, type EmailOptions } from './email/channel';
import { DIR_DOC_ID } from '../../../src/lib/domain/ids';

export interface ChannelsOptions extends OutboxOptions {
	/** How often the watch checkpoint is advanced (ms; 0: only at close). */
	checkpointEveryMs: number;
	/** Visitor sessions one address may open per 10 minutes. */
	sessionsPerAddress: number;
	/** The email channel: SMTP receiver, IMAP pollers, SMTP sending (`email/channel.ts`). */
	email?: Partial<EmailOptions>;
}

export const DEFAULT_CHANNELS_OPTIONS: ChannelsOptions = { ...DEFAULT_OUTBOX_OPTIONS, checkpointEveryMs: 5_000, sessionsPerAddress: 60 };

export interface ChannelsDeps {
	/** The roles of the outbox, the thread watch and the webhook channel, which it hands them. */
	store: ChannelRecords & ChannelSecrets & ChannelOutbox & ChangeFeed & MetaStore;
	rooms: Rooms;
	fanout: Fanout;
	/** The current directory's channels. */
	channels: () => readonly Channel[];
	clock: () => number;
	log: (message: string) => void;
	/** Uploaded files: the web chat visitor sends and reads the files of their own conversation. */
	uploads?: UploadStore;
	/** Several processes: the outbox dispatches only while this process holds the lease. */
	lease?: { readonly held: boolean };
}

const MAX_NAME = 80;
const WS_PATH = /^\/api\/chat\/([A-Za-z0-9_-]{1,80})\/ws$/;

export class Channels implements WriteHook {
	readonly opts: ChannelsOptions;
	readonly outbox: Outbox;
	readonly watch: ThreadWatch;
	readonly webhook: WebhookChannel;
	readonly email: EmailChannel;
	readonly pages: PageHandler;
	private readonly visitors = new Map<ContactId, Set<VisitorConnection>>();
	private readonly wss: WebSocketServer;
	private readonly sessionLimiter: RateLimiter;
	private readonly visitorLimits: Record<string, RateLimiter>;
	private checkpointTimer: NodeJS.Timeout | null = null;
	private closed = false;

	constructor(
		private readonly deps: ChannelsDeps,
		opts: Partial<ChannelsOptions> = {}
	) {
		this.opts = { ...DEFAULT_CHANNELS_OPTIONS, ...opts };
		const channel = (id: string) => deps.channels().find((c) => c.id === id);
		this.channel = channel;
		const uploads = deps.uploads;
		this.email = new EmailChannel(
			{ store: deps.store, rooms: deps.rooms, channels: deps.channels, channel, clock: deps.clock, log: deps.log, ...(uploads ? { uploads } : {}) },
			{ allowPrivate: this.opts.allowPrivate, ...this.opts.email }
		);
		this.outbox = new Outbox(
			{
				store: deps.store,
				rooms: deps.rooms,
				clock: deps.clock,
				log: deps.log,
				channel,
				...(deps.lease ? { lease: deps.lease } : {}),
				adapters: { email: this.email.adapter },
				...(uploads ? { fileLink: (name: string, contactId: ContactId) => uploads.signedPath(name, { kind: 'visitor', contactId }, 7 * 24 * 3_600_000).url } : {})
			},
			this.opts
		);
		this.watch = new ThreadWatch({ store: deps.store, rooms: deps.rooms, log: deps.log, onOutgoing: (...a) => this.onOutgoing(...a) });
		this.webhook = new WebhookChannel({ store: deps.store, rooms: deps.rooms, outbox: this.outbox, clock: deps.clock, channel });
		this.pages = createPageHandler(channel);
		this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_VISITOR_FRAME, perMessageDeflate: false });
		this.wss.on('error', (err) => deps.log(`visitor websocket server: ${err.message}`));
		this.sessionLimiter = new RateLimiter({ limit: this.opts.sessionsPerAddress, windowMs: 10 * 60_000 }, deps.clock);
		this.visitorLimits = {
			msg: new RateLimiter({ limit: 20, windowMs: 10_000 }, deps.clock),
			typing: new RateLimiter({ limit: 40, windowMs: 10_000 }, deps.clock),
			seen: new RateLimiter({ limit: 40, windowMs: 10_000 }, deps.clock),
			page: new RateLimiter({ limit: 30, windowMs: 60_000 }, deps.clock),
			upload: new RateLimiter({ limit: 20, windowMs: 60_000 }, deps.clock),
			call: new RateLimiter({ limit: 30, windowMs: 60_000 }, deps.clock)
		};
	}

	readonly channel: (id: string) => Channel | undefined;

	/** Voice calls (SPEC S2), set by the server once the calls service exists. */
	calls: VisitorCalls | null = null;

	/** The open visitor sockets of a contact. */
	visitorsOf(contactId: ContactId): readonly VisitorConnection[] {
		return [...(this.visitors.get(contactId) ?? [])];
	}

	/** Restart work: scan what was stored since the checkpoint, resume the outbox. */
	async start(): Promise<void> {
		const found = await this.watch.scanStored();
		if (found > 0) this.deps.log(`channels: ${found} outgoing message(s) without a status found on start`);
		await this.watch.checkpoint();
		this.outbox.start();
		await this.email.refresh();
		if (this.opts.checkpointEveryMs > 0) {
			this.checkpointTimer = setInterval(() => {
				this.watch.checkpoint().catch((err: unknown) => this.deps.log(`channels checkpoint: ${String(err)}`));
			}, this.opts.checkpointEveryMs);
			this.checkpointTimer.unref();
		}
	}

	/** Write hook (contact documents: the thread watch). */
	afterApply({ doc }: AppliedUpdate): void {
		// A directory change may add, change or remove an email channel's receiver or mailbox.
		if (doc.docId === DIR_DOC_ID) setImmediate(() => this.email.refresh().catch((err: unknown) => this.deps.log(`email: ${String(err)}`)));
		this.watch.onApplied(doc);
	}

	private onOutgoing(docId: DocId, contactId: ContactId, entry: MessageEntry, profile: Profile): void {
		const channel = this.channel(entry.channelId);
		if (!channel) return;
		if (channel.kind === 'webhook' || channel.kind === 'email') {
			this.watch.track(this.outbox.enqueue(docId, contactId, entry, profile));
			return;
		}
		// Web chat: `sent` (stored, waiting for the visitor); a connected visitor's socket writes
		// `delivered` itself, and statuses never move back, so the order of the two does not matter.
		if (this.visitors.get(contactId)?.size) return;
		const at = this.deps.clock();
		this.watch.track(
			this.deps.rooms.applyServerChange(docId, (ydoc) => {
				advanceDelivery(contactDoc(ydoc, serverOrigin()), entry.id, { status: 'sent', at });
			})
		);
	}

	// --- HTTP -------------------------------------------------------------------------------

	get routes(): Route[] {
		return [
			{
				method: 'POST',
				path: /^\/api\/chat\/([A-Za-z0-9_-]{1,80})\/session$/,
				access: 'public',
				handle: ({ req, params, address }) => this.openSession(req, params[0]!, address)
			},
			{
				// SPEC S5.14: the visitor's own files, stored into their own conversation.
				method: 'POST',
				path: /^\/api\/chat\/([A-Za-z0-9_-]{1,80})\/uploads$/,
				access: 'public',
				handle: ({ req, params }) => this.visitorUpload(req, params[0]!)
			},
			...this.email.routes,
			{ method: 'POST', path: /^\/api\/channels\/([A-Za-z0-9_-]{1,80})\/inbound$/, access: 'public', handle: ({ req, params }) => this.webhook.inbound(req, params[0]!) },
			{ method: 'POST', path: /^\/api\/channels\/([A-Za-z0-9_-]{1,80})\/status$/, access: 'public', handle: ({ req, params }) => this.webhook.status(req, params[0]!) },
			{
				// Secret rotation: the new secret is shown once, here; it never enters the directory.
				method: 'POST',
				path: /^\/api\/directory\/channels\/([A-Za-z0-9_-]{1,80})\/secret$/,
				access: 'admin',
				handle: async ({ params, deps, me }) => {
					const ch = this.channel(params[0]!);
					if (!ch) return errorReply(404, 'not_found', 'No such channel.');
					if (ch.kind !== 'webhook') return errorReply(409, 'not_webhook', 'Only webhook channels have a signing secret.');
					const secret = randomSecret();
					await this.deps.store.setChannelSecret(ch.id, secret);
					await audit(deps, me.id, 'channel.rotate_secret', ch.id);
					return reply(200, { secret });
				}
			}
		];
	}

	private async openSession(req: IncomingMessage, channelId: string, address: string): Promise<Reply> {
		const ch = this.channel(channelId);
		if (!ch || ch.kind !== 'webchat') {
			req.resume();
			return errorReply(404, 'unknown_channel', 'No web chat with this id.');
		}
		const body = await readJson(req, 4096);
		const o = body.ok ? asObject(body.value) : null;
		if (!body.ok) return body.reply;
		if (!o) return errorReply(400, 'bad_request', 'The body must be a JSON object.');
		if (typeof o.token === 'string' && o.token.length <= 100) {
			const existing = await this.deps.store.getVisitorSession(hashToken(o.token));
			if (existing && existing.channelId === ch.id) return reply(200, { token: o.token, resumed: true });
		}
		if (o.name !== undefined && (typeof o.name !== 'string' || o.name.length > MAX_NAME)) {
			return errorReply(400, 'invalid_name', `name must be text of at most ${MAX_NAME} characters.`);
		}
		const limited = this.sessionLimiter.hit(address);
		if (!limited.ok) {
			return errorReply(429, 'rate_limited', 'Too many new chats from this address; try again later.', {
				'retry-after': String(Math.ceil(limited.retryAfterMs / 1000))
			});
		}
		const token = randomSecret();
		const session: VisitorSession = {
			tokenHash: hashToken(token),
			channelId: ch.id,
			contactId: newId() as ContactId,
			name: typeof o.name === 'string' ? o.name.trim() : '',
			createdAt: this.deps.clock()
		};
		await this.deps.store.putVisitorSession(session);
		return reply(201, { token, resumed: false });
	}

	private async visitorUpload(req: IncomingMessage, channelId: string): Promise<Reply> {
		const ch = this.channel(channelId);
		const uploads = this.deps.uploads;
		const token = /^Bearer\s+(\S{1,100})$/i.exec(String(req.headers.authorization ?? ''))?.[1];
		const session = ch?.kind === 'webchat' && token ? await this.deps.store.getVisitorSession(hashToken(token)) : null;
		if (!ch || ch.kind !== 'webchat' || !uploads) {
			req.resume();
			return errorReply(404, 'unknown_channel', 'No web chat with this id.');
		}
		if (!session || session.channelId !== ch.id) {
			req.resume();
			return errorReply(401, 'bad_visitor_token', 'This chat session is unknown; start a new one.');
		}
		const limited = this.visitorLimits.upload!.hit(`upload:${session.tokenHash}`);
		if (!limited.ok) {
			req.resume();
			return errorReply(429, 'rate_limited', 'Too many files at once; wait a moment.', { 'retry-after': String(Math.ceil(limited.retryAfterMs / 1000)) });
		}
		const saved = await uploads.save(req, { contactId: session.contactId, uploadedBy: `v:${session.contactId}` });
		if (!saved.ok) return saved.reply;
		const link = uploads.signedPath(saved.attachment.storageName, { kind: 'visitor', contactId: session.contactId });
		return reply(201, { attachment: saved.attachment, url: link.url });
	}

	// --- visitor WebSockets -------------------------------------------------------------------

	/** Takes the upgrade when it is a visitor socket; false otherwise. */
	handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
		const url = new URL(req.url ?? '/', 'http://localhost');
		const m = WS_PATH.exec(url.pathname);
		if (!m) return false;
		socket.on('error', () => socket.destroy());
		const refuse = (status: number, code: string, message: string) => {
			const body = JSON.stringify({ error: { code, message } });
			if (socket.writable) {
				socket.write(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Unauthorized'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
			}
			socket.destroy();
		};
		const ch = this.channel(m[1]!);
		if (!ch || ch.kind !== 'webchat') {
			refuse(404, 'unknown_channel', 'No web chat with this id.');
			return true;
		}
		const token = url.searchParams.get('visitor') ?? '';
		(async () => {
			const session = token && token.length <= 100 ? await this.deps.store.getVisitorSession(hashToken(token)) : null;
			if (this.closed) return socket.destroy();
			if (!session || session.channelId !== ch.id) return refuse(401, 'bad_visitor_token', 'This chat session is unknown; start a new one.');
			this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => this.addVisitor(ws, session, ch));
		})().catch((err: unknown) => {
			this.deps.log(`visitor upgrade failed: ${String(err)}`);
			socket.destroy();
		});
		return true;
	}

	private addVisitor(ws: WebSocket, session: VisitorSession, ch: Channel): void {
		const limits = this.visitorLimits;
		const conn = new VisitorConnection(ws, session, ch, {
			rooms: this.deps.rooms,
			fanout: this.deps.fanout,
			clock: this.deps.clock,
			log: this.deps.log,
			...(this.deps.uploads ? { uploads: this.deps.uploads } : {}),
			limiter: { hit: (key) => (limits[key.slice(0, key.indexOf(':'))] ?? limits.msg!).hit(key) },
			...(this.calls ? { calls: this.calls } : {})
		});
		let set = this.visitors.get(session.contactId);
		if (!set) this.visitors.set(session.contactId, (set = new Set()));
		set.add(conn);
		conn.onClose = () => {
			set.delete(conn);
			if (set.size === 0 && this.visitors.get(session.contactId) === set) this.visitors.delete(session.contactId);
		};
		conn.open().catch((err: unknown) => {
			this.deps.log(`visitor ${conn.id}: open failed: ${String(err)}`);
			conn.close(CLOSE_INTERNAL, 'The conversation could not be opened.');
		});
	}

	get visitorCount(): number {
		let n = 0;
		for (const s of this.visitors.values()) n += s.size;
		return n;
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		if (this.checkpointTimer) clearInterval(this.checkpointTimer);
		for (const set of [...this.visitors.values()]) for (const c of [...set]) c.close(CLOSE_GOING_AWAY, 'server shutting down');
		this.wss.close();
		await this.outbox.close();
		await this.email.close();
		this.watch.close();
		await this.watch.checkpoint();
	}
}
