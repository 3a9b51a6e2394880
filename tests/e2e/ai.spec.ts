/**
 * AI assist end to end against a real server with no configuration and no network beyond
 * loopback (the built-in provider: extractive summaries, rules, Apertium): Ana (agent) and Tom
 * (agent restricted to Sales, who may not see the contact). Screenshots in EN and FR go to
 * test-results/screenshots/.
 */
// SPEC S6.3, S6.4, S5.3, S9.4, S1.3
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contactDoc, serverOrigin } from '../../src/lib/doc';
import { contactDocId, newId } from '../../src/lib/domain/ids';
import type { ContactId, ContactSummary, EntryId } from '../../src/lib/domain/types';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, reachable, receive, serverTruth, signIn, type Server, type Session } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const shots = fileURLToPath(new URL('../../test-results/screenshots', import.meta.url));
const FRENCH = 'Bonjour, ma commande 4512 est arrivée cassée. Pouvez-vous me rembourser 49 euros ?';

let server: Server;
let dataDir: string;
let ana: Session;
let tom: Session;
let contact: ContactSummary;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
	mkdirSync(shots, { recursive: true });
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-ai-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 40 }, log: () => undefined, ai: { openai: null } });
	// An open, unassigned contact outside Sales (Tom may not see it), reachable by the webhook,
	// whose latest conversation starts now, in French.
	const { contacts } = await serverTruth(server);
	const pick = contacts.find((c) => c.status === 'open' && c.assigneeId === null && !c.blocked && c.teamId === null && reachable(c, contacts));
	if (!pick) throw new Error('no suitable contact in the demo data');
	contact = pick;
	await server.rooms.applyServerChange(contactDocId(contact.id as ContactId), (y) => {
		const c = contactDoc(y, serverOrigin());
		c.profile.patch({ language: 'fr' });
		c.thread.append({ id: newId() as EntryId, kind: 'event', at: Date.now() - 60_000, author: { type: 'system', id: 'system' }, type: 'closed', source: 'system', data: {} });
	});
	await receive(server, contact, FRENCH);
	await receive(server, contact, "J'ai besoin du remboursement avant vendredi.");
	ana = await signIn(browser, server, 'ana@demo.test');
	tom = await signIn(browser, server, 'tom@demo.test');
});

test.afterAll(async () => {
	for (const s of [ana, tom]) await s?.context.close();
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

async function openContact(page: Page, id: string): Promise<void> {
	await page.goto(`/c/${id}`);
	await caughtUp(page);
	await expect(page.getByTestId('composer')).toBeVisible();
}

async function shot(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: join(shots, `${name}.png`), animations: 'disabled' });
}

async function aiPick(page: Page, label: string | RegExp): Promise<void> {
	await page.getByTestId('ai-button').click();
	await expect(page.getByTestId('ai-menu')).toBeVisible();
	await page.getByTestId('ai-menu').getByRole('menuitem', { name: label }).click();
}

const frenchEntry = (page: Page) => page.locator('[data-entry-id]', { hasText: FRENCH }).first();

test('summarize into a comment, undo and redo it as one step, edit, post (S6.3, S9.4)', async () => {
	const page = ana.page;
	await openContact(page, contact.id);
	await page.getByTestId('comment-toggle').click();
	const box = page.getByTestId('composer');
	await page.getByTestId('ai-button').click();
	await expect(page.getByTestId('ai-menu')).toContainText('Summarize the conversation');
	// The built-in provider shows every built-in prompt; none is needed here.
	await shot(page, 'ai-menu-en');
	await page.getByTestId('ai-menu').getByRole('menuitem', { name: 'Summarize the conversation' }).click();
	await expect(box).toHaveValue(/4512/);
	const summary = await box.inputValue();
	expect(summary).toContain('• ');
	expect(summary).toContain('49 euros');
	expect(summary.length).toBeLessThan(2000);
	// One undo step takes the whole insertion away; redo brings it back.
	await box.press('Control+z');
	await expect(box).toHaveValue('');
	await box.press('Control+Shift+z');
	await expect(box).toHaveValue(summary);
	await box.press('End');
	await box.pressSequentially('\nChecked with the warehouse.');
	await shot(page, 'ai-summary-comment-en');
	await page.getByTestId('send').click();
	const thread = page.getByTestId('thread');
	await expect(thread.locator('.comment').last()).toContainText('4512');
	await expect(thread.locator('.comment').last()).toContainText('Checked with the warehouse.');
});

