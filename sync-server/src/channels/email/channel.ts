/**
 * The email channel (SPEC S5.12, S5.4, S5.7, S5.14, S7.1): mail in over the built-in SMTP
 * receiver or from a mailbox over IMAP, replies out over SMTP through the channel outbox.
 *
 * Inbound. Each mail becomes a message entry of its sender's contact (found by address, or
 * created unassigned with an open conversation), `body.type = 'email'` with the subject, the
 * text, the HTML sanitized here before it is stored, the threading headers, the attachments and
 * the raw source as uploads of the contact. Idempotent by Message-ID like the webhook's inbound:
 * the id is claimed with the contact and entry chosen for it before anything is written, and the
 * document write carries the update id `in:<channel>:<Message-ID>`; a replay (SMTP retry, IMAP
 * re-poll, restart) finds the claim and stores nothing new. Copied addresses (To, CC) are only
 * recorded on the message: they never create or open a conversation for anyone else.
 * Automatic replies are recorded for a known sender without opening its conversation (and never
 * create a contact); delivery reports mark the bounced outgoing message `failed` with the
 * reason, matched by the Message-ID we gave it (`email.out:<id>` in the meta store).
 *
 * Outbound: the outbox adapter. The row's payload is built once, before the first attempt,
 * with the Message-ID the message keeps on every attempt (`<entryId@domain>` unless the composer
 * gave one). Exactly once across a crash: the outbox writes the row before sending and the
 * status after; a kill -9 between the server's 250 and the status write leaves the row pending,
 * and the resend carries the same Message-ID, so the receiving server or mail client that has
 * it already (they dedupe by Message-ID, as `mail-sink.ts` does) shows it once. 4xx answers and
 * network errors are retried with the outbox's backoff, 5xx are final with the server's answer.
 */
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { contactDoc, directoryDoc, serverOrigin } from '../../../../src/lib/doc';
import { normalizeEmail } from '../../../../src/lib/domain/contact-input';
import { contactDocId, DIR_DOC_ID, newId, parseDocId } from '../../../../src/lib/domain/ids';
import type { Attachment, Channel, ChannelId, ContactId, EmailMeta, EntryId, Profile } from '../../../../src/lib/domain/types';
import { asObject, errorReply, readJson, reply } from '../../http/respond';
import type { Route } from '../../http/routes';
import type { UploadStore } from '../../http/upload-store';
import type { ChannelRecords, ChannelSecrets, MetaStore } from '../../persistence/store';
import type { Rooms } from '../../rooms';
import type { OutboxAdapter } from '../outbox';
import { advanceDelivery, writeIncoming } from '../thread-writes';
import { KeyedLock } from '../webhook';
import { parseEmail, type ParsedEmail } from './parse';
import { MAX_DELIVERY_PROBLEMS, MAX_SIGNATURE, type EmailDeliveryProblem } from '../../../../src/lib/domain/email';
import { parseEmailSettings, secretKey } from './settings';
import type { MailSink } from './mail-sink';
import { ImapPoller } from './imap';
import { EmailOutbound } from './outbound';

/** One attachment at most (the upload limit), and one whole mail at most (10 MiB base64-encoded, with room for the rest). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
export const MAX_MAIL_BYTES = 15 * 1024 * 1024;

export interface EmailOptions {
	/** Port of the built-in SMTP receiver (0: any free one; null: never started). */
	smtpPort: number | null;
	smtpHost: string;
	/** SMTP and IMAP servers on private and loopback addresses (tests, the demo). */
	allowPrivate: boolean;
	timeoutMs: number;
	/** IMAP: how often a mailbox without IDLE is polled. */
	imapPollMs: number;
	/** The demo's local mailbox (listed at GET /api/email/demo-mailbox). */
	demoMailbox?: MailSink;
}

export const DEFAULT_EMAIL_OPTIONS: EmailOptions = { smtpPort: 0, smtpHost: '127.0.0.1', allowPrivate: false, timeoutMs: 20_000, imapPollMs: 30_000 };

