/**
 * Workspace settings and the first day (issue 20), in Chromium through the UI:
 * - the owner invites a user through the link; the invitee sets a password and is signed in;
 * - the owner restricts her to a team (SPEC S1.3): her open inbox loses the other contacts
 *   within a second, without a reload (S1.9: the server stops sending them);
 * - the owner creates a webhook channel, copies its secret, and a message signed with it arrives;
 * - a manager cannot promote anyone to owner and sees why;
 * - in French every settings page renders with no English string of the area left;
 * - a fresh start without the demo (PARLEY_DEMO=0): the first-run page, the owner, no demo data.
 */
import { fr } from '../../src/lib/i18n/fr';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { en as settingsEn, fr as settingsFr } from '../../src/lib/i18n/areas/settings';
import { SETTINGS_SECTIONS } from '../../src/lib/components/settings/sections';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, signIn, type Server } from './inbox-fixture';

const staticDir = join(process.cwd(), 'build');
let server: Server;
let dataDir: string;

test.beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-settings-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 40 }, channels: { allowPrivate: true }, log: () => undefined });
});
test.afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

interface RowsWindow {
	__parley?: { app: { inbox: { rows: Array<{ id: string; teamId: string | null; assigneeId: string | null }> } } };
}
const rowIds = (page: Page) => page.evaluate(() => (window as unknown as RowsWindow).__parley!.app.inbox.rows.map((r) => r.id));

test('owner invites through the link; the invitee joins; restricting her to a team empties her inbox of the others within a second (S1.3)', async ({ browser }) => {
	const owner = await signIn(browser, server, 'owner@demo.test');
	await owner.page.goto('/settings/users');
	await owner.page.getByTestId('invite-email').fill('nina@example.com');
	await owner.page.getByTestId('invite-submit').click();
	const link = (await owner.page.getByTestId('shown-link').textContent())!.trim();
	expect(link).toContain('/invite/');
	await owner.page.screenshot({ path: '/tmp/s20-users.png', fullPage: true });

	const context = await browser.newContext({ baseURL: server.url, locale: 'en-US' });
	await context.addInitScript(() => window.localStorage.setItem('parley.debug', '1'));
	const nina = await context.newPage();
	await nina.goto(link);
	await expect(nina.getByTestId('invite-form')).toBeVisible();
	await nina.locator('#inv-name').fill('Nina Roy');
	await nina.locator('#inv-pw').fill('nina-password-1');
	await nina.screenshot({ path: '/tmp/s20-invite.png' });
	await nina.getByRole('button', { name: 'Join' }).click();
	await nina.waitForURL((u) => u.pathname === '/');
	await caughtUp(nina);
	// The link worked once.
	const again = await context.newPage();
	await again.goto(link);
	await expect(again.getByTestId('link-refused')).toBeVisible();
	await again.close();

	// Restriction none: she sees contacts of every team. The owner restricts her to Support.
	const support = server.visibility.directory.teams.find((t) => t.name === 'Support')!;
	const ninaId = server.visibility.directory.users.find((u) => u.email === 'nina@example.com')!.id;
	await expect.poll(async () => (await rowIds(nina)).length).toBeGreaterThan(5);
	const others = [...server.visibility.contactDocIds()]
		.filter((d) => { const a = server.visibility.accessOf(d)!; return a.teamId !== support.id && a.assigneeId !== ninaId && !a.blocked; })
		.map((d) => d.slice(2));
	expect(others.length).toBeGreaterThan(0);
	expect((await rowIds(nina)).some((id) => others.includes(id))).toBe(true);

	const row = owner.page.getByTestId('user-row-nina@example.com');
	await row.getByTestId('user-teams').click();
	await row.getByLabel('Support').check();
	await expect.poll(() => server.visibility.user(ninaId)?.teamIds).toEqual([support.id]);
	await row.getByTestId('user-restriction').selectOption('team');
	// From the moment the server has the change, her open inbox drops the others within a second.
	await expect.poll(() => server.visibility.user(ninaId)?.restriction, { intervals: [5] }).toBe('team');
	const t0 = Date.now();
	await nina.waitForFunction((ids) => !(window as unknown as RowsWindow).__parley!.app.inbox.rows.some((r) => ids.includes(r.id)), others, { timeout: 5000, polling: 10 });
	expect(Date.now() - t0).toBeLessThan(1000);
	// Still signed in, same page, her team's contacts still listed: no reload, no new login.
	expect(await nina.evaluate(() => (window as unknown as { __parley: { app: { session: { status: string } } } }).__parley.app.session.status)).toBe('ready');
	expect(await nina.evaluate(() => location.pathname)).toBe('/');
	const supportContacts = [...server.visibility.contactDocIds()].filter((d) => server.visibility.accessOf(d)!.teamId === support.id && !server.visibility.accessOf(d)!.blocked).map((d) => d.slice(2));
	expect(supportContacts.length).toBeGreaterThan(0);
	// A restricted user has no All inbox (S1.2): her team's inbox lists them.
	await nina.locator(`[data-inbox="team:${support.id}"]`).click();
	await expect.poll(async () => (await rowIds(nina)).filter((id) => supportContacts.includes(id)).length).toBeGreaterThan(0);
	// Her connection lives on: a later directory change reaches her, and she is still signed in.
	await owner.page.goto('/settings/workspace');
	await owner.page.getByTestId('workspace-name').fill('Demo, renamed');
	await owner.page.getByTestId('workspace-save').click();
	await nina.waitForFunction(() => (window as unknown as { __parley: { app: { directory: { dir: { workspaceName: string } | null } } } }).__parley.app.directory.dir?.workspaceName === 'Demo, renamed');
	expect(await nina.evaluate(() => (window as unknown as { __parley: { app: { session: { status: string } } } }).__parley.app.session.status)).toBe('ready');
	expect(await nina.evaluate(() => location.pathname)).toBe('/');
	await context.close();
	await owner.context.close();
});

