// Workflow runs with two server processes on one PostgreSQL and one Redis: runs started through
// either process execute once (the lease's holder executes, each run under its claim), and when
// one process is killed with SIGKILL mid-way the other finishes every run: each message reaches
// the receiver once and sits in the thread once.
// SPEC S7.7; ARCHITECTURE "Server" (scale-out)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { contactDocId } from '../../src/lib/domain/ids';
import type { ContactId } from '../../src/lib/domain/types';
import { DEMO_TEAMS, DEMO_USERS } from '../../src/lib/demo/generate';
import { DIR_DOC_ID } from '../../src/lib/domain/ids';
import { api, AwarenessSocket, postSigned, startReceiver, type Receiver } from './channels-helpers';
import { isRunning, killChild, spawnServer, type ChildServer } from './helpers/child';
import { freshDatabase, useServices } from './helpers/services';
import { tempDir } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';

const services = useServices();
const RUNS = 20;

describe('workflows on two processes', () => {
	let db: Awaited<ReturnType<typeof freshDatabase>>;
	const children: ChildServer[] = [];
	const clients: SyncClient[] = [];
	const sockets: AwarenessSocket[] = [];
	let receiver: Receiver;
	const dataDir = tempDir('parley-wf-scaleout-');

	const spawn = async (): Promise<ChildServer> => {
		const c = await spawnServer({ DATABASE_URL: db.url, REDIS_URL: services.current().redisUrl, DATA_DIR: dataDir, DEMO_CONTACTS: '4', ALLOW_LOOPBACK_CHANNELS: '1' });
		children.push(c);
		return c;
	};

	beforeAll(async () => {
		db = await freshDatabase(services.current().pgUrl);
		receiver = await startReceiver();
	}, 60_000);

	afterAll(async () => {
		for (const c of clients) c.close();
		for (const s of sockets) s.close();
		await Promise.all(children.map((c) => killChild(c)));
		await receiver?.close();
		await db?.drop();
	}, 60_000);

	it('executes each run once, and the survivor finishes them when a process is killed', async () => {
		const [a, b] = await Promise.all([spawn(), spawn()]);
		const tokenA = (await login(a.url, 'owner@demo.test')).accessToken;
		const tokenB = (await login(b.url, 'owner@demo.test')).accessToken;
		const ch = await api(a.url, tokenA, 'POST', '/api/directory/channels', { name: 'Hook', kind: 'webhook', url: receiver.url });
		const channelId = ch.json.id as string;
		const secret = ch.json.secret as string;
		const wf = await api(a.url, tokenA, 'POST', '/api/workflows', {
			definition: { name: 'Two', trigger: { type: 'shortcut' }, steps: [{ type: 'send_message', text: 'one' }, { type: 'wait', minutes: 0.03 }, { type: 'send_message', text: 'two' }] }
		});
		expect(wf.status).toBe(201);
		const workflowId = wf.json.id as string;
		const contacts: ContactId[] = [];
		for (let i = 0; i < RUNS; i++) {
			const r = await postSigned(`${a.url}/api/channels/${channelId}/inbound`, secret, { messageId: `s-${i}`, contact: { externalId: `s${i}`, firstName: 'S' }, text: 'hi' });
			contacts.push(r.json.contactId as ContactId);
		}
		// Half started through each process (B learns of the workflow A published).
		for (const [i, c] of contacts.entries()) {
			const [url, token] = i % 2 === 0 ? [a.url, tokenA] : [b.url, tokenB];
			expect((await api(url, token, 'POST', `/api/contacts/${c}/shortcuts/${workflowId}`)).status).toBe(201);
		}
		await waitFor(() => receiver.processed.size >= RUNS / 2, 30_000, 'first messages going out');
		a.process.kill('SIGKILL');
		await a.exited;
		await waitFor(
			async () => {
				const runs = (await api(b.url, tokenB, 'GET', `/api/workflows/${workflowId}/runs`)).json.runs as Array<{ status: string }>;
				return runs.length === RUNS && runs.every((r) => r.status === 'done');
			},
			90_000,
			'every run done on the survivor'
		);
		await waitFor(() => receiver.processed.size === RUNS * 2, 60_000, 'every message at the receiver');
		const agent = new SyncClient({ url: b.url, token: tokenB });
		clients.push(agent);
		await agent.connect();
		for (const c of contacts) {
			const docId = contactDocId(c);
			await waitFor(() => agent.docs.has(docId), 10_000, docId);
			const sent = contactDoc(agent.doc(docId))
				.thread.ordered()
				.filter((e) => e.kind === 'message' && e.author.type === 'workflow')
				.map((e) => (e.kind === 'message' ? e.body.text : ''));
			expect(sent).toEqual(['one', 'two']);
		}
	}, 240_000);

	// SPEC S7.7 (each occurrence of a schedule runs once across processes)
	it('fires each occurrence of a schedule once though both processes look for it', async () => {
		const [c, d] = await Promise.all([spawn(), spawn()]);
		const tokenC = (await login(c.url, 'owner@demo.test')).accessToken;
		const tokenD = (await login(d.url, 'owner@demo.test')).accessToken;
		const ch = await api(c.url, tokenC, 'POST', '/api/directory/channels', { name: 'Sched hook', kind: 'webhook', url: receiver.url });
		const audience: string[] = [];
		for (let i = 0; i < 4; i++) {
			const r = await postSigned(`${c.url}/api/channels/${ch.json.id as string}/inbound`, ch.json.secret as string, { messageId: `o-${i}`, contact: { externalId: `o${i}`, firstName: `Minutely${i}` }, text: 'hi' });
			audience.push(r.json.contactId as string);
		}
		const wf = await api(d.url, tokenD, 'POST', '/api/workflows', {
			definition: {
				name: 'Every minute',
				trigger: { type: 'schedule', schedule: { kind: 'interval', every: 1, unit: 'minutes' }, audience: { groups: [[{ field: 'name', op: 'starts_with', value: 'minutely' }]] } },
				steps: [{ type: 'comment', text: 'tick' }]
			}
		});
		expect(wf.status, JSON.stringify(wf.json)).toBe(201);
		type History = { runs: Array<{ contactId: string; status: string }>; occurrences: Array<{ at: number; status: string; started: number }> };
		const history = async () => (await api(c.url, tokenC, 'GET', `/api/workflows/${wf.json.id as string}/runs`)).json as unknown as History;
		// The next minute's slot: recorded once, one run per contact, whichever process looked first.
		await waitFor(async () => (await history()).occurrences.some((o) => o.status === 'done'), 100_000, 'an occurrence processed');
		// Switched off: no new slot; one recorded meanwhile still finishes.
		await api(c.url, tokenC, 'PATCH', `/api/workflows/${wf.json.id as string}`, { enabled: false });
		await waitFor(
			async () => {
				const h = await history();
				return h.occurrences.every((o) => o.status === 'done') && h.runs.every((r) => r.status === 'done');
			},
			30_000,
			'every occurrence and run done'
		);
		const h = await history();
		expect(new Set(h.occurrences.map((o) => o.at)).size).toBe(h.occurrences.length);
		for (const o of h.occurrences) expect(o.started).toBe(audience.length);
		expect(h.runs.length).toBe(h.occurrences.length * audience.length);
		for (const id of audience) expect(h.runs.filter((r) => r.contactId === id).length).toBe(h.occurrences.length);
	}, 240_000);

	// SPEC S7.7 (round robin among the team's online agents, wherever they are connected)
	it('round robin counts the agents online on every process and gives each its turn once', async () => {
		// The processes the earlier cases left running (two are enough; a third only adds load).
		const running = children.filter(isRunning);
		const [c, d] = (running.length >= 2 ? running.slice(-2) : await Promise.all([spawn(), spawn()])) as [ChildServer, ChildServer];
		const owner = (await login(c.url, 'owner@demo.test')).accessToken;
		const online = { ana: DEMO_USERS.ana, sue: DEMO_USERS.sue } as const;
		// Ana's app is connected to one process, Sue's to the other; Marc (also Support) is not.
		const anaSocket = await AwarenessSocket.open(c.url, (await login(c.url, 'ana@demo.test')).accessToken);
		const sueSocket = await AwarenessSocket.open(d.url, (await login(d.url, 'sue@demo.test')).accessToken);
		sockets.push(anaSocket, sueSocket);
		const presence = (id: string) => ({ user: { kind: 'user', id, name: '' }, status: 'online', viewing: null }) as never;
		// A watcher on every live process (the owner's app there), open before the agents speak.
		const watchers: AwarenessSocket[] = [];
		for (const ch of children.filter(isRunning)) {
			const watcher = await AwarenessSocket.open(ch.url, (await login(ch.url, 'owner@demo.test')).accessToken);
			sockets.push(watcher);
			watchers.push(watcher);
		}
		anaSocket.publish(DIR_DOC_ID, presence(online.ana));
		sueSocket.publish(DIR_DOC_ID, presence(online.sue));
		// Each live process relays both states to its own sockets: the fan-out carried them everywhere.
		const seen = (w: AwarenessSocket, id: string) => w.received.some((r) => r.docId === DIR_DOC_ID && (r.state as { user?: { id?: string } } | null)?.user?.id === id);
		await waitFor(() => watchers.every((w) => seen(w, online.ana) && seen(w, online.sue)), 20_000, 'both agents present on every process');
		const ch = await api(c.url, owner, 'POST', '/api/directory/channels', { name: 'RR hook', kind: 'webhook', url: receiver.url });
		const wf = await api(c.url, owner, 'POST', '/api/workflows', { definition: { name: 'Route', trigger: { type: 'shortcut' }, steps: [{ type: 'assign', to: { kind: 'round_robin', teamId: DEMO_TEAMS.support } }] } });
		expect(wf.status).toBe(201);
		const viewer = new SyncClient({ url: d.url, token: (await login(d.url, 'owner@demo.test')).accessToken });
		clients.push(viewer);
		await viewer.connect();
		const assignees: string[] = [];
		for (let i = 0; i < 4; i++) {
			const r = await postSigned(`${c.url}/api/channels/${ch.json.id as string}/inbound`, ch.json.secret as string, { messageId: `rr-${i}`, contact: { externalId: `rr${i}`, firstName: 'R' }, text: 'hi' });
			const contactId = r.json.contactId as ContactId;
			// Started through either process; executed by whichever holds the lease.
			const [url, token] = i % 2 === 0 ? [c.url, owner] : [d.url, (await login(d.url, 'owner@demo.test')).accessToken];
			expect((await api(url, token, 'POST', `/api/contacts/${contactId}/shortcuts/${wf.json.id as string}`)).status).toBe(201);
			const docId = contactDocId(contactId);
			await waitFor(() => viewer.docs.has(docId) && contactDoc(viewer.doc(docId)).assignment.get().userId !== null, 30_000, `contact ${i} assigned`);
			assignees.push(contactDoc(viewer.doc(docId)).assignment.get().userId!);
		}
		// Only the online agents, each in turn: never Marc (offline), never one agent twice in a row.
		expect(assignees.every((a) => a === online.ana || a === online.sue)).toBe(true);
		expect(assignees.filter((a) => a === online.ana)).toHaveLength(2);
		for (let i = 1; i < assignees.length; i++) expect(assignees[i]).not.toBe(assignees[i - 1]);
	}, 240_000);
});
