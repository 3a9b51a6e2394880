/**
 * Outbound delivery of the webhook channel: at most one successful dispatch per entry.
 *
 * Protocol with the receiver: each outgoing message is POSTed as JSON to the channel's URL,
 * signed (`X-Parley-Signature`, see `signature.ts`), with `Idempotency-Key: <entry id>`; the
 * same key is used on every retry, so a receiver that dedupes by it sees each message once.
 *
 * Order of writes, chosen so that a crash (kill -9) at any point never loses a message and
 * never dispatches a second one the receiver cannot recognise:
 *   1. the outbox row (state `pending`) is stored before the first POST;
 *   2. the POST;
 *   3. the delivery status in the contact document (`sent`, or `failed` with the receiver's
 *      error and `retryAt` while retrying), through the write path;
 *   4. the row's new state.
 * A crash between 2 and 4 leaves the row pending: on restart it is POSTed again with the same
 * key, the receiver answers it as a duplicate, and 3 and 4 are written then. Retries back off
 * exponentially (with jitter) and their schedule lives in the row, so it survives restarts.
 * A refused address (SSRF guard), a bad URL or a 4xx other than 408/429 is final: retrying
 * would get the same answer.
 */
import { contactDoc, serverOrigin } from '../../../src/lib/doc';
import type { Channel, ContactId, DeliveryStatus, DocId, EntryId, MessageEntry, Profile } from '../../../src/lib/domain/types';
import type { ChannelOutbox, ChannelRecords, ChannelSecrets, OutboxRow, OutboxState } from '../persistence/store';
import type { Rooms } from '../rooms';
import { checkTarget, DEMO_RECEIVER_URL, postJson, type PostResult } from './outbound-http';
import { sign } from './signature';
import { advanceDelivery } from './thread-writes';

export interface OutboxOptions {
	/** Allow channel URLs on private and loopback addresses (tests, local setups). */
	allowPrivate: boolean;
	timeoutMs: number;
	retryBaseMs: number;
	retryMaxMs: number;
	maxAttempts: number;
	concurrency: number;
}

export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = {
	allowPrivate: false,
	timeoutMs: 10_000,
	retryBaseMs: 2_000,
	retryMaxMs: 10 * 60_000,
	maxAttempts: 10,
	concurrency: 8
};

export interface OutboxDeps {
	store: ChannelOutbox & ChannelSecrets & Pick<ChannelRecords, 'contactKeys'>;
	rooms: Rooms;
	clock: () => number;
	log: (message: string) => void;
	channel(id: string): Channel | undefined;
	/** A signed path (on this server) that serves a file of the contact to the provider (S5.14). */
	fileLink?(storageName: string, contactId: ContactId): string;
	/**
	 * Several processes: only the lease's holder dispatches (`scheduler/lease.ts`), and it looks
	 * for due rows at least every `LEASED_POLL_MS` (rows enqueued by other processes).
	 */
	lease?: { readonly held: boolean };
	/** Dispatch of the other channel kinds, by kind (the webhook's is built in). */
	adapters?: Partial<Record<Channel['kind'], OutboxAdapter>>;
}

const LEASED_POLL_MS = 1_000;
/** How much longer than a POST's timeout a claim on a row lasts (the writes after the POST). */
const CLAIM_MARGIN_MS = 5_000;

/** The JSON body POSTed for one outgoing message. */
export interface OutboundPayload {
	entryId: string;
	channelId: string;
	contact: { id: string; externalId?: string; phone?: string; email?: string; firstName?: string; lastName?: string };
	type: string;
	text?: string;
	at: number;
	author: { type: string; id: string };
	replyTo?: string;
	/** Files of the message; `url` is a signed path on this server, valid for a week. */
	attachments?: Array<{ name: string; size: number; mime: string; url?: string }>;
	templateId?: string;
}

const MAX_ERROR_CHARS = 500;

/** The receiver's error text, from a JSON `{error: {message}}`, `{error}`, `{message}` or the raw text. */
export function receiverError(status: number, text: string): string {
	let detail = text.trim();
	try {
		const v = JSON.parse(text) as { error?: unknown; message?: unknown };
		const e = v.error;
		if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') detail = (e as { message: string }).message;
		else if (typeof e === 'string') detail = e;
		else if (typeof v.message === 'string') detail = v.message;
	} catch {
		// Not JSON: the text itself.
	}
	return `HTTP ${status}${detail ? `: ${detail}` : ''}`.slice(0, MAX_ERROR_CHARS);
}

/** `source`: what was sent, stored (an email's raw MIME, an upload of the contact). */
export type Outcome = { kind: 'sent'; source?: string } | { kind: 'retry'; error: string } | { kind: 'final'; error: string };

/**
 * How one channel kind other than the webhook dispatches its rows (the email channel: SMTP).
 * The outbox keeps the order of writes, the retries and the claims; the adapter makes the
 * row's payload once (before the first attempt, so every attempt sends the same thing) and
 * makes one attempt.
 */
