/**
 * Channels (issue "Channels"): an inbound webhook message, from the signed POST to the moment
 * every one of 20 connected agents holds it in their replica (their /sync socket applied the
 * update), as p50/p95 latency of messages sent one at a time, and as sustained throughput with
 * many requests in flight. Real server on 127.0.0.1 port 0 (SQLite; an inbound message is fsynced before it is acknowledged), real
 * HTTP client (fetch, keep-alive), 20 real /sync clients of 20 distinct users.
 */
import { contactDoc } from '../src/lib/doc';
import { contactDocId } from '../src/lib/domain/ids';
import type { ContactId, DocId } from '../src/lib/domain/types';
import { sign } from '../sync-server/src/channels/signature';
import { startTestServer } from '../sync-server/test/helpers/server';
import { SyncClient, login, waitFor } from '../sync-server/test/helpers/sync-client';
import { percentile, type Benchmark, type Figure } from './harness';

const AGENTS = 20;
const SENDERS = 50;

async function post(url: string, secret: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
	const text = JSON.stringify(body);
	const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-parley-signature': sign(secret, text) }, body: text });
	return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export const benchmarks: Benchmark[] = [
	{
		name: 'channels: inbound webhook to 20 agents',
		async run(ctx): Promise<Figure[]> {
			const sequential = ctx.quick ? 40 : 300;
			const burst = ctx.quick ? 200 : 3000;
			const server = await startTestServer({
				seed: { contacts: 50, messagesPerContact: 2, seed: ctx.seed },
				loginLimits: { perAccount: { limit: 1000, windowMs: 60_000 }, perAddress: { limit: 1000, windowMs: 60_000 } }
			});
			const clients: SyncClient[] = [];
			try {
				const owner = (await login(server.url, 'owner@demo.test')).accessToken;
				const auth = { authorization: `Bearer ${owner}`, 'content-type': 'application/json' };
				const ch = (await (await fetch(`${server.url}/api/directory/channels`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'Bench', kind: 'webhook', url: 'https://example.invalid/hook' }) })).json()) as { id: string; secret: string };
				const inbound = `${server.url}/api/channels/${ch.id}/inbound`;
				// 20 agents, unrestricted, each with their own login and socket.
				for (let i = 0; i < AGENTS; i++) {
					const email = `bench-agent-${i}@demo.test`;
					const r = await fetch(`${server.url}/api/directory/users`, { method: 'POST', headers: auth, body: JSON.stringify({ name: `Agent ${i}`, email, role: 'agent', restriction: 'none', password: 'parley-demo' }) });
					if (r.status !== 201) throw new Error(`user ${i}: ${r.status}`);
					const c = new SyncClient({ url: server.url, token: (await login(server.url, email)).accessToken });
					await c.connect();
					clients.push(c);
				}
				// The senders' contacts exist (created by their first message) and every agent holds them.
				const docs: DocId[] = [];
				for (let s = 0; s < SENDERS; s++) {
					const r = await post(inbound, ch.secret, { messageId: `warm-${s}`, contact: { externalId: `sender-${s}`, firstName: `Sender ${s}` }, text: 'hello' });
					docs.push(contactDocId(r.json.contactId as ContactId));
				}
				await waitFor(() => clients.every((c) => docs.every((d) => c.docs.has(d) && contactDoc(c.doc(d)).thread.entries().some((e) => e.kind === 'message'))), 60_000, 'warm-up at every agent');

				// Arrival of each marker text at each agent, from thread observers.
				const arrivals = new Map<string, { n: number; done: () => void; at: number }>();
				for (const c of clients) {
					for (const d of docs) {
						const cd = contactDoc(c.doc(d));
						cd.thread.observe((added) => {
							for (const id of added) {
								const e = cd.thread.get(id);
								if (e?.kind !== 'message' || !e.body.text) continue;
								const a = arrivals.get(e.body.text);
								if (a && ++a.n === AGENTS) {
									a.at = performance.now();
									a.done();
								}
							}
						});
					}
				}
				const expect = (text: string): Promise<void> =>
					new Promise((resolve) => arrivals.set(text, { n: 0, done: resolve, at: 0 }));

				const latencies: number[] = [];
				for (let i = 0; i < sequential; i++) {
					const text = `seq-${i}`;
					const arrived = expect(text);
					const t0 = performance.now();
					const r = await post(inbound, ch.secret, { messageId: text, contact: { externalId: `sender-${i % SENDERS}` }, text });
					if (r.status !== 201) throw new Error(`inbound ${i}: ${r.status}`);
					await arrived;
					latencies.push(arrivals.get(text)!.at - t0);
				}

				const IN_FLIGHT = 64;
				const all: Array<Promise<void>> = [];
				const t0 = performance.now();
				let next = 0;
				let acked = 0;
				let ackedAt = 0;
				const worker = async () => {
					while (next < burst) {
						const i = next++;
						const text = `burst-${i}`;
						all.push(expect(text));
						const r = await post(inbound, ch.secret, { messageId: text, contact: { externalId: `sender-${i % SENDERS}` }, text });
						if (r.status !== 201) throw new Error(`burst ${i}: ${r.status}`);
						if (++acked === burst) ackedAt = performance.now();
					}
				};
				await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
				await Promise.all(all);
				const elapsed = (performance.now() - t0) / 1000;
				ctx.log(`sequential ${sequential}, burst ${burst} with ${IN_FLIGHT} requests in flight, ${AGENTS} agents`);
				return [
					{ figure: `inbound -> all ${AGENTS} agents' replicas, p50 (one at a time)`, value: percentile(latencies, 50), unit: 'ms' },
					{ figure: `inbound -> all ${AGENTS} agents' replicas, p95 (one at a time)`, value: percentile(latencies, 95), unit: 'ms' },
					{ figure: `sustained inbound, delivered to all ${AGENTS} agents (${burst} msgs, ${IN_FLIGHT} in flight)`, value: burst / elapsed, unit: 'msg/s' },
					{ figure: 'sustained inbound, accepted by the server (201)', value: burst / ((ackedAt - t0) / 1000), unit: 'msg/s' }
				];
			} finally {
				for (const c of clients) c.close();
				await server.destroy();
			}
		}
	}
];
