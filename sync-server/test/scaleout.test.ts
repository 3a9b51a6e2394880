// SPEC S1.3, S1.4, S1.9; ARCHITECTURE "Server" (scale-out): two server processes (child
// processes, real sockets) on one PostgreSQL and one Redis serve one workspace. Agents on each
// edit one conversation at once and converge, every edit stored once; typing crosses processes;
// a restricted agent on B gets no byte of what she may not see, whatever A does, and a
// reassignment on A grants and revokes on B within a second; a process killed with SIGKILL
// mid-burst loses no acked update and its clients catch up by delta on the other; a Redis
// restart mid-burst loses nothing and delivers nothing twice.
import { MIGRATION_COUNT } from '../src/persistence/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import pg from 'pg';
import { ChunkAssembler, decodeServerFrame, decodeTransfer, type ServerMessage } from '../../src/lib/protocol';
import { contactDoc } from '../../src/lib/doc';
import * as actions from '../../src/lib/domain/actions';
import { asEntryId, asUserId, newId } from '../../src/lib/domain/ids';
import { api, startReceiver, type Receiver , writeOutgoing } from './channels-helpers';
import type { DocId } from '../../src/lib/domain/types';
import { isRunning, spawnServer, type ChildServer } from './helpers/child';
import { freshDatabase, useServices } from './helpers/services';
import { tempDir } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';
import { startRedis } from '../../scripts/services-redis.mjs';
import { writeAwareness } from '../src/channels/typing';
import { CLOSE_UNAUTHORIZED } from '../../src/lib/protocol/close';

const services = useServices();

function messagesOf(client: SyncClient): ServerMessage[] {
	const out: ServerMessage[] = [];
	const assembler = new ChunkAssembler();
	for (const { bytes } of client.traffic.frames) {
		const d = decodeServerFrame(bytes);
		if (!d.ok) continue;
		out.push(d.msg);
		if (d.msg.type === 'chunk') {
			const r = assembler.accept(d.msg);
			if (r.status === 'complete') {
				const inner = decodeTransfer(r.docId, r.bytes);
				if (inner.ok) out.push(inner.msg);
			}
		}
	}
	return out;
}

const comment = (id: string, author: string, text = id) => (y: Y.Doc) =>
	contactDoc(y).thread.append({ id: asEntryId(id), kind: 'comment', at: Date.now(), author: { type: 'user', id: author }, text, mentions: [] });

/** Stops the child servers still running (SIGTERM, then SIGKILL after 10 s). */
async function stopAll(children: ChildServer[]): Promise<void> {
	for (const child of children.filter(isRunning)) {
		child.process.kill('SIGTERM');
		await Promise.race([child.exited, new Promise((r) => setTimeout(r, 10_000))]);
		if (isRunning(child)) child.process.kill('SIGKILL');
	}
}

const contains = (hay: Uint8Array, needle: string) => Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).includes(needle);

