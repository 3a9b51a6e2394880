// Accessibility (issue 16, "Accessible to everyone on the team"): axe-core with the WCAG 2 A/AA
// rules finds no violation on any screen of the app, in English and French, with the demo's
// data; the keyboard reaches everything (focus visible, dialogs trap focus and give it back) and
// a screen reader hears new messages and typing through live regions.
// SPEC S2.1 S3.2 S4.1 S5.1 S5.5 S9.1 (the screens these rules cover)
//
// To check a new screen, add one line to SCREENS: a name and a function that brings the page
// there (the settings page, when it exists: `{ name: 'settings', open: (p) => goto(p, '/settings') }`).
// A failure lists each violation as `rule id [impact] target selector: summary`.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_CHANNELS } from '../../src/lib/demo/generate';
import type { ContactSummary } from '../../src/lib/domain/types';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, PASSWORD, reachable, receive, serverTruth, type Server } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const shots = fileURLToPath(new URL('../../test-results/screenshots/a11y', import.meta.url));
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let server: Server;
let dataDir: string;
let contact: ContactSummary;


test.beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-a11y-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 40 }, log: () => undefined });
	const { contacts } = await serverTruth(server);
	const pick = contacts.find((c) => !c.blocked && c.channelIds.includes(DEMO_CHANNELS.webchat));
	if (!pick) throw new Error('no web chat contact');
	contact = pick;
});

test.afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

/** Violations as one line each: rule id, impact, every target selector, the rule's summary. */
async function violations(page: Page): Promise<string[]> {
	const res = await new AxeBuilder({ page }).withTags(WCAG).analyze();
	return res.violations.flatMap((v) => v.nodes.map((n) => `${v.id} [${v.impact ?? '?'}] ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ').trim() ?? v.help}`));
}

async function expectClean(page: Page, name: string, locale: string): Promise<void> {
	await page.screenshot({ path: join(shots, `${name}-${locale}.png`) });
	expect.soft(await violations(page), `axe violations on ${name} (${locale})`).toEqual([]);
}

async function signedIn(browser: Browser, locale: string): Promise<Page> {
	const context = await browser.newContext({ baseURL: server.url, locale });
	await context.addInitScript(() => window.localStorage.setItem('parley.debug', '1'));
	const page = await context.newPage();
	await page.goto('/login');
	await page.locator('#login-email').fill('owner@demo.test');
	await page.locator('#login-password').fill(PASSWORD);
	await page.locator('form button[type="submit"]').click();
	await page.waitForURL((u) => !u.pathname.startsWith('/login'));
	await caughtUp(page);
	return page;
}

interface Screen {
	name: string;
	/** Brings a signed-in page to the screen, ready to check. */
	open(page: Page): Promise<void>;
}

async function openConversation(page: Page): Promise<void> {
	await page.goto(`/c/${encodeURIComponent(contact.id)}`);
	await caughtUp(page);
	await expect(page.getByTestId('thread')).toBeVisible();
	await expect(page.locator('[data-entry-id]').first()).toBeVisible();
}

const SCREENS: Screen[] = [
	{
		name: 'inbox',
		open: async (p) => {
			await p.goto('/');
			await caughtUp(p);
			// The pointer on a row shows its quick actions: they must not nest controls in the option.
			const row = p.locator('[role="listbox"] [data-id]').nth(1);
			await row.hover();
			await expect(row.locator('.actions')).toBeVisible();
		}
	},
	{ name: 'conversation', open: openConversation },
	{
		name: 'conversation-drawer',
		open: async (p) => {
			await openConversation(p);
			const drawer = p.getByTestId('contact-drawer');
			if (!(await drawer.isVisible())) await p.getByTestId('drawer-toggle').click();
			await expect(drawer).toBeVisible();
		}
	},
	{
		name: 'user-menu',
		open: async (p) => {
			await p.goto('/');
			await caughtUp(p);
			await p.getByTestId('user-menu').click();
			await expect(p.getByRole('menu')).toBeVisible();
		}
	},
	{
		name: 'shortcuts',
		open: async (p) => {
			await p.goto('/');
			await caughtUp(p);
			await p.keyboard.press('?');
			await expect(p.getByRole('dialog')).toBeVisible();
		}
	},
	{
		name: 'new-contact',
		open: async (p) => {
			await p.goto('/');
			await caughtUp(p);
			await p.keyboard.press('n');
			await expect(p.getByRole('dialog')).toBeVisible();
		}
	},
	{
		name: 'search',
		open: async (p) => {
			await p.goto('/');
			await caughtUp(p);
			await p.getByTestId('global-search-input').fill(contact.firstName.slice(0, 3));
			await expect(p.getByTestId('search-contact').first()).toBeVisible();
		}
	},
	{
		name: 'search-more-and-recent',
		open: async (p) => {
			await p.goto('/');
			await caughtUp(p);
			const input = p.getByTestId('global-search-input');
			// More contacts than listed: the "show all" option is there.
			await input.fill('+3');
			await expect(p.getByTestId('search-more-contacts')).toBeVisible();
			await input.press('Enter');
			// The remembered search is listed, with its "forget" affordance, once the box is empty.
			await input.fill('');
			await expect(p.getByTestId('search-dropdown')).toContainText('+3');
		}
	},
	// { name: 'settings', open: async (p) => void (await p.goto('/settings'), await caughtUp(p)) },
];

