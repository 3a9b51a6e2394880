/**
 * Web chat end to end: a real sync server (port 0, throwaway data, the built app from build/),
 * a visitor on the contact-facing page in one browser context and an agent in the inbox UI in
 * another. The visitor writes (hostile strings in name and message), the agent reads and replies
 * through the real composer; typing flows both ways (the agent's side of typing goes through a
 * Node /sync socket: the inbox UI does not publish or render typing yet); delivery and read
 * statuses show on both sides; the visitor reloads and finds the conversation. A second test
 * embeds the widget in a host page on another origin and checks page changes are recorded.
 */
// SPEC S5.4, S5.5, S5.7, S5.8, S7.1
import { expect, test, type Browser, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contactDoc, docFromUpdates, storageOrigin } from '../../src/lib/doc';
import { contactDocId } from '../../src/lib/domain/ids';
import type { ContactId, Entry } from '../../src/lib/domain/types';
import { hashToken } from '../../sync-server/src/channels/signature';
import { startServer } from '../../sync-server/src/server';
import { AwarenessSocket } from '../../sync-server/test/channels-helpers';

type Server = Awaited<ReturnType<typeof startServer>>;
const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const CHAT = 'ch-webchat';
const HOSTILE_NAME = `<img src=x onerror="window.__pwned=1">Zoé`;
const HOSTILE = `<script>window.__pwned=2</script><img src=x onerror="window.__pwned=3"> & "quoted" 'single' </p><b>not bold</b>`;
const AGENT_REPLY = `Bonjour <img src=x onerror="window.__pwned=4"> <i>merci</i> !`;

let server: Server;
let dataDir: string;

test.beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-webchat-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 30 }, channels: { allowPrivate: true }, log: () => undefined });
});

test.afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(browser: Browser, email: string): Promise<Page> {
	const context = await browser.newContext({ baseURL: server.url });
	const page = await context.newPage();
	await page.goto('/login');
	await page.locator('#login-email').fill(email);
	await page.locator('#login-password').fill('parley-demo');
	await page.locator('form button[type="submit"]').click();
	await page.waitForURL((u) => !u.pathname.startsWith('/login'));
	return page;
}

async function contactOfVisitor(page: Page): Promise<ContactId> {
	const token = await page.evaluate((k) => localStorage.getItem(k), `parley.visitor.${CHAT}`);
	expect(token).toBeTruthy();
	const session = await server.store.getVisitorSession(hashToken(token!));
	return session!.contactId;
}

async function thread(contactId: ContactId): Promise<{ entries: Entry[]; status: (id: string) => string | undefined }> {
	const stored = await server.store.loadDoc(contactDocId(contactId));
	const ydoc = docFromUpdates(stored?.updates ?? [], storageOrigin());
	const c = contactDoc(ydoc, storageOrigin());
	const out = { entries: c.thread.ordered(), deliveries: c.delivery.all() };
	ydoc.destroy();
	return { entries: out.entries, status: (id) => out.deliveries[id]?.status };
}

async function notPwned(page: Page): Promise<void> {
	expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
	expect(await page.locator('img[src="x"]').count()).toBe(0);
}

