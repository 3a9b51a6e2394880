/**
 * Files, outbound conversations and the customer's side of them, end to end against a real
 * server (port 0, the built app): a web chat customer in one browser context, agents in others.
 * - Files (S5.14, S5.6): an agent sends an image with text, a PDF alone and a voice note; the
 *   thread shows a thumbnail (full size on click, Escape closes), a card that downloads under the
 *   original name and an audio player; the customer sees the same, never `[file]`. The customer
 *   attaches with the button and by drag and drop. Upload progress and cancel; the per-file limit
 *   with a clear message; a user who may not see the contact gets no link to its files.
 * - A contact made with "New contact" can be written to (S3.1, S5.10): the webhook channel is
 *   offered, its closed window offers the templates (S5.6), the message reaches the channel.
 * - S5.9: the link preview kept in the composer shows in the sent message and to the customer.
 * - A blocked customer's message shows as sent on their side; the chat page has a favicon and a
 *   greeting, in English or French.
 * Screenshots of each state, in EN and FR, go to test-results/screenshots/.
 */
// SPEC S5.14, S5.6, S5.9, S5.10, S3.1
import { expect, test, type Browser, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContactId } from '../../src/lib/domain/types';
import { hashToken } from '../../sync-server/src/channels/signature';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, serverTruth, signIn, type Server, type Session } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const shots = fileURLToPath(new URL('../../test-results/screenshots', import.meta.url));
const CHAT = 'ch-webchat';
const WEBHOOK = 'ch-webhook';
// A 2x2 red PNG, a short WAV and a PDF-looking file.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==', 'base64');
function wav(): Buffer {
	const samples = 800;
	const b = Buffer.alloc(44 + samples * 2);
	b.write('RIFF', 0);
	b.writeUInt32LE(36 + samples * 2, 4);
	b.write('WAVEfmt ', 8);
	b.writeUInt32LE(16, 16);
	b.writeUInt16LE(1, 20);
	b.writeUInt16LE(1, 22);
	b.writeUInt32LE(8000, 24);
	b.writeUInt32LE(16000, 28);
	b.writeUInt16LE(2, 32);
	b.writeUInt16LE(16, 34);
	b.write('data', 36);
	b.writeUInt32LE(samples * 2, 40);
	return b;
}
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

let server: Server;
let dataDir: string;
let hooks: string[];
let receiver: HttpServer;
let pages: HttpServer;
let pagesUrl: string;

test.describe.configure({ mode: 'serial' });

async function listen(s: HttpServer): Promise<string> {
	await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
	return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

test.beforeAll(async () => {
	mkdirSync(shots, { recursive: true });
	hooks = [];
	receiver = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			hooks.push(Buffer.concat(chunks).toString('utf8'));
			res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
		});
	});
	const hookUrl = `${await listen(receiver)}/hook`;
	pages = createServer((req, res) => {
		if (req.url === '/og') res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><meta property="og:title" content="Parley release notes"><meta property="og:description" content="What is new in the team inbox this month."></head></html>');
		else res.writeHead(404).end();
	});
	pagesUrl = await listen(pages);
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-files-'));
	server = await startServer({
		host: '127.0.0.1',
		port: 0,
		dataDir,
		staticDir,
		seed: { contacts: 30 },
		log: () => undefined,
		channels: { allowPrivate: true },
		linkPreview: { allowPrivate: true },
		uploads: { maxBytes: 256 * 1024 }
	});
	const login = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@demo.test', password: 'parley-demo' }) });
	const token = ((await login.json()) as { accessToken: string }).accessToken;
	const patched = await fetch(`${server.url}/api/directory/channels/${WEBHOOK}`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ url: hookUrl }) });
	expect(patched.status).toBe(200);
	await server.store.setChannelSecret(WEBHOOK, 'files-outbound-test-secret-0123456789abcdef');
});

test.afterAll(async () => {
	await server?.close();
	await new Promise<void>((r) => receiver?.close(() => r()));
	await new Promise<void>((r) => pages?.close(() => r()));
	rmSync(dataDir, { recursive: true, force: true });
});

async function shot(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: join(shots, `${name}.png`), animations: 'disabled' });
}

/** A web chat customer who wrote `text`; resolves with their page and contact id. */
async function customer(browser: Browser, text: string, locale = 'en-US'): Promise<{ page: Page; contactId: ContactId }> {
	const ctx = await browser.newContext({ baseURL: server.url, locale });
	const page = await ctx.newPage();
	await page.goto(`/chat/${CHAT}`);
	await page.locator('#text').fill(text);
	await page.locator('#text').press('Enter');
	await expect(page.locator('#messages .msg.mine').first()).toHaveAttribute('data-status', /sent|read/);
	const token = await page.evaluate((k) => localStorage.getItem(k), `parley.visitor.${CHAT}`);
	const contactId = (await server.store.getVisitorSession(hashToken(token!)))!.contactId;
	return { page, contactId };
}

