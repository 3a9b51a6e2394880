// ARCHITECTURE "Limits": per connection at most 50 updates/s and 10 awareness messages/s of at
// most 2 KiB (token buckets, limits/constants.ts), a cap on documents open at once; each breach
// answered with its error or close code. A flood from one connection is throttled (or cut) and
// the other clients do not notice: their ping round trips stay low and they receive no more than
// the rate lets through.
import { afterEach, describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { contactDoc } from '../../src/lib/doc';
import { PROTOCOL_VERSION, decodeServerFrame, encodeFrame, type ClientMessage, type ServerMessage } from '../../src/lib/protocol';
import { asUserId } from '../../src/lib/domain/ids';
import type { DocId } from '../../src/lib/domain/types';
import { AWARENESS_BURST, AWARENESS_PER_SEC, MAX_AWARENESS_BYTES, REFUSAL_REPLY_WINDOW_MS, UPDATES_BURST, UPDATES_PER_SEC } from '../src/limits/constants';
import { writeAwareness } from '../src/channels/typing';
import { startTestServer, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';
import { YjsSocket, yjsSyncFrame } from './helpers/trust';
import WebSocket from 'ws';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from '../../src/lib/domain/ids';
import type { EntryId } from '../../src/lib/domain/types';
import { CLOSE_RATE_LIMITED } from '../../src/lib/protocol/close';
import {
	MAX_CONNECTIONS_PER_USER,
	USER_DOC_SYNCS_BURST,
	USER_DOC_SYNCS_PER_SEC,
	USER_FULL_SYNCS_BURST,
	USER_FULL_SYNCS_PER_MIN,
	USER_UPDATE_BYTES_BURST,
	USER_UPDATE_BYTES_PER_SEC
} from '../src/limits/constants';

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(xs.length * 0.99) - 1)] ?? 0;

/** Pings `client` every 10 ms until `stop` resolves; returns the round trips. */
async function pingDuring(client: SyncClient, stop: Promise<unknown>): Promise<number[]> {
	let done = false;
	void stop.finally(() => (done = true));
	const rtts: number[] = [];
	while (!done) {
		rtts.push(await client.ping(5000));
		await new Promise((r) => setTimeout(r, 10));
	}
	return rtts;
}

/**
 * Another user's round trips measured by a raw socket that decodes only its pongs: in this
 * process the server and the clients share one event loop, and a client applying the flood's
 * relayed updates would measure itself rather than the server.
 */
async function rawPingDuring(url: string, token: string, lastSeq: number, stop: Promise<unknown>): Promise<number[]> {
	const w = new WebSocket(`${url.replace('http', 'ws')}/sync?token=${encodeURIComponent(token)}`);
	const waiting = new Map<number, () => void>();
	w.on('message', (data: Buffer) => {
		// PONG frames are a few bytes; anything larger is the flood's traffic, not decoded.
		if (data.length > 16) return;
		const d = decodeServerFrame(new Uint8Array(data));
		if (d.ok && d.msg.type === 'pong') waiting.get(d.msg.nonce)?.();
	});
	await new Promise((r) => w.once('open', r));
	w.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq, clientId: `pinger-${Math.floor(Math.random() * 1e9)}` }));
	let done = false;
	void stop.finally(() => (done = true));
	const rtts: number[] = [];
	for (let nonce = 1; !done; nonce++) {
		const t0 = performance.now();
		await new Promise<void>((resolve) => {
			waiting.set(nonce, resolve);
			w.send(encodeFrame({ type: 'ping', nonce }));
		});
		waiting.delete(nonce);
		rtts.push(performance.now() - t0);
		await new Promise((r) => setTimeout(r, 10));
	}
	w.terminate();
	return rtts;
}

