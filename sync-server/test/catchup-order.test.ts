// Issue 17: a first login over a slow link shows the right conversations first. WELCOME lists
// the documents in the order the client asks for them: the directory, the newest 50 contacts,
// then the user's own, then the others, each group newest activity first (the newest stored
// update).
import { afterEach, describe, expect, it } from 'vitest';
import { DIR_DOC_ID } from '../../src/lib/domain/ids';
import type { DocId } from '../../src/lib/domain/types';
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
});
