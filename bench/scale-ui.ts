/**
 * Focused measurement of the big workspace's list switches and search in real Chromium (issue 26),
 * for iterating on them without the whole `npm run bench scale` (which signs in from scratch every
 * run). `npx tsx bench/scale-ui.ts` once signs the owner in on a copy of the cached 50k fixture
 * (`data/bench-scale/50000-42`, made by `npm run bench scale`) with a persistent browser profile
 * and waits until every document is local; later runs reopen that profile (the same fixed port,
 * so the same origin and IndexedDB), wait for the list and search, and measure:
 * - inbox / sort switches, click -> painted, two ways: the scale bench's (two animation frames
 *   after the click, read by an evaluate sent after the click) and the inbox bench's (the input
 *   event's time to the paint after the list's DOM changed, observed in the page);
 * - the global search (contacts + messages), setQuery -> results, and the worker's heap;
 * - with SCALE_UI_TRACE=<file>, a Chromium performance trace of the switches and searches.
 * Env: SCALE_UI_DIR (state folder, default /tmp/parley-scale-ui), SCALE_UI_PORT (default 47261).
 */
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../sync-server/src/server';
import { SCALE_QUERIES, searchTimes, signIn, workerMemory } from './browser-setup';
import { percentile } from './harness';
import { IN_PAGE, measure, type SwitchResult } from './inbox.bench';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = process.env.SCALE_UI_DIR ?? '/tmp/parley-scale-ui';
const port = Number(process.env.SCALE_UI_PORT ?? 47261);
const fixture = join(root, 'data', 'bench-scale', '50000-42');
const CLICK_TO_PAINT = `new Promise((resolve) => {
	const t0 = window.__lastClick ?? performance.now();
	requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
})`;

async function waitPage(page: Page, fn: string, timeout: number): Promise<boolean> {
	return page.waitForFunction(fn, null, { timeout, polling: 100 }).then(
		() => true,
		() => false
	);
}

const fmt = (v: number[]) => `p50 ${percentile(v, 50).toFixed(1)} p95 ${percentile(v, 95).toFixed(1)} max ${Math.max(...v).toFixed(1)} (n=${v.length})`;

