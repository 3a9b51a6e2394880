/**
 * The composer end to end, against a real server (loopback allowed for the webhook receiver
 * and the link-preview page): Ana (agent, Support), Marc (manager) and Tom (agent, `team`
 * restricted to Sales) side by side. Screenshots in EN and FR go to test-results/screenshots/.
 */
// SPEC S5.6, S5.9, S5.10, S5.14, S6.1, S6.2, S7.2, S9.2
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContactSummary, MessageEntry } from '../../src/lib/domain/types';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, reachable, receive, serverTruth, signIn, type Server, type Session } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const shots = fileURLToPath(new URL('../../test-results/screenshots', import.meta.url));
const WEBHOOK = 'ch-webhook';

interface Debug {
	__parley: {
		app: {
			inbox: { summary(id: string): ContactSummary | undefined };
			notifications: { items: Array<{ entryId: string; contactId: string }>; unread: number };
			actions: { block(id: string): Promise<unknown> };
			sync: { state: string; unacked: number };
			conversations: { open(id: string): { loaded: Promise<void>; entries: Array<{ id: string; kind: string; text?: string; body?: { text?: string } }>; close(): void } };
		};
	};
}

let server: Server;
let dataDir: string;
let hooks: Array<{ entryId: string; text: string }>;
let receiver: HttpServer;
let pages: HttpServer;
let pagesUrl: string;
let ana: Session;
let marc: Session;
let tom: Session;
let contact: ContactSummary;

test.describe.configure({ mode: 'serial' });

async function listen(s: HttpServer): Promise<string> {
	await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
	return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

test.beforeAll(async ({ browser }) => {
	mkdirSync(shots, { recursive: true });
	hooks = [];
	receiver = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { entryId?: string; text?: string; message?: { id?: string; text?: string; body?: { text?: string } } };
			hooks.push({ entryId: String(json.entryId ?? json.message?.id ?? ''), text: JSON.stringify(json) });
			res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
		});
	});
	const hookUrl = `${await listen(receiver)}/hook`;
	pages = createServer((req, res) => {
		if (req.url === '/og') {
			res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><meta property="og:title" content="Parley release notes"><meta property="og:description" content="What is new in the team inbox this month."></head></html>');
		} else res.writeHead(404).end();
	});
	pagesUrl = await listen(pages);

	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-composer-'));
	server = await startServer({
		host: '127.0.0.1',
		port: 0,
		dataDir,
		staticDir,
		seed: { contacts: 60 },
		log: () => undefined,
		channels: { allowPrivate: true },
		linkPreview: { allowPrivate: true },
		uploads: { maxBytes: 1024 * 1024 }
	});
	// The webhook channel posts to our receiver.
	const login = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@demo.test', password: 'parley-demo' }) });
	const token = ((await login.json()) as { accessToken: string }).accessToken;
	const patched = await fetch(`${server.url}/api/directory/channels/${WEBHOOK}`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ url: hookUrl }) });
	expect(patched.status).toBe(200);

	// An open, unassigned contact outside Sales (Tom may not see it), reachable by the webhook.
	const { contacts } = await serverTruth(server);
	const pick = contacts.find((c) => c.status === 'open' && c.assigneeId === null && !c.blocked && c.teamId === null && reachable(c, contacts));
	if (!pick) throw new Error('no suitable contact in the demo data');
	contact = pick;
	await receive(server, contact, 'Hello, is my order on its way?');

	ana = await signIn(browser, server, 'ana@demo.test');
	marc = await signIn(browser, server, 'manager@demo.test');
	tom = await signIn(browser, server, 'tom@demo.test');
});

test.afterAll(async () => {
	for (const s of [ana, marc, tom]) await s?.context.close();
	await server?.close();
	await new Promise<void>((r) => receiver?.close(() => r()));
	await new Promise<void>((r) => pages?.close(() => r()));
	rmSync(dataDir, { recursive: true, force: true });
});

