/**
 * Workflows (issue 23, SPEC S7.7):
 * - trigger to first step applied: a signed inbound webhook message (a new contact each time)
 *   until the workflow's message is stored (seen by a write hook on the server), p50/p95 of
 *   messages sent one at a time. Real server on 127.0.0.1 port 0, SQLite.
 * - 1,000 concurrent waiting runs: the server process's resident memory with them waiting
 *   (against the same process before they started), then the process killed (SIGKILL) while
 *   they wait, restarted after their wait ended, and the time from the restart's spawn until
 *   every run has taken its step after the wait (read from the store's run rows).
 */
import Database from 'better-sqlite3';
import { readFileSync, rmSync } from 'node:fs';
import { contactUpdateKeys } from '../src/lib/doc';
import type { EntryId } from '../src/lib/domain/types';
import { sign } from '../sync-server/src/channels/signature';
import { spawnServer, type ChildServer } from '../sync-server/test/helpers/child';
import { startTestServer, tempDir } from '../sync-server/test/helpers/server';
import { login, waitFor } from '../sync-server/test/helpers/sync-client';
import { percentile, type Benchmark, type Figure } from './harness';

async function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
	const res = await fetch(`${base}${path}`, {
		method,
		headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
		...(body !== undefined ? { body: JSON.stringify(body) } : {})
	});
	const text = await res.text();
	return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function rssMiB(pid: number): number {
	const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return m ? Number(m[1]) / 1024 : NaN;
}

export const benchmarks: Benchmark[] = [
	{
		name: 'workflows: trigger to first step applied',
		async run(ctx): Promise<Figure[]> {
			const n = ctx.quick ? 30 : 300;
			const server = await startTestServer({ seed: { contacts: 20, messagesPerContact: 2, seed: ctx.seed } });
			try {
				const token = (await login(server.url, 'owner@demo.test')).accessToken;
				const ch = (await call(server.url, token, 'POST', '/api/directory/channels', { name: 'Bench', kind: 'webhook', url: 'https://example.invalid/hook' })).json as { id: string; secret: string };
				const wf = await call(server.url, token, 'POST', '/api/workflows', {
					definition: { name: 'Greet', trigger: { type: 'incoming_message' }, steps: [{ type: 'send_message', text: 'Hello {{contact.firstName}}' }] }
				});
				if (wf.status !== 201) throw new Error(`publish: ${wf.status}`);
				let seen: (() => void) | null = null;
				server.rooms.addHook({
					afterApply({ update, doc }) {
						if (!seen) return;
						for (const id of contactUpdateKeys(update).thread) {
							const e = doc.contact.thread.get(id as EntryId);
							if (e?.kind === 'message' && e.author.type === 'workflow') seen();
						}
					}
				});
				const inbound = `${server.url}/api/channels/${ch.id}/inbound`;
				const latencies: number[] = [];
				for (let i = 0; i < n; i++) {
					const text = JSON.stringify({ messageId: `b-${i}`, contact: { externalId: `bench-${i}`, firstName: `B${i}` }, text: 'hi' });
					const done = new Promise<void>((resolve) => (seen = resolve));
					const t0 = performance.now();
					await fetch(inbound, { method: 'POST', headers: { 'content-type': 'application/json', 'x-parley-signature': sign(ch.secret, text) }, body: text });
					await done;
					latencies.push(performance.now() - t0);
					seen = null;
				}
				return [
					{ figure: 'incoming message -> workflow message stored, p50', value: percentile(latencies, 50), unit: 'ms' },
					{ figure: 'incoming message -> workflow message stored, p95', value: percentile(latencies, 95), unit: 'ms' }
				];
			} finally {
				await server.destroy();
			}
		}
	},
	{
		name: 'workflows: 1,000 waiting runs across a restart',
		async run(ctx): Promise<Figure[]> {
			const runs = ctx.quick ? 100 : 1000;
			const dataDir = tempDir('parley-bench-workflows-');
			const env = { DATA_DIR: dataDir, DEMO_CONTACTS: String(runs) };
			let child: ChildServer | null = await spawnServer(env, 180_000);
			try {
				const token = (await login(child.url, 'owner@demo.test')).accessToken;
				const waitMinutes = ctx.quick ? 0.5 : 1.5;
				const wf = await call(child.url, token, 'POST', '/api/workflows', {
					definition: { name: 'Wait', trigger: { type: 'shortcut' }, steps: [{ type: 'wait', minutes: waitMinutes }, { type: 'tag', op: 'add', tag: 'resumed' }] }
				});
				const workflowId = wf.json.id as string;
				const db = new Database(`${dataDir}/parley.db`, { readonly: true, fileMustExist: true });
				const contacts = (db.prepare("SELECT DISTINCT doc_id FROM updates WHERE doc_id LIKE 'c/%'").all() as Array<{ doc_id: string }>).map((r) => r.doc_id.slice(2)).slice(0, runs);
				const before = rssMiB(child.process.pid!);
				const t0 = performance.now();
				for (let i = 0; i < contacts.length; i += 20) {
					await Promise.all(contacts.slice(i, i + 20).map((c) => call(child!.url, token, 'POST', `/api/contacts/${c}/shortcuts/${workflowId}`)));
				}
				const count = (status: string) => (db.prepare('SELECT COUNT(*) AS n FROM workflow_runs WHERE status = ?').get(status) as { n: number }).n;
				await waitFor(() => count('waiting') === contacts.length, 120_000, 'every run waiting');
				const startMs = performance.now() - t0;
				const waiting = rssMiB(child.process.pid!);
				const waitEndsAt = Date.now() + waitMinutes * 60_000 - (performance.now() - t0);
				child.process.kill('SIGKILL');
				await child.exited;
				child = null;
				// Restart once every wait has ended: all of them are due at once.
				while (Date.now() < waitEndsAt + 1000) await new Promise((r) => setTimeout(r, 200));
				const r0 = performance.now();
				child = await spawnServer(env, 180_000);
				const listening = performance.now() - r0;
				await waitFor(() => count('done') === contacts.length, 300_000, 'every run resumed and done');
				const resumed = performance.now() - r0;
				const after = rssMiB(child.process.pid!);
				db.close();
				return [
					{ figure: `${contacts.length} runs started by shortcut (to all waiting)`, value: startMs, unit: 'ms' },
					{ figure: `server RSS before / with ${contacts.length} waiting runs`, value: waiting, unit: 'MiB', baseline: { label: 'before', value: before } },
					{ figure: `restart (spawn to listening)`, value: listening, unit: 'ms' },
					{ figure: `restart -> all ${contacts.length} runs resumed and done`, value: resumed, unit: 'ms' },
					{ figure: `server RSS after resuming them`, value: after, unit: 'MiB' }
				];
			} finally {
				if (child && child.process.exitCode === null) {
					child.process.kill('SIGKILL');
					await child.exited;
				}
				rmSync(dataDir, { recursive: true, force: true });
			}
		}
	}
];
