// SPEC S1.9 (the server enforces the rules), S5.13, S6.1, S7.6; ARCHITECTURE "Validation".
// Every case of the validator's forbidden-edit table (validation/edit-cases.ts) is sent over a
// real /sync socket by Ana: the server answers ERROR with the code and the validator's reason;
// nothing is stored, applied or relayed (the server's state and a second client's copy are
// unchanged, and the second client received nothing of it); Ana's copy is reset to the
// server's. A sample is sent over /yjs too (closed 1008 with the reason, nothing applied).
// Every allowed edit is accepted, acked, and reaches the second client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contactDoc } from '../../src/lib/doc/contact';
import type { DemoContact } from '../../src/lib/demo/generate';
import type { DocId } from '../../src/lib/domain/types';
import { allowedEdits, forbiddenEdits, type ForbiddenEdit } from '../src/validation/edit-cases';
import { NOW, capture, demoContacts, replicaOf, richContact } from '../src/validation/test-kit';
import { startTestServer, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';
import { YjsSocket, cloneContact, createContact, serverState, waitInSync, yjsSyncFrame } from './helpers/trust';

const contact = richContact(demoContacts());
const CASES = forbiddenEdits(contact);
/** Every 7th case also goes over /yjs. */
const YJS_SAMPLE = (i: number) => i % 7 === 3;

describe('forbidden edits over real sockets', () => {
	let server: TestServer;
	let anaToken: string;
	let ana: SyncClient;
	let observer: SyncClient;
	let n = 0;
	const tally = { tried: 0, rejected: 0, yjsTried: 0, yjsRejected: 0 };

	beforeAll(async () => {
		// The validator's clock is the server's: NOW, the time the cases are written at.
		server = await startTestServer({ seed: { contacts: 3, messagesPerContact: 1 }, clock: () => NOW });
		anaToken = (await login(server.url, 'ana@demo.test')).accessToken;
		ana = new SyncClient({ url: server.url, token: anaToken });
		observer = new SyncClient({ url: server.url, token: (await login(server.url, 'owner@demo.test')).accessToken });
		await Promise.all([ana.connect(), observer.connect()]);
	}, 60_000);

	afterAll(async () => {
		console.log(`forbidden edits: /sync ${tally.rejected}/${tally.tried} rejected, /yjs ${tally.yjsRejected}/${tally.yjsTried} rejected`);
		ana?.close();
		observer?.close();
		await server?.destroy();
	});

	/** A fresh copy of the rich contact, synced by Ana and the observer; `setup` may run on it. */
	async function freshContact(setup?: (copy: DemoContact) => ((d: Y.Doc) => void) | undefined): Promise<{ docId: DocId; copy: DemoContact }> {
		if (!ana.connected) {
			ana = new SyncClient({ url: server.url, token: anaToken });
			await ana.connect();
		}
		const copy = cloneContact(contact, `trust${++n}`);
		const docId = await createContact(server, copy);
		const change = setup?.(copy);
		if (change) await server.rooms.applyServerChange(docId, change);
		await waitInSync(ana, server, docId, 'ana');
		await waitInSync(observer, server, docId, 'observer');
		return { docId, copy };
	}

	/** The bytes the case sends, built as the unit table builds them (replica, then meanwhile). */
	async function caseUpdate(k: ForbiddenEdit, docId: DocId): Promise<Uint8Array> {
		const room = await server.rooms.hold(docId);
		try {
			if (k.bytes) return k.bytes(room.ydoc);
			const replica = replicaOf(ana.doc(docId));
			if (k.meanwhile) {
				await server.rooms.applyServerChange(docId, k.meanwhile);
				await waitInSync(observer, server, docId, 'observer after meanwhile');
			}
			return capture(replica, (doc) => k.edit!({ doc, c: contactDoc(doc), map: (root) => doc.getMap(root) }));
		} finally {
			server.rooms.release(room);
		}
	}

	/** Asserts the server and the observer hold exactly what they held, and nothing was relayed. */
	async function assertUntouched(docId: DocId, before: { state: Uint8Array; rows: number; sv: Uint8Array; relayed: number }): Promise<void> {
		// A PING answered means every frame the server wrote to the observer before it has arrived.
		await observer.ping();
		expect(Buffer.from(await serverState(server, docId)).equals(Buffer.from(before.state))).toBe(true);
		expect(await server.store.countUpdates(docId)).toBe(before.rows);
		expect(Y.encodeStateVector(observer.doc(docId))).toEqual(before.sv);
		expect(observer.traffic.remoteUpdates.filter((r) => r.docId === docId).length).toBe(before.relayed);
	}

	async function snapshotBefore(docId: DocId) {
		return {
			state: await serverState(server, docId),
			rows: await server.store.countUpdates(docId),
			sv: Y.encodeStateVector(observer.doc(docId)),
			relayed: observer.traffic.remoteUpdates.filter((r) => r.docId === docId).length
		};
	}

	it(`has at least 50 cases (${CASES.length})`, () => {
		expect(CASES.length).toBeGreaterThanOrEqual(50);
	});

	it.each(CASES.map((k, i) => [k.name, i] as const))('%s', async (_name, i) => {
		// The case rebuilt for this copy of the contact (its entries and ids are the targets).
		let k!: ForbiddenEdit;
		const { docId } = await freshContact((copy) => {
			k = forbiddenEdits(copy)[i]!;
			return k.setup;
		});
		const update = await caseUpdate(k, docId);
		const before = await snapshotBefore(docId);
		const updateId = `bad-${i}`;
		tally.tried++;
		const closesBefore = ana.traffic.closes.length;
		ana.send({ type: 'update', docId, updateId, update });
		if (k.pending) {
			// Kept, not refused (gaps.test.ts): read by the server (its PING answered), unanswered, unapplied.
			await ana.ping();
			expect(ana.traffic.errors.filter((e) => e.updateId === updateId)).toEqual([]);
			expect(ana.traffic.acks.filter((a) => a.updateId === updateId)).toEqual([]);
			tally.rejected++;
			await assertUntouched(docId, before);
			return;
		}
		await waitFor(() => ana.traffic.errors.some((e) => e.updateId === updateId), 10_000, `error for ${updateId}`);
		const err = ana.traffic.errors.find((e) => e.updateId === updateId)!;
		expect(err.docId).toBe(docId);
		if (k.code === 'too_large') {
			// Past 256 KiB the frame decoder refuses it before any Yjs is read; the connection closes (1009).
			expect(err.code).toBe('too_large');
			await waitFor(() => ana.traffic.closes.length > closesBefore, 2000, 'close after too_large');
			expect(ana.traffic.closes.at(-1)!.code).toBe(1009);
		} else {
			expect(err.code).toBe('rejected_update');
			expect(err.message).toMatch(k.reason);
			// Ana's copy is reset to the server's state.
			await waitFor(() => ana.traffic.resets.includes(docId), 2000, 'reset');
			await waitInSync(ana, server, docId, 'ana reset');
		}
		tally.rejected++;
		await assertUntouched(docId, before);

		if (YJS_SAMPLE(i)) {
			tally.yjsTried++;
			const y = await YjsSocket.open(server.url, docId, anaToken);
			y.send(yjsSyncFrame(2, update));
			const closed = await y.closed;
			expect(closed.code).toBe(k.code === 'too_large' ? 1009 : 1008);
			if (k.code !== 'too_large') expect(closed.reason).toMatch(k.reason);
			tally.yjsRejected++;
			await assertUntouched(docId, before);
		}
	});

	it.each(allowedEdits().map((k) => [k.name, k] as const))('accepts: %s', async (_name, k) => {
		const { docId } = await freshContact(() => k.setup);
		const update = capture(replicaOf(ana.doc(docId)), (doc) => k.edit(contactDoc(doc), doc));
		const updateId = `ok-${++n}`;
		const relayed = observer.traffic.remoteUpdates.filter((r) => r.docId === docId).length;
		ana.send({ type: 'update', docId, updateId, update });
		await waitFor(() => ana.traffic.acks.some((a) => a.updateId === updateId) || ana.traffic.errors.some((e) => e.updateId === updateId), 10_000, 'ack');
		expect(ana.traffic.errors.filter((e) => e.updateId === updateId)).toEqual([]);
		await waitFor(() => observer.traffic.remoteUpdates.filter((r) => r.docId === docId).length > relayed, 10_000, 'relayed');
		await waitInSync(observer, server, docId, 'observer');
		const room = await server.rooms.hold(docId);
		try {
			k.then?.(contactDoc(room.ydoc));
		} finally {
			server.rooms.release(room);
		}
	});

	it('accepts an allowed edit over /yjs (a stock client)', async () => {
		const { docId } = await freshContact();
		const y = await YjsSocket.open(server.url, docId, anaToken);
		const relayed = observer.traffic.remoteUpdates.filter((r) => r.docId === docId).length;
		const update = capture(replicaOf(ana.doc(docId)), (doc) => contactDoc(doc).reads.markRead(ana.traffic.welcomes[0]!.userId, NOW));
		y.send(yjsSyncFrame(2, update));
		await waitFor(() => observer.traffic.remoteUpdates.filter((r) => r.docId === docId).length > relayed, 10_000, 'relayed');
		await waitInSync(observer, server, docId, 'observer');
		y.close();
		expect((await y.closed).code).toBe(1005);
	});
});
