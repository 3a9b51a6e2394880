// Settings commands (issue 20): invitations, reset links, first run, own profile and password,
// team deletion with its contacts, workspace options, webhook test events, the audit trail;
// every command with bad input gets a 4xx `{error:{code,message}}` and changes nothing.
// SPEC S1.1 (roles), S1.3 (visibility restriction), S1.9 (server-enforced sessions).
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { DEMO_CHANNELS } from '../../src/lib/demo/generate';
import type { UserId } from '../../src/lib/domain/types';
import { verify } from '../src/channels/signature';
import { LINK_TTL_MS } from '../src/http/settings-api';
import { spawnServer } from './helpers/child';
import { login, SyncClient, waitFor } from './helpers/sync-client';
import { startTestServer, tempDir, type TestServer } from './helpers/server';
import { writeOutgoing } from './channels-helpers';

interface Answer {
	status: number;
	json: Record<string, unknown> & { error?: { code: string; message: string } };
}

async function call(url: string, method: string, body?: unknown, token?: string): Promise<Answer> {
	const res = await fetch(url, {
		method,
		headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
		...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {})
	});
	const text = await res.text();
	return { status: res.status, json: (text ? JSON.parse(text) : {}) as Answer['json'] };
}

const servers: TestServer[] = [];
const clients: SyncClient[] = [];
const receivers: Server[] = [];
afterEach(async () => {
	for (const c of clients.splice(0)) c.close();
	for (const r of receivers.splice(0)) r.close();
	for (const s of servers.splice(0)) await s.destroy();
});

async function server(opts: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
	const s = await startTestServer(opts);
	servers.push(s);
	return s;
}

const BIG = 'x'.repeat(10 * 1024);

describe('invitations', () => {
	it('an owner invites; the invitee sets name and password once and signs in (S1.1)', async () => {
		const s = await server();
		const owner = await login(s.url, 'owner@demo.test');
		const teamId = s.visibility.directory.teams[0]!.id;
		const made = await call(`${s.url}/api/directory/invites`, 'POST', { email: 'Nina@Example.com', role: 'agent', restriction: 'team', teamIds: [teamId] }, owner.accessToken);
		expect(made.status).toBe(201);
		const token = made.json.token as string;
		expect(made.json.path).toBe(`/invite/${token}`);
		// The token is shown once: the list of open invitations has no token.
		const open = await call(`${s.url}/api/directory/invites`, 'GET', undefined, owner.accessToken);
		expect(JSON.stringify(open.json)).not.toContain(token);
		expect((open.json.invites as unknown[]).length).toBe(1);

		const shown = await call(`${s.url}/api/invites/${token}`, 'GET');
		expect(shown).toMatchObject({ status: 200, json: { email: 'nina@example.com', role: 'agent' } });
		// Bad input: nothing created, the link still works.
		for (const body of [{ name: '', password: 'long-enough-1' }, { name: 'Nina', password: 'short' }, { name: BIG, password: 'long-enough-1' }]) {
			const r = await call(`${s.url}/api/invites/${token}`, 'POST', body);
			expect(r.status, JSON.stringify(body).slice(0, 60)).toBe(400);
			expect(r.json.error?.code).toBe('invalid_input');
		}
		const accepted = await call(`${s.url}/api/invites/${token}`, 'POST', { name: 'Nina Roy', password: 'nina-password-1' });
		expect(accepted.status).toBe(201);
		const nina = s.visibility.directory.users.find((u) => u.email === 'nina@example.com')!;
		expect(nina).toMatchObject({ name: 'Nina Roy', role: 'agent', restriction: 'team', teamIds: [teamId], active: true });
		await login(s.url, 'nina@example.com', 'nina-password-1');
		// Used once.
		expect((await call(`${s.url}/api/invites/${token}`, 'POST', { name: 'Again', password: 'nina-password-2' })).json.error?.code).toBe('link_used');
		expect((await call(`${s.url}/api/invites/${token}`, 'GET')).status).toBe(410);
		expect((await call(`${s.url}/api/invites/nope-nope-nope`, 'GET')).json.error?.code).toBe('link_not_found');
	});

	it('an expired invitation is refused with a clear error', async () => {
		let now = Date.now();
		const s = await server({ clock: () => now });
		const owner = await login(s.url, 'owner@demo.test');
		const made = await call(`${s.url}/api/directory/invites`, 'POST', { email: 'late@example.com' }, owner.accessToken);
		now += LINK_TTL_MS + 1000;
		const r = await call(`${s.url}/api/invites/${made.json.token as string}`, 'POST', { name: 'Late', password: 'late-password-1' });
		expect(r).toMatchObject({ status: 410, json: { error: { code: 'link_expired' } } });
		expect(s.visibility.directory.users.some((u) => u.email === 'late@example.com')).toBe(false);
	});

	it('a manager cannot invite an owner, an agent cannot invite at all, a used email is refused', async () => {
		const s = await server();
		const manager = await login(s.url, 'manager@demo.test');
		const agent = await login(s.url, 'ana@demo.test');
		expect((await call(`${s.url}/api/directory/invites`, 'POST', { email: 'x@example.com', role: 'owner' }, manager.accessToken)).status).toBe(403);
		expect((await call(`${s.url}/api/directory/invites`, 'POST', { email: 'x@example.com' }, agent.accessToken)).status).toBe(403);
		expect((await call(`${s.url}/api/directory/invites`, 'POST', { email: 'ana@demo.test' }, manager.accessToken)).status).toBe(409);
		const open = await call(`${s.url}/api/directory/invites`, 'GET', undefined, manager.accessToken);
		expect(open.json.invites).toEqual([]);
	});
});

