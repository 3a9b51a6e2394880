/**
 * Sending of the email channel (SPEC S5.12, S5.4): the outbox adapter. The row's payload is built
 * once, before the first attempt, with the Message-ID the mail keeps on every attempt
 * (`<entryId@domain>` unless the composer gave one); each attempt is one SMTP transaction
 * (nodemailer: TLS, STARTTLS or none, auth, DKIM when the channel has a key). 4xx answers and
 * network errors are retried by the outbox, 5xx are final with the server's answer. See
 * `channel.ts` for why a resend after a crash is recognised by the receiver.
 */
import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import { DEMO_CHANNELS, DEMO_EMAIL } from '../../../../src/lib/demo/generate';
import { normalizeEmail } from '../../../../src/lib/domain/contact-input';
import { contactDocId, parseDocId } from '../../../../src/lib/domain/ids';
import type { Attachment, Channel, ContactId, MessageEntry, Profile } from '../../../../src/lib/domain/types';
import type { OutboxRow } from '../../persistence/store';
import { resolveGuarded } from '../outbound-http';
import type { Outcome, OutboxAdapter } from '../outbox';
import type { EmailDeps, EmailOptions } from './channel';
import { sanitizeEmailHtml } from './parse';
import { secretKey } from './settings';

/** What an email row of the outbox holds. */
interface EmailPayload {
	messageId: string;
	from: string;
	fromName?: string;
	to: string[];
	cc: string[];
	bcc: string[];
	subject: string;
	text: string;
	html?: string;
	inReplyTo?: string;
	references?: string[];
	attachments: Array<Pick<Attachment, 'storageName' | 'name' | 'mime'>>;
}

const MID = /^<[^<>\s@]{1,200}@[^<>\s@]{1,200}>$/;

export class EmailOutbound implements OutboxAdapter {
	constructor(
		private readonly deps: Pick<EmailDeps, 'store' | 'uploads'>,
		private readonly opts: EmailOptions
	) {}

	async payload(entry: MessageEntry, contactId: ContactId, profile: Profile, channel: Channel): Promise<string> {
		const e = entry.body.email;
		const settings = channel.email;
		const from = settings?.addresses[0] ?? 'parley@localhost';
		const domain = from.split('@')[1] ?? 'localhost';
		const messageId = e?.messageId && MID.test(e.messageId) ? e.messageId : `<${entry.id}@${domain}>`;
		const clean = (l: readonly string[] | undefined) => (l ?? []).map((a) => normalizeEmail(a)).filter((a): a is string => !!a);
		const to = clean(e?.to).length ? clean(e?.to) : profile.email && normalizeEmail(profile.email) ? [normalizeEmail(profile.email)!] : [];
		const payload: EmailPayload = {
			messageId,
			from,
			...(settings?.fromName ? { fromName: settings.fromName } : {}),
			to,
			cc: clean(e?.cc),
			bcc: clean(e?.bcc),
			subject: (e?.subject ?? '').trim() || '(no subject)',
			text: entry.body.text ?? '',
			...(e?.html ? { html: sanitizeEmailHtml(e.html) } : {}),
			...(e?.inReplyTo && MID.test(e.inReplyTo) ? { inReplyTo: e.inReplyTo } : {}),
			...(e?.references?.length ? { references: e.references.filter((r) => MID.test(r)).slice(-20) } : {}),
			attachments: (entry.body.attachments ?? []).map((a) => ({ storageName: a.storageName, name: a.name, mime: a.mime }))
		};
		// Bounces name this id: they find the message they report on by it.
		await this.deps.store.setMeta(`email.out:${messageId}`, `${contactDocId(contactId)}\n${entry.id}`);
		return JSON.stringify(payload);
	}

