/**
 * The webhook channel's inbound side: `POST /api/channels/<id>/inbound` (a message from the
 * contact) and `POST /api/channels/<id>/status` (the receiver's delivery status of one of our
 * outgoing messages). Both are signed like outbound requests (`signature.ts`).
 *
 * Checks, in order, each answered with its own error and nothing written: unknown channel or not
 * a webhook channel (404), body past 64 KiB (413), no secret configured (409), bad or missing
 * signature (401), invalid JSON (400 bad_json), invalid fields (422 invalid_message).
 *
 * Idempotency: the sender's `messageId` is claimed in the store (one row per channel and id)
 * together with the contact and entry id chosen for it, BEFORE the document is written; the
 * document write carries the update id `in:<channel>:<messageId>`. A replay (same messageId)
 * therefore finds the claim and re-runs the same write, which the store recognises as already
 * stored: nothing new appears, also when the first attempt crashed between the claim and the
 * write. Contact lookup (external id on this channel, then phone, then email) and creation are
 * serialized per lookup key, so two first messages from one new sender make one contact.
 */
import type { IncomingMessage } from 'node:http';
import { normalizeEmail, normalizePhone } from '../../../src/lib/domain/contact-input';
import { contactDocId, newId } from '../../../src/lib/domain/ids';
import type { Channel, ChannelId, ContactId, EntryId, MessageBody, Profile } from '../../../src/lib/domain/types';
import { asObject, errorReply, readBody, reply, type Reply } from '../http/respond';
import type { ChannelOutbox, ChannelRecords, ChannelSecrets } from '../persistence/store';
import type { Rooms } from '../rooms';
import type { Outbox } from './outbox';
import { SIGNATURE_HEADER, verify } from './signature';
import { writeIncoming } from './thread-writes';

export const MAX_INBOUND_BYTES = 64 * 1024;
const MAX_TEXT = 10_000;
const MAX_ID = 200;
const MAX_NAME = 100;

export interface WebhookDeps {
	store: ChannelRecords & ChannelSecrets & Pick<ChannelOutbox, 'findOutbox'>;
	rooms: Rooms;
	outbox: Outbox;
	clock: () => number;
	channel(id: string): Channel | undefined;
}

export interface InboundMessage {
	messageId: string;
	contact: { externalId?: string; phone?: string; email?: string; firstName?: string; lastName?: string };
	body: MessageBody;
	at: number | null;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const optText = (v: unknown, field: string, max: number): Parsed<string | undefined> => {
	if (v === undefined || v === null) return { ok: true, value: undefined };
	if (typeof v !== 'string' || v.length > max) return { ok: false, message: `${field} must be text of at most ${max} characters.` };
	return { ok: true, value: v.trim() || undefined };
};

/** Checks an inbound body's fields (not its signature). */
export function parseInbound(v: unknown): Parsed<InboundMessage> {
	const o = asObject(v);
	if (!o) return { ok: false, message: 'The body must be a JSON object.' };
	if (typeof o.messageId !== 'string' || o.messageId.length === 0 || o.messageId.length > MAX_ID) {
		return { ok: false, message: `messageId must be text of 1 to ${MAX_ID} characters.` };
	}
	const c = asObject(o.contact);
	if (!c) return { ok: false, message: 'contact must be an object.' };
	const contact: InboundMessage['contact'] = {};
	const ext = optText(c.externalId, 'contact.externalId', MAX_ID);
	if (!ext.ok) return ext;
	if (ext.value) contact.externalId = ext.value;
	if (c.phone !== undefined && c.phone !== null && c.phone !== '') {
		const p = typeof c.phone === 'string' ? normalizePhone(c.phone) : null;
		if (!p) return { ok: false, message: 'contact.phone is not a phone number.' };
		contact.phone = p;
	}
	if (c.email !== undefined && c.email !== null && c.email !== '') {
		const e = typeof c.email === 'string' ? normalizeEmail(c.email) : null;
		if (!e) return { ok: false, message: 'contact.email is not an email address.' };
		contact.email = e;
	}
	for (const f of ['firstName', 'lastName'] as const) {
		const t = optText(c[f], `contact.${f}`, MAX_NAME);
		if (!t.ok) return t;
		if (t.value) contact[f] = t.value;
	}
	if (!contact.externalId && !contact.phone && !contact.email) {
		return { ok: false, message: 'contact needs an externalId, a phone or an email.' };
	}
	const type = o.type === undefined ? 'text' : o.type;
	if (typeof type !== 'string' || !/^[a-z][a-z0-9_]{0,39}$/.test(type)) return { ok: false, message: 'type must be a lower-case word such as text or template.' };
	const text = optText(o.text, 'text', MAX_TEXT);
	if (!text.ok) return text;
	if ((type === 'text' || type === 'template') && !text.value) return { ok: false, message: `A ${type} message needs a text.` };
	let at: number | null = null;
	if (o.at !== undefined && o.at !== null) {
		const t = typeof o.at === 'number' ? o.at : typeof o.at === 'string' ? Date.parse(o.at) : NaN;
		if (!Number.isFinite(t) || t <= 0) return { ok: false, message: 'at must be a time (milliseconds or ISO 8601).' };
		at = t;
	}
	const body: MessageBody = { type, ...(text.value ? { text: text.value } : {}), ...(o.raw !== undefined ? { raw: o.raw } : {}) };
	return { ok: true, value: { messageId: o.messageId, contact, body, at } };
}

/** Runs `fn` after every earlier holder of the same key is done. */
export class KeyedLock {
	private readonly tails = new Map<string, Promise<unknown>>();
	async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
		const prev = this.tails.get(key) ?? Promise.resolve();
		const next = prev.then(fn, fn);
		const tail = next.catch(() => undefined);
		this.tails.set(key, tail);
		try {
			return await next;
		} finally {
			if (this.tails.get(key) === tail) this.tails.delete(key);
		}
	}
}

