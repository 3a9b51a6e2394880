/**
 * The screenshots of docs/guide.md and the README, each taken after the state it shows is
 * asserted. By default they go to test-results/screenshots/docs/ (the suite checks the states,
 * the repository is not touched); with DOCS_SCREENSHOTS=1 they are written to docs/images/, to
 * be committed when the UI changed:
 *
 *   npx vite build && DOCS_SCREENSHOTS=1 npx playwright test tests/e2e/docs-screens.spec.ts
 */
// SPEC S1.1, S3.5, S5.8, S6.2, S9.4, S9.5
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, signIn, type Server } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const outDir = fileURLToPath(new URL(process.env.DOCS_SCREENSHOTS === '1' ? '../../docs/images' : '../../test-results/screenshots/docs', import.meta.url));

let server: Server;
let dataDir: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
	mkdirSync(outDir, { recursive: true });
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-docs-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 120 }, log: () => undefined });
});

test.afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(outDir, `${name}.png`), animations: 'disabled' });

test('the guide screenshots', async ({ browser }) => {
	const ana = await signIn(browser, server, 'ana@demo.test');
	const marc = await signIn(browser, server, 'manager@demo.test');
	const { page } = ana;

	// The inbox with a conversation open (README, guide "The inbox").
	await page.locator('[role="option"]').nth(1).click();
	await expect(page.getByTestId('pane-name')).toBeVisible();
	await expect(page.getByTestId('composer')).toBeVisible();
	const contactId = new URL(page.url()).pathname.split('/').pop()!;
	await shot(page, 'inbox');

	// Another agent opens the same conversation and types: viewers and "is typing" (S5.8, S9.4).
	await marc.page.goto(`/c/${contactId}`);
	await caughtUp(marc.page);
	await expect(page.locator('.console [data-testid="viewers"]')).toHaveAttribute('data-viewers', new RegExp(marc.user.id));
	await marc.page.getByTestId('composer').pressSequentially('Hello, I am looking at your order', { delay: 20 });
	await expect(page.getByTestId('typing-indicator')).toContainText(`${marc.user.name} is typing`);
	await shot(page, 'typing');
	await marc.page.getByTestId('composer').fill('');

	// An internal comment with a mention (S6.2).
	await page.getByTestId('comment-toggle').click();
	await expect(page.getByTestId('composer-box')).toHaveAttribute('data-mode', 'comment');
	await page.getByTestId('composer').pressSequentially('Can you check this one @');
	await expect(page.getByTestId('composer-picker')).toContainText(marc.user.name);
	await shot(page, 'comment-mention');
	await page.keyboard.press('Escape');
	await page.getByTestId('composer').fill('');

	// Search: contacts and messages in one dropdown (S3.5).
	await page.waitForFunction(() => (window as unknown as { __parley?: { app: { search: { complete: boolean } } } }).__parley?.app.search.complete === true, undefined, {
		timeout: 30_000
	});
	const input = page.getByTestId('global-search-input');
	await input.click();
	await input.pressSequentially('order', { delay: 15 });
	await expect(page.getByTestId('search-dropdown').getByTestId('search-message').first()).toBeVisible();
	await shot(page, 'search');
	await input.fill('');
	await input.blur();

	// The shortcuts overlay.
	await page.locator('body').press('?');
	await expect(page.getByRole('dialog')).toBeVisible();
	await shot(page, 'shortcuts');
	await page.keyboard.press('Escape');
	await expect(page.getByRole('dialog')).toHaveCount(0);

	// Offline: the banner and the count of changes waiting for the server (S9.5).
	await ana.context.setOffline(true);
	await expect(page.getByTestId('offline-banner')).toBeVisible({ timeout: 20_000 });
	await page.locator('[role="option"]:not(:has(.status))').first().click();
	await page.keyboard.press('e');
	await expect(page.getByTestId('sync')).not.toHaveAttribute('data-unacked', '0');
	await shot(page, 'offline');
	await ana.context.setOffline(false);
	await caughtUp(page);
	await expect(page.getByTestId('sync')).toHaveAttribute('data-unacked', '0', { timeout: 20_000 });

	await ana.context.close();
	await marc.context.close();
});
