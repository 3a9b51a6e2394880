// Issue 26 (SPEC S9.2, S1.9, S3.2): a first login's bootstrap against a real server. The list
// (summaries) and the searchable text arrive before the documents; documents wait while the
// person works; a conversation not here yet is fetched first; writes during the bootstrap (a new
// message, a reassignment away, a new contact) are all reflected afterwards; a contact
// reassigned away leaves nothing on the device; an interrupted bootstrap resumes from its cursor.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { applyUpdate, contactDoc, createDoc, initContact, remoteOrigin } from '../doc';
import { DEMO_USERS } from '../demo/generate';
import { asContactId, asEntryId, contactDocId, parseDocId } from '../domain/ids';
import type { ContactId, DocId, UserId } from '../domain/types';
import { decodeClientFrame, type BootstrapRequestMessage, type DocsRequestMessage } from '../protocol';
import { createMemoryStore } from '../storage/memory';
import type { ClientStore } from '../storage/store';
import { startServer } from '../../../sync-server/src/server';
import { AuthClient, memorySession } from './auth';
import type { WebSocketCtor } from './connection';
import { Replica } from './replica';
import { waitFor } from '../test-utils/wait';

let server: Awaited<ReturnType<typeof startServer>>;
let dataDir: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'parley-bootstrap-'));
	server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir: dataDir, seed: { contacts: 400, messagesPerContact: 3 }, log: () => undefined });
}, 60_000);

afterAll(async () => {
	await server?.close();
	rmSync(dataDir, { recursive: true, force: true });
});

afterEach(async () => {
	for (const c of cleanups.splice(0).reverse()) await c();
});

/** What the replica asked the server for: BOOTSTRAP and DOCS requests, SYNC step 1 by document. */
interface Asked {
	requests: BootstrapRequestMessage[];
	docs: DocsRequestMessage[];
	step1: DocId[];
}

/** A WebSocket that records the requests the replica sends. */
function recordingSocket(asked: Asked): WebSocketCtor {
	class Recording extends WebSocket {
		override send(data: Parameters<WebSocket['send']>[0], ...rest: unknown[]): void {
			if (data instanceof Uint8Array) {
				const d = decodeClientFrame(new Uint8Array(data));
				if (d.ok && d.msg.type === 'bootstrap') asked.requests.push(d.msg);
				if (d.ok && d.msg.type === 'docs') asked.docs.push(d.msg);
				if (d.ok && d.msg.type === 'sync' && d.msg.step === 'step1') asked.step1.push(d.msg.docId);
			}
			(super.send as (...a: unknown[]) => void)(data, ...rest);
		}
	}
	return Recording as unknown as WebSocketCtor;
}

interface Device extends Asked {
	replica: Replica;
	userId: UserId;
	texts: Set<ContactId>;
	busy: { value: boolean };
}

async function device(email: string, store: ClientStore, busy = { value: true }, docsWindow?: number): Promise<Device> {
	const auth = new AuthClient({ baseUrl: server.url.replace(/\/$/, ''), storage: memorySession() });
	const login = await auth.login(email, 'parley-demo');
	if (!login.ok) throw new Error(login.message);
	const asked: Asked = { requests: [], docs: [], step1: [] };
	const replica = new Replica({
		store,
		bootstrapMin: 5,
		busy: () => busy.value,
		...(docsWindow !== undefined ? { docsWindow } : {}),
		connection: {
			url: (t) => `${server.url.replace(/^http/, 'ws')}/sync?token=${encodeURIComponent(t)}`,
			WebSocket: recordingSocket(asked),
			token: () => auth.token(),
			refreshToken: async () => 'network'
		}
	});
	const texts = new Set<ContactId>();
	replica.onBootstrapText((id, rows) => rows.length > 0 && texts.add(id));
	cleanups.push(async () => {
		await replica.close();
		auth.stop();
	});
	await replica.open();
	return { replica, userId: login.session.user.id as UserId, ...asked, texts, busy };
}

/** The contact documents `userId` may see on the server now. */
function visibleTo(userId: UserId): DocId[] {
	const pred = server.visibility.predicateForTarget(userId);
	return [...server.visibility.contactDocIds()].filter((d) => {
		const a = server.visibility.accessOf(d);
		return a !== undefined && pred !== null && pred(a);
	});
}