describe('floods from one connection', () => {
	let server: TestServer | undefined;
	const clients: SyncClient[] = [];
	afterEach(async () => {
		for (const c of clients.splice(0)) c.close();
		await server?.destroy();
	});

	async function setup(limits?: Parameters<typeof startTestServer>[0]) {
		server = await startTestServer(limits);
		const s = server;
		const [ana, owner, manager] = await Promise.all(['ana', 'owner', 'manager'].map((u) => login(s.url, `${u}@demo.test`)));
		const flooder = new SyncClient({ url: s.url, token: ana!.accessToken });
		const observer = new SyncClient({ url: s.url, token: owner!.accessToken, recordFrames: true });
		const bystander = new SyncClient({ url: s.url, token: manager!.accessToken });
		clients.push(flooder, observer, bystander);
		await Promise.all([flooder.connect(), observer.connect(), bystander.connect()]);
		const docId = [...s.visibility.contactDocIds()][0]!;
		return { s, flooder, observer, bystander, docId, anaToken: ana!.accessToken };
	}

	const awarenessFrames = (c: SyncClient, docId: DocId, from = 0) =>
		c.traffic.frames.slice(from).filter(({ bytes }) => {
			const d = decodeServerFrame(bytes);
			return d.ok && d.msg.type === 'awareness' && d.msg.docId === docId;
		}).length;

	it('throttles an awareness flood to its rate; others are unaffected; an oversized one closes (1009)', async () => {
		const { flooder, observer, bystander, docId } = await setup();
		const from = observer.traffic.frames.length;
		const t0 = performance.now();
		const flood = (async () => {
			for (let i = 1; i <= 2000; i++) {
				flooder.send({ type: 'awareness', docId, update: writeAwareness(42, i, { user: { kind: 'user', id: 'u-ana', name: 'Ana' }, typing: { composer: 'reply', at: i } }) });
				if (i % 100 === 0) await new Promise((r) => setImmediate(r));
			}
			await flooder.ping();
		})();
		const rtts = await pingDuring(bystander, flood);
		await observer.ping();
		const elapsed = (performance.now() - t0) / 1000;
		const relayed = awarenessFrames(observer, docId, from);
		const allowed = AWARENESS_BURST + AWARENESS_PER_SEC * elapsed + 1;
		console.log(`awareness flood: 2000 sent in ${elapsed.toFixed(2)} s, ${relayed} relayed (at most ${allowed.toFixed(0)}), bystander p99 ${p99(rtts).toFixed(1)} ms`);
		expect(relayed).toBeGreaterThan(0);
		expect(relayed).toBeLessThanOrEqual(allowed);
		expect(p99(rtts)).toBeLessThan(250);
		expect(flooder.connected).toBe(true);

		// One awareness message past 2 KiB: ERROR too_large and close 1009, only that connection.
		const big = writeAwareness(43, 1, { user: { kind: 'user', id: 'u-ana', name: 'x'.repeat(MAX_AWARENESS_BYTES) }, typing: null });
		flooder.send({ type: 'awareness', docId, update: big });
		await waitFor(() => flooder.traffic.closes.length > 0, 2000, 'close');
		expect(flooder.traffic.closes[0]!.code).toBe(1009);
		expect(flooder.traffic.errors.at(-1)?.code).toBe('too_large');
		expect(observer.connected && bystander.connected).toBe(true);
	});

	it('throttles an update flood with ERROR rate_limited; others are unaffected; /yjs is cut (1008)', async () => {
		const { s, flooder, observer, bystander, docId, anaToken } = await setup();
		await waitFor(() => flooder.docs.has(docId), 5000, 'doc');
		const base = Y.encodeStateAsUpdate(flooder.doc(docId));
		// Independent updates (each from its own replica), so none depends on one that was dropped.
		const updates = Array.from({ length: 600 }, (_, i) => {
			const r = new Y.Doc();
			Y.applyUpdate(r, base);
			const before = Y.encodeStateVector(r);
			contactDoc(r).reads.markRead(asUserId('u-ana'), Date.now() - 1000 + i);
			const u = Y.encodeStateAsUpdate(r, before);
			r.destroy();
			return u;
		});
		const relayedBefore = observer.traffic.remoteUpdates.length;
		const t0 = performance.now();
		const flood = (async () => {
			for (const [i, update] of updates.entries()) {
				flooder.send({ type: 'update', docId, updateId: `flood-${i}`, update });
				// The flooder shares this process with the server and the bystander: let them breathe.
				if (i % 25 === 24) await new Promise((r) => setImmediate(r));
			}
			await flooder.ping();
			// Writes run one at a time per user: wait until every stored update was acked and relayed.
			const ackedNow = () => flooder.traffic.acks.filter((a) => a.updateId.startsWith('flood-')).length;
			await waitFor(() => ackedNow() > 0 && observer.traffic.remoteUpdates.length - relayedBefore === ackedNow(), 20_000, 'writes done');
		})();
		const rtts = await pingDuring(bystander, flood);
		const elapsed = (performance.now() - t0) / 1000;
		const acked = flooder.traffic.acks.filter((a) => a.updateId.startsWith('flood-')).length;
		const limited = flooder.traffic.errors.filter((e) => e.code === 'rate_limited').length;
		const allowed = UPDATES_BURST + UPDATES_PER_SEC * elapsed + 1;
		const relayed = observer.traffic.remoteUpdates.length - relayedBefore;
		console.log(`update flood: 600 sent in ${elapsed.toFixed(2)} s, ${acked} stored, ${limited} rate_limited, ${relayed} relayed (at most ${allowed.toFixed(0)}), bystander p99 ${p99(rtts).toFixed(1)} ms`);
		// One refusal is answered per window; the rest are dropped without a reply (issue 15.6).
		expect(limited).toBeGreaterThan(0);
		expect(limited).toBeLessThanOrEqual(Math.ceil(elapsed / (REFUSAL_REPLY_WINDOW_MS / 1000)) + 1);
		expect(acked).toBeLessThanOrEqual(allowed);
		expect(relayed).toBeLessThanOrEqual(acked);
		expect(p99(rtts)).toBeLessThan(250);
		expect(flooder.connected).toBe(true);

		// Over /yjs there is no error message: the flood is cut with 1008.
		const y = await YjsSocket.open(s.url, docId, anaToken);
		for (const update of updates) y.send(yjsSyncFrame(2, update));
		const closed = await y.closed;
		expect(closed.code).toBe(1008);
		expect(closed.reason).toMatch(/too many updates/);
		expect(bystander.connected && observer.connected).toBe(true);
	});

	it('queues documents past the open-documents cap (catch-up still completes) and refuses past the queue', async () => {
		// Two documents in flight at most, 1,000 bytes waiting: a catch-up of 21 documents (1-byte
		// state vectors) queues and completes; a burst of large state vectors is refused.
		const { s, flooder } = await setup({ limits: { maxOpenDocs: 2, maxQueuedBytes: 1000 } });
		expect(flooder.docs.size).toBe([...s.visibility.contactDocIds()].length + 1);
		const enc = encoding.createEncoder();
		encoding.writeVarUint(enc, 60);
		for (let i = 0; i < 60; i++) {
			encoding.writeVarUint(enc, 1_000_000 + i);
			encoding.writeVarUint(enc, 1);
		}
		const bigSv = encoding.toUint8Array(enc);
		const docs = [...s.visibility.contactDocIds()].slice(0, 16);
		for (const docId of docs) flooder.send({ type: 'sync', docId, step: 'step1', stateVector: bigSv });
		await waitFor(() => flooder.traffic.errors.some((e) => e.code === 'rate_limited'), 5000, 'rate_limited');
		await flooder.ping();
		const refused = flooder.traffic.errors.filter((e) => e.code === 'rate_limited');
		console.log(`open-documents cap: ${refused.length} of ${docs.length} step 1s refused (2 in flight, ${bigSv.length} bytes each, 1000 queued at most)`);
		expect(refused.every((e) => e.docId !== undefined && /documents may be open/.test(e.message))).toBe(true);
		expect(flooder.connected).toBe(true);
	});
});

