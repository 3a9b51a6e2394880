/**
 * Custom inboxes end to end (issue 21): the owner builds a filter with two groups in the
 * builder, saves it shared with team Sales; Tom (team-restricted, Sales) sees it with only the
 * contacts he may see; Sue (Support) does not get it at all; a new inbound message that matches
 * appears live in the owner's and Tom's custom inbox; offline, the owner closes a conversation
 * so it no longer matches, and it leaves the inbox at once. Expectations are computed with the
 * domain's own predicate over the server's documents.
 */
// SPEC S1.3, S1.5, S1.9, S4.4, S4.5 (and the builder passes axe's WCAG 2 A/AA rules, issue 16)
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { customInboxPredicate } from '../../src/lib/domain/custom-inboxes';
import type { Filter } from '../../src/lib/domain/filters';
import type { ContactSummary } from '../../src/lib/domain/types';
import { DEMO_TEAMS } from '../../src/lib/demo/generate';
import { startServer } from '../../sync-server/src/server';
import { reachable, receive, serverTruth, signIn, stateIds, type Server, type Session } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const SHOTS = process.env.SHOTS_DIR;

let server: Server;
let dataDir: string;
let owner: Session;
let tom: Session;
let sue: Session;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-custom-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 90 }, log: () => undefined });
	owner = await signIn(browser, server, 'owner@demo.test');
	tom = await signIn(browser, server, 'tom@demo.test');
	sue = await signIn(browser, server, 'sue@demo.test');
});

