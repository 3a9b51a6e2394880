/**
 * The email channel end to end: real SMTP in (nodemailer -> the server's receiver on loopback)
 * and out (the server -> a local SMTP mailbox), the agent in Chromium.
 * - A customer mail opens a conversation; the thread shows it as an email card.
 * - The agent replies in the rich editor with bold text (Ctrl+B), a bulleted list (Ctrl+Shift+8)
 *   and a sanitized paste, a CC and an attachment: the mail arrives threaded (In-Reply-To), as
 *   HTML with <strong>/<ul> and its text alternative, with the CC and the file.
 * - A new subject starts a new email (no In-Reply-To).
 * - View original shows the raw headers, of a received email and of the agent's sent reply.
 * - A hostile HTML body (scripts, event handlers, javascript: links, CSS overlays) is inert.
 * Screenshots go to test-results/screenshots/email-*.png.
 */
// SPEC S5.12, S5.3, S5.7, S7.1, S5.14
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { DEMO_CHANNELS, DEMO_EMAIL } from '../../src/lib/demo/generate';
import { headerOf, MailSink } from '../../sync-server/src/channels/email/mail-sink';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, signIn, type Server, type Session } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const shots = fileURLToPath(new URL('../../test-results/screenshots', import.meta.url));

let server: Server;
let dataDir: string;
let sink: MailSink;
let owner: Session;

test.describe.configure({ mode: 'serial' });

/** A MIME part's body with its quoted-printable soft breaks and escapes undone, CRLF as LF. */
function quotedPrintable(part: string): string {
	return part
		.replace(/\r\n/g, '\n')
		.replace(/=\n/g, '')
		.replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

async function mail(opts: SendMailOptions): Promise<void> {
	const port = server.channels.email.smtpAddress!.port;
	await nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ to: DEMO_EMAIL.address, ...opts });
}

async function contactOf(address: string): Promise<string> {
	let id: string | null = null;
	await expect.poll(async () => (id = await server.store.findContactByKey('email', address)), { timeout: 15_000 }).not.toBeNull();
	return id!;
}

async function open(page: Page, id: string): Promise<void> {
	await page.goto(`/c/${id}`);
	await caughtUp(page);
	await expect(page.getByTestId('composer')).toBeVisible({ timeout: 20_000 });
}

test.beforeAll(async ({ browser }) => {
	mkdirSync(shots, { recursive: true });
	sink = new MailSink();
	await sink.listen();
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-email-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 20 }, log: () => undefined, channels: { allowPrivate: true, email: { smtpPort: 0, demoMailbox: sink } } });
	const login = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@demo.test', password: 'parley-demo' }) });
	const token = ((await login.json()) as { accessToken: string }).accessToken;
	const patched = await fetch(`${server.url}/api/channels/${DEMO_CHANNELS.email}/email`, {
		method: 'PATCH',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
		body: JSON.stringify({ smtp: { host: '127.0.0.1', port: sink.port, security: 'none' } })
	});
	expect(patched.status).toBe(200);
	owner = await signIn(browser, server, 'owner@demo.test');
});

