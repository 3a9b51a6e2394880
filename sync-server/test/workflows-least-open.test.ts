// "Least open conversations" assigns to the team's agent with the fewest OPEN conversations:
// closed ones assigned to an agent do not count. Through the HTTP API (teams, shortcuts, a
// signed webhook contact) and the thread read by the owner over /sync.
// SPEC S7.7
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { DEMO_USERS } from '../../src/lib/demo/generate';
import { contactDocId } from '../../src/lib/domain/ids';
import type { ContactId } from '../../src/lib/domain/types';
import type { WorkflowDefinition } from '../../src/lib/domain/workflows';
import { api, postSigned, startWebhookBench, type WebhookBench } from './channels-helpers';
import { type SyncClient, waitFor } from './helpers/sync-client';

describe('workflows: least open conversations', () => {
	let bench: WebhookBench;
	let server: WebhookBench['server'];
	let owner: SyncClient;
	let token: string;
	let channelId: string;
	let secret: string;
	let n = 0;

	beforeAll(async () => {
		bench = await startWebhookBench('Least WA', { seed: { contacts: 0 } });
		({ server, owner, token, channelId, secret } = bench);
	}, 60_000);

	afterAll(async () => {
		await bench?.close();
	});

	const publish = async (definition: WorkflowDefinition): Promise<string> => {
		const res = await api(server.url, token, 'POST', '/api/workflows', { definition });
		expect(res.status, JSON.stringify(res.json)).toBe(201);
		return res.json.id as string;
	};
	const newContact = async (): Promise<ContactId> => {
		const res = await postSigned(`${server.url}/api/channels/${channelId}/inbound`, secret, { messageId: `lo-${++n}`, contact: { externalId: `lo-${n}`, firstName: `Lo${n}` }, text: 'hello' });
		expect(res.status).toBeLessThan(300);
		return res.json.contactId as ContactId;
	};
	const assignee = (id: ContactId) => contactDoc(owner.doc(contactDocId(id))).assignment.get().userId;
	const status = (id: ContactId) => contactDoc(owner.doc(contactDocId(id))).state.get().status;
	const start = async (contactId: ContactId, workflowId: string) => {
		const res = await api(server.url, token, 'POST', `/api/contacts/${contactId}/shortcuts/${workflowId}`, {});
		expect(res.status, JSON.stringify(res.json)).toBeLessThan(300);
	};

	it('counts open conversations only: an agent whose assigned conversations are all closed gets the next one', async () => {
		const team = await api(server.url, token, 'POST', '/api/directory/teams', { name: 'Least team' });
		expect(team.status).toBe(201);
		const teamId = team.json.id as string;
		for (const user of [DEMO_USERS.ana, DEMO_USERS.tom]) {
			const res = await api(server.url, token, 'PATCH', `/api/directory/users/${user}`, { teamIds: [teamId] });
			expect(res.status, JSON.stringify(res.json)).toBe(200);
		}
		const toAnaClosed = await publish({ name: 'To Ana, closed', trigger: { type: 'shortcut' }, steps: [{ type: 'assign', to: { kind: 'user', userId: DEMO_USERS.ana } }, { type: 'status', to: 'closed' }] });
		const toTom = await publish({ name: 'To Tom', trigger: { type: 'shortcut' }, steps: [{ type: 'assign', to: { kind: 'user', userId: DEMO_USERS.tom } }] });
		const leastOpen = await publish({ name: 'Least open', trigger: { type: 'shortcut' }, steps: [{ type: 'assign', to: { kind: 'least_open', teamId: teamId as never } }] });

		// Ana: three conversations, all closed. Tom: one, open.
		for (let i = 0; i < 3; i++) {
			const c = await newContact();
			await start(c, toAnaClosed);
			await waitFor(() => assignee(c) === DEMO_USERS.ana && status(c) === 'closed', 15_000, 'assigned to Ana and closed');
		}
		const t = await newContact();
		await start(t, toTom);
		await waitFor(() => assignee(t) === DEMO_USERS.tom, 15_000, 'assigned to Tom');
		expect(status(t)).toBe('open');

		// Ana has more conversations, but none open: she is the one with the least open.
		const next = await newContact();
		await start(next, leastOpen);
		await waitFor(() => assignee(next) !== null, 15_000, 'assigned by least open');
		expect(assignee(next)).toBe(DEMO_USERS.ana);
	}, 90_000);
});
