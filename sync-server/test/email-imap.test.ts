// Email channel, IMAP in: against Debian's Dovecot on loopback (scripts/services-dovecot.mjs,
// started here when `npm test` did not), the mails of a folder become entries once; new mail is
// picked up while the poller is connected (IDLE); after a restart nothing is stored twice, also
// when the last UID done was lost (the Message-ID claim).
// SPEC S5.12, S5.7, S7.1
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './channels-helpers';
import { contactByEmail, emailsIn } from './email-helpers';
import { SyncClient, login, waitFor } from './helpers/sync-client';
import { startServer, type RunningServer } from '../src/server';

const PASSWORD = 'parley-imap';

function rawMail(n: number): string {
	return [`From: "Ivy Stone" <ivy@customer.test>`, 'To: box@parley.test', `Subject: IMAP ${n}`, `Message-ID: <imap-${n}@customer.test>`, 'Content-Type: text/plain; charset=utf-8', '', `mail number ${n}`, ''].join('\r\n');
}

describe('email channel: IMAP mailbox (Dovecot)', () => {
	let imapUrl: string;
	let stopDovecot: (() => Promise<void>) | null = null;
	const user = `box${Date.now()}`;
	const dataDir = mkdtempSync(join(tmpdir(), 'parley-email-imap-'));
	let server: RunningServer | null = null;
	const clients: SyncClient[] = [];

	beforeAll(async () => {
		imapUrl = process.env.PARLEY_IMAP_URL ?? '';
		if (!imapUrl) {
			const svc = await (await import('../../scripts/services-dovecot.mjs')).start();
			imapUrl = svc.env.PARLEY_IMAP_URL;
			stopDovecot = svc.stop;
		}
	}, 120_000);

	afterAll(async () => {
		for (const c of clients) c.close();
		await server?.close();
		await stopDovecot?.();
		rmSync(dataDir, { recursive: true, force: true });
	});

	const port = () => Number(new URL(imapUrl).port);

	async function append(n: number): Promise<void> {
		const client = new ImapFlow({ host: '127.0.0.1', port: port(), secure: false, auth: { user, pass: PASSWORD }, logger: false });
		await client.connect();
		await client.append('INBOX', rawMail(n));
		await client.logout();
	}

	async function boot(): Promise<{ server: RunningServer; token: string; owner: SyncClient }> {
		server = await startServer({ host: '127.0.0.1', port: 0, dataDir, seed: { contacts: 5 }, log: () => {}, channels: { allowPrivate: true, email: { smtpPort: null, imapPollMs: 60_000 } } });
		const token = (await login(server.url, 'owner@demo.test')).accessToken;
		const owner = new SyncClient({ url: server.url, token });
		clients.push(owner);
		await owner.connect();
		return { server, token, owner };
	}

	it('stores each mail of the folder once, picks up new mail, and stores nothing twice after a restart', async () => {
		await append(1);
		await append(2);
		let { server: s, token, owner } = await boot();
		const created = await api(s.url, token, 'POST', '/api/directory/channels', {
			name: 'Mailbox',
			kind: 'email',
			email: { addresses: ['box@parley.test'], imap: { host: '127.0.0.1', port: port(), tls: false, user, folder: 'INBOX' } }
		});
		expect(created.status).toBe(201);
		const channelId = created.json.id as string;
		const patched = await api(s.url, token, 'PATCH', `/api/channels/${channelId}/email`, { imap: { host: '127.0.0.1', port: port(), tls: false, user, folder: 'INBOX', password: PASSWORD } });
		expect(patched.status).toBe(200);
		const contactId = await contactByEmail(owner, 'ivy@customer.test');
		await waitFor(() => emailsIn(owner, contactId).length === 2, 20_000, 'the two mails of the folder');
		// New mail while connected (IDLE / EXISTS), not waiting for the 60 s poll.
		await append(3);
		await waitFor(() => emailsIn(owner, contactId).length === 3, 20_000, 'the new mail');
		expect(emailsIn(owner, contactId).map((e) => e.body.email?.subject)).toEqual(['IMAP 1', 'IMAP 2', 'IMAP 3']);
		const settings = await api(s.url, token, 'GET', `/api/channels/${channelId}/email`);
		expect(settings.json.imap).toMatchObject({ state: 'idle', lastUid: 3 });
		expect(JSON.stringify(owner.doc('dir' as never).toJSON())).not.toContain(PASSWORD);

		// Restart: the poller resumes after the last UID; nothing new is written.
		owner.close();
		await s.close();
		({ server: s, token, owner } = await boot());
		await waitFor(async () => ((await api(s.url, token, 'GET', `/api/channels/${channelId}/email`)).json.imap as { state?: string } | null)?.state === 'idle', 20_000, 'the poller after restart');
		await waitFor(() => emailsIn(owner, contactId).length === 3, 20_000, 'the thread after restart');

		// The UID checkpoint lost (a crash before it was saved): the whole folder is read again,
		// and the Message-ID claim keeps each mail once.
		await s.store.setMeta(`email.imap:${channelId}`, '{}');
		owner.close();
		await s.close();
		({ server: s, token, owner } = await boot());
		await append(4);
		await waitFor(() => emailsIn(owner, contactId).length === 4, 20_000, 'the fourth mail');
		await waitFor(async () => ((await api(s.url, token, 'GET', `/api/channels/${channelId}/email`)).json.imap as { lastUid?: number } | null)?.lastUid === 4, 20_000, 'all UIDs done');
		expect(emailsIn(owner, contactId).map((e) => e.body.email?.subject)).toEqual(['IMAP 1', 'IMAP 2', 'IMAP 3', 'IMAP 4']);
	}, 120_000);
});
