/**
 * Spotty connections (issue 17), through the chaos proxy of tests/chaos/proxy.ts on loopback
 * between the client and a real sync server seeded with the demo workspace (300 contacts):
 * - time to know a black-holed connection (socket open, no bytes) is dead (goal <= 10 s);
 * - time from the network back to every one of 10 actions queued offline acknowledged
 *   (goal <= 1 s);
 * - `/sync` first sync of the demo workspace at 50 KB/s and unthrottled, with and without
 *   permessage-deflate (threshold 1 KiB): the numbers behind `SYNC_COMPRESSION`
 *   (sync-server/src/upgrade.ts);
 * - first login in Chromium at 50 KB/s: time to the final top 20 rows on screen and the bytes
 *   transferred (static files and `/sync`; goal: half of the 1.92 MB measured before).
 * Each run is bounded: the slow-link runs stop after 120 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import WebSocket from 'ws';
import { contactDoc } from '../src/lib/doc';
import { newId } from '../src/lib/domain/ids';
import type { ContactId, EntryId, UserId } from '../src/lib/domain/types';
import { createMemoryStore } from '../src/lib/storage/memory';
import { AuthClient, memorySession } from '../src/lib/sync/auth';
import type { WebSocketCtor } from '../src/lib/sync/connection';
import { Replica } from '../src/lib/sync/replica';
import { startServer } from '../sync-server/src/server';
// What the server runs with, measured against the alternative in the compression bench.
import { SYNC_COMPRESSION as SYNC_COMPRESSION_CHOSEN, type SyncCompression } from '../sync-server/src/upgrade';
import { ChaosProxy } from '../tests/chaos/proxy';
import { ensureBuilt, signIn, type Debug } from './browser-setup';
import type { Benchmark, BenchContext, Figure } from './harness';
import { waitFor } from '../src/lib/test-utils/wait';

const root = fileURLToPath(new URL('..', import.meta.url));
const SLOW = 50 * 1024;

async function withServer<T>(ctx: BenchContext, compression: SyncCompression, fn: (s: Awaited<ReturnType<typeof startServer>>) => Promise<T>): Promise<T> {
	const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-network-'));
	const server = await startServer({
		host: '127.0.0.1',
		port: 0,
		dataDir,
		staticDir: join(root, 'build'),
		seed: { contacts: ctx.quick ? 100 : 300, seed: ctx.seed },
		syncCompression: compression,
		log: () => undefined
	});
	try {
		return await fn(server);
	} finally {
		await server.close();
		rmSync(dataDir, { recursive: true, force: true });
	}
}

/** A Node replica (memory store) signed in as the owner, its socket through `proxy`. */
async function replicaThrough(server: { url: string }, proxy: ChaosProxy) {
	const auth = new AuthClient({ baseUrl: server.url.replace(/\/$/, ''), storage: memorySession() });
	const login = await auth.login('owner@demo.test', 'parley-demo');
	if (!login.ok) throw new Error(login.message);
	const replica = new Replica({
		store: createMemoryStore(),
		connection: {
			url: (t) => `ws://127.0.0.1:${proxy.port}/sync?token=${encodeURIComponent(t)}`,
			WebSocket: WebSocket as unknown as WebSocketCtor,
			token: () => auth.token(),
			refreshToken: async () => 'network'
		}
	});
	await replica.open();
	return {
		replica,
		userId: login.session.user.id,
		close: async () => {
			await replica.close();
			auth.stop();
		}
	};
}

async function proxyTo(server: { port: number }, bytesPerSec?: number): Promise<ChaosProxy> {
	const proxy = new ChaosProxy({ target: { host: '127.0.0.1', port: server.port }, ...(bytesPerSec ? { bytesPerSec } : {}) });
	await proxy.start();
	return proxy;
}

async function liveness(ctx: BenchContext): Promise<Figure[]> {
	return withServer(ctx, false, async (server) => {
		const proxy = await proxyTo(server);
		const r = await replicaThrough(server, proxy);
		try {
			r.replica.start();
			await waitFor(() => r.replica.lastCatchUp !== null && r.replica.status.state === 'online', 60_000, 'first sync');
			// Black hole: the socket stays open, nothing moves.
			proxy.mode = 'blackhole';
			const t0 = Date.now();
			await waitFor(() => r.replica.status.state !== 'online', 60_000, 'the dead connection noticed');
			const detect = Date.now() - t0;
			ctx.log(`black hole noticed after ${detect} ms`);

			// 10 actions written offline, then the network comes back.
			r.replica.setNetworkAvailable(false);
			proxy.mode = 'pass';
			proxy.reset();
			const ids = [...r.replica.summaries.values()].slice(0, 10).map((s) => s.id as ContactId);
			for (const id of ids) {
				await r.replica.edit(id, (doc) =>
					contactDoc(doc).thread.append({ id: newId() as EntryId, kind: 'comment', text: 'queued offline', mentions: [], at: Date.now(), author: { type: 'user', id: r.userId as UserId } })
				);
			}
			const queued = r.replica.status.unacked;
			const t1 = Date.now();
			r.replica.setNetworkAvailable(true);
			await waitFor(() => r.replica.status.unacked === 0 && r.replica.pending.count === 0, 60_000, 'all acknowledged');
			const back = Date.now() - t1;
			return [
				{ figure: 'black-holed connection: time to know it is dead', value: detect, unit: 'ms', target: '<= 10000' },
				{ figure: `network back -> all of ${queued} queued actions acknowledged`, value: back, unit: 'ms', target: '<= 1000' }
			];
		} finally {
			await r.close();
			await proxy.close();
		}
	});
}

