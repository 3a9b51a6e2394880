/**
 * The inbox end to end: the built app against a real sync server, owner, Tom (`team`-restricted,
 * Sales) and Sue (`self`-restricted) signed in side by side in three browser contexts. Every
 * expectation is computed with the domain functions over the server's own documents, so the
 * test checks the UI against the rules, not against hard-coded demo numbers.
 */
// SPEC S1.1, S1.2, S1.3, S1.4, S1.6, S1.7, S1.8, S3.1, S4.1, S4.2, S4.3, S4.6, S4.7, S9.5
import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dotInboxFor } from '../../src/lib/domain/dot';
import { hasVisibleBlocked, openCounts, visibleInboxes } from '../../src/lib/domain/inboxes';
import { availableSorts, queryList } from '../../src/lib/domain/list';
import type { ContactId, ContactSummary, InboxKey, ListQuery, SortKey, StatusFilter, User } from '../../src/lib/domain/types';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, chooseMenu, openInbox, reachable, receive, renderedIds, serverTruth, sidebar, signIn, stateIds, type Server, type Session } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));
const STATUS_LABEL: Record<StatusFilter, string> = { all: 'All statuses', open: 'Open', closed: 'Closed', snoozed: 'Snoozed' };
const SORT_LABEL: Record<SortKey, string> = { newest: 'Newest', oldest: 'Oldest', longest: 'Longest', shortest: 'Shortest' };

let server: Server;
let dataDir: string;
let owner: Session;
let tom: Session;
let sue: Session;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-inbox-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 90 }, log: () => undefined });
	owner = await signIn(browser, server, 'owner@demo.test');
	tom = await signIn(browser, server, 'tom@demo.test');
	sue = await signIn(browser, server, 'sue@demo.test');
});