test('owner creates a webhook channel, copies the secret; a message signed with it arrives', async ({ browser }) => {
	const owner = await signIn(browser, server, 'owner@demo.test');
	await owner.page.goto('/settings/channels');
	await owner.page.getByTestId('channel-kind').selectOption('webhook');
	await owner.page.getByTestId('channel-name').fill('CRM hook');
	await owner.page.getByTestId('channel-url').fill(`${server.url}/health`);
	await owner.page.getByTestId('channel-create').click();
	const secret = (await owner.page.getByTestId('channel-secret').textContent())!.trim();
	expect(secret.length).toBeGreaterThan(30);
	await owner.context.grantPermissions(['clipboard-read', 'clipboard-write']);
	await owner.page.getByTestId('copy-secret').click();
	expect(await owner.page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
	// The receiver's answer to a test event is shown.
	await owner.page.getByTestId('channel-test').click();
	await expect(owner.page.getByTestId('channel-test-result')).toContainText('200');
	await owner.page.screenshot({ path: '/tmp/s20-channels.png', fullPage: true });

	const channel = server.visibility.directory.channels.find((c) => c.name === 'CRM hook')!;
	const body = JSON.stringify({ messageId: 'crm-1', contact: { email: 'zoe@example.com', firstName: 'Zoé', lastName: 'Hook' }, type: 'text', text: 'Hello from the CRM' });
	const res = await fetch(`${server.url}/api/channels/${channel.id}/inbound`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'x-parley-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
		body
	});
	expect(res.status).toBe(201);
	await owner.page.goto('/');
	await caughtUp(owner.page);
	await expect(owner.page.getByText('Zoé Hook').first()).toBeVisible();
	await owner.context.close();
});

test('a manager cannot promote anyone to owner and sees why', async ({ browser }) => {
	const manager = await signIn(browser, server, 'manager@demo.test');
	await manager.page.goto('/settings/users');
	const anaRow = manager.page.getByTestId('user-row-ana@demo.test');
	await expect(anaRow.getByTestId('user-role').locator('option[value="owner"]')).toBeDisabled();
	await expect(manager.page.getByTestId('owner-reason')).toHaveText('Only an owner can make someone an owner.');
	const ownerRow = manager.page.getByTestId('user-row-owner@demo.test');
	await expect(ownerRow.getByTestId('user-role')).toBeDisabled();
	await expect(manager.page.getByTestId('user-reason').first()).toHaveText('Only an owner can change an owner.');
	await expect(manager.page.getByTestId('settings-nav-activity')).toHaveCount(0);
	await manager.context.close();
});