async function openContact(page: Page, id: string): Promise<void> {
	await page.goto(`/c/${id}`);
	await caughtUp(page);
	await expect(page.getByTestId('composer')).toBeVisible({ timeout: 20_000 });
}

async function attach(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
	await page.getByTestId('file-input').setInputFiles(file);
	await expect(page.getByTestId('pending-file').filter({ hasText: file.name })).toHaveAttribute('data-status', 'done');
}

for (const lang of ['en', 'fr'] as const) {
	test(`files both ways between an agent and a web chat customer (${lang})`, async ({ browser }) => {
		const locale = lang === 'fr' ? 'fr-FR' : 'en-US';
		const { page: visitor, contactId } = await customer(browser, lang === 'fr' ? 'Bonjour, ma commande ?' : 'Hello, where is my order?', locale);
		const agent: Session = await signIn(browser, server, 'owner@demo.test', locale);
		await openContact(agent.page, contactId);
		const thread = agent.page.getByTestId('thread');

		// An image with text: both stay in the sent message (it was only the text before).
		const caption = lang === 'fr' ? 'Voici la photo du colis' : 'Here is the photo of the parcel';
		await attach(agent.page, { name: lang === 'fr' ? 'colis été.png' : 'parcel.png', mimeType: 'image/png', buffer: PNG });
		await agent.page.getByTestId('composer').fill(caption);
		await agent.page.getByTestId('send').click();
		const withImage = thread.locator('.entry.message.out').filter({ hasText: caption });
		await expect(withImage.getByTestId('attachment-thumb').locator('img')).toBeVisible({ timeout: 20_000 });
		await expect.poll(() => withImage.locator('img').evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(2);
		// Click to view full size; Escape closes.
		await withImage.getByTestId('attachment-thumb').click();
		await expect(agent.page.getByTestId('image-viewer')).toBeVisible();
		await shot(agent.page, `files-viewer-${lang}`);
		await agent.page.keyboard.press('Escape');
		await expect(agent.page.getByTestId('image-viewer')).toHaveCount(0);

		// A PDF alone: a card that downloads under its original name.
		// (Chromium itself replaces characters like `"` in saved names; the header keeps them: uploads.test.ts.)
		const pdfName = lang === 'fr' ? 'Facture n°42 (mars) été.pdf' : 'Invoice #42 (March) 😀.pdf';
		await attach(agent.page, { name: pdfName, mimeType: 'application/pdf', buffer: PDF });
		await agent.page.getByTestId('send').click();
		const card = thread.getByTestId('attachment-download').filter({ hasText: pdfName });
		await expect(card).toBeVisible({ timeout: 20_000 });
		const [download] = await Promise.all([agent.page.waitForEvent('download'), card.click()]);
		expect(download.suggestedFilename()).toBe(pdfName);
		expect(readFileSync((await download.path())!).equals(PDF)).toBe(true);

		// A voice note: an audio player.
		await attach(agent.page, { name: 'voice.wav', mimeType: 'audio/wav', buffer: wav() });
		await agent.page.getByTestId('send').click();
		const audio = thread.getByTestId('attachment-audio');
		await expect(audio).toHaveCount(1, { timeout: 20_000 });
		await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).readyState)).toBeGreaterThan(0);
		await shot(agent.page, `files-thread-${lang}`);

		// The customer sees all three, never "[file]".
		const theirs = visitor.locator('#messages .msg.theirs');
		await expect(theirs).toHaveCount(3, { timeout: 20_000 });
		await expect(visitor.locator('#messages')).not.toContainText('[file]');
		await expect(theirs.nth(0).locator('.bubble')).toContainText(caption);
		await expect.poll(() => theirs.nth(0).locator('img').evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(2);
		await expect(theirs.nth(1).locator('a.file')).toContainText(pdfName);
		await expect(theirs.nth(2).locator('audio')).toHaveCount(1);
		await theirs.nth(0).locator('button.thumb').click();
		await expect(visitor.locator('#viewer')).toBeVisible();
		await shot(visitor, `files-webchat-viewer-${lang}`);
		await visitor.keyboard.press('Escape');
		await expect(visitor.locator('#viewer')).toBeHidden();
		const [vdl] = await Promise.all([visitor.waitForEvent('download'), theirs.nth(1).locator('a.file').click()]);
		expect(vdl.suggestedFilename()).toBe(pdfName);

		// The customer attaches with the button ...
		await visitor.locator('#file').setInputFiles({ name: 'reçu.pdf', mimeType: 'application/pdf', buffer: PDF });
		await expect(visitor.locator('#files .chip')).toHaveAttribute('data-status', 'done');
		await shot(visitor, `files-webchat-attach-${lang}`);
		await visitor.locator('#text').fill(lang === 'fr' ? 'Mon reçu' : 'My receipt');
		await visitor.locator('#text').press('Enter');
		const fromCustomer = thread.locator('.entry.message.in').filter({ hasText: lang === 'fr' ? 'Mon reçu' : 'My receipt' });
		await expect(fromCustomer.getByTestId('attachment-download')).toContainText('reçu.pdf', { timeout: 20_000 });
		// ... and by dropping a file on the page (a file alone).
		await expect(visitor.locator('#drop')).toBeHidden();
		const dt = await visitor.evaluateHandle((b64) => {
			const d = new DataTransfer();
			d.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'capture.png', { type: 'image/png' }));
			return d;
		}, PNG.toString('base64'));
		await visitor.dispatchEvent('#messages', 'dragenter', { dataTransfer: dt });
		await expect(visitor.locator('#drop')).toBeVisible();
		await visitor.dispatchEvent('#messages', 'drop', { dataTransfer: dt });
		await expect(visitor.locator('#drop')).toBeHidden();
		await expect(visitor.locator('#files .chip')).toHaveAttribute('data-status', 'done');
		await visitor.locator('#composer button[type="submit"]').click();
		await expect(thread.locator('.entry.message.in [data-testid="attachment"]')).toHaveCount(2, { timeout: 20_000 });
		await expect(thread.locator('.entry.message.in').last().getByTestId('attachment-thumb')).toBeVisible();
		await shot(visitor, `files-webchat-${lang}`);
		await shot(agent.page, `files-from-customer-${lang}`);

		// Only users who may see the contact get a link to its files: Tom (Sales only) gets none.
		const storageName = await agent.page.evaluate(async (cid) => {
			const w = window as unknown as { __parley: { app: { conversations: { open(id: string): { loaded: Promise<void>; entries: Array<{ kind: string; body?: { attachments?: Array<{ storageName: string }> } }>; close(): void } } } } };
			const conv = w.__parley.app.conversations.open(cid);
			await conv.loaded;
			const name = conv.entries.find((e) => e.body?.attachments?.length)?.body?.attachments?.[0]?.storageName ?? '';
			conv.close();
			return name;
		}, contactId);
		expect(storageName).not.toBe('');
		const tom = await signIn(browser, server, 'tom@demo.test', locale);
		const fileUrl = (p: Page) => p.evaluate((n) => (window as unknown as { __parley: { app: { media: { fileUrl(n: string): Promise<string | null> } } } }).__parley.app.media.fileUrl(n), storageName);
		expect(await fileUrl(tom.page)).toBeNull();
		expect(await fileUrl(agent.page)).toContain('sig=');
		await tom.context.close();
		await agent.context.close();
		await visitor.context().close();
	});
}