async function openContact(page: Page, id: string): Promise<void> {
	await page.goto(`/c/${id}`);
	await caughtUp(page);
	await expect(page.getByTestId('composer')).toBeVisible();
}

function summary(page: Page, id: string) {
	return page.evaluate((cid) => (window as unknown as Debug).__parley.app.inbox.summary(cid) ?? null, id);
}

/** The stored thread entries, read from the replica. */
function entries(page: Page, id: string) {
	return page.evaluate(async (cid) => {
		const conv = (window as unknown as Debug).__parley.app.conversations.open(cid);
		await conv.loaded;
		const out = JSON.parse(JSON.stringify(conv.entries)) as unknown[];
		conv.close();
		return out;
	}, id) as Promise<Array<MessageEntry | { kind: 'comment' | 'event'; id: string; text?: string; mentions?: string[] }>>;
}

async function shot(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: join(shots, `${name}.png`), animations: 'disabled' });
}

test('a reply to an unassigned contact assigns the sender, reaches the other agent live and the channel exactly once', async () => {
	await openContact(ana.page, contact.id);
	await openContact(marc.page, contact.id);
	// S5.10: the channel of the last incoming message is the default.
	await expect(ana.page.getByTestId('channel-picker')).toHaveValue(WEBHOOK);
	const text = `Yes, it ships today ${Date.now()}`;
	await ana.page.getByTestId('composer').fill(text);
	await ana.page.getByTestId('composer').press('Control+Enter');
	await expect(ana.page.getByTestId('thread')).toContainText(text);
	// S7.2, live on Marc's side.
	await expect(marc.page.getByTestId('thread')).toContainText(text);
	await expect.poll(async () => (await summary(marc.page, contact.id))?.assigneeId).toBe(ana.user.id);
	// Delivered once: the server marks it sent after the receiver answered.
	await expect.poll(() => hooks.filter((h) => h.text.includes(text)).length, { timeout: 20_000 }).toBe(1);
	const sent = (await entries(ana.page, contact.id)).find((e) => e.kind === 'message' && e.body.text === text)!;
	await expect.poll(async () => (await serverTruth(server)).contacts.find((c) => c.id === contact.id)?.lastMessagePreview).toBe(text);
	expect(hooks.filter((h) => h.text.includes(sent.id)).length).toBe(1);
});

test('shortcuts: emoji, snippets, variables (screenshots)', async () => {
	const box = ana.page.getByTestId('composer');
	await box.fill('');
	await box.pressSequentially('Great :thu');
	await expect(ana.page.getByTestId('composer-picker')).toContainText('👍');
	await shot(ana.page, 'composer-emoji-en');
	await box.press('Enter');
	await expect(box).toHaveValue('Great 👍');
	await box.fill('');
	await box.pressSequentially('/hel');
	await expect(ana.page.getByTestId('composer-picker')).toContainText('/hello');
	await shot(ana.page, 'composer-snippets-en');
	await box.press('Enter');
	await expect(box).toHaveValue(`Hi ${contact.firstName}, thanks for reaching out! How can I help?`);
	await box.fill('Dear {{first');
	await box.press('End');
	await box.pressSequentially('N');
	await expect(ana.page.getByTestId('composer-picker')).toContainText(contact.firstName);
	await box.press('Enter');
	await expect(box).toHaveValue(`Dear ${contact.firstName}`);
	await box.fill('');
});