describe('every settings command refuses bad input and changes nothing', () => {
	it('4xx with {error:{code,message}}, directory and audit untouched', async () => {
		const s = await server();
		const owner = await login(s.url, 'owner@demo.test');
		const manager = await login(s.url, 'manager@demo.test');
		const agent = await login(s.url, 'ana@demo.test');
		const dir = s.visibility.directory;
		const team = dir.teams[0]!;
		const snippet = dir.snippets[0];
		const webhook = dir.channels.find((c) => c.kind === 'webhook')!;
		const webchat = dir.channels.find((c) => c.kind === 'webchat')!;
		// A field to clash with.
		expect((await call(`${s.url}/api/directory/custom-fields`, 'POST', { label: 'Plan', type: 'select', options: ['Free', 'Pro'] }, owner.accessToken)).status).toBe(201);
		const O = owner.accessToken;
		const cases: Array<[string, string, unknown, string, number]> = [
			['POST', '/api/directory/teams', { name: '' }, O, 400],
			['POST', '/api/directory/teams', { name: BIG }, O, 400],
			['POST', '/api/directory/teams', { name: team.name.toUpperCase() }, O, 409],
			['PATCH', '/api/directory/teams/t-none', { name: 'X' }, O, 404],
			['DELETE', '/api/directory/teams/t-none', undefined, O, 404],
			['POST', '/api/directory/teams', { name: 'Agents team' }, agent.accessToken, 403],
			['POST', '/api/directory/channels', { name: webchat.name, kind: 'webchat' }, O, 409],
			['POST', '/api/directory/channels', { name: 'W', kind: 'webhook' }, O, 400],
			['POST', '/api/directory/channels', { name: 'W', kind: 'fax' }, O, 400],
			['PATCH', `/api/directory/channels/${webchat.id}`, { webchat: { color: 'red' } }, O, 400],
			['PATCH', `/api/directory/channels/${webchat.id}`, { webchat: { greeting: BIG } }, O, 400],
			['PATCH', `/api/directory/channels/${webchat.id}`, { webchat: { allowedOrigins: ['javascript:alert(1)'] } }, O, 400],
			['PATCH', `/api/directory/channels/${webhook.id}`, { url: 'ftp://x' }, O, 400],
			['POST', '/api/directory/snippets', { name: 'S', text: 'x'.repeat(10_001) }, O, 400],
			...(snippet ? ([['POST', '/api/directory/snippets', { name: snippet.name, text: 'dup' }, O, 409]] as Array<[string, string, unknown, string, number]>) : []),
			['POST', '/api/directory/custom-fields', { label: 'plan', type: 'text' }, O, 409],
			['POST', '/api/directory/custom-fields', { label: 'Size', type: 'select' }, O, 400],
			['POST', '/api/directory/custom-fields', { label: 'Size', type: 'blob' }, O, 400],
			['POST', '/api/directory/custom-fields', { label: BIG, type: 'text' }, O, 400],
			['PATCH', '/api/directory/custom-fields/nope', { label: 'X' }, O, 404],
			['POST', '/api/directory/users', { name: '', email: 'a@b.co' }, O, 400],
			['POST', '/api/directory/users', { name: 'A', email: 'owner@demo.test' }, O, 409],
			['PATCH', '/api/directory/users/u-nobody', { name: 'X' }, O, 404],
			['PATCH', '/api/directory/users/u-ana', { role: 'owner' }, manager.accessToken, 403],
			['PATCH', '/api/directory/users/u-ana', { restriction: 'everything' }, O, 400],
			['PATCH', '/api/directory/users/u-ana', { teamIds: ['t-none'] }, O, 400],
			['PATCH', '/api/directory/users/u-ana', { name: BIG }, O, 400],
			['PATCH', '/api/directory/users/u-olivia', { active: false }, O, 409],
			['POST', '/api/directory/users/u-olivia/reset-link', undefined, manager.accessToken, 403],
			['POST', '/api/directory/users/u-nobody/reset-link', undefined, O, 404],
			['POST', '/api/directory/invites', { email: 'not an email' }, O, 400],
			['POST', '/api/directory/invites', { email: 'z@example.com', teamIds: ['t-none'] }, O, 400],
			['PATCH', '/api/directory/workspace', { name: '' }, O, 400],
			['PATCH', '/api/directory/workspace', { name: BIG }, O, 400],
			['PATCH', '/api/directory/workspace', { options: { maxCallMinutes: 0 } }, O, 400],
			['PATCH', '/api/directory/workspace', { options: { teleport: true } }, O, 400],
			['PATCH', '/api/directory/workspace', { defaultCountry: 'France' }, O, 400],
			['PATCH', '/api/directory/workspace', { name: 'Hacked' }, agent.accessToken, 403],
			['PATCH', '/api/me', { name: BIG }, agent.accessToken, 400],
			['PATCH', '/api/me', { color: 'url(x)' }, agent.accessToken, 400],
			['POST', '/api/me/password', { currentPassword: 'wrong-one', password: 'new-password-1' }, agent.accessToken, 403],
			['POST', '/api/me/password', { currentPassword: 'parley-demo', password: 'short' }, agent.accessToken, 400],
			['GET', '/api/directory/audit', undefined, manager.accessToken, 403],
			['POST', '/api/setup', { workspaceName: 'X', name: 'X', email: 'x@example.com', password: 'long-enough-1' }, '', 409],
			['POST', `/api/directory/channels/${webchat.id}/test`, undefined, O, 409],
			['POST', '/api/directory/teams', '{"name": ', O, 400]
		];
		const before = JSON.stringify(s.visibility.directory);
		const auditBefore = (await s.store.listAudit(500)).length;
		for (const [method, path, body, token, status] of cases) {
			const r = await call(`${s.url}${path}`, method, body, token || undefined);
			const label = `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}`;
			expect(r.status, label).toBe(status);
			expect(typeof r.json.error?.code, label).toBe('string');
			expect(typeof r.json.error?.message, label).toBe('string');
		}
		expect(JSON.stringify(s.visibility.directory)).toBe(before);
		expect((await s.store.listAudit(500)).length).toBe(auditBefore);
		// Still serving everyone.
		expect((await call(`${s.url}/api/me`, 'GET', undefined, agent.accessToken)).status).toBe(200);
	});
});