test.afterAll(async () => {
	for (const s of [owner, tom, sue]) await s?.context.close();
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

/** Sets condition `i` of group `g` in the open builder. */
async function condition(page: Page, g: number, i: number, field: string, op: string, value?: string) {
	const row = page.locator(`[data-group="${g}"] .cond`).nth(i);
	await row.locator('[data-testid="cond-field"]').selectOption(field);
	await row.locator('[data-testid="cond-op"]').selectOption(op);
	if (value !== undefined) await row.locator('[data-testid="cond-value"]').first().selectOption(value);
}

async function expected(s: Session, filter: Filter): Promise<string[]> {
	const { dir, contacts } = await serverTruth(server);
	const pred = customInboxPredicate(filter, s.user, dir, Date.now());
	return contacts
		.filter(pred)
		.map((c) => c.id)
		.sort();
}

const sorted = async (page: Page) => (await stateIds(page)).slice().sort();

let inboxKey = '';
let filter: Filter;

test('the owner builds a two-group filter and saves it shared with Sales', async () => {
	const page = owner.page;
	await page.locator('[data-testid="new-custom-inbox"]').click();
	const builder = page.locator('[data-testid="filter-builder"]');
	await expect(builder).toBeVisible();
	// group 1: status is open AND team is Sales
	await condition(page, 0, 0, 'status', 'is', 'open');
	await page.locator('[data-group="0"] [data-testid="add-condition"]').click();
	await condition(page, 0, 1, 'team', 'is', DEMO_TEAMS.sales);
	// OR group 2: status is open AND assignee is me
	await page.locator('[data-testid="add-group"]').click();
	await condition(page, 1, 0, 'status', 'is', 'open');
	await page.locator('[data-group="1"] [data-testid="add-condition"]').click();
	await condition(page, 1, 1, 'assignee', 'is', 'me');
	await expect(page.locator('[data-testid="filter-warnings"]')).toHaveCount(0);
	await page.locator('[data-testid="filter-name"]').fill('Hot leads');
	await page.locator('[data-testid="filter-icon"]').fill('🔥');
	await page.locator('[data-testid="share-kind"]').selectOption('teams');
	await page.locator(`[data-testid="share-team"][data-team="${DEMO_TEAMS.sales}"]`).check();
	if (SHOTS) await page.screenshot({ path: `${SHOTS}/builder.png` });
	// WCAG 2 A/AA, as a11y.spec.ts checks every other screen
	await expectAccessible(page, 'the filter builder');
	await page.locator('[data-testid="filter-save"]').click();
	await expect(builder).toHaveCount(0);

	// the new inbox is open, in the URL, and lists what the rule says
	await expect(page).toHaveURL(/\?inbox=custom%3A/);
	inboxKey = decodeURIComponent(new URL(page.url()).searchParams.get('inbox')!);
	const id = inboxKey.slice('custom:'.length);
	const saved = await (await fetch(`${server.url}/api/custom-inboxes`, { headers: { authorization: `Bearer ${await token(page)}` } })).json();
	filter = (saved as { inboxes: Array<{ id: string; filter: Filter }> }).inboxes.find((i) => i.id === id)!.filter;
	expect(filter.groups).toEqual([
		[
			{ field: 'status', op: 'is', value: 'open' },
			{ field: 'team', op: 'is', value: DEMO_TEAMS.sales }
		],
		[
			{ field: 'status', op: 'is', value: 'open' },
			{ field: 'assignee', op: 'is', value: 'me' }
		]
	]);
	await expect(page.locator(`[data-inbox="${inboxKey}"]`)).toHaveAttribute('aria-current', 'page');
	const want = await expected(owner, filter);
	expect(want.length).toBeGreaterThan(0);
	await expect.poll(() => sorted(page)).toEqual(want);
	await expect(page.locator(`[data-inbox="${inboxKey}"] .count`)).toHaveText(String(want.length));
	if (SHOTS) await page.screenshot({ path: `${SHOTS}/owner-inbox.png` });
	await expectAccessible(page, 'a custom inbox');
});

async function expectAccessible(page: Page, what: string): Promise<void> {
	const res = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	const found = res.violations.flatMap((v) => v.nodes.map((n) => `${v.id} [${v.impact ?? '?'}] ${n.target.join(' ')}`));
	expect(found, `axe violations on ${what}`).toEqual([]);
}

async function token(page: Page): Promise<string> {
	return page.evaluate(async () => {
		const raw = localStorage.getItem('parley.session');
		return raw ? (JSON.parse(raw) as { accessToken: string }).accessToken : '';
	});
}

test('Tom sees it with only the contacts he may see; Sue does not get it', async () => {
	// the revision in the directory makes Tom's app fetch the new list at once
	await expect(tom.page.locator(`[data-inbox="${inboxKey}"]`)).toBeVisible();
	await tom.page.locator(`[data-inbox="${inboxKey}"]`).click();
	const want = await expected(tom, filter);
	const ownerWant = await expected(owner, filter);
	expect(want.length).toBeGreaterThan(0);
	expect(want.length).toBeLessThan(ownerWant.length + 1);
	await expect.poll(() => sorted(tom.page)).toEqual(want);
	await expect(tom.page.locator('[data-testid="custom-hide"]')).toBeVisible();
	await expect(tom.page.locator('[data-testid="custom-edit"]')).toHaveCount(0);
	if (SHOTS) await tom.page.screenshot({ path: `${SHOTS}/tom-inbox.png` });

	await expect(sue.page.locator('[data-testid="custom-inboxes"]')).toBeVisible();
	await expect(sue.page.locator('[data-testid="custom-inboxes"] [data-inbox]')).toHaveCount(0);
	const sueList = await sue.page.evaluate(() => JSON.stringify((window as unknown as { __parley: { app: { customInboxes: { list: unknown[] } } } }).__parley.app.customInboxes.list));
	expect(sueList).toBe('[]');
	// opened by URL, it shows her nothing
	await sue.page.goto(`/?inbox=${encodeURIComponent(inboxKey)}`);
	await expect.poll(() => stateIds(sue.page)).toEqual([]);
});

test('a new matching inbound message appears live in the owner and Tom custom inbox', async () => {
	const { contacts } = await serverTruth(server);
	const target = contacts.find((c: ContactSummary) => c.teamId === DEMO_TEAMS.sales && c.status === 'closed' && !c.blocked && reachable(c, contacts));
	expect(target, 'a closed Sales contact reachable by the webhook').toBeDefined();
	await owner.page.locator(`[data-inbox="${inboxKey}"]`).click();
	expect(await stateIds(owner.page)).not.toContain(target!.id);
	expect(await stateIds(tom.page)).not.toContain(target!.id);
	await receive(server, target!, 'Is the offer still valid?');
	await expect.poll(() => stateIds(owner.page)).toContain(target!.id);
	await expect.poll(() => stateIds(tom.page)).toContain(target!.id);
	await expect(owner.page.locator(`[role="listbox"] [data-id="${target!.id}"]`)).toBeVisible();
});

test('offline, the owner closes a conversation and it leaves the custom inbox at once', async () => {
	const page = owner.page;
	const rows = await stateIds(page);
	const victim = rows[0]!;
	await owner.context.setOffline(true);
	await expect(page.locator('[data-testid="offline-banner"]')).toBeVisible({ timeout: 30_000 });
	await page.locator(`[role="listbox"] [data-id="${victim}"]`).click();
	await page.locator('[role="listbox"]').focus();
	await page.keyboard.press('e');
	await expect.poll(() => stateIds(page), { timeout: 5_000 }).not.toContain(victim);
	if (SHOTS) await page.screenshot({ path: `${SHOTS}/owner-offline.png` });
	await owner.context.setOffline(false);
});

test('an unsaved filter has a shareable URL and the back button walks the views', async () => {
	const page = owner.page;
	await page.locator('[data-inbox="mine"]').click();
	await page.locator(`[data-inbox="${inboxKey}"]`).click();
	await page.locator('[data-testid="filter-button"]').click();
	await condition(page, 0, 0, 'status', 'is', 'closed');
	await page.locator('[data-testid="filter-apply"]').click();
	await expect(page).toHaveURL(/\?filter=/);
	// group 1 now reads "status is closed AND team is Sales"; group 2 is unchanged
	const draft = (await page.evaluate(() => (window as unknown as { __parley: { app: { inbox: { draftFilter: unknown } } } }).__parley.app.inbox.draftFilter)) as Filter;
	expect(draft.groups[0]![0]).toEqual({ field: 'status', op: 'is', value: 'closed' });
	expect(draft.groups.length).toBe(2);
	await expect.poll(async () => (await sorted(page)).join()).toBe((await expected(owner, draft)).join());
	const url = page.url();
	await page.goBack();
	await expect(page).toHaveURL(/\?inbox=custom%3A/);
	await expect.poll(() => page.evaluate(() => (window as unknown as { __parley?: { app: { inbox: { query: { inbox: string } } } } }).__parley?.app.inbox.query.inbox)).toBe(inboxKey);
	// the filter URL opened in another session shows the same filter
	await tom.page.goto(url);
	await expect.poll(() => tom.page.evaluate(() => (window as unknown as { __parley?: { app: { inbox: { query: { inbox: string } } } } }).__parley?.app.inbox.query.inbox)).toBe('custom:draft');
	expect(await tom.page.evaluate(() => (window as unknown as { __parley: { app: { inbox: { draftFilter: unknown } } } }).__parley.app.inbox.draftFilter)).toEqual(draft);
	if (SHOTS) await tom.page.screenshot({ path: `${SHOTS}/tom-draft.png` });
});
