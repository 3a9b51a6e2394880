import { isIP } from 'node:net';
import { ImapFlow } from 'imapflow';
import type { Channel } from '../../../../src/lib/domain/types';
import { resolveGuarded } from '../outbound-http';
import type { EmailChannel, EmailDeps, EmailOptions } from './channel';
import { secretKey } from './settings';

/**
 * One IMAP mailbox (imapflow): every mail of the folder is ingested once, in UID order; the last
 * UID done (with the folder's UIDVALIDITY) is kept in the meta store, and the Message-ID claim
 * makes a mail ingested twice (a crash before the UID was saved) stored once. New mail arrives
 * through IDLE where the server offers it (imapflow keeps the connection idling), else by the
 * periodic poll; a lost connection is retried with backoff.
 */
export class ImapPoller {
	readonly key: string;
	status: { state: 'connecting' | 'idle' | 'error'; error?: string; lastUid?: number } = { state: 'connecting' };
	private client: ImapFlow | null = null;
	private stopped = false;
	private timer: NodeJS.Timeout | null = null;
	private running: Promise<void> | null = null;
	private again = false;
	private failures = 0;

	constructor(
		private readonly channel: Channel,
		private readonly email: EmailChannel,
		private readonly deps: EmailDeps,
		private readonly opts: EmailOptions
	) {
		this.key = JSON.stringify(channel.email?.imap);
	}

	start(): void {
		void this.connect();
	}

	private schedule(ms: number): void {
		if (this.stopped) return;
		if (this.timer) clearTimeout(this.timer);
		this.timer = setTimeout(() => void (this.client ? this.poll() : this.connect()), ms);
		this.timer.unref();
	}

	private async connect(): Promise<void> {
		const imap = this.channel.email?.imap;
		if (!imap || this.stopped) return;
		const target = await resolveGuarded(imap.host, this.opts.allowPrivate);
		if (!target.ok) {
			this.status = { state: 'error', error: target.message };
			// A refused address stays refused until the settings change; a name that did not resolve is tried again.
			if (target.kind === 'network' && !this.stopped) this.schedule(Math.min(60_000, 1000 * 2 ** Math.min(this.failures++, 6)));
			return;
		}
		const pass = (await this.deps.store.getChannelSecret(secretKey(this.channel.id, 'imap'))) ?? '';
		const client = new ImapFlow({
			host: target.address,
			...(isIP(imap.host) ? {} : { servername: imap.host }),
			port: imap.port,
			secure: imap.tls,
			auth: { user: imap.user, pass },
			logger: false,
			tls: { rejectUnauthorized: !this.opts.allowPrivate },
			connectionTimeout: this.opts.timeoutMs,
			greetingTimeout: this.opts.timeoutMs
		});
		client.on('error', (err: Error) => {
			this.status = { state: 'error', error: err.message };
		});
		client.on('exists', () => void this.poll());
		client.on('close', () => {
			if (this.client === client) this.client = null;
			if (!this.stopped) this.schedule(Math.min(60_000, 1000 * 2 ** Math.min(this.failures++, 6)));
		});
		try {
			await client.connect();
			if (this.stopped) {
				await client.logout().catch(() => undefined);
				return;
			}
			await client.mailboxOpen(imap.folder);
			this.client = client;
			this.failures = 0;
			await this.poll();
		} catch (err) {
			this.status = { state: 'error', error: err instanceof Error ? err.message : String(err) };
			client.close();
		}
	}

	/** Ingests what is new in the folder (serialized: a poll asked for during one runs after it). */
	poll(): Promise<void> {
		if (this.running) {
			this.again = true;
			return this.running;
		}
		this.running = (async () => {
			do {
				this.again = false;
				await this.pollOnce().catch((err: unknown) => {
					this.status = { state: 'error', error: err instanceof Error ? err.message : String(err) };
				});
			} while (this.again && !this.stopped);
		})().finally(() => {
			this.running = null;
			this.schedule(this.opts.imapPollMs);
		});
		return this.running;
	}

	private async pollOnce(): Promise<void> {
		const client = this.client;
		if (!client || this.stopped) return;
		const metaKey = `email.imap:${this.channel.id}`;
		const mailbox = client.mailbox;
		const validity = mailbox ? String(mailbox.uidValidity) : '0';
		const saved = JSON.parse((await this.deps.store.getMeta(metaKey)) ?? '{}') as { validity?: string; lastUid?: number };
		let last = saved.validity === validity ? (saved.lastUid ?? 0) : 0;
		const found: Array<{ uid: number; source: Buffer }> = [];
		for await (const msg of client.fetch(`${last + 1}:*`, { uid: true, source: true }, { uid: true })) {
			if (msg.uid > last && msg.source) found.push({ uid: msg.uid, source: msg.source });
		}
		for (const m of found.sort((a, b) => a.uid - b.uid)) {
			if (this.stopped) return;
			const r = await this.email.ingest(this.channel, m.source, undefined);
			if (!r.ok) this.deps.log(`email: IMAP mail ${m.uid} of ${this.channel.id} refused: ${r.message}`);
			last = m.uid;
			await this.deps.store.setMeta(metaKey, JSON.stringify({ validity, lastUid: last }));
		}
		this.status = { state: 'idle', lastUid: last };
	}

	async stop(): Promise<void> {
		this.stopped = true;
		if (this.timer) clearTimeout(this.timer);
		await this.running?.catch(() => undefined);
		const c = this.client;
		this.client = null;
		if (c) await c.logout().catch(() => c.close());
	}
}