export interface OutboxAdapter {
	payload(entry: MessageEntry, contactId: ContactId, profile: Profile, channel: Channel): Promise<string>;
	send(row: OutboxRow, channel: Channel, attempt: number): Promise<Outcome>;
}

function outcomeOf(r: PostResult): Outcome {
	if (!r.ok) return r.kind === 'refused' || r.kind === 'bad_url' ? { kind: 'final', error: r.message } : { kind: 'retry', error: r.message };
	if (r.status >= 200 && r.status < 300) return { kind: 'sent' };
	const error = receiverError(r.status, r.text);
	if (r.status >= 500 || r.status === 408 || r.status === 429) return { kind: 'retry', error };
	return { kind: 'final', error };
}

export class Outbox {
	private readonly opts: OutboxOptions;
	private readonly inflight = new Set<string>();
	private timer: NodeJS.Timeout | null = null;
	private pumping = false;
	private again = false;
	private closed = false;
	private readonly running = new Set<Promise<void>>();

	constructor(
		private readonly deps: OutboxDeps,
		opts: Partial<OutboxOptions> = {}
	) {
		this.opts = { ...DEFAULT_OUTBOX_OPTIONS, ...opts };
	}

	/** Records an outgoing message (step 1: the row, with the payload every attempt sends) and schedules its dispatch. */
	async enqueue(docId: DocId, contactId: ContactId, entry: MessageEntry, profile: Profile): Promise<void> {
		const now = this.deps.clock();
		const channel = this.deps.channel(entry.channelId);
		const adapter = channel ? this.deps.adapters?.[channel.kind] : undefined;
		const payload = adapter && channel ? await adapter.payload(entry, contactId, profile, channel) : JSON.stringify(await this.webhookPayload(contactId, entry, profile));
		const inserted = await this.deps.store.enqueueOutbox({
			docId,
			entryId: entry.id,
			channelId: entry.channelId,
			payload,
			state: 'pending',
			attempts: 0,
			nextAt: now,
			lastError: null,
			createdAt: now,
			updatedAt: now
		});
		if (!inserted) return;
		await this.writeStatus(docId, entry.id, 'queued', now);
		this.kick();
	}

	private async webhookPayload(contactId: ContactId, entry: MessageEntry, profile: Profile): Promise<OutboundPayload> {
		const ext = (await this.deps.store.contactKeys(contactId)).find((k) => k.kind === `ext:${entry.channelId}`)?.value;
		const payload: OutboundPayload = {
			entryId: entry.id,
			channelId: entry.channelId,
			contact: {
				id: contactId,
				...(ext ? { externalId: ext } : {}),
				...(profile.phone ? { phone: profile.phone } : {}),
				...(profile.email ? { email: profile.email } : {}),
				...(profile.firstName ? { firstName: profile.firstName } : {}),
				...(profile.lastName ? { lastName: profile.lastName } : {})
			},
			type: entry.body.type,
			...(typeof entry.body.text === 'string' ? { text: entry.body.text } : {}),
			at: entry.at,
			author: { type: entry.author.type, id: entry.author.id },
			...(entry.replyTo ? { replyTo: entry.replyTo } : {}),
			...(entry.body.templateId ? { templateId: entry.body.templateId } : {}),
			...(entry.body.attachments?.length
				? {
						attachments: entry.body.attachments.map((a) => {
							const url = this.deps.fileLink?.(a.storageName, contactId);
							return { name: a.name, size: a.size, mime: a.mime, ...(url ? { url } : {}) };
						})
					}
				: {})
		};
		return payload;
	}

	/** Starts dispatching the rows left pending (after a restart). */
	start(): void {
		this.kick();
	}

	/** Dispatches whatever is due now, then sleeps until the next row is due. */
	kick(): void {
		if (this.closed) return;
		if (this.pumping) {
			this.again = true;
			return;
		}
		this.pumping = true;
		this.pump()
			.catch((err: unknown) => this.deps.log(`outbox: ${String(err)}`))
			.finally(() => {
				this.pumping = false;
				if (this.again) {
					this.again = false;
					this.kick();
				}
			});
	}

	private async pump(): Promise<void> {
		const free = this.opts.concurrency - this.inflight.size;
		if (free > 0 && (!this.deps.lease || this.deps.lease.held)) {
			const rows = await this.deps.store.dueOutbox(this.deps.clock(), free + this.inflight.size);
			for (const row of rows) {
				const key = `${row.docId}\u0000${row.entryId}`;
				if (this.inflight.has(key) || this.inflight.size >= this.opts.concurrency || this.closed) continue;
				this.inflight.add(key);
				const p = this.claim(row)
					.then((mine) => (mine ? this.dispatch(row) : undefined))
					.catch((err: unknown) => this.deps.log(`outbox: dispatch of ${row.entryId} failed: ${String(err)}`))
					.finally(() => {
						this.inflight.delete(key);
						this.running.delete(p);
						this.kick();
					});
				this.running.add(p);
			}
		}
		await this.schedule();
	}

