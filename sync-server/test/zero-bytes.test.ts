// SPEC S1.3, S1.9, S5.8, S9.4; ARCHITECTURE "Visibility": a user never receives a byte of a
// contact they may not see. During a busy session (the owner and two unrestricted agents
// editing many contacts, webhook messages arriving, typing and presence on the awareness
// channel), every frame sent to Sue (restriction self) and Tom (restriction team) is recorded,
// decoded and scanned: no document id, message text or awareness state of a contact they may
// not see. Then a contact is reassigned to Sue (she has it within 1 s) and unassigned (revoked
// within 1 s, and no byte of it after the revoke).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import { ChunkAssembler, PROTOCOL_VERSION, decodeServerFrame, decodeTransfer, encodeFrame, type HelloMessage, type ServerMessage } from '../../src/lib/protocol';
import { contactDoc } from '../../src/lib/doc';
import { asEntryId, asUserId, parseDocId } from '../../src/lib/domain/ids';
import type { DocId, UserId } from '../../src/lib/domain/types';
import { createPrng } from '../../src/lib/demo/prng';
import { readAwarenessUpdate } from '../../src/lib/protocol/awareness';
import { api, postSigned } from './channels-helpers';
import { startTestServer, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';
import { waitInSync } from './helpers/trust';

const SEED = Number(process.env.SEED ?? 20240601);

function awareness(clientId: number, clock: number, state: unknown): Uint8Array {
	const enc = encoding.createEncoder();
	encoding.writeVarUint(enc, 1);
	encoding.writeVarUint(enc, clientId);
	encoding.writeVarUint(enc, clock);
	encoding.writeVarString(enc, JSON.stringify(state));
	return encoding.toUint8Array(enc);
}

/** Every message a recorded frame carries (chunked transfers reassembled). */
function decodeAll(frames: Array<{ at: number; bytes: Uint8Array }>): Array<{ index: number; at: number; msg: ServerMessage }> {
	const out: Array<{ index: number; at: number; msg: ServerMessage }> = [];
	const assembler = new ChunkAssembler();
	frames.forEach(({ at, bytes }, index) => {
		const d = decodeServerFrame(bytes);
		if (!d.ok) throw new Error(`undecodable frame ${index}: ${d.error.message}`);
		out.push({ index, at, msg: d.msg });
		if (d.msg.type === 'chunk') {
			const r = assembler.accept(d.msg);
			if (r.status === 'complete') {
				const inner = decodeTransfer(r.docId, r.bytes);
				if (!inner.ok) throw new Error(`bad transfer: ${inner.error.message}`);
				out.push({ index, at, msg: inner.msg });
			}
		}
	});
	return out;
}

function docIdsOf(msg: ServerMessage): DocId[] {
	switch (msg.type) {
		case 'welcome':
			return [...msg.changed, ...msg.revoked];
		case 'error':
			return msg.docId ? [msg.docId] : [];
		case 'sync':
		case 'remote-update':
		case 'ack':
		case 'awareness':
		case 'grant':
		case 'revoke':
		case 'chunk':
			return [msg.docId];
		default:
			return [];
	}
}

const contains = (hay: Uint8Array, needle: string) => Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).includes(needle);

