// SPEC S9.4, S5.8, S1.3, S1.9: presence and typing over awareness. The directory's presence names
// the contact a user is viewing; that name never reaches a user who may not see the contact (over
// /sync and over /yjs/dir). Typing on a contact document reaches only users who may see it, and a
// stock y-websocket client (a bot) can type to a contact and be seen by agents as a bot.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { DIR_DOC_ID, parseDocId } from '../../src/lib/domain/ids';
import type { DocId } from '../../src/lib/domain/types';
import { decodeServerFrame, encodeFrame, PROTOCOL_VERSION } from '../../src/lib/protocol';
import { readAwarenessUpdate, writeAwarenessUpdate } from '../../src/lib/protocol/awareness';
import type { AwarenessState } from '../../src/lib/sync/awareness';
import { login, waitFor } from './helpers/sync-client';
import { startTestServer, type TestServer } from './helpers/server';

/** A bare /sync socket that speaks HELLO and awareness only, and keeps every raw frame it got. */
class AwarenessSocket {
	readonly frames: Uint8Array[] = [];
	readonly received: Array<{ docId: DocId; clientId: number; clock: number; state: AwarenessState | null }> = [];
	private readonly ws: WebSocket;
	private clock = 0;
	welcomed = false;

	constructor(url: string, token: string, readonly clientId: number) {
		this.ws = new WebSocket(`${url.replace('http', 'ws')}/sync?token=${encodeURIComponent(token)}`);
		this.ws.binaryType = 'arraybuffer';
		this.ws.on('open', () => this.ws.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 0, clientId: `presence-${clientId}` })));
		this.ws.on('message', (data: ArrayBuffer) => {
			const bytes = new Uint8Array(data);
			this.frames.push(bytes);
			const d = decodeServerFrame(bytes);
			if (!d.ok) return;
			if (d.msg.type === 'welcome') this.welcomed = true;
			if (d.msg.type === 'awareness') {
				const docId = d.msg.docId;
				for (const e of readAwarenessUpdate(d.msg.update, 'object') ?? []) this.received.push({ docId, ...e });
			}
		});
	}

	ready(): Promise<void> {
		return waitFor(() => this.welcomed, 10_000, 'welcome');
	}

	publish(docId: DocId, state: AwarenessState | null): void {
		this.ws.send(encodeFrame({ type: 'awareness', docId, update: writeAwarenessUpdate([{ clientId: this.clientId, clock: ++this.clock, state }], 'object') }));
	}

	/** The last state this socket knows for a client on a document (undefined: never heard of it). */
	last(docId: DocId, clientId: number): AwarenessState | null | undefined {
		const hits = this.received.filter((r) => r.docId === docId && r.clientId === clientId);
		return hits.length === 0 ? undefined : hits[hits.length - 1]!.state;
	}

	close(): void {
		this.ws.close();
	}
}

/** The states relayed for a client, in order. */
function statesOf(s: AwarenessSocket, docId: DocId, clientId: number): Array<AwarenessState | null> {
	return s.received.filter((r) => r.docId === docId && r.clientId === clientId).map((r) => r.state);
}

function contains(haystack: Uint8Array, needle: string): boolean {
	return Buffer.from(haystack).includes(Buffer.from(needle, 'utf8'));
}