// Issue 15.6: floods from one authenticated agent over several sockets. Per-user budgets
// (limits/constants.ts) bound what all of a user's connections together may cost: sockets, update
// bytes per second, full syncs per minute, bytes per day. Each flood below is bounded in count
// and time; during each, another user's ping p99 stays under 250 ms.
describe('floods from one user over many sockets (issue 15.6)', () => {
	let server: TestServer | undefined;
	const closers: Array<{ close(): void }> = [];
	afterEach(async () => {
		for (const c of closers.splice(0)) c.close();
		await server?.destroy();
		server = undefined;
	});

	async function setup(opts: Parameters<typeof startTestServer>[0] = {}) {
		server = await startTestServer(opts);
		const s = server;
		const [ana, manager] = await Promise.all(['ana', 'manager'].map((u) => login(s.url, `${u}@demo.test`)));
		const bystander = new SyncClient({ url: s.url, token: manager!.accessToken });
		closers.push(bystander);
		await bystander.connect();
		bystander.close();
		// Another user (the manager) measures the round trips, on a raw socket that resumes from here.
		const pingDuring = (stop: Promise<unknown>) => rawPingDuring(s.url, manager!.accessToken, bystander.lastSeq, stop);
		return { s, bystander, pingDuring, anaToken: ana!.accessToken, managerToken: manager!.accessToken };
	}

	async function flooderOn(s: TestServer, token: string, lastSeq = 0): Promise<SyncClient> {
		const c = new SyncClient({ url: s.url, token, lastSeq });
		closers.push(c);
		await c.connect();
		return c;
	}

	/** A raw /sync socket resuming from `lastSeq`: keeps the small messages it gets, counts the rest. */
	async function rawSocket(s: TestServer, token: string, lastSeq: number) {
		const w = new WebSocket(`${s.url.replace('http', 'ws')}/sync?token=${encodeURIComponent(token)}`);
		closers.push({ close: () => w.terminate() });
		const small: ServerMessage[] = [];
		w.on('message', (data: Buffer) => {
			if (data.length > 1024) return;
			const d = decodeServerFrame(new Uint8Array(data));
			if (d.ok) small.push(d.msg);
		});
		await new Promise((r) => w.once('open', r));
		w.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq, clientId: `raw-${Math.floor(Math.random() * 1e9)}` }));
		await waitFor(() => small.some((m) => m.type === 'catchup-done'), 10_000, 'catch-up');
		let nonce = 0;
		return {
			send: (msg: ClientMessage) => w.send(encodeFrame(msg)),
			small,
			/** Resolves once the server answered a PING sent after everything before it: it has read every earlier frame. */
			async drained() {
				const n = ++nonce;
				w.send(encodeFrame({ type: 'ping', nonce: n }));
				await waitFor(() => small.some((m) => m.type === 'pong' && m.nonce === n), 20_000, 'pong');
			}
		};
	}

	/** A valid update of about `kib` KiB on `docId`: comments of 60,000 characters by Ana. */
	function bigUpdate(base: Uint8Array, kib: number): Uint8Array {
		const r = new Y.Doc();
		Y.applyUpdate(r, base);
		const before = Y.encodeStateVector(r);
		r.transact(() => {
			for (let k = 0; k * 60 < kib; k++) {
				contactDoc(r).thread.append({ id: newId() as EntryId, kind: 'comment', text: `${k}`.padEnd(60_000, 'x'), mentions: [], at: Date.now(), author: { type: 'user', id: asUserId('u-ana') } });
			}
		});
		const u = Y.encodeStateAsUpdate(r, before);
		r.destroy();
		return u;
	}

	const dbBytes = (s: TestServer) => ['parley.db', 'parley.db-wal'].reduce((n, f) => n + (() => { try { return statSync(join(s.dataDir, f)).size; } catch { return 0; } })(), 0);

	it('eight sockets of ~180 KiB valid updates: stored bytes bounded by the user budget, others unaffected', async () => {
		const { s, pingDuring, anaToken } = await setup();
		// One full catch-up, then eight raw sockets that resume from it (full syncs have their own
		// budget) and decode only small frames (acks, errors), not the relayed flood.
		const first = await flooderOn(s, anaToken);
		first.close();
		const floods = await Promise.all(Array.from({ length: 8 }, () => rawSocket(s, anaToken, first.lastSeq)));
		const docs = [...s.visibility.contactDocIds()].filter((d) => s.visibility.canSee(asUserId('u-ana'), d)).slice(0, 8);
		const bases = await Promise.all(docs.map(async (d) => Y.encodeStateAsUpdate(first.doc(d))));
		const perSocket = 12;
		const updates = floods.map((_, i) => Array.from({ length: perSocket }, () => bigUpdate(bases[i]!, 180)));
		const size = updates[0]![0]!.length;
		const dbBefore = dbBytes(s);
		const t0 = performance.now();
		const flood = (async () => {
			for (let k = 0; k < perSocket; k++) {
				for (const [i, f] of floods.entries()) f.send({ type: 'update', docId: docs[i]!, updateId: `big-${i}-${k}`, update: updates[i]![k]! });
				await new Promise((r) => setImmediate(r));
			}
			// Every frame read (a PING after them answered), then every write they queued done.
			await Promise.all(floods.map((f) => f.drained()));
			await waitFor(() => s.budgets.writesWaiting === 0 && s.rooms.inflightCount === 0, 20_000, 'writes done');
		})();
		const rtts = await pingDuring(flood);
		const elapsed = (performance.now() - t0) / 1000;
		const stored = floods.reduce((n, f) => n + f.small.filter((m) => m.type === 'ack').length, 0);
		const replies = floods.reduce((n, f) => n + f.small.filter((m) => m.type === 'error' && m.code === 'rate_limited').length, 0);
		const allowedBytes = USER_UPDATE_BYTES_BURST + USER_UPDATE_BYTES_PER_SEC * elapsed + size;
		const grew = dbBytes(s) - dbBefore;
		console.log(`big-update flood: ${8 * perSocket} x ${(size / 1024).toFixed(0)} KiB over 8 sockets in ${elapsed.toFixed(2)} s, ${stored} stored (${((stored * size) / 1024).toFixed(0)} KiB, at most ${(allowedBytes / 1024).toFixed(0)} KiB), ${replies} rate_limited replies, database +${(grew / 1024).toFixed(0)} KiB, bystander p99 ${p99(rtts).toFixed(1)} ms`);
		expect(stored).toBeGreaterThan(0);
		expect(stored * size).toBeLessThanOrEqual(allowedBytes);
		expect(replies).toBeLessThanOrEqual(8 * (Math.ceil(elapsed / (REFUSAL_REPLY_WINDOW_MS / 1000)) + 1));
		expect(p99(rtts)).toBeLessThan(250);
	});

	it('one socket of tiny updates gets one refusal per window, not one per frame', async () => {
		const { s, pingDuring, anaToken } = await setup();
		const flooder = await flooderOn(s, anaToken);
		const docId = [...s.visibility.contactDocIds()].find((d) => s.visibility.canSee(asUserId('u-ana'), d))!;
		const base = Y.encodeStateAsUpdate(flooder.doc(docId));
		const tiny = Array.from({ length: 200 }, (_, i) => {
			const r = new Y.Doc();
			Y.applyUpdate(r, base);
			const before = Y.encodeStateVector(r);
			contactDoc(r).reads.markRead(asUserId('u-ana'), Date.now() - 1000 + i);
			const u = Y.encodeStateAsUpdate(r, before);
			r.destroy();
			return u;
		});
		const frames = 20_000;
		const t0 = performance.now();
		const flood = (async () => {
			for (let i = 0; i < frames; i++) {
				flooder.send({ type: 'update', docId, updateId: `tiny-${i}`, update: tiny[i % tiny.length]! });
				if (i % 200 === 199) await new Promise((r) => setImmediate(r));
			}
			// Every frame read (a PING after them answered), then every write they queued done.
			await flooder.ping(20_000);
			await waitFor(() => s.budgets.writesWaiting === 0 && s.rooms.inflightCount === 0, 20_000, 'writes done');
		})();
		const rtts = await pingDuring(flood);
		const elapsed = (performance.now() - t0) / 1000;
		const replies = flooder.traffic.errors.filter((e) => e.code === 'rate_limited').length;
		console.log(`tiny-update flood: ${frames} frames in ${elapsed.toFixed(2)} s, ${flooder.traffic.acks.length} acked, ${replies} rate_limited replies, bystander p99 ${p99(rtts).toFixed(1)} ms`);
		expect(replies).toBeGreaterThan(0);
		expect(replies).toBeLessThanOrEqual(Math.ceil(elapsed / (REFUSAL_REPLY_WINDOW_MS / 1000)) + 1);
		expect(p99(rtts)).toBeLessThan(250);
		expect(flooder.connected).toBe(true);
	});

	it('four sockets asking for a full sync in a loop: a few per minute are served, the rest closed 4429', async () => {
		const { s, pingDuring, anaToken } = await setup({ seed: { contacts: 150, messagesPerContact: 2 } });
		const served = { full: 0, refused: 0 };
		const wsUrl = `${s.url.replace('http', 'ws')}/sync?token=${encodeURIComponent(anaToken)}`;
		/** A raw socket that asks for a full sync and every document in it, reading only the WELCOME. */
		const fullSync = () =>
			new Promise<void>((resolve, reject) => {
				const w = new WebSocket(wsUrl);
				let frames = 0;
				let expected = Infinity;
				w.on('error', reject);
				w.on('open', () => w.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 0, clientId: `raw-${Math.floor(Math.random() * 1e9)}` })));
				w.on('message', (data: Buffer) => {
					if (frames++ === 0) {
						const d = decodeServerFrame(new Uint8Array(data));
						if (d.ok && d.msg.type === 'welcome') {
							served.full++;
							expected = 1 + 2 * d.msg.changed.length;
							for (const docId of d.msg.changed) w.send(encodeFrame({ type: 'sync', docId, step: 'step1', stateVector: new Uint8Array([0]) }));
						}
					}
					if (frames >= expected) w.close();
				});
				w.on('close', (code) => {
					if (code === CLOSE_RATE_LIMITED) served.refused++;
					resolve();
				});
			});
		const loop = async (rounds: number) => {
			for (let i = 0; i < rounds; i++) await fullSync();
		};
		const t0 = performance.now();
		const rtts = await pingDuring(Promise.all([loop(10), loop(10), loop(10), loop(10)]));
		const elapsed = (performance.now() - t0) / 1000;
		console.log(`full-sync flood: 40 asked over 4 sockets in ${elapsed.toFixed(2)} s, ${served.full} served, ${served.refused} refused, bystander p99 ${p99(rtts).toFixed(1)} ms`);
		expect(served.full).toBeLessThanOrEqual(USER_FULL_SYNCS_BURST + Math.ceil((elapsed * USER_FULL_SYNCS_PER_MIN) / 60));
		expect(served.refused).toBeGreaterThan(0);
		expect(p99(rtts)).toBeLessThan(250);
	});

	it('four sockets asking for every document again and again on open connections: throttled, others unaffected', async () => {
		const { s, pingDuring, anaToken } = await setup({ seed: { contacts: 150, messagesPerContact: 2 } });
		const first = await flooderOn(s, anaToken);
		const docs = [...first.docs.keys()];
		// Raw sockets that read nothing they are sent (a flooder spends nothing on the answers).
		const floods = await Promise.all(
			Array.from({ length: 4 }, async () => {
				const w = new WebSocket(`${s.url.replace('http', 'ws')}/sync?token=${encodeURIComponent(anaToken)}`);
				closers.push({ close: () => w.terminate() });
				const seen = { frames: 0 };
				w.on('message', () => seen.frames++);
				await new Promise((res) => w.once('open', res));
				w.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: first.lastSeq, clientId: `raw-${Math.floor(Math.random() * 1e9)}` }));
				await waitFor(() => seen.frames >= 1, 10_000, 'welcome');
				return { w, seen };
			})
		);
		const start = floods.map((f) => f.seen.frames);
		const rounds = 6;
		const asked = floods.length * rounds * docs.length;
		// Each step 1 is answered with two frames (step 2 and the server's step 1).
		const answered = () => floods.reduce((n, f, i) => n + (f.seen.frames - start[i]!), 0) / 2;
		const t0 = performance.now();
		const flood = (async () => {
			for (let r = 0; r < rounds; r++) {
				for (const f of floods) for (const docId of docs) f.w.send(encodeFrame({ type: 'sync', docId, step: 'step1', stateVector: new Uint8Array([0]) }));
				await new Promise((res) => setImmediate(res));
			}
			await waitFor(() => answered() >= asked, 30_000, 'every document answered');
		})();
		const rtts = await pingDuring(flood);
		const elapsed = (performance.now() - t0) / 1000;
		console.log(`document-sync flood: ${asked} step 1s over 4 sockets answered in ${elapsed.toFixed(2)} s (at most ${USER_DOC_SYNCS_BURST} + ${USER_DOC_SYNCS_PER_SEC}/s), bystander p99 ${p99(rtts).toFixed(1)} ms`);
		// Throttled, not refused: every one is answered, no faster than the budget allows.
		expect(elapsed).toBeGreaterThanOrEqual((asked - USER_DOC_SYNCS_BURST) / USER_DOC_SYNCS_PER_SEC - 0.5);
		expect(p99(rtts)).toBeLessThan(250);
	});

	it('500 sockets on one token: only the per-user cap is accepted; the rest are refused before the upgrade', async () => {
		const { s, pingDuring, anaToken } = await setup();
		const ws = s.url.replace('http', 'ws');
		const outcome = { open: 0, refused429: 0, closed4429: 0 };
		const sockets: WebSocket[] = [];
		const t0 = performance.now();
		const attempt = () =>
			new Promise<void>((resolve) => {
				const w = new WebSocket(`${ws}/sync?token=${encodeURIComponent(anaToken)}`);
				sockets.push(w);
				w.on('open', () => {
					outcome.open++;
					resolve();
				});
				w.on('close', (code) => {
					if (code === CLOSE_RATE_LIMITED) outcome.closed4429++;
				});
				w.on('unexpected-response', (_q, res) => {
					if (res.statusCode === 429) outcome.refused429++;
					w.terminate();
					resolve();
				});
				w.on('error', () => resolve());
			});
		const flood = (async () => {
			for (let i = 0; i < 500; i += 50) await Promise.all(Array.from({ length: 50 }, attempt));
		})();
		const rtts = await pingDuring(flood);
		await waitFor(() => outcome.open - outcome.closed4429 <= MAX_CONNECTIONS_PER_USER, 5000, 'extra sockets closed');
		console.log(`connection flood: 500 tried in ${((performance.now() - t0) / 1000).toFixed(2)} s, ${outcome.open} opened, ${outcome.closed4429} closed 4429, ${outcome.refused429} refused 429, bystander p99 ${p99(rtts).toFixed(1)} ms`);
		expect(outcome.open - outcome.closed4429).toBeLessThanOrEqual(MAX_CONNECTIONS_PER_USER);
		expect(outcome.refused429 + outcome.closed4429).toBeGreaterThanOrEqual(500 - MAX_CONNECTIONS_PER_USER);
		expect(p99(rtts)).toBeLessThan(250);
		for (const w of sockets) w.terminate();
		// Closing sockets frees the user's slots.
		await waitFor(() => s.hub.connectionCount <= 1, 5000, 'sockets gone');
		const again = await flooderOn(s, anaToken);
		expect(again.connected).toBe(true);
	});

	it('bytes per day: past the quota, updates are refused with quota_exceeded and a clear message', async () => {
		const { s, anaToken } = await setup({ userLimits: { storedBytesPerDay: 64 * 1024 } });
		const flooder = await flooderOn(s, anaToken);
		const docId = [...s.visibility.contactDocIds()].find((d) => s.visibility.canSee(asUserId('u-ana'), d))!;
		const base = Y.encodeStateAsUpdate(flooder.doc(docId));
		flooder.send({ type: 'update', docId, updateId: 'q-1', update: bigUpdate(base, 60) });
		await waitFor(() => flooder.traffic.acks.some((a) => a.updateId === 'q-1'), 10_000, 'first stored');
		flooder.send({ type: 'update', docId, updateId: 'q-2', update: bigUpdate(base, 60) });
		await waitFor(() => flooder.traffic.errors.some((e) => e.updateId === 'q-2'), 10_000, 'second refused');
		const e = flooder.traffic.errors.find((x) => x.updateId === 'q-2')!;
		expect(e.code).toBe('quota_exceeded');
		expect(e.message).toMatch(/daily limit/);
		expect(flooder.connected).toBe(true);
	});
});
