// Link previews (SPEC S5.9) against a real server on port 0 and a real page server on loopback:
// Open Graph parsing, the SSRF guard (private addresses refused without the option, redirects
// re-checked), the 3 s timeout, the 512 KiB cap. Uploads (S5.14) are in uploads.test.ts.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchLinkPreview, LINK_PREVIEW_DEFAULTS, parsePreview } from '../src/http/link-preview';
import { login } from './helpers/sync-client';
import { startTestServer, type TestServer } from './helpers/server';

const OG_PAGE = `<!doctype html><html><head><title>Fallback</title>
<meta property="og:title" content="Parley &amp; friends">
<meta property="og:description" content='A local-first inbox'>
<meta property="og:image" content="/img/cover.png"></head><body>hi</body></html>`;

type Handler = (path: string, res: ServerResponse) => void;

async function pageServer(handler: Handler): Promise<{ url: string; server: Server }> {
	const server = createServer((req, res) => handler(req.url ?? '/', res));
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const stop = (s: Server) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); });

describe('link preview', () => {
	let pages: { url: string; server: Server };
	beforeAll(async () => {
		pages = await pageServer((path, res) => {
			if (path === '/og') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(OG_PAGE);
			if (path === '/redirect') return void res.writeHead(302, { location: '/og' }).end();
			if (path === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
			if (path === '/hang') return; // never answers
			if (path === '/big') {
				// Title after 1 MiB of padding, streamed forever: the cap stops the read.
				res.writeHead(200, { 'content-type': 'text/html' });
				res.write('<html><head><meta property="og:title" content="Early">');
				const pad = 'x'.repeat(64 * 1024);
				const timer = setInterval(() => res.write(pad), 1);
				res.on('close', () => clearInterval(timer));
				return;
			}
			if (path === '/pdf') return void res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF');
			res.writeHead(404).end();
		});
	});
	afterAll(() => stop(pages.server));
	const open = { ...LINK_PREVIEW_DEFAULTS, allowPrivate: true };

	it('reads Open Graph title, description and an absolute image', async () => {
		const r = await fetchLinkPreview(`${pages.url}/og`, open);
		expect(r).toEqual({ ok: true, preview: { url: `${pages.url}/og`, title: 'Parley & friends', description: 'A local-first inbox', image: `${pages.url}/img/cover.png` } });
	});

	it('falls back to <title> and meta description', () => {
		const p = parsePreview('<title> Hello\n world </title><meta name="description" content="d">', new URL('https://example.com/a'));
		expect(p).toEqual({ url: 'https://example.com/a', title: 'Hello world', description: 'd' });
		expect(parsePreview('<meta property="og:image" content="javascript:alert(1)">', new URL('https://e.com')).image).toBeUndefined();
	});

	it('refuses private addresses without the option, by literal and by name', async () => {
		const closed = { ...LINK_PREVIEW_DEFAULTS, allowPrivate: false };
		expect(await fetchLinkPreview(`${pages.url}/og`, closed)).toMatchObject({ ok: false, kind: 'refused' });
		const port = new URL(pages.url).port;
		expect(await fetchLinkPreview(`http://localhost:${port}/og`, closed)).toMatchObject({ ok: false, kind: 'refused' });
		expect(await fetchLinkPreview('file:///etc/passwd', closed)).toMatchObject({ ok: false, kind: 'bad_url' });
	});

	it('follows redirects, re-checks each hop and bounds them', async () => {
		expect(await fetchLinkPreview(`${pages.url}/redirect`, open)).toMatchObject({ ok: true, preview: { title: 'Parley & friends' } });
		expect(await fetchLinkPreview(`${pages.url}/loop`, open)).toMatchObject({ ok: false, kind: 'too_many_redirects' });
	});

	it('times out', async () => {
		const t0 = Date.now();
		const r = await fetchLinkPreview(`${pages.url}/hang`, { ...open, timeoutMs: 300 });
		expect(r).toMatchObject({ ok: false, kind: 'timeout' });
		expect(Date.now() - t0).toBeLessThan(2000);
	});

	it('reads at most maxBytes of an endless page and still parses its head', async () => {
		const r = await fetchLinkPreview(`${pages.url}/big`, { ...open, maxBytes: 128 * 1024, timeoutMs: 5000 });
		expect(r).toMatchObject({ ok: true, preview: { title: 'Early' } });
	});

	it('is not a download proxy: non-HTML is refused', async () => {
		expect(await fetchLinkPreview(`${pages.url}/pdf`, open)).toMatchObject({ ok: false, kind: 'not_html' });
	});

	describe('over HTTP', () => {
		let server: TestServer;
		let token: string;
		beforeAll(async () => {
			server = await startTestServer({ linkPreview: { allowPrivate: false } });
			token = (await login(server.url, 'ana@demo.test')).accessToken;
		});
		afterAll(() => server.destroy());

		it('needs a signed-in member and refuses loopback without the option', async () => {
			const target = encodeURIComponent(`${pages.url}/og`);
			expect((await fetch(`${server.url}/api/link-preview?url=${target}`)).status).toBe(401);
			const res = await fetch(`${server.url}/api/link-preview?url=${target}`, { headers: { authorization: `Bearer ${token}` } });
			expect(res.status).toBe(403);
			expect(((await res.json()) as { error: { code: string } }).error.code).toBe('refused');
			const redirect = await fetch(`${server.url}/api/link-preview?url=${encodeURIComponent('http://127.0.0.1:1/x')}`, { headers: { authorization: `Bearer ${token}` } });
			expect(redirect.status).toBe(403);
		});
	});

	describe('over HTTP with loopback allowed', () => {
		let server: TestServer;
		let token: string;
		beforeAll(async () => {
			server = await startTestServer({ linkPreview: { allowPrivate: true } });
			token = (await login(server.url, 'ana@demo.test')).accessToken;
		});
		afterAll(() => server.destroy());

		it('answers the preview', async () => {
			const res = await fetch(`${server.url}/api/link-preview?url=${encodeURIComponent(`${pages.url}/og`)}`, { headers: { authorization: `Bearer ${token}` } });
			expect(res.status).toBe(200);
			expect(((await res.json()) as { preview: { title: string } }).preview.title).toBe('Parley & friends');
		});
	});
});
