/**
 * Spotty connections (issue 17) in Chromium: the built app served by a real sync server started
 * here on port 0, reached through the chaos proxy of tests/chaos/proxy.ts on loopback (black
 * holes, resets, a bandwidth cap). What the agent is told must match what reached the server:
 * - a black-holed connection reads "Reconnecting… your changes are saved on this device" within
 *   10 s and "Offline" once reconnecting fails; a reply sent into the hole shows its own state in
 *   the thread and arrives exactly once when the network comes back;
 * - replies sent offline each show "queued", the indicator counts the replies (not the updates
 *   of their keystrokes), an offline reload says "Offline" and keeps the states, and every reply
 *   reaches the server exactly once;
 * - a first login at 50 KB/s to the demo shows its newest conversations first: its final top 5
 *   is on screen, and its top 20 in the list, long before the last contacts have arrived.
 */
// SPEC S9.5, S5.4, S9.2
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyUpdate, contactDoc, createDoc, storageOrigin } from '../../src/lib/doc';
import { contactDocId } from '../../src/lib/domain/ids';
import { DEFAULT_LIST_QUERY, queryList } from '../../src/lib/domain/list';
import type { ContactId } from '../../src/lib/domain/types';
import { startServer } from '../../sync-server/src/server';
import { ChaosProxy } from '../chaos/proxy';
import { serverTruth } from './inbox-fixture';

type Server = Awaited<ReturnType<typeof startServer>>;
const staticDir = fileURLToPath(new URL('../../build', import.meta.url));

interface Debug {
	__parley: {
		app: {
			session: { status: string; user: { id: string } | null };
			sync: { state: string; unacked: number; catchingUp: boolean };
			inbox: { ready: boolean; rows: Array<{ id: string; assigneeId: string | null; status: string }> };
		};
		lastCatchUp(): unknown;
	};
}

/** Top rows as they changed during a first login, with how many contacts had arrived. */
type Seen = Array<{ top: string; arrived: number }>;

let server: Server;
let proxy: ChaosProxy;
let dataDir: string;

test.beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-chaos-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 40 }, log: () => undefined });
	proxy = new ChaosProxy({ target: { host: '127.0.0.1', port: server.port } });
	await proxy.start();
});

test.afterAll(async () => {
	await proxy?.close();
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

test.afterEach(() => {
	proxy.mode = 'pass';
	proxy.bytesPerSec = undefined;
});

async function signIn(browser: Browser, email: string): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ baseURL: proxy.url });
	await context.addInitScript(() => window.localStorage.setItem('parley.debug', '1'));
	const page = await context.newPage();
	await page.goto('/');
	await page.locator('#login-email').fill(email);
	await page.locator('#login-password').fill('parley-demo');
	await page.locator('form button[type="submit"]').click();
	await page.waitForFunction(
		() => {
			const d = (window as unknown as Partial<Debug>).__parley;
			return d?.app.sync.state === 'online' && !d.app.sync.catchingUp && d.lastCatchUp() !== null;
		},
		null,
		{ timeout: 60_000 }
	);
	// The shell must be cached before a test goes offline and reloads.
	await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state);
	return { context, page };
}

/** Entries of the server's copy of a contact whose text contains `text` (exactly-once checks). */
async function onServer(contactId: string, text: string): Promise<number> {
	const doc = createDoc();
	applyUpdate(doc, (await server.rooms.snapshot(contactDocId(contactId as ContactId))).update, storageOrigin());
	return contactDoc(doc)
		.thread.entries()
		.filter((e) => (e.kind === 'message' ? (e.body.text ?? '') : e.kind === 'comment' ? e.text : '').includes(text)).length;
}

/** An open, assigned contact (a reply changes nothing else: no auto-assign), one per test. */
async function myOpenContact(page: Page, nth: number): Promise<string> {
	return page.evaluate((n) => {
		const app = (window as unknown as Debug).__parley.app;
		return app.inbox.rows.filter((r) => r.assigneeId !== null && r.status === 'open')[n]!.id;
	}, nth);
}

async function reply(page: Page, text: string): Promise<void> {
	const box = page.getByTestId('composer');
	await box.pressSequentially(text, { delay: 5 });
	await box.press('Control+Enter');
	await expect(page.getByTestId('thread')).toContainText(text);
}

const entry = (page: Page, text: string) => page.locator('[data-entry-id]', { hasText: text });

test('a black-holed connection is known within 10 s, then offline; a reply sent into it arrives exactly once', async ({ browser }) => {
	const { context, page } = await signIn(browser, 'owner@demo.test');
	const id = await myOpenContact(page, 0);
	await page.locator(`[role="option"][data-id="${id}"]`).click();
	const sync = page.getByTestId('sync');
	await expect(sync).toHaveAttribute('data-state', 'online');

	proxy.mode = 'blackhole';
	const holedAt = Date.now();
	const text = `into the hole ${Date.now()}`;
	await reply(page, text);
	await expect(sync).toHaveAttribute('data-state', /reconnecting|offline/, { timeout: Math.max(1_000, 10_000 - (Date.now() - holedAt)) });
	expect(Date.now() - holedAt).toBeLessThanOrEqual(10_500);
	await expect(sync).toContainText('your changes are saved on this device');
	await expect(entry(page, text).getByTestId('entry-pending')).toBeVisible();
	// The reconnect goes into the hole too: its opening times out and the indicator says so.
	await expect(sync).toHaveAttribute('data-state', 'offline', { timeout: 20_000 });
	await expect(sync).toContainText('Offline');
	await expect(entry(page, text).getByTestId('entry-pending')).toHaveAttribute('data-state', 'queued');

	proxy.mode = 'pass';
	proxy.reset();
	await expect(sync).toHaveAttribute('data-state', 'online', { timeout: 30_000 });
	await expect(sync).toHaveAttribute('data-unacked', '0', { timeout: 30_000 });
	await expect(entry(page, text).getByTestId('entry-pending')).toHaveCount(0);
	expect(await onServer(id, text)).toBe(1);
	await context.close();
});

