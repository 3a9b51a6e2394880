// Local search through the real UI (SPEC S3.2, S3.5, S3.6, S3.7, S9.2, S9.3): a real sync server,
// two users in two browser contexts. The owner finds a contact by the first letters of its name,
// and a message the manager wrote a moment ago in another browser; search keeps working offline;
// Enter opens the conversation at the message; the in-thread bar finds it too.
import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contactName } from '../../src/lib/components/people';
import { DEMO_CHANNELS } from '../../src/lib/demo/generate';
import type { ContactSummary } from '../../src/lib/domain/types';
import { startServer } from '../../sync-server/src/server';
import { serverTruth, signIn, type Server, type Session } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const shots = fileURLToPath(new URL('../../test-results/screenshots', import.meta.url));

let server: Server;
let dataDir: string;
let owner: Session;
let manager: Session;
let target: ContactSummary;

test.describe.configure({ mode: 'serial' });

/** Search is ready once every thread the user holds is indexed. */
async function searchComplete(page: Page): Promise<void> {
	await page.waitForFunction(() => (window as unknown as { __parley?: { app: { search: { complete: boolean } } } }).__parley?.app.search.complete === true, undefined, {
		timeout: 30_000
	});
}

async function typeSearch(page: Page, text: string): Promise<void> {
	const input = page.getByTestId('global-search-input');
	await input.fill('');
	await input.click();
	await input.pressSequentially(text, { delay: 15 });
}

test.beforeAll(async ({ browser }) => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-search-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 40 }, log: () => undefined });
	owner = await signIn(browser, server, 'owner@demo.test');
	manager = await signIn(browser, server, 'manager@demo.test');
	const { contacts } = await serverTruth(server);
	// A contact the manager can reply to now: on the web chat, whose messaging window never closes (S5.6).
	const pick = contacts.find((c) => !c.blocked && c.channelIds.includes(DEMO_CHANNELS.webchat) && c.firstName.length >= 3);
	if (!pick) throw new Error('no contact to write to');
	target = pick;
});