describe('teams, profile, passwords, workspace, audit', () => {
	it('deleting a team asks what happens to its contacts, then moves or unassigns them server side', async () => {
		const s = await server();
		const owner = await login(s.url, 'owner@demo.test');
		const [a, b] = s.visibility.directory.teams;
		const ofTeam = (id: string) => [...s.visibility.contactDocIds()].filter((d) => s.visibility.accessOf(d)?.teamId === id);
		const onA = ofTeam(a!.id);
		expect(onA.length).toBeGreaterThan(0);
		const refused = await call(`${s.url}/api/directory/teams/${a!.id}`, 'DELETE', undefined, owner.accessToken);
		expect(refused).toMatchObject({ status: 409, json: { error: { code: 'team_has_contacts', count: onA.length } } });
		expect((await call(`${s.url}/api/directory/teams/${a!.id}?contacts=move&to=${a!.id}`, 'DELETE', undefined, owner.accessToken)).status).toBe(400);
		expect(s.visibility.directory.teams.some((t) => t.id === a!.id)).toBe(true);
		const bBefore = ofTeam(b!.id).length;
		expect((await call(`${s.url}/api/directory/teams/${a!.id}?contacts=move&to=${b!.id}`, 'DELETE', undefined, owner.accessToken)).status).toBe(204);
		expect(ofTeam(a!.id)).toEqual([]);
		expect(ofTeam(b!.id).length).toBe(bBefore + onA.length);
		expect(s.visibility.directory.teams.some((t) => t.id === a!.id)).toBe(false);
		expect(s.visibility.directory.users.every((u) => !u.teamIds.includes(a!.id))).toBe(true);
		// The thread says who moved it.
		const room = await s.rooms.pin(onA[0]!);
		const events = contactDoc(room.ydoc).thread.entries().filter((e) => e.kind === 'event' && e.type === 'assigned');
		expect(events.at(-1)).toMatchObject({ author: { type: 'user', id: 'u-olivia' }, data: { teamId: b!.id } });
		expect((await call(`${s.url}/api/directory/teams/${b!.id}?contacts=unassign`, 'DELETE', undefined, owner.accessToken)).status).toBe(204);
		expect(ofTeam(b!.id)).toEqual([]);
	});

	it('own password change ends the other sessions, not this one; profile name and colour replicate', async () => {
		const s = await server();
		const here = await login(s.url, 'ana@demo.test');
		const other = await login(s.url, 'ana@demo.test');
		const conn = new SyncClient({ url: s.url, token: other.accessToken });
		clients.push(conn);
		await conn.connect();
		const r = await call(`${s.url}/api/me/password`, 'POST', { currentPassword: 'parley-demo', password: 'ana-new-password' }, here.accessToken);
		expect(r.status).toBe(204);
		await waitFor(() => conn.traffic.closes.length > 0, 2000, 'other session closed');
		expect((await call(`${s.url}/api/auth/refresh`, 'POST', { refreshToken: other.refreshToken })).status).toBe(401);
		expect((await call(`${s.url}/api/me`, 'GET', undefined, other.accessToken)).status).toBe(401);
		expect((await call(`${s.url}/api/me`, 'GET', undefined, here.accessToken)).status).toBe(200);
		expect((await call(`${s.url}/api/auth/refresh`, 'POST', { refreshToken: here.refreshToken })).status).toBe(200);
		await login(s.url, 'ana@demo.test', 'ana-new-password');

		const me = await call(`${s.url}/api/me`, 'PATCH', { name: 'Ana S.', color: '#112233' }, here.accessToken);
		expect(me.status).toBe(200);
		expect(s.visibility.user('u-ana' as UserId)).toMatchObject({ name: 'Ana S.', color: '#112233', role: 'agent' });
	});

	it('a reset link sets a new password once and ends the sessions of the account', async () => {
		const s = await server();
		const owner = await login(s.url, 'owner@demo.test');
		const tom = await login(s.url, 'tom@demo.test');
		const made = await call(`${s.url}/api/directory/users/u-tom/reset-link`, 'POST', undefined, owner.accessToken);
		expect(made.status).toBe(201);
		const token = made.json.token as string;
		expect((await call(`${s.url}/api/password-resets/${token}`, 'GET')).json.email).toBe('tom@demo.test');
		expect((await call(`${s.url}/api/password-resets/${token}`, 'POST', { password: 'tom-new-password' })).status).toBe(200);
		expect((await call(`${s.url}/api/me`, 'GET', undefined, tom.accessToken)).status).toBe(401);
		await login(s.url, 'tom@demo.test', 'tom-new-password');
		expect((await call(`${s.url}/api/password-resets/${token}`, 'POST', { password: 'tom-other-pass' })).json.error?.code).toBe('link_used');
	});

	it('a restriction change reaches the open connection at once and keeps the session (S1.3)', async () => {
		const s = await server();
		const owner = await login(s.url, 'owner@demo.test');
		const ana = await login(s.url, 'ana@demo.test');
		const client = new SyncClient({ url: s.url, token: ana.accessToken });
		clients.push(client);
		await client.connect();
		const t0 = Date.now();
		expect((await call(`${s.url}/api/directory/users/u-ana`, 'PATCH', { restriction: 'self' }, owner.accessToken)).status).toBe(200);
		await waitFor(() => client.traffic.revokes.length > 0, 1000, 'revokes');
		expect(Date.now() - t0).toBeLessThan(1000);
		expect(client.traffic.closes).toEqual([]);
		expect((await call(`${s.url}/api/auth/refresh`, 'POST', { refreshToken: ana.refreshToken })).status).toBe(200);
	});

	it('workspace name and options are one validated command; owners read the audit trail', async () => {
		const s = await server();
		const owner = await login(s.url, 'owner@demo.test');
		const manager = await login(s.url, 'manager@demo.test');
		const r = await call(`${s.url}/api/directory/workspace`, 'PATCH', { name: 'Acme support', options: { maskNumbers: true, maxCallMinutes: 30 } }, manager.accessToken);
		expect(r.status).toBe(200);
		expect(s.visibility.directory).toMatchObject({ workspaceName: 'Acme support', options: { maskNumbers: true, maxCallMinutes: 30 } });
		const log = await call(`${s.url}/api/directory/audit`, 'GET', undefined, owner.accessToken);
		expect(log.status).toBe(200);
		expect((log.json.events as Array<Record<string, unknown>>)[0]).toMatchObject({ actorId: 'u-marc', action: 'workspace.update', detail: { name: 'Acme support' } });
		expect(typeof (log.json.events as Array<Record<string, unknown>>)[0]!.at).toBe('number');
	});
});

