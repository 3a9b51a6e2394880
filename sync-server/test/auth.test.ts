// Auth: login, rate limit, refresh rotation and reuse detection, and the WebSocket upgrade
// refused (401/403/400) before it happens. SPEC S1.9 (the server is the gate).
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { REFRESH_GRACE_MS } from '../src/auth/auth';
import { login } from './helpers/sync-client';
import { startTestServer, type TestServer } from './helpers/server';

interface ApiJson {
	user?: { id: string; role: string };
	accessToken?: string;
	refreshToken?: string;
	error?: { code: string; message: string };
}

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; json: ApiJson; headers: Headers }> {
	const res = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: typeof body === 'string' ? body : JSON.stringify(body)
	});
	const text = await res.text();
	return { status: res.status, json: (text ? JSON.parse(text) : {}) as ApiJson, headers: res.headers };
}

/** Status of a WebSocket upgrade attempt: 101 when it opened, else the HTTP status refused with. */
function upgradeStatus(url: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url);
		ws.on('open', () => {
			ws.close();
			resolve(101);
		});
		ws.on('unexpected-response', (_req, res) => {
			resolve(res.statusCode ?? 0);
			ws.terminate();
		});
		ws.on('error', (err) => {
			if (!/Unexpected server response/.test(err.message)) reject(err);
		});
	});
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('auth', () => {
	const servers: TestServer[] = [];
	afterEach(async () => {
		for (const s of servers.splice(0)) await s.destroy();
	});
	async function server(opts: Parameters<typeof startTestServer>[0] = {}) {
		const s = await startTestServer(opts);
		servers.push(s);
		return s;
	}

	it('logs in with the right password only, without telling which part was wrong', async () => {
		const s = await server();
		const ok = await post(`${s.url}/api/auth/login`, { email: 'ana@demo.test', password: 'parley-demo' });
		expect(ok.status).toBe(200);
		expect(ok.json.user).toMatchObject({ id: 'u-ana', role: 'agent' });
		expect(typeof ok.json.accessToken).toBe('string');
		expect(typeof ok.json.refreshToken).toBe('string');
		const wrong = await post(`${s.url}/api/auth/login`, { email: 'ana@demo.test', password: 'nope' });
		const unknown = await post(`${s.url}/api/auth/login`, { email: 'nobody@demo.test', password: 'nope' });
		expect(wrong.status).toBe(401);
		expect(unknown.status).toBe(401);
		expect(wrong.json).toEqual(unknown.json);
		expect((await post(`${s.url}/api/auth/login`, '{not json')).status).toBe(400);
		expect((await post(`${s.url}/api/auth/login`, { email: 1 })).json.error?.code).toBe('bad_request');
		// The refresh token is stored hashed, never as is.
		expect(await s.store.getRefreshToken(ok.json.refreshToken!)).toBeNull();
	});

	it('rate-limits login attempts per account with 429 and Retry-After', async () => {
		const s = await server();
		for (let i = 0; i < 10; i++) {
			expect((await post(`${s.url}/api/auth/login`, { email: 'tom@demo.test', password: `bad${i}` })).status).toBe(401);
		}
		const limited = await post(`${s.url}/api/auth/login`, { email: 'tom@demo.test', password: 'parley-demo' });
		expect(limited.status).toBe(429);
		expect(limited.json.error?.code).toBe('rate_limited');
		expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
		// Another account from the same address still works (the address limit is higher).
		expect((await post(`${s.url}/api/auth/login`, { email: 'sue@demo.test', password: 'parley-demo' })).status).toBe(200);
	});

	it('rotates refresh tokens and revokes the family when a rotated token is reused after the grace window', async () => {
		let now = Date.now();
		const s = await server({ clock: () => now });
		const first = await login(s.url, 'ana@demo.test');
		const second = await post(`${s.url}/api/auth/refresh`, { refreshToken: first.refreshToken });
		expect(second.status).toBe(200);
		expect(second.json.refreshToken).not.toBe(first.refreshToken);
		const third = await post(`${s.url}/api/auth/refresh`, { refreshToken: second.json.refreshToken });
		expect(third.status).toBe(200);
		// Reusing the first (rotated) token past the grace window: refused, and the whole family dies with it.
		now += REFRESH_GRACE_MS + 1000;
		const reuse = await post(`${s.url}/api/auth/refresh`, { refreshToken: first.refreshToken });
		expect(reuse.status).toBe(401);
		expect(reuse.json.error?.code).toBe('refresh_token_reused');
		expect((await post(`${s.url}/api/auth/refresh`, { refreshToken: third.json.refreshToken })).status).toBe(401);
		// Access tokens issued before the reuse stop working too.
		const ws = s.url.replace('http', 'ws');
		expect(await upgradeStatus(`${ws}/sync?token=${third.json.accessToken}`)).toBe(401);
		// Logout revokes the refresh token of a new session.
		const other = await login(s.url, 'ana@demo.test');
		expect((await post(`${s.url}/api/auth/logout`, { refreshToken: other.refreshToken })).status).toBe(204);
		expect((await post(`${s.url}/api/auth/refresh`, { refreshToken: other.refreshToken })).status).toBe(401);
	});

	it('refuses the upgrade before it happens for bad tokens', async () => {
		let now = Date.now();
		const s = await server({ clock: () => now });
		const ws = s.url.replace('http', 'ws');
		const { accessToken } = await login(s.url, 'tom@demo.test');
		expect(await upgradeStatus(`${ws}/sync?token=${accessToken}`)).toBe(101);

		expect(await upgradeStatus(`${ws}/sync`)).toBe(401);
		const forged = await new SignJWT({ wid: s.workspaceId, role: 'owner', ver: 0 })
			.setProtectedHeader({ alg: 'HS256' })
			.setSubject('u-olivia')
			.setIssuer('parley')
			.setAudience('parley')
			.setIssuedAt()
			.setExpirationTime('15m')
			.sign(new Uint8Array(32).fill(7));
		expect(await upgradeStatus(`${ws}/sync?token=${forged}`)).toBe(401);
		const [, payload] = accessToken.split('.');
		const none = `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;
		expect(await upgradeStatus(`${ws}/sync?token=${none}`)).toBe(401);
		const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { ver: number };
		const tampered = [accessToken.split('.')[0], b64({ ...claims, sub: 'u-olivia' }), accessToken.split('.')[2]].join('.');
		expect(await upgradeStatus(`${ws}/sync?token=${tampered}`)).toBe(401);
		const otherWorkspace = await s.auth.signAccessToken({ sub: 'u-tom', wid: 'w-other', role: 'agent', ver: claims.ver });
		expect(await upgradeStatus(`${ws}/sync?token=${otherWorkspace}`)).toBe(401);

		now += 16 * 60 * 1000;
		expect(await upgradeStatus(`${ws}/sync?token=${accessToken}`)).toBe(401);
	});

	it('refuses tokens of a deleted user and answers /yjs with 400 and 403', async () => {
		const s = await server();
		const ws = s.url.replace('http', 'ws');
		const owner = await login(s.url, 'owner@demo.test');
		const sue = await login(s.url, 'sue@demo.test');
		const sueDoc = [...s.visibility.contactDocIds()].find((d) => s.visibility.accessOf(d)?.assigneeId === 'u-sue')!;
		const notSues = [...s.visibility.contactDocIds()].find((d) => s.visibility.accessOf(d)?.assigneeId !== 'u-sue')!;
		expect(await upgradeStatus(`${ws}/yjs/${encodeURIComponent(sueDoc)}?token=${sue.accessToken}`)).toBe(101);
		expect(await upgradeStatus(`${ws}/yjs/${encodeURIComponent(notSues)}?token=${sue.accessToken}`)).toBe(403);
		expect(await upgradeStatus(`${ws}/yjs/${encodeURIComponent('c/../../etc')}?token=${sue.accessToken}`)).toBe(400);
		expect(await upgradeStatus(`${ws}/elsewhere?token=${sue.accessToken}`)).toBe(404);

		const del = await fetch(`${s.url}/api/directory/users/u-sue`, { method: 'DELETE', headers: { authorization: `Bearer ${owner.accessToken}` } });
		expect(del.status).toBe(204);
		expect(await upgradeStatus(`${ws}/sync?token=${sue.accessToken}`)).toBe(401);
		expect((await post(`${s.url}/api/auth/login`, { email: 'sue@demo.test', password: 'parley-demo' })).status).toBe(401);
	});
});