test('deactivating a user ends their open session at once; reactivated, they sign in again', async ({ browser }) => {
	const owner = await signIn(browser, server, 'owner@demo.test');
	const tom = await signIn(browser, server, 'tom@demo.test');
	await owner.page.goto('/settings/users');
	const row = owner.page.getByTestId('user-row-tom@demo.test');
	await row.getByTestId('user-deactivate').click();
	await expect.poll(() => server.visibility.directory.users.find((u) => u.email === 'tom@demo.test')?.active, { intervals: [5] }).toBe(false);
	const t0 = Date.now();
	await tom.page.waitForURL((u) => u.pathname === '/login', { timeout: 5000 });
	expect(Date.now() - t0).toBeLessThan(1000);
	await owner.page.getByTestId('user-row-tom@demo.test').getByTestId('user-reactivate').click();
	await expect(owner.page.getByTestId('user-row-tom@demo.test').getByTestId('user-deactivate')).toBeVisible();
	await tom.page.locator('#login-email').fill('tom@demo.test');
	await tom.page.locator('#login-password').fill('parley-demo');
	await tom.page.locator('form button[type="submit"]').click();
	await tom.page.waitForURL((u) => !u.pathname.startsWith('/login'));
	await caughtUp(tom.page);
	await tom.context.close();
	await owner.context.close();
});

test('in French every settings page shows no English string of the area', async ({ browser }) => {
	const owner = await signIn(browser, server, 'owner@demo.test', 'fr-FR');
	// English texts of the area that French says differently (placeholders cut out).
	const english = (Object.keys(settingsEn) as Array<keyof typeof settingsEn>)
		.filter((k) => settingsEn[k] !== settingsFr[k])
		.flatMap((k) => settingsEn[k].split(/\{\w+\}/))
		.map((s) => s.trim())
		.filter((s) => s.length >= 8)
		// Workspace data is not UI text (the demo's channel is named "Web chat").
		.filter((s) => !server.visibility.directory.channels.some((c) => c.name === s));
	for (const section of SETTINGS_SECTIONS) {
		await owner.page.goto(section.href);
		await expect(owner.page.getByTestId(`settings-nav-${section.id}`)).toHaveAttribute('aria-current', 'page');
		await expect(owner.page.locator('main h1')).toHaveText(fr[section.label]);
		const text = await owner.page.locator('[data-testid="settings"]').innerText();
		const left = english.filter((s) => text.includes(s));
		expect(left, `${section.href} still shows English`).toEqual([]);
		if (['profile', 'workspace', 'email', 'ai', 'workflows', 'channels'].includes(section.id)) await owner.page.screenshot({ path: `/tmp/s20-fr-${section.id}.png`, fullPage: true });
		// Accessible like the rest of the app (WCAG 2 A/AA, as in a11y.spec.ts).
		const axe = await new AxeBuilder({ page: owner.page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
		expect.soft(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), `axe on ${section.href}`).toEqual([]);
	}
	// The language switch in the profile applies at once.
	await owner.page.goto('/settings/profile');
	await owner.page.getByTestId('profile-language').selectOption('en');
	await expect(owner.page.locator('main h1')).toHaveText('My profile');
	await owner.context.close();
});

test('a fresh start without the demo (PARLEY_DEMO=0): first-run page, owner created, no demo data', async ({ browser }) => {
	const dir = mkdtempSync(join(tmpdir(), 'parley-e2e-fresh-'));
	const fresh = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir, staticDir, seed: false, log: () => undefined });
	try {
		const context = await browser.newContext({ baseURL: fresh.url, locale: 'en-US' });
		await context.addInitScript(() => window.localStorage.setItem('parley.debug', '1'));
		const page = await context.newPage();
		await page.goto('/');
		await page.waitForURL((u) => u.pathname === '/setup');
		await expect(page.getByTestId('setup-form')).toBeVisible();
		await page.screenshot({ path: '/tmp/s20-setup.png' });
		await page.locator('#setup-ws').fill('Acme Support');
		await page.locator('#setup-name').fill('Eve Adams');
		await page.locator('#setup-email').fill('eve@acme.test');
		await page.locator('#setup-pw').fill('eve-password-1');
		await page.getByRole('button', { name: 'Create the workspace' }).click();
		await page.waitForURL((u) => u.pathname === '/settings/users');
		await expect(page.getByTestId('user-row-eve@acme.test')).toBeVisible();
		expect(fresh.visibility.directory).toMatchObject({ workspaceName: 'Acme Support', users: [{ email: 'eve@acme.test', role: 'owner' }], channels: [], teams: [] });
		expect([...fresh.visibility.contactDocIds()]).toEqual([]);
		await page.goto('/');
		await caughtUp(page);
		await expect(page.getByText('Olivia Bennett')).toHaveCount(0);
		await context.close();
	} finally {
		await fresh.close();
		rmSync(dir, { recursive: true, force: true });
	}
});
