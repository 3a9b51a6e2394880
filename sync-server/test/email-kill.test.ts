// Email sending across kill -9: the SMTP server stores the reply and the Parley process is killed
// before it hears the 250 and writes the status. After the restart the outbox row is still
// pending and the reply is sent again with the same Message-ID, which the receiving server
// recognises (as mail servers and clients dedupe by Message-ID): one mail, status sent.
// SPEC S5.4, S5.12
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import type { DocId } from '../../src/lib/domain/types';
import { MailSink, messageIdOf } from '../src/channels/email/mail-sink';
import { api , writeOutgoing } from './channels-helpers';
import { killChild, spawnServer, type ChildServer } from './helpers/child';
import { tempDir } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';

describe('email sending across SIGKILL', () => {
	const dataDir = tempDir('parley-email-kill-');
	let child: ChildServer | undefined;
	let sink: MailSink | undefined;
	const clients: SyncClient[] = [];
	afterEach(async () => {
		for (const c of clients.splice(0)) c.close();
		await killChild(child);
		await sink?.close();
		rmSync(dataDir, { recursive: true, force: true });
	});

	it('sends one mail and records sent after a restart', async () => {
		const env = { DATA_DIR: dataDir, DEMO_CONTACTS: '8', ALLOW_LOOPBACK_CHANNELS: '1', SMTP_PORT: '0', DEMO_MAILBOX: '0' };
		let killed = false;
		sink = new MailSink({
			// The server stores the mail, and the sender dies before the 250 reaches it.
			onStored: () => {
				if (killed) return;
				killed = true;
				child!.process.kill('SIGKILL');
			}
		});
		await sink.listen();
		child = await spawnServer(env);
		const { accessToken } = await login(child.url, 'owner@demo.test');
		const ch = await api(child.url, accessToken, 'POST', '/api/directory/channels', {
			name: 'Mail',
			kind: 'email',
			email: { addresses: ['help@parley.test'], smtp: { host: '127.0.0.1', port: sink.port, security: 'none' } }
		});
		expect(ch.status).toBe(201);
		const agent = new SyncClient({ url: child.url, token: accessToken });
		clients.push(agent);
		await agent.connect();
		const docId = [...agent.docs.keys()].find((d) => d !== 'dir' && !contactDoc(agent.doc(d)).profile.get().blocked) as DocId;
		const id = writeOutgoing(agent, docId, ch.json.id as string, { type: 'email', text: 'exactly once', email: { subject: 'Once', to: ['client@customer.test'] } });
		await child.exited;
		expect(sink.mails).toHaveLength(1);
		agent.close();

		child = await spawnServer(env);
		await waitFor(() => sink!.attempts.length === 2, 30_000, 'the resend after restart');
		const again = await login(child.url, 'owner@demo.test');
		const checker = new SyncClient({ url: child.url, token: again.accessToken });
		clients.push(checker);
		await checker.connect();
		await waitFor(() => contactDoc(checker.doc(docId)).delivery.get(id)?.status === 'sent', 20_000, 'status sent after restart');
		// Same Message-ID both times: the server kept one mail.
		expect(sink.attempts.map(messageIdOf)).toEqual([`<${id}@parley.test>`, `<${id}@parley.test>`]);
		expect(sink.mails).toHaveLength(1);
	}, 120_000);
});