test('replies sent offline each show "queued", count as 3, survive an offline reload, and arrive exactly once', async ({ browser }) => {
	const { context, page } = await signIn(browser, 'owner@demo.test');
	const id = await myOpenContact(page, 0);
	await page.locator(`[role="option"][data-id="${id}"]`).click();
	const sync = page.getByTestId('sync');
	await context.setOffline(true);
	await expect(sync).toHaveAttribute('data-state', 'offline');
	const tag = `queued ${Date.now()}`;
	const texts = [1, 2, 3].map((i) => `${tag} reply ${i}`);
	for (const t of texts) await reply(page, t);
	for (const t of texts) await expect(entry(page, t).getByTestId('entry-pending')).toHaveAttribute('data-state', 'queued');
	await expect(entry(page, texts[0]!).getByTestId('entry-pending')).toContainText('queued');
	// Three replies typed key by key: 3 actions, not one per keystroke.
	await expect(sync).toHaveAttribute('data-unacked', '3');

	await page.reload();
	await page.waitForFunction(() => (window as unknown as Debug).__parley?.app.inbox.ready === true);
	await expect(sync).toHaveAttribute('data-state', 'offline');
	await expect(sync).toContainText('Offline');
	await expect(sync).not.toContainText('Connecting');
	await expect(sync).toHaveAttribute('data-unacked', '3');
	await page.locator(`[role="option"][data-id="${id}"]`).click();
	for (const t of texts) await expect(entry(page, t).getByTestId('entry-pending')).toHaveAttribute('data-state', 'queued');

	await context.setOffline(false);
	await expect(sync).toHaveAttribute('data-state', 'online', { timeout: 30_000 });
	await expect(sync).toHaveAttribute('data-unacked', '0', { timeout: 30_000 });
	await expect(page.getByTestId('entry-pending')).toHaveCount(0);
	for (const t of texts) expect(await onServer(id, t), t).toBe(1);
	await context.close();
});

test('a first login at 50 KB/s shows the demo’s newest conversations first', async ({ browser }) => {
	// The demo's own top rows as the server holds them (the owner's default list: All, Newest),
	// nothing written first to help: the seed must store them so that a catch-up sends them first.
	const { dir, contacts } = await serverTruth(server);
	const owner = dir.users.find((u) => u.email === 'owner@demo.test')!;
	const expected = queryList(contacts, DEFAULT_LIST_QUERY, owner, dir).map((c) => c.id);
	expect(expected.length).toBeGreaterThanOrEqual(30);

	proxy.bytesPerSec = 50 * 1024;
	const context = await browser.newContext({ baseURL: proxy.url });
	await context.addInitScript(() => window.localStorage.setItem('parley.debug', '1'));
	// Each time they change, record the top 5 rows on screen and the top 20 rows of the list,
	// with how many contacts had arrived.
	await context.addInitScript(() => {
		const w = window as unknown as { __screen: Seen; __list: Seen; __parley?: { app: { inbox: { rows: Array<{ id: string }> } } } };
		w.__screen = [];
		w.__list = [];
		const note = (seen: Seen, ids: string[], n: number, arrived: number) => {
			const top = ids.join(',');
			if (ids.length === n && top !== seen[seen.length - 1]?.top) seen.push({ top, arrived });
		};
		const tick = () => {
			const rows = w.__parley?.app.inbox.rows ?? [];
			const screen = Array.from(document.querySelectorAll('[role="option"][data-id]')).slice(0, 5).map((e) => e.getAttribute('data-id') ?? '');
			note(w.__screen, screen, 5, rows.length);
			note(w.__list, rows.slice(0, 20).map((r) => r.id), 20, rows.length);
			requestAnimationFrame(tick);
		};
		requestAnimationFrame(tick);
	});
	const page = await context.newPage();
	await page.goto('/', { timeout: 60_000 });
	await page.locator('#login-email').fill('owner@demo.test');
	await page.locator('#login-password').fill('parley-demo');
	await page.locator('form button[type="submit"]').click();
	await page.waitForFunction(
		() => {
			const d = (window as unknown as Partial<Debug>).__parley;
			return d?.app.sync.state === 'online' && !d.app.sync.catchingUp && d.lastCatchUp() !== null;
		},
		null,
		{ timeout: 120_000, polling: 200 }
	);
	const { screen, list } = await page.evaluate(() => {
		const w = window as unknown as { __screen: Seen; __list: Seen };
		return { screen: w.__screen, list: w.__list };
	});
	// The rows that were on screen, and in the list, for good from the moment they settled.
	const settled = (seen: Seen, final: string) => {
		expect(seen[seen.length - 1]?.top, JSON.stringify(seen)).toBe(final);
		return seen[seen.findIndex((t, i) => seen.slice(i).every((u) => u.top === final))]!.arrived;
	};
	// The demo's final top 5 is on screen before a quarter of its 40 contacts have arrived, its
	// top 20 in the list by the time 25 have (the demo stored in generation order, they settled
	// only near the end: at 35 and 38 contacts).
	expect.soft(settled(screen, expected.slice(0, 5).join(',')), JSON.stringify(screen)).toBeLessThanOrEqual(10);
	expect(settled(list, expected.slice(0, 20).join(',')), JSON.stringify(list)).toBeLessThanOrEqual(25);
	await context.close();
});
