/**
 * Screenshots of the inbox's main states in English and French, saved to
 * test-results/screenshots/ for people to look at (layout, density, truncation, translations).
 * Each state is reached through the UI and asserted before it is captured.
 */
// SPEC S1.1, S1.7, S3.1, S4.1, S4.6, S4.7, S9.5
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { queryList } from '../../src/lib/domain/list';
import type { StatusFilter } from '../../src/lib/domain/types';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, openInbox, reachable, receive, serverTruth, signIn, type Server } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const outDir = fileURLToPath(new URL('../../test-results/screenshots', import.meta.url));

let server: Server;
let dataDir: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
	mkdirSync(outDir, { recursive: true });
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-screens-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 300 }, log: () => undefined });
});

test.afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

async function shot(page: Page, lang: string, name: string): Promise<void> {
	await page.screenshot({ path: join(outDir, `${lang}-${name}.png`), animations: 'disabled' });
}

for (const [lang, locale] of [
	['en', 'en-US'],
	['fr', 'fr-FR']
] as const) {
	test(`main states in ${lang}`, async ({ browser }) => {
		const login = await browser.newContext({ baseURL: server.url, locale });
		const lp = await login.newPage();
		await lp.goto('/login');
		await expect(lp.locator('#login-email')).toBeVisible();
		await shot(lp, lang, '01-login');
		await login.close();

		const { page, context, user } = await signIn(browser, server, 'owner@demo.test', locale);
		await expect(page.locator('html')).toHaveAttribute('lang', lang);
		const { dir, contacts } = await serverTruth(server);

		// A live incoming message: the dot on the first inbox that applies (S1.7).
		const target = contacts.find((c) => c.teamId !== null && c.assigneeId !== user.id && !c.blocked && c.status === 'open' && reachable(c, contacts));
		if (target) await receive(server, target, lang === 'fr' ? 'Bonjour, une question sur ma commande' : 'Hi, a question about my order');
		await expect(page.locator('[data-inbox] .dot')).toHaveCount(1);
		await shot(page, lang, '02-inbox');

		const row = page.locator('[role="option"]').nth(2);
		await row.click();
		await expect(page.getByTestId('pane-name')).toBeVisible();
		await page.locator('[role="option"]').nth(4).hover();
		await shot(page, lang, '03-conversation-hover');

		await page.keyboard.press('s');
		await expect(page.getByRole('menu')).toBeVisible();
		await shot(page, lang, '04-snooze-menu');
		await page.keyboard.press('Escape');
		await expect(page.getByRole('menu')).toHaveCount(0);

		await page.keyboard.press('a');
		await expect(page.getByRole('menu')).toBeVisible();
		await shot(page, lang, '05-assign-menu');
		await page.keyboard.press('Escape');

		await page.locator('[role="option"]').nth(1).click({ button: 'right' });
		await expect(page.getByRole('menu')).toBeVisible();
		await shot(page, lang, '06-context-menu');
		await page.keyboard.press('Escape');

		await page.getByTestId('status-filter').click();
		await expect(page.getByRole('menu')).toBeVisible();
		await shot(page, lang, '07-status-menu');
		await page.keyboard.press('Escape');

		await page.locator('body').press('n');
		const dialog = page.getByRole('dialog');
		await dialog.locator('#nc-phone').fill('12');
		await dialog.getByTestId('create-contact').click();
		await expect(dialog.locator('#nc-firstName-error')).toBeVisible();
		await shot(page, lang, '08-new-contact-errors');
		await page.keyboard.press('Escape');
		await expect(dialog).toHaveCount(0);

		await page.locator('body').press('?');
		await expect(page.getByRole('dialog')).toBeVisible();
		await shot(page, lang, '09-shortcuts');
		await page.keyboard.press('Escape');

		// An empty view: the first filter of Mine the rules make empty.
		await openInbox(page, 'mine');
		const empty = (['snoozed', 'closed', 'open'] as StatusFilter[]).find(
			(status) => queryList(contacts, { inbox: 'mine', status, unreplied: true, sort: 'newest' }, user, dir).length === 0
		);
		if (empty) {
			await page.getByTestId('unreplied').click();
			await page.getByTestId('status-filter').click();
			await page.getByRole('menuitemradio').nth(['all', 'open', 'closed', 'snoozed'].indexOf(empty)).click();
			await expect(page.getByTestId('empty')).toBeVisible();
			await shot(page, lang, '10-empty');
			await page.getByTestId('unreplied').click();
			await page.getByTestId('status-filter').click();
			await page.getByRole('menuitemradio').first().click();
		}

		await openInbox(page, 'all');
		await context.setOffline(true);
		await expect(page.getByTestId('offline-banner')).toBeVisible({ timeout: 20_000 });
		// A change made offline waits in the unacked count (S9.5).
		const open = page.locator('[role="option"]:not(:has(.status))').first();
		await open.click();
		await page.keyboard.press('e');
		await expect(page.getByTestId('sync')).not.toHaveAttribute('data-unacked', '0');
		await shot(page, lang, '11-offline');
		await context.setOffline(false);
		await caughtUp(page);

		await page.getByTestId('user-menu').click();
		await expect(page.getByRole('menu')).toBeVisible();
		await shot(page, lang, '12-user-menu');
		await page.keyboard.press('Escape');
		await context.close();

		const sue = await signIn(browser, server, 'sue@demo.test', locale);
		await sue.page.locator('[role="option"]').first().click();
		await shot(sue.page, lang, '13-restricted-agent');
		await sue.context.close();
	});
}