test('a comment mentions only users who may see the contact; the mentioned user is notified and lands on it', async () => {
	const box = ana.page.getByTestId('composer');
	await ana.page.getByTestId('comment-toggle').click();
	await expect(ana.page.getByTestId('composer-box')).toHaveAttribute('data-mode', 'comment');
	await box.pressSequentially('Please check @');
	const picker = ana.page.getByTestId('composer-picker');
	await expect(picker).toContainText('Marc Lefèvre');
	await expect(picker).not.toContainText('Tom Becker');
	await expect(picker).not.toContainText('Sue Park');
	await shot(ana.page, 'composer-mention-en');
	await box.pressSequentially('Mar');
	await box.press('Enter');
	await box.pressSequentially('the refund');
	await shot(ana.page, 'composer-comment-en');
	await box.press('Control+Enter');
	await expect(ana.page.getByTestId('thread')).toContainText('Please check @Marc Lefèvre the refund');
	const comment = (await entries(ana.page, contact.id)).find((e) => e.kind === 'comment' && e.text?.includes('the refund'))!;
	expect(comment).toMatchObject({ mentions: [marc.user.id] });

	// Marc: the bell counts it; a click opens the conversation at the comment.
	await marc.page.goto('/');
	await caughtUp(marc.page);
	await expect(marc.page.getByTestId('notification-count')).toHaveText('1');
	await marc.page.getByTestId('notification-bell').click();
	// Older mentions of the demo data are listed as read; the new one is the one unread.
	const fresh = marc.page.locator('[data-testid="notification"][data-unread="true"]');
	await expect(fresh).toHaveCount(1);
	await expect(fresh).toContainText('Ana Souza');
	await shot(marc.page, 'notifications-en');
	await fresh.click();
	await expect(marc.page).toHaveURL(new RegExp(`/c/${contact.id}`));
	await expect(marc.page.locator(`[data-entry-id="${comment.id}"]`)).toBeInViewport();
	await expect(marc.page.getByTestId('notification-count')).toHaveCount(0);
	// Tom may not see the contact: nothing reaches him. S6.1: the comment never went to the channel.
	const toms = await tom.page.evaluate(() => {
		const n = (window as unknown as Debug).__parley.app.notifications;
		return { unread: n.unread, contacts: n.items.map((x) => x.contactId) };
	});
	expect(toms.unread).toBe(0);
	expect(toms.contacts).not.toContain(contact.id);
	expect(await summary(tom.page, contact.id)).toBeNull();
	expect(hooks.some((h) => h.text.includes('the refund'))).toBe(false);
	await ana.page.getByTestId('reply-toggle').click();
});

test('link preview: shown under the composer, removed -> not sent; kept -> stored', async () => {
	const box = ana.page.getByTestId('composer');
	await box.fill(`Release notes: ${pagesUrl}/og`);
	await expect(ana.page.getByTestId('link-preview')).toContainText('Parley release notes');
	await shot(ana.page, 'composer-link-preview-en');
	await ana.page.getByTestId('link-preview-remove').click();
	await expect(ana.page.getByTestId('link-preview')).toHaveCount(0);
	await box.press('Control+Enter');
	await expect(box).toHaveValue('');
	await box.fill(`Again: ${pagesUrl}/og`);
	await expect(ana.page.getByTestId('link-preview')).toBeVisible();
	await box.press('Control+Enter');
	await expect(box).toHaveValue('');
	const msgs = (await entries(ana.page, contact.id)).filter((e): e is MessageEntry => e.kind === 'message');
	expect(msgs.find((m) => m.body.text?.startsWith('Release notes'))?.linkPreview).toBeUndefined();
	expect(msgs.find((m) => m.body.text?.startsWith('Again'))?.linkPreview).toMatchObject({ title: 'Parley release notes' });
});

