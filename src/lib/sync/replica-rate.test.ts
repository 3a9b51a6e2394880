// Updates the server refuses as over its rate (ERROR rate_limited) are sent again on the same
// connection after a pause, until every one is stored: the unsynced count goes back to zero
// without a reconnect (SPEC S9.5). Real sync server on port 0 with a low update rate, Node `ws`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { applyUpdate, contactDoc, createDoc, storageOrigin } from '../doc';
import { contactDocId, newId } from '../domain/ids';
import type { EntryId } from '../domain/types';
import { createMemoryStore } from '../storage/memory';
import { startServer } from '../../../sync-server/src/server';
import { AuthClient, memorySession } from './auth';
import type { WebSocketCtor } from './connection';
import { Replica } from './replica';
import { waitFor } from '../test-utils/wait';

const RATE = 10;
let server: Awaited<ReturnType<typeof startServer>>;
let dataDir: string;

beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-replica-rate-'));
	server = await startServer({
		host: '127.0.0.1',
		port: 0,
		dataDir,
		staticDir: dataDir,
		seed: { contacts: 40 },
		limits: { updatesPerSecond: RATE, updatesBurst: RATE },
		log: () => undefined
	});
});

afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

describe('Replica and the server update rate', () => {
	it('resends rate-limited updates on the same connection until all are acknowledged', async () => {
		const base = server.url.replace(/\/$/, '');
		const auth = new AuthClient({ baseUrl: base, storage: memorySession() });
		const login = await auth.login('owner@demo.test', 'parley-demo');
		if (!login.ok) throw new Error(login.message);
		const replica = new Replica({
			store: createMemoryStore(),
			connection: {
				url: (t) => `${base.replace('http', 'ws')}/sync?token=${encodeURIComponent(t)}`,
				WebSocket: WebSocket as unknown as WebSocketCtor,
				token: () => auth.token(),
				refreshToken: () => auth.refresh()
			}
		});
		try {
			await replica.open();
			replica.start();
			await waitFor(() => replica.lastCatchUp !== null && replica.status.state === 'online', 20_000, 'caught up');
			const catchUp = replica.lastCatchUp;

			// One comment on each of 40 contacts at once: 40 frames, four times the burst.
			const ids = [...replica.summaries.values()].map((s) => s.id);
			expect(ids.length).toBe(40);
			const entries = new Map(ids.map((id) => [id, newId() as EntryId]));
			await Promise.all(
				ids.map((id) =>
					replica.edit(id, (doc) =>
						contactDoc(doc).thread.append({ id: entries.get(id)!, kind: 'comment', text: 'bulk note', mentions: [], at: Date.now(), author: { type: 'user', id: login.session.user.id } })
					)
				)
			);
			await waitFor(() => /too many updates/i.test(replica.status.lastError ?? ''), 20_000, 'the server refuses some as over its rate');
			await waitFor(() => replica.pending.count === 0, 20_000, 'every update acknowledged');
			// Same connection: no second catch-up happened.
			expect(replica.lastCatchUp).toBe(catchUp);
			for (const id of ids) {
				const doc = createDoc();
				applyUpdate(doc, (await server.rooms.snapshot(contactDocId(id))).update, storageOrigin());
				expect(contactDoc(doc).thread.has(entries.get(id)!), `comment on ${id} stored`).toBe(true);
			}
		} finally {
			await replica.close();
			auth.stop();
		}
	}, 40_000);
});