async function main(): Promise<void> {
	const data = join(dir, 'data');
	const profile = join(dir, 'profile');
	if (!existsSync(data)) {
		if (!existsSync(join(fixture, 'ready'))) throw new Error(`no cached fixture in ${fixture}: run npm run bench scale once`);
		mkdirSync(dir, { recursive: true });
		cpSync(fixture, data, { recursive: true });
	}
	const server = await startServer({ host: '127.0.0.1', port, dataDir: data, staticDir: join(root, 'build'), seed: false, log: () => undefined });
	await server.bootstrap.build();
	let context: BrowserContext | undefined;
	try {
		context = await chromium.launchPersistentContext(profile, {
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: ['--no-sandbox', '--disable-gpu'],
			baseURL: server.url,
			viewport: { width: 1440, height: 900 }
		});
		await context.addInitScript(() => {
			window.localStorage.setItem('parley.debug', '1');
			document.addEventListener('click', () => ((window as unknown as { __lastClick: number }).__lastClick = performance.now()), { capture: true });
		});
		const page = context.pages()[0] ?? (await context.newPage());
		const primed = join(dir, 'primed');
		if (!existsSync(primed)) {
			const t0 = Date.now();
			await signIn(page, 'owner@demo.test');
			const ok = await waitPage(
				page,
				`(() => { const d = window.__parley; return !!d && d.app.sync.offline === null && d.app.sync.state === 'online' && !d.app.sync.catchingUp && d.lastCatchUp() !== null && d.app.search.complete; })()`,
				1_200_000
			);
			console.log(`primed (first login, every document local: ${ok}) in ${Date.now() - t0} ms`);
			if (!ok) return;
			const built = await workerMemory(context, page, { gc: true });
			console.log(`search worker after the first login, after a collection: heap MB ${built.map((m) => (m.used / 1e6).toFixed(0)).join(', ')}; array buffers MB ${built.map((m) => (m.backing / 1e6).toFixed(0)).join(', ')}`);
			// Let the search snapshot be written before closing.
			await new Promise((r) => setTimeout(r, 20_000));
			writeFileSync(primed, new Date().toISOString());
			return;
		}
		const t0 = Date.now();
		await page.goto('/');
		await waitPage(page, `window.__parley?.app.inbox.ready === true && window.__parley.app.inbox.rows.length > 0`, 300_000);
		console.log(`list ready in ${Date.now() - t0} ms`);
		console.log(
			'stored search snapshot:',
			await page.evaluate(`(async () => {
				const store = window.__parley.app.replica.store;
				const c = await store.getMeta('search.contacts');
				const rows = (await store.loadSearchRows()).filter((r) => r.key.startsWith('search.slice.'));
				const bytes = rows.reduce((n, r) => n + r.value.slice.byteLength, 0);
				return JSON.stringify({ contacts: c ? c.byteLength : null, slices: rows.length, sliceBytes: bytes });
			})()`)
		);
		const complete = await waitPage(page, `window.__parley?.app.search.complete === true`, 600_000);
		console.log(`search complete: ${complete} at ${Date.now() - t0} ms`);
		await new Promise((r) => setTimeout(r, Number(process.env.SCALE_UI_SETTLE_MS ?? 5_000)));
		await page.evaluate(IN_PAGE);

		const cdp = process.env.SCALE_UI_TRACE ? await context.newCDPSession(page) : null;
		const traceChunks: unknown[] = [];
		if (cdp) {
			cdp.on('Tracing.dataCollected', (e: { value: unknown[] }) => traceChunks.push(...e.value));
			await cdp.send('Tracing.start', { categories: 'devtools.timeline,v8.execute,disabled-by-default-devtools.timeline,disabled-by-default-v8.cpu_profiler,blink.user_timing', transferMode: 'ReportEvents' });
		}
		const old: number[] = [];
		const observed: SwitchResult[] = [];
		const rounds = Number(process.env.SCALE_UI_ROUNDS ?? 6);
		for (let i = 0; i < rounds; i++) {
			for (const name of ['Mine', 'Unassigned', 'All']) {
				const target = page.locator('nav, aside').getByText(name, { exact: true }).first();
				observed.push(
					await measure(page, async () => {
						await target.click();
						old.push((await page.evaluate(CLICK_TO_PAINT)) as number);
					})
				);
			}
			await page.locator('[data-testid="sort"]').click();
			const item = page.getByRole('menu').getByRole('menuitemradio', { name: i % 2 === 0 ? 'Oldest' : 'Newest', exact: true });
			await item.waitFor();
			observed.push(
				await measure(page, async () => {
					await item.click();
					old.push((await page.evaluate(CLICK_TO_PAINT)) as number);
				})
			);
		}
		console.log(`switch, scale bench's way (2 rAF after the click, read after it): ${fmt(old)}`);
		console.log(`switch, input -> painted (observed in the page): ${fmt(observed.map((r) => r.total))}`);
		console.log(`switch, input -> list DOM changed: ${fmt(observed.map((r) => r.toDom))}`);
		console.log(`switch, input -> dispatch: ${fmt(observed.map((r) => r.queued))}`);
		console.log(`rows: ${await page.evaluate('window.__parley.app.inbox.rows.length')}`);

		const queries = SCALE_QUERIES;
		const { times } = await searchTimes(page);
		for (let round = 0; round < 3; round++) console.log(`  round ${round}: ${queries.map((q, i) => `${q} ${times[round * queries.length + i]!.toFixed(1)}`).join(', ')}`);
		console.log(`search setQuery -> results: ${fmt(times)}`);
		if (cdp) {
			const done = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()));
			await cdp.send('Tracing.end');
			await done;
			writeFileSync(process.env.SCALE_UI_TRACE!, JSON.stringify({ traceEvents: traceChunks }));
			console.log(`trace written to ${process.env.SCALE_UI_TRACE}`);
		}
		const memory = await workerMemory(context, page);
		const heaps = memory.map((m) => m.used);
		console.log(`worker array buffers MB: ${memory.map((m) => (m.backing / 1e6).toFixed(0)).join(', ')}`);
		const collected = await workerMemory(context, page, { gc: true });
		console.log(`after a collection in the worker: heap MB ${collected.map((m) => (m.used / 1e6).toFixed(0)).join(', ')}; array buffers MB ${collected.map((m) => (m.backing / 1e6).toFixed(0)).join(', ')}`);
		const pageHeap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? -1);
		console.log(`worker heaps MB: ${heaps.map((h) => (h / 1e6).toFixed(0)).join(', ')}; page heap ${(pageHeap / 1e6).toFixed(0)} MB`);
		await page.evaluate(() => (window as unknown as { __parley: { app: { search: { setQuery(q: string): void } } } }).__parley.app.search.setQuery(''));
	} finally {
		await context?.close().catch(() => undefined);
		await server.close().catch(() => undefined);
	}
}

await main();
process.exit(0);
