// Web chat, server side over real sockets: a visitor's session and socket, their conversation
// live both ways, typing both ways, delivery and read statuses, page changes, coming back,
// isolation of the token, limits, and blocked contacts.
// SPEC S5.4, S5.5, S5.7, S5.8, S6.1, S7.1, S7.6
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { asEntryId, asUserId, contactDocId } from '../../src/lib/domain/ids';
import type { ContactId, DocId, EntryId, Entry } from '../../src/lib/domain/types';
import { hashToken } from '../src/channels/signature';
import { api, AwarenessSocket, Visitor , writeOutgoing } from './channels-helpers';
import { startTestServer, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';

const CHAT = 'ch-webchat';
const HOSTILE_NAME = `<img src=x onerror="alert(1)">&"'`;
const HOSTILE = `<img src=x onerror="alert(1)"></textarea><script>alert('x')</script> & "quotes" 'single' \u202Eevil`;

describe('web chat', () => {
	let server: TestServer;
	let agent: SyncClient;
	let ownerToken: string;
	const open: Array<{ close(): void }> = [];

	beforeAll(async () => {
		server = await startTestServer({ channels: { allowPrivate: true } });
		ownerToken = (await login(server.url, 'owner@demo.test')).accessToken;
		agent = new SyncClient({ url: server.url, token: ownerToken });
		await agent.connect();
	}, 60_000);

	afterAll(async () => {
		for (const c of open) c.close();
		agent?.close();
		await server?.destroy();
	});

	async function contactOf(v: Visitor): Promise<{ contactId: ContactId; docId: DocId }> {
		const s = await server.store.getVisitorSession(hashToken(v.token));
		return { contactId: s!.contactId, docId: contactDocId(s!.contactId) };
	}
	const thread = (docId: DocId): Entry[] => contactDoc(agent.doc(docId)).thread.ordered();
	function agentReply(docId: DocId, text: string, channel = CHAT): EntryId {
		return writeOutgoing(agent, docId, channel, { type: 'text', text });
	}

	it('a new visitor creates an unassigned contact with an open conversation; messages flow both ways with statuses', async () => {
		const v = await Visitor.start(server.url, CHAT, HOSTILE_NAME);
		open.push(v);
		expect(v.history).toEqual([]);
		const { contactId, docId } = await contactOf(v);
		// No contact before the first message.
		expect(server.visibility.accessOf(docId)).toBeUndefined();
		v.send({ type: 'message', id: 'visitor-msg-0001', text: HOSTILE });
		await v.waitFrame((f) => f.type === 'ack' && f.id === 'visitor-msg-0001');
		await waitFor(() => thread(docId).some((e) => e.kind === 'message'), 10_000, 'message at the agent');
		const c = contactDoc(agent.doc(docId));
		expect(c.assignment.get()).toEqual({ userId: null, teamId: null });
		expect(c.state.get().status).toBe('open');
		expect(c.profile.get()).toMatchObject({ firstName: HOSTILE_NAME, channelIds: [CHAT] });
		expect(thread(docId).map((e) => (e.kind === 'event' ? e.type : e.kind))).toEqual(['contact_created', 'opened', 'message']);
		// The text is stored verbatim: rendering safely is the readers' job (tested in e2e).
		expect(thread(docId).find((e) => e.kind === 'message')).toMatchObject({ id: 'visitor-msg-0001', direction: 'in', author: { type: 'contact', id: contactId }, body: { text: HOSTILE } });
		// The visitor sees their own message; read once the agent's read mark passes it.
		const own = (await v.waitFrame((f) => f.type === 'message' && (f.message as { id: string }).id === 'visitor-msg-0001')).message as { status: string };
		expect(own.status).toBe('sent');
		agent.edit(docId, (y) => contactDoc(y).reads.markRead(asUserId('u-olivia'), Date.now() + 1));
		await v.waitFrame((f) => f.type === 'status' && f.id === 'visitor-msg-0001' && f.status === 'read', 'read status');
		// The agent replies: pushed live, delivered, then read when the visitor's page is visible.
		const r = agentReply(docId, 'Hello! How can I help?');
		await v.waitFrame((f) => f.type === 'message' && (f.message as { id: string }).id === r, 'reply at the visitor');
		await waitFor(() => c.delivery.get(r)?.status === 'delivered', 10_000, 'delivered');
		v.send({ type: 'seen' });
		await waitFor(() => c.delivery.get(r)?.status === 'read', 10_000, 'read');
		// A resend of the same id writes nothing new.
		v.send({ type: 'message', id: 'visitor-msg-0001', text: HOSTILE });
		await waitFor(() => v.frames.filter((f) => f.type === 'ack').length === 2, 10_000, 'second ack');
		expect(thread(docId).filter((e) => e.kind === 'message')).toHaveLength(2);
	});

	it('shows the visitor only their messages on this channel: no comments, events or other channels (S6.1)', async () => {
		const v = await Visitor.start(server.url, CHAT, 'Nina');
		open.push(v);
		const { docId } = await contactOf(v);
		v.send({ type: 'message', id: 'nina-00000001', text: 'hi' });
		await waitFor(() => agent.docs.has(docId) && thread(docId).some((e) => e.kind === 'message'), 10_000, 'contact created');
		agent.edit(docId, (y) => contactDoc(y).thread.append({ id: asEntryId('secret-comment'), kind: 'comment', at: Date.now(), author: { type: 'user', id: 'u-olivia' }, text: 'internal: VIP, be nice', mentions: [] }));
		agentReply(docId, 'sent on the webhook channel', 'ch-webhook');
		const visible = agentReply(docId, 'visible reply');
		await v.waitFrame((f) => f.type === 'message' && (f.message as { id: string }).id === visible);
		const everything = JSON.stringify(v.frames);
		expect(everything).not.toContain('internal: VIP');
		expect(everything).not.toContain('webhook channel');
		expect(everything).not.toContain('contact_created');
		expect(v.shown.map((m) => m.text)).toEqual(['hi', 'visible reply']);
	});

	it('relays typing both ways through the contact document awareness (S5.8)', async () => {
		const v = await Visitor.start(server.url, CHAT, 'Typing Tess');
		open.push(v);
		const { docId } = await contactOf(v);
		v.send({ type: 'message', id: 'tess-00000001', text: 'hello' });
		await waitFor(() => agent.docs.has(docId), 10_000, 'contact visible');
		const aw = await AwarenessSocket.open(server.url, ownerToken);
		open.push(aw);
		await waitFor(() => server.hub.connectionCount >= 2, 5000, 'socket registered');
		// Visitor -> agents.
		v.send({ type: 'typing', typing: true });
		await waitFor(() => aw.received.some((r) => r.docId === docId && (r.state as { typing?: unknown })?.typing !== null), 10_000, 'visitor typing at the agent');
		const state = aw.received.find((r) => r.docId === docId)!.state as { user: { kind: string; name: string }; typing: { composer: string } };
		expect(state.user).toMatchObject({ kind: 'contact', name: 'Typing Tess' });
		expect(state.typing.composer).toBe('reply');
		v.send({ type: 'typing', typing: false });
		await waitFor(() => aw.received.some((r) => r.docId === docId && (r.state as { typing?: unknown })?.typing === null), 10_000, 'visitor stopped');
		// Agent -> visitor: a reply draft shows, a comment draft does not.
		aw.publish(docId, { user: { kind: 'user', id: 'u-olivia', name: 'Olivia' }, typing: { composer: 'comment', at: Date.now() } });
		aw.publish(docId, { user: { kind: 'user', id: 'u-olivia', name: 'Olivia' }, typing: { composer: 'reply', at: Date.now() } });
		await v.waitFrame((f) => f.type === 'typing' && f.typing === true, 'agent typing');
		expect(v.frames.filter((f) => f.type === 'typing')).toHaveLength(1);
		aw.publish(docId, { user: { kind: 'user', id: 'u-olivia', name: 'Olivia' }, typing: null });
		await v.waitFrame((f) => f.type === 'typing' && f.typing === false, 'agent stopped');
	});

	it('records page changes as page_change events with the url (S5.5)', async () => {
		const v = await Visitor.start(server.url, CHAT);
		open.push(v);
		const { docId } = await contactOf(v);
		v.send({ type: 'page', url: 'https://shop.example/landing' });
		v.send({ type: 'message', id: 'page-00000001', text: 'question about shoes' });
		v.send({ type: 'page', url: 'https://shop.example/shoes?size=42' });
		v.send({ type: 'page', url: 'javascript:alert(1)' });
		await v.waitFrame((f) => f.type === 'error' && f.code === 'invalid_url');
		await waitFor(() => thread(docId).filter((e) => e.kind === 'event' && e.type === 'page_change').length === 2, 10_000, 'page changes');
		const pages = thread(docId).filter((e) => e.kind === 'event' && e.type === 'page_change');
		expect(pages.map((e) => (e.kind === 'event' ? e.url : ''))).toEqual(['https://shop.example/landing', 'https://shop.example/shoes?size=42']);
	});

	it('a visitor who comes back with their token finds the conversation and what was sent while away', async () => {
		const v = await Visitor.start(server.url, CHAT, 'Returning Rita');
		open.push(v);
		const { docId } = await contactOf(v);
		v.send({ type: 'message', id: 'rita-00000001', text: 'before leaving' });
		await waitFor(() => agent.docs.has(docId) && thread(docId).some((e) => e.kind === 'message'), 10_000, 'first');
		v.close();
		await waitFor(() => v.closeCode !== null, 5000, 'closed');
		const away = agentReply(docId, 'answered while you were away');
		await waitFor(() => contactDoc(agent.doc(docId)).delivery.get(away)?.status === 'sent', 10_000, 'sent (no visitor connected)');
		const res = await fetch(`${server.url}/api/chat/${CHAT}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: v.token }) });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ token: v.token, resumed: true });
		await v.connect();
		expect(v.history.map((m) => m.text)).toEqual(['before leaving', 'answered while you were away']);
		await waitFor(() => contactDoc(agent.doc(docId)).delivery.get(away)?.status === 'delivered', 10_000, 'delivered on return');
	});

	it('a token opens its own conversation on its own channel only', async () => {
		const token = (await login(server.url, 'owner@demo.test')).accessToken;
		const other = await api(server.url, token, 'POST', '/api/directory/channels', { name: 'Second site', kind: 'webchat' });
		const v = await Visitor.start(server.url, CHAT);
		open.push(v);
		const wrongChannel = new Visitor(server.url, other.json.id as string, v.token);
		await expect(wrongChannel.connect()).rejects.toThrow(/401/);
		await expect(new Visitor(server.url, CHAT, 'forged-token').connect()).rejects.toThrow(/401/);
		await expect(new Visitor(server.url, 'ch-webhook', v.token).connect()).rejects.toThrow(/404/);
		// The visitor API reaches nothing else: no contact data through the member API.
		const me = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${v.token}` } });
		expect(me.status).toBe(401);
		const sync = new Visitor(server.url, CHAT, v.token);
		await sync.connect();
		sync.close();
	});

	it('limits length and rate; refuses non-JSON frames', async () => {
		const v = await Visitor.start(server.url, CHAT);
		open.push(v);
		v.send({ type: 'message', id: 'long-00000001', text: 'x'.repeat(4001) });
		await v.waitFrame((f) => f.type === 'error' && f.code === 'invalid_message' && f.id === 'long-00000001');
		v.send({ type: 'message', id: 'bad id!', text: 'x' });
		await v.waitFrame((f) => f.type === 'error' && f.code === 'invalid_message' && f.id === undefined);
		for (let i = 0; i < 25; i++) v.send({ type: 'message', id: `flood-${String(i).padStart(8, '0')}`, text: `flood ${i}` });
		await v.waitFrame((f) => f.type === 'error' && f.code === 'rate_limited');
		expect(v.frames.filter((f) => f.type === 'ack').length).toBeLessThanOrEqual(20);
		const tooLong = await fetch(`${server.url}/api/chat/${CHAT}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'n'.repeat(81) }) });
		expect(tooLong.status).toBe(400);
		const noChat = await fetch(`${server.url}/api/chat/ch-nope/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
		expect(noChat.status).toBe(404);
		const raw = await Visitor.start(server.url, CHAT);
		raw.sendRaw('not json at all');
		await waitFor(() => raw.closeCode === 1002, 5000, 'closed on bad data');
		const binary = await Visitor.start(server.url, CHAT);
		binary.sendRaw(Buffer.from([1, 2, 3]));
		await waitFor(() => binary.closeCode === 1002, 5000, 'closed on binary');
		const huge = await Visitor.start(server.url, CHAT);
		huge.sendRaw(JSON.stringify({ type: 'message', id: 'huge-00000001', text: 'x'.repeat(20_000) }));
		await waitFor(() => huge.closeCode === 1009, 5000, 'closed on a frame past the limit');
	});

	it('does not deliver a blocked contact\'s messages and records message_blocked (S7.6)', async () => {
		const v = await Visitor.start(server.url, CHAT, 'Blocked Bob');
		open.push(v);
		const { docId } = await contactOf(v);
		v.send({ type: 'message', id: 'bob-00000001', text: 'first' });
		await waitFor(() => agent.docs.has(docId) && thread(docId).some((e) => e.kind === 'message'), 10_000, 'first');
		agent.edit(docId, (y) => contactDoc(y).profile.patch({ blocked: true }));
		await waitFor(() => agent.pending.size === 0, 10_000, 'blocked');
		v.send({ type: 'message', id: 'bob-00000002', text: 'spam spam' });
		await v.waitFrame((f) => f.type === 'ack' && f.id === 'bob-00000002');
		await waitFor(() => thread(docId).some((e) => e.kind === 'event' && e.type === 'message_blocked'), 10_000, 'blocked event');
		expect(thread(docId).filter((e) => e.kind === 'message').map((e) => e.id)).toEqual(['bob-00000001']);
	});

	it('serves the chat page with a strict CSP, the channel name escaped, and the widget script', async () => {
		const token = (await login(server.url, 'owner@demo.test')).accessToken;
		const ch = await api(server.url, token, 'POST', '/api/directory/channels', { name: '<b>Shop</b> "chat"', kind: 'webchat' });
		const page = await fetch(`${server.url}/chat/${ch.json.id as string}`);
		expect(page.status).toBe(200);
		expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
		const html = await page.text();
		expect(html).toContain('&#60;b&#62;Shop&#60;/b&#62; &#34;chat&#34;');
		expect(html).not.toContain('<b>Shop');
		expect((await fetch(`${server.url}/chat/ch-webhook`)).status).toBe(404);
		const widget = await fetch(`${server.url}/widget.js`);
		expect(widget.status).toBe(200);
		expect(await widget.text()).toContain('data-channel');
		expect((await fetch(`${server.url}/chat-assets/visitor.js`)).status).toBe(200);
	});
});
