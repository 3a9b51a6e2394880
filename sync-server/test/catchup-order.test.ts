// Issue 17: a first login over a slow link shows the right conversations first. WELCOME lists
// the documents in the order the client asks for them: the directory, the newest 50 contacts,
// then the user's own, then the others, each group newest activity first (the newest stored
// update).
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { summarize } from '../../src/lib/doc';
import { DIR_DOC_ID, parseDocId } from '../../src/lib/domain/ids';
import { sortContacts } from '../../src/lib/domain/list';
import type { ContactSummary, DocId } from '../../src/lib/domain/types';
import { SyncClient, login } from './helpers/sync-client';
import { startTestServer, type TestServer } from './helpers/server';

describe('catch-up order', () => {
	let server: TestServer | undefined;
	const clients: SyncClient[] = [];
	afterEach(async () => {
		for (const c of clients.splice(0)) c.close();
		await server?.destroy();
	});

	it('lists the directory, then my contacts, then the others, newest first', async () => {
		server = await startTestServer({ seed: { contacts: 200, messagesPerContact: 2 } });
		const me = server.visibility.directory.users.find((u) => u.email === 'owner@demo.test')!;
		const a = new SyncClient({ url: server.url, token: (await login(server.url, 'owner@demo.test')).accessToken });
		clients.push(a);
		await a.connect(60_000);
		const changed = a.traffic.welcomes[0]!.changed;
		expect(changed[0]).toBe(DIR_DOC_ID);
		const seq = new Map((await server.store.changedSince(0)).map((c) => [c.docId, c.seq]));
		const mine = (d: DocId) => server!.visibility.accessOf(d)?.assigneeId === me.id;
		const byActivity = (ids: DocId[]) => [...ids].sort((x, y) => (seq.get(y) ?? 0) - (seq.get(x) ?? 0));
		const contacts = changed.slice(1);
		// The newest page first, as the default list (newest first) shows it.
		expect(contacts.slice(0, 50)).toEqual(byActivity(contacts).slice(0, 50));
		const rest = contacts.slice(50);
		const firstOther = rest.findIndex((d) => !mine(d));
		expect(firstOther).toBeGreaterThan(0);
		expect(rest.slice(firstOther).some(mine), 'my contacts come before the others').toBe(false);
		for (const group of [contacts.slice(0, 50), rest.slice(0, firstOther), rest.slice(firstOther)]) {
			const seqs = group.map((d) => seq.get(d) ?? 0);
			expect(seqs, 'newest activity first').toEqual([...seqs].sort((x, y) => y - x));
		}
	});

	// SPEC S4.2: the demo workspace is stored as if written over time (the conversation topping
	// Newest last), so a fresh login to it gets the rows that top its list in the first page, in
	// list order (a conversation woken from snooze at start is stored again: it may come earlier).
	it('sends a fresh login to the demo its top conversations in the first page, in list order', async () => {
		server = await startTestServer({ seed: { contacts: 120 } });
		const a = new SyncClient({ url: server.url, token: (await login(server.url, 'owner@demo.test')).accessToken });
		clients.push(a);
		await a.connect(60_000);
		const changed = a.traffic.welcomes[0]!.changed;
		const summaries: ContactSummary[] = [];
		const seededOnly = new Set<DocId>();
		for (const d of changed.slice(1)) {
			const ydoc = new Y.Doc();
			Y.applyUpdate(ydoc, (await server.rooms.snapshot(d)).update);
			const parsed = parseDocId(d);
			if (parsed?.kind === 'contact') summaries.push(summarize(parsed.contactId, ydoc));
			ydoc.destroy();
			if ((await server.store.loadDoc(d))?.updates.length === 1) seededOnly.add(d);
		}
		expect(summaries).toHaveLength(120);
		const top = sortContacts(summaries, 'newest')
			.slice(0, 20)
			.map((c) => `c/${c.id}` as DocId);
		const firstPage = changed.slice(1, 51);
		expect(top.filter((d) => !firstPage.includes(d)), 'top rows outside the first page').toEqual([]);
		expect(firstPage.filter((d) => top.includes(d) && seededOnly.has(d))).toEqual(top.filter((d) => seededOnly.has(d)));
	});
});
