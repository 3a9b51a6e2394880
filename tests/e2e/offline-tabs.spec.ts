/**
 * Local data shared and separated: two tabs of one user share one database (changes of one tab
 * reach the other through BroadcastChannel, offline too, and the unacked count agrees), and
 * users of one browser never see each other's data; logout can wipe it.
 */
// SPEC S9.1, S9.2, S9.5
import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../sync-server/src/server';

type Server = Awaited<ReturnType<typeof startServer>>;
const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
let server: Server;
let dataDir: string;

test.beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-tabs-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 30 }, log: () => undefined });
});

test.afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

interface App {
	session: { status: string; user: { id: string } | null; logout(o?: { wipe?: boolean }): Promise<void> };
	sync: { state: string; unacked: number; catchingUp: boolean };
	inbox: { rows: Array<{ id: string; status: string }>; summary(id: string): { status: string } | undefined; all(): Iterable<{ id: string }> };
	actions: { close(id: string): Promise<unknown> };
}
interface Debug {
	__parley: { app: App };
}

async function login(page: Page, email: string): Promise<void> {
	await page.locator('#login-email').fill(email);
	await page.locator('#login-password').fill('parley-demo');
	await page.locator('form button[type="submit"]').click();
	await page.waitForFunction(() => {
		const d = (window as unknown as { __parley?: { app: App; lastCatchUp(): unknown } }).__parley;
		return d?.app.session.status === 'ready' && d.app.sync.state === 'online' && !d.app.sync.catchingUp && d.lastCatchUp() !== null;
	});
}

test('two tabs of one user share local changes, offline too', async ({ browser }) => {
	const context = await browser.newContext({ baseURL: server.url });
	await context.addInitScript(() => window.localStorage.setItem('parley.debug', '1'));
	const tab1 = await context.newPage();
	await tab1.goto('/');
	await login(tab1, 'ana@demo.test');
	const tab2 = await context.newPage();
	await tab2.goto('/');
	await tab2.waitForFunction(() => (window as unknown as { __parley?: { app: App } }).__parley?.app.session.status === 'ready');

	await context.setOffline(true);
	const target = await tab1.evaluate(() => (window as unknown as Debug).__parley.app.inbox.rows.find((r) => r.status === 'open')!.id);
	await tab1.evaluate((id) => (window as unknown as Debug).__parley.app.actions.close(id), target);
	await expect.poll(() => tab2.evaluate((id) => (window as unknown as Debug).__parley.app.inbox.summary(id)?.status, target)).toBe('closed');
	await expect(tab2.getByTestId('sync')).toHaveAttribute('data-unacked', '1');

	await context.setOffline(false);
	await expect(tab1.getByTestId('sync')).toHaveAttribute('data-unacked', '0', { timeout: 20_000 });
	await expect(tab2.getByTestId('sync')).toHaveAttribute('data-unacked', '0', { timeout: 20_000 });
	await context.close();
});

test('another user on the same browser never sees the first user’s data; logout can wipe it', async ({ browser }) => {
	const context = await browser.newContext({ baseURL: server.url });
	await context.addInitScript(() => window.localStorage.setItem('parley.debug', '1'));
	const page = await context.newPage();
	await page.goto('/');
	await login(page, 'ana@demo.test');
	const anaIds = await page.evaluate(() => [...(window as unknown as Debug).__parley.app.inbox.all()].map((s) => s.id));
	expect(anaIds.length).toBe(30);

	await page.evaluate(() => (window as unknown as Debug).__parley.app.session.logout());
	await login(page, 'sue@demo.test');
	const sueIds = await page.evaluate(() => [...(window as unknown as Debug).__parley.app.inbox.all()].map((s) => s.id));
	expect(sueIds.length).toBeGreaterThan(0);
	expect(sueIds.length).toBeLessThan(anaIds.length);
	const dbs = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
	expect(dbs.filter((n) => n.startsWith('parley:'))).toHaveLength(2);

	await page.evaluate(() => (window as unknown as Debug).__parley.app.session.logout({ wipe: true }));
	const after = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
	expect(after.filter((n) => n.startsWith('parley:'))).toHaveLength(1);
	await context.close();
});