describe('first run without the demo', () => {
	it('an empty workspace asks for setup once; the owner is created; no demo data', async () => {
		const s = await server({ seed: false });
		expect((await call(`${s.url}/api/workspace`, 'GET')).json).toMatchObject({ demo: false, setup: true });
		expect((await call(`${s.url}/api/setup`, 'POST', { workspaceName: '', name: 'Eve', email: 'eve@example.com', password: 'eve-password-1' })).status).toBe(400);
		expect((await call(`${s.url}/api/setup`, 'POST', { workspaceName: 'Acme', name: 'Eve', email: 'eve@', password: 'eve-password-1' })).status).toBe(400);
		const made = await call(`${s.url}/api/setup`, 'POST', { workspaceName: 'Acme', name: 'Eve Adams', email: 'eve@example.com', password: 'eve-password-1' });
		expect(made.status).toBe(201);
		expect((await call(`${s.url}/api/setup`, 'POST', { workspaceName: 'Evil', name: 'M', email: 'm@example.com', password: 'mallory-pass-1' })).json.error?.code).toBe('already_set_up');
		expect(s.visibility.directory).toMatchObject({ workspaceName: 'Acme', users: [{ name: 'Eve Adams', role: 'owner', email: 'eve@example.com' }] });
		expect([...s.visibility.contactDocIds()]).toEqual([]);
		expect(s.visibility.directory.channels).toEqual([]);
		const eve = await login(s.url, 'eve@example.com', 'eve-password-1');
		expect((await call(`${s.url}/api/workspace`, 'GET')).json).toMatchObject({ name: 'Acme', setup: false });
		expect((await call(`${s.url}/api/directory/audit`, 'GET', undefined, eve.accessToken)).json.events).toMatchObject([{ action: 'workspace.setup' }]);
	});
});

