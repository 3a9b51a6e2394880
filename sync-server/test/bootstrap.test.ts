// Issue 26 (SPEC S1.9, S3.5): the BOOTSTRAP answer over raw /sync frames. A restricted user gets
// the summaries and searchable text of exactly the contacts they may see (zero bytes of the
// others), in id order, and a resumed request gets only what follows its cursor plus what was
// written since its seq.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { contactDoc } from '../../src/lib/doc';
import { DEMO_USERS } from '../../src/lib/demo/generate';
import { asEntryId } from '../../src/lib/domain/ids';
import type { ContactId, DocId, UserId } from '../../src/lib/domain/types';
import * as Y from 'yjs';
import {
	decodePayload,
	decodeServerFrame,
	decodeSummary,
	encodePayload,
	encodeFrame,
	ChunkAssembler,
	decodeTransfer,
	helloFrames,
	MAX_DOCS_REQUEST,
	MAX_FRAME_BYTES,
	MSG_DOCS,
	PROTOCOL_VERSION,
	type BootstrapChunkMessage,
	type DocsChunkMessage,
	type ServerMessage
} from '../../src/lib/protocol';
import * as encoding from 'lib0/encoding';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as decoding from 'lib0/decoding';
import { summarize } from '../../src/lib/doc';
import { login } from './helpers/sync-client';
import { startTestServer, tempDir, type TestServer } from './helpers/server';

let server: TestServer | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
	for (const s of sockets.splice(0)) s.terminate();
	await server?.destroy();
});

interface Conn {
	ws: WebSocket;
	messages: ServerMessage[];
	closed: { code: number } | null;
}

async function open(email: string): Promise<Conn> {
	const { accessToken } = await login(server!.url, email);
	const ws = new WebSocket(`${server!.url.replace(/^http/, 'ws')}/sync?token=${encodeURIComponent(accessToken)}`);
	sockets.push(ws);
	const c: Conn = { ws, messages: [], closed: null };
	ws.on('message', (data: Buffer) => {
		const d = decodeServerFrame(new Uint8Array(data));
		if (d.ok) c.messages.push(d.msg);
	});
	ws.on('close', (code) => (c.closed = { code }));
	await new Promise<void>((resolve, reject) => {
		ws.once('open', () => resolve());
		ws.once('error', reject);
	});
	ws.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 0, clientId: 'boot' }));
	await until(() => c.messages.some((m) => m.type === 'welcome'));
	return c;
}

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
	const end = Date.now() + ms;
	while (!cond()) {
		if (Date.now() > end) throw new Error('timed out');
		await new Promise((r) => setTimeout(r, 5));
	}
}

/** Sends BOOTSTRAP and collects its chunks up to `done`. */
async function ask(c: Conn, part: 0 | 1, seq = 0, after = ''): Promise<BootstrapChunkMessage[]> {
	const from = c.messages.length;
	c.ws.send(encodeFrame({ type: 'bootstrap', part, seq, after }));
	await until(() => c.messages.slice(from).some((m) => m.type === 'bootstrap-chunk' && m.done));
	return c.messages.slice(from).filter((m): m is BootstrapChunkMessage => m.type === 'bootstrap-chunk');
}

/** Sends DOCS and collects its chunks up to `done`. */
async function askDocs(c: Conn, ids: DocId[], since?: number): Promise<DocsChunkMessage[]> {
	const from = c.messages.length;
	c.ws.send(encodeFrame(since !== undefined ? { type: 'docs', ids, since } : { type: 'docs', ids }));
	await until(() => c.messages.slice(from).some((m) => m.type === 'docs-chunk' && m.done));
	return c.messages.slice(from).filter((m): m is DocsChunkMessage => m.type === 'docs-chunk');
}

/** The thread entry ids of a document as the server stores it, and as a DOCS item carries it. */
async function storedEntries(docId: DocId): Promise<string[]> {
	const snap = await server!.rooms.snapshot(docId);
	return entriesOf(snap.update);
}

