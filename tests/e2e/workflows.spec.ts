/**
 * Workflows, shortcuts and the bot end to end: a real sync server (port 0, throwaway data, the
 * built app), a web chat visitor in one browser context and the owner in the inbox in another.
 * An incoming web chat message starts a welcome workflow (greets, waits for the reply, assigns
 * Support round robin); the owner starts a shortcut from the console and stops a running
 * workflow; the bot answers a FAQ word, the owner turns the bot off for that contact and the bot
 * stays quiet. Screenshots of the console tools and the builder go to /tmp/s23-*.png.
 */
// SPEC S7.7, S7.8, S5.5
import { expect, test, type Browser, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_TEAMS } from '../../src/lib/demo/generate';
import { contactDoc, docFromUpdates, storageOrigin } from '../../src/lib/doc';
import { contactDocId } from '../../src/lib/domain/ids';
import type { ContactId, Entry } from '../../src/lib/domain/types';
import type { WorkflowDefinition } from '../../src/lib/domain/workflows';
import { hashToken } from '../../sync-server/src/channels/signature';
import { startServer } from '../../sync-server/src/server';
import { apiAs, signIn as signInAs, type Api, type Server } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const CHAT = 'ch-webchat';

let server: Server;
let dataDir: string;
let api: Api;

test.beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-workflows-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 30 }, channels: { allowPrivate: true }, log: () => undefined });
	api = await apiAs(server, 'owner@demo.test');
});

test.afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

async function publish(definition: WorkflowDefinition): Promise<string> {
	const r = await api('POST', '/api/workflows', { definition });
	expect(r.status).toBe(201);
	return r.json.id as string;
}

/** The app signed in as `email` in a browser context of its own. */
const signIn = async (browser: Browser, email: string): Promise<Page> => (await signInAs(browser, server, email)).page;

async function visitor(browser: Browser, name: string, text: string): Promise<{ page: Page; contactId: ContactId }> {
	const ctx = await browser.newContext({ baseURL: server.url });
	const page = await ctx.newPage();
	await page.goto(`/chat/${CHAT}`);
	await page.locator('#name').fill(name);
	await page.locator('#text').fill(text);
	await page.locator('#text').press('Enter');
	await expect(page.locator('#messages .msg.mine')).toHaveCount(1);
	// The page shows the message before the server's answer stores the session token: wait for it.
	const t = (await (await page.waitForFunction((k) => localStorage.getItem(k), `parley.visitor.${CHAT}`)).jsonValue()) as string;
	const session = await server.store.getVisitorSession(hashToken(t));
	return { page, contactId: session!.contactId };
}

async function say(page: Page, text: string): Promise<void> {
	await page.locator('#text').fill(text);
	await page.locator('#text').press('Enter');
}

async function thread(contactId: ContactId): Promise<{ entries: Entry[]; assigneeId: string | null; teamId: string | null }> {
	const stored = await server.store.loadDoc(contactDocId(contactId));
	const ydoc = docFromUpdates(stored?.updates ?? [], storageOrigin());
	const c = contactDoc(ydoc, storageOrigin());
	const out = { entries: c.thread.ordered(), assigneeId: c.assignment.get().userId, teamId: c.assignment.get().teamId };
	ydoc.destroy();
	return out;
}

test('an incoming web chat message starts the welcome workflow: greets, waits for the reply, assigns Support round robin', async ({ browser }) => {
	const id = await publish({
		name: 'Welcome',
		trigger: { type: 'conversation_opened', sources: ['contact'] },
		steps: [
			{ type: 'send_message', text: 'Welcome {{contact.firstName}}! What can we do for you?' },
			{ type: 'wait', minutes: 30, forReply: true },
			{ type: 'assign', to: { kind: 'round_robin', teamId: DEMO_TEAMS.support } }
		]
	});
	const v = await visitor(browser, 'Nadia', 'Hello there');
	const theirs = v.page.locator('#messages .msg.theirs .bubble');
	await expect(theirs).toHaveText(['Welcome Nadia! What can we do for you?'], { timeout: 20_000 });
	expect((await thread(v.contactId)).assigneeId).toBeNull();
	await say(v.page, 'My parcel is late');
	await expect.poll(async () => (await thread(v.contactId)).assigneeId, { timeout: 20_000 }).not.toBeNull();
	const t = await thread(v.contactId);
	const support = server.visibility.directory.users.filter((u) => u.teamIds.includes(DEMO_TEAMS.support)).map((u) => u.id);
	expect(support).toContain(t.assigneeId);
	expect(t.teamId).toBe(DEMO_TEAMS.support);
	expect(t.entries.some((e) => e.kind === 'event' && e.type === 'assigned' && e.source === 'workflow')).toBe(true);
	await expect(theirs).toHaveCount(1);
	await api('PATCH', `/api/workflows/${id}`, { enabled: false });
});

