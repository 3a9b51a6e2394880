/**
 * Scale-out benchmarks (issue "Scale-out on PostgreSQL and Redis"), beside the single-process
 * figures of the same run: fan-out of a 150-byte update to 100 subscribers spread over two server
 * instances (PostgreSQL storage, Redis fan-out) against the same on one SQLite server; acked
 * writes per second on PostgreSQL against SQLite under the same client load; catch-up of 50
 * changed documents out of 10k on PostgreSQL (`server.bench.ts`'s measure on another store). PostgreSQL and Redis come from PARLEY_PG_URL /
 * PARLEY_REDIS_URL, else they are started for the run (scripts/services-*.mjs) and stopped.
 *
 * The two "processes" of the fan-out figure are two server instances in the benchmark's Node
 * process, each with its own PostgreSQL pool and Redis connections, so that the single-process
 * figure (one server in the same Node process as its subscribers) is measured the same way:
 * the event travels A -> Redis -> B over real sockets.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { contactDoc } from '../src/lib/doc';
import type { DocId } from '../src/lib/domain/types';
import { encodeFrame, MSG_REMOTE_UPDATE, MSG_WELCOME, PROTOCOL_VERSION } from '../src/lib/protocol';
import { percentile, type Benchmark, type BenchContext, type Figure } from './harness';
import { catchupOn } from './server.bench';
import { PostgresStore } from '../sync-server/src/persistence/postgres';
import { SqliteStore } from '../sync-server/src/persistence/sqlite';
import { RedisFanout } from '../sync-server/src/fanout/redis';
import type { Store } from '../sync-server/src/persistence/store';
import { UNBUDGETED_USER_LIMITS } from '../sync-server/src/limits/user-budget';
import { freshDatabase, startServices } from '../sync-server/test/helpers/services';
import { startTestServer, tempDir, type TestServer } from '../sync-server/test/helpers/server';
import { SyncClient, login, waitFor } from '../sync-server/test/helpers/sync-client';

let services: ReturnType<typeof startServices> | null = null;

/** PostgreSQL and Redis for the run (stopped when the last scale-out benchmark ends). */
function ensureServices(): ReturnType<typeof startServices> {
	services ??= startServices();
	return services;
}

function openWs(url: string): Promise<WebSocket> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, { perMessageDeflate: false });
		ws.binaryType = 'nodebuffer';
		ws.once('open', () => resolve(ws));
		ws.once('error', reject);
	});
}

/** A bare /sync subscriber: HELLO at the head, then it only counts REMOTE_UPDATE frames. */
async function bareSubscriber(server: TestServer, token: string, onUpdate: () => void): Promise<WebSocket> {
	const ws = await openWs(`${server.url.replace('http', 'ws')}/sync?token=${token}`);
	const head = await server.store.headSeq();
	const welcomed = new Promise<void>((resolve) =>
		ws.on('message', (data: Buffer) => {
			if (data[0] === MSG_WELCOME) resolve();
			if (data[0] === MSG_REMOTE_UPDATE) onUpdate();
		})
	);
	ws.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: head, clientId: `b${Math.random().toString(36).slice(2, 10)}` }));
	await welcomed;
	return ws;
}

const LIMITS = { updatesPerSecond: 100_000 };
/** The per-user budgets (floods) are off: every client of a benchmark is one user. */
const BUDGETS = { userLimits: UNBUDGETED_USER_LIMITS };
const WARMUP = 20;

/** p50/p95 of one update from a sender on servers[0] reaching `subscribers` spread over `servers`. */
async function measureFanout(ctx: BenchContext, servers: TestServer[], subscribers: number, rounds: number): Promise<{ p50: number; p95: number; bytes: number }> {
	const { accessToken } = await login(servers[0]!.url, 'owner@demo.test');
	const docId = [...servers[0]!.visibility.contactDocIds()][0]!;
	let arrived = 0;
	let last = 0;
	const subs: WebSocket[] = [];
	for (let i = 0; i < subscribers; i++) {
		subs.push(
			await bareSubscriber(servers[i % servers.length]!, accessToken, () => {
				arrived++;
				last = performance.now();
			})
		);
	}
	const sender = new SyncClient({ url: servers[0]!.url, token: accessToken });
	await sender.connect();
	const local = new Y.Doc();
	Y.applyUpdate(local, Y.encodeStateAsUpdate(sender.doc(docId)));
	sender.close();
	const updates: Uint8Array[] = [];
	for (let r = 0; r < rounds + WARMUP; r++) {
		const sv = Y.encodeStateVector(local);
		contactDoc(local).profile.patch({ firstName: `First ${r}`.padEnd(14, 'f'), lastName: `Name ${r}`.padEnd(100, 'n') });
		updates.push(Y.encodeStateAsUpdate(local, sv));
	}
	const senderWs = await openWs(`${servers[0]!.url.replace('http', 'ws')}/sync?token=${accessToken}`);
	senderWs.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: await servers[0]!.store.headSeq(), clientId: 'sender' }));
	await new Promise<void>((r) => senderWs.once('message', () => r()));
	const times: number[] = [];
	for (let r = 0; r < rounds + WARMUP; r++) {
		arrived = 0;
		const t0 = performance.now();
		senderWs.send(encodeFrame({ type: 'update', docId, updateId: `f${r}`, update: updates[r]! }));
		await waitFor(() => arrived >= subscribers, 10_000, 'fan-out');
		if (r >= WARMUP) times.push(last - t0);
	}
	for (const ws of [...subs, senderWs]) ws.terminate();
	ctx.log(`fan-out over ${servers.length} server(s): ${subscribers} subscribers, ${rounds} rounds`);
	return { p50: percentile(times, 50), p95: percentile(times, 95), bytes: updates[0]!.length };
}