test('visitor and agent hold a conversation with typing both ways; the visitor reloads and finds it', async ({ browser }) => {
	// Visitor: writes first (hostile name and message).
	const vctx = await browser.newContext({ baseURL: server.url });
	const visitor = await vctx.newPage();
	await visitor.goto(`/chat/${CHAT}`);
	await visitor.locator('#name').fill(HOSTILE_NAME);
	await visitor.locator('#text').fill(HOSTILE);
	await visitor.locator('#text').press('Enter');
	const mine = visitor.locator('#messages .msg.mine');
	await expect(mine).toHaveCount(1);
	await expect(mine.first()).toHaveAttribute('data-status', 'sent');
	await expect(mine.first().locator('.bubble')).toHaveText(HOSTILE);
	await notPwned(visitor);
	const contactId = await contactOfVisitor(visitor);

	// Agent: the new contact (unassigned, open) with the message rendered as text.
	const agent = await signIn(browser, 'owner@demo.test');
	// The new conversation comes in live at the top of the list; the agent opens it.
	await agent.locator(`[role="listbox"] [data-id="${contactId}"]`).click({ timeout: 20_000 });
	const pane = agent.getByTestId('thread');
	await expect(pane.locator('.entry.message.in p')).toHaveText(HOSTILE, { timeout: 20_000 });
	await expect(agent.getByTestId('pane-name')).toContainText(HOSTILE_NAME);
	await notPwned(agent);
	const { entries } = await thread(contactId);
	expect(entries.map((e) => (e.kind === 'event' ? e.type : e.kind))).toEqual(['contact_created', 'opened', 'message']);

	// The agent opened the conversation: the visitor sees their message read.
	await expect(mine.first()).toHaveAttribute('data-status', 'read');
	await expect(mine.first().locator('.meta')).toContainText('Read');

	// Typing, visitor -> agent (on the contact document's awareness).
	const ownerToken = ((await (await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@demo.test', password: 'parley-demo' }) })).json()) as { accessToken: string }).accessToken;
	const aw = await AwarenessSocket.open(server.url, ownerToken);
	try {
		await visitor.locator('#text').pressSequentially('Are you th', { delay: 20 });
		await expect.poll(() => aw.received.some((r) => r.docId === contactDocId(contactId) && (r.state as { typing?: { composer?: string } | null })?.typing?.composer === 'reply')).toBe(true);
		// Typing, agent -> visitor.
		await expect(visitor.locator('#typing')).toBeHidden();
		aw.publish(contactDocId(contactId), { user: { kind: 'user', id: 'u-olivia', name: 'Olivia' }, typing: { composer: 'reply', at: Date.now() } });
		await expect(visitor.locator('#typing')).toBeVisible();
		aw.publish(contactDocId(contactId), { user: { kind: 'user', id: 'u-olivia', name: 'Olivia' }, typing: null });
		await expect(visitor.locator('#typing')).toBeHidden();
	} finally {
		aw.close();
	}

	// The agent replies through the composer; the visitor sees it live, as text.
	await agent.getByTestId('composer').fill(AGENT_REPLY);
	await agent.getByTestId('send').click();
	const theirs = visitor.locator('#messages .msg.theirs');
	await expect(theirs).toHaveCount(1, { timeout: 20_000 });
	await expect(theirs.first().locator('.bubble')).toHaveText(AGENT_REPLY);
	await expect(visitor.locator('#messages b, #messages i, #messages script')).toHaveCount(0);
	await notPwned(visitor);
	// The page is visible: the reply is delivered, then read, and the agent's UI says so.
	await expect(agent.locator('.entry.message.out .delivery.read')).toHaveCount(1, { timeout: 20_000 });
	const replyId = (await thread(contactId)).entries.find((e) => e.kind === 'message' && e.direction === 'out')!.id;
	expect((await thread(contactId)).status(replyId)).toBe('read');

	// The visitor comes back: same conversation, from the server.
	await visitor.reload();
	await expect(visitor.locator('#messages .msg')).toHaveCount(2);
	await expect(visitor.locator('#messages .msg.mine .bubble')).toHaveText(HOSTILE);
	await expect(visitor.locator('#messages .msg.theirs .bubble')).toHaveText(AGENT_REPLY);
	await notPwned(visitor);

	// And writes again: the agent sees it live.
	await visitor.locator('#text').fill('Merci, à bientôt');
	await visitor.locator('#text').press('Enter');
	await expect(pane.locator('.entry.message.in p').last()).toHaveText('Merci, à bientôt', { timeout: 20_000 });
	await vctx.close();
	await agent.context().close();
});

test('the widget embeds the chat in an isolated iframe and records page changes of the host', async ({ browser }) => {
	const host: HttpServer = createServer((req, res) => {
		const html = `<!doctype html><meta charset="utf-8"><title>Shop</title><h1>Shop</h1>
<script src="${server.url}/widget.js" data-channel="${CHAT}" async></script>`;
		res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
	});
	await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
	const hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
	try {
		const ctx = await browser.newContext();
		const page = await ctx.newPage();
		await page.goto(`${hostUrl}/products`);
		await page.getByRole('button', { name: 'Chat with us' }).click();
		const chat = page.frameLocator('iframe[title="Chat"]');
		await chat.locator('#text').fill('Is this in stock?');
		await chat.locator('#text').press('Enter');
		await expect(chat.locator('#messages .msg.mine')).toHaveAttribute('data-status', /sent|read/);
		// The host page cannot reach into the chat (another origin).
		expect(await page.evaluate(() => {
			try {
				return (document.querySelector('iframe') as HTMLIFrameElement).contentDocument === null;
			} catch {
				return true;
			}
		})).toBe(true);
		await page.evaluate(() => history.pushState({}, '', '/products/42?color=red'));
		const frame = page.frames().find((f) => f.url().includes('/chat/'))!;
		const token = await frame.evaluate((k) => localStorage.getItem(k), `parley.visitor.${CHAT}`);
		const contactId = (await server.store.getVisitorSession(hashToken(token!)))!.contactId;
		await expect
			.poll(async () => (await thread(contactId)).entries.filter((e) => e.kind === 'event' && e.type === 'page_change').map((e) => (e.kind === 'event' ? e.url : '')))
			.toEqual([`${hostUrl}/products`, `${hostUrl}/products/42?color=red`]);
		await ctx.close();
	} finally {
		host.closeAllConnections();
		await new Promise<void>((r) => host.close(() => r()));
	}
});
