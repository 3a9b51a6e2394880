/**
 * Presence, typing, shared drafts and the collision guard end to end (SPEC S5.8, S9.4): the
 * built app against a real sync server, the owner (A) and Tom (B) who both may see a contact of
 * Tom's, and Sue (C, `self`-restricted) who may not, in three browser contexts; plus a stock
 * y-websocket client in Node as a bot.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { contactDocId } from '../../src/lib/domain/ids';
import type { ContactId } from '../../src/lib/domain/types';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, contactDocIdsInSeedOrder, signIn, type Server, type Session } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));

let server: Server;
let dataDir: string;
let a: Session;
let b: Session;
let c: Session;
let contactId: ContactId;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-presence-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 30 }, log: () => undefined });
	const docId = contactDocIdsInSeedOrder(server).find((d) => {
		const acc = server.visibility.accessOf(d);
		return acc?.assigneeId === 'u-tom' && !acc.blocked;
	});
	if (!docId) throw new Error('no contact of Tom');
	contactId = docId.slice(2) as ContactId;
	a = await signIn(browser, server, 'owner@demo.test');
	b = await signIn(browser, server, 'tom@demo.test');
	c = await signIn(browser, server, 'sue@demo.test');
	expect(server.visibility.canSee(c.user.id, docId)).toBe(false);
});

test.afterAll(async () => {
	for (const s of [a, b, c]) await s?.context.close();
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

/** The UI language, as the language menu stores it, applied by a reload. */
async function setLocale(page: Page, locale: 'en' | 'fr'): Promise<void> {
	await page.evaluate((l) => localStorage.setItem('parley.locale', l), locale);
	await page.reload();
	await caughtUp(page);
}

async function open(page: Page, id: string): Promise<void> {
	await page.goto(`/c/${id}`);
	await caughtUp(page);
	await expect(page.getByTestId('composer')).toBeVisible();
}

/** Awareness states the page's replica holds for a document (the test hook). */
function peers(page: Page, docId: string): Promise<unknown[]> {
	return page.evaluate((d) => {
		const w = window as unknown as { __parley?: { app: { replica: { awareness: { peers(d: string): Array<{ state: unknown }> } } | null } } };
		return w.__parley?.app.replica?.awareness.peers(d).map((p) => p.state) ?? [];
	}, docId);
}

test('A types, B sees "A is typing" within the page, C who may not see the contact sees nothing; A stops and it clears', async () => {
	await open(a.page, contactId);
	await open(b.page, contactId);
	// B sees A among the viewers of the contact, in the header.
	await expect(b.page.locator('.console [data-testid="viewers"]')).toHaveAttribute('data-viewers', new RegExp(a.user.id));
	await a.page.getByTestId('composer').pressSequentially('Hello the', { delay: 30 });
	const indicator = b.page.getByTestId('typing-indicator');
	await expect(indicator).toContainText(`${a.user.name} is typing`);
	await b.page.screenshot({ path: 'test-results/presence-typing.png' });
	// C: not a byte of the contact's awareness, no viewer naming it.
	expect(await peers(c.page, contactDocId(contactId))).toEqual([]);
	const cDir = JSON.stringify(await peers(c.page, 'dir'));
	expect(cDir).not.toContain(contactId);
	// A stops typing: cleared after the idle delay (~3 s), without A leaving.
	await expect(indicator).not.toContainText('typing', { timeout: 8_000 });
});