/** First `/sync` sync of the workspace through a proxy: time to the end of the catch-up, bytes down. */
async function syncFirst(ctx: BenchContext, compression: SyncCompression, bytesPerSec?: number): Promise<{ ms: number; bytes: number }> {
	return withServer(ctx, compression, async (server) => {
		const proxy = await proxyTo(server, bytesPerSec);
		const r = await replicaThrough(server, proxy);
		try {
			const t0 = Date.now();
			r.replica.start();
			await waitFor(() => r.replica.lastCatchUp !== null, 120_000, 'first sync');
			return { ms: Date.now() - t0, bytes: proxy.bytes.down + proxy.bytes.up };
		} finally {
			await r.close();
			await proxy.close();
		}
	});
}

/** Top `n` rows of the list as the page shows them. */
const topRows = (n: number) => `Array.from(document.querySelectorAll('[role="option"][data-id]')).slice(0, ${n}).map((e) => e.getAttribute('data-id')).join(',')`;

async function browserFirstLogin(ctx: BenchContext): Promise<Figure[]> {
	ensureBuilt(ctx);
	return withServer(ctx, SYNC_COMPRESSION_CHOSEN, async (server) => {
		const proxy = await proxyTo(server, SLOW);
		const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
		try {
			const context = await browser.newContext({ baseURL: proxy.url, viewport: { width: 1440, height: 900 } });
			await context.addInitScript(() => window.localStorage.setItem('parley.debug', '1'));
			const page = await context.newPage();
			// Watch the top 20 rows from the first paint on; `changes` records when they last changed.
			await context.addInitScript(`(() => {
				const w = window;
				w.__top = { value: '', at: 0 };
				const tick = () => { const v = ${topRows(20)}; if (v !== w.__top.value) w.__top = { value: v, at: performance.timeOrigin + performance.now() }; requestAnimationFrame(tick); };
				requestAnimationFrame(tick);
			})()`);
			const t0 = Date.now();
			await signIn(page, 'owner@demo.test');
			await page.waitForFunction(
				() => {
					const d = (window as unknown as Partial<Debug>).__parley;
					return d?.app.sync.state === 'online' && !d.app.sync.catchingUp && d.lastCatchUp() !== null;
				},
				null,
				{ timeout: 180_000, polling: 200 }
			);
			await page.waitForTimeout(500);
			const top = (await page.evaluate('window.__top')) as { value: string; at: number };
			const finalTop = (await page.evaluate(topRows(20))) as string;
			if (top.value !== finalTop) throw new Error('the top rows did not settle');
			const total = proxy.bytes.down + proxy.bytes.up;
			ctx.log(`first login at 50 KB/s: top 20 final after ${top.at - t0} ms, caught up after ${Date.now() - t0} ms, ${total} bytes`);
			await context.close();
			return [
				{ figure: 'first login at 50 KB/s (Chromium): login -> final top 20 rows on screen', value: top.at - t0, unit: 'ms' },
				{ figure: 'first login at 50 KB/s (Chromium): bytes transferred', value: total / 1e6, unit: 'MB', baseline: { label: 'before issue 17', value: 1.92 }, target: '<= 0.96' }
			];
		} finally {
			await browser.close();
			await proxy.close();
		}
	});
}

export const benchmarks: Benchmark[] = [
	{ name: 'network: liveness', run: liveness },
	{
		name: 'network: /sync compression',
		async run(ctx) {
			const deflate: SyncCompression = { threshold: 1024 };
			const figures: Figure[] = [];
			for (const [label, rate] of [
				['50 KB/s', SLOW],
				['unthrottled', undefined]
			] as const) {
				const off = await syncFirst(ctx, false, rate);
				const on = await syncFirst(ctx, deflate, rate);
				ctx.log(`${label}: off ${off.ms} ms ${off.bytes} B, deflate ${on.ms} ms ${on.bytes} B`);
				figures.push(
					{ figure: `/sync first sync, ${label}, permessage-deflate >= 1 KiB: time`, value: on.ms, unit: 'ms', baseline: { label: 'no compression', value: off.ms } },
					{ figure: `/sync first sync, ${label}, permessage-deflate >= 1 KiB: bytes`, value: on.bytes / 1e6, unit: 'MB', baseline: { label: 'no compression', value: off.bytes / 1e6 } }
				);
			}
			return figures;
		}
	},
	{ name: 'network: first login at 50 KB/s', run: browserFirstLogin }
];