test('an agent starts a shortcut from the console and stops a running workflow', async ({ browser }) => {
	await publish({
		name: 'Escalate to manager',
		trigger: { type: 'shortcut' },
		steps: [
			{ type: 'tag', op: 'add', tag: 'escalated' },
			{ type: 'comment', text: 'Escalated by the shortcut' },
			{ type: 'wait', minutes: 120 },
			{ type: 'status', to: 'closed' }
		]
	});
	const v = await visitor(browser, 'Igor', 'I want to talk to a manager');
	const agent = await signIn(browser, 'owner@demo.test');
	await agent.locator(`[role="listbox"] [data-id="${v.contactId}"]`).click({ timeout: 20_000 });
	await agent.getByTestId('console-shortcuts').click();
	await expect(agent.getByTestId('shortcuts-panel')).toBeVisible();
	await agent.getByTestId('workflow-search').fill('escal');
	await agent.screenshot({ path: '/tmp/s23-shortcuts.png', animations: 'disabled' });
	await agent.getByTestId('shortcut-item').filter({ hasText: 'Escalate to manager' }).click();
	await expect(agent.getByTestId('console-notice')).toContainText('Escalate to manager');
	await expect(agent.getByTestId('thread').getByText('Escalated by the shortcut')).toBeVisible({ timeout: 20_000 });

	await agent.getByTestId('console-runs').click();
	await expect(agent.getByTestId('run-item')).toHaveCount(1, { timeout: 10_000 });
	await expect(agent.getByTestId('run-item')).toContainText('Escalate to manager');
	await agent.screenshot({ path: '/tmp/s23-running.png', animations: 'disabled' });
	await agent.getByTestId('run-stop').click();
	await expect(agent.getByTestId('runs-panel')).toContainText('No running workflows');
	await expect.poll(async () => (await thread(v.contactId)).entries.filter((e) => e.kind === 'event' && e.type === 'workflow_ended').length, { timeout: 10_000 }).toBe(1);
	// Stopped before its last step: the conversation stays open.
	const t = await thread(v.contactId);
	expect(t.entries.find((e) => e.kind === 'event' && e.type === 'workflow_ended')).toMatchObject({ source: 'user', data: { status: 'stopped' } });
	expect(t.entries.some((e) => e.kind === 'event' && e.type === 'closed')).toBe(false);

	// The builder lists it, with its run history.
	await agent.goto('/settings/workflows');
	await expect(agent.getByTestId('workflow-row').filter({ hasText: 'Escalate to manager' })).toBeVisible({ timeout: 20_000 });
	await agent.getByTestId('workflow-row').filter({ hasText: 'Escalate to manager' }).locator('button').click();
	await expect(agent.getByTestId('run-history')).toContainText('Stopped');
	await agent.screenshot({ path: '/tmp/s23-builder.png', fullPage: true, animations: 'disabled' });
});

test('the bot answers a FAQ word; turned off for the contact from the console, it stays quiet', async ({ browser }) => {
	const cfg = {
		enabled: true,
		welcome: '',
		officeHours: null,
		away: '',
		faq: [{ words: ['price', 'pricing'], answer: 'Plans start at 12 EUR per agent.' }],
		handoverWords: [],
		handoverTeamId: null,
		handoverMessage: '',
		stopOnAgentReply: true
	};
	expect((await api('PATCH', `/api/bot/${CHAT}`, cfg)).status).toBe(200);
	const v = await visitor(browser, 'Paula', 'What is the price?');
	const theirs = v.page.locator('#messages .msg.theirs .bubble');
	await expect(theirs).toHaveText(['Plans start at 12 EUR per agent.'], { timeout: 20_000 });

	const agent = await signIn(browser, 'owner@demo.test');
	await agent.locator(`[role="listbox"] [data-id="${v.contactId}"]`).click({ timeout: 20_000 });
	const bot = agent.getByTestId('console-bot');
	await expect(bot).toHaveAttribute('data-on', 'true');
	await bot.click();
	await expect(bot).toHaveAttribute('data-on', 'false', { timeout: 10_000 });
	await expect(agent.getByTestId('thread').getByText('Bot switched off')).toBeVisible({ timeout: 10_000 });
	await agent.screenshot({ path: '/tmp/s23-bot-off.png', animations: 'disabled' });

	await say(v.page, 'And the pricing for teams?');
	await expect(agent.getByTestId('thread').getByText('And the pricing for teams?')).toBeVisible({ timeout: 20_000 });
	await server.workflows.bot.idle();
	const t = await thread(v.contactId);
	expect(t.entries.filter((e) => e.kind === 'message' && e.author.type === 'bot')).toHaveLength(1);
	await expect(theirs).toHaveCount(1);
});
