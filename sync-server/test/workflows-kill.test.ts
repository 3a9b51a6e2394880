// Workflow runs across kill -9: 50 runs with sends and waits (for a duration, and for the
// contact's reply), the server process killed at random points and restarted. After the last
// restart every run completes; each message reaches the receiver exactly once (its log,
// deduplicated by Idempotency-Key as a receiver does) and sits in the thread once; no step is
// repeated (one started and one ended event per run, each message once). Every other life of
// the server kills itself right after a step's effect is stored, before the run's move is
// (PARLEY_TEST_KILL_AFTER_EFFECT): the window in which a step would be repeated.
// SPEC S7.7, S5.5
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { contactDocId } from '../../src/lib/domain/ids';
import type { ContactId, Entry } from '../../src/lib/domain/types';
import { api, postSigned, startReceiver, type Receiver } from './channels-helpers';
import { killChild, spawnServer, type ChildServer } from './helpers/child';
import { tempDir } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';

const RUNS = 50;
const KILLS = 3;

describe('workflow runs across SIGKILL', () => {
	const dataDir = tempDir('parley-workflows-kill-');
	let child: ChildServer | undefined;
	let receiver: Receiver | undefined;
	const clients: SyncClient[] = [];
	afterEach(async () => {
		for (const c of clients.splice(0)) c.close();
		await killChild(child);
		await receiver?.close();
		rmSync(dataDir, { recursive: true, force: true });
	});

	it('completes every run, delivers every message once and repeats no step', async () => {
		const seed = Number(process.env.SEED ?? Date.now() % 100_000);
		let s = seed;
		const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
		console.log(`workflows-kill seed ${seed}`);
		const env = { DATA_DIR: dataDir, DEMO_CONTACTS: '4', ALLOW_LOOPBACK_CHANNELS: '1' };
		receiver = await startReceiver();
		child = await spawnServer(env);
		let token = (await login(child.url, 'owner@demo.test')).accessToken;
		const ch = await api(child.url, token, 'POST', '/api/directory/channels', { name: 'Hook', kind: 'webhook', url: receiver.url });
		const channelId = ch.json.id as string;
		const secret = ch.json.secret as string;
		const wf = await api(child.url, token, 'POST', '/api/workflows', {
			definition: {
				name: 'Drip',
				trigger: { type: 'shortcut' },
				steps: [
					{ type: 'send_message', text: 'one' },
					{ type: 'wait', minutes: 0.02 },
					{ type: 'send_message', text: 'two' },
					{ type: 'wait', minutes: 0.04, forReply: true },
					{ type: 'tag', op: 'add', tag: 'dripped' },
					{ type: 'send_message', text: 'three {{vars.replied}}' }
				]
			}
		});
		expect(wf.status).toBe(201);
		const workflowId = wf.json.id as string;
		let mid = 0;
		const inbound = async (externalId: string, text: string): Promise<ContactId> => {
			const res = await postSigned(`${child!.url}/api/channels/${channelId}/inbound`, secret, { messageId: `k-${externalId}-${++mid}`, contact: { externalId, firstName: 'K' }, text });
			expect(res.status).toBeLessThan(300);
			return res.json.contactId as ContactId;
		};
		const contacts: ContactId[] = [];
		for (let i = 0; i < RUNS; i++) contacts.push(await inbound(`x${i}`, 'hello'));
		for (const c of contacts) expect((await api(child.url, token, 'POST', `/api/contacts/${c}/shortcuts/${workflowId}`)).status).toBe(201);

		// Kill at random points while the runs send and wait; some contacts reply meanwhile (a reply
		// before the wait for it began does not end that wait: such runs go on after its timeout).
		const replied = new Set<ContactId>();
		for (let k = 0; k < KILLS; k++) {
			await new Promise((r) => setTimeout(r, 100 + rand() * 1200));
			for (const c of contacts.filter((_, i) => i % 2 === 0 && rand() < 0.4 && !replied.has(contacts[i]!))) {
				try {
					await inbound(`x${contacts.indexOf(c)}`, 'my reply');
					replied.add(c);
				} catch {
					// The server may be restarting: that contact simply times out instead.
				}
			}
			child.process.kill('SIGKILL');
			await child.exited;
			// Every other life dies by itself right after a step's effect is stored and before the
			// run's move is: the window where a repeated step would show.
			child = await spawnServer(k % 2 === 0 ? { ...env, PARLEY_TEST_KILL_AFTER_EFFECT: String(1 + Math.floor(rand() * 20)) } : env);
		}
		// The last life may have died by itself: one more, without the fault, finishes the runs.
		if (child.process.exitCode !== null || child.process.signalCode !== null) child = await spawnServer(env);
		else {
			child.process.kill('SIGKILL');
			await child.exited;
			child = await spawnServer(env);
		}
		token = (await login(child.url, 'owner@demo.test')).accessToken;
		await waitFor(
			async () => {
				const runs = (await api(child!.url, token, 'GET', `/api/workflows/${workflowId}/runs`)).json.runs as Array<{ status: string }>;
				return runs.length === RUNS && runs.every((r) => r.status === 'done');
			},
			90_000,
			'every run done'
		);
		await waitFor(() => receiver!.processed.size >= RUNS * 3, 60_000, 'every message at the receiver');
		expect(receiver.processed.size, 'distinct messages the receiver processed').toBe(RUNS * 3);

		const agent = new SyncClient({ url: child.url, token });
		clients.push(agent);
		await agent.connect();
		for (const c of contacts) {
			const docId = contactDocId(c);
			await waitFor(() => agent.docs.has(docId), 10_000, `doc ${docId}`);
			const entries: Entry[] = contactDoc(agent.doc(docId)).thread.ordered();
			const sent = entries.filter((e) => e.kind === 'message' && e.author.type === 'workflow').map((e) => (e.kind === 'message' ? e.body.text : ''));
			expect(sent.slice(0, 2)).toEqual(['one', 'two']);
			expect(sent).toHaveLength(3);
			expect(sent[2]).toMatch(/^three (yes|no)$/);
			expect(entries.filter((e) => e.kind === 'event' && e.type === 'workflow_started')).toHaveLength(1);
			expect(entries.filter((e) => e.kind === 'event' && e.type === 'workflow_ended')).toHaveLength(1);
			expect(contactDoc(agent.doc(docId)).profile.get().tags).toEqual(['dripped']);
			// The receiver processed each of them once (a re-POST after a kill is a duplicate).
			const ids = entries.filter((e) => e.kind === 'message' && e.author.type === 'workflow').map((e) => e.id);
			for (const id of ids) expect(receiver.processed.has(id)).toBe(true);
		}
		const texts = [...receiver.processed.values()].map((r) => `${(r.json.contact as { id: string }).id}:${String(r.json.text).split(' ')[0]}`);
		expect(new Set(texts).size).toBe(RUNS * 3);
	}, 300_000);
});
