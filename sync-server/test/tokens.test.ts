// SPEC S1.9 (the server is the gate); ARCHITECTURE "Auth". Every kind of bad token is refused
// with 401 BEFORE the WebSocket upgrade, on /sync and on /yjs/<docId>, whether it comes in the
// query or as `Authorization: Bearer`: missing, forged signature, expired, alg none, tampered
// payload, HS/RS confusion (an RS256 token, an RS256 header over an HMAC made with the real
// secret, HS512 with the real secret), another workspace, a refresh family reused after
// rotation, a deactivated user, a deleted user, a password change and a role change. No
// socket opens for any of them (a socket that opened is counted as a failure).
import { generateKeyPairSync, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SignJWT, importPKCS8 } from 'jose';
import type { DocId } from '../../src/lib/domain/types';
import { REFRESH_GRACE_MS } from '../src/auth/auth';
import { login } from './helpers/sync-client';
import { startTestServer, type TestServer } from './helpers/server';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** 101 when the socket opened, else the HTTP status the upgrade was refused with. */
function upgrade(url: string, header?: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, header ? { headers: { authorization: `Bearer ${header}` } } : {});
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

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
	const res = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: JSON.stringify(body)
	});
	const text = await res.text();
	return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('tokens refused before the upgrade', () => {
	let now = Date.now();
	let server: TestServer;
	let ws: string;
	let docOfSue: DocId;
	const tally = { tried: 0, refused: 0 };

	beforeAll(async () => {
		server = await startTestServer({ clock: () => now });
		ws = server.url.replace('http', 'ws');
		docOfSue = [...server.visibility.contactDocIds()].find((d) => server.visibility.accessOf(d)?.assigneeId === 'u-sue')!;
	}, 60_000);

	afterAll(async () => {
		console.log(`tokens: ${tally.refused}/${tally.tried} bad tokens refused before the upgrade`);
		await server?.destroy();
	});

	/** Every way in for a token: /sync and /yjs, in the query and as a Bearer header. */
	async function expectRefused(token: string | null, what: string): Promise<void> {
		const q = token === null ? '' : `?token=${encodeURIComponent(token)}`;
		const attempts: Array<[string, string | undefined]> = [
			[`${ws}/sync${q}`, undefined],
			[`${ws}/yjs/${encodeURIComponent(docOfSue)}${q}`, undefined]
		];
		if (token !== null) attempts.push([`${ws}/sync`, token], [`${ws}/yjs/${encodeURIComponent(docOfSue)}`, token]);
		for (const [url, header] of attempts) {
			tally.tried++;
			const status = await upgrade(url, header);
			expect(status, `${what}: ${url}${header ? ' (Bearer)' : ''}`).toBe(401);
			tally.refused++;
		}
	}

	async function secret(): Promise<Buffer> {
		return Buffer.from((await server.store.getMeta('auth.jwtSecret'))!, 'base64url');
	}

	function hmacToken(header: object, payload: object, key: Buffer, alg: 'sha256' | 'sha512' = 'sha256'): string {
		const signingInput = `${b64(header)}.${b64(payload)}`;
		return `${signingInput}.${createHmac(alg, key).update(signingInput).digest('base64url')}`;
	}

	it('accepts a good token on every way in (the control)', async () => {
		const { accessToken } = await login(server.url, 'sue@demo.test');
		expect(await upgrade(`${ws}/sync?token=${accessToken}`)).toBe(101);
		expect(await upgrade(`${ws}/yjs/${encodeURIComponent(docOfSue)}?token=${accessToken}`)).toBe(101);
		expect(await upgrade(`${ws}/sync`, accessToken)).toBe(101);
	});

	it('refuses missing, forged, expired, alg none, tampered and other-workspace tokens', async () => {
		const { accessToken } = await login(server.url, 'sue@demo.test');
		const [h, p, sig] = accessToken.split('.') as [string, string, string];
		const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;

		await expectRefused(null, 'missing');
		await expectRefused('', 'empty');
		await expectRefused('not.a.jwt', 'garbage');
		const forged = await new SignJWT({ wid: server.workspaceId, role: 'owner', ver: 0 })
			.setProtectedHeader({ alg: 'HS256' })
			.setSubject('u-sue')
			.setIssuer('parley')
			.setAudience('parley')
			.setIssuedAt(Math.floor(now / 1000))
			.setExpirationTime(Math.floor(now / 1000) + 900)
			.sign(new Uint8Array(32).fill(7));
		await expectRefused(forged, 'forged signature');
		await expectRefused(`${h}.${p}.${Buffer.from(sig, 'base64url').reverse().toString('base64url')}`, 'flipped signature');
		await expectRefused(`${b64({ alg: 'none', typ: 'JWT' })}.${p}.`, 'alg none');
		await expectRefused(`${b64({ alg: 'none', typ: 'JWT' })}.${p}.${sig}`, 'alg none with a signature');
		await expectRefused(`${h}.${b64({ ...claims, sub: 'u-olivia' })}.${sig}`, 'tampered subject');
		await expectRefused(`${h}.${b64({ ...claims, role: 'owner' })}.${sig}`, 'tampered role');
		await expectRefused(`${h}.${b64({ ...claims, exp: Number(claims.exp) + 86_400 })}.${sig}`, 'tampered expiry');
		await expectRefused(await server.auth.signAccessToken({ sub: 'u-sue', wid: 'w-other', role: 'agent', ver: claims.ver as number }), 'other workspace');
		await expectRefused(hmacToken({ alg: 'HS256', typ: 'JWT' }, { ...claims, ver: String(claims.ver) }, await secret()), 'version of the wrong type');
		await expectRefused(hmacToken({ alg: 'HS256', typ: 'JWT' }, { ...claims, iss: 'evil' }, await secret()), 'wrong issuer');

		now += 16 * 60 * 1000;
		try {
			await expectRefused(accessToken, 'expired');
		} finally {
			now -= 16 * 60 * 1000;
		}
	});

	it('refuses HS/RS algorithm confusion', async () => {
		const { accessToken } = await login(server.url, 'sue@demo.test');
		const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
		const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
		const rsa = await new SignJWT(claims)
			.setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
			.sign(await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256'));
		await expectRefused(rsa, 'RS256 signed with an attacker key');
		// The classic confusion: an RS256 header over an HMAC keyed with a public key, or with the real secret.
		const pem = Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }).toString());
		await expectRefused(hmacToken({ alg: 'RS256', typ: 'JWT' }, claims, pem), 'RS256 header, HMAC with the public key');
		await expectRefused(hmacToken({ alg: 'RS256', typ: 'JWT' }, claims, await secret()), 'RS256 header, HMAC with the secret');
		await expectRefused(hmacToken({ alg: 'HS512', typ: 'JWT' }, claims, await secret(), 'sha512'), 'HS512 with the secret');
		// The control: the same claims, HS256 with the secret, open.
		expect(await upgrade(`${ws}/sync?token=${hmacToken({ alg: 'HS256', typ: 'JWT' }, claims, await secret())}`)).toBe(101);
	});

	it('refuses tokens after refresh-token reuse, password change, role change, deactivation and deletion', async () => {
		const owner = await login(server.url, 'owner@demo.test');

		// Reuse of a rotated refresh token after the grace window revokes the family and its session.
		const first = await login(server.url, 'ana@demo.test');
		const rotated = await post(`${server.url}/api/auth/refresh`, { refreshToken: first.refreshToken });
		expect(rotated.status).toBe(200);
		now += REFRESH_GRACE_MS + 1000;
		expect((await post(`${server.url}/api/auth/refresh`, { refreshToken: first.refreshToken })).status).toBe(401);
		await expectRefused(rotated.json.accessToken as string, 'after refresh-token reuse');
		expect((await post(`${server.url}/api/auth/refresh`, { refreshToken: rotated.json.refreshToken })).status).toBe(401);

		// Password change.
		const lucas = await login(server.url, 'lucas@demo.test');
		expect((await fetch(`${server.url}/api/directory/users/u-lucas`, { method: 'PATCH', headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ password: 'another-password-1' }) })).status).toBe(200);
		await expectRefused(lucas.accessToken, 'after a password change');
		expect((await post(`${server.url}/api/auth/refresh`, { refreshToken: lucas.refreshToken })).status).toBe(401);

		// Role change.
		const tom = await login(server.url, 'tom@demo.test');
		expect((await fetch(`${server.url}/api/directory/users/u-tom`, { method: 'PATCH', headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ role: 'manager' }) })).status).toBe(200);
		await expectRefused(tom.accessToken, 'after a role change');
		expect((await post(`${server.url}/api/auth/refresh`, { refreshToken: tom.refreshToken })).status).toBe(401);

		// Deactivation, then deletion.
		const sue = await login(server.url, 'sue@demo.test');
		expect((await fetch(`${server.url}/api/directory/users/u-sue`, { method: 'PATCH', headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ active: false }) })).status).toBe(200);
		await expectRefused(sue.accessToken, 'deactivated user');
		expect((await post(`${server.url}/api/auth/refresh`, { refreshToken: sue.refreshToken })).status).toBe(401);
		const marc = await login(server.url, 'manager@demo.test');
		expect((await fetch(`${server.url}/api/directory/users/u-marc`, { method: 'DELETE', headers: { authorization: `Bearer ${owner.accessToken}` } })).status).toBe(204);
		await expectRefused(marc.accessToken, 'deleted user');
		// A token of the deleted user re-signed with the current version is refused too.
		await expectRefused(await server.auth.signAccessToken({ sub: 'u-marc', wid: server.workspaceId, role: 'manager', ver: 0 }), 'deleted user, fresh signature');
	});
});
