/**
 * What the browser benchmarks share: the built app (build/) served by a real sync server seeded
 * with N contacts, Debian's Chromium through Playwright, a signed-in page with the debug hook
 * (`window.__parley`, localStorage `parley.debug` = '1') and a wait for the first full sync.
 * `openBrowserBench` returns everything plus `close()`, which stops the browser and the server
 * and removes the server's data directory; callers close in a `finally`.
 */
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuild } from '../scripts/ensure.mjs';
import { startServer } from '../sync-server/src/server';
import type { BenchContext } from './harness';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The part of the app the benchmarks drive through `window.__parley.app`. */
export interface App {
	session: { status: string };
	sync: { state: string; unacked: number; catchingUp: boolean };
	inbox: { ready: boolean; rows: Array<{ id: string }>; all(): Iterable<{ id: string }>; select(id: string | null): void };
	conversations: {
		open(id: string): { loaded: Promise<void>; entries: unknown[]; addComment(i: { text: string; mentions: string[] }): Promise<unknown>; close(): void };
	};
	replica: {
		store: { listDocIds(): Promise<string[]> };
		registry: { get(id: string): Promise<unknown>; drop(id: string): void; clear(): void };
		summaries: { compact(): Promise<void> };
	};
}
export interface Debug {
	__parley: { app: App; lastCatchUp(): unknown };
}

export interface BrowserBench {
	context: BrowserContext;
	page: Page;
	/** Milliseconds from submitting the login form to the end of the first catch-up. */
	firstSync: number;
	close(): Promise<void>;
}

/** Builds the client once (vite build) when build/ is missing. */
/** Builds the client when `build/` is missing or older than its sources (as `npm start` does). */
export function ensureBuilt(ctx: BenchContext): void {
	ctx.log('client build: checking it is current ...');
	ensureBuild();
}

export async function signIn(page: Page, email: string): Promise<void> {
	await page.goto('/');
	await page.locator('#login-email').fill(email);
	await page.locator('#login-password').fill('parley-demo');
	await page.locator('form button[type="submit"]').click();
}

export async function caughtUp(page: Page, timeout: number): Promise<void> {
	await page.waitForFunction(
		() => {
			const d = (window as unknown as Partial<Debug>).__parley;
			return d?.app.sync.state === 'online' && !d.app.sync.catchingUp && d.lastCatchUp() !== null;
		},
		null,
		{ timeout, polling: 100 }
	);
}

/**
 * Server seeded with `contacts` contacts, Chromium at 1440x900, `email` signed in and caught up.
 */
export async function openBrowserBench(ctx: BenchContext, opts: { name: string; contacts: number; email?: string }): Promise<BrowserBench> {
	ensureBuilt(ctx);
	const dataDir = mkdtempSync(join(tmpdir(), `parley-bench-${opts.name}-`));
	let browser: Browser | undefined;
	let server: Awaited<ReturnType<typeof startServer>> | undefined;
	const close = async () => {
		await browser?.close();
		await server?.close();
		rmSync(dataDir, { recursive: true, force: true });
	};
	try {
		server = await startServer({
			host: '127.0.0.1',
			port: 0,
			dataDir,
			staticDir: join(root, 'build'),
			seed: { contacts: opts.contacts, seed: ctx.seed, messagesPerContact: { min: 2, max: 12 } },
			log: () => undefined
		});
		browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
		const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1440, height: 900 } });
		await context.addInitScript(() => window.localStorage.setItem('parley.debug', '1'));
		const page = await context.newPage();
		const t0 = Date.now();
		await signIn(page, opts.email ?? 'owner@demo.test');
		await caughtUp(page, 600_000);
		return { context, page, firstSync: Date.now() - t0, close };
	} catch (err) {
		await close();
		throw err;
	}
}

/**
 * The JS heap of each dedicated worker of the page (`performance.memory` is the page's only), by
 * CDP: auto-attach to the page's workers, then `Runtime.getHeapUsage` in each.
 */
export async function workerHeaps(context: BrowserContext, page: Page): Promise<number[]> {
	return (await workerMemory(context, page)).map((m) => m.used);
}

/**
 * `workerHeaps` with each worker's ArrayBuffer backing stores beside its JS heap (`backing`, -1
 * when this Chromium does not report it): typed arrays live outside the heap. `gc`: a full
 * collection in each worker first, so the figures are what is held, not what awaits collection.
 */
export async function workerMemory(context: BrowserContext, page: Page, opts: { gc?: boolean } = {}): Promise<Array<{ used: number; backing: number }>> {
	const cdp = await context.newCDPSession(page);
	const sessions: string[] = [];
	const replies = new Map<number, (m: { used: number; backing: number }) => void>();
	cdp.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string } }) => {
		if (e.targetInfo.type === 'worker') sessions.push(e.sessionId);
	});
	cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
		const m = JSON.parse(e.message) as { id?: number; result?: { usedSize: number; backingStorageSize?: number } };
		if (m.id !== undefined) replies.get(m.id)?.({ used: m.result?.usedSize ?? -1, backing: m.result?.backingStorageSize ?? -1 });
	});
	await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
	await new Promise((r) => setTimeout(r, 500));
	const out: Array<{ used: number; backing: number }> = [];
	for (const [i, sessionId] of sessions.entries()) {
		const used = await Promise.race([
			new Promise<{ used: number; backing: number }>((resolve) => {
				const id = 2 * i + 2;
				replies.set(id, resolve);
				if (opts.gc) void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: id - 1, method: 'HeapProfiler.collectGarbage' }) });
				void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) });
			}),
			new Promise<{ used: number; backing: number }>((r) => setTimeout(() => r({ used: -1, backing: -1 }), 10_000))
		]);
		out.push(used);
	}
	await cdp.detach().catch(() => undefined);
	return out;
}

/** The scale benches' message queries (words of the generated messages, EN and FR). */
export const SCALE_QUERIES = ['refund', 'invoice', 'hello', 'merci', 'order', 'delivery', 'screenshot', 'facture', 'update', 'problème', 'réglé', 'horaires'];

/**
 * Each query typed into the app's search `rounds` times (a trailing space makes each round a
 * new query): setQuery -> the results of that query, in ms, in order. One deadline for all of
 * them: a worker that never answers ends the measurement (`answered: false`), not the run.
 */
export async function searchTimes(
	page: Page,
	opts: { rounds?: number; deadlineMs?: number; queries?: readonly string[] } = {}
): Promise<{ times: number[]; answered: boolean }> {
	const { rounds = 3, deadlineMs = 600_000, queries = SCALE_QUERIES } = opts;
	const times: number[] = [];
	const end = Date.now() + deadlineMs;
	for (let round = 0; round < rounds; round++) {
		for (const q of queries) {
			const ms = (await page.evaluate(
				`(async () => {
					const s = window.__parley.app.search;
					const q = ${JSON.stringify(q)} + ' '.repeat(${round});
					const t = performance.now();
					const end = t + ${Math.max(0, end - Date.now())};
					s.setQuery(q);
					while (s.results.query !== q) {
						if (performance.now() > end) return -1;
						await new Promise((r) => setTimeout(r, 0));
					}
					return performance.now() - t;
				})()`
			)) as number;
			if (ms < 0) return { times, answered: false };
			times.push(ms);
		}
	}
	return { times, answered: true };
}
