/**
 * Shared setup of the inbox end-to-end tests: a real sync server on port 0 (throwaway data
 * directory, the built client from build/), users signed in through the login page in their own
 * browser contexts, the server's truth (directory and contact summaries, read from the stored
 * documents) for computing expectations with the domain functions, and a server-side incoming
 * message through the webhook channel's signed inbound endpoint.
 */
import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { createHmac, randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import { generateWorkspace } from '../../src/lib/demo/generate';
import { summarize } from '../../src/lib/doc';
import { newId, parseDocId } from '../../src/lib/domain/ids';
import type { ContactSummary, Directory, DocId, User } from '../../src/lib/domain/types';
import { startServer } from '../../sync-server/src/server';

export type Server = Awaited<ReturnType<typeof startServer>>;
export const PASSWORD = 'parley-demo';

export interface Session {
	user: User;
	context: BrowserContext;
	page: Page;
}

interface DebugWindow {
	__parley?: {
		app: {
			session: { status: string };
			sync: { state: string; catchingUp: boolean; unacked: number };
			inbox: { ready: boolean; rows: Array<{ id: string }>; inboxes: Array<{ key: string; openCount?: number; dot: boolean }>; query: { inbox: string } };
		};
	};
}

/** Signs `email` in through the login form; resolves once the inbox has caught up. */
export async function signIn(browser: Browser, server: Server, email: string, locale = 'en-US'): Promise<Session> {
	const context = await browser.newContext({ baseURL: server.url, locale });
	await context.addInitScript(() => window.localStorage.setItem('parley.debug', '1'));
	const page = await context.newPage();
	await page.goto('/login');
	await page.locator('#login-email').fill(email);
	await page.locator('#login-password').fill(PASSWORD);
	await page.locator('form button[type="submit"]').click();
	await page.waitForURL((u) => !u.pathname.startsWith('/login'));
	await caughtUp(page);
	const user = server.visibility.directory.users.find((u) => u.email === email);
	if (!user) throw new Error(`no user ${email}`);
	return { user, context, page };
}

/** A caller of the server's HTTP API: the status and the JSON answer (`{}` when empty). */
export type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; json: Record<string, unknown> }>;

/** Signs `email` in over HTTP; the API as that user. */
export async function apiAs(server: Server, email: string): Promise<Api> {
	const login = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
	const token = ((await login.json()) as { accessToken: string }).accessToken;
	return async (method, path, body) => {
		const res = await fetch(`${server.url}${path}`, {
			method,
			headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
			...(body !== undefined ? { body: JSON.stringify(body) } : {})
		});
		const text = await res.text();
		return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
	};
}

export async function caughtUp(page: Page): Promise<void> {
	await page.waitForFunction(
		() => {
			const app = (window as unknown as DebugWindow).__parley?.app;
			return !!app && app.session.status === 'ready' && app.sync.state === 'online' && !app.sync.catchingUp && app.inbox.ready;
		},
		undefined,
		{ timeout: 30_000 }
	);
}

/** Demo contact id -> its place in generation order, for the largest count asked so far. */
let seedIndex = new Map<string, number>();

/**
 * The server's contact documents in the demo's generation order (seed 1 and the default
 * messages per contact, as these tests seed their servers; the ids depend on neither the clock
 * nor the count), contacts created by the test after them: a test that picks "the first contact
 * that ..." picks the same one whatever order the server stored them in (issue 17: newest last).
 */
export function contactDocIdsInSeedOrder(server: Server): DocId[] {
	const ids = [...server.visibility.contactDocIds()];
	if (seedIndex.size < ids.length) {
		seedIndex = new Map(generateWorkspace({ seed: 1, contacts: ids.length, now: Date.now() }).contacts.map((c, i) => [`c/${c.id}`, i]));
	}
	const at = (d: DocId) => seedIndex.get(d) ?? seedIndex.size;
	return ids.sort((x, y) => at(x) - at(y));
}

