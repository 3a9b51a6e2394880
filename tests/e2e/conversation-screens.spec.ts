/**
 * Screenshots of the messaging console in English and French, saved to
 * test-results/screenshots/ for people to look at: the thread with events, the message menu,
 * the contact drawer, a snoozed conversation's reminder, a blocked contact. Each state is
 * reached through the UI and asserted before it is captured.
 */
// SPEC S5.1 S5.3 S5.5 S5.11 S7.5 S7.6 S8.1
import { expect, test, type Page } from '@playwright/test';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newId } from '../../src/lib/domain/ids';
import type { ContactSummary } from '../../src/lib/domain/types';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, reachable, serverTruth, signIn, type Server } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const outDir = fileURLToPath(new URL('../../test-results/screenshots', import.meta.url));

let server: Server;
let dataDir: string;
let pool: ContactSummary[] = [];
let secret = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
	mkdirSync(outDir, { recursive: true });
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-conv-screens-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 60 }, log: () => undefined });
	secret = randomBytes(32).toString('base64url');
	await server.store.setChannelSecret('ch-webhook', secret);
	const { contacts } = await serverTruth(server);
	pool = contacts.filter((c) => c.status === 'open' && !c.blocked && reachable(c, contacts) && c.assigneeId !== null);
});

test.afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

async function inbound(c: ContactSummary, body: Record<string, unknown>): Promise<void> {
	const raw = JSON.stringify({ messageId: newId(), contact: c.email ? { email: c.email } : { phone: c.phone }, ...body });
	const res = await fetch(`${server.url}/api/channels/ch-webhook/inbound`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'x-parley-signature': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}` },
		body: raw
	});
	expect(res.status).toBe(201);
}

async function shot(page: Page, lang: string, name: string): Promise<void> {
	await page.mouse.move(0, 0);
	await page.screenshot({ path: join(outDir, `${lang}-console-${name}.png`), animations: 'disabled' });
}

for (const [lang, locale, t] of [
	['en', 'en-US', { more: 'More actions', block: 'Block contact', menu: 'Message actions', hour: /In 1 hour/, showMore: 'Show more' }],
	['fr', 'fr-FR', { more: 'Plus d’actions', block: 'Bloquer le contact', menu: 'Actions du message', hour: /Dans 1 heure/, showMore: 'Afficher plus' }]
] as const) {
	test(`console screenshots (${lang})`, async ({ browser }) => {
		const s = await signIn(browser, server, 'owner@demo.test', locale);
		const page = s.page;
		const c = pool.shift()!;
		await inbound(c, { type: 'product_card', raw: { sku: 'A-113', title: 'Blue jacket', price: { amount: 89, currency: 'EUR' } } });
		await page.goto(`/c/${encodeURIComponent(c.id)}`);
		await caughtUp(page);
		// Events from actions: assign to a team, snooze, wake.
		await page.getByTestId('console-snooze').click();
		await page.getByRole('menuitem', { name: t.hour }).click();
		await expect(page.getByTestId('snooze-reminder')).toBeVisible();
		await shot(page, lang, 'snoozed');
		await page.getByTestId('snooze-reminder').getByRole('button').click();
		await expect(page.getByTestId('snooze-reminder')).toHaveCount(0);
		await page.getByTestId('unsupported').getByRole('button', { name: t.showMore }).click();
		await shot(page, lang, 'thread');

		const last = page.locator('[data-testid="thread"] article.entry').last();
		await last.hover();
		await last.getByRole('button', { name: t.menu }).click();
		await expect(page.getByRole('menu')).toBeVisible();
		await page.screenshot({ path: join(outDir, `${lang}-console-menu.png`), animations: 'disabled' });
		await page.keyboard.press('Escape');

		await page.getByTestId('drawer-toggle').click();
		await expect(page.getByTestId('contact-drawer')).toBeVisible();
		const email = page.getByTestId('drawer-details').locator('input[type="email"]').first();
		await email.fill('bad@');
		await email.press('Enter');
		await expect(page.getByTestId('drawer-details').getByRole('alert')).toBeVisible();
		await shot(page, lang, 'drawer');
		await email.press('Escape');

		await page.getByTestId('console-more').click();
		await page.getByRole('menuitem', { name: t.block }).click();
		await expect(page.getByTestId('blocked-line')).toBeVisible();
		await shot(page, lang, 'blocked');
		await s.context.close();
	});
}