for (const lang of ['en', 'fr'] as const) {
test(`upload progress and cancel; a file over the limit is refused with a clear message (${lang})`, async ({ browser }) => {
	const locale = lang === 'fr' ? 'fr-FR' : 'en-US';
	const { page: visitor, contactId } = await customer(browser, 'Can I send you a video?', locale);
	const agent = await signIn(browser, server, 'owner@demo.test', locale);
	await openContact(agent.page, contactId);
	// The upload is held at the network: the chip shows its progress and can be cancelled.
	let held = 0;
	await agent.page.route('**/api/uploads?**', () => void held++);
	await agent.page.getByTestId('file-input').setInputFiles({ name: 'slow.pdf', mimeType: 'application/pdf', buffer: PDF });
	const chip = agent.page.getByTestId('pending-file');
	await expect(chip).toHaveAttribute('data-status', 'uploading');
	await expect(chip.getByTestId('upload-progress')).toBeVisible();
	await expect(agent.page.getByTestId('send')).toBeDisabled();
	await shot(agent.page, `files-uploading-${lang}`);
	await agent.page.getByRole('button', { name: lang === 'fr' ? "Annuler l'envoi de slow.pdf" : 'Cancel uploading slow.pdf' }).click();
	await expect(chip).toHaveCount(0);
	expect(held).toBe(1);
	await agent.page.unroute('**/api/uploads?**');
	// Over the per-file limit (256 KiB here): refused, named, removable.
	await agent.page.getByTestId('file-input').setInputFiles({ name: 'huge.mov', mimeType: 'video/quicktime', buffer: Buffer.alloc(256 * 1024 + 1) });
	await expect(chip).toHaveAttribute('data-status', 'error');
	await expect(chip).toContainText(lang === 'fr' ? 'huge.mov dépasse 256 KB' : 'huge.mov is larger than 256 KB');
	await shot(agent.page, `files-too-large-${lang}`);
	await agent.page.getByRole('button', { name: lang === 'fr' ? 'Retirer huge.mov' : 'Remove huge.mov' }).click();
	await expect(chip).toHaveCount(0);
	await agent.context.close();
	await visitor.context().close();
});
}

