/**
 * The messaging console end to end: the built app against a real sync server, the owner and a
 * manager signed in side by side. Snooze wake-up by the server (a short snooze, waited on as a
 * condition), block and unblock, Copy link opened in the other user's browser, the unsupported
 * message fallback, and drawer edits with validation that sync live.
 */
// SPEC S5.1 S5.2 S5.3 S5.5 S5.7 S5.11 S5.13 S7.4 S7.5 S7.6 S8.1 S8.2 S8.3 S8.4
import { expect, test, type Page } from '@playwright/test';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newId } from '../../src/lib/domain/ids';
import type { ContactSummary } from '../../src/lib/domain/types';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, chooseMenu, openInbox, reachable, serverTruth, signIn, stateIds, type Server, type Session } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));

let server: Server;
let dataDir: string;
let owner: Session;
let manager: Session;
let pool: ContactSummary[] = [];
let secret = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-conv-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 60 }, log: () => undefined });
	secret = randomBytes(32).toString('base64url');
	await server.store.setChannelSecret('ch-webhook', secret);
	owner = await signIn(browser, server, 'owner@demo.test');
	manager = await signIn(browser, server, 'manager@demo.test');
	const { contacts } = await serverTruth(server);
	pool = contacts.filter((c) => c.status === 'open' && !c.blocked && reachable(c, contacts));
});

