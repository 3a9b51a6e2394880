// Email channel, outbound over real SMTP on loopback (the outbox -> nodemailer -> a test SMTP
// server): a reply carries the threading headers, HTML with a text alternative, CC and BCC,
// DKIM when the channel has a key; a server answering 4xx twice then accepting gives
// failed-retrying then sent, delivered once; a 5xx is final with the server's answer; a
// delivery report marks the message failed without opening the conversation. Secrets never
// enter the directory.
// SPEC S5.12, S5.4, S5.3
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { close } from '../../src/lib/domain/actions';
import { replyHeaders } from '../../src/lib/domain/email';
import { contactDocId, newId } from '../../src/lib/domain/ids';
import type { ContactId, DeliveryStatus, EmailMeta, EntryId } from '../../src/lib/domain/types';
import { headerOf, MailSink } from '../src/channels/email/mail-sink';
import { api , writeOutgoing } from './channels-helpers';
import { CHANNEL_ADDRESS, contactByEmail, createEmailChannel, emailsIn, smtpTo } from './email-helpers';
import { startTestServer, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';

/** The agent's email reply, written into the thread as the client writes it. */
function writeReply(owner: SyncClient, channelId: string, contactId: ContactId, email: Partial<EmailMeta>, text: string, replyTo?: EntryId): EntryId {
	return writeOutgoing(owner, contactDocId(contactId), channelId, { type: 'email', text, email: { subject: '', to: [], ...email } }, replyTo ? { replyTo } : {});
}

describe('email channel: outbound SMTP', () => {
	let server: TestServer;
	let owner: SyncClient;
	let token: string;
	let channelId: string;
	let port: number;
	let sink: MailSink;

	beforeAll(async () => {
		sink = new MailSink();
		await sink.listen();
		server = await startTestServer({ channels: { allowPrivate: true, retryBaseMs: 150, retryMaxMs: 400 } });
		token = (await login(server.url, 'owner@demo.test')).accessToken;
		({ id: channelId, port } = await createEmailChannel(server, token, { smtp: { host: '127.0.0.1', port: sink.port, security: 'none' } }));
		owner = new SyncClient({ url: server.url, token });
		await owner.connect();
	}, 60_000);

	afterAll(async () => {
		owner?.close();
		await server?.destroy();
		await sink?.close();
	});

	/** A customer mail; returns the contact and the email entry. */
	async function customerMail(from: string, subject: string, messageId: string): Promise<{ contactId: ContactId; meta: EmailMeta; entryId: EntryId }> {
		await smtpTo(port).sendMail({ from, to: CHANNEL_ADDRESS, subject, text: 'Help please', messageId });
		const contactId = await contactByEmail(owner, from);
		await waitFor(() => emailsIn(owner, contactId).some((e) => e.body.email?.messageId === messageId), 10_000, 'the customer mail');
		const e = emailsIn(owner, contactId).find((x) => x.body.email?.messageId === messageId)!;
		return { contactId, meta: e.body.email!, entryId: e.id };
	}

	const reply = (contactId: ContactId, email: Partial<EmailMeta>, text: string, replyTo?: EntryId): EntryId => writeReply(owner, channelId, contactId, email, text, replyTo);

	const status = (contactId: ContactId, id: EntryId) => contactDoc(owner.doc(contactDocId(contactId))).delivery.get(id);

	it('sends a reply threaded with In-Reply-To and References, HTML with a text alternative, CC and BCC', async () => {
		const { contactId, meta, entryId } = await customerMail('lea@customer.test', 'Broken widget', '<cust-1@customer.test>');
		const subject = 'Re: Broken widget';
		const id = reply(contactId, { subject, cc: ['boss@customer.test'], bcc: ['audit@parley.test'], html: '<p>We are <b>on it</b><script>x()</script></p>', ...replyHeaders(meta, subject) }, 'We are on it', entryId);
		await waitFor(() => status(contactId, id)?.status === 'sent', 15_000, 'sent');
		const mail = sink.mails.find((m) => m.raw.includes('on it'))!;
		expect(headerOf(mail.raw, 'In-Reply-To')).toBe('<cust-1@customer.test>');
		expect(headerOf(mail.raw, 'References')).toBe('<cust-1@customer.test>');
		expect(headerOf(mail.raw, 'Subject')).toBe('Re: Broken widget');
		expect(headerOf(mail.raw, 'From')).toBe(`Support <${CHANNEL_ADDRESS}>`);
		expect(headerOf(mail.raw, 'To')).toBe('lea@customer.test');
		expect(headerOf(mail.raw, 'Cc')).toBe('boss@customer.test');
		expect(headerOf(mail.raw, 'Bcc')).toBeNull();
		expect(headerOf(mail.raw, 'Message-ID')).toBe(`<${id}@parley.test>`);
		expect(mail.to.sort()).toEqual(['audit@parley.test', 'boss@customer.test', 'lea@customer.test']);
		expect(mail.raw).toMatch(/multipart\/alternative/);
		expect(mail.raw).toContain('<b>on it</b>');
		expect(mail.raw).not.toContain('<script');
		// The copied address is no contact of ours: it opens nothing.
		expect([...owner.docs.keys()].some((d) => d !== 'dir' && contactDoc(owner.doc(d)).profile.get().email === 'boss@customer.test')).toBe(false);
	});

	// SPEC S5.3 (View original on sent mail), S5.12
	it('keeps the raw source of a sent email: the bytes the SMTP server received, readable by who may see the contact only', async () => {
		const { contactId, meta, entryId } = await customerMail('vo@customer.test', 'Show me the source', '<cust-vo@customer.test>');
		const subject = 'Re: Show me the source';
		const id = reply(contactId, { subject, html: '<p>The <strong>source</strong></p>', ...replyHeaders(meta, subject) }, 'The source', entryId);
		await waitFor(() => status(contactId, id)?.status === 'sent', 15_000, 'sent');
		const source = status(contactId, id)?.source;
		expect(source).toBeTruthy();
		const mail = sink.mails.find((m) => m.messageId === `<${id}@parley.test>`)!;
		const res = await fetch(`${server.url}/api/uploads/${source}`, { headers: { authorization: `Bearer ${token}` } });
		expect(res.status).toBe(200);
		const stored = await res.text();
		expect(stored).toBe(mail.raw);
		expect(headerOf(stored, 'Message-ID')).toBe(`<${id}@parley.test>`);
		expect(headerOf(stored, 'In-Reply-To')).toBe('<cust-vo@customer.test>');
		expect(headerOf(stored, 'References')).toBe('<cust-vo@customer.test>');
		// Sue sees only her own contacts: the source is "not found" for her, like a received one.
		const sue = (await login(server.url, 'sue@demo.test')).accessToken;
		const link = await fetch(`${server.url}/api/uploads/${source}/link`, { headers: { authorization: `Bearer ${sue}` } });
		expect(link.status).toBe(404);
		expect((await fetch(`${server.url}/api/uploads/${source}`, { headers: { authorization: `Bearer ${sue}` } })).status).toBe(404);
	});

	it('a server answering 4xx twice then accepting: failed (retrying, with its answer), then sent, delivered once', async () => {
		const { contactId } = await customerMail('max@customer.test', 'Retry me', '<cust-2@customer.test>');
		let refused = 0;
		sink.script = () => (refused++ < 2 ? { code: 451, message: '4.7.1 Greylisted, try again' } : 'accept');
		const seen = new Set<DeliveryStatus>();
		let failedError = '';
		const id = reply(contactId, { subject: 'Re: Retry me' }, 'second try');
		await waitFor(
			() => {
				const d = status(contactId, id);
				if (d) seen.add(d.status);
				if (d?.status === 'failed') failedError = `${d.error} ${d.retryAt ? 'retrying' : 'final'}`;
				return d?.status === 'sent';
			},
			20_000,
			'sent after retries'
		);
		sink.script = () => 'accept';
		expect(seen.has('failed')).toBe(true);
		expect(failedError).toMatch(/^SMTP 451: .*Greylisted.* retrying$/);
		expect(sink.mails.filter((m) => m.raw.includes('second try'))).toHaveLength(1);
		expect(status(contactId, id)?.attempts).toBe(3);
	});

	it('a 5xx answer is final, with the server answer shown', async () => {
		const { contactId } = await customerMail('rex@customer.test', 'Reject me', '<cust-3@customer.test>');
		sink.script = () => ({ code: 550, message: '5.1.1 Mailbox unavailable' });
		const id = reply(contactId, { subject: 'Re: Reject me' }, 'will be refused');
		await waitFor(() => status(contactId, id)?.status === 'failed', 15_000, 'failed');
		sink.script = () => 'accept';
		expect(status(contactId, id)).toMatchObject({ status: 'failed', attempts: 1 });
		expect(status(contactId, id)?.error).toMatch(/^SMTP 550: .*Mailbox unavailable/);
		expect(status(contactId, id)?.retryAt).toBeUndefined();
	});

	it('a delivery report (RFC 3464) marks the reply failed and does not reopen the conversation', async () => {
		const { contactId } = await customerMail('gone@customer.test', 'Bounce me', '<cust-4@customer.test>');
		const id = reply(contactId, { subject: 'Re: Bounce me' }, 'to a dead mailbox');
		await waitFor(() => status(contactId, id)?.status === 'sent', 15_000, 'sent');
		const docId = contactDocId(contactId);
		owner.edit(docId, (y) => {
			const c = contactDoc(y);
			c.applyAction(close(c.state.get(), Date.now()), { type: 'user', id: 'u-olivia' }, Date.now(), newId);
		});
		await waitFor(() => contactDoc(owner.doc(docId)).state.get().status === 'closed', 10_000, 'closed');
		const dsn = [
			'From: MAILER-DAEMON@mx.customer.test',
			`To: ${CHANNEL_ADDRESS}`,
			'Subject: Undelivered Mail Returned to Sender',
			'Message-ID: <dsn-1@mx.customer.test>',
			'MIME-Version: 1.0',
			'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
			'',
			'--B',
			'Content-Type: text/plain',
			'',
			'Your message could not be delivered.',
			'--B',
			'Content-Type: message/delivery-status',
			'',
			'Reporting-MTA: dns; mx.customer.test',
			'',
			'Final-Recipient: rfc822; gone@customer.test',
			'Action: failed',
			'Status: 5.1.1',
			'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
			'--B',
			'Content-Type: text/rfc822-headers',
			'',
			`Message-ID: <${id}@parley.test>`,
			'Subject: Re: Bounce me',
			'--B--',
			''
		].join('\r\n');
		await smtpTo(port).sendMail({ envelope: { from: '', to: [CHANNEL_ADDRESS] }, raw: dsn });
		await waitFor(() => status(contactId, id)?.status === 'failed', 10_000, 'failed by the bounce');
		expect(status(contactId, id)?.error).toMatch(/^Bounced: gone@customer.test 5.1.1 550 5.1.1 User unknown/);
		// The failure keeps the sent source (View original still works on the bounced email).
		expect(status(contactId, id)?.source).toBeTruthy();
		expect(emailsIn(owner, contactId).some((e) => e.body.email?.auto === 'bounce')).toBe(true);
		expect(contactDoc(owner.doc(docId)).state.get().status).toBe('closed');
	});

	// SPEC S5.4: a delivery report that matches no email we sent is recorded for the channel's owners and managers.
	it('an unmatched delivery report is kept in the channel delivery problems (once), opens nothing, for owners and managers only', async () => {
		const dsn = (reportId: string, original: string | null) =>
			[
				'From: MAILER-DAEMON@mx.elsewhere.test',
				`To: ${CHANNEL_ADDRESS}`,
				'Subject: Delivery Status Notification (Failure)',
				`Message-ID: ${reportId}`,
				'MIME-Version: 1.0',
				'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
				'',
				'--B',
				'Content-Type: text/plain',
				'',
				'Delivery failed.',
				'--B',
				'Content-Type: message/delivery-status',
				'',
				'Reporting-MTA: dns; mx.elsewhere.test',
				'',
				'Final-Recipient: rfc822; nobody@elsewhere.test',
				'Action: failed',
				'Status: 5.2.2',
				'Diagnostic-Code: smtp; 552 5.2.2 Mailbox full',
				'--B',
				'Content-Type: text/rfc822-headers',
				'',
				...(original ? [`Message-ID: ${original}`] : []),
				'Subject: something we never sent',
				'--B--',
				''
			].join('\r\n');
		const before = [...owner.docs.keys()].length;
		await smtpTo(port).sendMail({ envelope: { from: '', to: [CHANNEL_ADDRESS] }, raw: dsn('<dsn-u1@mx.elsewhere.test>', '<never-sent@parley.test>') });
		// The same report again (an SMTP retry) is kept once.
		await smtpTo(port).sendMail({ envelope: { from: '', to: [CHANNEL_ADDRESS] }, raw: dsn('<dsn-u1@mx.elsewhere.test>', '<never-sent@parley.test>') });
		await smtpTo(port).sendMail({ envelope: { from: '', to: [CHANNEL_ADDRESS] }, raw: dsn('<dsn-u2@mx.elsewhere.test>', null) });
		let problems: Array<Record<string, unknown>> = [];
		await waitFor(
			async () => {
				const r = await api(server.url, token, 'GET', `/api/channels/${channelId}/email/problems`);
				problems = (r.json.problems as Array<Record<string, unknown>>) ?? [];
				return problems.length >= 2;
			},
			10_000,
			'the delivery problems'
		);
		expect(problems).toHaveLength(2);
		expect(problems[0]).toMatchObject({ reason: 'no_message_id', reportId: '<dsn-u2@mx.elsewhere.test>', recipient: 'nobody@elsewhere.test', status: '5.2.2' });
		expect(problems[1]).toMatchObject({ reason: 'unknown_message', originalMessageId: '<never-sent@parley.test>', recipient: 'nobody@elsewhere.test', status: '5.2.2', diagnostic: '552 5.2.2 Mailbox full', from: 'mailer-daemon@mx.elsewhere.test' });
		expect(typeof problems[1]!.at).toBe('number');
		// No contact, no conversation for the mailer daemon.
		expect(await server.store.findContactByKey('email', 'mailer-daemon@mx.elsewhere.test')).toBeNull();
		expect([...owner.docs.keys()].length).toBe(before);
		// Owners and managers only.
		const ana = (await login(server.url, 'ana@demo.test')).accessToken;
		expect((await api(server.url, ana, 'GET', `/api/channels/${channelId}/email/problems`)).status).toBe(403);
		const manager = (await login(server.url, 'manager@demo.test')).accessToken;
		expect((await api(server.url, manager, 'GET', `/api/channels/${channelId}/email/problems`)).status).toBe(200);
		expect((await api(server.url, token, 'GET', '/api/channels/nope/email/problems')).status).toBe(404);
	});

	// SPEC S5.12: the signature is the user's own, kept on the server (the same on every device).
	it('keeps each user signature on the server, for that user only', async () => {
		expect((await api(server.url, token, 'GET', '/api/me/email-signature')).json).toEqual({ signature: '' });
		const set = await api(server.url, token, 'PATCH', '/api/me/email-signature', { signature: 'Olivia Bennett\r\nParley Demo\u0007  ' });
		expect(set).toMatchObject({ status: 200, json: { signature: 'Olivia Bennett\nParley Demo' } });
		// Another session (another device) of the same user reads it; another user does not.
		const again = (await login(server.url, 'owner@demo.test')).accessToken;
		expect((await api(server.url, again, 'GET', '/api/me/email-signature')).json).toEqual({ signature: 'Olivia Bennett\nParley Demo' });
		const ana = (await login(server.url, 'ana@demo.test')).accessToken;
		expect((await api(server.url, ana, 'GET', '/api/me/email-signature')).json).toEqual({ signature: '' });
		expect((await api(server.url, ana, 'PATCH', '/api/me/email-signature', { signature: 'x'.repeat(2001) })).json).toMatchObject({ error: { code: 'invalid_input' } });
		expect((await api(server.url, ana, 'PATCH', '/api/me/email-signature', { signature: 42 })).status).toBe(400);
		expect((await fetch(`${server.url}/api/me/email-signature`)).status).toBe(401);
		await api(server.url, token, 'PATCH', '/api/me/email-signature', { signature: '' });
	});

	it('signs with DKIM when the channel has a key; passwords and keys never enter the directory', async () => {
		const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
		const res = await api(server.url, token, 'PATCH', `/api/channels/${channelId}/email`, {
			smtp: { host: '127.0.0.1', port: sink.port, security: 'none', user: 'mailer', password: 'hunter2-smtp' },
			dkim: { domain: 'parley.test', selector: 'p1', privateKey }
		});
		expect(res.status).toBe(200);
		expect(res.json.secrets).toEqual({ smtpPassword: true, imapPassword: false, dkimKey: true });
		const dir = JSON.stringify(owner.doc('dir' as never).toJSON());
		await waitFor(() => JSON.stringify(owner.doc('dir' as never).toJSON()).includes('"selector":"p1"'), 10_000, 'the settings in the directory');
		expect(JSON.stringify(owner.doc('dir' as never).toJSON())).not.toMatch(/hunter2|PRIVATE KEY/);
		expect(dir).not.toMatch(/hunter2/);
		const bad = await api(server.url, token, 'PATCH', `/api/channels/${channelId}/email`, { smtp: { host: 'bad host!', port: 25 } });
		expect(bad).toMatchObject({ status: 400, json: { error: { code: 'invalid_input' } } });
		const { contactId } = await customerMail('dkim@customer.test', 'Sign me', '<cust-5@customer.test>');
		const id = reply(contactId, { subject: 'Re: Sign me' }, 'signed reply');
		await waitFor(() => status(contactId, id)?.status === 'sent', 15_000, 'sent');
		const mail = sink.mails.find((m) => m.raw.includes('signed reply'))!;
		expect(headerOf(mail.raw, 'DKIM-Signature')).toMatch(/d=parley\.test; .*s=p1/);
		// The kept source is the signed message (S5.3 View original).
		const stored = await (await fetch(`${server.url}/api/uploads/${status(contactId, id)!.source}`, { headers: { authorization: `Bearer ${token}` } })).text();
		expect(headerOf(stored, 'DKIM-Signature')).toBe(headerOf(mail.raw, 'DKIM-Signature'));
	});
});

describe('email channel: the SMTP and IMAP servers a channel names cannot be private addresses', () => {
	let server: TestServer;
	let owner: SyncClient;
	let token: string;
	let sink: MailSink;

	beforeAll(async () => {
		sink = new MailSink();
		await sink.listen();
		// As in production: no private or loopback targets.
		server = await startTestServer({ channels: { allowPrivate: false } });
		token = (await login(server.url, 'owner@demo.test')).accessToken;
		owner = new SyncClient({ url: server.url, token });
		await owner.connect();
	}, 60_000);

	afterAll(async () => {
		owner?.close();
		await server?.destroy();
		await sink?.close();
	});

	// SPEC S5.4, S5.12: a host NAME resolving to loopback (not only the literal IP or "localhost")
	// is refused, finally, with the reason, and no SMTP connection is made; IMAP likewise.
	it('refuses a name that resolves to loopback, for SMTP out and IMAP in, and connects to nothing', async () => {
		const { id: channelId, port } = await createEmailChannel(server, token, {
			smtp: { host: 'LocalHost', port: sink.port, security: 'none' },
			imap: { host: 'LocalHost', port: sink.port, tls: false, user: 'u', folder: 'INBOX' }
		});
		await smtpTo(port).sendMail({ from: 'ssrf@customer.test', to: CHANNEL_ADDRESS, subject: 'Hi', text: 'hello', messageId: '<ssrf-1@customer.test>' });
		const contactId = await contactByEmail(owner, 'ssrf@customer.test');
		const id = writeReply(owner, channelId, contactId, { subject: 'Re: Hi' }, 'internal probe');
		const delivery = () => contactDoc(owner.doc(contactDocId(contactId))).delivery.get(id);
		await waitFor(() => delivery()?.status === 'failed', 15_000, 'refused');
		expect(delivery()?.error).toMatch(/^Refused: LocalHost resolves to a private address/);
		expect(delivery()?.retryAt).toBeUndefined();
		const imap = await api(server.url, token, 'GET', `/api/channels/${channelId}/email`);
		await waitFor(
			async () => ((await api(server.url, token, 'GET', `/api/channels/${channelId}/email`)).json.imap as { error?: string } | null)?.error !== undefined,
			10_000,
			'the IMAP status'
		);
		expect(imap.status).toBe(200);
		const after = await api(server.url, token, 'GET', `/api/channels/${channelId}/email`);
		expect((after.json.imap as { error: string }).error).toMatch(/^Refused: LocalHost resolves to a private address/);
		expect(sink.mails).toHaveLength(0);
		expect(sink.connections).toBe(0);
	});
});