const storedContacts = async (store: ClientStore) => (await store.listDocIds()).filter((d) => d !== 'dir');

// SPEC S9.2, S1.9: the documents phase in DOCS batches.
describe('first-login bootstrap: documents in batches (issue 26)', () => {
	it('reflects writes made during the batched transfer, and a contact reassigned away mid-transfer leaves nothing in storage', async () => {
		const store = createMemoryStore();
		const busy = { value: false };
		const d = await device('sue@demo.test', store, busy, 8);
		const mine = visibleTo(d.userId);
		d.replica.start();
		// The transfer has begun (some documents stored), then holds while the person works.
		await waitFor(async () => d.replica.status.offline?.phase === 'documents' && (await storedContacts(store)).length >= 8, 30_000, 'the first batches stored');
		busy.value = true;
		const local = new Set(await storedContacts(store));
		const notLocal = mine.filter((id) => !local.has(id));
		expect(notLocal.length).toBeGreaterThan(16);
		// Not among the documents already asked for: still to come by DOCS.
		const asked = new Set(d.docs.flatMap((r) => r.ids));
		const pending = notLocal.filter((id) => !asked.has(id));
		const [laterWrite, reassigned] = pending;
		const storedWrite = [...local][0]!;
		expect(laterWrite && reassigned && storedWrite).toBeTruthy();
		const at = Date.now();
		for (const [i, target] of [storedWrite, laterWrite!].entries()) {
			await server.rooms.applyServerChange(target, (y) =>
				contactDoc(y).thread.append({ id: asEntryId(`docs-write-${i}`), kind: 'comment', at, author: { type: 'user', id: DEMO_USERS.ana }, text: 'written during the transfer', mentions: [] })
			);
		}
		await server.rooms.applyServerChange(reassigned!, (y) => contactDoc(y).assignment.set({ userId: DEMO_USERS.ana, teamId: null }));
		const newId = asContactId('docs-new-contact');
		await server.rooms.applyServerChange(contactDocId(newId), (y) =>
			initContact(y, { id: newId, profile: { firstName: 'Ada', lastName: 'Batch' }, assignment: { userId: d.userId }, createdAt: Date.now() })
		);

		busy.value = false;
		await waitFor(() => d.replica.status.offline === null && !d.replica.status.catchingUp && d.replica.lastSeq > 0, 60_000, 'every document local');
		for (const [i, target] of [storedWrite, laterWrite!].entries()) {
			const doc = await d.replica.contact(target.slice(2) as ContactId);
			expect(contactDoc(doc).thread.has(asEntryId(`docs-write-${i}`)), target).toBe(true);
		}
		expect(d.replica.summaries.get(newId)?.firstName).toBe('Ada');
		const expected = visibleTo(d.userId);
		expect((await storedContacts(store)).sort()).toEqual([...expected].sort());
		// Zero bytes of the contact reassigned away (SPEC S1.9).
		const reassignedId = reassigned!.slice(2) as ContactId;
		expect(d.replica.summaries.get(reassignedId)).toBeUndefined();
		const gone = await store.loadDoc(reassigned!);
		expect(gone.state).toBeNull();
		expect(gone.updates).toEqual([]);
		expect((await store.loadSummaries()).some((s) => s.id === reassignedId)).toBe(false);
		expect(await store.loadSearchRows(reassignedId)).toEqual([]);
		// The documents came by DOCS, the contact's own SYNC only for those written meanwhile.
		expect(d.docs.flatMap((r) => r.ids).length).toBeGreaterThan(mine.length / 2);
	}, 90_000);

	it('an interrupted transfer resumes after what is stored, not from the first document', async () => {
		const store = createMemoryStore();
		const busy = { value: false };
		const first = await device('owner@demo.test', store, busy, 16);
		first.replica.start();
		await waitFor(async () => first.replica.status.offline?.phase === 'documents' && (await storedContacts(store)).length >= 32, 30_000, 'some documents stored');
		busy.value = true;
		await first.replica.close();
		const stored = new Set(await storedContacts(store));
		const visible = visibleTo(first.userId);
		expect(stored.size).toBeLessThan(visible.length / 2);

		const second = await device('owner@demo.test', store, { value: false });
		second.replica.start();
		await waitFor(() => second.replica.status.offline === null && !second.replica.status.catchingUp && second.replica.lastSeq > 0, 60_000, 'every document local');
		// The list and text parts were done: not asked again; no stored document asked for again whole.
		expect(second.requests).toEqual([]);
		const again = second.docs.flatMap((r) => r.ids);
		expect(again.filter((id) => stored.has(id))).toEqual([]);
		expect(again.length).toBe(visible.length - stored.size);
		expect((await storedContacts(store)).length).toBe(visible.length);
	}, 90_000);
});

