// The server is updated while a tab is open (SPEC S9.5): the tab's code speaks the old protocol,
// so the server refuses its next connection (close 4426). The tab stops retrying, says so in a
// banner with a Reload button instead of a plain "Offline", keeps what the agent writes meanwhile,
// and after the reload syncs it: another agent sees the comment.
// SPEC S9.5, S9.2, S6.1
import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../sync-server/src/server';
import { caughtUp, signIn, type Server } from './inbox-fixture';

const staticDir = fileURLToPath(new URL('../../build', import.meta.url));

let server: Server;
let dataDir: string;

test.beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-outdated-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir, seed: { contacts: 20 }, log: () => undefined });
});

test.afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

for (const [locale, text, reload] of [
	['en-US', /Parley was updated\. Reload to keep syncing/, 'Reload'],
	['fr-FR', /Parley a été mis à jour\. Rechargez/, 'Recharger']
] as const) {
	test(`a tab the server was updated past says so and reloads into sync, keeping what was written (${locale})`, async ({ browser }) => {
		const a = await signIn(browser, server, 'owner@demo.test', locale);
		const b = await signIn(browser, server, 'manager@demo.test');
		// The tab's sockets pass through a route (installed at a page load); once `updated`, it
		// refuses the tab's protocol as an updated server does.
		let updated = false;
		await a.page.routeWebSocket(/\/sync/, (ws) => {
			if (updated) void ws.close({ code: 4426, reason: 'protocol version 1; this server speaks 2' });
			else ws.connectToServer();
		});
		await a.page.reload();
		await caughtUp(a.page);
		updated = true;
		await a.context.setOffline(true);
		await expect(a.page.getByTestId('sync')).toHaveAttribute('data-state', 'offline');
		await a.context.setOffline(false);
		const banner = a.page.getByTestId('outdated-banner');
		await expect(banner).toContainText(text);
		await expect(a.page.getByTestId('offline-banner')).toHaveCount(0);
		await a.page.screenshot({ path: `test-results/screenshots/outdated-${locale}.png` });

		// Written while outdated: kept here.
		const row = a.page.locator('[role="option"][data-id]').first();
		const id = (await row.getAttribute('data-id'))!;
		await row.click();
		const note = `kept across the update ${locale} ${Date.now()}`;
		await a.page.getByTestId('comment-toggle').click();
		await a.page.getByTestId('composer').fill(note);
		await a.page.getByTestId('send').click();
		await expect(a.page.getByTestId('thread')).toContainText(note);
		await expect(a.page.getByTestId('sync')).not.toHaveAttribute('data-unacked', '0');

		// The reload fetches the new code, which the server accepts; the comment reaches the other agent.
		updated = false;
		await a.page.getByTestId('outdated-reload').getByText(reload).click();
		await caughtUp(a.page);
		await expect(banner).toHaveCount(0);
		await expect(a.page.getByTestId('sync')).toHaveAttribute('data-unacked', '0', { timeout: 20_000 });
		await b.page.locator(`[role="option"][data-id="${id}"]`).click();
		await expect(b.page.getByTestId('thread')).toContainText(note, { timeout: 20_000 });
		await a.context.close();
		await b.context.close();
	});
}