	async send(row: OutboxRow, channel: Channel, attempt: number): Promise<Outcome> {
		const p = JSON.parse(row.payload) as EmailPayload;
		// The demo channel sends to the demo mailbox, wherever it could listen (its port was taken: another one).
		const box = this.opts.demoMailbox;
		const configured = channel.email?.smtp;
		const smtp = box && configured && channel.id === DEMO_CHANNELS.email && configured.host === '127.0.0.1' && configured.port === DEMO_EMAIL.mailboxPort ? { ...configured, port: box.port } : configured;
		if (!smtp) return { kind: 'retry', error: 'The channel has no outgoing SMTP server yet (set one in its email settings).' };
		if (p.to.length === 0) return { kind: 'final', error: 'The contact has no email address.' };
		const demoBox = this.opts.demoMailbox && smtp.host === '127.0.0.1' && smtp.port === this.opts.demoMailbox.port;
		// Any name that is or resolves to a private address is refused (SSRF), then the connection
		// goes to the address checked, the name kept for TLS.
		const target = await resolveGuarded(smtp.host, this.opts.allowPrivate || !!demoBox);
		if (!target.ok) return target.kind === 'refused' ? { kind: 'final', error: target.message } : { kind: 'retry', error: target.message };
		const attachments: Array<{ filename: string; content: Buffer; contentType: string }> = [];
		for (const a of p.attachments) {
			const sidecar = await this.deps.uploads?.sidecar(a.storageName);
			const file = sidecar ? await this.deps.uploads?.read(a.storageName, sidecar) : null;
			if (!file) return { kind: 'final', error: `The attachment ${a.name} is no longer stored.` };
			attachments.push({ filename: a.name, content: file.data, contentType: a.mime });
		}
		const pass = smtp.user ? await this.deps.store.getChannelSecret(secretKey(channel.id, 'smtp')) : null;
		const dkimKey = channel.email?.dkim ? await this.deps.store.getChannelSecret(secretKey(channel.id, 'dkim')) : null;
		const dkim = dkimKey && channel.email?.dkim ? { domainName: channel.email.dkim.domain, keySelector: channel.email.dkim.selector, privateKey: dkimKey } : undefined;
		// The message is built (and DKIM-signed) once here, then sent as these bytes: what went out
		// is kept as the sent email's source (S5.3 View original), byte for byte.
		let built: { raw: Buffer; envelope: { from: string; to: string[] } };
		try {
			const info = await nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', ...(dkim ? { dkim } : {}) }).sendMail({
				messageId: p.messageId,
				from: p.fromName ? { name: p.fromName, address: p.from } : p.from,
				to: p.to,
				...(p.cc.length ? { cc: p.cc } : {}),
				subject: p.subject,
				text: p.text,
				...(p.html ? { html: p.html } : {}),
				...(p.inReplyTo ? { inReplyTo: p.inReplyTo } : {}),
				...(p.references?.length ? { references: p.references } : {}),
				headers: { 'X-Parley-Attempt': String(attempt) },
				attachments
			});
			// BCC only in the envelope: never a header of the message (nor of its kept source).
			built = { raw: info.message as Buffer, envelope: { from: p.from, to: [...new Set([...p.to, ...p.cc, ...p.bcc])] } };
		} catch (err) {
			return { kind: 'final', error: `The email could not be built: ${(err as Error).message}`.slice(0, 450) };
		}
		const transport = nodemailer.createTransport({
			host: target.address,
			port: smtp.port,
			secure: smtp.security === 'tls',
			requireTLS: smtp.security === 'starttls',
			ignoreTLS: smtp.security === 'none',
			...(smtp.user ? { auth: { user: smtp.user, pass: pass ?? '' } } : {}),
			connectionTimeout: this.opts.timeoutMs,
			greetingTimeout: this.opts.timeoutMs,
			socketTimeout: this.opts.timeoutMs * 3,
			tls: { rejectUnauthorized: !this.opts.allowPrivate, ...(isIP(smtp.host) ? {} : { servername: smtp.host }) }
		});
		try {
			await transport.sendMail({ envelope: built.envelope, raw: built.raw });
		} catch (err) {
			const e = err as { responseCode?: number; response?: string; message?: string };
			const text = (e.response ?? e.message ?? 'The SMTP server failed.').replace(/\s+/g, ' ').slice(0, 450);
			if (typeof e.responseCode === 'number') {
				const error = `SMTP ${e.responseCode}: ${text}`;
				return e.responseCode >= 500 ? { kind: 'final', error } : { kind: 'retry', error };
			}
			return { kind: 'retry', error: text };
		} finally {
			transport.close();
		}
		return { kind: 'sent', ...(await this.keepSource(row, built.raw)) };
	}

	/** The sent bytes, stored as a file of the contact like a received email's source (read with the same access check). */
	private async keepSource(row: OutboxRow, raw: Buffer): Promise<{ source?: string }> {
		const parsed = parseDocId(row.docId);
		if (!this.deps.uploads || parsed?.kind !== 'contact') return {};
		const saved = await this.deps.uploads.saveBytes(raw, { name: 'sent.eml', mime: 'message/rfc822' }, { contactId: parsed.contactId, uploadedBy: 'email:sent' }).catch(() => null);
		return saved?.ok ? { source: saved.attachment.storageName } : {};
	}
}