export class WebhookChannel {
	private readonly lock = new KeyedLock();

	constructor(private readonly deps: WebhookDeps) {}

	/** Verifies channel, size and signature; returns the parsed JSON or the refusal. */
	private async signedJson(req: IncomingMessage, channelId: string): Promise<{ ok: true; channel: Channel; value: unknown } | { ok: false; reply: Reply }> {
		const channel = this.deps.channel(channelId);
		if (!channel || channel.kind !== 'webhook') {
			req.resume();
			return { ok: false, reply: errorReply(404, 'unknown_channel', 'No webhook channel with this id.') };
		}
		const raw = await readBody(req, MAX_INBOUND_BYTES);
		if (!raw.ok) return raw;
		const secret = await this.deps.store.getChannelSecret(channel.id);
		if (!secret) return { ok: false, reply: errorReply(409, 'no_secret', 'This channel has no signing secret yet; rotate one in its settings.') };
		if (!verify(secret, raw.value, req.headers[SIGNATURE_HEADER])) {
			return { ok: false, reply: errorReply(401, 'bad_signature', 'The X-Parley-Signature header does not match the body (expected sha256=<hex HMAC-SHA256 of the raw body>).') };
		}
		try {
			return { ok: true, channel, value: JSON.parse(raw.value.toString('utf8')) as unknown };
		} catch {
			return { ok: false, reply: errorReply(400, 'bad_json', 'The request body is not valid JSON.') };
		}
	}

	async inbound(req: IncomingMessage, channelId: string): Promise<Reply> {
		const signed = await this.signedJson(req, channelId);
		if (!signed.ok) return signed.reply;
		const parsed = parseInbound(signed.value);
		if (!parsed.ok) return errorReply(422, 'invalid_message', parsed.message);
		const m = parsed.value;
		const channel = signed.channel;
		const c = m.contact;
		const lockKey = c.externalId ? `ext:${c.externalId}` : c.phone ? `phone:${c.phone}` : `email:${c.email}`;
		return this.lock.run(`${channel.id}\u0000${lockKey}`, async () => {
			const { store } = this.deps;
			const now = this.deps.clock();
			let contactId: ContactId | null = null;
			if (c.externalId) contactId = await store.findContactByKey(`ext:${channel.id}`, c.externalId);
			const knownExt = contactId !== null;
			if (!contactId && c.phone) contactId = await store.findContactByKey('phone', c.phone);
			if (!contactId && c.email) contactId = await store.findContactByKey('email', c.email);
			const created = contactId === null;
			const claim = await store.claimInbound({
				channelId: channel.id,
				messageId: m.messageId,
				contactId: contactId ?? (newId() as ContactId),
				entryId: newId(),
				createdContact: created,
				at: m.at !== null && m.at <= now + 5 * 60_000 ? m.at : now
			});
			const rec = claim.record;
			if (c.externalId && !knownExt) await store.setContactKeys(rec.contactId, [`ext:${channel.id}`], [{ kind: `ext:${channel.id}`, value: c.externalId }]);
			const profile: Partial<Profile> = {
				...(c.firstName ? { firstName: c.firstName } : {}),
				...(c.lastName ? { lastName: c.lastName } : {}),
				...(c.phone ? { phone: c.phone } : {}),
				...(c.email ? { email: c.email } : {})
			};
			const result: { outcome: 'delivered' | 'blocked' | 'duplicate' } = { outcome: 'duplicate' };
			await this.deps.rooms.applyServerChange(
				contactDocId(rec.contactId),
				(ydoc) => {
					result.outcome = writeIncoming(ydoc, {
						contactId: rec.contactId,
						channelId: channel.id as ChannelId,
						entryId: rec.entryId as EntryId,
						at: rec.at,
						body: m.body,
						newProfile: profile,
						blockedData: { messageId: m.messageId }
					});
				},
				`in:${channel.id}:${m.messageId}`
			);
			const body = { contactId: rec.contactId, entryId: rec.entryId, duplicate: claim.existed, delivered: result.outcome !== 'blocked' };
			return reply(claim.existed ? 200 : 201, body);
		});
	}

	async status(req: IncomingMessage, channelId: string): Promise<Reply> {
		const signed = await this.signedJson(req, channelId);
		if (!signed.ok) return signed.reply;
		const o = asObject(signed.value);
		if (!o || typeof o.entryId !== 'string' || o.entryId.length === 0 || o.entryId.length > MAX_ID) {
			return errorReply(422, 'invalid_status', 'entryId must name one of our messages.');
		}
		const status = o.status;
		if (status !== 'delivered' && status !== 'read' && status !== 'failed') {
			return errorReply(422, 'invalid_status', 'status must be delivered, read or failed.');
		}
		if (o.error !== undefined && typeof o.error !== 'string') return errorReply(422, 'invalid_status', 'error must be text.');
		const row = await this.deps.store.findOutbox(signed.channel.id, o.entryId);
		if (!row) return errorReply(404, 'unknown_entry', 'No outgoing message with this entryId on this channel.');
		const error = status === 'failed' ? (typeof o.error === 'string' && o.error.trim() ? o.error.trim() : 'The receiver reported a failure.') : undefined;
		const changed = await this.deps.outbox.applyCallback(row, status, error);
		return reply(200, { entryId: row.entryId, status, changed });
	}
}
