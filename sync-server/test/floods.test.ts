// ARCHITECTURE "Limits": per connection at most 50 updates/s and 10 awareness messages/s of at
// most 2 KiB (token buckets, limits/constants.ts), a cap on documents open at once; each breach
// answered with its error or close code. A flood from one connection is throttled (or cut) and
// the other clients do not notice: their ping round trips stay low and they receive no more than
// the rate lets through.
import { afterEach, describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { contactDoc } from '../../src/lib/doc';
import { decodeServerFrame } from '../../src/lib/protocol';
import { asUserId } from '../../src/lib/domain/ids';
import type { DocId } from '../../src/lib/domain/types';
import { AWARENESS_BURST, AWARENESS_PER_SEC, MAX_AWARENESS_BYTES, REFUSAL_REPLY_WINDOW_MS, UPDATES_BURST, UPDATES_PER_SEC } from '../src/limits/constants';
import { writeAwareness } from '../src/channels/typing';
import { startTestServer, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';
import { YjsSocket, yjsSyncFrame } from './helpers/trust';

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
			await waitFor(() => s.rooms.inflightCount === 0, 20_000, 'writes done');
		})();
		const rtts = await pingDuring(bystander, flood);
		const elapsed = (performance.now() - t0) / 1000;
		const acked = flooder.traffic.acks.filter((a) => a.updateId.startsWith('flood-')).length;
		const limited = flooder.traffic.errors.filter((e) => e.code === 'rate_limited').length;
		const allowed = UPDATES_BURST + UPDATES_PER_SEC * elapsed + 1;
		await observer.ping();
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
