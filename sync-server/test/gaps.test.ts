// An update that builds on an earlier update of its client which the server does not have yet
// (refused over a rate and being resent, or simply sent later) is kept, as Yjs keeps pending
// structs, and stored and acked once the earlier one arrives: never refused and reset, which
// lost the later edit (found by the scale-out test under the per-connection rate). SPEC S9.5
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contactDoc } from '../../src/lib/doc';
import { asEntryId, asUserId } from '../../src/lib/domain/ids';
import type { DocId } from '../../src/lib/domain/types';
import { startTestServer, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';

describe('/sync: an update sent before the update it builds on', () => {
	let server: TestServer;
	const clients: SyncClient[] = [];
	beforeAll(async () => {
		server = await startTestServer({ seed: { contacts: 3, messagesPerContact: 1 } });
	});
	afterAll(async () => {
		for (const c of clients) c.close();
		await server.close();
	});

	it('is kept until the earlier one arrives, then both are stored and acked once each', async () => {
		const token = (await login(server.url, 'ana@demo.test')).accessToken;
		const ana = new SyncClient({ url: server.url, token });
		clients.push(ana);
		await ana.connect();
		const docId = [...ana.docs.keys()].find((d): d is DocId => d !== 'dir')!;
		// Two edits of one Yjs client, one after the other: the second's structs follow the first's.
		const writer = new Y.Doc();
		Y.applyUpdate(writer, Y.encodeStateAsUpdate(ana.doc(docId)));
		const edit = (id: string) => {
			const before = Y.encodeStateVector(writer);
			contactDoc(writer).thread.append({ id: asEntryId(id), kind: 'comment', at: Date.now(), author: { type: 'user', id: asUserId('u-ana') }, text: id, mentions: [] });
			return Y.encodeStateAsUpdate(writer, before);
		};
		const first = edit('gap-first');
		const second = edit('gap-second');
		ana.send({ type: 'update', docId, updateId: 'u-second', update: second });
		await ana.ping();
		ana.send({ type: 'update', docId, updateId: 'u-first', update: first });
		await waitFor(() => ana.traffic.acks.length >= 2 || ana.traffic.errors.length > 0, 10_000, 'both answered');
		expect(ana.traffic.errors).toEqual([]);
		expect(ana.traffic.acks.map((a) => a.updateId).sort()).toEqual(['u-first', 'u-second']);
		// Stored: a new client gets both.
		const fresh = new SyncClient({ url: server.url, token });
		clients.push(fresh);
		await fresh.connect();
		await waitFor(() => contactDoc(fresh.doc(docId)).thread.has(asEntryId('gap-second')), 10_000, 'the second edit stored');
		expect(contactDoc(fresh.doc(docId)).thread.has(asEntryId('gap-first'))).toBe(true);
	});
});