test.afterAll(async () => {
	await owner?.context.close();
	await server?.close();
	await sink?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

test('a customer mail opens a conversation; the agent replies with bold text, a CC and a file, threaded; a new subject starts a new email; View original', async () => {
	const page = owner.page;
	await mail({ from: '"Nora Field" <nora@customer.test>', subject: 'Where is my parcel?', text: 'Hello,\nmy parcel is late.\n\nOn Monday, Shop wrote:\n> Your order shipped', messageId: '<parcel-1@customer.test>' });
	const id = await contactOf('nora@customer.test');
	await open(page, id);
	const card = page.getByTestId('email-card').first();
	await expect(card.getByTestId('email-card-subject')).toHaveText('Where is my parcel?');
	await expect(card).toContainText('Nora Field <nora@customer.test>');
	await expect(card.getByTestId('email-card-body')).toHaveText('Hello,\nmy parcel is late.');
	await card.getByTestId('email-quoted-toggle').click();
	await expect(card).toContainText('Your order shipped');

	// The composer is an email composer here: To shown, subject defaults to the reply's.
	await expect(page.getByTestId('email-to')).toHaveText('nora@customer.test');
	await expect(page.getByTestId('email-subject')).toHaveAttribute('placeholder', 'Re: Where is my parcel?');
	// The rich editor (S5.12): bold from the keyboard (Ctrl+B), a bulleted list (Ctrl+Shift+8),
	// the toolbar's pressed states follow the caret.
	const editor = page.getByTestId('composer');
	await editor.click();
	await page.keyboard.type('We ');
	await page.keyboard.press('Control+b');
	await expect(page.getByTestId('email-mark-bold')).toHaveAttribute('aria-pressed', 'true');
	await page.keyboard.type('shipped');
	await page.keyboard.press('Control+b');
	await page.keyboard.type(' it today.');
	await page.keyboard.press('Enter');
	await page.keyboard.press('Control+Shift+8');
	await expect(page.getByTestId('email-mark-ul')).toHaveAttribute('aria-pressed', 'true');
	await page.keyboard.type('Tracking: 42');
	await page.keyboard.press('Enter');
	await page.keyboard.type('Carrier: Post');
	await expect(editor.locator('b, strong')).toHaveText('shipped');
	await expect(editor.locator('ul > li')).toHaveText(['Tracking: 42', 'Carrier: Post']);
	// A paste keeps the allowed tags only (DOMPurify): no script, style, image or class survives.
	await page.keyboard.press('Enter');
	await page.keyboard.press('Enter');
	await editor.evaluate((el) => {
		const data = new DataTransfer();
		data.setData('text/html', '<span style="color:red" class="x"><em>pasted</em> <img src="x" onerror="window.__pwned=1"><script>window.__pwned=2</script><a href="javascript:alert(1)">bad</a> <a href="https://shop.test/t">track</a></span>');
		data.setData('text/plain', 'pasted');
		el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
	});
	await expect(editor.locator('i, em')).toHaveText('pasted');
	await expect(editor.locator('a[href="https://shop.test/t"]')).toHaveText('track');
	expect(await editor.locator('img, script, span, [style], [class], a[href^="javascript"]').count()).toBe(0);
	expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
	await page.getByTestId('email-cc-toggle').click();
	await page.getByTestId('email-cc').fill('not-an-address');
	await page.getByTestId('send').click();
	await expect(page.getByRole('alert').filter({ hasText: 'Not email addresses: not-an-address' }).first()).toBeVisible();
	await page.getByTestId('email-cc').fill('boss@customer.test');
	await expect(page.getByRole('alert').filter({ hasText: 'Not email addresses' })).toHaveCount(0);
	await page.getByTestId('file-input').setInputFiles({ name: 'label.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 label') });
	await expect(page.getByTestId('pending-file').filter({ hasText: 'label.pdf' })).toHaveAttribute('data-status', 'done');
	await page.screenshot({ path: join(shots, 'email-composer.png') });
	// The email card and fields pass axe (WCAG 2.1 AA).
	const axe = await new AxeBuilder({ page }).include('[data-testid="email-fields"]').include('[data-testid="rich-editor"]').include('[data-testid="email-signature-block"]').include('[data-testid="email-card"]').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	expect(axe.violations.flatMap((v) => v.nodes.map((n) => `${v.id} ${n.target.join(' ')}`))).toEqual([]);
	await page.getByTestId('send').click();
	await expect.poll(() => sink.mails.length, { timeout: 20_000 }).toBe(1);
	const reply = sink.mails[0]!.raw;
	expect(headerOf(reply, 'In-Reply-To')).toBe('<parcel-1@customer.test>');
	expect(headerOf(reply, 'Subject')).toBe('Re: Where is my parcel?');
	expect(headerOf(reply, 'Cc')).toBe('boss@customer.test');
	// Sent as HTML (strong, ul, em, the link) with its text alternative.
	const html = quotedPrintable(reply.slice(reply.indexOf('Content-Type: text/html')));
	expect(html).toContain('<strong>shipped</strong>');
	expect(html).toMatch(/<ul><li>Tracking: 42<\/li><li>Carrier: Post<\/li><\/ul>/);
	expect(html).toContain('<em>pasted</em>');
	expect(html).toContain('href="https://shop.test/t"');
	expect(html).not.toMatch(/script|onerror|style=|javascript:/i);
	const text = quotedPrintable(reply.slice(reply.indexOf('Content-Type: text/plain'), reply.indexOf('Content-Type: text/html')));
	expect(text).toContain('We shipped it today.');
	expect(text).toContain('- Tracking: 42\n- Carrier: Post');
	expect(text).toContain('pasted bad track <https://shop.test/t>');
	expect(reply).toMatch(/filename=label\.pdf/);
	await expect(page.locator('[data-testid="delivery"]').last()).toHaveText(/sent/i, { timeout: 15_000 });
	// The copied address opened no conversation.
	expect(await server.store.findContactByKey('email', 'boss@customer.test')).toBeNull();

	// AI assist writes into the email editor as paragraphs (issue 24's path kept for email).
	await page.getByTestId('ai-button').click();
	await page.getByTestId('ai-menu').getByRole('menuitem', { name: 'Draft a reply' }).click();
	await expect(editor.locator('p').first()).not.toHaveText('', { timeout: 20_000 });
	expect(await editor.textContent()).not.toContain('<p>');
	// The draft is the editor's HTML: it survives a reload with its formats.
	await editor.fill('');
	await editor.click();
	await page.keyboard.press('Control+i');
	await page.keyboard.type('kept');
	await expect(editor.locator('i, em')).toHaveText('kept');
	await page.reload();
	await caughtUp(page);
	await expect(page.getByTestId('composer').locator('em')).toHaveText('kept', { timeout: 20_000 });

	// A new subject: a new email, not threaded.
	await page.getByTestId('email-subject').fill('Your refund');
	await expect(page.getByTestId('email-thread-state')).toHaveText('New email (new subject)');
	await page.getByTestId('composer').fill('The refund is on its way.');
	await expect(page.getByTestId('composer')).toHaveText('The refund is on its way.');
	await page.getByTestId('send').click();
	await expect.poll(() => sink.mails.length, { timeout: 20_000 }).toBe(2);
	const second = sink.mails[1]!.raw;
	expect(headerOf(second, 'Subject')).toBe('Your refund');
	expect(headerOf(second, 'In-Reply-To')).toBeNull();
	await page.screenshot({ path: join(shots, 'email-thread.png') });

	// View original (S5.3).
	const incoming = page.locator('article.in').filter({ has: page.getByTestId('email-card') }).first();
	// Focused, its actions button shows (as on hover), wherever the pointer is.
	await incoming.focus();
	await incoming.getByRole('button', { name: 'Message actions' }).click();
	await page.getByRole('menuitem', { name: 'View original' }).click();
	await expect(page.getByTestId('email-source-headers')).toContainText('Message-ID: <parcel-1@customer.test>');
	await expect(page.getByTestId('email-source-headers')).toContainText('Subject: Where is my parcel?');
	await page.screenshot({ path: join(shots, 'email-original.png') });
	await page.keyboard.press('Escape');

	// View original on the agent's reply (sent): the source as it went out, its Message-ID and In-Reply-To.
	const firstReplyId = headerOf(reply, 'Message-ID')!;
	const sent = page.locator('article.out').filter({ has: page.getByTestId('email-card') }).filter({ hasText: 'Re: Where is my parcel?' }).first();
	await sent.focus();
	await sent.getByRole('button', { name: 'Message actions' }).click();
	await page.getByRole('menuitem', { name: 'View original' }).click();
	await expect(page.getByTestId('email-source-headers')).toContainText(`Message-ID: ${firstReplyId}`);
	await expect(page.getByTestId('email-source-headers')).toContainText('In-Reply-To: <parcel-1@customer.test>');
	await page.screenshot({ path: join(shots, 'email-original-sent.png') });
	await page.keyboard.press('Escape');
});

// SPEC S5.12: the signature is the user's, kept on the server: set on one device, in the composer of another.
test('the signature set in My profile in one browser is in the email composer of another, editable for one email', async ({ browser }) => {
	const page = owner.page;
	await page.goto('/settings/profile');
	const form = page.getByTestId('email-signature-settings');
	await expect(form.getByTestId('email-signature-default')).toHaveAttribute('aria-busy', 'false');
	await form.getByTestId('email-signature-default').fill('Olivia Bennett\nParley Support');
	await form.getByTestId('email-signature-save').click();
	await expect(form.getByRole('status')).toHaveText('Signature saved.');
	await page.screenshot({ path: join(shots, 'email-signature-profile.png') });

	// Another browser (a fresh context: nothing of the first one's storage) of the same user.
	const other = await signIn(browser, server, 'owner@demo.test');
	try {
		const p2 = other.page;
		await open(p2, await contactOf('nora@customer.test'));
		await expect(p2.getByTestId('email-signature-shown')).toHaveText('-- \nOlivia Bennett\nParley Support');
		await p2.getByTestId('composer').fill('Signed from the second browser.');
		// Changed for this email only.
		await p2.getByTestId('email-signature-toggle').click();
		await p2.getByTestId('email-signature').fill('Olivia, on the road');
		await p2.screenshot({ path: join(shots, 'email-signature-composer.png') });
		const before = sink.mails.length;
		await p2.getByTestId('send').click();
		await expect.poll(() => sink.mails.length, { timeout: 20_000 }).toBe(before + 1);
		const signed = quotedPrintable(sink.mails[before]!.raw);
		expect(signed).toContain('Signed from the second browser.');
		expect(signed).toContain('Olivia, on the road');
		expect(signed).not.toContain('Parley Support');
		// The next email has the saved signature again.
		await p2.getByTestId('email-signature-toggle').click();
		await expect(p2.getByTestId('email-signature-shown')).toHaveText('-- \nOlivia Bennett\nParley Support');
	} finally {
		await other.context.close();
	}
});

// SPEC S5.12: the rich editor from the keyboard: numbered list, link, quote; the toolbar is one tab stop with arrows.
test('the email editor: Ctrl+Shift+7 numbered list, Ctrl+K link, quote, toolbar arrows and pressed states', async () => {
	const page = owner.page;
	await open(page, await contactOf('nora@customer.test'));
	const editor = page.getByTestId('composer');
	await editor.click();
	await page.keyboard.type('Steps');
	await page.keyboard.press('Enter');
	await page.keyboard.press('Control+Shift+7');
	await page.keyboard.type('one');
	await page.keyboard.press('Enter');
	await page.keyboard.type('two');
	await expect(editor.locator('ol > li')).toHaveText(['one', 'two']);
	await expect(page.getByTestId('email-mark-ol')).toHaveAttribute('aria-pressed', 'true');
	await expect(page.getByTestId('email-mark-ul')).toHaveAttribute('aria-pressed', 'false');
	await page.keyboard.press('Enter');
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('email-mark-ol')).toHaveAttribute('aria-pressed', 'false');
	await page.keyboard.type('See ');
	await page.keyboard.press('Control+k');
	const link = page.getByTestId('email-link-input');
	await expect(link).toBeFocused();
	await link.fill('javascript:alert(1)');
	await expect(link).toHaveAttribute('aria-invalid', 'true');
	await link.fill('shop.test/help');
	await link.press('Enter');
	await expect(editor.locator('a[href="https://shop.test/help"]')).toHaveText('https://shop.test/help');
	await expect(editor).toBeFocused();
	// The quote, from the toolbar.
	await page.keyboard.press('Enter');
	await page.keyboard.type('Earlier you wrote');
	await page.getByTestId('email-mark-quote').click();
	await expect(editor.locator('blockquote')).toContainText('Earlier you wrote');
	await expect(page.getByTestId('email-mark-quote')).toHaveAttribute('aria-pressed', 'true');
	// The toolbar is one tab stop: arrows move between its buttons.
	await page.getByTestId('email-mark-bold').focus();
	await page.keyboard.press('ArrowRight');
	await expect(page.getByTestId('email-mark-italic')).toBeFocused();
	await page.keyboard.press('End');
	await expect(page.getByTestId('email-mark-quote')).toBeFocused();
	await expect(page.getByTestId('email-mark-quote')).toHaveAttribute('tabindex', '0');
	await expect(page.getByTestId('email-mark-bold')).toHaveAttribute('tabindex', '-1');
	await page.screenshot({ path: join(shots, 'email-editor.png') });
	await editor.fill('');
	await expect(editor).toHaveText('');
});