/** The directory and every contact's summary, from the server's stored documents, in the demo's generation order. */
export async function serverTruth(server: Server): Promise<{ dir: Directory; contacts: ContactSummary[] }> {
	const contacts: ContactSummary[] = [];
	for (const docId of contactDocIdsInSeedOrder(server)) {
		const parsed = parseDocId(docId);
		if (parsed?.kind !== 'contact') continue;
		const { update } = await server.rooms.snapshot(docId);
		const ydoc = new Y.Doc();
		Y.applyUpdate(ydoc, update);
		contacts.push(summarize(parsed.contactId, ydoc));
		ydoc.destroy();
	}
	return { dir: server.visibility.directory, contacts };
}

const WEBHOOK_CHANNEL = 'ch-webhook';

/**
 * Whether an inbound message can name this contact unambiguously: the webhook finds contacts by
 * email, then phone, and the demo data has look-alike contacts (merge suggestions, S8.2).
 */
export function reachable(c: Pick<ContactSummary, 'id' | 'email' | 'phone'>, all: readonly ContactSummary[]): boolean {
	const key = c.email ? 'email' : 'phone';
	const value = c[key];
	return value !== '' && all.filter((o) => o[key] === value || (key === 'phone' && o.email === '' && o.phone === value)).length === 1;
}
const secrets = new WeakMap<Server, string>();

/**
 * An incoming message from the contact through the webhook channel's inbound endpoint (signed
 * like a real provider would), which finds the contact by email or phone, writes the message
 * and reopens a closed conversation (S7.1). Resolves once the server has stored it.
 */
export async function receive(server: Server, contact: Pick<ContactSummary, 'id' | 'email' | 'phone'>, text: string): Promise<void> {
	let secret = secrets.get(server);
	if (!secret) {
		secret = randomBytes(32).toString('base64url');
		await server.store.setChannelSecret(WEBHOOK_CHANNEL, secret);
		secrets.set(server, secret);
	}
	const body = JSON.stringify({
		messageId: newId(),
		contact: contact.email ? { email: contact.email } : { phone: contact.phone },
		type: 'text',
		text
	});
	const res = await fetch(`${server.url}/api/channels/${WEBHOOK_CHANNEL}/inbound`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'x-parley-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
		body
	});
	const reply = (await res.json()) as { contactId?: string; error?: { message: string } };
	if (res.status !== 201 || reply.contactId !== contact.id) {
		throw new Error(`inbound for ${contact.id}: HTTP ${res.status} ${JSON.stringify(reply)}`);
	}
}

/** The sidebar as shown: inbox keys in order, with their count (null when none shown) and dot. */
export async function sidebar(page: Page): Promise<Array<{ key: string; count: number | null; dot: boolean }>> {
	return page.locator('[data-inbox]').evaluateAll((els) =>
		els.map((el) => {
			const count = el.querySelector('.count')?.textContent?.trim();
			return { key: el.getAttribute('data-inbox') ?? '', count: count ? Number(count) : null, dot: el.querySelector('.dot') !== null };
		})
	);
}

/** Ids of the rows in the DOM, top to bottom (the virtualized list renders only some). */
export async function renderedIds(page: Page): Promise<string[]> {
	return page.locator('[role="listbox"] .slot').evaluateAll((els) =>
		els
			.map((el) => ({ i: Number(el.getAttribute('data-index')), id: el.querySelector('[data-id]')?.getAttribute('data-id') ?? '' }))
			.sort((a, b) => a.i - b.i)
			.map((r) => r.id)
	);
}

/** Ids of the whole list the app holds for the current view. */
export async function stateIds(page: Page): Promise<string[]> {
	return page.evaluate(() => (window as unknown as DebugWindow).__parley?.app.inbox.rows.map((r) => r.id) ?? []);
}

export async function openInbox(page: Page, key: string): Promise<void> {
	await page.locator(`[data-inbox="${key}"]`).click();
	await expect(page.locator(`[data-inbox="${key}"]`)).toHaveAttribute('aria-current', 'page');
}

export async function chooseMenu(page: Page, trigger: string, label: string): Promise<void> {
	await page.locator(trigger).click();
	await page.getByRole('menu').getByRole('menuitemradio', { name: label, exact: true }).click();
	await expect(page.getByRole('menu')).toHaveCount(0);
}