describe('PARLEY_DEMO=0 (the server process)', () => {
	it('a fresh data folder starts as an empty workspace waiting for its first-run setup', async () => {
		const dataDir = tempDir('parley-fresh-');
		const child = await spawnServer({ PARLEY_DEMO: '0', DATA_DIR: dataDir });
		try {
			expect((await call(`${child.url}/api/workspace`, 'GET')).json).toMatchObject({ demo: false, setup: true });
			// No demo account exists.
			expect((await call(`${child.url}/api/auth/login`, 'POST', { email: 'owner@demo.test', password: 'parley-demo' })).status).toBe(401);
			expect((await call(`${child.url}/api/setup`, 'POST', { workspaceName: 'Acme', name: 'Eve', email: 'eve@acme.test', password: 'eve-password-1' })).status).toBe(201);
			await login(child.url, 'eve@acme.test', 'eve-password-1');
		} finally {
			child.process.kill('SIGTERM');
			await child.exited;
			rmSync(dataDir, { recursive: true, force: true });
		}
	});
});

describe('web chat channel options', () => {
	it('colour, greeting and allowed origins reach the chat page (escaped) and its frame-ancestors', async () => {
		const s = await server();
		const owner = await login(s.url, 'owner@demo.test');
		const before = await fetch(`${s.url}/chat/${DEMO_CHANNELS.webchat}`);
		expect(before.headers.get('content-security-policy')).toContain('frame-ancestors *');
		const r = await call(
			`${s.url}/api/directory/channels/${DEMO_CHANNELS.webchat}`,
			'PATCH',
			{ webchat: { color: '#0f766e', greeting: 'Bonjour <b>!</b>', allowedOrigins: ['https://www.example.com', 'HTTPS://shop.example.com:8443'] } },
			owner.accessToken
		);
		expect(r.status).toBe(200);
		const page = await fetch(`${s.url}/chat/${DEMO_CHANNELS.webchat}`);
		const html = await page.text();
		expect(html).toContain('#0f766e');
		expect(html).not.toContain('#4f46e5');
		expect(html).toContain('Bonjour &#60;b&#62;!&#60;/b&#62;');
		expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'self' https://www.example.com https://shop.example.com:8443");
	});
});