for (const locale of ['en-US', 'fr-FR']) {
	test.describe(`axe, ${locale}`, () => {
		test('login page', async ({ browser }) => {
			const context = await browser.newContext({ baseURL: server.url, locale });
			const page = await context.newPage();
			await page.goto('/login');
			await expect(page.locator('#login-email')).toBeVisible();
			await expectClean(page, 'login', locale);
			// A failed sign-in shows its error; that state must pass too.
			await page.locator('#login-email').fill('owner@demo.test');
			await page.locator('#login-password').fill('wrong-password');
			await page.locator('form button[type="submit"]').click();
			await expect(page.getByRole('alert')).toBeVisible();
			await expectClean(page, 'login-error', locale);
			await context.close();
		});

		test('customer web chat page', async ({ browser }) => {
			const context = await browser.newContext({ baseURL: server.url, locale });
			const page = await context.newPage();
			await page.goto(`/chat/${DEMO_CHANNELS.webchat}`);
			await expect(page.locator('textarea, input[type="text"]').first()).toBeVisible();
			await expectClean(page, 'webchat', locale);
			await context.close();
		});

		test('signed-in screens', async ({ browser }) => {
			const page = await signedIn(browser, locale);
			for (const s of SCREENS) {
				await test.step(s.name, async () => {
					await s.open(page);
					await expectClean(page, s.name, locale);
				});
			}
			await page.context().close();
		});
	});
}

/** A description of the focused element, for precise failure messages. */
async function focused(page: Page): Promise<string> {
	return page.evaluate(() => {
		const el = document.activeElement;
		if (!el || el === document.body) return 'body';
		const id = el.getAttribute('data-testid') ?? el.id ?? '';
		return `${el.tagName.toLowerCase()}${id ? `#${id}` : ''}${el.closest('dialog') ? ' (in dialog)' : ''}${el.closest('[role="menu"]') ? ' (in menu)' : ''}`;
	});
}

test.describe('keyboard alone', () => {
	test('dialogs and menus trap focus and give it back; a conversation is opened and answered without a mouse', async ({ browser }) => {
		const page = await signedIn(browser, 'en-US');
		const list = page.locator('[role="listbox"]');
		await list.focus();

		// The shortcuts overlay: focus moves in, Tab stays in, Escape gives it back.
		for (const [key, dialog] of [
			['?', page.getByRole('dialog')],
			['n', page.getByRole('dialog')]
		] as const) {
			await page.keyboard.press(key);
			await expect(dialog).toBeVisible();
			for (let i = 0; i < 12; i++) {
				expect(await focused(page), `Tab #${i} after "${key}"`).toContain('(in dialog)');
				await page.keyboard.press('Tab');
			}
			await page.keyboard.press('Shift+Tab');
			expect(await focused(page), `Shift+Tab after "${key}"`).toContain('(in dialog)');
			await page.keyboard.press('Escape');
			await expect(dialog).toHaveCount(0);
			await expect(list, `focus back on the list after "${key}"`).toBeFocused();
		}

		// The account menu: opened with Enter, walked with arrows, closed with Escape.
		const me = page.getByTestId('user-menu');
		await me.focus();
		await page.keyboard.press('Enter');
		await expect(page.getByRole('menu')).toBeVisible();
		expect(await focused(page)).toContain('(in menu)');
		await page.keyboard.press('ArrowDown');
		await page.keyboard.press('Escape');
		await expect(page.getByRole('menu')).toHaveCount(0);
		await expect(me).toBeFocused();

		// The focused control shows it (a solid outline, not the browser's none).
		const outline = await me.evaluate((el) => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth);
		expect(outline).not.toMatch(/^none|0px$/);

		// Open a conversation from the list and reach the reply box with Tab alone.
		await list.focus();
		await page.keyboard.press('j');
		await page.keyboard.press('Enter');
		await page.waitForURL(/\/c\//);
		const composer = page.getByTestId('composer');
		let reached = false;
		for (let i = 0; i < 80 && !reached; i++) {
			await page.keyboard.press('Tab');
			reached = await composer.evaluate((el) => el === document.activeElement || el.contains(document.activeElement));
		}
		expect(reached, 'Tab reaches the reply box').toBe(true);
		await page.context().close();
	});
});

test.describe('screen reader', () => {
	// SPEC S5.7 (live thread), S5.8 (typing): both are announced through live regions.
	test('a new message in the open conversation is announced; typing is a polite live region', async ({ browser }) => {
		const page = await signedIn(browser, 'en-US');
		const { contacts } = await serverTruth(server);
		const target = contacts.find((c) => !c.blocked && reachable(c, contacts));
		if (!target) throw new Error('no contact reachable by webhook');
		await page.goto(`/c/${encodeURIComponent(target.id)}`);
		await caughtUp(page);
		await expect(page.locator('[data-entry-id]').first()).toBeVisible();
		const live = page.locator('[aria-live="polite"], [role="status"], [role="log"]').filter({ hasText: 'parcel' });
		await expect(live).toHaveCount(0);
		const text = `Where is my parcel ${Date.now().toString(36)}?`;
		await receive(server, target, text);
		await expect(page.getByTestId('thread')).toContainText(text);
		await expect(live.filter({ hasText: text })).toHaveCount(1);
		await expect(live.filter({ hasText: text })).toContainText(`${target.firstName}`);
		await expect(page.getByTestId('typing-indicator')).toHaveAttribute('aria-live', 'polite');
		await page.context().close();
	});
});