// SPEC S5.12, S5.14: an email written offline with a file is queued with its email part and goes out as written.
test('an email written offline with a file keeps its formats, subject and copies, and goes out once online', async () => {
	const page = owner.page;
	await open(page, await contactOf('nora@customer.test'));
	await page.context().setOffline(true);
	try {
		await page.waitForFunction(() => (window as unknown as { __parley: { app: { sync: { state: string } } } }).__parley.app.sync.state === 'offline');
		const editor = page.getByTestId('composer');
		await editor.click();
		await page.keyboard.type('Written ');
		await page.keyboard.press('Control+b');
		await page.keyboard.type('offline');
		await page.keyboard.press('Control+b');
		await page.getByTestId('email-subject').fill('Offline invoice');
		await page.getByTestId('email-cc-toggle').click();
		await page.getByTestId('email-cc').fill('accounts@customer.test');
		await page.getByTestId('file-input').setInputFiles({ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 invoice') });
		await expect(page.getByTestId('pending-file')).toHaveAttribute('data-status', 'waiting');
		await page.getByTestId('send').click();
		await expect(page.getByTestId('queued-message')).toContainText('invoice.pdf');
		await expect(editor).toHaveText('');
	} finally {
		await page.context().setOffline(false);
	}
	await expect.poll(() => sink.mails.find((m) => headerOf(m.raw, 'Subject') === 'Offline invoice'), { timeout: 30_000 }).toBeTruthy();
	const mailRaw = sink.mails.find((m) => headerOf(m.raw, 'Subject') === 'Offline invoice')!.raw;
	expect(headerOf(mailRaw, 'Cc')).toBe('accounts@customer.test');
	expect(headerOf(mailRaw, 'In-Reply-To')).toBeNull();
	expect(quotedPrintable(mailRaw)).toContain('<strong>offline</strong>');
	expect(mailRaw).toMatch(/filename=invoice\.pdf/);
	await expect(page.getByTestId('queued-message')).toHaveCount(0);
});

test('a hostile HTML body is inert in the browser', async () => {
	const page = owner.page;
	const alerts: string[] = [];
	page.on('dialog', (d) => {
		alerts.push(d.message());
		void d.dismiss();
	});
	const html = `<p>Hi <b>agent</b></p>
		<script>window.__pwned = 'script'</script>
		<img src="x" onerror="window.__pwned = 'onerror'">
		<img src="https://tracker.invalid/pixel.gif">
		<svg><script>window.__pwned = 'svg'</script></svg><svg onload="window.__pwned = 'svgload'"></svg>
		<a href="javascript:window.__pwned='link'" data-testid="evil-link">click me</a>
		<iframe src="javascript:parent.__pwned='iframe'"></iframe>
		<div style="position:fixed;inset:0;z-index:99999;background:red" data-testid="overlay">cover</div>
		<style>* { display: none !important }</style>
		<form action="https://evil.invalid"><input name="password"></form>
		<details open ontoggle="window.__pwned='toggle'"><summary>x</summary></details>`;
	await mail({ from: 'mallory@evil.test', subject: 'Invoice', html, messageId: '<evil-1@evil.test>' });
	const id = await contactOf('mallory@evil.test');
	await open(page, id);
	const body = page.getByTestId('email-card-body').first();
	await expect(body).toContainText('Hi agent');
	await body.getByText('click me').click({ force: true }).catch(() => undefined);
	await page.getByTestId('email-load-images').click();
	await expect(body.locator('img[src="https://tracker.invalid/pixel.gif"]')).toHaveCount(1);
	expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
	expect(alerts).toEqual([]);
	expect(await body.locator('script, iframe, form, input, style, svg').count()).toBe(0);
	expect(await body.locator('[onerror], [onload], [ontoggle], [style]').count()).toBe(0);
	// The browser's own wall (DOMPurify at display): HTML a client wrote into an outgoing email
	// never passed the server's sanitizer, and is still inert when shown.
	await page.evaluate(
		async ({ cid, raw }) => {
			type Conv = { loaded: Promise<void>; sendMessage(i: unknown): Promise<unknown>; close(): void };
			const conv = (window as unknown as { __parley: { app: { conversations: { open(id: string): Conv } } } }).__parley.app.conversations.open(cid);
			await conv.loaded;
			await conv.sendMessage({ text: 'raw html', channelId: 'ch-email', email: { subject: 'Raw', to: ['mallory@evil.test'], html: raw } });
			conv.close();
		},
		{ cid: id, raw: html }
	);
	const raw = page.getByTestId('email-card').filter({ hasText: 'Raw' }).getByTestId('email-card-body');
	await expect(raw).toContainText('Hi agent');
	expect(await raw.locator('script, iframe, form, input, style, svg').count()).toBe(0);
	expect(await raw.locator('[onerror], [onload], [ontoggle], [style], a[href^="javascript"]').count()).toBe(0);
	expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
	// The overlay's CSS is gone: the composer is still on top and usable.
	await expect(page.getByTestId('composer')).toBeVisible();
	await page.getByTestId('composer').fill('still usable');
	await expect(page.getByTestId('composer')).toHaveText('still usable');
	await page.screenshot({ path: join(shots, 'email-hostile.png') });
});

test('Settings > Email: the channel settings with secrets never shown, the delivery problems, and the demo mailbox with the replies', async () => {
	const page = owner.page;
	// SPEC S5.4: a bounce that matches no email we sent, through SMTP, listed for the owner.
	const port = server.channels.email.smtpAddress!.port;
	const dsn = [
		'From: MAILER-DAEMON@mx.far.test',
		`To: ${DEMO_EMAIL.address}`,
		'Subject: Undelivered Mail Returned to Sender',
		'Message-ID: <dsn-e2e@mx.far.test>',
		'MIME-Version: 1.0',
		'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
		'',
		'--B',
		'Content-Type: message/delivery-status',
		'',
		'Final-Recipient: rfc822; lost@far.test',
		'Action: failed',
		'Status: 5.1.1',
		'Diagnostic-Code: smtp; 550 5.1.1 No such user',
		'--B',
		'Content-Type: text/rfc822-headers',
		'',
		'Message-ID: <forgotten@parley.localhost>',
		'--B--',
		''
	].join('\r\n');
	await nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ envelope: { from: '', to: [DEMO_EMAIL.address] }, raw: dsn });
	await page.goto('/settings/email');
	const form = page.getByTestId('email-channel-form').first();
	await expect(form).toContainText('Email');
	await expect(form.getByTestId('email-receiver')).toContainText(`127.0.0.1:${server.channels.email.smtpAddress!.port}`);
	await form.getByLabel('Password').first().fill('s3cret-smtp');
	await form.getByRole('button', { name: 'Save' }).click();
	await expect(form.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
	await expect(form.getByLabel('Password').first()).toHaveValue('');
	await expect(form.getByLabel('Password').first()).toHaveAttribute('placeholder', 'set (leave empty to keep)');
	expect(JSON.stringify(server.visibility.directory.channels)).not.toContain('s3cret-smtp');
	await expect(page.getByTestId('demo-mailbox')).toContainText('Re: Where is my parcel?');
	const problems = page.getByTestId('email-problems').first();
	await expect(async () => {
		await problems.getByRole('button', { name: 'Delivery problems' }).click();
		await expect(problems.getByTestId('email-problem')).toHaveCount(1, { timeout: 1000 });
	}).toPass({ timeout: 20_000 });
	await expect(problems.getByTestId('email-problem')).toContainText('lost@far.test');
	await expect(problems.getByTestId('email-problem')).toContainText('5.1.1 550 5.1.1 No such user');
	await expect(problems.getByTestId('email-problem')).toContainText('Reports on <forgotten@parley.localhost>');
	await page.screenshot({ path: join(shots, 'email-settings.png'), fullPage: true });
});