	private async schedule(): Promise<void> {
		if (this.closed) return;
		const next = await this.deps.store.nextOutboxAt();
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		if (next === null && !this.deps.lease) return;
		const delay = Math.max(0, Math.min((next ?? Infinity) - this.deps.clock(), this.deps.lease ? LEASED_POLL_MS : 60_000));
		this.timer = setTimeout(() => {
			this.timer = null;
			this.kick();
		}, delay);
		this.timer.unref();
	}

	/**
	 * Several processes: a row is POSTed by the process whose claim on it won, never by two (a
	 * lease can change hands while a POST is under way, or be believed held by a process that
	 * was paused past its expiry). The claim outlives the POST's timeout; a claimant killed
	 * mid-POST leaves the row due again when it runs out. One process needs no claim.
	 */
	private async claim(row: OutboxRow): Promise<boolean> {
		if (!this.deps.lease) return true;
		const until = this.deps.clock() + this.opts.timeoutMs + CLAIM_MARGIN_MS;
		return this.deps.store.claimOutbox(row.docId, row.entryId, row.nextAt, until);
	}

	private async dispatch(row: OutboxRow): Promise<void> {
		const attempts = row.attempts + 1;
		const channel = this.deps.channel(row.channelId);
		let outcome: Outcome;
		const target = channel?.url && channel.url !== DEMO_RECEIVER_URL ? checkTarget(channel.url, this.opts.allowPrivate) : null;
		const adapter = channel ? this.deps.adapters?.[channel.kind] : undefined;
		if (adapter && channel) {
			outcome = await adapter.send(row, channel, attempts);
		} else if (!channel || channel.kind !== 'webhook' || !channel.url) {
			outcome = { kind: 'final', error: 'The channel no longer exists or has no URL.' };
		} else if (target && !target.ok) {
			outcome = { kind: 'final', error: target.message };
		} else {
			const secret = await this.deps.store.getChannelSecret(row.channelId);
			if (!secret) {
				outcome = { kind: 'retry', error: 'The channel has no signing secret yet (rotate one in the channel settings).' };
			} else {
				const res = await postJson(
					channel.url,
					row.payload,
					{
						'x-parley-signature': sign(secret, row.payload),
						'idempotency-key': row.entryId,
						'x-parley-attempt': String(attempts),
						'user-agent': 'Parley-Webhook/1'
					},
					{ allowPrivate: this.opts.allowPrivate, timeoutMs: this.opts.timeoutMs }
				);
				outcome = outcomeOf(res);
			}
		}
		if (this.closed) return;
		const now = this.deps.clock();
		if (outcome.kind === 'sent') {
			await this.writeStatus(row.docId, row.entryId, 'sent', now, { attempts, ...(outcome.source ? { source: outcome.source } : {}) });
			await this.deps.store.updateOutbox(row.docId, row.entryId, { state: 'sent', attempts, lastError: null, updatedAt: now });
			return;
		}
		if (outcome.kind === 'retry' && attempts < this.opts.maxAttempts) {
			const exp = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** (attempts - 1));
			const retryAt = now + Math.round(exp / 2 + (Math.random() * exp) / 2);
			await this.writeStatus(row.docId, row.entryId, 'failed', now, { attempts, error: outcome.error, retryAt });
			await this.deps.store.updateOutbox(row.docId, row.entryId, { attempts, nextAt: retryAt, lastError: outcome.error, updatedAt: now });
			return;
		}
		await this.writeStatus(row.docId, row.entryId, 'failed', now, { attempts, error: outcome.error });
		await this.deps.store.updateOutbox(row.docId, row.entryId, { state: 'failed', attempts, lastError: outcome.error, updatedAt: now });
	}

	/** A receiver's status callback (`delivered`, `read`, `failed` with its error). */
	async applyCallback(row: OutboxRow, status: 'delivered' | 'read' | 'failed', error: string | undefined): Promise<boolean> {
		const now = this.deps.clock();
		const wrote = await this.writeStatus(row.docId, row.entryId, status, now, error !== undefined ? { error: error.slice(0, MAX_ERROR_CHARS) } : {});
		const state: OutboxState = status;
		await this.deps.store.updateOutbox(row.docId, row.entryId, { state, updatedAt: now, ...(error !== undefined ? { lastError: error.slice(0, MAX_ERROR_CHARS) } : {}) });
		return wrote;
	}

	private async writeStatus(
		docId: DocId,
		entryId: string,
		status: DeliveryStatus,
		at: number,
		extra: { attempts?: number; error?: string; retryAt?: number; source?: string } = {}
	): Promise<boolean> {
		let wrote = false;
		await this.deps.rooms.applyServerChange(docId, (ydoc) => {
			wrote = advanceDelivery(contactDoc(ydoc, serverOrigin()), entryId as EntryId, { status, at, ...extra });
		});
		return wrote;
	}

	async close(): Promise<void> {
		this.closed = true;
		if (this.timer) clearTimeout(this.timer);
		// A POST still running is abandoned: its row stays pending and is sent again, with the
		// same Idempotency-Key, after the restart. Writes already under way get a moment.
		await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => setTimeout(r, 1000).unref())]);
	}
}

