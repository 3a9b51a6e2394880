/**
 * The workflow builder's branch conditions and schedule, and the bot's settings page, end to end
 * (a real sync server on port 0, throwaway data, the built app). A branch condition built with
 * the filter editor of the custom inboxes is what the published definition holds, and a
 * condition whose team is deleted is shown as broken; a schedule with its audience is published
 * from the builder; the FAQ changed on Settings > Workflows > Bot is what the web chat visitor's
 * next message gets. Screenshots go to /tmp/h23-*.png.
 */
// SPEC S7.7, S7.8, S4.4
import { expect, test, type Browser, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowDefinition } from '../../src/lib/domain/workflows';
import { startServer } from '../../sync-server/src/server';
import { apiAs, signIn as signInAs, type Api, type Server } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const CHAT = 'ch-webchat';

let server: Server;
let dataDir: string;
let api: Api;

test.beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-wf-settings-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 20 }, log: () => undefined });
	api = await apiAs(server, 'owner@demo.test');
});

test.afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

/** The app signed in as `email` in a browser context of its own. */
const signIn = async (browser: Browser, email: string): Promise<Page> => (await signInAs(browser, server, email)).page;

const published = async (name: string): Promise<{ id: string; definition: WorkflowDefinition; problems: Array<{ code: string }> } | undefined> => {
	const list = (await api('GET', '/api/workflows')).json.workflows as Array<{ id: string; definition: WorkflowDefinition; problems: Array<{ code: string }> }>;
	return list.find((w) => w.definition.name === name);
};

test('a branch condition built with the filter editor is what the published workflow holds; a deleted team shows it broken', async ({ browser }) => {
	const team = await api('POST', '/api/directory/teams', { name: 'Night shift' });
	expect(team.status).toBe(201);
	const teamId = team.json.id as string;
	const page = await signIn(browser, 'owner@demo.test');
	await page.goto('/settings/workflows');
	await page.getByTestId('workflow-new').click();
	await page.getByTestId('workflow-name').fill('VIP routing');
	await page.getByTestId('add-step').selectOption('branch');
	const branch = page.getByTestId('builder-branch');
	await expect(branch.getByTestId('branch-filter')).toBeVisible();
	// tags contains "vip" AND team is Night shift, in the filter language of the custom inboxes.
	await branch.getByTestId('cond-field').selectOption('tags');
	await branch.getByTestId('cond-op').selectOption('contains');
	await branch.getByTestId('cond-value').fill('vip');
	await branch.getByTestId('add-condition').click();
	await branch.getByTestId('cond-field').nth(1).selectOption('team');
	await branch.getByTestId('cond-value').nth(1).selectOption(teamId);
	// A step inside the branch (nested list), then publish.
	await branch.getByTestId('add-step').selectOption('bot');
	await page.getByTestId('workflow-publish').click();
	await expect(page.getByTestId('workflow-flash')).toContainText('1');
	const w = await published('VIP routing');
	expect(w?.definition.steps[0]).toMatchObject({
		type: 'branch',
		branches: [{ when: { kind: 'filter', filter: { groups: [[{ field: 'tags', op: 'contains', value: 'vip' }, { field: 'team', op: 'is', value: teamId }]] } }, steps: [{ type: 'bot' }] }]
	});
	await page.screenshot({ path: '/tmp/h23-branch-filter.png', fullPage: true, animations: 'disabled' });

	// The team is deleted: the condition is marked where it is, and the check marks the step broken.
	expect((await api('DELETE', `/api/directory/teams/${teamId}`)).status).toBeLessThan(300);
	await expect(branch.getByTestId('cond-warning')).toBeVisible({ timeout: 15_000 });
	await page.getByTestId('workflow-check').click();
	await expect(page.getByTestId('step-broken')).toBeVisible();
	expect((await published('VIP routing'))?.problems.map((p) => p.code)).toContain('broken_filter');
	await page.screenshot({ path: '/tmp/h23-branch-broken.png', fullPage: true, animations: 'disabled' });
});

