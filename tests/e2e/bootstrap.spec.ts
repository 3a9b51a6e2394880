/**
 * Issue 26: a first login to a workspace of 2,000 contacts (a reduced scale fixture), in the
 * built app against a real sync server on port 0.
 *
 * - The list is complete from the bootstrap's summaries while documents still download, and
 *   the progress ("Making … of 2,000 conversations available offline") is shown meanwhile.
 * - Documents wait while the person works (input events keep the idle gate closed): a
 *   conversation whose document is not here yet opens on click (it is fetched first).
 * - Once the person is idle every document arrives, the progress goes away, and offline every
 *   conversation is there.
 */
// SPEC S9.1, S9.2, S3.2
import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../sync-server/src/server';

type Server = Awaited<ReturnType<typeof startServer>>;
const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const CONTACTS = 2_000;

let server: Server;
let dataDir: string;

test.beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-bootstrap-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: CONTACTS, messagesPerContact: 3 }, log: () => undefined });
	await server.bootstrap.build();
});

test.afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

test('first login: progress shown, a conversation not here yet opens on click, offline afterwards everything is there', async ({ browser }) => {
	test.setTimeout(180_000);
	const context = await browser.newContext({ baseURL: server.url });
	// The person "works" (a key every 100 ms) until the test says stop: documents wait meanwhile.
	await context.addInitScript(() => {
		window.localStorage.setItem('parley.debug', '1');
		const w = window as unknown as { __busy: boolean };
		w.__busy = true;
		setInterval(() => {
			if (w.__busy) window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Shift' }));
		}, 100);
	});
	const page = await context.newPage();
	await page.goto('/');
	await page.waitForFunction(() => (window as unknown as Debug).__parley?.app.session.status === 'anonymous');
	await page.locator('#login-email').fill('owner@demo.test');
	await page.locator('#login-password').fill('parley-demo');
	await page.locator('form button[type="submit"]').click();

	// The progress, then the documents phase with the whole list painted from summaries.
	const progress = page.getByTestId('offline-progress');
	await expect(progress).toBeVisible({ timeout: 30_000 });
	await expect(progress).toHaveAttribute('data-phase', 'documents', { timeout: 30_000 });
	await expect(progress).toContainText(/Making [\d,]+ of 2,000 conversations available offline/);
	await expect(progress).toHaveAttribute('data-total', String(CONTACTS));
	expect(await page.evaluate(() => (window as unknown as Debug).__parley.app.replica!.summaries.size)).toBe(CONTACTS);
	await page.screenshot({ path: '/tmp/s26-bootstrap-progress.png' });

	// A row whose document is not here yet opens on click. Documents come newest first (and a
	// batch asked for before the person started working still arrives): the oldest rows, on
	// screen once sorted Oldest first, are not here yet.
	await page.locator('[data-testid="sort"]').click();
	await page.getByRole('menu').getByRole('menuitemradio', { name: 'Oldest', exact: true }).click();
	const id = await page.evaluate(() => {
		const d = (window as unknown as Debug).__parley.app;
		const shown = [...document.querySelectorAll('[role="option"][data-id]')].map((e) => e.getAttribute('data-id')!);
		return shown.find((r) => !d.replica!.isLocal(r)) ?? null;
	});
	expect(id).not.toBeNull();
	const preview = await page.evaluate((cid) => (window as unknown as Debug).__parley.app.inbox.summary(cid)!.lastMessagePreview, id!);
	await page.locator(`[role="option"][data-id="${id}"]`).click();
	await expect(page.getByTestId('thread')).toContainText(preview.slice(0, 30), { timeout: 20_000 });
	expect(await page.evaluate((cid) => (window as unknown as Debug).__parley.app.replica!.isLocal(cid), id!)).toBe(true);

	// Idle: every document arrives and the progress goes away.
	await page.evaluate(() => ((window as unknown as { __busy: boolean }).__busy = false));
	await expect(progress).toBeHidden({ timeout: 120_000 });
	await page.waitForFunction(() => {
		const d = (window as unknown as Debug).__parley;
		return d.app.sync.state === 'online' && !d.app.sync.catchingUp && d.lastCatchUp() !== null;
	});
	await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state);

	// Offline, every conversation is on the device.
	await context.setOffline(true);
	await page.waitForFunction(() => (window as unknown as Debug).__parley.app.sync.state === 'offline');
	const held = await page.evaluate(async () => (await (window as unknown as Debug).__parley.app.replica!.store.listDocIds()).filter((d) => d !== 'dir').length);
	expect(held).toBe(CONTACTS);
	const sample = await page.evaluate(() => (window as unknown as Debug).__parley.app.inbox.rows.slice(-3).map((r) => r.id));
	for (const cid of sample) {
		const entries = await page.evaluate(async (c) => {
			const conv = (window as unknown as Debug).__parley.app.conversations.open(c);
			await conv.loaded;
			const n = conv.entries.length;
			conv.close();
			return n;
		}, cid);
		expect(entries).toBeGreaterThan(0);
	}
	await context.close();
});

interface Debug {
	__parley: {
		app: {
			session: { status: string };
			sync: { state: string; catchingUp: boolean };
			inbox: { rows: Array<{ id: string }>; summary(id: string): { lastMessagePreview: string } | undefined };
			replica: { isLocal(id: string): boolean; summaries: { size: number }; store: { listDocIds(): Promise<string[]> } } | null;
			conversations: { open(id: string): { loaded: Promise<void>; entries: unknown[]; close(): void } };
		};
		lastCatchUp(): unknown;
	};
}
