// Issue 26 (SPEC S1.9, S3.5): the BOOTSTRAP answer over raw /sync frames. A restricted user gets
// the summaries and searchable text of exactly the contacts they may see (zero bytes of the
// others), in id order, and a resumed request gets only what follows its cursor plus what was
// written since its seq.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { contactDoc } from '../../src/lib/doc';
import { DEMO_USERS } from '../../src/lib/demo/generate';
import { asEntryId } from '../../src/lib/domain/ids';
import type { DocId, UserId } from '../../src/lib/domain/types';
import { decodePayload, decodeServerFrame, encodeFrame, PROTOCOL_VERSION, type BootstrapChunkMessage, type ServerMessage } from '../../src/lib/protocol';
import { rmSync } from 'node:fs';
import { login } from './helpers/sync-client';
import { startTestServer, tempDir, type TestServer } from './helpers/server';

let server: TestServer | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
	for (const s of sockets.splice(0)) s.terminate();
	await server?.destroy();
});

async function open(email: string): Promise<{ ws: WebSocket; messages: ServerMessage[] }> {
	const { accessToken } = await login(server!.url, email);
	const ws = new WebSocket(`${server!.url.replace(/^http/, 'ws')}/sync?token=${encodeURIComponent(accessToken)}`);
	sockets.push(ws);
	const messages: ServerMessage[] = [];
	ws.on('message', (data: Buffer) => {
		const d = decodeServerFrame(new Uint8Array(data));
		if (d.ok) messages.push(d.msg);
	});
	await new Promise<void>((resolve, reject) => {
		ws.once('open', () => resolve());
		ws.once('error', reject);
	});
	ws.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 0, clientId: 'boot' }));
	await until(() => messages.some((m) => m.type === 'welcome'));
	return { ws, messages };
}

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
	const end = Date.now() + ms;
	while (!cond()) {
		if (Date.now() > end) throw new Error('timed out');
		await new Promise((r) => setTimeout(r, 5));
	}
}

/** Sends BOOTSTRAP and collects its chunks up to `done`. */
async function ask(c: { ws: WebSocket; messages: ServerMessage[] }, part: 0 | 1, seq = 0, after = ''): Promise<BootstrapChunkMessage[]> {
	const from = c.messages.length;
	c.ws.send(encodeFrame({ type: 'bootstrap', part, seq, after }));
	await until(() => c.messages.slice(from).some((m) => m.type === 'bootstrap-chunk' && m.done));
	return c.messages.slice(from).filter((m): m is BootstrapChunkMessage => m.type === 'bootstrap-chunk');
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
			const s = decodePayload(it.payload) as { id: string; firstName: string };
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
});