function entriesOf(update: Uint8Array): string[] {
	const y = new Y.Doc();
	Y.applyUpdate(y, update);
	const ids = contactDoc(y).thread.entries().map((e) => e.id as string);
	y.destroy();
	return ids;
}

function visibleTo(userId: UserId): DocId[] {
	const pred = server!.visibility.predicateForTarget(userId)!;
	return [...server!.visibility.contactDocIds()].filter((d) => pred(server!.visibility.accessOf(d)!)).sort();
}

describe('BOOTSTRAP over /sync (issue 26)', () => {
	it('sends a restricted user the summaries and text of exactly the contacts they may see, in id order', async () => {
		server = await startTestServer({ seed: { contacts: 300, messagesPerContact: 3 } });
		const sue = await open('sue@demo.test');
		const mine = visibleTo(DEMO_USERS.sue);
		expect(mine.length).toBeGreaterThan(0);
		expect(mine.length).toBeLessThan(300);

		const summaries = await ask(sue, 0);
		const ids = summaries.flatMap((c) => c.items.map((i) => i.docId));
		expect(ids).toEqual(mine);
		expect(summaries[summaries.length - 1]!.total).toBe(mine.length);
		for (const c of summaries) for (const it of c.items) {
			const s = decodeSummary(it.payload)!;
			expect(`c/${s.id}`).toBe(it.docId);
		}

		const text = await ask(sue, 1);
		expect(text.flatMap((c) => c.items.map((i) => i.docId))).toEqual(mine);
		const rows = text.flatMap((c) => c.items.flatMap((i) => decodePayload(i.payload) as unknown[]));
		expect(rows.length).toBeGreaterThan(0);
	}, 60_000);

	it('resumes after its cursor, re-sending before it only what was written since its seq', async () => {
		server = await startTestServer({ seed: { contacts: 120, messagesPerContact: 2 } });
		const owner = await open('owner@demo.test');
		const all = visibleTo(DEMO_USERS.owner);
		const first = await ask(owner, 0);
		const seq = first[0]!.seq;
		const cursor = all[59]!;
		const written = all[10]!;
		await server.rooms.applyServerChange(written, (y) =>
			contactDoc(y).thread.append({ id: asEntryId('resume-1'), kind: 'comment', at: Date.now(), author: { type: 'user', id: DEMO_USERS.ana }, text: 'after the cursor seq', mentions: [] })
		);
		const resumed = await ask(owner, 0, seq, cursor);
		const ids = resumed.flatMap((c) => c.items.map((i) => i.docId));
		expect(ids).toEqual([written, ...all.slice(60)]);
		const fresh = resumed.flatMap((c) => c.items).find((i) => i.docId === written)!;
		expect(fresh.docSeq).toBeGreaterThan(seq);
	}, 60_000);

	it('keeps the snapshot in the data folder: a restart reads it instead of every document, and a document written before the stop is current', async () => {
		const dataDir = tempDir();
		const logs: string[] = [];
		try {
			const first = await startTestServer({ dataDir, seed: { contacts: 60, messagesPerContact: 2 }, log: (m) => logs.push(m) });
			await first.bootstrap.build();
			const target = [...first.visibility.contactDocIds()].sort()[5]!;
			await first.rooms.applyServerChange(target, (y) =>
				contactDoc(y).thread.append({ id: asEntryId('before-stop'), kind: 'comment', at: Date.now(), author: { type: 'user', id: DEMO_USERS.ana }, text: 'written before the stop', mentions: [] })
			);
			await first.close();
			logs.length = 0;
			server = await startTestServer({ dataDir, log: (m) => logs.push(m) });
			await server.bootstrap.build();
			expect(logs.some((l) => /bootstrap snapshot: 60 contacts .*\(59 from .*bootstrap\.snapshot\)/.test(l))).toBe(true);
			const owner = await open('owner@demo.test');
			const text = await ask(owner, 1);
			const item = text.flatMap((c) => c.items).find((i) => i.docId === target)!;
			expect(JSON.stringify(decodePayload(item.payload))).toContain('written before the stop');
		} finally {
			rmSync(dataDir, { recursive: true, force: true });
		}
	}, 60_000);

	// SPEC S9.2, S4.2: the summaries travel in their compact form (protocol/summary.ts) and decode
	// to exactly what summarize makes of the stored document; a snapshot file of the JSON layout
	// (version 1, an older server's data folder) is read and re-encoded, not rebuilt from every
	// document, and saved in the new layout.
	it('serves compact summaries equal to the documents’ own, and reads an older snapshot file without decoding the documents', async () => {
		const dataDir = tempDir();
		const logs: string[] = [];
		try {
			const first = await startTestServer({ dataDir, seed: { contacts: 40, messagesPerContact: 2 }, log: (m) => logs.push(m) });
			await first.bootstrap.build();
			await first.close();
			const file = join(dataDir, 'bootstrap.snapshot');
			writeFileSync(file, asVersion1(readFileSync(file)));
			logs.length = 0;
			server = await startTestServer({ dataDir, log: (m) => logs.push(m) });
			await server.bootstrap.build();
			expect(logs.some((l) => /bootstrap snapshot: 40 contacts .*\(40 from .*bootstrap\.snapshot\)/.test(l))).toBe(true);
			expect(readFileSync(file)[0]).toBe(2);
			const owner = await open('owner@demo.test');
			const items = (await ask(owner, 0)).flatMap((c) => c.items);
			expect(items.length).toBe(40);
			for (const it of items) {
				// Smaller than the JSON object it replaces.
				const s = decodeSummary(it.payload)!;
				expect(it.payload.length).toBeLessThan(encodePayload(s).length * 0.8);
				const y = new Y.Doc();
				Y.applyUpdate(y, (await server.rooms.snapshot(it.docId)).update);
				expect(s).toStrictEqual(summarize(it.docId.slice(2) as ContactId, y));
				y.destroy();
			}
		} finally {
			rmSync(dataDir, { recursive: true, force: true });
		}
	}, 60_000);
});

