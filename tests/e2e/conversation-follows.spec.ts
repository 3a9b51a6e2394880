/**
 * Issue 16's conversation defects end to end, the built app against a real sync server, with
 * the owner, a manager and Sue (`self`-restricted) in their own browser contexts:
 * - the thread follows my own close, reopen and snooze (the new event in view, not below
 *   "Jump to the latest"); a snoozed conversation offers one way out (Unsnooze);
 * - the unread badge of the conversation I am reading clears when a message arrives in it
 *   (another user, not reading it, gets the badge);
 * - a conversation I may not see, opened by URL: "You don't have access", no actions; a link
 *   opened while signed out leads to that conversation after login;
 * - wording and layout in English and French at 1280 and 1440 px: the header keeps the
 *   contact's name whole with the contact panel open, the composer tabs stay on one line,
 *   "à l'état ouvert", one space after a mention, the channel named "WhatsApp".
 */
// SPEC S1.3, S4.6, S5.1, S5.6, S6.2, S7.4, S7.5, S8.1
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Y from 'yjs';
import { CONTACT_ROOTS } from '../../src/lib/doc/schema';
import type { ContactSummary } from '../../src/lib/domain/types';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, PASSWORD, reachable, receive, serverTruth, signIn, type Server, type Session } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const shots = 'test-results/screenshots';

let server: Server;
let dataDir: string;
let owner: Session;
let manager: Session;
let contacts: ContactSummary[] = [];
let pool: ContactSummary[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
	mkdirSync(shots, { recursive: true });
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-follow-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 60 }, log: () => undefined });
	owner = await signIn(browser, server, 'owner@demo.test');
	manager = await signIn(browser, server, 'manager@demo.test');
	contacts = (await serverTruth(server)).contacts;
	pool = contacts.filter((c) => c.status === 'open' && !c.blocked && reachable(c, contacts));
});