describe('scale-out: two processes on one PostgreSQL and Redis', () => {
	let db: Awaited<ReturnType<typeof freshDatabase>>;
	let a: ChildServer;
	let b: ChildServer;
	const children: ChildServer[] = [];
	const clients: SyncClient[] = [];
	let sql: pg.Client;
	const dataDir = tempDir('parley-scaleout-');

	async function spawn(): Promise<ChildServer> {
		const child = await spawnServer({
			DATABASE_URL: db.url,
			REDIS_URL: services.current().redisUrl,
			DATA_DIR: dataDir,
			DEMO_CONTACTS: '24'
		});
		children.push(child);
		return child;
	}

	function client(server: ChildServer, token: string, recordFrames = false): SyncClient {
		const c = new SyncClient({ url: server.url, token, recordFrames });
		clients.push(c);
		return c;
	}

	beforeAll(async () => {
		db = await freshDatabase(services.current().pgUrl);
		// Started at once on an empty database: one migrates and seeds, the other waits.
		[a, b] = await Promise.all([spawn(), spawn()]);
		sql = new pg.Client(db.url);
		await sql.connect();
	}, 120_000);

	afterAll(async () => {
		for (const c of clients) c.close();
		await stopAll(children);
		await sql?.end();
		await db?.drop();
	}, 60_000);

	it('migrates and seeds once when both start at once', async () => {
		const migrations = await sql.query<{ n: string }>('SELECT COUNT(*) AS n FROM migrations');
		// Each migration ran once, though both processes started at once.
		expect(Number(migrations.rows[0]!.n)).toBe(MIGRATION_COUNT);
		const seeds = await sql.query<{ n: string; docs: string }>(
			"SELECT COUNT(*) AS n, COUNT(DISTINCT doc_id) AS docs FROM update_ids WHERE update_id = 'seed'"
		);
		expect(Number(seeds.rows[0]!.n)).toBe(25);
		expect(Number(seeds.rows[0]!.docs)).toBe(25);
		const meta = await sql.query("SELECT value FROM meta WHERE key = 'workspace.id'");
		expect(meta.rows).toHaveLength(1);
	});

	it('agents on each process edit one conversation at once and converge, each edit stored once; typing crosses', async () => {
		const owner = client(a, (await login(a.url, 'owner@demo.test')).accessToken);
		const ana = client(b, (await login(b.url, 'ana@demo.test')).accessToken, true);
		await Promise.all([owner.connect(), ana.connect()]);
		const docId = [...owner.docs.keys()].find((d) => d !== 'dir' && ana.docs.has(d))!;
		expect(docId).toBeDefined();
		const ids: string[] = [];
		for (let i = 0; i < 25; i++) {
			ids.push(owner.edit(docId, comment(`a-${i}`, 'u-olivia'))!);
			ids.push(ana.edit(docId, comment(`b-${i}`, 'u-ana'))!);
			if (i % 5 === 0) {
				ids.push(owner.edit(docId, (y) => contactDoc(y).drafts.edit('reply', (t) => t.insert(0, `a${i} `)))!);
				ids.push(ana.edit(docId, (y) => contactDoc(y).drafts.edit('reply', (t) => t.insert(0, `b${i} `)))!);
			}
			if (i === 10) ids.push(owner.edit(docId, (y) => contactDoc(y).assignment.set({ userId: asUserId('u-ana'), teamId: null }))!);
			if (i % 3 === 0) await new Promise((r) => setImmediate(r));
		}
		owner.send({ type: 'awareness', docId, update: writeAwareness(4242, 1, { user: { kind: 'user', id: 'u-olivia', name: 'Olivia' }, typing: { composer: 'reply', at: Date.now() } }) });
		await waitFor(() => owner.pending.size === 0 && ana.pending.size === 0, 30_000, 'every edit acked').catch((err: unknown) => {
			const errors = [owner, ana].flatMap((c) => c.traffic.errors.map((e) => `${e.code}: ${e.message}`));
			throw new Error(`${String(err)}; pending ${owner.pending.size}/${ana.pending.size}; errors ${JSON.stringify(errors.slice(0, 5))}\nA: ${a.stderr().slice(-1500)}\nB: ${b.stderr().split("\n").filter((l) => !l.includes("needs changes")).join("\n").slice(-3000)}`);
		});
		const same = () => Buffer.from(Y.encodeStateVector(owner.doc(docId))).equals(Buffer.from(Y.encodeStateVector(ana.doc(docId))));
		await waitFor(same, 10_000, 'both replicas converge');
		const thread = (c: SyncClient) => contactDoc(c.doc(docId)).thread.entries().map((e) => e.id).sort();
		expect(thread(owner)).toEqual(thread(ana));
		for (let i = 0; i < 25; i++) expect(thread(ana)).toContain(`a-${i}`);
		expect(contactDoc(ana.doc(docId)).drafts.text('reply').toString()).toBe(contactDoc(owner.doc(docId)).drafts.text('reply').toString());
		expect(contactDoc(ana.doc(docId)).assignment.get().userId).toBe('u-ana');
		// The server's state (a fresh replica from each process) equals the writers'.
		for (const server of [a, b]) {
			const fresh = client(server, (await login(server.url, 'owner@demo.test')).accessToken);
			await fresh.connect();
			await waitFor(() => fresh.docs.has(docId) && thread(fresh).length === thread(owner).length, 10_000, 'fresh replica');
			expect(thread(fresh)).toEqual(thread(owner));
			expect(Buffer.from(Y.encodeStateVector(fresh.doc(docId))).equals(Buffer.from(Y.encodeStateVector(owner.doc(docId))))).toBe(true);
			fresh.close();
		}
		// Every edit stored once.
		const stored = await sql.query<{ n: string }>('SELECT COUNT(*) AS n FROM update_ids WHERE doc_id = $1 AND update_id = ANY($2)', [docId, ids]);
		expect(Number(stored.rows[0]!.n)).toBe(ids.length);
		// Typing on A reached Ana on B.
		await waitFor(() => messagesOf(ana).some((m) => m.type === 'awareness' && m.docId === docId), 10_000, 'typing crosses processes');
	});

	it('sends a restricted agent on B nothing of what she may not see; a reassignment on A grants and revokes on B within 1 s', async () => {
		const owner = client(a, (await login(a.url, 'owner@demo.test')).accessToken);
		const sue = client(b, (await login(b.url, 'sue@demo.test')).accessToken, true);
		await Promise.all([owner.connect(), sue.connect()]);
		const hidden = [...owner.docs.keys()].filter((d) => d !== 'dir' && !sue.docs.has(d));
		expect(hidden.length).toBeGreaterThan(5);
		const texts: string[] = [];
		for (const [i, d] of hidden.entries()) {
			const text = `hidden-secret-${i}-${Math.random().toString(36).slice(2)}`;
			texts.push(text);
			owner.edit(d, comment(`h-${i}`, 'u-olivia', text));
			owner.send({ type: 'awareness', docId: d, update: writeAwareness(5000, i + 1, { user: { kind: 'user', id: 'u-olivia', name: 'Olivia' }, typing: { composer: 'reply', at: Date.now() } }) });
		}
		await waitFor(() => owner.pending.size === 0, 20_000, 'acks');
		await sue.ping();
		const check = (from: number, docs: DocId[], words: string[]) => {
			for (const [i, { bytes }] of sue.traffic.frames.slice(from).entries()) {
				for (const d of docs) if (contains(bytes, d.slice(2))) throw new Error(`frame ${from + i} names hidden ${d}`);
				for (const t of words) if (contains(bytes, t)) throw new Error(`frame ${from + i} holds hidden text`);
			}
		};
		check(0, hidden, texts);

		const target = hidden[0]!;
		const t0 = Date.now();
		owner.edit(target, (y) => contactDoc(y).assignment.set({ userId: asUserId('u-sue'), teamId: null }));
		await waitFor(() => sue.traffic.grants.includes(target), 1000, 'grant on B');
		expect(Date.now() - t0).toBeLessThan(1000);
		await waitFor(() => sue.docs.has(target) && contactDoc(sue.doc(target)).assignment.get().userId === 'u-sue', 5000, 'granted contact synced');
		const t1 = Date.now();
		owner.edit(target, (y) => contactDoc(y).assignment.set({ userId: null, teamId: null }));
		await waitFor(() => sue.traffic.revokes.some((r) => r.docId === target), 1000, 'revoke on B');
		expect(Date.now() - t1).toBeLessThan(1000);
		const afterRevoke = sue.traffic.frames.length;
		const late = `after-revoke-${Math.random().toString(36).slice(2)}`;
		owner.edit(target, comment('late', 'u-olivia', late));
		await waitFor(() => owner.pending.size === 0, 10_000, 'acks');
		await sue.ping();
		check(afterRevoke, [target], [late]);
		check(0, hidden.slice(1), texts.slice(1));
	});

	it('a logout on A closes the same session socket on B within 1 s (4401); a password change on A closes the user sockets on B', async () => {
		// SPEC S1.9 across processes: each process closes its own sockets of an ended session.
		const post = (server: ChildServer, path: string, token: string, body: unknown, method = 'POST') =>
			fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
		const phone = await login(a.url, 'lucas@demo.test');
		const laptop = await login(b.url, 'lucas@demo.test');
		const onA = client(a, phone.accessToken);
		const onB = client(b, phone.accessToken);
		const otherSession = client(b, laptop.accessToken);
		await Promise.all([onA.connect(), onB.connect(), otherSession.connect()]);
		const t0 = performance.now();
		expect((await post(a, '/api/auth/logout', phone.accessToken, { refreshToken: phone.refreshToken })).status).toBe(204);
		await waitFor(() => onB.traffic.closes.length > 0, 5_000, 'the session socket on B closed');
		expect(performance.now() - t0).toBeLessThan(1000);
		expect(onB.traffic.closes[0]!.code).toBe(CLOSE_UNAUTHORIZED);
		await waitFor(() => onA.traffic.closes.length > 0, 5_000, 'the session socket on A closed');
		expect(onA.traffic.closes[0]!.code).toBe(CLOSE_UNAUTHORIZED);
		// The user's other session is untouched.
		await otherSession.ping();
		expect(otherSession.connected).toBe(true);

		// A password change (a token-version bump, not in the directory document) on A.
		const owner = await login(a.url, 'owner@demo.test');
		const t1 = performance.now();
		expect((await post(a, '/api/directory/users/u-lucas', owner.accessToken, { password: 'another-password-1' }, 'PATCH')).status).toBe(200);
		await waitFor(() => otherSession.traffic.closes.length > 0, 5_000, 'the user socket on B closed');
		expect(performance.now() - t1).toBeLessThan(1000);
		expect(otherSession.traffic.closes[0]!.code).toBe(CLOSE_UNAUTHORIZED);
	});

	it('loses no acked update when a process is killed mid-burst; its clients catch up by delta on the other', async () => {
		const c = await spawn();
		const token = (await login(c.url, 'owner@demo.test')).accessToken;
		const onC = client(c, token);
		const onB = client(b, (await login(b.url, 'owner@demo.test')).accessToken);
		await Promise.all([onC.connect(), onB.connect()]);
		const docs = [...onC.docs.keys()].filter((d) => d !== 'dir').slice(0, 4);
		const entryOf = new Map<string, string>();
		let n = 0;
		const pump = setInterval(() => {
			while (onC.connected && onC.pending.size < 4) {
				const entry = `k-${n++}`;
				entryOf.set(onC.edit(docs[n % docs.length]!, comment(entry, 'u-olivia'))!, entry);
			}
		}, 1);
		await waitFor(() => onC.traffic.acks.length >= 40, 30_000, 'acks before the kill');
		c.process.kill('SIGKILL');
		await c.exited;
		clearInterval(pump);
		await waitFor(() => !onC.connected, 10_000, 'socket closed');
		const acked = onC.traffic.acks.map((x) => ({ docId: x.docId, entry: entryOf.get(x.updateId)! }));
		expect(acked.length).toBeGreaterThanOrEqual(40);
		// Stored: in PostgreSQL, read through the other process by a fresh replica.
		const checker = client(b, token);
		await checker.connect();
		const missing = acked.filter((x) => !contactDoc(checker.doc(x.docId)).thread.has(asEntryId(x.entry)));
		expect(missing).toEqual([]);
		// The live replica on B got every acked update too (live, or fetched when its event was lost).
		await waitFor(() => acked.every((x) => contactDoc(onB.doc(x.docId)).thread.has(asEntryId(x.entry))), 10_000, 'B replica complete');
		// The killed process's client comes back on B with its lastSeq: a delta, not a full sync.
		const back = new SyncClient({ url: b.url, token, lastSeq: onC.lastSeq });
		clients.push(back);
		for (const [d, ydoc] of onC.docs) Y.applyUpdate(back.doc(d), Y.encodeStateAsUpdate(ydoc));
		await back.connect();
		expect(back.traffic.welcomes[0]!.full).toBe(false);
		for (const x of acked) expect(contactDoc(back.doc(x.docId)).thread.has(asEntryId(x.entry))).toBe(true);
	});
});

