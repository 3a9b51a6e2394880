// Email channel, inbound over real SMTP sessions on loopback (nodemailer -> the built-in
// receiver): a mail opens a conversation of its sender's contact (created unassigned), live for
// the agent; HTML is sanitized before it is stored; attachments and the source are uploads;
// non-UTF-8 charsets are decoded; the 10 MiB limit holds with a 552 above it; the same
// Message-ID is stored once; automatic replies never open a conversation or create a contact.
// SPEC S5.12, S5.7, S7.1, S5.14
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { close } from '../../src/lib/domain/actions';
import { contactDocId, newId } from '../../src/lib/domain/ids';
import type { ContactId } from '../../src/lib/domain/types';
import { createEmailChannel, CHANNEL_ADDRESS, contactByEmail, emailsIn, smtpTo } from './email-helpers';
import { startTestServer, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';

describe('email channel: inbound SMTP', () => {
	let server: TestServer;
	let owner: SyncClient;
	let token: string;
	let channelId: string;
	let port: number;

	beforeAll(async () => {
		server = await startTestServer({ channels: { allowPrivate: true } });
		token = (await login(server.url, 'owner@demo.test')).accessToken;
		({ id: channelId, port } = await createEmailChannel(server, token));
		owner = new SyncClient({ url: server.url, token });
		await owner.connect();
	}, 60_000);

	afterAll(async () => {
		owner?.close();
		await server?.destroy();
	});

	it('a plain mail from a new address creates an unassigned contact with an open conversation, live', async () => {
		await smtpTo(port).sendMail({ from: '"Inès Durand" <ines@customer.test>', to: CHANNEL_ADDRESS, subject: 'Commande en retard', text: 'Bonjour,\nma commande est en retard.', messageId: '<plain-1@customer.test>' });
		const contactId = await contactByEmail(owner, 'ines@customer.test');
		await waitFor(() => emailsIn(owner, contactId).length === 1, 10_000, 'the email entry');
		const c = contactDoc(owner.doc(contactDocId(contactId)));
		expect(c.state.get().status).toBe('open');
		expect(c.assignment.get()).toEqual({ userId: null, teamId: null });
		expect(c.profile.get()).toMatchObject({ firstName: 'Inès', lastName: 'Durand', email: 'ines@customer.test', channelIds: [channelId] });
		const [m] = emailsIn(owner, contactId);
		expect(m).toMatchObject({ direction: 'in', channelId, body: { type: 'email', text: 'Bonjour,\nma commande est en retard.', email: { subject: 'Commande en retard', from: 'ines@customer.test', fromName: 'Inès Durand', to: [CHANNEL_ADDRESS], messageId: '<plain-1@customer.test>' } } });
		// View original: the raw source is an upload of the contact, readable by the agent.
		const src = await fetch(`${server.url}/api/uploads/${m!.body.email!.source}`, { headers: { authorization: `Bearer ${token}` } });
		expect(src.status).toBe(200);
		expect(await src.text()).toMatch(/^Message-ID: <plain-1@customer.test>/im);
	});

	it('sanitizes a hostile HTML body before storing it and keeps the threading headers', async () => {
		const html = `<p onclick="alert(1)">Hi <b>there</b></p><script>alert(2)</script><style>body{display:none}</style>
			<img src="https://tracker.test/pixel.gif" onerror="alert(3)"><a href="javascript:alert(4)">x</a><a href="https://ok.test/">ok</a>
			<iframe src="https://evil.test"></iframe><form action="https://evil.test"><input name=a></form><div style="position:fixed;inset:0">cover</div>`;
		await smtpTo(port).sendMail({ from: 'ines@customer.test', to: CHANNEL_ADDRESS, subject: 'Re: Commande en retard', html, messageId: '<html-1@customer.test>', inReplyTo: '<plain-1@customer.test>', references: ['<plain-1@customer.test>'] });
		const contactId = await contactByEmail(owner, 'ines@customer.test');
		await waitFor(() => emailsIn(owner, contactId).length === 2, 10_000, 'the HTML email');
		const m = emailsIn(owner, contactId)[1]!;
		const stored = m.body.email!.html!;
		expect(stored).toContain('<b>there</b>');
		expect(stored).not.toMatch(/<script|onclick|onerror|<style|javascript:|<iframe|<form|<input|style=/i);
		expect(stored).toContain('data-remote-src="https://tracker.test/pixel.gif"');
		expect(stored).not.toMatch(/\ssrc="https:\/\/tracker/);
		expect(m.body.email).toMatchObject({ inReplyTo: '<plain-1@customer.test>', references: ['<plain-1@customer.test>'] });
	});

	it('stores attachments as uploads with their original names', async () => {
		await smtpTo(port).sendMail({
			from: 'paul@customer.test',
			to: CHANNEL_ADDRESS,
			subject: 'Facture',
			text: 'Voir pièces jointes',
			html: '<p>Voir <i>pièces jointes</i></p>',
			attachments: [
				{ filename: 'facture été.pdf', content: Buffer.from('%PDF-1.4 test'), contentType: 'application/pdf' },
				{ filename: 'notes.txt', content: 'hello notes', contentType: 'text/plain' }
			]
		});
		const contactId = await contactByEmail(owner, 'paul@customer.test');
		await waitFor(() => emailsIn(owner, contactId).length === 1, 10_000, 'the email with attachments');
		const m = emailsIn(owner, contactId)[0]!;
		expect(m.body.attachments?.map((a) => [a.name, a.mime, a.size])).toEqual([
			['facture été.pdf', 'application/pdf', 13],
			['notes.txt', 'text/plain', 11]
		]);
		const res = await fetch(`${server.url}/api/uploads/${m.body.attachments![1]!.storageName}`, { headers: { authorization: `Bearer ${token}` } });
		expect(await res.text()).toBe('hello notes');
	});

	it('decodes non-UTF-8 charsets (ISO-8859-1 body, windows-1252 encoded-word subject)', async () => {
		const body = Buffer.from('Le café était froid, ça arrive.', 'latin1');
		const raw = Buffer.concat([
			Buffer.from(
				[
					'From: =?windows-1252?Q?Ren=E9e_Fran=E7ois?= <renee@customer.test>',
					`To: ${CHANNEL_ADDRESS}`,
					'Subject: =?windows-1252?Q?Caf=E9_froid_=80?=',
					'Message-ID: <latin-1@customer.test>',
					'MIME-Version: 1.0',
					'Content-Type: text/plain; charset=ISO-8859-1',
					'Content-Transfer-Encoding: 8bit',
					'',
					''
				].join('\r\n'),
				'latin1'
			),
			body,
			Buffer.from('\r\n')
		]);
		await smtpTo(port).sendMail({ envelope: { from: 'renee@customer.test', to: [CHANNEL_ADDRESS] }, raw });
		const contactId = await contactByEmail(owner, 'renee@customer.test');
		await waitFor(() => emailsIn(owner, contactId).length === 1, 10_000, 'the latin-1 email');
		const m = emailsIn(owner, contactId)[0]!;
		expect(m.body.text?.trim()).toBe('Le café était froid, ça arrive.');
		expect(m.body.email?.subject).toBe('Café froid €');
		expect(contactDoc(owner.doc(contactDocId(contactId))).profile.get()).toMatchObject({ firstName: 'Renée', lastName: 'François' });
	});

	it('stores a mail received twice (same Message-ID) once', async () => {
		const mail = { from: 'twice@customer.test', to: CHANNEL_ADDRESS, subject: 'Once', text: 'only once', messageId: '<dup-1@customer.test>' };
		await smtpTo(port).sendMail(mail);
		const contactId = await contactByEmail(owner, 'twice@customer.test');
		await waitFor(() => emailsIn(owner, contactId).length === 1, 10_000, 'the first copy');
		const head = await server.store.headSeq();
		await smtpTo(port).sendMail(mail);
		await smtpTo(port).sendMail(mail);
		expect(await server.store.headSeq()).toBe(head);
		expect(emailsIn(owner, contactId)).toHaveLength(1);
	});

	it('refuses mail for an address of no channel (550) and writes nothing', async () => {
		const head = await server.store.headSeq();
		await expect(smtpTo(port).sendMail({ from: 'x@customer.test', to: 'nobody@elsewhere.test', subject: 'x', text: 'x' })).rejects.toMatchObject({ responseCode: 550 });
		expect(await server.store.headSeq()).toBe(head);
	});

	it('records an automatic reply without reopening the conversation, and ignores one from an unknown sender', async () => {
		await smtpTo(port).sendMail({ from: 'away@customer.test', to: CHANNEL_ADDRESS, subject: 'Question', text: 'a question' });
		const contactId: ContactId = await contactByEmail(owner, 'away@customer.test');
		const docId = contactDocId(contactId);
		await waitFor(() => emailsIn(owner, contactId).length === 1, 10_000, 'the question');
		owner.edit(docId, (y) => {
			const c = contactDoc(y);
			c.applyAction(close(c.state.get(), Date.now()), { type: 'user', id: 'u-olivia' }, Date.now(), newId);
		});
		await waitFor(() => contactDoc(owner.doc(docId)).state.get().status === 'closed', 10_000, 'closed');
		await smtpTo(port).sendMail({ from: 'away@customer.test', to: CHANNEL_ADDRESS, subject: 'Out of office', text: 'I am away', headers: { 'Auto-Submitted': 'auto-replied' } });
		await waitFor(() => emailsIn(owner, contactId).length === 2, 10_000, 'the automatic reply');
		expect(emailsIn(owner, contactId)[1]!.body.email?.auto).toBe('auto_reply');
		expect(contactDoc(owner.doc(docId)).state.get().status).toBe('closed');
		// Unknown sender: nothing is created.
		const head = await server.store.headSeq();
		await smtpTo(port).sendMail({ from: 'robot@unknown.test', to: CHANNEL_ADDRESS, subject: 'Auto', text: 'auto', headers: { 'Auto-Submitted': 'auto-generated' } });
		expect(await server.store.headSeq()).toBe(head);
	});

	it('accepts a 10 MiB attachment and refuses a larger one with 552', async () => {
		const big = Buffer.alloc(10 * 1024 * 1024, 7);
		await smtpTo(port).sendMail({ from: 'big@customer.test', to: CHANNEL_ADDRESS, subject: 'Big', text: 'big file', attachments: [{ filename: 'big.bin', content: big }] });
		const contactId = await contactByEmail(owner, 'big@customer.test');
		await waitFor(() => emailsIn(owner, contactId).length === 1, 30_000, 'the 10 MiB email');
		expect(emailsIn(owner, contactId)[0]!.body.attachments?.[0]).toMatchObject({ name: 'big.bin', size: 10 * 1024 * 1024 });
		const head = await server.store.headSeq();
		const err = await smtpTo(port)
			.sendMail({ from: 'big@customer.test', to: CHANNEL_ADDRESS, subject: 'Bigger', text: 'too big', attachments: [{ filename: 'bigger.bin', content: Buffer.alloc(11 * 1024 * 1024, 7) }] })
			.then(() => null, (e: { responseCode?: number; response?: string }) => e);
		expect(err?.responseCode).toBe(552);
		expect(err?.response).toMatch(/10 MiB/);
		expect(await server.store.headSeq()).toBe(head);
	}, 120_000);
});
