// SPEC S1.5 (custom inboxes: shared with everyone / teams / users, only the creator edits,
// others may hide), S1.9 (a definition reaches only the users it is shared with: zero bytes to
// the others, over HTTP and over the synced directory), S4.4 (the filter is checked).
import { afterEach, describe, expect, it } from 'vitest';
import { readCustomInboxesRev } from '../../src/lib/doc';
import { DEMO_TEAMS, DEMO_USERS } from '../../src/lib/demo/generate';
import { DIR_DOC_ID } from '../../src/lib/domain/ids';
import { SyncClient, login, waitFor } from './helpers/sync-client';
import { startTestServer, type TestServer } from './helpers/server';

interface Answer {
	status: number;
	text: string;
	json: Record<string, unknown> & { error?: { code: string } };
}

async function call(url: string, method: string, token: string, body?: unknown): Promise<Answer> {
	const res = await fetch(url, {
		method,
		headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
		...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {})
	});
	const text = await res.text();
	return { status: res.status, text, json: (text ? JSON.parse(text) : {}) as Answer['json'] };
}

const SECRET_NAME = 'Zanzibar hot leads';
const FILTER = {
	groups: [[{ field: 'status', op: 'is', value: 'open' }, { field: 'unreplied', op: 'is', value: true }], [{ field: 'team', op: 'is', value: DEMO_TEAMS.sales }]],
	timeZone: 'Europe/Paris'
};