describe('scale-out: once-per-workspace work with three processes', () => {
	let db: Awaited<ReturnType<typeof freshDatabase>>;
	const children: ChildServer[] = [];
	const clients: SyncClient[] = [];
	const dataDir = tempDir('parley-scaleout3-');
	let receiver: Receiver;

	beforeAll(async () => {
		db = await freshDatabase(services.current().pgUrl);
		receiver = await startReceiver();
		const env = { DATABASE_URL: db.url, REDIS_URL: services.current().redisUrl, DATA_DIR: dataDir, DEMO_CONTACTS: '12', ALLOW_LOOPBACK_CHANNELS: '1' };
		children.push(...(await Promise.all([spawnServer(env), spawnServer(env), spawnServer(env)])));
	}, 120_000);

	afterAll(async () => {
		for (const c of clients) c.close();
		await stopAll(children);
		await receiver?.close();
		await db?.drop();
	}, 60_000);

	const alive = () => children.filter(isRunning);
	const LEASE_LINE = 'holds the lease of the scheduled work';
	/** The process holding the scheduler lease: the last of the living to have logged taking it. */
	async function holder(): Promise<ChildServer> {
		let found: ChildServer | undefined;
		await waitFor(() => (found = alive().find((c) => c.stderr().includes(LEASE_LINE))) !== undefined, 15_000, 'a lease holder');
		return found!;
	}

	const woken = (c: SyncClient, d: DocId) => contactDoc(c.doc(d)).thread.ordered().filter((e) => e.kind === 'event' && e.type === 'woken').length;

	it('wakes a snoozed contact once, and still once after the lease holder is killed', async () => {
		const [first, second] = children as [ChildServer, ChildServer];
		const token = (await login(first.url, 'owner@demo.test')).accessToken;
		const agent = new SyncClient({ url: first.url, token });
		const watcher = new SyncClient({ url: second.url, token });
		clients.push(agent, watcher);
		await Promise.all([agent.connect(), watcher.connect()]);
		const open = [...agent.docs.keys()].filter((d) => {
			if (d === 'dir') return false;
			const c = contactDoc(agent.doc(d));
			return !c.profile.get().blocked && c.state.get().status === 'open';
		});
		expect(open.length).toBeGreaterThanOrEqual(2);
		const snoozeNow = (d: DocId, ms: number) =>
			agent.edit(d, (y) => {
				const c = contactDoc(y);
				const r = actions.snooze(c.state.get(), false, Date.now() + ms, Date.now());
				if (actions.isActionError(r)) throw new Error(r.message);
				c.applyAction(r, { type: 'user', id: 'u-olivia' }, Date.now(), newId);
			});
		const [d1, d2] = open as [DocId, DocId];
		snoozeNow(d1, 1500);
		await waitFor(() => agent.pending.size === 0, 10_000, 'snooze acked');
		await waitFor(() => contactDoc(watcher.doc(d1)).state.get().status === 'snoozed', 10_000, 'snooze seen on another process');
		await waitFor(() => contactDoc(watcher.doc(d1)).state.get().status === 'open', 20_000, 'first wake');
		// Three processes know the snooze; one woke it.
		await new Promise((r) => setTimeout(r, 500));
		expect(woken(watcher, d1)).toBe(1);

		snoozeNow(d2, 2500);
		await waitFor(() => agent.pending.size === 0, 10_000, 'snooze acked');
		const h = await holder();
		h.process.kill('SIGKILL');
		await h.exited;
		const w = alive().find((c) => c !== h)!;
		const check = new SyncClient({ url: w.url, token });
		clients.push(check);
		await check.connect();
		await waitFor(() => woken(check, d2) > 0 || contactDoc(check.doc(d2)).state.get().status === 'snoozed', 10_000, 'snooze stored');
		await waitFor(() => contactDoc(check.doc(d2)).state.get().status === 'open', 30_000, 'wake after the holder was killed');
		await new Promise((r) => setTimeout(r, 500));
		expect(woken(check, d2)).toBe(1);
	});

	it('dispatches an outgoing channel message once with three processes', async () => {
		const living = alive();
		const token = (await login(living[0]!.url, 'owner@demo.test')).accessToken;
		const ch = await api(living[0]!.url, token, 'POST', '/api/directory/channels', { name: 'Hook', kind: 'webhook', url: receiver.url });
		expect(ch.status).toBe(201);
		const agent = new SyncClient({ url: living[living.length - 1]!.url, token });
		clients.push(agent);
		await agent.connect();
		const docId = [...agent.docs.keys()].find((d) => d !== 'dir' && !contactDoc(agent.doc(d)).profile.get().blocked)!;
		const ids: string[] = [];
		for (let i = 0; i < 5; i++) ids.push(writeOutgoing(agent, docId, ch.json.id as string, { type: 'text', text: `out-${i}` }));
		await waitFor(() => ids.every((id) => receiver.processed.has(id)), 30_000, 'every message dispatched');
		await new Promise((r) => setTimeout(r, 1500));
		for (const id of ids) expect(receiver.requests.filter((r) => r.headers['idempotency-key'] === id)).toHaveLength(1);
	});
});

