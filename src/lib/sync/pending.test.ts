// The pending queue: persist before send, resend until acked, merged frames ack every member.
// SPEC S9.2 (offline edits merge on reconnect), S9.5 (count of unacknowledged changes).
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocId } from '../domain/types';
import { createMemoryStore } from '../storage/memory';
import { PendingQueue } from './pending';

const A = 'c/alice' as DocId;
const B = 'c/bob' as DocId;

function edits(n: number): Uint8Array[] {
	const doc = new Y.Doc();
	const out: Uint8Array[] = [];
	doc.on('update', (u: Uint8Array) => out.push(u));
	for (let i = 0; i < n; i++) doc.getMap('thread').set(`e${i}`, { i });
	return out;
}

interface Sent {
	docId: DocId;
	id: string;
	update: Uint8Array;
}

describe('PendingQueue', () => {
	it('stores an update (document log and pending) before it resolves', async () => {
		const store = createMemoryStore();
		const q = new PendingQueue(store);
		const [u] = edits(1);
		const p = await q.add(A, u!);
		expect(q.count).toBe(1);
		expect(await store.countPending()).toBe(1);
		expect((await store.loadDoc(A)).updates).toHaveLength(1);
		expect((await store.listPending())[0]!.updateId).toBe(p.updateId);
	});

	it('merges per document, resends after a lost connection, and acks every member', async () => {
		const store = createMemoryStore();
		const q = new PendingQueue(store);
		const ua = edits(30);
		const ub = edits(5);
		for (const u of ua) await q.add(A, u);
		for (const u of ub) await q.add(B, u);
		expect(q.count).toBe(35);

		const sent: Sent[] = [];
		const send = (docId: DocId, id: string, update: Uint8Array) => (sent.push({ docId, id, update }), true);
		expect(await q.flush(send)).toBe(2);
		// Nothing is sent twice on one connection.
		expect(await q.flush(send)).toBe(0);

		// The merged frame holds every edit.
		const doc = new Y.Doc();
		Y.applyUpdate(doc, sent.find((s) => s.docId === A)!.update);
		expect(doc.getMap('thread').size).toBe(30);

		// Connection lost before any ack: a reconnect resends the same frames with the same ids.
		q.resetInflight();
		const resent: Sent[] = [];
		await q.flush((docId, id, update) => (resent.push({ docId, id, update }), true));
		expect(resent.map((s) => s.id).sort()).toEqual(sent.map((s) => s.id).sort());

		for (const s of resent) await q.ack(s.id);
		expect(q.count).toBe(0);
		expect(await store.countPending()).toBe(0);
		// A repeated ack changes nothing.
		expect(await q.ack(resent[0]!.id)).toBe(0);
	});

	it('splits a document into frames under the byte limit', async () => {
		const store = createMemoryStore();
		const q = new PendingQueue(store, { maxBatchBytes: 200 });
		for (const u of edits(40)) await q.add(A, u);
		const sent: Sent[] = [];
		await q.flush((docId, id, update) => (sent.push({ docId, id, update }), true));
		expect(sent.length).toBeGreaterThan(1);
		expect(new Set(sent.map((s) => s.id)).size).toBe(sent.length);
		const doc = new Y.Doc();
		for (const s of sent) Y.applyUpdate(doc, s.update);
		expect(doc.getMap('thread').size).toBe(40);
	});

	it('stops at a refused send and sends the rest next time', async () => {
		const store = createMemoryStore();
		const q = new PendingQueue(store);
		await q.add(A, edits(1)[0]!);
		await q.add(B, edits(1)[0]!);
		expect(await q.flush(() => false)).toBe(0);
		const ids: string[] = [];
		expect(await q.flush((_d, id) => (ids.push(id), true))).toBe(2);
	});

	it('picks up updates another tab queued in the same store', async () => {
		const store = createMemoryStore();
		const tab1 = new PendingQueue(store);
		const tab2 = new PendingQueue(store);
		await tab1.add(A, edits(1)[0]!);
		await tab2.refresh();
		expect(tab2.count).toBe(1);
		const ids: string[] = [];
		await tab2.flush((_d, id) => (ids.push(id), true));
		await tab2.ack(ids[0]!);
		await tab1.refresh();
		expect(tab1.count).toBe(0);
	});
});