// SPEC S9.2, S1.9: a reconnect of a device that holds every document (issue 26's reconnect figure:
// a day offline, 500 changed conversations, <= 2 s and bytes ~ the changes).
describe('reconnect of a device that holds every document (issue 26)', () => {
	it('brings the changes in a few DOCS requests without scanning the store or decoding them; the list shows them, offline edits merge, an open conversation follows live, a revoked contact leaves nothing', async () => {
		const store = createMemoryStore();
		const first = await device('sue@demo.test', store, { value: false });
		first.replica.start();
		await waitFor(() => first.replica.status.offline === null && !first.replica.status.catchingUp && first.replica.lastSeq > 0, 60_000, 'every document local');
		await first.replica.close();
		const mine = visibleTo(first.userId);
		expect(mine.length).toBeGreaterThan(30);
		const [edited, opened, revoked, ...rest] = mine;
		const changed = rest.slice(0, 24);

		// A day away: the server writes to 24 conversations, to the one Sue edits offline and to the
		// one she has open, and reassigns one away from her.
		const at = Date.now();
		const away = (i: number) => asEntryId(`away-${i}`);
		for (const [i, target] of [...changed, edited!, opened!].entries()) {
			await server.rooms.applyServerChange(target, (y) =>
				contactDoc(y).thread.append({ id: away(i), kind: 'comment', at: at + i, author: { type: 'user', id: DEMO_USERS.ana }, text: `while away ${i}`, mentions: [] })
			);
		}
		await server.rooms.applyServerChange(revoked!, (y) => contactDoc(y).assignment.set({ userId: DEMO_USERS.ana, teamId: null }));

		// Scans of the store made before the catch-up asked for anything (HELLO's known documents).
		let scans = 0;
		let asked = () => 0;
		const listDocIds = store.listDocIds.bind(store);
		store.listDocIds = () => {
			if (asked() === 0) scans++;
			return listDocIds();
		};
		// The app opens offline (cold open: the list from the stored summaries), Sue writes a
		// comment and keeps a conversation open, then the network comes back.
		const second = await device('sue@demo.test', store, { value: false });
		asked = () => second.docs.length + second.step1.length;
		const offlineEntry = asEntryId('written-offline');
		await second.replica.edit(edited!.slice(2) as ContactId, (doc) =>
			contactDoc(doc).thread.append({ id: offlineEntry, kind: 'comment', at: Date.now(), author: { type: 'user', id: second.userId }, text: 'written offline', mentions: [] })
		);
		const openDoc = await second.replica.contact(opened!.slice(2) as ContactId);
		const before = second.replica.lastSeq;
		second.replica.start();
		await waitFor(() => second.replica.lastCatchUp !== null && !second.replica.status.catchingUp && second.replica.lastSeq > before, 30_000, 'caught up');
		// No scan of the store before the catch-up (the known documents are in memory).
		expect(second.replica.lastCatchUp).toMatchObject({ changed: changed.length + 2, revoked: 1, full: false });
		expect(scans).toBe(0);
		expect(second.docs.length + second.step1.length, 'requests').toBeLessThanOrEqual(4);
		// The changed conversations came in one DOCS with `since`, the edited and the open one by SYNC.
		expect(second.docs.every((r) => r.since === before)).toBe(true);
		expect(second.docs.flatMap((r) => r.ids).sort()).toEqual([...changed].sort());
		expect(second.step1.sort()).toEqual([edited!, opened!].sort());

		// The list shows each change at once (the server's summary), no document decoded for it.
		for (const [i, target] of changed.entries()) {
			const id = target.slice(2) as ContactId;
			expect(second.replica.summaries.get(id)?.updatedAt, target).toBeGreaterThanOrEqual(at + i);
			expect(second.replica.registry.has(target), target).toBe(false);
		}
		// Opened later, a document holds what it had and the change (stored updates merge).
		const later = contactDoc(await second.replica.contact(changed[0]!.slice(2) as ContactId)).thread;
		expect(later.has(away(0))).toBe(true);
		expect(later.entries().length).toBeGreaterThan(1);
		// The open conversation followed live; the offline edit merged with the day's change, here and on the server.
		expect(contactDoc(openDoc).thread.has(away(changed.length + 1))).toBe(true);
		const editedHere = contactDoc(await second.replica.contact(edited!.slice(2) as ContactId)).thread;
		expect(editedHere.has(offlineEntry) && editedHere.has(away(changed.length))).toBe(true);
		await waitFor(() => second.replica.status.unacked === 0, 10_000, 'the offline edit acknowledged');
		const onServer = createDoc(edited!);
		applyUpdate(onServer, (await server.rooms.snapshot(edited!)).update, remoteOrigin());
		expect(contactDoc(onServer).thread.has(offlineEntry) && contactDoc(onServer).thread.has(away(changed.length))).toBe(true);
		// Zero bytes of the contact reassigned away (SPEC S1.9).
		const revokedId = revoked!.slice(2) as ContactId;
		expect(second.replica.summaries.get(revokedId)).toBeUndefined();
		const gone = await store.loadDoc(revoked!);
		expect(gone.state).toBeNull();
		expect(gone.updates).toEqual([]);
		expect((await store.loadSummaries()).some((s) => s.id === revokedId)).toBe(false);
		expect(await listDocIds()).not.toContain(revoked!);
	}, 90_000);
});