test.afterAll(async () => {
	for (const s of [owner, manager]) await s?.context.close();
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

test('finds a contact by the first letters of its name (S3.2)', async () => {
	await searchComplete(owner.page);
	await typeSearch(owner.page, target.firstName.slice(0, 3).toUpperCase());
	const dropdown = owner.page.getByTestId('search-dropdown');
	await expect(dropdown.getByTestId('search-contact').filter({ hasText: contactName(target) }).first()).toBeVisible();
});

test("finds a message another user wrote a moment ago, online and offline (S3.5, S9.2)", async () => {
	const word = `zanzibar${Date.now().toString(36)}`;
	const text = `Bonjour, votre colis ${word} part demain matin.`;
	// The manager replies from their own browser.
	await manager.page.goto(`/c/${encodeURIComponent(target.id)}`);
	const composer = manager.page.getByTestId('composer');
	await composer.fill(text);
	await manager.page.getByTestId('send').click();
	await expect(manager.page.getByTestId('thread')).toContainText(word);

	const page = owner.page;
	const hit = page.getByTestId('search-dropdown').getByTestId('search-message').filter({ hasText: word });
	await expect(async () => {
		await typeSearch(page, word);
		await expect(hit).toBeVisible({ timeout: 2_000 });
	}).toPass({ timeout: 30_000 });
	await expect(hit.locator('mark')).toHaveText(word);
	await expect(hit).toContainText(contactName(target));

	// A phrase with accents folded, and a mixed result list, for the screenshot.
	await typeSearch(page, `colis ${word}`);
	await expect(hit.locator('mark')).toHaveText(`colis ${word}`);
	await page.getByTestId('search-dropdown').screenshot({ path: join(shots, 'search-dropdown.png') });

	// Offline: the same searches answer from the local index.
	await owner.context.setOffline(true);
	await expect(page.getByTestId('offline-banner')).toBeVisible();
	await typeSearch(page, word);
	await expect(hit).toBeVisible();
	await typeSearch(page, target.firstName.slice(0, 3));
	await expect(page.getByTestId('search-contact').filter({ hasText: contactName(target) }).first()).toBeVisible();
	await page.screenshot({ path: join(shots, 'search-offline-page.png') });

	// Keyboard: arrows move to the message, Enter opens the conversation at it (S3.5).
	await typeSearch(page, word);
	await expect(hit).toBeVisible();
	await page.keyboard.press('ArrowDown');
	await expect(hit).toHaveAttribute('aria-selected', 'true');
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(new RegExp(`/c/${encodeURIComponent(target.id)}$`));
	await expect(page.locator('[data-entry-id].focused')).toContainText(word);
	await page.screenshot({ path: join(shots, 'search-opened-at-entry.png') });
	await expect(page.getByTestId('search-dropdown')).toHaveCount(0);

	// S3.7: the search is listed among recent searches when the box is empty.
	await typeSearch(page, '');
	await expect(page.getByTestId('search-dropdown')).toContainText(word);
	await page.keyboard.press('Escape');
	await expect(page.getByTestId('search-dropdown')).toHaveCount(0);

	// S3.6: the in-thread bar finds the message and counts the hits.
	await page.getByTestId('thread-search-toggle').click();
	await page.getByTestId('thread-search-input').pressSequentially(word, { delay: 15 });
	await expect(page.getByTestId('thread-search-count')).toHaveText('1 of 1');
	await page.getByTestId('thread-search').screenshot({ path: join(shots, 'search-thread-bar.png') });
	await owner.context.setOffline(false);
});

// Issue 16, SPEC S3.3: a custom field edited in this session is searchable at once.
test('a custom field edited in the contact panel is found at once (S3.3)', async () => {
	const page = owner.page;
	const value = `Zéphyrine ${Date.now().toString(36)}`;
	await page.goto(`/c/${encodeURIComponent(target.id)}`);
	const drawer = page.getByTestId('contact-drawer');
	if (!(await drawer.isVisible())) await page.getByTestId('drawer-toggle').click();
	const field = drawer.locator(`[id="${target.id}-custom-company"]`);
	await field.fill(value);
	await field.press('Enter');
	await expect(field).toHaveValue(value);
	await typeSearch(page, value.toUpperCase());
	await expect(page.getByTestId('search-dropdown').getByTestId('search-contact').filter({ hasText: contactName(target) })).toHaveCount(1, { timeout: 5_000 });
	await page.keyboard.press('Escape');
});

// Issue 16, SPEC S3.2: phone numbers in the forms people type them (the demo workspace reads
// national numbers as French), the exact match first; a long contact list says there are more.
test('finds a phone number typed nationally or internationally, exact match first; lists more contacts on request (S3.2)', async () => {
	const page = owner.page;
	const { contacts } = await serverTruth(server);
	const digits = (p: string) => p.replace(/\D+/g, '');
	const fr = contacts.find((c) => c.phone.startsWith('+33 6') && contacts.filter((o) => digits(o.phone) === digits(c.phone)).length === 1);
	if (!fr) throw new Error('no French mobile in the demo data');
	const national = '0' + digits(fr.phone).slice(2); // 06…
	const forms = [fr.phone, national.replace(/(\d{2})(?=\d)/g, '$1 '), national.replace(/(\d{2})(?=\d)/g, '$1.'), `0033${digits(fr.phone).slice(2)}`, digits(fr.phone)];
	const first = page.getByTestId('search-dropdown').getByTestId('search-contact').first();
	for (const q of forms) {
		await typeSearch(page, q);
		await expect(first, q).toContainText(contactName(fr));
	}
	await page.getByTestId('search-dropdown').screenshot({ path: join(shots, 'search-phone-national.png') });

	// More contacts match "+3" than the dropdown lists: it says how many and lists them all.
	await typeSearch(page, '+3');
	const more = page.getByTestId('search-more-contacts');
	await expect(more).toBeVisible();
	const total = Number((await more.textContent())?.match(/\d+/)?.[0]);
	expect(total).toBeGreaterThan(8);
	await expect(page.getByTestId('search-contact')).toHaveCount(8);
	await page.getByTestId('search-dropdown').screenshot({ path: join(shots, 'search-more-contacts.png') });
	await more.click();
	await expect(page.getByTestId('search-contact')).toHaveCount(total);
	await expect(more).toHaveCount(0);
	await page.keyboard.press('Escape');
});
