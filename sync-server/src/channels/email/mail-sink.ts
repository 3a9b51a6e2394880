/**
 * A local mailbox over SMTP: the outbound server of the demo's email channel (so a reply lands
 * somewhere on this machine with nothing outside it) and the receiving server of the tests.
 *
 * It behaves like a well-kept mail server towards duplicates: a mail whose Message-ID it already
 * stored is accepted again (250) but not stored twice, which is what makes the outbox's resend
 * after a crash (same Message-ID, see `email/channel.ts`) deliver once. `script` decides the
 * answer to each new mail (tests: 4xx twice, then accept). With `dir`, each stored mail is also
 * written there as `<n>.eml`.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface SunkMail {
	n: number;
	messageId: string | null;
	from: string;
	to: string[];
	raw: string;
	at: number;
}

export type SinkAnswer = { code: number; message: string } | 'accept' | 'hang';

export interface MailSinkOptions {
	host?: string;
	port?: number;
	dir?: string;
	script?: (raw: string, n: number) => SinkAnswer;
	/** Called once a mail is stored (before the 250 is written). */
	onStored?: (mail: SunkMail) => void;
}

export class MailSink {
	readonly mails: SunkMail[] = [];
	/** Every DATA the sink received, duplicates and refused ones included. */
	readonly attempts: string[] = [];
	/** SMTP sessions opened with the sink (a refused target must open none). */
	connections = 0;
	script: NonNullable<MailSinkOptions['script']>;
	private readonly server: SMTPServer;
	private n = 0;
	port = 0;

	constructor(private readonly opts: MailSinkOptions = {}) {
		this.script = opts.script ?? (() => 'accept');
		if (opts.dir) {
			mkdirSync(opts.dir, { recursive: true });
			for (const f of readdirSync(opts.dir).filter((x) => x.endsWith('.eml')).sort((a, b) => parseInt(a) - parseInt(b))) {
				const raw = readFileSync(join(opts.dir, f), 'utf8');
				this.mails.push({ n: parseInt(f), messageId: messageIdOf(raw), from: '', to: [], raw, at: 0 });
				this.n = Math.max(this.n, parseInt(f) + 1);
			}
		}
		this.server = new SMTPServer({
			authOptional: true,
			disabledCommands: ['STARTTLS'],
			logger: false,
			size: 30 * 1024 * 1024,
			onAuth: (_auth, _session, cb) => cb(null, { user: 'any' }),
			onConnect: (_session, cb) => {
				this.connections++;
				cb();
			},
			onData: (stream, session, cb) => {
				const chunks: Buffer[] = [];
				stream.on('data', (c: Buffer) => chunks.push(c));
				stream.on('end', () => {
					const raw = Buffer.concat(chunks).toString('utf8');
					this.attempts.push(raw);
					const mid = messageIdOf(raw);
					if (mid && this.mails.some((m) => m.messageId === mid)) return cb(null, 'Already have it');
					const answer = this.script(raw, this.attempts.length - 1);
					if (answer === 'hang') return;
					if (answer !== 'accept') {
						const err = new Error(answer.message) as Error & { responseCode: number };
						err.responseCode = answer.code;
						return cb(err);
					}
					const mail: SunkMail = {
						n: this.n++,
						messageId: mid,
						from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
						to: session.envelope.rcptTo.map((r) => r.address),
						raw,
						at: Date.now()
					};
					this.mails.push(mail);
					if (this.opts.dir) writeFileSync(join(this.opts.dir, `${mail.n}.eml`), raw);
					this.opts.onStored?.(mail);
					cb(null, `Stored as ${mail.n}`);
				});
			}
		});
		this.server.on('error', () => undefined);
	}

	async listen(): Promise<number> {
		await new Promise<void>((resolve, reject) => {
			this.server.server.once('error', reject);
			this.server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => {
				this.server.server.off('error', reject);
				resolve();
			});
		});
		this.port = (this.server.server.address() as AddressInfo).port;
		return this.port;
	}

	close(): Promise<void> {
		return new Promise((resolve) => this.server.close(() => resolve()));
	}
}

export function messageIdOf(raw: string): string | null {
	const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
	return /^Message-ID:\s*(<[^<>\s]+>)/im.exec(head)?.[1] ?? null;
}

/** A header of a raw mail (unfolded), or null. */
export function headerOf(raw: string, name: string): string | null {
	const head = (raw.split(/\r?\n\r?\n/, 1)[0] ?? '').replace(/\r?\n[ \t]+/g, ' ');
	const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head);
	return m ? m[1]!.trim() : null;
}