test('the link preview kept in the composer shows in the sent message and to the customer (S5.9)', async ({ browser }) => {
	const { page: visitor, contactId } = await customer(browser, 'What changed this month?');
	for (const lang of ['en', 'fr'] as const) {
		const agent = await signIn(browser, server, 'owner@demo.test', lang === 'fr' ? 'fr-FR' : 'en-US');
		await openContact(agent.page, contactId);
		const text = `${lang === 'fr' ? 'Voir' : 'See'} ${pagesUrl}/og`;
		await agent.page.getByTestId('composer').fill(text);
		await expect(agent.page.getByTestId('link-preview')).toContainText('Parley release notes');
		await agent.page.getByTestId('send').click();
		const sent = agent.page.getByTestId('thread').locator('.entry.message.out').filter({ hasText: text });
		await expect(sent.getByTestId('sent-link-preview')).toContainText('Parley release notes', { timeout: 20_000 });
		await shot(agent.page, `link-preview-sent-${lang}`);
		const bubble = visitor.locator('#messages .msg.theirs').filter({ hasText: text });
		await expect(bubble.locator('a.preview')).toContainText('Parley release notes', { timeout: 20_000 });
		await expect(bubble.locator('a.preview')).toHaveAttribute('href', `${pagesUrl}/og`);
		await agent.context.close();
	}
	await shot(visitor, 'link-preview-webchat-en');
	await visitor.context().close();
});

for (const lang of ['en', 'fr'] as const) {
test(`a blocked customer sees their message sent, not "Sending…" forever (${lang})`, async ({ browser }) => {
	const locale = lang === 'fr' ? 'fr-FR' : 'en-US';
	const { page: visitor, contactId } = await customer(browser, 'First message', locale);
	const agent = await signIn(browser, server, 'owner@demo.test', locale);
	await openContact(agent.page, contactId);
	await agent.page.evaluate((id) => (window as unknown as { __parley: { app: { actions: { block(id: string): Promise<unknown> } } } }).__parley.app.actions.block(id), contactId);
	await expect(agent.page.getByTestId('blocked-line')).toBeVisible();
	await visitor.locator('#text').fill('Are you there?');
	await visitor.locator('#text').press('Enter');
	const row = visitor.locator('#messages .msg.mine').filter({ hasText: 'Are you there?' });
	await expect(row).toHaveAttribute('data-status', 'sent');
	await expect(row.locator('.meta')).toContainText(lang === 'fr' ? 'Distribué' : 'Delivered');
	await expect(row.locator('.meta')).not.toContainText(lang === 'fr' ? 'Envoi' : 'Sending');
	await shot(visitor, `webchat-blocked-sent-${lang}`);
	await agent.context.close();
	await visitor.context().close();
});
}

for (const lang of ['en', 'fr'] as const) {
	test(`the web chat page has a favicon and a greeting (${lang})`, async ({ browser }) => {
		const ctx = await browser.newContext({ baseURL: server.url, locale: lang === 'fr' ? 'fr-FR' : 'en-US' });
		const page = await ctx.newPage();
		await page.goto(`/chat/${CHAT}`);
		const icon = await page.locator('link[rel="icon"]').getAttribute('href');
		expect(icon).toBeTruthy();
		const res = await fetch(new URL(icon!, server.url));
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('image/');
		await expect(page.locator('#greeting')).toContainText(lang === 'fr' ? 'Comment pouvons-nous vous aider' : 'How can we help');
		await expect(page.locator('#attach')).toBeVisible();
		await shot(page, `webchat-greeting-${lang}`);
		await ctx.close();
	});
}