test.afterAll(async () => {
	for (const s of [owner, tom, sue]) await s?.context.close();
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

function expectedSidebar(user: User, dir: Awaited<ReturnType<typeof serverTruth>>['dir'], contacts: ContactSummary[]) {
	const keys = visibleInboxes(user, dir, { hasBlockedVisible: hasVisibleBlocked(user, contacts, dir) });
	const counts = openCounts(user, contacts, dir);
	return keys.map((key) => ({ key, count: key === 'blocked' || !counts[key] ? null : counts[key]! }));
}

const query = (inbox: InboxKey, status: StatusFilter = 'all', unreplied = false, sort: SortKey = 'newest'): ListQuery => ({ inbox, status, unreplied, sort });

test('each user sees exactly the inboxes, counts and conversations the rules allow', async () => {
	const { dir, contacts } = await serverTruth(server);
	for (const s of [owner, tom, sue]) {
		const want = expectedSidebar(s.user, dir, contacts);
		await expect.poll(async () => (await sidebar(s.page)).map(({ key, count }) => ({ key, count })), { message: s.user.email }).toEqual(want);
		for (const { key } of want) {
			await openInbox(s.page, key);
			const ids = queryList(contacts, query(key as InboxKey), s.user, dir).map((c) => c.id);
			await expect.poll(() => stateIds(s.page), { message: `${s.user.email} ${key}` }).toEqual(ids);
			expect(await renderedIds(s.page)).toEqual(ids.slice(0, (await renderedIds(s.page)).length));
			if (ids.length === 0) await expect(s.page.getByTestId('empty')).toBeVisible();
			else await expect(s.page.locator('.toolbar .count')).toHaveText(`${ids.length} conversation${ids.length === 1 ? '' : 's'} · all statuses`);
		}
	}
	// The restrictions themselves (S1.3, S1.4): Sue has only Mine, Tom has Mine and Sales.
	expect((await sidebar(sue.page)).map((e) => e.key).filter((k) => k !== 'blocked')).toEqual(['mine']);
	expect((await sidebar(tom.page)).map((e) => e.key).filter((k) => k !== 'blocked')).toEqual(['mine', 'team:t-sales']);
	expect((await sidebar(owner.page)).map((e) => e.key).slice(0, 3)).toEqual(['all', 'mine', 'unassigned']);
});

test('the inbox search box filters inbox names', async () => {
	const page = owner.page;
	await page.keyboard.press('/');
	await expect(page.getByTestId('inbox-search')).toBeFocused();
	await page.keyboard.type('sup');
	await expect(page.locator('[data-inbox]')).toHaveCount(1);
	await expect(page.locator('[data-inbox="team:t-support"]')).toBeVisible();
	await page.keyboard.press('Enter');
	await expect(page.locator('[data-inbox="team:t-support"]')).toHaveAttribute('aria-current', 'page');
	await expect(page.locator('[data-inbox]').first()).toHaveAttribute('data-inbox', 'all');
});

test('every status filter, the Unreplied toggle and every offered sort give the domain order', async () => {
	const { dir, contacts } = await serverTruth(server);
	const page = owner.page;
	for (const inbox of ['all', 'team:t-support'] as InboxKey[]) {
		await openInbox(page, inbox);
		for (const status of ['all', 'open', 'closed', 'snoozed'] as StatusFilter[]) {
			await chooseMenu(page, '[data-testid="status-filter"]', STATUS_LABEL[status]);
			const offered = availableSorts(status);
			await page.getByTestId('sort').click();
			await expect(page.getByRole('menu').getByRole('menuitemradio')).toHaveText(offered.map((s) => SORT_LABEL[s]));
			await page.keyboard.press('Escape');
			for (const unreplied of [false, true]) {
				if ((await page.getByTestId('unreplied').getAttribute('aria-pressed')) !== String(unreplied)) await page.getByTestId('unreplied').click();
				for (const sort of offered) {
					await chooseMenu(page, '[data-testid="sort"]', SORT_LABEL[sort]);
					const ids = queryList(contacts, query(inbox, status, unreplied, sort), owner.user, dir).map((c) => c.id);
					const label = `${inbox} ${status} unreplied=${unreplied} ${sort}`;
					await expect.poll(() => stateIds(page), { message: label }).toEqual(ids);
					const shown = await renderedIds(page);
					expect(shown, label).toEqual(ids.slice(0, shown.length));
					if (ids.length === 0) await expect(page.getByTestId('empty')).toBeVisible();
				}
			}
		}
		if ((await page.getByTestId('unreplied').getAttribute('aria-pressed')) === 'true') await page.getByTestId('unreplied').click();
	}
	// S4.3: the Blocked inbox shows every status whatever the filter was.
	await chooseMenu(page, '[data-testid="status-filter"]', 'Open');
	if (contacts.some((c) => c.blocked)) {
		await openInbox(page, 'blocked');
		await expect(page.getByTestId('status-filter')).toBeDisabled();
		await expect(page.getByTestId('status-filter')).toHaveText('All statuses');
		const ids = queryList(contacts, query('blocked', 'open'), owner.user, dir).map((c) => c.id);
		await expect.poll(() => stateIds(page)).toEqual(ids);
		expect(ids.length).toBeGreaterThan(0);
	}
	await openInbox(page, 'all');
	await chooseMenu(page, '[data-testid="status-filter"]', 'All statuses');
	await chooseMenu(page, '[data-testid="sort"]', 'Newest');
});

test('a new incoming message marks one inbox per user, updates counts live, and opening the inbox clears it', async () => {
	const before = await serverTruth(server);
	const ok = (c: ContactSummary) => !c.blocked && reachable(c, before.contacts);
	const sues = before.contacts.filter((c) => c.assigneeId === sue.user.id && ok(c));
	const target = sues.find((c) => c.status === 'closed') ?? sues[0];
	const sales = before.contacts.find((c) => c.teamId === 't-sales' && c.assigneeId === null && ok(c));
	expect(target, 'a contact assigned to Sue').toBeTruthy();
	expect(sales, 'an unassigned Sales contact').toBeTruthy();
	for (const s of [owner, tom, sue]) for (const e of await sidebar(s.page)) if (e.dot) await openInbox(s.page, e.key);

	for (const contact of [target!, sales!]) {
		await receive(server, contact, `Hello from ${contact.firstName}`);
		const { dir, contacts } = await serverTruth(server);
		expect(contacts.find((c) => c.id === contact.id)?.status).toBe('open');
		for (const s of [owner, tom, sue]) {
			const dotted = dotInboxFor(s.user, contact, dir);
			const want = expectedSidebar(s.user, dir, contacts).map((e) => ({ ...e, dot: e.key === dotted }));
			await expect.poll(() => sidebar(s.page), { message: `${s.user.email} after ${contact.id}` }).toEqual(want);
		}
		for (const s of [owner, tom, sue]) {
			const dotted = dotInboxFor(s.user, contact, dir);
			if (!dotted) continue;
			await openInbox(s.page, dotted);
			await expect(s.page.locator(`[data-inbox="${dotted}"] .dot`)).toHaveCount(0);
			// The new message put the conversation at the top of Newest (S4.2), with its unread badge.
			await expect(s.page.locator('[role="option"]').first()).toHaveAttribute('data-id', contact.id);
			await expect(s.page.locator('[role="option"]').first().locator('.unread-count')).toBeVisible();
		}
	}
});

// SPEC S1.7: the dot is the user's, not the tab's: two tabs of one user show the same dot, and
// opening the inbox in one clears it in the other.
test('two tabs of one user share the new-message dot', async () => {
	const second = await owner.context.newPage();
	try {
		await second.goto('/');
		await caughtUp(second);
		for (const e of await sidebar(owner.page)) if (e.dot) await openInbox(owner.page, e.key);
		const { dir, contacts } = await serverTruth(server);
		const contact = contacts.find((c) => !c.blocked && c.assigneeId === null && c.teamId !== null);
		expect(contact, 'an unassigned team contact').toBeTruthy();
		const dotted = dotInboxFor(owner.user, contact!, dir);
		expect(dotted).toBeTruthy();
		// Both tabs look at another inbox than the one the message dots.
		const elsewhere = (await sidebar(owner.page)).find((e) => e.key !== dotted)!.key;
		await openInbox(owner.page, elsewhere);
		await openInbox(second, elsewhere);
		await receive(server, contact!, 'Hello from another tab test');
		for (const page of [owner.page, second]) await expect(page.locator(`[data-inbox="${dotted}"] .dot`)).toHaveCount(1);
		await openInbox(owner.page, dotted!);
		await expect(owner.page.locator(`[data-inbox="${dotted}"] .dot`)).toHaveCount(0);
		await expect(second.locator(`[data-inbox="${dotted}"] .dot`)).toHaveCount(0);
		await expect(second.locator('[data-inbox] .dot')).toHaveCount(0);
	} finally {
		await second.close();
	}
});

test('opening a conversation selects it, follows the URL and clears its unread count', async () => {
	const page = sue.page;
	const row = page.locator('[role="option"]').first();
	const id = (await row.getAttribute('data-id')) as ContactId;
	await row.click();
	await expect(page).toHaveURL(new RegExp(`/c/${id}$`));
	await expect(row).toHaveAttribute('aria-selected', 'true');
	await expect(row.locator('.unread-count')).toHaveCount(0);
	await expect(page.getByTestId('pane-name')).toHaveText(await row.locator('.name').innerText());
	// Keyboard: j moves the cursor, Enter opens.
	if ((await page.locator('[role="option"]').count()) > 1) {
		await page.locator('body').press('j');
		await page.keyboard.press('Enter');
		const second = page.locator('[role="option"]').nth(1);
		await expect(second).toHaveAttribute('aria-selected', 'true');
		await expect(page).toHaveURL(new RegExp(`/c/${await second.getAttribute('data-id')}$`));
	}
	await row.click();
});

test('live updates keep the scroll position and the selection (no jumping)', async () => {
	const page = owner.page;
	await openInbox(page, 'all');
	const list = page.locator('[role="listbox"]');
	const ids = await stateIds(page);
	expect(ids.length).toBeGreaterThan(60);
	const selected = ids[22] as ContactId;
	await list.evaluate((el) => (el.scrollTop = 20 * 56 + 10));
	await page.locator(`[role="option"][data-id="${selected}"]`).click();
	const topId = () => list.evaluate((el) => el.querySelector(`.slot[data-index="${Math.floor(el.scrollTop / 56)}"] [data-id]`)?.getAttribute('data-id'));
	const top = await topId();
	expect(top).toBe(ids[20]);
	// Two new messages move a row from above and a row from below the viewport to the top.
	const { contacts } = await serverTruth(server);
	const pick = (from: number, to: number) => ids.slice(from, to).find((id) => reachable(contacts.find((c) => c.id === id)!, contacts))!;
	for (const id of [pick(2, 18), pick(40, 60)]) {
		const c = contacts.find((x) => x.id === id)!;
		await receive(server, c, 'Any news?');
		await expect.poll(async () => (await stateIds(page))[0]).toBe(id);
	}
	expect(await topId()).toBe(top);
	await expect(page.locator(`[role="option"][data-id="${selected}"]`)).toHaveAttribute('aria-selected', 'true');
	await expect(page).toHaveURL(new RegExp(`/c/${selected}$`));
});

test('quick actions by one user appear live for another; a restricted user loses a conversation reassigned away', async () => {
	const page = owner.page;
	await openInbox(page, 'all');
	const { contacts } = await serverTruth(server);
	const id = (await sue.page.locator('[role="option"]').first().getAttribute('data-id')) as ContactId;
	expect(contacts.find((c) => c.id === id)?.status).toBe('open');
	const ownerRow = page.locator(`[role="option"][data-id="${id}"]`);
	const sueRow = sue.page.locator(`[role="option"][data-id="${id}"]`);
	await page.locator('[role="listbox"]').evaluate((el) => (el.scrollTop = 0));
	await expect(ownerRow).toBeVisible();

	// Close with the hover button (S4.7): Sue sees the Closed label live (S4.6).
	await ownerRow.hover();
	await ownerRow.getByRole('button', { name: 'Close' }).click();
	await expect(sueRow.locator('.status')).toHaveText('Closed');
	await expect(ownerRow.locator('.status')).toHaveText('Closed');

	// Reopen from the context menu.
	await ownerRow.click({ button: 'right' });
	await page.getByRole('menuitem', { name: 'Reopen' }).click();
	await expect(sueRow.locator('.status')).toHaveCount(0);

	// Snooze from the keyboard: s opens the menu on the cursor row, arrows and Enter pick.
	await ownerRow.click();
	await page.keyboard.press('s');
	await expect(page.getByRole('menu')).toBeVisible();
	await page.getByRole('menuitem', { name: /^Tomorrow/ }).click();
	await expect(sueRow.locator('.status')).toHaveText('Snoozed');

	// Assign to Tom from the keyboard: Sue (self-restricted) loses it, Tom (now assignee) gets it.
	await page.keyboard.press('a');
	await page.keyboard.type('Tom');
	await page.keyboard.press('Enter');
	await expect(sueRow).toHaveCount(0);
	await expect.poll(() => stateIds(sue.page)).not.toContain(id);
	await openInbox(tom.page, 'mine');
	await expect.poll(() => stateIds(tom.page)).toContain(id);
	await expect(ownerRow.locator('.assignee')).toHaveAttribute('title', 'Assigned to Tom Becker');
});

test('create a contact: errors per field, then the new conversation opens', async () => {
	const page = owner.page;
	await page.locator('body').press('n');
	const dialog = page.getByRole('dialog');
	await expect(dialog).toBeVisible();
	await dialog.locator('#nc-email').fill('not an email');
	await dialog.getByTestId('create-contact').click();
	await expect(dialog.locator('#nc-firstName-error')).toBeVisible();
	await expect(dialog.locator('#nc-email-error')).toBeVisible();
	await expect(dialog.locator('#nc-firstName')).toBeFocused();
	await dialog.locator('#nc-firstName').fill('Zelda');
	await dialog.locator('#nc-lastName').fill('Quinn');
	await dialog.locator('#nc-email').fill('zelda@example.com');
	await dialog.locator('#nc-teamId').selectOption({ label: 'Support' });
	await dialog.getByTestId('create-contact').click();
	await expect(dialog).toHaveCount(0);
	await expect(page).toHaveURL(/\/c\/[A-Za-z0-9_-]+$/);
	await expect(page.getByTestId('pane-name')).toHaveText('Zelda Quinn');
	const id = page.url().split('/c/')[1]!;
	await expect.poll(() => stateIds(page)).toContain(id);
});

test('the sync indicator shows the state and pending changes; offline shows a banner', async () => {
	const page = owner.page;
	await expect(page.getByTestId('sync')).toHaveAttribute('data-state', 'online');
	await owner.context.setOffline(true);
	await expect(page.getByTestId('sync')).toHaveAttribute('data-state', 'offline', { timeout: 20_000 });
	await expect(page.getByTestId('offline-banner')).toBeVisible();
	const row = page.locator('[role="option"]').first();
	const wasOpen = (await row.locator('.status').count()) === 0;
	await row.click();
	await page.keyboard.press(wasOpen ? 'e' : 'o');
	await expect(page.getByTestId('sync')).not.toHaveAttribute('data-unacked', '0');
	await owner.context.setOffline(false);
	await expect(page.getByTestId('sync')).toHaveAttribute('data-state', 'online', { timeout: 30_000 });
	await expect(page.getByTestId('sync')).toHaveAttribute('data-unacked', '0', { timeout: 30_000 });
	await expect(page.getByTestId('offline-banner')).toHaveCount(0);
});