// SPEC S1.9, S9.2: the documents phase of a first login in batches (DOCS / DOCS_CHUNK).
describe('DOCS over /sync (issue 26)', () => {
	it('sends whole documents in the order asked, only those the user may see (the others named as skipped, zero bytes of them), and CATCHUP_DONE once every listed document is answered', async () => {
		server = await startTestServer({ seed: { contacts: 300, messagesPerContact: 3 } });
		const sue = await open('sue@demo.test');
		const mine = visibleTo(DEMO_USERS.sue);
		const others = [...server.visibility.contactDocIds()].filter((d) => !mine.includes(d)).slice(0, 20);
		expect(others.length).toBe(20);
		const welcome = sue.messages.find((m) => m.type === 'welcome')!;
		expect(welcome.type === 'welcome' && welcome.changed.length).toBe(mine.length + 1);
		// Newest first is the client's order; the server keeps it. Forged ids of others mixed in.
		const asked = [...mine].reverse();
		const withForged = [...asked.slice(0, 5), ...others, ...asked.slice(5)];
		const chunks = await askDocs(sue, withForged);
		const items = chunks.flatMap((c) => c.items);
		expect(items.map((i) => i.docId)).toEqual(asked);
		expect(chunks.flatMap((c) => c.skipped).sort()).toEqual([...others].sort());
		// Nothing of the others' ids in any item; each item is the stored document, whole.
		for (const it of items.slice(0, 10)) expect(entriesOf(it.update)).toEqual(await storedEntries(it.docId));
		expect(chunks.filter((c) => c.done)).toHaveLength(1);
		// The directory was never asked: the catch-up is not done until it is (SYNC as before).
		expect(sue.messages.some((m) => m.type === 'catchup-done')).toBe(false);
		sue.ws.send(encodeFrame({ type: 'sync', docId: 'dir' as DocId, step: 'step1', stateVector: new Uint8Array([0]) }));
		await until(() => sue.messages.some((m) => m.type === 'catchup-done'));
	}, 60_000);

	// SPEC S9.2, S1.9: a reconnect's catch-up (issue 26: a day offline, 500 changed conversations).
	it('with since, sends each document’s stored updates after it and its current summary, whole when nothing is stored after it, nothing of a contact reassigned away', async () => {
		server = await startTestServer({ seed: { contacts: 120, messagesPerContact: 2 } });
		const sue = await open('sue@demo.test');
		const welcome = sue.messages.find((m) => m.type === 'welcome')!;
		const since = welcome.type === 'welcome' ? welcome.seq : 0;
		expect(since).toBeGreaterThan(0);
		const [a, b, untouched, reassigned] = visibleTo(DEMO_USERS.sue);
		const held = new Map<DocId, Uint8Array>();
		for (const id of [a!, b!]) held.set(id, (await server.rooms.snapshot(id)).update);
		const at = Date.now();
		for (const [i, id] of [a!, b!].entries()) {
			await server.rooms.applyServerChange(id, (y) =>
				contactDoc(y).thread.append({ id: asEntryId(`since-${i}`), kind: 'comment', at: at + i, author: { type: 'user', id: DEMO_USERS.ana }, text: 'a day later', mentions: [] })
			);
		}
		await server.rooms.applyServerChange(reassigned!, (y) => contactDoc(y).assignment.set({ userId: DEMO_USERS.ana, teamId: null }));
		const chunks = await askDocs(sue, [a!, b!, untouched!, reassigned!], since);
		const items = chunks.flatMap((c) => c.items);
		expect(items.map((i) => i.docId)).toEqual([a!, b!, untouched!]);
		expect(chunks.flatMap((c) => c.skipped)).toEqual([reassigned!]);
		for (const [i, id] of [a!, b!].entries()) {
			const it = items[i]!;
			// Only the change: a fraction of the document, and with what the client held, all of it.
			expect(it.update.length).toBeLessThan(held.get(id)!.length / 2);
			const y = new Y.Doc();
			Y.applyUpdate(y, held.get(id)!);
			Y.applyUpdate(y, it.update);
			expect(
				contactDoc(y)
					.thread.entries()
					.map((e) => e.id as string)
					.sort()
			).toEqual((await storedEntries(id)).sort());
			expect(contactDoc(y).thread.has(asEntryId(`since-${i}`))).toBe(true);
			// The summary the list shows, current to the change (the bootstrap snapshot's).
			const summary = decodeSummary(it.summary!)!;
			expect(summary.id).toBe(id.slice(2));
			expect(summary.updatedAt).toBeGreaterThanOrEqual(at + i);
		}
		// Nothing stored after `since`: the whole document.
		expect(entriesOf(items[2]!.update)).toEqual(await storedEntries(untouched!));
	}, 60_000);

	it('a write after a document was sent reaches the client live; a document reassigned away before its chunk is cut is skipped', async () => {
		server = await startTestServer({ seed: { contacts: 120, messagesPerContact: 2 } });
		const sue = await open('sue@demo.test');
		const mine = visibleTo(DEMO_USERS.sue);
		const [first, away] = mine;
		const got = await askDocs(sue, [first!]);
		const seq = got[0]!.items[0]!.docSeq;
		await server.rooms.applyServerChange(first!, (y) =>
			contactDoc(y).thread.append({ id: asEntryId('docs-after'), kind: 'comment', at: Date.now(), author: { type: 'user', id: DEMO_USERS.ana }, text: 'after the chunk', mentions: [] })
		);
		await until(() => sue.messages.some((m) => m.type === 'remote-update' && m.docId === first && m.seq > seq));
		await server.rooms.applyServerChange(away!, (y) => contactDoc(y).assignment.set({ userId: DEMO_USERS.ana, teamId: null }));
		await until(() => sue.messages.some((m) => m.type === 'revoke' && m.docId === away));
		const later = await askDocs(sue, [away!, first!]);
		expect(later.flatMap((c) => c.items.map((i) => i.docId))).toEqual([first]);
		expect(later.flatMap((c) => c.skipped)).toEqual([away]);
		expect(entriesOf(later[0]!.items[0]!.update)).toContain('docs-after');
	}, 60_000);

	it('refuses a malformed, oversized or empty DOCS with a precise error and closes only that connection', async () => {
		server = await startTestServer({ seed: { contacts: 40, messagesPerContact: 1 } });
		const owner = await open('owner@demo.test');
		const ids = visibleTo(DEMO_USERS.owner);
		const cases: Array<{ frame: Uint8Array; code: string; close: number }> = [];
		// Past MAX_DOCS_REQUEST ids: too_large (1009), refused before reading them.
		const over = encoding.createEncoder();
		encoding.writeVarUint(over, MSG_DOCS);
		encoding.writeVarUint(over, MAX_DOCS_REQUEST + 1);
		for (let i = 0; i <= MAX_DOCS_REQUEST; i++) encoding.writeVarString(over, ids[i % ids.length]!);
		cases.push({ frame: encoding.toUint8Array(over), code: 'too_large', close: 1009 });
		// A doc id outside the grammar.
		const bad = encoding.createEncoder();
		encoding.writeVarUint(bad, MSG_DOCS);
		encoding.writeVarUint(bad, 1);
		encoding.writeVarString(bad, '../etc/passwd');
		cases.push({ frame: encoding.toUint8Array(bad), code: 'bad_doc_id', close: 1002 });
		// No id at all; a count longer than the frame.
		cases.push({ frame: new Uint8Array([MSG_DOCS, 0]), code: 'bad_frame', close: 1002 });
		cases.push({ frame: new Uint8Array([MSG_DOCS, 200, 1, 3, 100]), code: 'bad_frame', close: 1002 });
		for (const c of cases) {
			const conn = await open('sue@demo.test');
			conn.ws.send(c.frame);
			await until(() => conn.closed !== null);
			const err = conn.messages.find((m) => m.type === 'error');
			expect(err, c.code).toMatchObject({ type: 'error', code: c.code });
			expect(conn.closed!.code, c.code).toBe(c.close);
		}
		// Before HELLO: a rule broken (1008).
		const { accessToken } = await login(server.url, 'sue@demo.test');
		const early = new WebSocket(`${server.url.replace(/^http/, 'ws')}/sync?token=${encodeURIComponent(accessToken)}`);
		sockets.push(early);
		const earlyClose = new Promise<number>((r) => early.on('close', (code) => r(code)));
		await new Promise<void>((r) => early.once('open', () => r()));
		early.send(encodeFrame({ type: 'docs', ids: [ids[0]!] }));
		expect(await earlyClose).toBe(1008);
		// The server still serves everyone else.
		const served = await askDocs(owner, ids.slice(0, 5));
		expect(served.flatMap((c) => c.items.map((i) => i.docId))).toEqual(ids.slice(0, 5));
	}, 60_000);
});