test.afterAll(async () => {
	for (const s of [owner, manager]) await s?.context.close();
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

/** A fresh open, unblocked contact for each test. */
function take(): ContactSummary {
	const c = pool.shift();
	if (!c) throw new Error('no contact left');
	return c;
}

async function open(page: Page, id: string, entry?: string): Promise<void> {
	await page.goto(`/c/${encodeURIComponent(id)}${entry ? `?entry=${encodeURIComponent(entry)}` : ''}`);
	await caughtUp(page);
	await expect(page.getByTestId('thread')).not.toHaveAttribute('aria-busy', 'true');
}

/** An inbound webhook message (signed like a provider would), of any type. */
async function inbound(c: ContactSummary, body: Record<string, unknown>): Promise<string> {
	const raw = JSON.stringify({ messageId: newId(), contact: c.email ? { email: c.email } : { phone: c.phone }, ...body });
	const res = await fetch(`${server.url}/api/channels/ch-webhook/inbound`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'x-parley-signature': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}` },
		body: raw
	});
	const reply = (await res.json()) as { entryId?: string };
	expect(res.status, JSON.stringify(reply)).toBe(201);
	return reply.entryId ?? '';
}

test('an unsupported message arrives live, shows its type, and Show more reveals its JSON', async () => {
	const c = take();
	await open(owner.page, c.id);
	const entryId = await inbound(c, { type: 'sticker_pack', raw: { pack: 'cats', stickerId: 42 } });
	const entry = owner.page.locator(`[data-entry-id="${entryId}"]`);
	await expect(entry.getByTestId('unsupported')).toContainText('Unsupported message');
	await expect(entry.getByTestId('unsupported')).toContainText('Type: sticker_pack');
	await expect(entry.getByTestId('unsupported-raw')).toHaveCount(0);
	await entry.getByRole('button', { name: 'Show more' }).click();
	await expect(entry.getByTestId('unsupported-raw')).toContainText('"stickerId": 42');
	// S5.2: hover shows the sender kind, channel and full time; S5.13: no delete in the menu.
	await entry.hover();
	await expect(entry.getByTestId('entry-details')).toBeVisible();
	await expect(entry.getByTestId('entry-details')).toContainText('Contact');
	await entry.getByRole('button', { name: 'Message actions' }).click();
	const items = await owner.page.getByRole('menu').getByRole('menuitem').allInnerTexts();
	expect(items.map((t) => t.trim())).toEqual(['Copy', 'Copy link', 'Reply', 'Reply with AI assist']);
	await owner.page.keyboard.press('Escape');
});

test('Copy link opens the conversation at that entry, highlighted, in another user\u2019s browser', async () => {
	const c = take();
	// Enough entries that the linked one is far above the newest.
	const first = await inbound(c, { type: 'text', text: 'the message to link to' });
	for (let i = 0; i < 30; i++) await inbound(c, { type: 'text', text: `filler ${i}\nline two\nline three` });
	await owner.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
	await open(owner.page, c.id);
	const entry = owner.page.locator(`[data-entry-id="${first}"]`);
	await entry.scrollIntoViewIfNeeded();
	await entry.hover();
	await entry.getByRole('button', { name: 'Message actions' }).click();
	await owner.page.getByRole('menuitem', { name: 'Copy link' }).click();
	await expect(owner.page.getByTestId('console-notice')).toHaveText('Link copied');
	const link = await owner.page.evaluate(() => navigator.clipboard.readText());
	expect(link).toBe(`${server.url}/c/${encodeURIComponent(c.id)}?entry=${encodeURIComponent(first)}`);

	await manager.page.goto(link);
	await caughtUp(manager.page);
	const target = manager.page.locator(`[data-entry-id="${first}"]`);
	await expect(target).toHaveClass(/focused/);
	await expect(target).toBeInViewport();
	await expect(manager.page.getByTestId('pane-name')).toBeVisible();
});

test('snooze: the contact leaves Open, the server wakes it back to its status with a woken event', async () => {
	const c = take();
	await open(owner.page, c.id);
	await open(manager.page, c.id);
	await openInbox(owner.page, 'all');
	await chooseMenu(owner.page, '[data-testid="status-filter"]', 'Open');
	await expect.poll(() => stateIds(owner.page)).toContain(c.id);

	await owner.page.getByTestId('console-snooze').click();
	await owner.page.getByRole('menuitem', { name: /In 1 hour/ }).click();
	await expect(owner.page.getByTestId('snooze-reminder')).toContainText('Snoozed until');
	await expect(owner.page.getByTestId('console-snooze')).toHaveAttribute('title', /Snoozed until/);
	await expect.poll(() => stateIds(owner.page)).not.toContain(c.id);
	await expect(manager.page.getByTestId('snooze-reminder')).toBeVisible();

	// A short snooze (the server's timer follows the new time), waited on as conditions.
	await owner.page.evaluate(
		(id) => (window as unknown as { __parley: { app: { actions: { snooze(id: string, until: number): Promise<unknown> } } } }).__parley.app.actions.snooze(id, Date.now() + 3000),
		c.id
	);
	const woken = '[data-event-type="woken"][data-source="system"]';
	for (const p of [owner.page, manager.page]) {
		await expect(p.locator(woken)).toHaveCount(1, { timeout: 20_000 });
		await expect(p.getByTestId('snooze-reminder')).toHaveCount(0);
		await expect(p.locator(woken)).toContainText('back to Open');
	}
	await expect.poll(() => stateIds(owner.page)).toContain(c.id);
	await chooseMenu(owner.page, '[data-testid="status-filter"]', 'All statuses');
});

test('block disables the composer and moves the contact to Blocked; unblock restores it closed', async () => {
	const c = take();
	await open(owner.page, c.id);
	await open(manager.page, c.id);
	await expect(owner.page.getByTestId('composer')).toBeVisible();
	await owner.page.getByTestId('console-more').click();
	await owner.page.getByRole('menuitem', { name: 'Block contact' }).click();
	for (const p of [owner.page, manager.page]) {
		await expect(p.getByTestId('blocked-line')).toBeVisible();
		await expect(p.getByTestId('composer-disabled')).toBeVisible();
		await expect(p.getByTestId('composer')).toHaveCount(0);
	}
	await expect(owner.page.getByTestId('console-snooze')).toHaveCount(0);
	await openInbox(owner.page, 'blocked');
	await expect.poll(() => stateIds(owner.page)).toContain(c.id);
	await openInbox(owner.page, 'all');
	await expect.poll(() => stateIds(owner.page)).not.toContain(c.id);

	await owner.page.getByTestId('console-more').click();
	await owner.page.getByRole('menuitem', { name: 'Unblock contact' }).click();
	await expect(owner.page.getByTestId('blocked-line')).toHaveCount(0);
	await expect(owner.page.getByTestId('status-pill')).toHaveText('Closed');
	await expect.poll(() => stateIds(owner.page)).toContain(c.id);
	await expect(owner.page.locator('[data-event-type="unblocked"]')).toHaveCount(1);
	// The composer works again, in both browsers (a comment: the reply may wait for the
	// channel's messaging window, S5.6, which is not what this test is about).
	await expect(manager.page.getByTestId('composer')).toBeVisible();
	await owner.page.getByTestId('comment-toggle').click();
	await owner.page.getByTestId('composer').fill('Welcome back');
	await owner.page.getByTestId('send').click();
	await expect(manager.page.getByTestId('thread')).toContainText('Welcome back');
});

test('drawer: an invalid email shows an error, a valid one syncs live to the other user', async () => {
	const c = take();
	await open(owner.page, c.id);
	await open(manager.page, c.id);
	for (const p of [owner.page, manager.page]) {
		await p.getByTestId('drawer-toggle').click();
		await expect(p.getByTestId('contact-drawer')).toBeVisible();
	}
	const email = owner.page.getByLabel('Email', { exact: true });
	await email.fill('not-an-email');
	await email.press('Enter');
	await expect(owner.page.getByTestId('drawer-details').getByRole('alert')).toBeVisible();
	await expect(email).toHaveAttribute('aria-invalid', 'true');
	await email.fill('Valid.Person@Example.com');
	await email.press('Enter');
	await expect(owner.page.getByTestId('drawer-details').getByRole('alert')).toHaveCount(0);
	await expect(manager.page.getByLabel('Email', { exact: true })).toHaveValue('valid.person@example.com');
	// S8.3, S8.4: channels and activities are listed.
	await expect(owner.page.getByTestId('drawer-channels')).not.toBeEmpty();
	await expect(owner.page.getByTestId('drawer-activities').locator('.event').first()).toBeVisible();
	// S8.2: another contact given the same email is suggested for a merge.
	const other = take();
	await open(manager.page, other.id);
	await manager.page.getByTestId('drawer-toggle').click();
	await manager.page.getByLabel('Email', { exact: true }).fill('valid.person@example.com');
	await manager.page.getByLabel('Email', { exact: true }).press('Enter');
	await expect(owner.page.getByTestId('drawer-merge').locator('a')).toHaveCount(1);
	await expect(owner.page.getByTestId('drawer-merge')).toContainText('Same email');
});
