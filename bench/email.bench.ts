/**
 * Email channel (issue 22): a mail sent over SMTP (nodemailer -> the built-in receiver) until
 * every one of 20 connected agents holds it in their replica (their /sync socket applied the
 * update), p50/p95 of mails sent one at a time; sustained inbound mails per second with several
 * SMTP connections; and the outbound send rate: replies written by an agent until the local
 * SMTP server (`mail-sink.ts`) has them all. Real server on 127.0.0.1 port 0 (SQLite), real SMTP
 * on loopback, 20 real /sync clients of 20 distinct users (Node clients, not browsers).
 */
import nodemailer from 'nodemailer';
import { contactDoc } from '../src/lib/doc';
import { asChannelId, asEntryId, contactDocId, newId } from '../src/lib/domain/ids';
import type { ContactId, DocId } from '../src/lib/domain/types';
import { MailSink } from '../sync-server/src/channels/email/mail-sink';
import { startTestServer } from '../sync-server/test/helpers/server';
import { SyncClient, login, waitFor } from '../sync-server/test/helpers/sync-client';
import { percentile, type Benchmark, type Figure } from './harness';

const AGENTS = 20;
const SENDERS = 20;
const ADDRESS = 'bench@parley.test';

export const benchmarks: Benchmark[] = [
	{
		name: 'email: SMTP in to 20 agents, SMTP out',
		async run(ctx): Promise<Figure[]> {
			const sequential = ctx.quick ? 20 : 200;
			const burst = ctx.quick ? 60 : 1000;
			const outbound = ctx.quick ? 40 : 400;
			const sink = new MailSink();
			await sink.listen();
			const server = await startTestServer({
				seed: { contacts: 20, messagesPerContact: 2, seed: ctx.seed },
				loginLimits: { perAccount: { limit: 1000, windowMs: 60_000 }, perAddress: { limit: 1000, windowMs: 60_000 } },
				channels: { allowPrivate: true, concurrency: 8, email: { smtpPort: 0 } }
			});
			const clients: SyncClient[] = [];
			try {
				const owner = (await login(server.url, 'owner@demo.test')).accessToken;
				const auth = { authorization: `Bearer ${owner}`, 'content-type': 'application/json' };
				const ch = (await (
					await fetch(`${server.url}/api/directory/channels`, {
						method: 'POST',
						headers: auth,
						body: JSON.stringify({ name: 'Bench mail', kind: 'email', email: { addresses: [ADDRESS], smtp: { host: '127.0.0.1', port: sink.port, security: 'none' } } })
					})
				).json()) as { id: string };
				await waitFor(() => server.channels.email.smtpAddress !== null, 10_000, 'the SMTP receiver');
				const port = server.channels.email.smtpAddress!.port;
				const smtp = (pool: number) => nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: pool, maxMessages: Infinity });
				for (let i = 0; i < AGENTS; i++) {
					const email = `bench-mail-${i}@demo.test`;
					const r = await fetch(`${server.url}/api/directory/users`, { method: 'POST', headers: auth, body: JSON.stringify({ name: `Agent ${i}`, email, role: 'agent', restriction: 'none', password: 'parley-demo' }) });
					if (r.status !== 201) throw new Error(`user ${i}: ${r.status}`);
					const c = new SyncClient({ url: server.url, token: (await login(server.url, email)).accessToken });
					await c.connect();
					clients.push(c);
				}
				// The senders' contacts exist (created by their first mail) and every agent holds them.
				const one = smtp(1);
				for (let s = 0; s < SENDERS; s++) await one.sendMail({ from: `sender${s}@customer.test`, to: ADDRESS, subject: 'warm', text: 'hello' });
				const docs: DocId[] = [];
				await waitFor(
					async () => {
						docs.length = 0;
						for (let s = 0; s < SENDERS; s++) {
							const id = await server.store.findContactByKey('email', `sender${s}@customer.test`);
							if (id) docs.push(contactDocId(id as ContactId));
						}
						return docs.length === SENDERS;
					},
					60_000,
					'the senders'
				);
				await waitFor(() => clients.every((c) => docs.every((d) => c.docs.has(d) && contactDoc(c.doc(d)).thread.entries().some((e) => e.kind === 'message'))), 60_000, 'warm-up at every agent');

				const arrivals = new Map<string, { n: number; done: () => void; at: number }>();
				for (const c of clients) {
					for (const d of docs) {
						const cd = contactDoc(c.doc(d));
						cd.thread.observe((added) => {
							for (const id of added) {
								const e = cd.thread.get(id);
								const subject = e?.kind === 'message' ? e.body.email?.subject : undefined;
								const a = subject ? arrivals.get(subject) : undefined;
								if (a && ++a.n === AGENTS) {
									a.at = performance.now();
									a.done();
								}
							}
						});
					}
				}
				const expect = (subject: string): Promise<void> => new Promise((resolve) => arrivals.set(subject, { n: 0, done: resolve, at: 0 }));

				const latencies: number[] = [];
				for (let i = 0; i < sequential; i++) {
					const subject = `seq-${i}`;
					const arrived = expect(subject);
					const t0 = performance.now();
					await one.sendMail({ from: `sender${i % SENDERS}@customer.test`, to: ADDRESS, subject, text: `mail ${i}` });
					await arrived;
					latencies.push(arrivals.get(subject)!.at - t0);
				}
				one.close();

				const CONNECTIONS = 8;
				const pool = smtp(CONNECTIONS);
				const all: Array<Promise<void>> = [];
				const t0 = performance.now();
				const sends: Array<Promise<unknown>> = [];
				for (let i = 0; i < burst; i++) {
					const subject = `burst-${i}`;
					all.push(expect(subject));
					sends.push(pool.sendMail({ from: `sender${i % SENDERS}@customer.test`, to: ADDRESS, subject, text: `mail ${i}` }));
				}
				await Promise.all(sends);
				const acceptedAt = performance.now();
				await Promise.all(all);
				const inboundElapsed = (performance.now() - t0) / 1000;
				pool.close();

				// Outbound: replies written by the owner's replica, until the SMTP server has them all.
				const writer = new SyncClient({ url: server.url, token: owner });
				await writer.connect();
				clients.push(writer);
				const before = sink.mails.length;
				const o0 = performance.now();
				for (let i = 0; i < outbound; i++) {
					const d = docs[i % docs.length]!;
					writer.edit(d, (y) =>
						contactDoc(y).thread.append({
							id: asEntryId(newId()),
							kind: 'message',
							direction: 'out',
							channelId: asChannelId(ch.id),
							at: Date.now(),
							author: { type: 'user', id: 'u-olivia' },
							body: { type: 'email', text: `reply ${i}`, email: { subject: `Re: reply ${i}`, to: [] } }
						})
					);
				}
				await waitFor(() => sink.mails.length - before >= outbound, 300_000, 'every reply at the SMTP server');
				const outboundElapsed = (performance.now() - o0) / 1000;
				ctx.log(`sequential ${sequential}, burst ${burst} over ${CONNECTIONS} SMTP connections, ${AGENTS} agents; ${outbound} replies (outbox concurrency 8)`);
				return [
					{ figure: `SMTP mail -> all ${AGENTS} agents' replicas, p50 (one at a time)`, value: percentile(latencies, 50), unit: 'ms' },
					{ figure: `SMTP mail -> all ${AGENTS} agents' replicas, p95 (one at a time)`, value: percentile(latencies, 95), unit: 'ms' },
					{ figure: `sustained inbound mail, delivered to all ${AGENTS} agents (${burst} mails, ${CONNECTIONS} connections)`, value: burst / inboundElapsed, unit: 'mail/s' },
					{ figure: 'sustained inbound mail, accepted by the receiver (250)', value: burst / ((acceptedAt - t0) / 1000), unit: 'mail/s' },
					{ figure: `outbound replies sent to a local SMTP server (${outbound})`, value: outbound / outboundElapsed, unit: 'mail/s' }
				];
			} finally {
				for (const c of clients) c.close();
				await server.destroy();
				await sink.close();
			}
		}
	}
];