// SPEC S1.9, S9.2: a reconnect of a device that holds 50,000 documents (its HELLO's list of known
// documents is over one frame's 1 MiB: it was closed with 1009 and retried forever).
describe('KNOWN_DOCS before HELLO (issue 26)', () => {
	it('a list of known documents too long for one frame goes in KNOWN_DOCS frames, and WELCOME answers the whole list', async () => {
		server = await startTestServer({ seed: { contacts: 120, messagesPerContact: 1 } });
		const mine = visibleTo(DEMO_USERS.sue);
		const other = [...server.visibility.contactDocIds()].find((d) => !mine.includes(d))!;
		const head = await server.store.headSeq();
		// 50,000 ids the server never heard of, the user's own documents and one she may not see.
		const filler = Array.from({ length: 50_000 }, (_, i) => `c/known${String(i).padStart(15, '0')}` as DocId);
		const knownDocs = [other, ...filler, ...mine, 'dir' as DocId];
		const hello = { type: 'hello' as const, protocolVersion: PROTOCOL_VERSION, lastSeq: head, clientId: 'many', knownDocs };
		expect(encodeFrame(hello).length).toBeGreaterThan(MAX_FRAME_BYTES);
		const frames = helloFrames(hello);
		expect(frames.length).toBeGreaterThan(1);
		expect(frames.slice(0, -1).every((f) => f.type === 'known-docs')).toBe(true);
		expect(frames.flatMap((f) => (f.type === 'hello' ? (f.knownDocs ?? []) : f.ids))).toEqual(knownDocs);
		for (const f of frames) expect(encodeFrame(f).length).toBeLessThanOrEqual(MAX_FRAME_BYTES);

		const { accessToken } = await login(server.url, 'sue@demo.test');
		const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/sync?token=${encodeURIComponent(accessToken)}`);
		sockets.push(ws);
		const messages: ServerMessage[] = [];
		// WELCOME revokes 50,000 ids: a chunked transfer.
		const chunks = new ChunkAssembler();
		ws.on('message', (data: Buffer) => {
			const d = decodeServerFrame(new Uint8Array(data));
			if (!d.ok) return;
			if (d.msg.type !== 'chunk') return void messages.push(d.msg);
			const r = chunks.accept(d.msg);
			if (r.status === 'complete') {
				const whole = decodeTransfer(d.msg.docId, r.bytes);
				if (whole.ok) messages.push(whole.msg);
			}
		});
		await new Promise<void>((r) => ws.once('open', () => r()));
		for (const f of frames) ws.send(encodeFrame(f));
		await until(() => messages.some((m) => m.type === 'welcome'));
		const welcome = messages.find((m) => m.type === 'welcome')!;
		if (welcome.type !== 'welcome') throw new Error('no welcome');
		// Nothing changed since her seq and she holds all hers: nothing to sync; the other
		// document (listed in the first KNOWN_DOCS frame) and the unknown ids are revoked.
		expect(welcome.changed).toEqual([]);
		expect(welcome.revoked).toContain(other);
		expect(welcome.revoked.length).toBe(filler.length + 1);
		expect(welcome.full).toBe(false);
	}, 60_000);

	it('KNOWN_DOCS after HELLO, or not followed by a HELLO listing known documents, breaks a rule (1008)', async () => {
		server = await startTestServer({ seed: { contacts: 20, messagesPerContact: 1 } });
		const late = await open('sue@demo.test');
		late.ws.send(encodeFrame({ type: 'known-docs', ids: ['dir' as DocId] }));
		await until(() => late.closed !== null);
		expect(late.closed!.code).toBe(1008);
		const { accessToken } = await login(server.url, 'sue@demo.test');
		const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/sync?token=${encodeURIComponent(accessToken)}`);
		sockets.push(ws);
		const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
		await new Promise<void>((r) => ws.once('open', () => r()));
		ws.send(encodeFrame({ type: 'known-docs', ids: ['dir' as DocId] }));
		ws.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 0, clientId: 'x' }));
		expect(await closed).toBe(1008);
	}, 60_000);
});

/** A snapshot file rewritten in the layout of version 1 (summaries as JSON objects). */
function asVersion1(bytes: Uint8Array): Uint8Array {
	const dec = decoding.createDecoder(bytes);
	expect(decoding.readVarUint(dec)).toBe(2);
	const enc = encoding.createEncoder();
	encoding.writeVarUint(enc, 1);
	encoding.writeVarString(enc, decoding.readVarString(dec));
	encoding.writeVarUint(enc, decoding.readVarUint(dec));
	const n = decoding.readVarUint(dec);
	encoding.writeVarUint(enc, n);
	for (let i = 0; i < n; i++) {
		encoding.writeVarString(enc, decoding.readVarString(dec));
		encoding.writeVarUint(enc, decoding.readVarUint(dec));
		encoding.writeVarUint8Array(enc, encodePayload(decodeSummary(decoding.readVarUint8Array(dec))));
		encoding.writeVarUint8Array(enc, decoding.readVarUint8Array(dec));
	}
	return encoding.toUint8Array(enc);
}