describe('scale-out: a Redis restart mid-burst', () => {
	let db: Awaited<ReturnType<typeof freshDatabase>>;
	let redis: Awaited<ReturnType<typeof startRedis>>;
	const children: ChildServer[] = [];
	const clients: SyncClient[] = [];
	const dataDir = tempDir('parley-scaleout-redis-');

	beforeAll(async () => {
		db = await freshDatabase(services.current().pgUrl);
		redis = await startRedis();
		const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, DATA_DIR: dataDir, DEMO_CONTACTS: '8' };
		children.push(...(await Promise.all([spawnServer(env), spawnServer(env)])));
	}, 120_000);

	afterAll(async () => {
		for (const c of clients) c.close();
		await stopAll(children);
		await redis?.stop();
		await db?.drop();
	}, 60_000);

	it('loses nothing and delivers nothing twice', async () => {
		const [a, b] = children as [ChildServer, ChildServer];
		const token = (await login(a.url, 'owner@demo.test')).accessToken;
		const onA = new SyncClient({ url: a.url, token });
		const onB = new SyncClient({ url: b.url, token });
		clients.push(onA, onB);
		await Promise.all([onA.connect(), onB.connect()]);
		const docs = [...onA.docs.keys()].filter((d) => d !== 'dir').slice(0, 4);
		const entries = new Map<SyncClient, Map<string, { docId: DocId; entry: string }>>([
			[onA, new Map()],
			[onB, new Map()]
		]);
		let n = 0;
		const pump = setInterval(() => {
			for (const [c, map] of entries) {
				while (c.connected && c.pending.size < 3 && n < 400) {
					const docId = docs[n % docs.length]!;
					const entry = `r-${n++}`;
					map.set(c.edit(docId, comment(entry, 'u-olivia'))!, { docId, entry });
				}
			}
		}, 2);
		await waitFor(() => onA.traffic.acks.length + onB.traffic.acks.length >= 60, 30_000, 'acks before the restart');
		const port = redis.port;
		await redis.stop();
		await new Promise((r) => setTimeout(r, 300));
		redis = await startRedis(port);
		await waitFor(() => n >= 400, 60_000, 'the burst to finish');
		clearInterval(pump);
		await waitFor(() => onA.pending.size === 0 && onB.pending.size === 0, 30_000, 'every edit acked');
		const acked = [...entries].flatMap(([c, map]) => c.traffic.acks.map((x) => map.get(x.updateId)!));
		// A refusal names itself (the errors each client was sent) when an edit goes unacked.
		expect(acked, `errors: ${JSON.stringify([...onA.traffic.errors, ...onB.traffic.errors]).slice(0, 2000)}`).toHaveLength(400);
		// Each replica gets every edit of the other process (live, or from the store after the restart).
		for (const c of [onA, onB]) {
			await waitFor(() => acked.every((x) => contactDoc(c.doc(x.docId)).thread.has(asEntryId(x.entry))), 20_000, 'replica complete');
		}
		// Nothing delivered twice: each number reached each client once at most.
		for (const c of [onA, onB]) {
			const seqs = c.traffic.remoteUpdates.map((u) => u.seq);
			expect(seqs.length).toBe(new Set(seqs).size);
		}
		expect(a.stderr() + b.stderr()).toContain('redis link back');
	});
});

