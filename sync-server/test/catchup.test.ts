// Delta catch-up (ARCHITECTURE "The sync protocol"; SPEC S9.2): a client offline while 50 of
// 2,000 documents change syncs exactly those 50 on reconnect, and its own offline edits are
// stored and relayed.
import { afterEach, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { asEntryId } from '../../src/lib/domain/ids';
import type { DocId } from '../../src/lib/domain/types';
import { SyncClient, login, waitFor } from './helpers/sync-client';
import { startTestServer, type TestServer } from './helpers/server';

// Comments are authored by the token's user: the server refuses any other author.
const comment = (id: string, text: string, author = 'u-olivia') => ({
	id: asEntryId(id),
	kind: 'comment' as const,
	at: Date.now(),
	author: { type: 'user' as const, id: author },
	text,
	mentions: []
});

describe('delta catch-up', () => {
	let server: TestServer | undefined;
	const clients: SyncClient[] = [];
	afterEach(async () => {
		for (const c of clients.splice(0)) c.close();
		await server?.destroy();
	});

	it('syncs exactly the 50 documents changed while offline, and sends the offline edits', async () => {
		server = await startTestServer({ seed: { contacts: 2000, messagesPerContact: 1 } });
		const owner = await login(server.url, 'owner@demo.test');
		const manager = await login(server.url, 'manager@demo.test');
		const a = new SyncClient({ url: server.url, token: owner.accessToken });
		const b = new SyncClient({ url: server.url, token: manager.accessToken });
		clients.push(a, b);
		await a.connect(60_000);
		expect(a.traffic.welcomes[0]!.full).toBe(true);
		expect(a.docs.size).toBe(2001);
		expect(a.traffic.step2[0]!.length).toBe(2001);
		a.close();
		await waitFor(() => !a.connected);

		await b.connect(60_000);
		const contacts = [...server.visibility.contactDocIds()].sort();
		const changed = contacts.slice(0, 50);
		const offline = contacts.slice(100, 103);
		for (const d of changed) b.edit(d, (y) => contactDoc(y).thread.append(comment(`e-b-${d.slice(2)}`, 'while a was away', 'u-marc')));
		await waitFor(() => b.pending.size === 0, 30_000, 'b acked');
		const aOffline = offline.map((d) => a.edit(d, (y) => contactDoc(y).thread.append(comment(`e-a-${d.slice(2)}`, 'offline edit')))!);

		await a.connect(30_000);
		const welcome = a.traffic.welcomes[1]!;
		expect(welcome.full).toBe(false);
		expect([...welcome.changed].sort()).toEqual(changed);
		expect(welcome.revoked).toEqual([]);
		expect([...a.traffic.step2[1]!].sort()).toEqual(changed);
		for (const d of changed) expect(contactDoc(a.doc(d)).thread.has(asEntryId(`e-b-${d.slice(2)}`))).toBe(true);

		// The offline edits are acked (stored) and relayed to the other client.
		await waitFor(() => aOffline.every((id) => a.isAcked(id)), 10_000, 'offline edits acked');
		await waitFor(
			() => offline.every((d: DocId) => contactDoc(b.doc(d)).thread.has(asEntryId(`e-a-${d.slice(2)}`))),
			10_000,
			'offline edits relayed'
		);
	});
});