test('a schedule and its audience are published from the builder', async ({ browser }) => {
	const page = await signIn(browser, 'owner@demo.test');
	await page.goto('/settings/workflows');
	await page.getByTestId('workflow-new').click();
	await page.getByTestId('workflow-name').fill('Monday follow-up');
	await page.getByTestId('workflow-trigger').selectOption('schedule');
	await page.getByTestId('schedule-kind').selectOption('weekly');
	// Weekdays are pre-checked: keep Monday and Wednesday only.
	for (const d of ['2', '4', '5']) await page.locator(`[data-testid="schedule-day"][data-day="${d}"]`).uncheck();
	await page.getByTestId('schedule-at').fill('08:30');
	await expect(page.getByTestId('schedule-next')).toBeVisible();
	const audience = page.getByTestId('audience-editor');
	await audience.getByTestId('cond-field').selectOption('status');
	await audience.getByTestId('cond-value').selectOption('open');
	await page.getByTestId('add-step').first().selectOption('comment');
	await page.getByTestId('builder-step').locator('textarea').fill('Weekly check-in');
	await page.screenshot({ path: '/tmp/h23-schedule.png', fullPage: true, animations: 'disabled' });
	await page.getByTestId('workflow-publish').click();
	await expect(page.getByTestId('workflow-flash')).toContainText('1');
	expect((await published('Monday follow-up'))?.definition.trigger).toEqual({
		type: 'schedule',
		schedule: { kind: 'weekly', days: [1, 3], at: '08:30' },
		audience: { groups: [[{ field: 'status', op: 'is', value: 'open' }]], timeZone: 'UTC' }
	});
});

test('the FAQ changed on the bot settings page is what the visitor gets', async ({ browser }) => {
	const page = await signIn(browser, 'owner@demo.test');
	await page.goto('/settings/workflows');
	await page.getByTestId('tab-bot').click();
	await expect(page.getByTestId('bot-settings')).toBeVisible();
	await page.getByTestId('bot-channel').selectOption(CHAT);
	// Keyboard: the switch and the FAQ are native controls in reading order.
	await page.getByTestId('bot-enabled').focus();
	await page.keyboard.press('Space');
	await expect(page.getByTestId('bot-enabled')).toBeChecked();
	await page.getByTestId('bot-faq-add').click();
	await page.getByTestId('bot-faq-words').fill('refund, refunds');
	await page.getByTestId('bot-faq-answer').fill('Refunds take 5 days.');
	await page.getByTestId('bot-hours').check();
	await page.getByTestId('bot-save').click();
	await expect(page.getByTestId('bot-saved')).toHaveText('Saved');
	await page.screenshot({ path: '/tmp/h23-bot-settings.png', fullPage: true, animations: 'disabled' });
	// Office hours on (weekdays 9-18 in the workspace zone): the test does not depend on the hour.
	await page.getByTestId('bot-hours').uncheck();
	await page.getByTestId('bot-save').click();
	await expect(page.getByTestId('bot-saved')).toHaveText('Saved');

	const ctx = await browser.newContext({ baseURL: server.url });
	const visitor = await ctx.newPage();
	await visitor.goto(`/chat/${CHAT}`);
	await visitor.locator('#name').fill('Rita');
	await visitor.locator('#text').fill('How do refunds work?');
	await visitor.locator('#text').press('Enter');
	const theirs = visitor.locator('#messages .msg.theirs .bubble');
	await expect(theirs).toHaveText(['Refunds take 5 days.'], { timeout: 20_000 });

	// The answer changed in the UI: the next message gets the new one.
	await page.getByTestId('bot-faq-answer').fill('Refunds now take 3 days.');
	await page.getByTestId('bot-save').click();
	await expect(page.getByTestId('bot-saved')).toHaveText('Saved');
	await visitor.locator('#text').fill('And refunds for a gift?');
	await visitor.locator('#text').press('Enter');
	await expect(theirs).toHaveText(['Refunds take 5 days.', 'Refunds now take 3 days.'], { timeout: 20_000 });
	expect(((await api('GET', '/api/bot')).json.channels as Record<string, { faq: unknown }>)[CHAT]?.faq).toEqual([{ words: ['refund', 'refunds'], answer: 'Refunds now take 3 days.' }]);

	// French: the same page reads in French.
	await page.evaluate(() => localStorage.setItem('parley.locale', 'fr'));
	await page.reload();
	await expect(page.getByTestId('bot-settings')).toContainText('Questions fréquentes');
	await page.screenshot({ path: '/tmp/h23-bot-settings-fr.png', fullPage: true, animations: 'disabled' });
});
