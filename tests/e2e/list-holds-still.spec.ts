/**
 * "A list that holds still" (issue 16) end to end: a workspace of a few thousand contacts, so a
 * first login's sync streams for seconds; the owner signs in through the login page in English
 * and in French (each a fresh browser context: a first sync each time).
 * - While the first sync runs, a progress line says so, never "0 conversations".
 * - A click opens the row the pointer was on, whatever arrives meanwhile: the rows hold still
 *   under the pointer and "N new" counts what arrived; leaving the list shows the latest order.
 * - The sidebar's counts say they are open conversations; the list header says its count
 *   follows the status filter.
 */
// SPEC S1.8, S4.1, S4.5, S4.6, S9.5
import { expect, test, type Browser, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContactSummary } from '../../src/lib/domain/types';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, PASSWORD, receive, renderedIds, stateIds, type Server } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const shots = 'test-results/screenshots';
const CONTACTS = 2500;

let server: Server;
let dataDir: string;

test.describe.configure({ mode: 'serial' });
test.setTimeout(180_000);

test.beforeAll(async () => {
	test.setTimeout(300_000);
	mkdirSync(shots, { recursive: true });
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-hold-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: CONTACTS }, log: () => undefined });
});

test.afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

const T = {
	en: { locale: 'en-US', syncing: /Syncing your conversations/, fresh: /\d+ new/, open: 'Open', count: /^[\d,]+ conversations · all statuses$/ },
	fr: { locale: 'fr-FR', syncing: /Synchronisation des conversations/, fresh: /\d+ nouvelles?/, open: 'Ouvertes', count: /^[\d\s  ]+ conversations · tous les statuts$/ }
} as const;

/** Signs in through the login form and returns as soon as the app is on the inbox (the first sync running). */
async function firstLogin(browser: Browser, locale: string): Promise<Page> {
	const context = await browser.newContext({ baseURL: server.url, locale, viewport: { width: 1440, height: 900 } });
	await context.addInitScript(() => {
		window.localStorage.setItem('parley.debug', '1');
		// Every text the list's count ever showed, to prove "0 conversations" never did.
		const seen: string[] = [];
		(window as unknown as { __counts: string[] }).__counts = seen;
		new MutationObserver(() => {
			for (const el of document.querySelectorAll('.toolbar .count')) {
				const text = el.textContent?.trim() ?? '';
				if (seen[seen.length - 1] !== text) seen.push(text);
			}
		}).observe(document, { subtree: true, childList: true, characterData: true });
	});
	const page = await context.newPage();
	await page.goto('/login');
	await page.locator('#login-email').fill('owner@demo.test');
	await page.locator('#login-password').fill(PASSWORD);
	await page.locator('form button[type="submit"]').click();
	await page.waitForURL((u) => !u.pathname.startsWith('/login'));
	return page;
}

/** An incoming message for a contact further down the list (found by its email, as a provider would). */
async function pushToTop(page: Page): Promise<void> {
	const candidates = await page.evaluate(() => {
		const app = (window as unknown as { __parley: { app: { inbox: { rows: Array<Pick<ContactSummary, 'id' | 'email' | 'phone'>> } } } }).__parley.app;
		return app.inbox.rows.slice(10, 40).filter((r) => r.email !== '');
	});
	for (const c of candidates) {
		try {
			await receive(server, c, 'Hello, any news on my order?');
			return;
		} catch {
			// A look-alike contact shares this email: the message went to that one, which moves too.
			return;
		}
	}
	throw new Error('no contact with an email near the top');
}

function rowUnder(page: Page, x: number, y: number): Promise<{ id: string; name: string } | null> {
	return page.evaluate(
		([px, py]) => {
			const el = document.elementFromPoint(px!, py!)?.closest('[data-id]');
			return el ? { id: el.getAttribute('data-id') ?? '', name: el.querySelector('.name')?.textContent?.trim() ?? '' } : null;
		},
		[x, y]
	);
}

for (const lang of ['en', 'fr'] as const) {
	test(`first sync (${lang}): a progress line instead of "0 conversations"; a click opens the row the pointer was on while rows keep arriving`, async ({ browser }) => {
		const t = T[lang];
		const page = await firstLogin(browser, t.locale);
		// The first rows are in while the sync still streams; the toolbar says it is syncing.
		const third = page.locator('[role="listbox"] .slot[data-index="2"] [data-id]');
		await expect(third).toBeVisible({ timeout: 30_000 });
		// The list's first phase can end before this line runs (the summaries come in one batch), so
		// what the toolbar said is read from the record the page kept of every text it showed.
		await expect.poll(() => page.evaluate(() => (window as unknown as { __counts: string[] }).__counts)).toContainEqual(expect.stringMatching(t.syncing));
		await page.screenshot({ path: `${shots}/list-first-sync-${lang}.png` });

		// The pointer rests on the third row; more contacts arrive and the list's order changes.
		const box = (await third.boundingBox())!;
		const x = box.x + box.width / 2;
		const y = box.y + box.height / 2;
		await page.mouse.move(x, y);
		const target = (await rowUnder(page, x, y))!;
		expect(target).not.toBeNull();
		// A customer writes meanwhile: their conversation goes to the top of the list.
		await pushToTop(page);
		await expect.poll(async () => (await stateIds(page)).indexOf(target.id), { timeout: 60_000 }).not.toBe(2);
		// Held: the same contact is still under the pointer, and what arrived is counted.
		expect(await rowUnder(page, x, y)).toEqual(target);
		await expect(page.getByTestId('list-fresh')).toHaveText(t.fresh);
		await page.screenshot({ path: `${shots}/list-held-new-${lang}.png` });

		await page.mouse.down();
		await page.mouse.up();
		await expect(page).toHaveURL(new RegExp(`/c/${target.id}$`));
		await expect(page.getByTestId('pane-name')).toHaveText(target.name);

		await caughtUp(page);
		const counts = await page.evaluate(() => (window as unknown as { __counts: string[] }).__counts);
		expect(counts.filter((c) => /^0\D/.test(c))).toEqual([]);
		expect(counts.some((c) => t.syncing.test(c))).toBe(true);

		// Leaving the list releases it: the rows show the latest order.
		await page.mouse.move(5, 890);
		await expect(page.getByTestId('list-fresh')).toHaveCount(0);
		await expect.poll(async () => (await renderedIds(page)).slice(0, 5)).toEqual((await stateIds(page)).slice(0, 5));

		// Counts say what they count: the sidebar's are open conversations, the header's every status.
		await expect(page.getByTestId('open-column').first()).toHaveText(t.open);
		await expect(page.getByTestId('list-count')).toHaveText(t.count);
		for (const width of [1280, 1440]) {
			await page.setViewportSize({ width, height: 900 });
			await page.screenshot({ path: `${shots}/list-counts-${lang}-${width}.png` });
		}
		await page.context().close();
	});
}