describe('first-login bootstrap (issue 26)', () => {
	it('paints the whole list and search text before the documents, fetches an opened conversation first, and finishes once the person is idle', async () => {
		const store = createMemoryStore();
		const d = await device('owner@demo.test', store);
		const visible = visibleTo(d.userId);
		d.replica.start();
		// The list and the searchable text, while documents wait (the person is busy).
		await waitFor(() => d.replica.status.offline?.phase === 'documents', 30_000, 'list and text parts');
		expect(d.replica.summaries.size).toBe(visible.length);
		expect(d.texts.size).toBeGreaterThan(visible.length / 2);
		expect(d.replica.status.offline).toMatchObject({ total: visible.length });
		// The stored summaries are the list of the next cold start.
		expect((await store.loadSummaries()).length).toBe(visible.length);
		const before = await storedContacts(store);
		expect(before.length).toBeLessThan(visible.length / 4);

		// Opening a conversation not here yet fetches it first.
		const target = visible.find((id) => !before.includes(id))!;
		const contactId = parseDocId(target)!.kind === 'contact' ? (target.slice(2) as ContactId) : asContactId('x');
		const doc = await d.replica.contact(contactId);
		expect(contactDoc(doc).thread.entries().length).toBeGreaterThan(0);
		expect(d.replica.isLocal(contactId)).toBe(true);

		// Idle: every document follows, and the bootstrap ends.
		d.busy.value = false;
		await waitFor(() => d.replica.status.offline === null && !d.replica.status.catchingUp && d.replica.lastSeq > 0, 60_000, 'every document local');
		expect((await storedContacts(store)).sort()).toEqual([...visible].sort());
		expect(await store.getMeta('bootstrap')).toBeUndefined();
		// The documents came in DOCS batches, each asked for once; only the directory and the
		// conversations opened or written meanwhile by their own SYNC exchange.
		const batched = d.docs.flatMap((r) => r.ids);
		expect(new Set(batched).size).toBe(batched.length);
		expect(batched.length).toBeGreaterThanOrEqual(visible.length - before.length - 1);
		expect(d.docs.length).toBeLessThan(batched.length / 5);
		expect(d.step1.filter((id) => id !== 'dir').length).toBeLessThanOrEqual(before.length + 1);
	}, 90_000);

	it('reflects writes made during the bootstrap, and a contact reassigned away leaves nothing behind', async () => {
		const store = createMemoryStore();
		const d = await device('sue@demo.test', store);
		const mine = visibleTo(d.userId);
		expect(mine.length).toBeGreaterThan(6);
		d.replica.start();
		await waitFor(() => d.replica.status.offline?.phase === 'documents', 30_000, 'list and text parts');
		const local = new Set(await storedContacts(store));
		const notLocal = mine.filter((id) => !local.has(id));
		const [withMessage, reassigned] = notLocal;
		expect(withMessage && reassigned).toBeTruthy();
		const reassignedId = reassigned!.slice(2) as ContactId;
		expect(d.replica.summaries.get(reassignedId)).toBeDefined();

		// A new message, a reassignment away from Sue, a new contact assigned to her.
		const entryId = asEntryId('boot-new-message');
		const withMessageId = withMessage!.slice(2) as ContactId;
		const name = d.replica.summaries.get(withMessageId)!.firstName;
		const at = Date.now();
		await server.rooms.applyServerChange(withMessage!, (y) =>
			contactDoc(y).thread.append({ id: entryId, kind: 'comment', at, author: { type: 'user', id: DEMO_USERS.ana }, text: 'written during the bootstrap', mentions: [] })
		);
		// Live, while documents still wait: the list row follows the new entry, whole (its document
		// is fetched ahead of the others, not summarised from the update alone).
		await waitFor(() => (d.replica.summaries.get(withMessageId)?.updatedAt ?? 0) >= at, 10_000, 'the live write in the list');
		expect(d.replica.summaries.get(withMessageId)!.firstName).toBe(name);
		expect(name).not.toBe('');
		await server.rooms.applyServerChange(reassigned!, (y) => contactDoc(y).assignment.set({ userId: DEMO_USERS.ana, teamId: null }));
		const newId = asContactId('boot-new-contact');
		await server.rooms.applyServerChange(contactDocId(newId), (y) =>
			initContact(y, { id: newId, profile: { firstName: 'Zed', lastName: 'Newcomer' }, assignment: { userId: d.userId }, createdAt: Date.now() })
		);

		d.busy.value = false;
		await waitFor(() => d.replica.status.offline === null && !d.replica.status.catchingUp && d.replica.lastSeq > 0, 60_000, 'every document local');
		const doc = await d.replica.contact(withMessage!.slice(2) as ContactId);
		expect(contactDoc(doc).thread.has(entryId)).toBe(true);
		expect(d.replica.summaries.get(newId)?.firstName).toBe('Zed');
		expect((await store.loadDoc(contactDocId(newId))).updates.length + ((await store.loadDoc(contactDocId(newId))).state ? 1 : 0)).toBeGreaterThan(0);

		// Zero bytes of the contact reassigned away (SPEC S1.9): no document, summary or search row.
		expect(d.replica.summaries.get(reassignedId)).toBeUndefined();
		const gone = await store.loadDoc(reassigned!);
		expect(gone.state).toBeNull();
		expect(gone.updates).toEqual([]);
		expect((await store.loadSummaries()).some((s) => s.id === reassignedId)).toBe(false);
		expect(await store.loadSearchRows(reassignedId)).toEqual([]);
		expect((await store.listDocIds()).includes(reassigned!)).toBe(false);
	}, 90_000);

	it('resumes an interrupted bootstrap from its cursor instead of starting again', async () => {
		const store = createMemoryStore();
		const first = await device('owner@demo.test', store);
		first.replica.start();
		// Interrupted as soon as the first chunk of the list is stored (its cursor with it).
		await waitFor(async () => ((await store.getMeta<{ part: number; after: string }>('bootstrap'))?.after ?? '') !== '' || ((await store.getMeta<{ part: number }>('bootstrap'))?.part ?? 0) > 0, 30_000, 'a stored cursor');
		await first.replica.close();
		const cursor = await store.getMeta<{ part: number; seq: number; after: string }>('bootstrap');
		const stored = (await store.loadSummaries()).length;
		expect(stored).toBeGreaterThan(0);

		// A reload: the stored part of the list is there at once, and the bootstrap goes on where it stopped.
		const second = await device('owner@demo.test', store, { value: false });
		expect((await second.replica.open()).length).toBe(stored);
		second.replica.start();
		await waitFor(() => second.replica.status.offline === null && !second.replica.status.catchingUp && second.replica.lastSeq > 0, 60_000, 'every document local');
		// Nothing asked for from the start again: the first request carries the stored cursor.
		if (cursor!.part < 2) expect(second.requests[0]).toMatchObject({ part: cursor!.part, after: cursor!.after, seq: cursor!.seq });
		expect(second.requests.some((r) => r.part === 0 && r.after === '')).toBe(false);
		const visible = visibleTo(first.userId);
		expect(second.replica.summaries.size).toBe(visible.length);
		expect((await storedContacts(store)).length).toBe(visible.length);
	}, 90_000);
});