describe('custom inboxes API', () => {
	const servers: TestServer[] = [];
	const clients: SyncClient[] = [];
	afterEach(async () => {
		for (const c of clients.splice(0)) c.close();
		for (const s of servers.splice(0)) await s.destroy();
	});

	it('shares a definition with a team only: others get zero bytes of it, over HTTP and in the directory', async () => {
		const s = await startTestServer();
		servers.push(s);
		const [owner, tom, sue, lucas] = await Promise.all(['owner', 'tom', 'sue', 'lucas'].map((u) => login(s.url, `${u}@demo.test`)));
		const sueSync = new SyncClient({ url: s.url, token: sue!.accessToken, recordFrames: true });
		clients.push(sueSync);
		await sueSync.connect();
		const revBefore = readCustomInboxesRev(sueSync.doc(DIR_DOC_ID));

		const created = await call(`${s.url}/api/custom-inboxes`, 'POST', owner!.accessToken, { name: SECRET_NAME, icon: '🔥', filter: FILTER, sharing: { kind: 'teams', teamIds: [DEMO_TEAMS.sales] } });
		expect(created.status).toBe(201);
		const inbox = created.json.inbox as { id: string; createdBy: string; hidden: boolean };
		expect(inbox).toMatchObject({ name: SECRET_NAME, icon: '🔥', createdBy: DEMO_USERS.owner, hidden: false, filter: FILTER });
		expect(created.json.warnings).toEqual([]);

		// Tom and Lucas are in Sales; Sue is not
		for (const who of [tom!, lucas!, owner!]) {
			const got = await call(`${s.url}/api/custom-inboxes`, 'GET', who.accessToken);
			expect((got.json.inboxes as Array<{ id: string }>).map((i) => i.id)).toEqual([inbox.id]);
		}
		const sueList = await call(`${s.url}/api/custom-inboxes`, 'GET', sue!.accessToken);
		expect(sueList.json.inboxes).toEqual([]);
		expect(sueList.text).not.toContain('Zanzibar');

		// Sue's client learns that something changed (the revision), not what
		await waitFor(() => readCustomInboxesRev(sueSync.doc(DIR_DOC_ID)) > revBefore, 10_000, 'revision reaches Sue');
		const bytes = Buffer.concat(sueSync.traffic.frames.map((f) => Buffer.from(f.bytes))).toString('latin1');
		expect(bytes).not.toContain('Zanzibar');
		expect(Buffer.from(JSON.stringify(sueSync.doc(DIR_DOC_ID).toJSON())).toString()).not.toContain('Zanzibar');

		// Sue cannot learn that it exists; Tom may not edit or delete it
		expect((await call(`${s.url}/api/custom-inboxes/${inbox.id}`, 'PATCH', sue!.accessToken, { name: 'x' })).status).toBe(404);
		expect((await call(`${s.url}/api/custom-inboxes/${inbox.id}/hidden`, 'POST', sue!.accessToken, { hidden: true })).status).toBe(404);
		const tomEdit = await call(`${s.url}/api/custom-inboxes/${inbox.id}`, 'PATCH', tom!.accessToken, { name: 'Mine now' });
		expect(tomEdit.status).toBe(403);
		expect(tomEdit.json.error?.code).toBe('forbidden');
		expect((await call(`${s.url}/api/custom-inboxes/${inbox.id}`, 'DELETE', tom!.accessToken)).status).toBe(403);

		// Tom hides it for himself only
		const hid = await call(`${s.url}/api/custom-inboxes/${inbox.id}/hidden`, 'POST', tom!.accessToken, { hidden: true });
		expect(hid.status).toBe(200);
		expect((await call(`${s.url}/api/custom-inboxes`, 'GET', tom!.accessToken)).json.inboxes).toMatchObject([{ id: inbox.id, hidden: true }]);
		expect((await call(`${s.url}/api/custom-inboxes`, 'GET', lucas!.accessToken)).json.inboxes).toMatchObject([{ id: inbox.id, hidden: false }]);
		expect((await call(`${s.url}/api/custom-inboxes`, 'GET', owner!.accessToken)).text).not.toContain(DEMO_USERS.tom);

		// The creator edits: re-shared with Sue by name, she gets it; then deletes it
		const edit = await call(`${s.url}/api/custom-inboxes/${inbox.id}`, 'PATCH', owner!.accessToken, { sharing: { kind: 'users', userIds: [DEMO_USERS.sue] } });
		expect(edit.status).toBe(200);
		expect(edit.json.inbox).toMatchObject({ name: SECRET_NAME, filter: FILTER, sharing: { kind: 'users', userIds: [DEMO_USERS.sue] } });
		expect((await call(`${s.url}/api/custom-inboxes`, 'GET', sue!.accessToken)).json.inboxes).toMatchObject([{ id: inbox.id }]);
		expect((await call(`${s.url}/api/custom-inboxes`, 'GET', tom!.accessToken)).json.inboxes).toEqual([]);
		expect((await call(`${s.url}/api/custom-inboxes/${inbox.id}`, 'DELETE', owner!.accessToken)).status).toBe(204);
		expect((await call(`${s.url}/api/custom-inboxes`, 'GET', sue!.accessToken)).json.inboxes).toEqual([]);
	});

	it('refuses bad input with precise errors and keeps broken references as warnings', async () => {
		const s = await startTestServer();
		servers.push(s);
		const ana = await login(s.url, 'ana@demo.test');
		const post = (body: unknown) => call(`${s.url}/api/custom-inboxes`, 'POST', ana.accessToken, body);
		for (const body of [
			{ name: '', filter: FILTER },
			{ name: 'x'.repeat(61), filter: FILTER },
			{ name: 'A', filter: { groups: 'no' } },
			{ name: 'A', filter: { groups: [[{ field: 'name', op: 'like', value: 'x' }]] } },
			{ name: 'A', filter: FILTER, sharing: { kind: 'teams', teamIds: ['t-nope'] } },
			{ name: 'A', filter: FILTER, sharing: { kind: 'users', userIds: [] } },
			{ name: 'A', filter: FILTER, sharing: { kind: 'world' } },
			{ name: 'A', icon: 'x'.repeat(17), filter: FILTER }
		]) {
			const r = await post(body);
			expect(r.status, JSON.stringify(body)).toBe(400);
			expect(r.json.error?.code).toBe('invalid_input');
		}
		expect((await post('[')).status).toBe(400);
		const broken = await post({ name: 'Old team', filter: { groups: [[{ field: 'team', op: 'is', value: 't-gone' }, { field: 'custom:gone', op: 'is_empty' }]] } });
		expect(broken.status).toBe(201);
		expect(broken.json.warnings).toEqual([
			{ code: 'removed_team', ref: 't-gone', group: 0, index: 0, field: 'team' },
			{ code: 'deleted_custom_field', ref: 'gone', group: 0, index: 1, field: 'custom:gone' }
		]);
		// only me by default: nobody else sees it
		const owner = await login(s.url, 'owner@demo.test');
		expect((await call(`${s.url}/api/custom-inboxes`, 'GET', owner.accessToken)).json.inboxes).toEqual([]);
		expect((await call(`${s.url}/api/custom-inboxes/nope`, 'DELETE', ana.accessToken)).status).toBe(404);
	});
});