describe('presence and typing over awareness', () => {
	const cleanups: Array<() => Promise<void> | void> = [];
	afterEach(async () => {
		for (const c of cleanups.splice(0).reverse()) await c();
	});

	async function setup(): Promise<{ server: TestServer; tokens: Record<'owner' | 'tom' | 'sue', string> }> {
		const server = await startTestServer();
		cleanups.push(() => server.destroy());
		const [owner, tom, sue] = await Promise.all(['owner@demo.test', 'tom@demo.test', 'sue@demo.test'].map((e) => login(server.url, e)));
		return { server, tokens: { owner: owner!.accessToken, tom: tom!.accessToken, sue: sue!.accessToken } };
	}

	function contactOf(server: TestServer, assignee: string): { docId: DocId; contactId: string } {
		const docId = [...server.visibility.contactDocIds()].find((d) => server.visibility.accessOf(d)?.assigneeId === assignee) as DocId;
		expect(docId, `a contact assigned to ${assignee}`).toBeDefined();
		const parsed = parseDocId(docId);
		if (parsed?.kind !== 'contact') throw new Error('not a contact');
		return { docId, contactId: parsed.contactId };
	}

	it('never names a contact in presence to a user who may not see it, on /sync and on /yjs/dir (S1.9)', async () => {
		const { server, tokens } = await setup();
		const hidden = contactOf(server, 'u-tom');
		const shared = contactOf(server, 'u-sue');
		expect(server.visibility.canSee('u-sue' as never, hidden.docId)).toBe(false);

		const owner = new AwarenessSocket(server.url, tokens.owner, 101);
		const tom = new AwarenessSocket(server.url, tokens.tom, 102);
		const sue = new AwarenessSocket(server.url, tokens.sue, 103);
		cleanups.push(() => owner.close(), () => tom.close(), () => sue.close());
		await Promise.all([owner.ready(), tom.ready(), sue.ready()]);
		const sueDoc = new Y.Doc();
		const sueYjs = new WebsocketProvider(`${server.url.replace('http', 'ws')}/yjs`, encodeURIComponent(DIR_DOC_ID), sueDoc, {
			WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
			disableBc: true,
			params: { token: tokens.sue }
		});
		const sueYjsFrames: Uint8Array[] = [];
		cleanups.push(() => {
			sueYjs.destroy();
			sueDoc.destroy();
		});
		await waitFor(() => sueYjs.synced, 10_000, 'sue /yjs/dir synced');
		sueYjs.ws?.addEventListener('message', (ev: MessageEvent) => sueYjsFrames.push(new Uint8Array(ev.data as ArrayBuffer)));

		const me = { kind: 'user', id: 'u-olivia', name: 'Olivia Bennett' };
		// The id in every form a state could carry it: as `viewing`, as a document id, nested, as a key.
		owner.publish(DIR_DOC_ID, { user: me, status: 'online', viewing: hidden.contactId, recent: [hidden.docId, shared.contactId], byDoc: { [hidden.contactId]: 1 } });
		await waitFor(() => tom.last(DIR_DOC_ID, 101) !== undefined, 10_000, 'tom gets the presence');
		await waitFor(() => sue.last(DIR_DOC_ID, 101) !== undefined, 10_000, 'sue gets the presence');
		await waitFor(() => sueYjs.awareness.getStates().has(101), 10_000, 'sue /yjs gets the presence');

		// Tom sees his own contact named, and not Sue's.
		expect(tom.last(DIR_DOC_ID, 101)).toMatchObject({ viewing: hidden.contactId, recent: [hidden.docId], byDoc: { [hidden.contactId]: 1 } });
		const sueSees = sue.last(DIR_DOC_ID, 101)!;
		expect(sueSees).toEqual({ user: me, status: 'online', recent: [shared.contactId], byDoc: {} });
		expect(sueYjs.awareness.getStates().get(101)).toEqual(sueSees);
		for (const f of [...sue.frames, ...sueYjsFrames]) expect(contains(f, hidden.contactId)).toBe(false);

		// Viewing a contact Sue may see reaches her as it is.
		owner.publish(DIR_DOC_ID, { user: me, status: 'online', viewing: shared.contactId });
		await waitFor(() => sue.last(DIR_DOC_ID, 101)?.viewing === shared.contactId, 10_000, 'sue sees the shared viewing');
		for (const f of [...sue.frames, ...sueYjsFrames]) expect(contains(f, hidden.contactId)).toBe(false);

		// The stock client re-broadcasts every state it receives (y-websocket does): those echoes are
		// not relayed, so Tom got each state of the owner once, and the stock client's close does
		// not withdraw the owner's presence (it never spoke for that client).
		const clocks = tom.received.filter((r) => r.docId === DIR_DOC_ID && r.clientId === 101).map((r) => r.clock);
		expect(clocks).toEqual([...new Set(clocks)]);
		sueYjs.destroy();
		sue.publish(DIR_DOC_ID, { user: { kind: 'user', id: 'u-sue', name: 'Sue' }, status: 'online', viewing: null });
		await waitFor(() => tom.last(DIR_DOC_ID, 103) !== undefined, 10_000, 'marker after the stock client left');
		expect(tom.last(DIR_DOC_ID, 101)).toMatchObject({ user: me, status: 'online' });

		// The owner's presence is withdrawn for everyone when the socket closes (offline).
		owner.close();
		await waitFor(() => tom.last(DIR_DOC_ID, 101) === null && sue.last(DIR_DOC_ID, 101) === null, 10_000, 'presence withdrawn');
	});

	it('relays typing on a contact only to users who may see it; a stock y-websocket bot types and is seen as a bot (S5.8)', async () => {
		const { server, tokens } = await setup();
		const contact = contactOf(server, 'u-tom');
		const tom = new AwarenessSocket(server.url, tokens.tom, 202);
		const sue = new AwarenessSocket(server.url, tokens.sue, 203);
		cleanups.push(() => tom.close(), () => sue.close());
		await Promise.all([tom.ready(), sue.ready()]);

		const botDoc = new Y.Doc();
		const bot = new WebsocketProvider(`${server.url.replace('http', 'ws')}/yjs`, encodeURIComponent(contact.docId), botDoc, {
			WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
			disableBc: true,
			params: { token: tokens.owner }
		});
		cleanups.push(() => {
			bot.destroy();
			botDoc.destroy();
		});
		await waitFor(() => bot.synced, 10_000, 'bot synced');
		const botId = bot.awareness.clientID;
		// A bot runs with a user's token: it is that user's bot, under the directory's name.
		bot.awareness.setLocalState({ user: { kind: 'bot', id: 'u-olivia', name: 'Reply bot' }, typing: { composer: 'reply', at: Date.now() } });
		await waitFor(() => !!tom.last(contact.docId, botId)?.typing, 10_000, 'tom sees the bot typing');
		expect(tom.last(contact.docId, botId)).toMatchObject({ user: { kind: 'bot', id: 'u-olivia', name: 'Olivia Bennett' }, typing: { composer: 'reply' } });

		// Tom types back; the bot sees it through its stock provider.
		tom.publish(contact.docId, { user: { kind: 'user', id: 'u-tom', name: 'Tom' }, typing: { composer: 'reply', at: Date.now() } });
		await waitFor(() => (bot.awareness.getStates().get(202) as { typing?: unknown } | undefined)?.typing != null, 10_000, 'bot sees tom typing');

		bot.awareness.setLocalStateField('typing', null);
		await waitFor(() => tom.last(contact.docId, botId)?.typing === null, 10_000, 'tom sees the bot stop');
		bot.destroy();
		await waitFor(() => tom.last(contact.docId, botId) === null, 10_000, 'the bot left');

		// Sue may not see the contact: not one awareness byte of it reached her.
		expect(sue.received.filter((r) => r.docId === contact.docId)).toEqual([]);
		for (const f of sue.frames) expect(contains(f, contact.docId)).toBe(false);
	});

	it('keeps a stock read-only client of /yjs/dir connected, and still refuses its writes', async () => {
		const { server, tokens } = await setup();
		const doc = new Y.Doc();
		const p = new WebsocketProvider(`${server.url.replace('http', 'ws')}/yjs`, DIR_DOC_ID, doc, {
			WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
			disableBc: true,
			params: { token: tokens.tom }
		});
		cleanups.push(() => {
			p.destroy();
			doc.destroy();
		});
		const closes: number[] = [];
		p.on('connection-close', (ev: CloseEvent | null) => closes.push(ev?.code ?? 0));
		await waitFor(() => p.synced, 10_000, 'synced');
		const other = new AwarenessSocket(server.url, tokens.owner, 404);
		cleanups.push(() => other.close());
		await other.ready();
		other.publish(DIR_DOC_ID, { user: { kind: 'user', id: 'u-olivia', name: 'Olivia' }, status: 'online', viewing: null });
		await waitFor(() => p.awareness.getStates().has(404), 10_000, 'presence over /yjs/dir');
		expect(closes).toEqual([]);
		doc.getMap('forged').set('x', 1);
		await waitFor(() => closes.includes(1008), 10_000, 'write refused');
	});

	it('refuses awareness for a contact the sender may not see', async () => {
		const { server, tokens } = await setup();
		const contact = contactOf(server, 'u-tom');
		const tom = new AwarenessSocket(server.url, tokens.tom, 302);
		const sue = new AwarenessSocket(server.url, tokens.sue, 303);
		cleanups.push(() => tom.close(), () => sue.close());
		await Promise.all([tom.ready(), sue.ready()]);
		sue.publish(contact.docId, { user: { kind: 'user', id: 'u-sue', name: 'Sue' }, typing: { composer: 'reply', at: Date.now() } });
		// A marker after it on a document both see: once it arrives, the forbidden one would have too.
		sue.publish(DIR_DOC_ID, { user: { kind: 'user', id: 'u-sue', name: 'Sue' }, status: 'online', viewing: null });
		await waitFor(() => tom.last(DIR_DOC_ID, 303) !== undefined, 10_000, 'marker');
		expect(tom.last(contact.docId, 303)).toBeUndefined();
	});

	it("relays a state only under the sender's own id, with the directory's name; spoofed ids are dropped, not relayed, on /sync and /yjs (S5.8, S9.4)", async () => {
		const { server, tokens } = await setup();
		const contact = contactOf(server, 'u-tom');
		const tom = new AwarenessSocket(server.url, tokens.tom, 502);
		const owner = new AwarenessSocket(server.url, tokens.owner, 501);
		cleanups.push(() => tom.close(), () => owner.close());
		await Promise.all([tom.ready(), owner.ready()]);
		const typing = () => ({ composer: 'reply', at: Date.now() });

		// Tom's own state, for the spoofer to aim at.
		tom.publish(contact.docId, { user: { kind: 'user', id: 'u-tom', name: 'Tom' }, typing: typing() });
		await waitFor(() => owner.last(contact.docId, 502) !== undefined, 10_000, 'owner sees tom');
		expect(owner.last(contact.docId, 502)).toMatchObject({ user: { kind: 'user', id: 'u-tom', name: 'Tom Becker' } });

		// The owner's socket claims to be Tom, a contact, nobody, and a user without a kind.
		owner.publish(contact.docId, { user: { kind: 'user', id: 'u-tom', name: 'Tom Becker' }, typing: typing() });
		owner.publish(contact.docId, { user: { kind: 'contact', id: 'u-olivia', name: 'A visitor' }, typing: typing() });
		owner.publish(contact.docId, { typing: typing() } as unknown as AwarenessState);
		owner.publish(contact.docId, { user: { id: 'u-olivia', name: 'Olivia' }, typing: typing() } as unknown as AwarenessState);
		// Then speaks as itself under another name, with extra fields: the directory's name, no extras.
		owner.publish(contact.docId, { user: { kind: 'user', id: 'u-olivia', name: 'Mallory', email: 'x@evil.test' }, typing: typing(), cursor: null } as unknown as AwarenessState);
		await waitFor(() => tom.last(contact.docId, 501) !== undefined, 10_000, 'the owner as herself');
		expect(statesOf(tom, contact.docId, 501)).toEqual([{ user: { kind: 'user', id: 'u-olivia', name: 'Olivia Bennett' }, typing: expect.any(Object), cursor: null }]);

		// Over /yjs with a stock provider: claiming Tom (as a bot or a user) is dropped too, and the
		// provider's initial `{}` (no user) is not relayed either.
		const doc = new Y.Doc();
		const stock = new WebsocketProvider(`${server.url.replace('http', 'ws')}/yjs`, encodeURIComponent(contact.docId), doc, {
			WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
			disableBc: true,
			params: { token: tokens.owner }
		});
		cleanups.push(() => {
			stock.destroy();
			doc.destroy();
		});
		await waitFor(() => stock.synced, 10_000, 'stock synced');
		const stockId = stock.awareness.clientID;
		stock.awareness.setLocalState({ user: { kind: 'bot', id: 'u-tom', name: 'Tom Becker' }, typing: typing() });
		stock.awareness.setLocalState({ user: { kind: 'user', id: 'u-tom', name: 'Tom Becker' }, typing: typing() });
		stock.awareness.setLocalState({ user: { kind: 'bot', id: 'u-olivia', name: 'Helper' }, typing: typing() });
		await waitFor(() => tom.last(contact.docId, stockId) !== undefined, 10_000, 'the stock client as the owner');
		expect(statesOf(tom, contact.docId, stockId)).toEqual([{ user: { kind: 'bot', id: 'u-olivia', name: 'Olivia Bennett' }, typing: expect.any(Object) }]);
		// The stock client echoes Tom's state back (y-websocket re-broadcasts): still never relayed.
		tom.publish(contact.docId, { user: { kind: 'user', id: 'u-tom', name: 'Tom' }, typing: typing() });
		await waitFor(() => stock.awareness.getStates().has(502), 10_000, 'stock client knows tom');
		stock.awareness.setLocalStateField('typing', null);
		await waitFor(() => tom.last(contact.docId, stockId)?.typing === null, 10_000, 'stock client stopped');

		// Nothing but Tom's own socket ever spoke as Tom; his state survives the others leaving.
		const asTom = tom.received.filter((r) => r.docId === contact.docId && (r.state as { user?: { id?: string } } | null)?.user?.id === 'u-tom');
		expect(asTom).toEqual([]);
		const ownerSaw = owner.received.filter((r) => r.docId === contact.docId && (r.state as { user?: { id?: string } } | null)?.user?.id === 'u-tom');
		expect(new Set(ownerSaw.map((r) => r.clientId))).toEqual(new Set([502]));
		stock.destroy();
		owner.close();
		await waitFor(() => tom.last(contact.docId, 501) === null && tom.last(contact.docId, stockId) === null, 10_000, 'the owner left');
		expect(tom.last(contact.docId, 502)).toBeUndefined();
	});
});