for (const lang of ['en', 'fr'] as const) {
	test(`a contact made with "New contact" can be written to on the webhook channel, with a template (${lang})`, async ({ browser }) => {
		const agent = await signIn(browser, server, 'ana@demo.test', lang === 'fr' ? 'fr-FR' : 'en-US');
		const page = agent.page;
		await page.getByTestId('new-contact').click();
		const first = lang === 'fr' ? 'Célia' : 'Nora';
		await page.locator('#nc-firstName').fill(first);
		await page.locator('#nc-lastName').fill(`Outbound ${lang}`);
		await page.locator('#nc-phone').fill(lang === 'fr' ? '+33 6 12 34 56 70' : '+1 415 555 0199');
		await page.getByTestId('create-contact').click();
		await page.waitForURL(/\/c\//);
		const contactId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
		// Not a dead end: the channel picker offers the webhook channel, whose closed window offers templates.
		await expect(page.getByTestId('composer-disabled')).toHaveCount(0);
		await expect(page.getByTestId('channel-picker')).toHaveValue(WEBHOOK);
		await expect(page.getByTestId('template-picker')).toBeVisible();
		await page.getByTestId('template-picker').selectOption('tpl-order');
		await expect(page.getByTestId('template-preview')).toContainText(`Hello ${first}, there is news about your order`);
		await shot(page, `outbound-template-${lang}`);
		await page.getByTestId('send').click();
		await expect(page.getByTestId('thread')).toContainText(`Hello ${first}, there is news about your order`, { timeout: 20_000 });
		await expect.poll(() => hooks.filter((h) => h.includes(contactId) && h.includes('there is news about your order')).length, { timeout: 30_000 }).toBe(1);
		const hook = JSON.parse(hooks.find((h) => h.includes(contactId))!) as { type: string; contact: { phone?: string; id: string } };
		expect(hook.type).toBe('template');
		expect(hook.contact.id).toBe(contactId);
		expect(hook.contact.phone).toBeTruthy();
		await shot(page, `outbound-sent-${lang}`);
		await agent.context.close();
	});
}

for (const lang of ['en', 'fr'] as const) {
test(`a file written offline uploads when the connection returns; the message is written only once it is stored (${lang})`, async ({ browser }) => {
	const locale = lang === 'fr' ? 'fr-FR' : 'en-US';
	const { page: visitor, contactId } = await customer(browser, 'Can you send the form?', locale);
	const agent = await signIn(browser, server, 'owner@demo.test', locale);
	await openContact(agent.page, contactId);
	const text = `The form, written offline ${Date.now()}`;
	await agent.context.setOffline(true);
	await agent.page.waitForFunction(() => (window as unknown as { __parley: { app: { sync: { state: string } } } }).__parley.app.sync.state === 'offline');
	await agent.page.getByTestId('file-input').setInputFiles({ name: 'form offline.pdf', mimeType: 'application/pdf', buffer: PDF });
	await expect(agent.page.getByTestId('pending-file')).toHaveAttribute('data-status', 'waiting');
	await agent.page.getByTestId('composer').fill(text);
	await agent.page.getByTestId('send').click();
	await expect(agent.page.getByTestId('queued-message')).toContainText('form offline.pdf');
	await expect(agent.page.getByTestId('thread')).not.toContainText(text);
	await shot(agent.page, `files-offline-queued-${lang}`);
	// The queued reply and its file survive a reload without network (IndexedDB).
	await agent.page.reload();
	await agent.page.waitForFunction(() => (window as unknown as { __parley?: { app: { session: { status: string } } } }).__parley?.app.session.status === 'ready');
	await expect(agent.page.getByTestId('queued-message')).toContainText('form offline.pdf', { timeout: 20_000 });
	await expect(agent.page.getByTestId('thread')).not.toContainText(text);
	// Nothing points at a missing file: the message is not in the thread (nor on the server) yet.
	const { contacts } = await serverTruth(server);
	expect(contacts.find((c) => c.id === contactId)?.lastMessagePreview).not.toContain(text);

	await agent.context.setOffline(false);
	const sent = agent.page.getByTestId('thread').locator('.entry.message.out').filter({ hasText: text });
	await expect(sent.getByTestId('attachment-download')).toContainText('form offline.pdf', { timeout: 30_000 });
	await expect(agent.page.getByTestId('queued-message')).toHaveCount(0);
	const bubble = visitor.locator('#messages .msg.theirs').filter({ hasText: text });
	await expect(bubble.locator('a.file')).toContainText('form offline.pdf', { timeout: 30_000 });
	const [dl] = await Promise.all([visitor.waitForEvent('download'), bubble.locator('a.file').click()]);
	expect(readFileSync((await dl.path())!).equals(PDF)).toBe(true);
	await shot(agent.page, `files-offline-sent-${lang}`);
	await agent.context.close();
	await visitor.context().close();
});
}
