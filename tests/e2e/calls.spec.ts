/**
 * Voice calls end to end (real Chromium, fake media devices): the customer calls from the web
 * chat page with a microphone fed a WAV that espeak-ng speaks; Tom (team-restricted) never sees
 * the call of a contact outside his team; Ana sees it ringing in Incoming calls and answers; the
 * contact becomes hers; the call card's timer runs; she records and ends; the call activity in
 * the drawer plays the recording, shows the transcript (pocketsphinx on the server) with the
 * sentence's key words, and the summary. The customer saw connected and ended. Then: a missed
 * call, a declined microphone and a call ended at the maximum duration, each its own activity.
 *
 * Each side runs in its own Chromium launched with the fake-media flags (they are per browser).
 */
// SPEC S1.3 S2.1 S2.2 S2.3 S2.4 S2.5 S8.5
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contactDoc, docFromUpdates, storageOrigin } from '../../src/lib/doc';
import { contactDocId } from '../../src/lib/domain/ids';
import { foldCalls, foldPermissions } from '../../src/lib/domain/calls';
import type { ContactId, EventEntry } from '../../src/lib/domain/types';
import { hashToken } from '../../sync-server/src/channels/signature';
import { startServer } from '../../sync-server/src/server';

type Server = Awaited<ReturnType<typeof startServer>>;
const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const CHAT = 'ch-webchat';
const SENTENCE = 'tomorrow morning. tomorrow morning. thank you.';
const BASE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-dev-shm-usage', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'];

let dir: string;
let speech: string;
let silence: string;
let customerBrowser: Browser;
let agentBrowser: Browser;