async function clusterFanout(ctx: BenchContext): Promise<Figure[]> {
	const svc = await ensureServices();
	const subscribers = ctx.quick ? 20 : 100;
	const rounds = ctx.quick ? 30 : 300;
	// Single process: SQLite, in-process fan-out (the default of `npm start`).
	const single = await startTestServer({ seed: { contacts: 5, messagesPerContact: 1 }, limits: LIMITS, ...BUDGETS, maintenanceEveryMs: 0 });
	let one: { p50: number; p95: number; bytes: number };
	try {
		one = await measureFanout(ctx, [single], subscribers, rounds);
	} finally {
		await single.destroy();
	}
	const db = await freshDatabase(svc.pgUrl);
	const servers: TestServer[] = [];
	try {
		const channel = `parley:bench:${randomUUID()}`;
		for (let i = 0; i < 2; i++) {
			const fanout = new RedisFanout({ url: svc.redisUrl, channel });
			await fanout.ready();
			servers.push(
				await startTestServer({
					store: new PostgresStore(db.url),
					fanout,
					seed: { contacts: 5, messagesPerContact: 1 },
					limits: LIMITS,
					...BUDGETS,
					maintenanceEveryMs: 0
				})
			);
		}
		const two = await measureFanout(ctx, servers, subscribers, rounds);
		return [
			{
				figure: `fan-out of one ${two.bytes}-byte update to ${subscribers} subscribers over 2 processes (PostgreSQL, Redis), p95`,
				value: two.p95,
				unit: 'ms',
				baseline: { label: 'one process, SQLite, p95', value: one.p95 },
				target: '<= 10 ms, ratio <= 2'
			},
			{ figure: 'fan-out over 2 processes, p50', value: two.p50, unit: 'ms', baseline: { label: 'one process, SQLite, p50', value: one.p50 } }
		];
	} finally {
		for (const s of servers) await s.destroy();
		await db.drop();
	}
}

/** Acked updates per second from `writers` clients keeping 4 updates in flight each for `ms`. */
async function ackedRate(store: Store, writers: number, ms: number): Promise<number> {
	const server = await startTestServer({ store, seed: { contacts: 20, messagesPerContact: 1 }, limits: LIMITS, ...BUDGETS, maintenanceEveryMs: 0 });
	try {
		const { accessToken } = await login(server.url, 'owner@demo.test');
		const clients = Array.from({ length: writers }, () => new SyncClient({ url: server.url, token: accessToken }));
		await Promise.all(clients.map((c) => c.connect()));
		const docs = [...server.visibility.contactDocIds()];
		let n = 0;
		let stop = false;
		const pump = setInterval(() => {
			if (stop) return;
			for (const [i, c] of clients.entries()) {
				while (c.pending.size < 4) {
					const d: DocId = docs[(i + n) % docs.length]!;
					const k = n++;
					c.edit(d, (y) => contactDoc(y).profile.patch({ lastName: `L${k}` }));
				}
			}
		}, 1);
		await new Promise((r) => setTimeout(r, 500));
		const before = clients.reduce((s, c) => s + c.traffic.acks.length, 0);
		const t0 = performance.now();
		await new Promise((r) => setTimeout(r, ms));
		const acks = clients.reduce((s, c) => s + c.traffic.acks.length, 0) - before;
		const elapsed = performance.now() - t0;
		stop = true;
		clearInterval(pump);
		for (const c of clients) c.close();
		return (acks / elapsed) * 1000;
	} finally {
		await server.destroy();
	}
}

async function writes(ctx: BenchContext): Promise<Figure[]> {
	const svc = await ensureServices();
	const ms = ctx.quick ? 1000 : 4000;
	const writers = 10;
	const dir = tempDir('parley-bench-writes-');
	const sqlite = await ackedRate(new SqliteStore(join(dir, 'parley.db')), writers, ms);
	const db = await freshDatabase(svc.pgUrl);
	try {
		const pgRate = await ackedRate(new PostgresStore(db.url), writers, ms);
		ctx.log(`acked writes: ${writers} clients, 4 updates in flight each, ${ms} ms`);
		return [{ figure: `acked writes per second, PostgreSQL (${writers} clients x 4 in flight)`, value: pgRate, unit: '/s', baseline: { label: 'SQLite, same load', value: sqlite } }];
	} finally {
		await db.drop();
	}
}

async function catchup(ctx: BenchContext): Promise<Figure[]> {
	const svc = await ensureServices();
	const db = await freshDatabase(svc.pgUrl);
	try {
		return await catchupOn(ctx, { store: new PostgresStore(db.url), label: 'PostgreSQL' });
	} finally {
		await db.drop();
		// The last scale-out benchmark: the services started for the run are stopped.
		const s = await services;
		services = null;
		await s?.stop();
	}
}

export const benchmarks: Benchmark[] = [
	{ name: 'scale-out fan-out', run: clusterFanout },
	{ name: 'scale-out acked writes', run: writes },
	{ name: 'scale-out catch-up', run: catchup }
];