describe('scale-out: the first-run setup with two processes', () => {
	let db: Awaited<ReturnType<typeof freshDatabase>>;
	const children: ChildServer[] = [];

	beforeAll(async () => {
		db = await freshDatabase(services.current().pgUrl);
		const env = { DATABASE_URL: db.url, REDIS_URL: services.current().redisUrl, DATA_DIR: tempDir('parley-scaleout-setup-'), PARLEY_DEMO: '0' };
		children.push(...(await Promise.all([spawnServer(env), spawnServer(env)])));
	}, 120_000);

	afterAll(async () => {
		await stopAll(children);
		await db?.drop();
	}, 60_000);

	// SPEC S1.3 (a workspace has one first owner, whichever process the setup requests reach)
	it('two people setting the workspace up at once through different processes: one owner, the other told to sign in', async () => {
		const setup = (url: string, who: string) =>
			fetch(`${url}/api/setup`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ workspaceName: `Acme ${who}`, name: who, email: `${who}@example.com`, password: `${who}-password-1` })
			}).then(async (r) => ({ status: r.status, json: (await r.json()) as { error?: { code: string } } }));
		const [first, second] = await Promise.all([setup(children[0]!.url, 'eve'), setup(children[1]!.url, 'mallory')]);
		expect([first.status, second.status].sort()).toEqual([201, 409]);
		expect([first, second].find((r) => r.status === 409)!.json.error?.code).toBe('already_set_up');
		const sql = new pg.Client(db.url);
		await sql.connect();
		try {
			const users = await sql.query<{ email: string }>('SELECT email FROM users');
			expect(users.rows).toHaveLength(1);
		} finally {
			await sql.end();
		}
	});
});