describe('zero bytes of a contact a user may not see', () => {
	let server: TestServer;
	let owner: SyncClient;
	let editors: Array<{ client: SyncClient; userId: UserId }>;
	let sue: SyncClient;
	let tom: SyncClient;
	let ownerToken: string;
	/** Text written into each contact during the session. */
	const texts = new Map<DocId, string[]>();

	beforeAll(async () => {
		server = await startTestServer({ seed: { contacts: 40, messagesPerContact: 1 }, channels: { allowPrivate: true } });
		const tokens = Object.fromEntries(
			await Promise.all(['owner', 'ana', 'lucas', 'sue', 'tom'].map(async (u) => [u, (await login(server.url, `${u === 'owner' ? 'owner' : u}@demo.test`)).accessToken] as const))
		) as Record<string, string>;
		ownerToken = tokens.owner!;
		owner = new SyncClient({ url: server.url, token: ownerToken });
		const ana = new SyncClient({ url: server.url, token: tokens.ana! });
		const lucas = new SyncClient({ url: server.url, token: tokens.lucas! });
		sue = new SyncClient({ url: server.url, token: tokens.sue!, recordFrames: true });
		tom = new SyncClient({ url: server.url, token: tokens.tom!, recordFrames: true });
		await Promise.all([owner, ana, lucas, sue, tom].map((c) => c.connect()));
		editors = [
			{ client: owner, userId: asUserId('u-olivia') },
			{ client: ana, userId: asUserId('u-ana') },
			{ client: lucas, userId: asUserId('u-lucas') }
		];
	}, 60_000);

	afterAll(async () => {
		for (const c of [...(editors ?? []).map((e) => e.client), sue, tom]) c?.close();
		await server?.destroy();
	});

	function forbiddenFor(userId: string): DocId[] {
		return [...server.visibility.contactDocIds()].filter((d) => !server.visibility.canSee(asUserId(userId), d));
	}

	/** Asserts no frame of `client` (from `fromIndex`) names, or carries text of, a document in `hidden`. */
	function assertNothingOf(client: SyncClient, hidden: Set<DocId>, fromIndex = 0): { frames: number; awareness: number } {
		return assertNoFrameOf(client.traffic.frames.slice(fromIndex), hidden, fromIndex);
	}

	function assertNoFrameOf(frames: Array<{ at: number; bytes: Uint8Array }>, hidden: Set<DocId>, fromIndex = 0): { frames: number; awareness: number } {
		let aw = 0;
		for (const { msg, index } of decodeAll(frames)) {
			for (const d of docIdsOf(msg)) if (hidden.has(d)) throw new Error(`frame ${index + fromIndex} (${msg.type}) names hidden ${d}`);
			if (msg.type === 'awareness') {
				aw++;
				for (const e of readAwarenessUpdate(msg.update, 'json') ?? []) {
					const json = JSON.stringify(e.state);
					for (const d of hidden) if (json.includes(d) || json.includes(d.slice(2))) throw new Error(`awareness names hidden ${d}: ${json}`);
				}
			}
		}
		for (const [i, { bytes }] of frames.entries()) {
			for (const d of hidden) {
				if (contains(bytes, d.slice(2))) throw new Error(`frame ${i + fromIndex} holds the id of hidden ${d}`);
				for (const t of texts.get(d) ?? []) if (contains(bytes, t)) throw new Error(`frame ${i + fromIndex} holds text of hidden ${d}`);
			}
		}
		return { frames: frames.length, awareness: aw };
	}

	it('sends Sue and Tom nothing of the contacts they may not see during a busy session', async () => {
		const rng = createPrng(SEED);
		const contacts = [...server.visibility.contactDocIds()];
		const sueSees = contacts.filter((d) => server.visibility.canSee(asUserId('u-sue'), d));
		expect(sueSees.length).toBeGreaterThan(0);
		expect(forbiddenFor('u-sue').length).toBeGreaterThan(10);
		expect(forbiddenFor('u-tom').length).toBeGreaterThan(5);

		const hook = await api(server.url, ownerToken, 'POST', '/api/directory/channels', {
			name: 'Hook',
			kind: 'webhook',
			url: 'http://127.0.0.1:9/none'
		});
		expect(hook.status).toBe(201);
		const inbound = `${server.url}/api/channels/${hook.json.id as string}/inbound`;

		let clock = 0;
		for (let round = 0; round < 120; round++) {
			// Sue's own contacts get edits too, so the check is not vacuous.
			const docId = round % 6 === 0 ? sueSees[round % sueSees.length]! : contacts[Math.floor(rng.next() * contacts.length)]!;
			const ed = editors[round % editors.length]!;
			const text = `secret-${round}-${Math.floor(rng.next() * 1e9).toString(36)}`;
			texts.set(docId, [...(texts.get(docId) ?? []), text]);
			ed.client.edit(docId, (y) =>
				contactDoc(y).thread.append({ id: asEntryId(`z${round}`), kind: 'comment', at: Date.now(), author: { type: 'user', id: ed.userId }, text, mentions: [] })
			);
			if (round % 4 === 1) ed.client.edit(docId, (y) => contactDoc(y).drafts.edit('reply', (t) => t.insert(0, `${text}-draft `)));
			if (round % 3 === 0) {
				// Typing on the contact, and presence naming it on the directory.
				const aw = editors[Math.floor(round / 3) % editors.length]!;
				aw.client.send({ type: 'awareness', docId, update: awareness(1000, ++clock, { user: { kind: 'user', id: aw.userId }, typing: { composer: 'reply', at: Date.now() } }) });
				aw.client.send({ type: 'awareness', docId: 'dir' as DocId, update: awareness(2000, ++clock, { user: { kind: 'user', id: aw.userId }, viewing: docId, contactId: docId.slice(2) }) });
			}
			if (round % 10 === 5) {
				const res = await postSigned(inbound, hook.json.secret as string, { messageId: `m-${round}`, contact: { externalId: `ext-${round % 4}`, firstName: 'Visitor' }, text: `inbound-${text}` });
				expect([200, 201]).toContain(res.status);
				const d = `c/${res.json.contactId as string}` as DocId;
				texts.set(d, [...(texts.get(d) ?? []), `inbound-${text}`]);
			}
			if (round % 20 === 19) await waitFor(() => editors.every((e) => e.client.pending.size === 0), 20_000, 'acks');
		}
		await waitFor(() => editors.every((e) => e.client.pending.size === 0), 20_000, 'acks');
		await Promise.all([sue.ping(), tom.ping()]);

		const sueSeen = assertNothingOf(sue, new Set(forbiddenFor('u-sue')));
		const tomSeen = assertNothingOf(tom, new Set(forbiddenFor('u-tom')));
		// Not vacuous: they did receive live traffic of their own contacts, and presence.
		expect(sue.traffic.remoteUpdates.length).toBeGreaterThan(0);
		expect(sueSeen.awareness + tomSeen.awareness).toBeGreaterThan(0);
		// Presence on the directory reached Sue, with the contacts she may not see taken out.
		expect(decodeAll(sue.traffic.frames).some(({ msg }) => msg.type === 'awareness' && msg.docId === 'dir')).toBe(true);
		console.log(`zero bytes: Sue got ${sueSeen.frames} frames, Tom ${tomSeen.frames}; none of ${forbiddenFor('u-sue').length} / ${forbiddenFor('u-tom').length} hidden contacts`);
	});

	it('grants a contact reassigned to Sue within 1 s, and revokes it within 1 s with no later byte', async () => {
		const target = forbiddenFor('u-sue').find((d) => parseDocId(d)?.kind === 'contact' && owner.docs.has(d))!;
		expect(target).toBeDefined();
		const t0 = Date.now();
		owner.edit(target, (y) => contactDoc(y).assignment.set({ userId: asUserId('u-sue'), teamId: null }));
		await waitFor(() => sue.traffic.grants.includes(target), 1000, 'grant');
		await waitInSync(sue, server, target, 'sue has the granted contact');
		expect(Date.now() - t0).toBeLessThan(1000);
		expect(contactDoc(sue.doc(target)).assignment.get().userId).toBe('u-sue');

		const t1 = Date.now();
		owner.edit(target, (y) => contactDoc(y).assignment.set({ userId: null, teamId: null }));
		await waitFor(() => sue.traffic.revokes.some((r) => r.docId === target), 1000, 'revoke');
		expect(Date.now() - t1).toBeLessThan(1000);
		const revokeFrame = decodeAll(sue.traffic.frames).find(({ msg }) => msg.type === 'revoke' && msg.docId === target)!.index;

		// The contact keeps changing: a comment, a draft, typing. Sue gets none of it.
		const late = 'after-the-revoke-text';
		texts.set(target, [...(texts.get(target) ?? []), late]);
		owner.edit(target, (y) => contactDoc(y).thread.append({ id: asEntryId('late-1'), kind: 'comment', at: Date.now(), author: { type: 'user', id: 'u-olivia' }, text: late, mentions: [] }));
		owner.send({ type: 'awareness', docId: target, update: awareness(3000, 1, { user: { kind: 'user', id: 'u-olivia' }, typing: { composer: 'reply', at: Date.now() } }) });
		await waitFor(() => owner.pending.size === 0, 10_000, 'acks');
		await sue.ping();
		expect(revokeFrame).toBeGreaterThan(0);
		assertNothingOf(sue, new Set([target]), revokeFrame + 1);
		expect(sue.docs.has(target)).toBe(false);
	});

	/**
	 * A hand-made client: raw frames of src/lib/protocol, one HELLO, then everything the server
	 * sends until the answer to a PING (the catch-up's documents are not asked for).
	 */
	let rawClients = 0;
	async function rawHello(token: string, hello: Omit<HelloMessage, 'type' | 'protocolVersion' | 'clientId'>): Promise<Array<{ at: number; bytes: Uint8Array }>> {
		const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/sync?token=${encodeURIComponent(token)}`);
		const frames: Array<{ at: number; bytes: Uint8Array }> = [];
		let welcomed = false;
		let ponged = false;
		ws.on('message', (data: Buffer) => {
			const bytes = new Uint8Array(data);
			frames.push({ at: Date.now(), bytes });
			const d = decodeServerFrame(bytes);
			if (d.ok && d.msg.type === 'welcome') {
				welcomed = true;
				ws.send(encodeFrame({ type: 'ping', nonce: 7 }));
			}
			if (d.ok && d.msg.type === 'pong') ponged = true;
		});
		await new Promise<void>((resolve, reject) => {
			ws.once('open', () => resolve());
			ws.once('error', reject);
		});
		ws.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: `raw-${++rawClients}`, ...hello }));
		await waitFor(() => welcomed && ponged, 10_000, 'welcome and pong');
		ws.close();
		return frames;
	}

	// SPEC S1.3, S1.9: the catch-up of a hand-made client names no contact it may not see, for
	// any HELLO: a lastSeq without knownDocs (it used to get, as `revoked`, every contact others
	// changed since), knownDocs of its own, of guessed forbidden ids, of garbage, lastSeq 0, at
	// the head or ahead of it. A forbidden id it sent itself may come back (as revoked: it is no
	// news), no other one.
	it('tells hand-made clients nothing of forbidden contacts in the catch-up, whatever their HELLO', async () => {
		const sueId = asUserId('u-sue');
		const hidden = forbiddenFor('u-sue').filter((d) => owner.docs.has(d));
		const sueSees = [...server.visibility.contactDocIds()].filter((d) => server.visibility.canSee(sueId, d));
		const since = await server.store.headSeq();
		// Others change contacts Sue may not see (and one she sees) after `since`.
		for (const [i, d] of [...hidden.slice(0, 6), sueSees[0]!].entries()) {
			owner.edit(d, (y) => contactDoc(y).thread.append({ id: asEntryId(`hand-${i}`), kind: 'comment', at: Date.now(), author: { type: 'user', id: 'u-olivia' }, text: `hand-made-${i}`, mentions: [] }));
		}
		await waitFor(() => owner.pending.size === 0, 10_000, 'acks');
		const head = await server.store.headSeq();
		expect(head).toBeGreaterThan(since);
		const sueToken = (await login(server.url, 'sue@demo.test')).accessToken;
		const guessed = hidden.slice(0, 3);
		const hellos: Array<Omit<HelloMessage, 'type' | 'protocolVersion' | 'clientId'>> = [
			{ lastSeq: since },
			{ lastSeq: 1 },
			{ lastSeq: head },
			{ lastSeq: head + 1000 },
			{ lastSeq: 0 },
			{ lastSeq: since, knownDocs: [] },
			{ lastSeq: since, knownDocs: sueSees },
			{ lastSeq: since, knownDocs: guessed },
			{ lastSeq: 0, knownDocs: guessed },
			{ lastSeq: head, knownDocs: ['dir' as DocId, 'c/nobody' as DocId, ...sueSees.slice(0, 1)] },
			{ lastSeq: since - 1, knownDocs: [...sueSees, ...guessed] }
		];
		for (const hello of hellos) {
			const frames = await rawHello(sueToken, hello);
			const own = new Set(hello.knownDocs ?? []);
			const welcome = decodeAll(frames).find(({ msg }) => msg.type === 'welcome')!.msg;
			if (welcome.type !== 'welcome') throw new Error('no welcome');
			for (const d of welcome.revoked) expect(own.has(d), `HELLO ${JSON.stringify({ ...hello, knownDocs: hello.knownDocs?.length })} revoked ${d}, which it did not name`).toBe(true);
			expect(welcome.changed.filter((d) => !server.visibility.canSee(sueId, d))).toEqual([]);
			assertNoFrameOf(frames, new Set(hidden.filter((d) => !own.has(d))));
		}
	});
});