test("A's draft is A's own (B's composer stays empty, B sees 'A is drafting a reply'); B writes together with A on purpose, A sees B joined; it survives A reloading; B sends and the draft clears for A", async () => {
	// SPEC S9.4: a draft is its author's own until another agent joins it on purpose.
	const ca = a.page.getByTestId('composer');
	const cb = b.page.getByTestId('composer');
	await expect(ca).toHaveValue('Hello the');
	await expect(b.page.getByTestId('drafting')).toContainText(`${a.user.name} is drafting a reply`);
	await expect(cb).toHaveValue('');
	await b.page.screenshot({ path: 'test-results/screenshots/draft-drafting-en.png' });
	// The same in French.
	await setLocale(b.page, 'fr');
	await expect(b.page.getByTestId('drafting')).toContainText(`${a.user.name} rédige une réponse`);
	await b.page.screenshot({ path: 'test-results/screenshots/draft-drafting-fr.png' });
	await setLocale(b.page, 'en');
	// B's own draft stays B's: typing in it does not reach A.
	await cb.click();
	await cb.pressSequentially('Mine only', { delay: 10 });
	await expect(ca).toHaveValue('Hello the');
	await cb.fill('');

	await b.page.getByTestId('write-together').click();
	await expect(cb).toHaveValue('Hello the');
	await expect(b.page.getByTestId('writing-together')).toContainText(`Writing together with ${a.user.name}`);
	await b.page.screenshot({ path: 'test-results/screenshots/draft-writing-together-en.png' });
	await expect(a.page.getByTestId('draft-joiners')).toContainText(`${b.user.name} joined your draft`);
	await a.page.screenshot({ path: 'test-results/screenshots/draft-joined-en.png' });
	await cb.click();
	await cb.press('End');
	await cb.pressSequentially('re, Tom here', { delay: 20 });
	await ca.click();
	await ca.press('Home');
	await ca.pressSequentially('>> ', { delay: 20 });
	const merged = '>> Hello there, Tom here';
	await expect(ca).toHaveValue(merged);
	await expect(cb).toHaveValue(merged);

	// A reloads (in French this time): the draft and who joined it are still there.
	await setLocale(a.page, 'fr');
	await expect(a.page.getByTestId('composer')).toHaveValue(merged);
	await expect(a.page.getByTestId('draft-joiners')).toContainText(`${b.user.name} a rejoint votre brouillon`);
	await a.page.screenshot({ path: 'test-results/screenshots/draft-joined-fr.png' });
	await setLocale(a.page, 'en');
	await expect(a.page.getByTestId('composer')).toHaveValue(merged);

	// B sends once A is no longer typing (no collision), and the draft empties for everyone.
	await expect(b.page.getByTestId('typing-indicator')).not.toContainText('typing', { timeout: 8_000 });
	await b.page.getByTestId('send').click();
	const dialog = b.page.getByTestId('collision-dialog');
	if (await dialog.isVisible()) await b.page.getByTestId('collision-send').click();
	await expect(b.page.locator('[data-testid="thread"]')).toContainText(merged);
	await expect(a.page.getByTestId('composer')).toHaveValue('');
	await expect(b.page.getByTestId('composer')).toHaveValue('');
});

test("a draft follows its author to another tab of theirs, and B's own draft never shows in A's composer", async () => {
	// SPEC S9.4: synced across the author's own devices and tabs; private to them.
	await open(a.page, contactId);
	await open(b.page, contactId);
	await b.page.getByTestId('composer').pressSequentially('Je prends celle-ci', { delay: 10 });
	const second = await a.context.newPage();
	await open(second, contactId);
	await second.getByTestId('composer').pressSequentially('From my laptop', { delay: 10 });
	await expect(a.page.getByTestId('composer')).toHaveValue('From my laptop');
	await expect(a.page.getByTestId('drafting')).toContainText(b.user.name);
	await expect(a.page.getByTestId('composer')).toHaveValue('From my laptop');
	await expect(b.page.getByTestId('composer')).toHaveValue('Je prends celle-ci');
	await second.getByTestId('composer').fill('');
	await expect(a.page.getByTestId('composer')).toHaveValue('');
	await second.close();
	await b.page.getByTestId('composer').fill('');
	await expect(a.page.getByTestId('drafting')).toHaveCount(0);
});

/** B's view of A's caret in the reply: the overlay text before it and the text A selected. */
function remoteCaret(page: Page, userId: string): Promise<{ before: string; selected: string; tag: string } | null> {
	return page.evaluate((id) => {
		const caret = document.querySelector(`[data-testid="remote-cursor"][data-user="${id}"]`);
		const mirror = caret?.parentElement;
		if (!caret || !mirror) return null;
		const range = document.createRange();
		range.setStart(mirror, 0);
		range.setEndBefore(caret);
		const selected = [...mirror.querySelectorAll('span.sel')].map((s) => s.textContent ?? '').join('');
		return { before: range.toString(), selected, tag: caret.textContent ?? '' };
	}, userId);
}

function selection(page: Page): Promise<[number, number]> {
	return page.getByTestId('composer').evaluate((el) => [(el as HTMLTextAreaElement).selectionStart, (el as HTMLTextAreaElement).selectionEnd]);
}

test("co-editing in the composer: B sees A's named caret and selection where A put them; A's edits before B's caret leave it on the same character", async () => {
	await open(a.page, contactId);
	await open(b.page, contactId);
	const ca = a.page.getByTestId('composer');
	const cb = b.page.getByTestId('composer');
	await ca.click();
	await ca.pressSequentially('Good morning team', { delay: 10 });
	await b.page.locator(`[data-testid="write-together"][data-user="${a.user.id}"]`).click();
	await expect(cb).toHaveValue('Good morning team');
	// A's caret at the end, named.
	await expect.poll(() => remoteCaret(b.page, a.user.id)).toEqual({ before: 'Good morning team', selected: '', tag: a.user.name });
	// A selects "morning" (forward: the caret stands at its end).
	await ca.press('Home');
	for (let i = 0; i < 5; i++) await ca.press('ArrowRight');
	for (let i = 0; i < 7; i++) await ca.press('Shift+ArrowRight');
	await expect.poll(() => remoteCaret(b.page, a.user.id)).toEqual({ before: 'Good morning', selected: 'morning', tag: a.user.name });
	await b.page.screenshot({ path: 'test-results/presence-remote-cursor.png' });

	// B's caret after "Good "; A types at the start: B's caret moves with its character.
	await cb.click();
	await cb.press('Home');
	for (let i = 0; i < 5; i++) await cb.press('ArrowRight');
	expect(await selection(b.page)).toEqual([5, 5]);
	await ca.press('Home');
	await ca.pressSequentially('Hi! ', { delay: 10 });
	await expect(cb).toHaveValue('Hi! Good morning team');
	expect(await selection(b.page)).toEqual([9, 9]);
	// And A sees B's caret there.
	await expect.poll(() => remoteCaret(a.page, b.user.id)).toEqual({ before: 'Hi! Good ', selected: '', tag: b.user.name });
	// B keeps typing at its caret.
	await cb.pressSequentially('sunny ', { delay: 10 });
	await expect(ca).toHaveValue('Hi! Good sunny morning team');
});

