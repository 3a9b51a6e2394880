// HTTP API and static serving: health, errors, body limits, contacts (SPEC S3.1, S5.7),
// directory commands by role, and restriction changes reaching open connections (S1.3, S1.9).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { contactDocId } from '../../src/lib/domain/ids';
import type { ContactId } from '../../src/lib/domain/types';
import { SyncClient, login, waitFor } from './helpers/sync-client';
import { startTestServer, tempDir, type TestServer } from './helpers/server';

interface Answer {
	status: number;
	json: Record<string, unknown> & { error?: { code: string; message: string } };
	headers: Headers;
}

async function call(url: string, method: string, body?: unknown, token?: string): Promise<Answer> {
	const res = await fetch(url, {
		method,
		headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
		...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {})
	});
	const text = await res.text();
	return { status: res.status, json: (text ? JSON.parse(text) : {}) as Answer['json'], headers: res.headers };
}

describe('HTTP', () => {
	const servers: TestServer[] = [];
	const clients: SyncClient[] = [];
	afterEach(async () => {
		for (const c of clients.splice(0)) c.close();
		for (const s of servers.splice(0)) await s.destroy();
	});

	it('serves health, the built client with SPA fallback, and JSON errors', async () => {
		const staticDir = tempDir('parley-static-');
		mkdirSync(join(staticDir, '_app/immutable'), { recursive: true });
		writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Parley</title>');
		writeFileSync(join(staticDir, '_app/immutable/app.123.js'), 'export {}');
		writeFileSync(join(staticDir, 'secret.txt'), 'outside?');
		const s = await startTestServer({ staticDir: join(staticDir) });
		servers.push(s);
		expect(await call(`${s.url}/health`, 'GET')).toMatchObject({ status: 200, json: { ok: true } });
		// The login page offers the demo logins only in the demo workspace.
		expect(await call(`${s.url}/api/workspace`, 'GET')).toMatchObject({ status: 200, json: { demo: true } });

		const index = await fetch(`${s.url}/inbox/all`);
		expect(index.status).toBe(200);
		expect(index.headers.get('content-type')).toContain('text/html');
		expect(await index.text()).toContain('<title>Parley</title>');
		const asset = await fetch(`${s.url}/_app/immutable/app.123.js`);
		expect(asset.headers.get('content-type')).toContain('text/javascript');
		expect(asset.headers.get('cache-control')).toContain('immutable');
		expect((await fetch(`${s.url}/missing.js`)).status).toBe(404);
		expect((await fetch(`${s.url}/..%2f..%2fetc%2fpasswd`)).status).not.toBe(500);

		const unknown = await call(`${s.url}/api/nope`, 'GET');
		expect(unknown.status).toBe(404);
		expect(unknown.json.error?.code).toBe('not_found');
		expect((await call(`${s.url}/api/me`, 'GET')).status).toBe(401);
		const big = await call(`${s.url}/api/auth/login`, 'POST', JSON.stringify({ email: 'x'.repeat(2 * 1024 * 1024) }));
		expect(big.status).toBe(413);
		expect(big.json.error?.code).toBe('body_too_large');
		expect((await call(`${s.url}/api/auth/login`, 'POST', '[')).status).toBe(400);
	});

	it('creates contacts through the write path, unassigned unless given (S3.1, S5.7)', async () => {
		const s = await startTestServer();
		servers.push(s);
		const ana = await login(s.url, 'ana@demo.test');
		const owner = await login(s.url, 'owner@demo.test');
		const watcher = new SyncClient({ url: s.url, token: owner.accessToken });
		clients.push(watcher);
		await watcher.connect();

		const bad = await call(`${s.url}/api/contacts`, 'POST', { firstName: '', email: 'nope' }, ana.accessToken);
		expect(bad.status).toBe(400);
		expect(bad.json.error?.code).toBe('invalid_contact');

		const created = await call(`${s.url}/api/contacts`, 'POST', { firstName: 'Carla', phone: '+33 6 12 34 56 78' }, ana.accessToken);
		expect(created.status).toBe(201);
		const docId = contactDocId(created.json.id as ContactId);
		// The owner's open connection is granted the new document and syncs it.
		await waitFor(() => watcher.traffic.grants.includes(docId), 5000, 'grant');
		await waitFor(() => contactDoc(watcher.doc(docId)).profile.get().firstName === 'Carla', 5000, 'synced');
		expect(contactDoc(watcher.doc(docId)).assignment.get()).toEqual({ userId: null, teamId: null });
		expect(contactDoc(watcher.doc(docId)).profile.get().phone).toBe('+33612345678');

		const assigned = await call(`${s.url}/api/contacts`, 'POST', { firstName: 'Dan', assigneeId: 'u-sue' }, ana.accessToken);
		expect(s.visibility.accessOf(contactDocId(assigned.json.id as ContactId))?.assigneeId).toBe('u-sue');
	});

	it('checks directory commands by role and keeps channel secrets out of the directory', async () => {
		const s = await startTestServer();
		servers.push(s);
		const agent = await login(s.url, 'ana@demo.test');
		const manager = await login(s.url, 'manager@demo.test');
		expect((await call(`${s.url}/api/directory/teams`, 'POST', { name: 'Billing' }, agent.accessToken)).status).toBe(403);
		const team = await call(`${s.url}/api/directory/teams`, 'POST', { name: 'Billing' }, manager.accessToken);
		expect(team.status).toBe(201);
		expect(s.visibility.directory.teams.map((t) => t.name)).toContain('Billing');
		expect((await call(`${s.url}/api/directory/users`, 'POST', { name: 'Boss', email: 'boss@demo.test', role: 'owner' }, manager.accessToken)).status).toBe(403);
		const user = await call(`${s.url}/api/directory/users`, 'POST', { name: 'Nina', email: 'nina@demo.test', teamIds: [team.json.id] }, manager.accessToken);
		expect(user.status).toBe(201);
		expect(typeof user.json.password).toBe('string');
		expect((await login(s.url, 'nina@demo.test', user.json.password as string)).accessToken).toBeTruthy();

		const channel = await call(`${s.url}/api/directory/channels`, 'POST', { kind: 'webhook', name: 'Hook', url: 'https://example.com/hook' }, manager.accessToken);
		expect(channel.status).toBe(201);
		expect(typeof channel.json.secret).toBe('string');
		expect(await s.store.getChannelSecret(channel.json.id as string)).toBe(channel.json.secret);
		expect(JSON.stringify(s.visibility.directory)).not.toContain(channel.json.secret as string);
		const snippet = await call(`${s.url}/api/directory/snippets`, 'POST', { name: 'bye', text: 'Bye!' }, manager.accessToken);
		expect((await call(`${s.url}/api/directory/snippets/${snippet.json.id as string}`, 'PATCH', { text: 'Goodbye!' }, manager.accessToken)).status).toBe(200);
		expect(s.visibility.directory.snippets.find((x) => x.id === snippet.json.id)?.text).toBe('Goodbye!');
		expect((await call(`${s.url}/api/directory/snippets/${snippet.json.id as string}`, 'DELETE', undefined, manager.accessToken)).status).toBe(204);
	});

	it('applies a restriction change to open connections at once (S1.3)', async () => {
		const s = await startTestServer();
		servers.push(s);
		const owner = await login(s.url, 'owner@demo.test');
		const ana = await login(s.url, 'ana@demo.test');
		const client = new SyncClient({ url: s.url, token: ana.accessToken });
		clients.push(client);
		await client.connect();
		const visibleBefore = client.docs.size;
		expect(visibleBefore).toBe(21); // restriction none: every contact and the directory
		const t0 = Date.now();
		const res = await call(`${s.url}/api/directory/users/u-ana`, 'PATCH', { restriction: 'self' }, owner.accessToken);
		expect(res.status).toBe(200);
		// The open connection loses what she may no longer see (REVOKE), at once; her session goes on
		// (issue 20: a restriction is not in the token), and a new connection sees only her contacts.
		await waitFor(() => client.traffic.revokes.length > 0, 1000, 'restriction applied');
		expect(Date.now() - t0).toBeLessThan(1000);
		expect(client.traffic.closes).toEqual([]);
		const fresh = new SyncClient({ url: s.url, token: ana.accessToken });
		clients.push(fresh);
		await fresh.connect();
		for (const d of fresh.docs.keys()) if (d !== 'dir') expect(s.visibility.accessOf(d)?.assigneeId).toBe('u-ana');
		expect(fresh.docs.size).toBeLessThan(visibleBefore);
	});
});