test.beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'parley-e2e-calls-'));
	speech = join(dir, 'speech.wav');
	silence = join(dir, 'silence.wav');
	execFileSync('espeak-ng', ['-v', 'en-us', '-s', '130', '-g', '8', '-w', speech, SENTENCE]);
	execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=mono', '-t', '2', '-c:a', 'pcm_s16le', silence]);
	const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
	customerBrowser = await chromium.launch({ executablePath, args: [...BASE_ARGS, '--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${speech}`] });
	agentBrowser = await chromium.launch({ executablePath, args: [...BASE_ARGS, '--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${silence}`] });
});

test.afterAll(async () => {
	await customerBrowser?.close();
	await agentBrowser?.close();
	rmSync(dir, { recursive: true, force: true });
});

async function start(calls: { ringWindowSec?: number; maxDurationSec?: number } = {}): Promise<{ server: Server; dataDir: string }> {
	const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-calls-data-'));
	const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 30 }, channels: { allowPrivate: true }, log: () => undefined, calls: { settings: calls } });
	return { server, dataDir };
}

async function signIn(server: Server, email: string): Promise<Page> {
	const context = await agentBrowser.newContext({ baseURL: server.url });
	await context.addInitScript(() => window.localStorage.setItem('parley.debug', '1'));
	const page = await context.newPage();
	await page.goto('/login');
	await page.locator('#login-email').fill(email);
	await page.locator('#login-password').fill('parley-demo');
	await page.locator('form button[type="submit"]').click();
	await page.waitForURL((u) => !u.pathname.startsWith('/login'));
	await page.waitForFunction(() => {
		const app = (window as unknown as { __parley?: { app: { sync: { state: string; catchingUp: boolean }; inbox: { ready: boolean } } } }).__parley?.app;
		return !!app && app.sync.state === 'online' && !app.sync.catchingUp && app.inbox.ready;
	}, undefined, { timeout: 30_000 });
	return page;
}

async function customer(server: Server, opts: { denyMic?: boolean } = {}): Promise<Page> {
	const context = await customerBrowser.newContext({ baseURL: server.url });
	if (opts.denyMic) {
		await context.addInitScript(() => {
			navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
		});
	}
	const page = await context.newPage();
	await page.goto(`/chat/${CHAT}`);
	await page.locator('#name').fill('Callie Caller');
	return page;
}

async function contactOf(server: Server, page: Page): Promise<ContactId> {
	const token = await page.evaluate((k) => localStorage.getItem(k), `parley.visitor.${CHAT}`);
	const session = await server.store.getVisitorSession(hashToken(token!));
	return session!.contactId;
}

async function stored(server: Server, id: ContactId) {
	const doc = await server.store.loadDoc(contactDocId(id));
	const ydoc = docFromUpdates(doc?.updates ?? [], storageOrigin());
	const c = contactDoc(ydoc, storageOrigin());
	const events = c.thread.ordered().filter((e): e is EventEntry => e.kind === 'event');
	const out = { calls: foldCalls(id, events), permissions: foldPermissions(id, events), assignee: c.assignment.get().userId };
	ydoc.destroy();
	return out;
}

test('a customer calls from the web chat; Ana answers, records and ends; the activity has the recording, transcript and summary; Tom never sees it', async () => {
	test.setTimeout(180_000);
	const { server, dataDir } = await start();
	try {
		const ana = await signIn(server, 'ana@demo.test');
		const tom = await signIn(server, 'tom@demo.test');
		await ana.getByTestId('incoming-calls-entry').click();
		await tom.getByTestId('incoming-calls-entry').click();
		// S2.1: a restricted agent has no All tab.
		await expect(tom.getByRole('tab', { name: 'Assigned to me' })).toBeVisible();
		await expect(tom.getByRole('tab', { name: 'All', exact: true })).toHaveCount(0);
		await expect(ana.getByRole('tab', { name: 'All', exact: true })).toBeVisible();
		await expect(ana.getByTestId('incoming-empty')).toBeVisible();
		await ana.screenshot({ path: '/tmp/s25-incoming-empty.png' });

		const cust = await customer(server);
		await cust.locator('#call').click();
		await expect(cust.locator('#callbar')).toHaveAttribute('data-state', 'ringing', { timeout: 20_000 });

		// Ana's list rings.
		const entry = ana.getByTestId('incoming-call');
		await expect(entry).toHaveAttribute('data-status', 'ringing', { timeout: 20_000 });
		await expect(entry).toContainText('Callie Caller');
		await expect(entry).toContainText('Unassigned');
		await expect(ana.getByTestId('ringing-count')).toHaveText('1');
		await ana.screenshot({ path: '/tmp/s25-incoming-ringing.png' });
		// Tom may not see an unassigned contact outside his team: nothing rings for him, in any tab.
		for (const tab of ['Assigned to me', 'Unassigned']) {
			await tom.getByRole('tab', { name: tab }).click();
			await expect(tom.getByTestId('incoming-empty')).toBeVisible();
		}
		await expect(tom.getByTestId('ringing-count')).toHaveCount(0);

		await entry.getByTestId('answer-call').click();
		const card = ana.getByTestId('call-card');
		await expect(card).toHaveAttribute('data-status', 'connected', { timeout: 30_000 });
		await expect(cust.locator('#callbar')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
		await expect(cust.locator('#call-timer')).toHaveText(/^0:0\d$/);
		const contactId = await contactOf(server, cust);
		await expect.poll(async () => (await stored(server, contactId)).assignee, { timeout: 15_000 }).toBe('u-ana');
		// The timer runs.
		const timer = ana.getByTestId('call-timer');
		await expect(timer).toHaveText(/^0:0[1-9]$/, { timeout: 15_000 });
		const first = await timer.textContent();
		await expect(timer).not.toHaveText(first ?? '', { timeout: 10_000 });

		await ana.getByTestId('call-record').click();
		await expect(ana.getByTestId('call-recording')).toBeVisible();
		await expect(cust.locator('#call-rec')).toBeVisible();
		await cust.screenshot({ path: '/tmp/s25-customer.png' });
		// The card stays while Ana moves to another conversation (S2.2).
		await ana.locator('[data-inbox="all"]').click();
		const other = ana.locator(`[data-id]:not([data-id="${contactId}"])`).first();
		await other.click();
		await expect(ana).not.toHaveURL(new RegExp(contactId));
		await expect(card).toBeVisible();
		await ana.screenshot({ path: '/tmp/s25-call-card.png' });
		// Record long enough for the sentence to pass at least twice (it loops, about 4 s).
		const recordedFrom = Number((await timer.textContent())?.split(':')[1] ?? 0);
		await expect
			.poll(async () => {
				const [m, s] = ((await timer.textContent()) ?? '0:00').split(':').map(Number);
				return (m ?? 0) * 60 + (s ?? 0) - recordedFrom;
			}, { timeout: 30_000 })
			.toBeGreaterThanOrEqual(10);
		await ana.getByTestId('call-end').click();
		await expect(card).toHaveCount(0, { timeout: 15_000 });
		await expect(cust.locator('#callbar')).toHaveAttribute('data-state', 'ended', { timeout: 15_000 });
		await expect(cust.locator('#call-status')).toHaveText('Call ended');

		// The call activity: recording, transcript with the key words, summary.
		await expect.poll(async () => (await stored(server, contactId)).calls[0]?.summary?.title ?? '', { timeout: 60_000 }).not.toBe('');
		const call = (await stored(server, contactId)).calls[0]!;
		expect(call).toMatchObject({ status: 'ended', answeredBy: 'u-ana', endedBy: 'user' });
		expect(call.recording?.mime).toMatch(/^audio\//);
		expect(call.transcript).toMatch(/tomorrow|morning/);
		expect((await stored(server, contactId)).permissions).toMatchObject([{ granted: true }]);

		await ana.goto(`/c/${contactId}`);
		await ana.getByTestId('drawer-toggle').click();
		const act = ana.getByTestId('call-activity').filter({ has: ana.getByTestId('call-summary') });
		await expect(act).toHaveAttribute('data-kind', 'incoming', { timeout: 20_000 });
		await expect(act.locator('audio')).toHaveAttribute('src', /\/api\/uploads\//);
		await expect(act.getByTestId('call-transcript-text')).toContainText(/tomorrow|morning/);
		// The built-in AI provider's title (issue 24): "Call: <key words>" or "Call with <names>: ...".
		await expect(act.getByTestId('call-summary')).toContainText(/Call( with [^:]+)?:/);
		await ana.getByTestId('call-activity').first().scrollIntoViewIfNeeded();
		await ana.screenshot({ path: '/tmp/s25-drawer.png' });
		// S2.5: the Calls tab lists it.
		await ana.getByTestId('tab-calls').click();
		await expect(ana.getByTestId('call-log-row').first()).toContainText('Callie Caller');
		await ana.screenshot({ path: '/tmp/s25-call-log.png' });
	} finally {
		await server.close();
		rmSync(dataDir, { recursive: true, force: true });
	}
});

test('missed call, declined microphone and maximum duration are each recorded as their activity', async () => {
	test.setTimeout(120_000);
	const { server, dataDir } = await start({ ringWindowSec: 3, maxDurationSec: 4 });
	try {
		// Missed: nobody answers in the ring window.
		const missed = await customer(server);
		await missed.locator('#call').click();
		await expect(missed.locator('#call-status')).toHaveText('No answer', { timeout: 30_000 });
		const missedId = await contactOf(server, missed);
		await expect.poll(async () => (await stored(server, missedId)).calls[0]?.status, { timeout: 15_000 }).toBe('missed');

		// Declined microphone: the call does not start, the refusal is recorded.
		const denied = await customer(server, { denyMic: true });
		await denied.locator('#call').click();
		await expect(denied.locator('#error')).toContainText('microphone', { timeout: 20_000 });
		const deniedId = await contactOf(server, denied);
		await expect.poll(async () => (await stored(server, deniedId)).permissions.map((p) => p.granted), { timeout: 15_000 }).toEqual([false]);
		expect((await stored(server, deniedId)).calls).toEqual([]);

		// Maximum duration: answered, then ended by the server at the maximum.
		const ana = await signIn(server, 'ana@demo.test');
		await ana.getByTestId('incoming-calls-entry').click();
		const long = await customer(server);
		await long.locator('#call').click();
		const entry = ana.getByTestId('incoming-call').filter({ hasText: 'Callie Caller' }).and(ana.locator('[data-status="ringing"]'));
		await entry.getByTestId('answer-call').click({ timeout: 20_000 });
		await expect(long.locator('#call-status')).toHaveText('Call ended (maximum length reached)', { timeout: 30_000 });
		const longId = await contactOf(server, long);
		await expect.poll(async () => (await stored(server, longId)).calls[0]?.endReason, { timeout: 15_000 }).toBe('max_duration');
		await expect(ana.getByTestId('call-card')).toHaveCount(0, { timeout: 15_000 });

		// The drawer shows each as its activity.
		await ana.goto(`/c/${longId}`);
		await ana.getByTestId('drawer-toggle').click();
		await expect(ana.getByTestId('call-activity').first()).toHaveAttribute('data-kind', 'max_duration', { timeout: 15_000 });
		await ana.goto(`/c/${deniedId}`);
		await ana.getByTestId('drawer-toggle').click();
		await expect(ana.getByTestId('call-activity').first()).toHaveAttribute('data-kind', 'permission_declined', { timeout: 15_000 });
	} finally {
		await server.close();
		rmSync(dataDir, { recursive: true, force: true });
	}
});

test('an agent calls a customer whose web chat is open; the customer accepts; the contact becomes the agent\'s; the customer hangs up', async () => {
	test.setTimeout(120_000);
	const { server, dataDir } = await start();
	try {
		const cust = await customer(server);
		await cust.locator('#text').fill('Can you call me?');
		await cust.locator('#text').press('Enter');
		await expect(cust.locator('#conn')).toHaveAttribute('data-state', 'online', { timeout: 20_000 });
		const contactId = await contactOf(server, cust);
		await expect.poll(async () => (await server.store.loadDoc(contactDocId(contactId))) !== null, { timeout: 15_000 }).toBe(true);

		const ana = await signIn(server, 'ana@demo.test');
		await ana.goto(`/c/${contactId}`);
		await ana.getByTestId('drawer-toggle').click();
		await ana.getByTestId('call-contact').click();
		await expect(cust.locator('#callbar')).toHaveAttribute('data-state', 'incoming', { timeout: 20_000 });
		await expect(cust.locator('#call-status')).toHaveText('Ana Souza is calling you');
		await cust.locator('#call-accept').click();
		await expect(cust.locator('#callbar')).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
		await expect(ana.getByTestId('call-card')).toHaveAttribute('data-status', 'connected', { timeout: 30_000 });
		await expect.poll(async () => (await stored(server, contactId)).assignee, { timeout: 15_000 }).toBe('u-ana');

		await cust.locator('#call-hangup').click();
		await expect(ana.getByTestId('call-card')).toHaveCount(0, { timeout: 15_000 });
		await expect.poll(async () => (await stored(server, contactId)).calls[0], { timeout: 15_000 }).toMatchObject({ direction: 'out', status: 'ended', endedBy: 'contact', answeredBy: 'u-ana' });
		await expect(ana.locator('[data-testid="call-activity"][data-kind="outgoing"]')).toContainText('Duration', { timeout: 15_000 });
		await expect(ana.locator('[data-testid="call-activity"][data-kind="permission_accepted"]')).toBeVisible();
	} finally {
		await server.close();
		rmSync(dataDir, { recursive: true, force: true });
	}
});