test.afterAll(async () => {
	for (const s of [owner, manager]) await s?.context.close();
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

function take(): ContactSummary {
	const c = pool.shift();
	if (!c) throw new Error('no contact left');
	return c;
}

async function threadLength(id: string): Promise<number> {
	const { update } = await server.rooms.snapshot(`c/${id}` as Parameters<Server['rooms']['snapshot']>[0]);
	const doc = new Y.Doc();
	Y.applyUpdate(doc, update);
	const n = doc.getMap(CONTACT_ROOTS.thread).size;
	doc.destroy();
	return n;
}

async function open(page: Page, id: string): Promise<void> {
	await page.goto(`/c/${encodeURIComponent(id)}`);
	await caughtUp(page);
	await expect(page.getByTestId('thread')).not.toHaveAttribute('aria-busy', 'true');
}

async function scrollThreadUp(page: Page): Promise<void> {
	await page.getByTestId('thread').evaluate((el) => (el.scrollTop = 0));
	await page.getByTestId('thread').dispatchEvent('scroll');
	await expect(page.getByRole('button', { name: 'Jump to the latest' })).toBeVisible();
}

test('the thread follows my own close, reopen and snooze; a snoozed conversation offers one way out', async () => {
	const page = owner.page;
	// The open contact with the longest thread, so the thread scrolls.
	let best = pool[0]!;
	let most = 0;
	for (const c of pool.slice(0, 20)) {
		const n = await threadLength(c.id);
		if (n > most) [best, most] = [c, n];
	}
	pool = pool.filter((c) => c.id !== best.id);
	await open(page, best.id);
	const last = page.locator('[data-testid="thread"] [data-entry-id]').last();

	await scrollThreadUp(page);
	await page.getByTestId('console-close').click();
	await expect(last).toHaveAttribute('data-event-type', 'closed');
	await expect(last).toBeInViewport();
	await expect(page.getByRole('button', { name: 'Jump to the latest' })).toHaveCount(0);

	await scrollThreadUp(page);
	await page.getByTestId('console-reopen').click();
	await expect(last).toHaveAttribute('data-event-type', 'opened');
	await expect(last).toBeInViewport();

	await scrollThreadUp(page);
	await page.getByTestId('console-snooze').click();
	await page.getByRole('menuitem', { name: /^Tomorrow/ }).click();
	await expect(last).toHaveAttribute('data-event-type', 'snoozed');
	await expect(last).toBeInViewport();
	await expect(page.getByRole('button', { name: 'Jump to the latest' })).toHaveCount(0);

	// Snoozed: Unsnooze, never Reopen beside it (header, row menu).
	await expect(page.getByTestId('console-wake')).toHaveText('Unsnooze');
	await expect(page.getByTestId('console-reopen')).toHaveCount(0);
	await page.getByTestId('console-more').click();
	await expect(page.getByRole('menuitem', { name: 'Unsnooze' })).toHaveCount(0);
	await page.keyboard.press('Escape');
	await page.locator('[role="listbox"]').evaluate((el, id) => {
		const rows = (window as unknown as { __parley: { app: { inbox: { rows: Array<{ id: string }> } } } }).__parley.app.inbox.rows;
		el.scrollTop = Math.max(0, rows.findIndex((r) => r.id === id) * 56 - 56);
	}, best.id);
	await page.locator(`[role="option"][data-id="${best.id}"]`).click({ button: 'right' });
	await expect(page.getByRole('menuitem', { name: 'Unsnooze' })).toBeVisible();
	await expect(page.getByRole('menuitem', { name: 'Reopen' })).toHaveCount(0);
	await page.screenshot({ path: `${shots}/snoozed-one-action-en.png` });
	await page.keyboard.press('Escape');
	await page.getByTestId('console-wake').click();
	await expect(page.getByTestId('console-close')).toBeVisible();
	await expect(last).toHaveAttribute('data-event-type', 'woken');
	await expect(last).toBeInViewport();
});

test('the unread badge of the conversation I am reading clears when a message arrives in it; another user gets the badge', async () => {
	const c = take();
	await open(owner.page, c.id);
	await manager.page.goto('/');
	await caughtUp(manager.page);
	const ownerRow = owner.page.locator(`[role="option"][data-id="${c.id}"]`);
	const managerRow = manager.page.locator(`[role="option"][data-id="${c.id}"]`);
	await expect(ownerRow.locator('.unread-count')).toHaveCount(0);
	await receive(server, c, 'Are you still there?');
	await expect(owner.page.getByTestId('thread')).toContainText('Are you still there?');
	await expect(managerRow.locator('.unread-count')).toBeVisible();
	await expect(ownerRow).toContainText('Are you still there?');
	await expect(ownerRow.locator('.unread-count')).toHaveCount(0);
	await owner.page.screenshot({ path: `${shots}/read-while-open-en.png` });
});

test("a conversation I may not see: a clear page with no actions, in English and French", async ({ browser }) => {
	const hidden = contacts.find((c) => !server.visibility.canSee('u-sue' as never, `c/${c.id}` as never))!;
	for (const [lang, locale, text] of [
		['en', 'en-US', 'You don’t have access to this conversation'],
		['fr', 'fr-FR', 'Vous n’avez pas accès à cette conversation']
	] as const) {
		const sue = await signIn(browser, server, 'sue@demo.test', locale);
		await sue.page.goto(`/c/${hidden.id}`);
		await caughtUp(sue.page);
		await expect(sue.page.getByTestId('no-access')).toContainText(text);
		await expect(sue.page.getByTestId('console-header')).toHaveCount(0);
		await expect(sue.page.getByTestId('console-close')).toHaveCount(0);
		await expect(sue.page.getByTestId('composer')).toHaveCount(0);
		await sue.page.screenshot({ path: `${shots}/no-access-${lang}.png` });
		await sue.context.close();
	}
});

test('a shared conversation link opened while signed out leads to that conversation after login', async ({ browser }) => {
	const c = take();
	const context = await browser.newContext({ baseURL: server.url });
	await context.addInitScript(() => window.localStorage.setItem('parley.debug', '1'));
	const page = await context.newPage();
	await page.goto(`/c/${c.id}`);
	await page.waitForURL(/\/login\?next=/);
	await page.locator('#login-email').fill('owner@demo.test');
	await page.locator('#login-password').fill(PASSWORD);
	await page.locator('form button[type="submit"]').click();
	await expect(page).toHaveURL(new RegExp(`/c/${c.id}$`));
	await caughtUp(page);
	await expect(page.getByTestId('pane-name')).toHaveText(`${c.firstName} ${c.lastName}`.trim());
	await context.close();
});

test('wording and layout in English and French at 1280 and 1440 px: header name whole with the contact panel open, tabs on one line, "à l’état ouvert", one space after a mention, "WhatsApp"', async ({ browser }) => {
	// The longest name among open contacts, like "Céline Lefèvre".
	const c = [...pool].sort((a, b) => `${b.firstName} ${b.lastName}`.length - `${a.firstName} ${a.lastName}`.length)[0]!;
	pool = pool.filter((x) => x.id !== c.id);
	for (const [lang, locale] of [
		['en', 'en-US'],
		['fr', 'fr-FR']
	] as const) {
		const s = await signIn(browser, server, 'owner@demo.test', locale);
		const page = s.page;
		await open(page, c.id);
		await page.getByTestId('drawer-toggle').click();
		await expect(page.getByTestId('contact-drawer')).toBeVisible();
		for (const width of [1280, 1440]) {
			await page.setViewportSize({ width, height: 900 });
			const name = page.getByTestId('pane-name');
			await expect.poll(() => name.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
			// The composer's tabs on one line: every tab at the height of the first.
			const tops = await page.locator('.tabs [role="tab"]').evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().top)));
			expect(new Set(tops).size).toBe(1);
			await page.screenshot({ path: `${shots}/console-drawer-${lang}-${width}.png` });
		}
		// The channel picker names the channel as people know it.
		await expect(page.locator('select option', { hasText: '(webhook)' })).toHaveCount(0);
		// A mention picked inside a sentence: one space after it.
		await page.getByTestId('comment-toggle').click();
		const box = page.getByTestId('composer');
		await box.fill('Hi  thanks');
		await box.evaluate((el) => (el as HTMLTextAreaElement).setSelectionRange(3, 3));
		await box.pressSequentially('@Mar', { delay: 20 });
		await expect(page.getByTestId('composer-picker')).toContainText('Marc Lefèvre');
		await box.press('Enter');
		await expect(box).toHaveValue('Hi @Marc Lefèvre thanks');
		await box.fill('');
		// Snoozed: the reminder says when it comes back, in the language's grammar.
		await page.getByTestId('console-snooze').click();
		await page.getByRole('menuitem', { name: lang === 'fr' ? /^Demain/ : /^Tomorrow/ }).click();
		await expect(page.getByTestId('snooze-reminder')).toContainText(lang === 'fr' ? 'à l’état ouvert.' : 'It comes back to Open then.');
		await page.screenshot({ path: `${shots}/snoozed-reminder-${lang}.png` });
		await page.getByTestId('console-wake').click();
		await expect(page.getByTestId('console-close')).toBeVisible();
		await s.context.close();
	}
});