test('translate a French message for an English agent, back to the original, and again offline from the cache (S5.3)', async () => {
	const page = ana.page;
	await openContact(page, contact.id);
	const entry = frenchEntry(page);
	await entry.hover();
	await entry.getByRole('button', { name: 'Message actions' }).click();
	await page.getByRole('menuitem', { name: 'Translate' }).click();
	const tr = entry.getByTestId('translation');
	await expect(tr).toBeVisible({ timeout: 30_000 });
	await expect(tr).toContainText('4512');
	await expect(tr).toContainText(/broken/i);
	await expect(tr).toContainText('Translated from French via Spanish');
	await shot(page, 'ai-translation-en');
	// Back to the original.
	await tr.getByTestId('show-original').click();
	await expect(entry.getByTestId('translation')).toHaveCount(0);
	// Offline, the stored translation still shows.
	await ana.context.setOffline(true);
	await page.waitForFunction(() => (window as unknown as { __parley: { app: { sync: { state: string } } } }).__parley.app.sync.state === 'offline');
	await entry.hover();
	await entry.getByRole('button', { name: 'Message actions' }).click();
	await page.getByRole('menuitem', { name: 'Translate' }).click();
	await expect(entry.getByTestId('translation')).toContainText('4512');
	await ana.context.setOffline(false);
	await caughtUp(page);
});

test('reply with AI assist offline says it needs the server and inserts nothing (S5.3)', async () => {
	const page = ana.page;
	await openContact(page, contact.id);
	await page.getByTestId('reply-toggle').click();
	const box = page.getByTestId('composer');
	await box.fill('');
	await ana.context.setOffline(true);
	await page.waitForFunction(() => (window as unknown as { __parley: { app: { sync: { state: string } } } }).__parley.app.sync.state === 'offline');
	const entry = frenchEntry(page);
	await entry.hover();
	await entry.getByRole('button', { name: 'Message actions' }).click();
	await page.getByRole('menuitem', { name: 'Reply with AI assist' }).click();
	await expect(page.getByTestId('ai-status')).toHaveText('AI assist needs the server: you are offline. Nothing was inserted.');
	await expect(box).toHaveValue('');
	await shot(page, 'ai-offline-en');
	await ana.context.setOffline(false);
	await caughtUp(page);
	// Online again, the same action drafts a reply in the contact's language (French).
	await entry.hover();
	await entry.getByRole('button', { name: 'Message actions' }).click();
	await page.getByRole('menuitem', { name: 'Reply with AI assist' }).click();
	await expect(box).toHaveValue(/^Bonjour/);
	// S6.4: a prompt over the reply: fix the spelling.
	await box.fill('i dont recieve teh parcel');
	await aiPick(page, 'Fix spelling');
	await expect(box).toHaveValue("I don't receive the parcel.");
});

test("a user who may not see the contact cannot get its summary: 403, nothing computed (S1.3)", async () => {
	const token = await tom.page.evaluate(() => (window as unknown as { __parley: { app: { auth: { token(): Promise<string | null> } } } }).__parley.app.auth.token());
	const before = server.ai.computations;
	const res = await fetch(`${server.url}/api/ai/summarize`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ contactId: contact.id }) });
	expect(res.status).toBe(403);
	expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
	expect(server.ai.computations).toBe(before);
});

test('screens in French: the AI menu, a translation and the settings page', async ({ browser }) => {
	const fr = await signIn(browser, server, 'owner@demo.test', 'fr-FR');
	try {
		await openContact(fr.page, contact.id);
		await fr.page.getByTestId('comment-toggle').click();
		await fr.page.getByTestId('ai-button').click();
		await expect(fr.page.getByTestId('ai-menu')).toContainText('Résumer la conversation');
		await shot(fr.page, 'ai-menu-fr');
		await fr.page.keyboard.press('Escape');
		await fr.page.goto('/settings/ai');
		await expect(fr.page.getByTestId('ai-settings')).toContainText('Consignes personnalisées');
		await fr.page.getByTestId('ai-add-prompt').click();
		await fr.page.getByLabel('Nom').fill('Pirate');
		await fr.page.getByLabel('Instruction').fill('Réécris comme un pirate.');
		await fr.page.getByTestId('ai-save').click();
		await expect(fr.page.getByTestId('ai-prompt')).toContainText('demandent un modèle de langue');
		await shot(fr.page, 'ai-settings-fr');
		// The custom prompt shows in the composer, disabled with the reason.
		await openContact(fr.page, contact.id);
		await fr.page.getByTestId('ai-button').click();
		await expect(fr.page.getByRole('menuitem', { name: 'Pirate' })).toBeDisabled();
		await expect(fr.page.getByTestId('ai-reason')).toContainText('Pirate');
	} finally {
		await fr.context.close();
	}
});
