// The replica against a REAL sync server (startServer on port 0) through Node's `ws`:
// catch-up, offline edits resent and acked once, delta reconnect, revocation, token refresh.
// SPEC S9.1, S9.2 (offline edits merge on reconnect), S9.5 (unacked count), S1.9 (revocation).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { contactDoc } from '../doc';
import { contactDocId, newId } from '../domain/ids';
import type { ContactId, EntryId } from '../domain/types';
import { createMemoryStore } from '../storage/memory';
import { startServer } from '../../../sync-server/src/server';
import { AuthClient, memorySession } from './auth';
import type { WebSocketCtor } from './connection';
import { Replica } from './replica';
import { waitFor } from '../test-utils/wait';

type Server = Awaited<ReturnType<typeof startServer>>;
let server: Server;
let dataDir: string;
let base: string;

async function client(email: string) {
	const auth = new AuthClient({ baseUrl: base, storage: memorySession() });
	const r = await auth.login(email, 'parley-demo');
	if (!r.ok) throw new Error(`login ${email}: ${r.message}`);
	const store = createMemoryStore();
	const replica = new Replica({
		store,
		connection: {
			url: (t) => `${base.replace('http', 'ws')}/sync?token=${encodeURIComponent(t)}`,
			WebSocket: WebSocket as unknown as WebSocketCtor,
			token: () => auth.token(),
			refreshToken: () => auth.refresh()
		}
	});
	await replica.open();
	replica.start();
	await waitFor(() => replica.lastCatchUp !== null && replica.status.state === 'online', 15_000, `${email} caught up`);
	const close = async () => {
		await replica.close();
		auth.stop();
	};
	return { auth, store, replica, user: r.session.user, close };
}

function threadOf(replica: Replica, id: ContactId): Promise<EntryId[]> {
	return replica.contact(id).then((doc) => contactDoc(doc).thread.ordered().map((e) => e.id));
}

beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-replica-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir: dataDir, seed: { contacts: 30 } });
	base = server.url.replace(/\/$/, '');
});

afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

describe('Replica against the sync server', () => {
	it('catches up fully on first connect, then only what changed', async () => {
		const ana = await client('ana@demo.test');
		expect(ana.replica.lastCatchUp?.full).toBe(true);
		expect(ana.replica.summaries.size).toBe(30);
		const owner = await client('owner@demo.test');
		const target = [...ana.replica.summaries.values()][0]!.id;

		// Ana goes away; the owner comments on one contact.
		ana.replica.setNetworkAvailable(false);
		await waitFor(() => ana.replica.status.state === 'offline', 15_000, 'ana offline');
		await owner.replica.edit(target, (doc) =>
			contactDoc(doc).thread.append({ id: newId() as EntryId, kind: 'comment', text: 'while you were away', mentions: [], at: Date.now(), author: { type: 'user', id: owner.user.id } })
		);
		await waitFor(() => owner.replica.status.unacked === 0, 15_000, 'owner acked');

		const before = ana.replica.lastCatchUp;
		ana.replica.setNetworkAvailable(true);
		await waitFor(() => ana.replica.lastCatchUp !== before && ana.replica.status.state === 'online', 15_000, 'ana caught up again');
		expect(ana.replica.lastCatchUp).toMatchObject({ full: false, changed: 1, synced: 1 });
		expect(ana.replica.summaries.get(target)?.updatedAt).toBeGreaterThan(0);
		await ana.close();
		await owner.close();
	});

	it('keeps offline edits pending, resends them on reconnect, and delivers each once', async () => {
		const ana = await client('ana@demo.test');
		const manager = await client('manager@demo.test');
		const [c1, c2] = [...ana.replica.summaries.values()].map((s) => s.id);
		ana.replica.setNetworkAvailable(false);
		await waitFor(() => ana.replica.status.state === 'offline', 15_000, 'offline');
		const ids: EntryId[] = [];
		for (const id of [c1!, c2!, c1!]) {
			const entryId = newId() as EntryId;
			ids.push(entryId);
			await ana.replica.edit(id, (doc) =>
				contactDoc(doc).thread.append({ id: entryId, kind: 'comment', text: `offline ${entryId}`, mentions: [], at: Date.now(), author: { type: 'user', id: ana.user.id } })
			);
		}
		expect(ana.replica.status.unacked).toBe(3);
		expect(await ana.store.countPending()).toBe(3);

		ana.replica.setNetworkAvailable(true);
		await waitFor(() => ana.replica.status.unacked === 0, 15_000, 'acked');
		expect(await ana.store.countPending()).toBe(0);
		await waitFor(async () => {
			const t1 = await threadOf(manager.replica, c1!);
			return t1.includes(ids[0]!) && t1.includes(ids[2]!);
		}, 15_000, 'manager has them');
		const t1 = await threadOf(manager.replica, c1!);
		expect(t1.filter((id) => ids.includes(id))).toHaveLength(2);
		expect(await threadOf(manager.replica, c2!)).toContain(ids[1]);
		await ana.close();
		await manager.close();
	});

	it('converges when two users edit one contact offline', async () => {
		const ana = await client('ana@demo.test');
		const owner = await client('owner@demo.test');
		const target = [...ana.replica.summaries.values()][3]!.id;
		for (const c of [ana, owner]) c.replica.setNetworkAvailable(false);
		const at = Date.now();
		for (const [c, n] of [[ana, 'a'], [owner, 'o']] as const) {
			for (let i = 0; i < 3; i++) {
				await c.replica.edit(target, (doc) =>
					contactDoc(doc).thread.append({ id: `${n}${i}${newId()}`.slice(0, 20) as EntryId, kind: 'comment', text: `${n}${i}`, mentions: [], at: at + i, author: { type: 'user', id: c.user.id } })
				);
			}
		}
		for (const c of [ana, owner]) c.replica.setNetworkAvailable(true);
		await waitFor(() => ana.replica.status.unacked === 0 && owner.replica.status.unacked === 0, 15_000, 'both acked');
		await waitFor(async () => {
			const [a, o] = await Promise.all([threadOf(ana.replica, target), threadOf(owner.replica, target)]);
			return a.length === o.length && a.join() === o.join();
		}, 15_000, 'same thread');
		await ana.close();
		await owner.close();
	});

	it('deletes a revoked contact from local storage', async () => {
		const sue = await client('sue@demo.test');
		const owner = await client('owner@demo.test');
		const mine = [...sue.replica.summaries.values()];
		expect(mine.length).toBeGreaterThan(0);
		const victim = mine[0]!.id;
		await owner.replica.edit(victim, (doc) => contactDoc(doc).assignment.set({ userId: null }));
		await waitFor(async () => sue.replica.summaries.get(victim) === undefined && !(await sue.store.listDocIds()).includes(contactDocId(victim)), 15_000, 'revoked');
		expect((await sue.store.loadSummaries()).some((s) => s.id === victim)).toBe(false);
		await sue.close();
		await owner.close();
	});

	it('refreshes the access token and reconnects with the new one', async () => {
		const ana = await client('ana@demo.test');
		const old = ana.auth.session!.refreshToken;
		expect(await ana.auth.refresh()).toBe('ok');
		expect(ana.auth.session!.refreshToken).not.toBe(old);
		const before = ana.replica.lastCatchUp;
		ana.replica.connection!.reconnect();
		await waitFor(() => ana.replica.lastCatchUp !== before && ana.replica.status.state === 'online', 15_000, 'reconnected');
		await ana.close();
	});
});