export interface EmailDeps {
	store: ChannelRecords & ChannelSecrets & MetaStore;
	rooms: Rooms;
	uploads?: UploadStore;
	channels: () => readonly Channel[];
	channel(id: string): Channel | undefined;
	clock: () => number;
	log: (message: string) => void;
}

export type IngestResult =
	| { ok: true; outcome: 'stored' | 'duplicate' | 'bounce' | 'ignored'; contactId?: ContactId; entryId?: string }
	| { ok: false; code: number; message: string };

const problemsKey = (channelId: string) => `email.problems:${channelId}`;

/** A stored list of delivery problems; anything unreadable reads as none. */
function parseProblems(raw: string | null): EmailDeliveryProblem[] {
	if (!raw) return [];
	try {
		const v = JSON.parse(raw) as unknown;
		return Array.isArray(v) ? (v as EmailDeliveryProblem[]) : [];
	} catch {
		return [];
	}
}
const signatureKey = (userId: string) => `email.signature:${userId}`;

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

function splitName(name: string): Pick<Profile, 'firstName' | 'lastName'> | Record<string, never> {
	const n = name.replace(/["']/g, '').trim();
	if (!n || n.includes('@')) return {};
	const i = n.indexOf(' ');
	return i < 0 ? { firstName: n.slice(0, 100), lastName: '' } : { firstName: n.slice(0, i).slice(0, 100), lastName: n.slice(i + 1).slice(0, 100) };
}

export class EmailChannel {
	readonly opts: EmailOptions;
	private readonly lock = new KeyedLock();
	private receiver: SMTPServer | null = null;
	private receiverStarting: Promise<void> | null = null;
	private readonly pollers = new Map<string, ImapPoller>();
	private closed = false;
	/** Address of the SMTP receiver once it listens. */
	smtpAddress: { host: string; port: number } | null = null;

	constructor(
		private readonly deps: EmailDeps,
		opts: Partial<EmailOptions> = {}
	) {
		this.opts = { ...DEFAULT_EMAIL_OPTIONS, ...opts };
		this.adapter = new EmailOutbound(deps, this.opts);
	}

	/** Sending, through the channel outbox (`email/outbound.ts`). */
	readonly adapter: OutboxAdapter;

	private emailChannels(): Channel[] {
		return this.deps.channels().filter((c) => c.kind === 'email');
	}

	/** Starts what the directory's email channels need (receiver, IMAP pollers), stops the rest. */
	async refresh(): Promise<void> {
		if (this.closed) return;
		const channels = this.emailChannels();
		if (this.opts.smtpPort !== null && channels.some((c) => (c.email?.addresses.length ?? 0) > 0)) await this.startReceiver();
		const wanted = new Map<string, Channel>();
		for (const c of channels) if (c.email?.imap) wanted.set(c.id, c);
		for (const [id, p] of this.pollers) {
			const c = wanted.get(id);
			if (!c || p.key !== JSON.stringify(c.email?.imap)) {
				this.pollers.delete(id);
				await p.stop();
			}
		}
		for (const [id, c] of wanted) {
			if (this.pollers.has(id)) continue;
			const p = new ImapPoller(c, this, this.deps, this.opts);
			this.pollers.set(id, p);
			p.start();
		}
	}

	/** Restarts a channel's IMAP poller (its password changed). */
	private async restartPoller(id: string): Promise<void> {
		const p = this.pollers.get(id);
		if (p) {
			this.pollers.delete(id);
			await p.stop();
		}
		await this.refresh();
	}

	private startReceiver(): Promise<void> {
		if (this.receiver) return Promise.resolve();
		this.receiverStarting ??= (async () => {
			const server = new SMTPServer({
				authOptional: true,
				disabledCommands: ['AUTH', 'STARTTLS'],
				logger: false,
				banner: 'Parley email channel',
				size: MAX_MAIL_BYTES,
				onRcptTo: (address, _session, cb) => {
					const to = normalizeEmail(address.address);
					if (to && this.channelsFor([to]).length > 0) return cb();
					cb(smtpError(550, `5.1.1 <${address.address}>: no such mailbox here`));
				},
				onData: (stream, session, cb) => {
					const chunks: Buffer[] = [];
					stream.on('data', (c: Buffer) => chunks.push(c));
					stream.on('end', () => {
						if (stream.sizeExceeded) return cb(smtpError(552, `5.3.4 Message too big: the limit is ${MAX_MAIL_BYTES} bytes (attachments at most 10 MiB)`));
						const rcpts = session.envelope.rcptTo.map((r) => normalizeEmail(r.address)).filter((x): x is string => !!x);
						const mailFrom = session.envelope.mailFrom === false ? null : session.envelope.mailFrom.address;
						this.receive(Buffer.concat(chunks), rcpts, mailFrom).then(
							(err) => (err ? cb(smtpError(err.code, err.message)) : cb(null, 'Queued')),
							(err: unknown) => {
								this.deps.log(`email: receiving failed: ${String(err)}`);
								cb(smtpError(451, '4.3.0 Temporary failure, try again later'));
							}
						);
					});
				}
			});
			server.on('error', (err) => this.deps.log(`email: SMTP receiver: ${err.message}`));
			const port = this.opts.smtpPort ?? 0;
			await new Promise<void>((resolve) => {
				server.server.once('error', (err: Error) => {
					this.deps.log(`email: SMTP receiver could not listen on ${this.opts.smtpHost}:${port}: ${err.message}`);
					resolve();
				});
				server.listen(port, this.opts.smtpHost, () => {
					const a = server.server.address() as AddressInfo;
					this.smtpAddress = { host: this.opts.smtpHost, port: a.port };
					this.receiver = server;
					resolve();
				});
			});
			this.receiverStarting = null;
		})();
		return this.receiverStarting;
	}

	private channelsFor(addresses: string[]): Channel[] {
		return this.emailChannels().filter((c) => c.email?.addresses.some((a) => addresses.includes(a)));
	}

	/** One mail from the SMTP receiver: stored on each channel it is addressed to; an error to answer with, or null. */
	private async receive(raw: Buffer, rcpts: string[], mailFrom: string | null): Promise<{ code: number; message: string } | null> {
		for (const ch of this.channelsFor(rcpts)) {
			const r = await this.ingest(ch, raw, mailFrom);
			if (!r.ok) return r;
		}
		return null;
	}

	/** Stores one raw mail received for `channel` (see the module comment). */
	async ingest(channel: Channel, raw: Buffer, envelopeFrom?: string | null): Promise<IngestResult> {
		const mail = await parseEmail(raw, envelopeFrom);
		const big = mail.attachments.find((a) => a.data.length > MAX_ATTACHMENT_BYTES);
		if (big) return { ok: false, code: 552, message: `5.3.4 Attachment "${big.name}" is larger than 10 MiB, the limit for one file` };
		if (mail.auto === 'bounce') return this.ingestBounce(channel, mail, raw);
		const from = mail.from;
		if (!from) return { ok: true, outcome: 'ignored' };
		return this.lock.run(`${channel.id}\u0000${from}`, async () => {
			const { store } = this.deps;
			const now = this.deps.clock();
			const known = await store.findContactByKey('email', from);
			if (!known && mail.auto) {
				this.deps.log(`email: automatic reply from unknown ${from} ignored`);
				return { ok: true, outcome: 'ignored' };
			}
			const claim = await store.claimInbound({ channelId: channel.id, messageId: mail.messageId, contactId: known ?? (newId() as ContactId), entryId: newId(), createdContact: !known, at: now });
			const rec = claim.record;
			const docId = contactDocId(rec.contactId);
			const updateId = `in:${channel.id}:${mail.messageId}`;
			if (claim.existed && (await this.deps.rooms.applyServerChange(docId, () => undefined, updateId))) return { ok: true, outcome: 'duplicate', contactId: rec.contactId, entryId: rec.entryId };
			if (!known) await store.setContactKeys(rec.contactId, ['email'], [{ kind: 'email', value: from }]);
			const files = await this.storeFiles(rec.contactId, mail, raw);
			if (!files.ok) return files;
			await this.deps.rooms.applyServerChange(
				docId,
				(ydoc) => {
					writeIncoming(ydoc, {
						contactId: rec.contactId,
						channelId: channel.id as ChannelId,
						entryId: rec.entryId as EntryId,
						at: rec.at,
						body: { type: 'email', text: mail.text, ...(files.attachments.length ? { attachments: files.attachments } : {}), email: this.meta(mail, files.source) },
						newProfile: { email: from, ...splitName(mail.fromName) },
						blockedData: { messageId: mail.messageId },
						...(mail.auto ? { quiet: true } : {})
					});
				},
				updateId
			);
			return { ok: true, outcome: 'stored', contactId: rec.contactId, entryId: rec.entryId };
		});
	}

	private meta(mail: ParsedEmail, source: string | undefined): EmailMeta {
		return {
			subject: mail.subject,
			...(mail.from ? { from: mail.from } : {}),
			...(mail.fromName ? { fromName: mail.fromName } : {}),
			to: mail.to,
			...(mail.cc.length ? { cc: mail.cc } : {}),
			...(mail.html ? { html: mail.html } : {}),
			messageId: mail.messageId,
			...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
			...(mail.references.length ? { references: mail.references } : {}),
			...(source ? { source } : {}),
			...(mail.auto ? { auto: mail.auto } : {})
		};
	}

	private async storeFiles(contactId: ContactId, mail: ParsedEmail, raw: Buffer): Promise<{ ok: true; attachments: Attachment[]; source?: string } | { ok: false; code: number; message: string }> {
		const uploads = this.deps.uploads;
		if (!uploads) return { ok: true, attachments: [] };
		const who = { contactId, uploadedBy: `v:${contactId}` };
		const attachments: Attachment[] = [];
		for (const a of mail.attachments.slice(0, 10)) {
			const saved = await uploads.saveBytes(a.data, { name: a.name, mime: a.mime }, who);
			if (!saved.ok) {
				if (saved.reply.status === 400) continue; // an empty part
				return { ok: false, code: 452, message: '4.3.1 The attachments could not be stored; try again later' };
			}
			attachments.push(saved.attachment);
		}
		const src = await uploads.saveBytes(raw, { name: 'original.eml', mime: 'message/rfc822' }, who);
		return { ok: true, attachments, ...(src.ok ? { source: src.attachment.storageName } : {}) };
	}

	private async ingestBounce(channel: Channel, mail: ParsedEmail, raw: Buffer): Promise<IngestResult> {
		const orig = mail.bounce?.originalMessageId;
		const ref = orig ? await this.deps.store.getMeta(`email.out:${orig}`) : null;
		const [docId, entryId] = ref ? ref.split('\n') : [];
		const parsed = docId ? parseDocId(docId) : null;
		if (!parsed || parsed.kind !== 'contact' || !entryId) {
			// Unmatched: kept in the channel's delivery problems (Settings > Email), opens nothing.
			const b = mail.bounce;
			await this.recordProblem(channel.id, {
				at: this.deps.clock(),
				recipient: b?.recipient ?? '',
				status: b?.status ?? '',
				diagnostic: b?.diagnostic ?? b?.reason ?? '',
				reason: orig ? 'unknown_message' : 'no_message_id',
				...(orig ? { originalMessageId: orig } : {}),
				reportId: mail.messageId,
				from: mail.from ?? '',
				subject: mail.subject
			});
			this.deps.log(`email: delivery report for an unknown message ${orig ?? '(no Message-ID)'} recorded`);
			return { ok: true, outcome: 'ignored' };
		}
		const now = this.deps.clock();
		const claim = await this.deps.store.claimInbound({ channelId: channel.id, messageId: mail.messageId, contactId: parsed.contactId, entryId: newId(), createdContact: false, at: now });
		const rec = claim.record;
		const updateId = `in:${channel.id}:${mail.messageId}`;
		if (claim.existed && (await this.deps.rooms.applyServerChange(contactDocId(parsed.contactId), () => undefined, updateId))) return { ok: true, outcome: 'duplicate' };
		const files = await this.storeFiles(parsed.contactId, { ...mail, attachments: [] }, raw);
		const source = files.ok ? files.source : undefined;
		await this.deps.rooms.applyServerChange(
			contactDocId(parsed.contactId),
			(ydoc) => {
				advanceDelivery(contactDoc(ydoc, serverOrigin()), entryId as EntryId, { status: 'failed', at: now, error: `Bounced: ${mail.bounce?.reason ?? 'undeliverable'}`.slice(0, 500) });
				writeIncoming(ydoc, {
					contactId: parsed.contactId,
					channelId: channel.id as ChannelId,
					entryId: rec.entryId as EntryId,
					at: rec.at,
					body: { type: 'email', text: mail.text, email: this.meta(mail, source) },
					quiet: true
				});
			},
			updateId
		);
		return { ok: true, outcome: 'bounce', contactId: parsed.contactId, entryId: rec.entryId };
	}

	/**
	 * Adds an unmatched delivery report to the channel's list (once per report; the newest kept),
	 * by compare-and-set: a report another process added meanwhile is read again, never dropped.
	 */
	private async recordProblem(channelId: string, p: EmailDeliveryProblem): Promise<void> {
		const key = problemsKey(channelId);
		for (;;) {
			const raw = await this.deps.store.getMeta(key);
			const list = parseProblems(raw);
			if (list.some((x) => x.reportId === p.reportId)) return;
			list.push(p);
			if (await this.deps.store.swapMeta(key, raw, JSON.stringify(list.slice(-MAX_DELIVERY_PROBLEMS)))) return;
		}
	}

	/** The channel's unmatched delivery reports, oldest first. */
	async problems(channelId: string): Promise<EmailDeliveryProblem[]> {
		return parseProblems(await this.deps.store.getMeta(problemsKey(channelId)));
	}

	// --- HTTP -------------------------------------------------------------------------------

	get routes(): Route[] {
		return [
			{
				method: 'GET',
				path: /^\/api\/channels\/([A-Za-z0-9_-]{1,80})\/email$/,
				access: 'admin',
				handle: async ({ params }) => {
					const ch = this.deps.channel(params[0]!);
					if (!ch || ch.kind !== 'email') return errorReply(404, 'unknown_channel', 'No email channel with this id.');
					return reply(200, await this.settingsView(ch));
				}
			},
			{
				method: 'PATCH',
				path: /^\/api\/channels\/([A-Za-z0-9_-]{1,80})\/email$/,
				access: 'admin',
				handle: async ({ req, params }) => {
					const ch = this.deps.channel(params[0]!);
					if (!ch || ch.kind !== 'email') {
						req.resume();
						return errorReply(404, 'unknown_channel', 'No email channel with this id.');
					}
					const body = await readJson(req, 32 * 1024);
					if (!body.ok) return body.reply;
					const o = asObject(body.value);
					if (!o) return errorReply(400, 'bad_request', 'The body must be a JSON object.');
					const parsed = parseEmailSettings(o, ch.email);
					if (!parsed.ok) return errorReply(400, 'invalid_input', parsed.message);
					await this.applySecrets(ch.id, parsed.secrets);
					const settings = { ...parsed.settings, hasDkimKey: !!(await this.deps.store.getChannelSecret(secretKey(ch.id, 'dkim'))) };
					await this.deps.rooms.applyServerChange(DIR_DOC_ID, (ydoc) => directoryDoc(ydoc).putChannel({ ...ch, email: settings }));
					if (parsed.secrets.imap !== undefined) await this.restartPoller(ch.id);
					else await this.refresh();
					return reply(200, await this.settingsView({ ...ch, email: settings }));
				}
			},
			{
				// S5.4: delivery reports that matched no email we sent (owners and managers).
				method: 'GET',
				path: /^\/api\/channels\/([A-Za-z0-9_-]{1,80})\/email\/problems$/,
				access: 'admin',
				handle: async ({ params }) => {
					const ch = this.deps.channel(params[0]!);
					if (!ch || ch.kind !== 'email') return errorReply(404, 'unknown_channel', 'No email channel with this id.');
					return reply(200, { problems: (await this.problems(ch.id)).reverse() });
				}
			},
			{
				// S5.12: the caller's own email signature, kept on the server (every device of theirs).
				method: 'GET',
				path: /^\/api\/me\/email-signature$/,
				access: 'member',
				handle: async ({ me }) => reply(200, { signature: (await this.deps.store.getMeta(signatureKey(me.id))) ?? '' })
			},
			{
				method: 'PATCH',
				path: /^\/api\/me\/email-signature$/,
				access: 'member',
				handle: async ({ req, me }) => {
					const body = await readJson(req, 16 * 1024);
					if (!body.ok) return body.reply;
					const o = asObject(body.value);
					const sig = o?.signature;
					if (typeof sig !== 'string') return errorReply(400, 'invalid_input', 'signature must be a string.');
					const clean = [...sig.replace(/\r\n?/g, '\n')].filter((ch) => ch === '\n' || ch === '\t' || (ch >= ' ' && ch !== '\u007f')).join('').trimEnd();
					if (clean.length > MAX_SIGNATURE) return errorReply(400, 'invalid_input', `signature is longer than ${MAX_SIGNATURE} characters.`);
					await this.deps.store.setMeta(signatureKey(me.id), clean);
					return reply(200, { signature: clean });
				}
			},
			{
				// The demo's local mailbox: where the demo channel's replies land.
				method: 'GET',
				path: /^\/api\/email\/demo-mailbox$/,
				access: 'member',
				handle: async () => {
					const box = this.opts.demoMailbox;
					if (!box) return errorReply(404, 'no_mailbox', 'This server has no demo mailbox.');
					return reply(200, { port: box.port, mails: box.mails.slice(-50).reverse().map((m) => ({ n: m.n, messageId: m.messageId, raw: m.raw.slice(0, 200_000) })) });
				}
			}
		];
	}

	/** Stores and deletes the secrets of a channel (never part of the directory). */
	async applySecrets(channelId: string, secrets: Partial<Record<'smtp' | 'imap' | 'dkim', string | null>>): Promise<void> {
		for (const [kind, v] of Object.entries(secrets) as Array<['smtp' | 'imap' | 'dkim', string | null]>) {
			if (v === null) await this.deps.store.deleteChannelSecret(secretKey(channelId, kind));
			else await this.deps.store.setChannelSecret(secretKey(channelId, kind), v);
		}
	}

	private async settingsView(ch: Channel): Promise<Record<string, unknown>> {
		const has = async (k: 'smtp' | 'imap' | 'dkim') => !!(await this.deps.store.getChannelSecret(secretKey(ch.id, k)));
		return {
			id: ch.id,
			name: ch.name,
			email: ch.email ?? { addresses: [] },
			secrets: { smtpPassword: await has('smtp'), imapPassword: await has('imap'), dkimKey: await has('dkim') },
			receiver: this.smtpAddress,
			imap: this.pollers.get(ch.id)?.status ?? null
		};
	}

	async close(): Promise<void> {
		this.closed = true;
		await Promise.all([...this.pollers.values()].map((p) => p.stop()));
		this.pollers.clear();
		await this.receiverStarting;
		const r = this.receiver;
		this.receiver = null;
		if (r) await new Promise<void>((resolve) => r.close(() => resolve()));
	}
}
