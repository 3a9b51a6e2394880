// Workflows, shortcuts and the bot through the public interfaces: the HTTP API, signed webhook
// messages from contacts, a real receiver of outgoing messages, and the thread read by an agent
// over /sync.
// SPEC S7.7, S7.8, S5.5
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { DEMO_TEAMS } from '../../src/lib/demo/generate';
import { contactDocId } from '../../src/lib/domain/ids';
import type { ContactId, DocId, Entry, EventEntry } from '../../src/lib/domain/types';
import type { WorkflowDefinition } from '../../src/lib/domain/workflows';
import { api, AwarenessSocket, postSigned, startWebhookBench, type Receiver, type WebhookBench } from './channels-helpers';
import { startTestServer } from './helpers/server';
import { type SyncClient, login, waitFor } from './helpers/sync-client';

describe('workflows', () => {
	let bench: WebhookBench;
	let server: WebhookBench['server'];
	let receiver: Receiver;
	let owner: SyncClient;
	let token: string;
	let channelId: string;
	let secret: string;
	let n = 0;

	beforeAll(async () => {
		bench = await startWebhookBench('WA');
		({ server, receiver, owner, token, channelId, secret } = bench);
	}, 60_000);

	afterAll(async () => {
		await bench?.close();
	});

	const publish = async (definition: WorkflowDefinition): Promise<string> => {
		const res = await api(server.url, token, 'POST', '/api/workflows', { definition });
		expect(res.status, JSON.stringify(res.json)).toBe(201);
		return res.json.id as string;
	};
	const inbound = async (externalId: string, text: string): Promise<ContactId> => {
		const res = await postSigned(`${server.url}/api/channels/${channelId}/inbound`, secret, { messageId: `m-${++n}`, contact: { externalId, firstName: 'Zoe' }, text });
		expect(res.status).toBeLessThan(300);
		return res.json.contactId as ContactId;
	};
	const thread = (docId: DocId): Entry[] => contactDoc(owner.doc(docId)).thread.ordered();
	const events = (docId: DocId, type: string): EventEntry[] => thread(docId).filter((e): e is EventEntry => e.kind === 'event' && e.type === type);
	const sentTo = (contactId: string) => receiver.requests.filter((r) => (r.json.contact as { id: string } | undefined)?.id === contactId && !r.duplicate);

	it('greets a new contact, waits for the reply, then assigns Support round robin', async () => {
		const id = await publish({
			name: 'Welcome',
			trigger: { type: 'conversation_opened', sources: ['contact'] },
			steps: [
				{ type: 'send_message', text: 'Hello {{contact.firstName}}, how can we help?' },
				{ type: 'wait', minutes: 30, forReply: true },
				{ type: 'assign', to: { kind: 'round_robin', teamId: DEMO_TEAMS.support } }
			]
		});
		const contactId = await inbound('wf-welcome', 'hi');
		const docId = contactDocId(contactId);
		await waitFor(() => sentTo(contactId).length === 1, 15_000, 'the greeting at the receiver');
		expect(sentTo(contactId)[0]!.json).toMatchObject({ text: 'Hello Zoe, how can we help?' });
		await waitFor(() => events(docId, 'workflow_started').length === 1, 10_000, 'started event');
		const runs = await api(server.url, token, 'GET', `/api/contacts/${contactId}/runs`);
		expect(runs.json.runs).toMatchObject([{ workflowId: id, status: 'waiting', waitingForReply: true, name: 'Welcome' }]);
		await inbound('wf-welcome', 'I need help with my order');
		await waitFor(() => contactDoc(owner.doc(docId)).assignment.get().userId !== null, 15_000, 'assigned after the reply');
		const assigned = events(docId, 'assigned');
		expect(assigned.at(-1)).toMatchObject({ source: 'workflow', author: { type: 'workflow', id } });
		expect(contactDoc(owner.doc(docId)).assignment.get().teamId).toBe(DEMO_TEAMS.support);
		await waitFor(() => events(docId, 'workflow_ended').length === 1, 10_000, 'ended event');
		expect(events(docId, 'workflow_ended')[0]!.data).toMatchObject({ status: 'done' });
		// The second message did not greet again: one conversation, one greeting.
		expect(sentTo(contactId)).toHaveLength(1);
		await api(server.url, token, 'PATCH', `/api/workflows/${id}`, { enabled: false });
	}, 60_000);

	it('starts a shortcut from the console and stops the running workflow', async () => {
		const id = await publish({
			name: 'Escalate to manager',
			trigger: { type: 'shortcut' },
			steps: [
				{ type: 'tag', op: 'add', tag: 'escalated' },
				{ type: 'comment', text: 'Escalated for {{contact.firstName}}' },
				{ type: 'wait', minutes: 60 },
				{ type: 'status', to: 'closed' }
			]
		});
		const contactId = await inbound('wf-short', 'hello');
		const docId = contactDocId(contactId);
		const list = await api(server.url, token, 'GET', `/api/contacts/${contactId}/shortcuts`);
		expect(list.json.shortcuts).toEqual([{ id, name: 'Escalate to manager', steps: 4 }]);
		const started = await api(server.url, token, 'POST', `/api/contacts/${contactId}/shortcuts/${id}`);
		expect(started.status).toBe(201);
		await waitFor(() => contactDoc(owner.doc(docId)).profile.get().tags.includes('escalated'), 10_000, 'tag added');
		await waitFor(() => thread(docId).some((e) => e.kind === 'comment' && e.author.type === 'workflow'), 10_000, 'comment');
		await waitFor(async () => ((await api(server.url, token, 'GET', `/api/contacts/${contactId}/runs`)).json.runs as unknown[]).length === 1, 10_000, 'running');
		// A user who may not see the contact gets nothing (S1.9).
		const sue = (await login(server.url, 'sue@demo.test')).accessToken;
		expect((await api(server.url, sue, 'GET', `/api/contacts/${contactId}/runs`)).status).toBe(404);
		expect((await api(server.url, sue, 'POST', `/api/contacts/${contactId}/shortcuts/${id}`)).status).toBe(404);
		const stop = await api(server.url, token, 'POST', `/api/contacts/${contactId}/runs/stop`, {});
		expect(stop.json).toEqual({ stopped: 1 });
		await waitFor(() => events(docId, 'workflow_ended').length === 1, 10_000, 'ended by the user');
		expect(events(docId, 'workflow_ended')[0]).toMatchObject({ source: 'user', data: { status: 'stopped' } });
		expect((await api(server.url, token, 'GET', `/api/contacts/${contactId}/runs`)).json.runs).toEqual([]);
		expect(contactDoc(owner.doc(docId)).state.get().status).toBe('open');
	}, 60_000);

	it('branches on an advanced filter of the custom inboxes, read from the contact', async () => {
		// SPEC S4.4, S7.7
		const id = await publish({
			name: 'Route by filter',
			trigger: { type: 'shortcut' },
			steps: [
				{
					type: 'branch',
					branches: [{ name: 'open and unassigned', when: { kind: 'filter', filter: { groups: [[{ field: 'status', op: 'is', value: 'open' }, { field: 'assignee', op: 'is', value: 'unassigned' }]] } }, steps: [{ type: 'comment', text: 'filter matched' }] }],
					otherwise: [{ type: 'comment', text: 'filter did not match' }]
				}
			]
		});
		const contactId = await inbound('wf-filter', 'hello');
		const docId = contactDocId(contactId);
		await api(server.url, token, 'POST', `/api/contacts/${contactId}/shortcuts/${id}`);
		await waitFor(() => thread(docId).some((e) => e.kind === 'comment' && e.author.type === 'workflow'), 10_000, 'a comment');
		expect(thread(docId).filter((e) => e.kind === 'comment').map((e) => (e.kind === 'comment' ? e.text : ''))).toEqual(['filter matched']);
	});

	it('calls an HTTP service through the guarded client and maps its answer into fields', async () => {
		// SPEC S7.7 (HTTP request step)
		const id = await publish({
			name: 'Enrich',
			trigger: { type: 'shortcut' },
			steps: [
				{ type: 'http', method: 'POST', url: `${receiver.url}?who={{contact.firstName}}`, body: '{"lookup":"{{contact.firstName}}"}', map: [{ path: 'profile.country', field: 'country' }] },
				{ type: 'comment', text: 'status {{vars.http_status}}' }
			]
		});
		const contactId = await inbound('wf-http', 'hello');
		const docId = contactDocId(contactId);
		const before = receiver.script;
		receiver.script = (req) => (req.json.lookup === 'Zoe' ? { status: 200, body: '{"profile":{"country":"FR"}}' } : before(req, 0));
		try {
			await api(server.url, token, 'POST', `/api/contacts/${contactId}/shortcuts/${id}`);
			await waitFor(() => contactDoc(owner.doc(docId)).profile.get().country === 'FR', 10_000, 'the mapped field');
			await waitFor(() => thread(docId).some((e) => e.kind === 'comment' && e.text === 'status 200'), 10_000, 'the status in a variable');
			const call = receiver.requests.find((r) => r.json.lookup === 'Zoe')!;
			expect(call.headers['idempotency-key']).toMatch(/^[A-Za-z0-9_-]+:0$/);
		} finally {
			receiver.script = before;
		}
	});

	it('refuses to publish a step that refers to a deleted team', async () => {
		const res = await api(server.url, token, 'POST', '/api/workflows', {
			definition: { name: 'Broken', trigger: { type: 'shortcut' }, steps: [{ type: 'assign', to: { kind: 'team', teamId: 't-gone' } }] }
		});
		expect(res.status).toBe(422);
		expect(res.json.error).toMatchObject({ code: 'invalid_workflow', problems: [{ pos: [0], code: 'broken_team', ref: 't-gone' }] });
		const agent = (await login(server.url, 'ana@demo.test')).accessToken;
		expect((await api(server.url, agent, 'GET', '/api/workflows')).status).toBe(403);
	});

	it('stops a workflow that sets itself off with a clear error', async () => {
		const id = await publish({
			name: 'Loop',
			trigger: { type: 'tag_added', tag: 'loop' },
			steps: [
				{ type: 'tag', op: 'remove', tag: 'loop' },
				{ type: 'tag', op: 'add', tag: 'loop' }
			]
		});
		const contactId = await inbound('wf-loop', 'hello');
		const docId = contactDocId(contactId);
		const sc = await publish({ name: 'Tag loop', trigger: { type: 'shortcut' }, steps: [{ type: 'tag', op: 'add', tag: 'loop' }] });
		await api(server.url, token, 'POST', `/api/contacts/${contactId}/shortcuts/${sc}`);
		await waitFor(() => events(docId, 'workflow_ended').some((e) => String(e.data.error ?? '').startsWith('step_limit')), 60_000, 'the loop stopped');
		const runs = (await api(server.url, token, 'GET', `/api/workflows/${id}/runs`)).json.runs as Array<{ status: string; error: string | null }>;
		expect(runs.filter((r) => r.status === 'failed').map((r) => r.error)).toEqual([expect.stringMatching(/^step_limit/)]);
		await server.workflows.engine.idle();
		expect((await api(server.url, token, 'GET', `/api/contacts/${contactId}/runs`)).json.runs).toEqual([]);
		await api(server.url, token, 'PATCH', `/api/workflows/${id}`, { enabled: false });
	}, 90_000);

	it('the bot answers a FAQ word, and stays quiet once turned off for the contact', async () => {
		const cfg = {
			enabled: true,
			welcome: '',
			officeHours: null,
			away: '',
			faq: [{ words: ['price', 'pricing'], answer: 'Plans start at 10 EUR a month.' }],
			handoverWords: ['human'],
			handoverTeamId: DEMO_TEAMS.support,
			handoverMessage: 'Passing you to our team.',
			stopOnAgentReply: true
		};
		expect((await api(server.url, token, 'PATCH', `/api/bot/${channelId}`, cfg)).status).toBe(200);
		const contactId = await inbound('wf-bot', 'What is the price?');
		const docId = contactDocId(contactId);
		await waitFor(() => sentTo(contactId).length === 1, 15_000, 'the FAQ answer');
		expect(sentTo(contactId)[0]!.json).toMatchObject({ text: 'Plans start at 10 EUR a month.' });
		await waitFor(() => thread(docId).some((e) => e.kind === 'message' && e.author.type === 'bot'), 10_000, 'bot message in the thread');
		const off = await api(server.url, token, 'POST', `/api/contacts/${contactId}/bot`, { on: false });
		expect(off.json).toEqual({ on: false, changed: true });
		await waitFor(() => events(docId, 'bot_off').length === 1, 10_000, 'bot_off event');
		expect(events(docId, 'bot_off')[0]).toMatchObject({ source: 'user', author: { type: 'user', id: 'u-olivia' } });
		await inbound('wf-bot', 'and the pricing for teams?');
		await waitFor(() => thread(docId).filter((e) => e.kind === 'message' && e.direction === 'in').length === 2, 10_000, 'second message');
		// The bot decided on the message when it was stored (before the inbound answer): let it finish.
		await server.workflows.bot.idle();
		expect(thread(docId).filter((e) => e.kind === 'message' && e.author.type === 'bot')).toHaveLength(1);
		expect(sentTo(contactId)).toHaveLength(1);
	}, 60_000);

	it('the bot types before it answers, as a bot author on the contact awareness', async () => {
		// SPEC S5.8, S7.8 (the bot's settings on this channel come from the previous test)
		const contactId = await inbound('wf-typing', 'good morning');
		const docId = contactDocId(contactId);
		await waitFor(() => owner.docs.has(docId), 10_000, 'the new contact at the owner');
		const socket = await AwarenessSocket.open(server.url, token);
		try {
			await inbound('wf-typing', 'any pricing news?');
			await waitFor(() => thread(docId).some((e) => e.kind === 'message' && e.author.type === 'bot'), 15_000, 'the answer');
			const bot = socket.received.filter((r) => r.docId === docId && (r.state as { user?: { kind?: string } } | null)?.user?.kind === 'bot');
			expect(bot.length).toBeGreaterThan(0);
			expect(bot[0]!.state).toMatchObject({ user: { kind: 'bot', id: 'bot' }, typing: { composer: 'reply' } });
		} finally {
			socket.close();
		}
	}, 60_000);
});

describe('the demo automation', () => {
	// SPEC S7.7, S7.8: the demo workspace starts with a welcome bot and two workflows.
	it('seeds a valid welcome bot and two workflows once', async () => {
		const server = await startTestServer({ demoWorkflows: true });
		try {
			const token = (await login(server.url, 'owner@demo.test')).accessToken;
			const list = (await api(server.url, token, 'GET', '/api/workflows')).json.workflows as Array<{ definition: { name: string }; problems: unknown[]; enabled: boolean }>;
			expect(list.map((w) => [w.definition.name, w.problems, w.enabled])).toEqual([
				['Escalate to manager', [], true],
				['Welcome and route', [], true]
			]);
			const bots = (await api(server.url, token, 'GET', '/api/bot')).json.channels as Record<string, { enabled: boolean }>;
			expect(bots['ch-webchat']).toMatchObject({ enabled: true });
		} finally {
			await server.destroy();
		}
	}, 60_000);
});
