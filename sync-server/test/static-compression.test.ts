// Issue 17: static files are served compressed (the build's precompressed .br / .gz twins, the
// one the browser accepts), hashed assets cached for a year as immutable, index.html revalidated.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tempDir, type TestServer } from './helpers/server';

let server: TestServer;
let staticDir: string;
const script = 'export const x = 1;\n'.repeat(2000);

beforeAll(async () => {
	staticDir = tempDir('parley-static-br-');
	mkdirSync(join(staticDir, '_app/immutable'), { recursive: true });
	const js = join(staticDir, '_app/immutable/app.abc.js');
	writeFileSync(js, script);
	writeFileSync(js + '.br', brotliCompressSync(script));
	writeFileSync(js + '.gz', gzipSync(script));
	const html = '<!doctype html><title>Parley</title>'.repeat(50);
	writeFileSync(join(staticDir, 'index.html'), html);
	writeFileSync(join(staticDir, 'index.html.gz'), gzipSync(html));
	server = await startTestServer({ staticDir });
});

afterAll(async () => {
	await server?.destroy();
	rmSync(staticDir, { recursive: true, force: true });
});

function get(path: string, acceptEncoding?: string): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
	return new Promise((resolve, reject) => {
		const req = request(`${server.url.replace(/\/$/, '')}${path}`, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
		});
		req.on('error', reject);
		req.end();
	});
}

describe('static compression', () => {
	it('sends brotli when accepted, gzip otherwise, the plain file to a client that accepts neither', async () => {
		const br = await get('/_app/immutable/app.abc.js', 'gzip, deflate, br');
		expect(br.headers['content-encoding']).toBe('br');
		expect(br.headers['vary']).toBe('Accept-Encoding');
		expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
		expect(brotliDecompressSync(br.body).toString()).toBe(script);
		expect(br.body.length).toBeLessThan(script.length / 10);

		const gz = await get('/_app/immutable/app.abc.js', 'gzip');
		expect(gz.headers['content-encoding']).toBe('gzip');
		expect(gunzipSync(gz.body).toString()).toBe(script);

		const plain = await get('/_app/immutable/app.abc.js', 'br;q=0, identity');
		expect(plain.headers['content-encoding']).toBeUndefined();
		expect(plain.body.toString()).toBe(script);
	});

	it('serves index.html compressed and revalidated, for app routes too', async () => {
		const page = await get('/inbox/mine', 'br, gzip');
		expect(page.headers['content-encoding']).toBe('gzip');
		expect(page.headers['cache-control']).toBe('no-cache');
		expect(gunzipSync(page.body).toString()).toContain('<title>Parley</title>');
	});
});
