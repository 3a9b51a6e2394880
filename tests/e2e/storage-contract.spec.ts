/**
 * The client store contract (src/lib/storage/contract.ts) on Chromium's real IndexedDB: the
 * browser entry is bundled with esbuild and served from a throwaway HTTP server on 127.0.0.1
 * (IndexedDB needs a real origin; about:blank has none).
 */
// SPEC S9.1 (documents kept in IndexedDB), S9.5 (pending count survives in the local queue).
import { expect, test } from '@playwright/test';
import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { CaseResult } from '../../src/lib/storage/contract';

const entry = fileURLToPath(new URL('../../src/lib/storage/browser-contract-entry.ts', import.meta.url));

async function bundle(): Promise<string> {
	const result = await build({ entryPoints: [entry], bundle: true, write: false, format: 'iife', target: 'es2022', platform: 'browser' });
	const file = result.outputFiles[0];
	if (!file) throw new Error('esbuild produced no output');
	return file.text;
}

async function serve(script: string): Promise<{ server: Server; url: string }> {
	const page = '<!doctype html><meta charset="utf-8"><title>store contract</title><script src="/contract.js"></script>';
	const server = createServer((req, res) => {
		const isScript = req.url === '/contract.js';
		res.writeHead(200, { 'content-type': isScript ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8' });
		res.end(isScript ? script : page);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return { server, url: `http://127.0.0.1:${port}/` };
}

test('every store contract case passes on real IndexedDB', async ({ page }) => {
	const { server, url } = await serve(await bundle());
	try {
		await page.goto(url);
		const results = await page.evaluate(() =>
			(window as unknown as { runStoreContract(): Promise<CaseResult[]> }).runStoreContract()
		);
		expect(results.length).toBeGreaterThan(0);
		expect(results.filter((r) => !r.ok)).toEqual([]);
	} finally {
		await new Promise<void>((resolve) => server.close(() => resolve()));
	}
});