test('attachments keep their original name; an oversize file is refused with a clear message', async () => {
	await ana.page.getByTestId('file-input').setInputFiles({ name: 'Devis été.txt', mimeType: 'text/plain', buffer: Buffer.from('quote') });
	await expect(ana.page.getByTestId('pending-file')).toHaveAttribute('data-status', 'done');
	await expect(ana.page.getByTestId('pending-file')).toContainText('Devis été.txt');
	await ana.page.getByTestId('send').click();
	await expect(ana.page.getByTestId('pending-file')).toHaveCount(0);
	const msg = (await entries(ana.page, contact.id)).filter((e): e is MessageEntry => e.kind === 'message').find((m) => m.body.attachments?.length);
	expect(msg?.body.attachments?.[0]).toMatchObject({ name: 'Devis été.txt', mime: 'text/plain', size: 5 });
	expect(msg?.body.attachments?.[0]?.storageName).not.toContain('Devis');

	await ana.page.getByTestId('file-input').setInputFiles({ name: 'big.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(1024 * 1024 + 1) });
	await expect(ana.page.getByTestId('pending-file')).toHaveAttribute('data-status', 'error');
	await expect(ana.page.getByTestId('pending-file')).toContainText('big.pdf is larger than 1.0 MB, the limit for one file');
	await ana.page.getByRole('button', { name: 'Remove big.pdf' }).click();
});

test('offline reply and comment are delivered exactly once after reconnecting', async () => {
	const tag = `offline-${Date.now()}`;
	await ana.context.setOffline(true);
	await ana.page.waitForFunction(() => (window as unknown as Debug).__parley.app.sync.state === 'offline');
	const box = ana.page.getByTestId('composer');
	await box.fill(`reply ${tag}`);
	await box.press('Control+Enter');
	await ana.page.getByTestId('comment-toggle').click();
	await box.fill(`comment ${tag}`);
	await box.press('Control+Enter');
	await ana.page.getByTestId('reply-toggle').click();
	await expect(ana.page.getByTestId('thread')).toContainText(`comment ${tag}`);
	expect(hooks.some((h) => h.text.includes(tag))).toBe(false);
	await ana.context.setOffline(false);
	await expect.poll(() => hooks.filter((h) => h.text.includes(`reply ${tag}`)).length, { timeout: 30_000 }).toBe(1);
	await expect(marc.page.getByTestId('thread')).toContainText(`comment ${tag}`);
	const seen = (await entries(marc.page, contact.id)).filter((e) => (e.kind === 'comment' ? e.text : e.kind === 'message' ? e.body.text : '')?.includes(tag));
	expect(seen.length).toBe(2);
	expect(hooks.some((h) => h.text.includes(`comment ${tag}`))).toBe(false);
});

test('the composer is disabled for a blocked contact, with the reason', async () => {
	await ana.page.evaluate((id) => (window as unknown as Debug).__parley.app.actions.block(id), contact.id);
	await expect(ana.page.getByTestId('composer-disabled')).toContainText('blocked');
	await expect(ana.page.getByTestId('composer')).toHaveCount(0);
	// Comments still work.
	await ana.page.getByTestId('comment-toggle').click();
	await expect(ana.page.getByTestId('composer')).toBeVisible();
	await ana.page.getByTestId('reply-toggle').click();
});

test('screenshots in French', async ({ browser }) => {
	const lucas = await signIn(browser, server, 'lucas@demo.test', 'fr-FR');
	const { contacts } = await serverTruth(server);
	const other = contacts.find((c) => c.status === 'open' && !c.blocked && c.teamId === null)!;
	await openContact(lucas.page, other.id);
	const box = lucas.page.getByTestId('composer');
	await box.pressSequentially('Merci :cœ');
	await box.fill('');
	await box.pressSequentially(':sou');
	await expect(lucas.page.getByTestId('composer-picker')).toBeVisible();
	await shot(lucas.page, 'composer-emoji-fr');
	await box.fill('');
	await box.pressSequentially('/bon');
	await expect(lucas.page.getByTestId('composer-picker')).toContainText('/bonjour');
	await shot(lucas.page, 'composer-snippets-fr');
	await box.fill(`Voir ${pagesUrl}/og`);
	await expect(lucas.page.getByTestId('link-preview')).toBeVisible();
	await shot(lucas.page, 'composer-link-preview-fr');
	await lucas.page.getByTestId('comment-toggle').click();
	await box.fill('');
	await box.pressSequentially('Pour @');
	await expect(lucas.page.getByTestId('composer-picker')).toBeVisible();
	await shot(lucas.page, 'composer-mention-fr');
	await box.press('Escape');
	await shot(lucas.page, 'composer-comment-fr');
	await lucas.page.getByTestId('notification-bell').click();
	await expect(lucas.page.getByTestId('notification-list')).toBeVisible();
	await shot(lucas.page, 'notifications-fr');
	await lucas.context.close();
});