test('the collision guard asks when another agent has a non-empty draft open (caret in the reply, no longer typing)', async () => {
	const ca = a.page.getByTestId('composer');
	const cb = b.page.getByTestId('composer');
	// B's caret stays in the reply; B stops typing (the indicator clears after the idle delay).
	await cb.click();
	await cb.press('End');
	await cb.pressSequentially('!', { delay: 10 });
	await expect(a.page.getByTestId('typing-indicator')).not.toContainText('typing', { timeout: 8_000 });
	await expect(b.page.getByTestId('composer')).toBeFocused();
	await expect(ca).toHaveValue('Hi! Good sunny morning team!');
	await a.page.getByTestId('send').click();
	const dialog = a.page.getByTestId('collision-dialog');
	await expect(dialog).toBeVisible();
	await expect(a.page.getByTestId('collision-drafting')).toContainText(b.user.name);
	await expect(a.page.getByTestId('collision-typing')).toHaveCount(0);
	await a.page.getByTestId('collision-cancel').click();
	await expect(dialog).toBeHidden();
	await expect(a.page.locator('[data-testid="thread"]')).not.toContainText('Hi! Good sunny morning team!');
	// B leaves the draft empty for the next test.
	await cb.fill('');
	await expect(ca).toHaveValue('');
});

test('A sends while B is typing to the same contact: the collision guard asks first', async () => {
	await open(a.page, contactId);
	await open(b.page, contactId);
	await b.page.getByTestId('comment-toggle').click().catch(() => undefined);
	await b.page.getByTestId('composer').pressSequentially('Writing a note', { delay: 20 });
	await expect(a.page.getByTestId('typing-indicator')).toContainText(b.user.name);
	// B types in the reply now (the collision is about replies).
	await b.page.getByRole('tab', { name: /reply/i }).click().catch(() => undefined);
	const typing = async () => {
		await b.page.getByTestId('composer').pressSequentially('x', { delay: 0 });
	};
	await typing();
	await a.page.getByTestId('composer').fill('Answer from A');
	await typing();
	await a.page.getByTestId('send').click();
	const dialog = a.page.getByTestId('collision-dialog');
	await expect(dialog).toBeVisible();
	await expect(a.page.getByTestId('collision-typing')).toContainText(`${b.user.name} is typing a reply right now.`);
	await a.page.screenshot({ path: 'test-results/presence-collision.png' });
	await a.page.getByTestId('collision-cancel').click();
	await expect(dialog).toBeHidden();
	await expect(a.page.locator('[data-testid="thread"]')).not.toContainText('Answer from A');
});

test('a bot on /yjs/ with a stock y-websocket provider types, and the agent sees it as a bot', async () => {
	await open(b.page, contactId);
	const res = await fetch(`${server.url}/api/auth/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ email: 'owner@demo.test', password: 'parley-demo' })
	});
	const { accessToken } = (await res.json()) as { accessToken: string };
	const doc = new Y.Doc();
	const bot = new WebsocketProvider(`${server.url.replace('http', 'ws')}/yjs`, encodeURIComponent(contactDocId(contactId)), doc, {
		WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
		disableBc: true,
		params: { token: accessToken }
	});
	try {
		await expect.poll(() => bot.synced).toBe(true);
		// A bot runs with a user's token and is that user's bot: the server names it from the
		// directory (a state claiming another id, or its own name, would be dropped or renamed).
		bot.awareness.setLocalState({ user: { kind: 'bot', id: a.user.id, name: 'Helper' }, typing: { composer: 'reply', at: Date.now() } });
		await expect(b.page.getByTestId('typing-indicator')).toContainText(`${a.user.name} (bot) is typing`);
		bot.awareness.setLocalStateField('typing', null);
		await expect(b.page.getByTestId('typing-indicator')).not.toContainText('(bot)');
	} finally {
		bot.destroy();
		doc.destroy();
	}
});
