/**
 * Outbox dispatch with several processes: a lease can change hands while a POST is under way,
 * and a paused process can believe it still holds it. Two outboxes on one store that both think
 * they hold the lease are that moment made permanent; each message must still be POSTed once.
 * The scale-out test (scaleout.test.ts) saw a second POST of one message under CI load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Channel, DocId } from '../../src/lib/domain/types';
import { Outbox } from '../src/channels/outbox';
import { SqliteStore } from '../src/persistence/sqlite';
import type { Rooms } from '../src/rooms';
import { startReceiver, type Receiver } from './channels-helpers';
import { waitFor } from './helpers/sync-client';

describe('outbox: two processes that both believe they hold the lease', () => {
	let dir = '';
	let store: SqliteStore | null = null;
	let receiver: Receiver | null = null;
	const outboxes: Outbox[] = [];

	afterEach(async () => {
		await Promise.all(outboxes.splice(0).map((o) => o.close()));
		await receiver?.close();
		store?.close();
		if (dir) rmSync(dir, { recursive: true, force: true });
	});

	// SPEC S5.7 (an outgoing message reaches the channel once)
	it('POST each message once, however the dispatch of the two interleaves', async () => {
		dir = mkdtempSync(join(tmpdir(), 'parley-claim-'));
		store = new SqliteStore(join(dir, 'parley.db'));
		await store.migrate();
		const r = await startReceiver();
		receiver = r;
		const channel: Channel = { id: 'ch-hook', name: 'Hook', kind: 'webhook', url: r.url } as Channel;
		await store.setChannelSecret(channel.id, 'secret');
		// Status writes go to a document nobody reads here; the outbox's contract is the POSTs.
		const rooms = { applyServerChange: async (_d: DocId, fn: (y: Y.Doc) => void) => fn(new Y.Doc()) } as unknown as Rooms;
		const deps = { store, rooms, clock: Date.now, log: () => {}, channel: (id: string) => (id === channel.id ? channel : undefined), lease: { held: true } };
		const ids = Array.from({ length: 20 }, (_, i) => `e${i}`);
		const now = Date.now();
		for (const id of ids) {
			await store.enqueueOutbox({
				docId: 'c/a' as DocId,
				entryId: id,
				channelId: channel.id,
				payload: JSON.stringify({ entryId: id }),
				state: 'pending',
				attempts: 0,
				nextAt: now,
				lastError: null,
				createdAt: now,
				updatedAt: now
			});
		}
		for (let i = 0; i < 2; i++) outboxes.push(new Outbox(deps, { allowPrivate: true, concurrency: 4 }));
		for (const o of outboxes) o.start();
		await waitFor(() => ids.every((id) => r.processed.has(id)), 15_000, 'every message POSTed');
		await new Promise((res) => setTimeout(res, 1500));
		for (const id of ids) expect(r.requests.filter((q) => q.headers['idempotency-key'] === id), id).toHaveLength(1);
	});
});