describe('webhook channels', () => {
	it('"send test event" posts a signed event and returns the receiver\'s answer; the demo channel has a built-in receiver', async () => {
		const s = await server({ channels: { allowPrivate: true } });
		const owner = await login(s.url, 'owner@demo.test');
		let seen: { ok: boolean; body: string } | null = null;
		let secret = '';
		const receiver = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => {
				const raw = Buffer.concat(chunks);
				seen = { ok: verify(secret, raw, req.headers['x-parley-signature']), body: raw.toString() };
				res.writeHead(202, { 'content-type': 'application/json' }).end('{"received":true}');
			});
		});
		receivers.push(receiver);
		await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
		const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
		const made = await call(`${s.url}/api/directory/channels`, 'POST', { name: 'CRM', kind: 'webhook', url }, owner.accessToken);
		expect(made.status).toBe(201);
		secret = made.json.secret as string;
		const test = await call(`${s.url}/api/directory/channels/${made.json.id as string}/test`, 'POST', undefined, owner.accessToken);
		expect(test.json).toMatchObject({ ok: true, status: 202, body: '{"received":true}' });
		expect(seen).toMatchObject({ ok: true });
		// The demo's channel is answered by the server itself (no network): a fresh demo's webhook works.
		const demo = await call(`${s.url}/api/directory/channels/${DEMO_CHANNELS.webhook}/secret`, 'POST', undefined, owner.accessToken);
		expect(demo.status).toBe(200);
		const demoTest = await call(`${s.url}/api/directory/channels/${DEMO_CHANNELS.webhook}/test`, 'POST', undefined, owner.accessToken);
		expect(demoTest.json).toMatchObject({ ok: true, status: 200 });
	});

	it('a fresh demo sends its webhook replies (built-in receiver, seeded secret) instead of failing them', async () => {
		// No private addresses allowed: the demo channel must work as a stranger's install does.
		const s = await server({ channels: { allowPrivate: false } });
		const owner = await login(s.url, 'owner@demo.test');
		const client = new SyncClient({ url: s.url, token: owner.accessToken });
		clients.push(client);
		await client.connect();
		const docId = [...client.docs.keys()].find((d) => d !== 'dir')!;
		const id = writeOutgoing(client, docId, DEMO_CHANNELS.webhook, { type: 'text', text: 'via webhook' });
		await waitFor(() => contactDoc(client.docs.get(docId)!).delivery.get(id)?.status === 'sent', 10_000, 'sent through the demo receiver');
	});
});
