// SPEC S6.3, S6.4, S5.3, S2.4, S1.3: AI assist over HTTP against a real server on port 0. Every
// request is checked like any other access (a user who may not see the contact gets 403 and
// nothing is computed), comments never reach what goes towards the contact, the workspace turns
// AI off or keeps it built in, and custom prompts run on a configured chat-completions endpoint
// (the protocol's test double on loopback).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactDoc, serverOrigin } from '../../src/lib/doc';
import { contactDocId, parseDocId } from '../../src/lib/domain/ids';
import type { ChannelId, ContactId, Entry, EntryId, UserId } from '../../src/lib/domain/types';
import { ChatCompletionsDouble } from '../src/ai/chat-completions-double';
import { login } from './helpers/sync-client';
import { startTestServer, type TestServer } from './helpers/server';

describe('AI assist over HTTP', () => {
	let server: TestServer;
	const double = new ChatCompletionsDouble();
	let ana: string;
	let tom: string;
	let owner: string;
	/** A contact Ana may see and Tom may not. */
	let hidden: ContactId;
	let channelId: ChannelId;
	const t0 = Date.now() - 3_600_000;

	beforeAll(async () => {
		await double.start();
		server = await startTestServer({ ai: { openai: { baseUrl: double.url, model: 'double', timeoutMs: 10_000 } } });
		ana = (await login(server.url, 'ana@demo.test')).accessToken;
		tom = (await login(server.url, 'tom@demo.test')).accessToken;
		owner = (await login(server.url, 'owner@demo.test')).accessToken;
		const tomId = server.visibility.directory.users.find((u) => u.email === 'tom@demo.test')!.id;
		const anaId = server.visibility.directory.users.find((u) => u.email === 'ana@demo.test')!.id as UserId;
		for (const docId of server.visibility.contactDocIds()) {
			if (!server.visibility.canSee(tomId, docId) && server.visibility.canSee(anaId, docId)) {
				const p = parseDocId(docId);
				if (p?.kind === 'contact') hidden = p.contactId;
				break;
			}
		}
		channelId = server.visibility.directory.channels[0]!.id;
		const msg = (id: string, at: number, direction: 'in' | 'out', text: string): Entry => ({
			id: id as EntryId,
			kind: 'message',
			at,
			author: direction === 'in' ? { type: 'contact', id: hidden } : { type: 'user', id: anaId },
			direction,
			channelId,
			body: { type: 'text', text }
		});
		await server.rooms.applyServerChange(contactDocId(hidden), (y) => {
			const c = contactDoc(y, serverOrigin());
			c.profile.patch({ firstName: 'Marie', lastName: 'Dupont', language: 'fr' });
			c.thread.append({ id: 'old-1' as EntryId, kind: 'event', at: t0, author: { type: 'user', id: anaId }, type: 'closed', source: 'user', data: {} });
			c.thread.append(msg('ai-1', t0 + 1000, 'in', "Bonjour, ma commande 4512 est arrivée cassée. Je voudrais un remboursement de 49 euros."));
			c.thread.append(msg('ai-2', t0 + 2000, 'out', 'I am sorry. I will refund the 49 euros today.'));
			c.thread.append({ id: 'ai-c' as EntryId, kind: 'comment', at: t0 + 2500, author: { type: 'user', id: anaId }, text: 'Internal note: SECRETCOMMENT check the fraud list', mentions: [] });
			c.thread.append(msg('ai-3', t0 + 3000, 'in', 'Pouvez-vous confirmer la date du remboursement ?'));
		});
	});
	afterAll(async () => {
		await server?.destroy();
		await double.close();
	});

	const post = (path: string, token: string, body: unknown) =>
		fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
	const patch = (token: string, body: unknown) =>
		fetch(`${server.url}/api/ai/settings`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
	const setMode = async (mode: 'on' | 'builtin' | 'off') => expect((await patch(owner, { mode })).status).toBe(200);

	it('refuses a user who may not see the contact, before computing anything (S1.3)', async () => {
		const before = server.ai.computations;
		const requests = double.requests.length;
		for (const [path, body] of [
			['/api/ai/summarize', { contactId: hidden }],
			['/api/ai/rewrite', { contactId: hidden, text: 'hello', prompt: { kind: 'builtin', id: 'improve' } }],
			['/api/ai/translate', { contactId: hidden, entryId: 'ai-1', to: 'en' }],
			['/api/ai/reply', { contactId: hidden }],
			['/api/ai/call-summary', { contactId: hidden, transcript: 'A: hello' }]
		] as const) {
			const res = await post(path, tom, body);
			expect(res.status, path).toBe(403);
			expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
		}
		expect(server.ai.computations).toBe(before);
		expect(double.requests.length).toBe(requests);
	});

	it('summarizes the latest conversation from the built-in provider, without comments (S6.3)', async () => {
		await setMode('builtin');
		const res = await post('/api/ai/summarize', ana, { contactId: hidden, lang: 'en' });
		expect(res.status).toBe(200);
		const s = (await res.json()) as { bullets: string[]; actionItems: string[]; messages: number; provider: string };
		expect(s.provider).toBe('builtin');
		expect(s.messages).toBe(3);
		const all = [...s.bullets, ...s.actionItems].join('\n');
		expect(all).toContain('4512');
		expect(all).toContain('49 euros');
		expect(all).not.toContain('SECRETCOMMENT');
		expect(s.actionItems.join('\n')).toMatch(/I will refund/);
	});

	it('translates a French message for an English agent through the Spanish pivot, and says so (S5.3)', async () => {
		await setMode('builtin');
		const res = await post('/api/ai/translate', ana, { contactId: hidden, entryId: 'ai-1', to: 'en' });
		expect(res.status).toBe(200);
		const t = (await res.json()) as { text: string; from: string; via: string[] };
		expect(t.from).toBe('fr');
		expect(t.via).toEqual(['es']);
		expect(t.text).toMatch(/4512/);
		expect(t.text.toLowerCase()).toMatch(/broken/);
		expect(t.text).toMatch(/49 euros/);
		expect((await (await fetch(`${server.url}/api/ai`, { headers: { authorization: `Bearer ${ana}` } })).json()) as unknown).toMatchObject({
			provider: 'builtin',
			translation: expect.arrayContaining([{ from: 'fr', to: 'en', via: ['es'] }])
		});
	});

	it("translates a reply to the contact's language and drafts a reply in it, from messages only (S6.4, S5.3)", async () => {
		await setMode('builtin');
		const tr = await post('/api/ai/rewrite', ana, { contactId: hidden, text: 'Your refund was sent today.', prompt: { kind: 'builtin', id: 'translate' } });
		expect(tr.status).toBe(200);
		expect(((await tr.json()) as { to: string }).to).toBe('fr');
		const draft = await post('/api/ai/reply', ana, { contactId: hidden });
		const d = (await draft.json()) as { text: string; lang: string };
		expect(d.lang).toBe('fr');
		expect(d.text).toMatch(/^Bonjour Marie,/);
		expect(d.text).toContain('Pouvez-vous confirmer la date du remboursement');
		expect(d.text).not.toContain('SECRETCOMMENT');
	});

	it('a configured endpoint runs custom prompts and never sees comments; built-in mode keeps everything home (S6.4)', async () => {
		const set = await patch(owner, { mode: 'on', prompts: [{ name: 'Pirate', instruction: 'Talk like a pirate.' }] });
		expect(set.status).toBe(200);
		const promptId = ((await set.json()) as { ai: { prompts: Array<{ id: string }> } }).ai.prompts[0]!.id;
		const r = await post('/api/ai/rewrite', ana, { contactId: hidden, text: 'We will call you.', prompt: { kind: 'custom', id: promptId } });
		expect(r.status).toBe(200);
		expect(((await r.json()) as { text: string; provider: string })).toEqual({ text: 'We will call you. (edited)', provider: 'openai' });
		expect(double.requests.at(-1)!.messages[0]!.content).toContain('Talk like a pirate.');
		await post('/api/ai/reply', ana, { contactId: hidden });
		const sent = JSON.stringify(double.requests.at(-1));
		expect(sent).toContain('4512');
		expect(sent).not.toContain('SECRETCOMMENT');

		await setMode('builtin');
		const requests = double.requests.length;
		const refused = await post('/api/ai/rewrite', ana, { contactId: hidden, text: 'We will call you.', prompt: { kind: 'custom', id: promptId } });
		expect(refused.status).toBe(422);
		expect(((await refused.json()) as { error: { code: string; message: string } }).error.code).toBe('ai_unsupported');
		const info = (await (await fetch(`${server.url}/api/ai`, { headers: { authorization: `Bearer ${ana}` } })).json()) as { prompts: Array<{ name: string; supported: boolean; reason?: string }> };
		expect(info.prompts.find((p) => p.name === 'Pirate')).toMatchObject({ supported: false, reason: expect.stringContaining('language model') });
		expect(double.requests.length).toBe(requests);
	});

	it('streams a long answer as partials, then the whole text; a cut stream ends in an error and no text (S6.4)', async () => {
		await setMode('on');
		const long = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
		const lines = async (res: Response) => (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { partial?: string; result?: { text: string }; error?: { code: string; message: string } });
		const ok = await post('/api/ai/rewrite', ana, { contactId: hidden, text: long, prompt: { kind: 'builtin', id: 'improve' }, stream: true });
		expect(ok.status).toBe(200);
		expect(ok.headers.get('content-type')).toContain('application/x-ndjson');
		const got = await lines(ok);
		expect(got.length).toBeGreaterThanOrEqual(2);
		const last = got.at(-1)!;
		expect(last.result).toEqual({ text: `${long} (edited)`, provider: 'openai' });
		for (const l of got.slice(0, -1)) expect(`${long} (edited)`.startsWith(l.partial!)).toBe(true);

		double.cutStreamAfter = 3;
		const cut = await post('/api/ai/reply', ana, { contactId: hidden, stream: true });
		double.cutStreamAfter = null;
		const tail = (await lines(cut)).at(-1)!;
		expect(tail.result).toBeUndefined();
		expect(tail.error?.code).toBe('ai_failed');
		// Refusals come before any stream, as JSON.
		const refused = await post('/api/ai/rewrite', tom, { contactId: hidden, text: 'x', prompt: { kind: 'builtin', id: 'improve' }, stream: true });
		expect(refused.status).toBe(403);
	});

	it("a workspace's own endpoint is used with its key, which stays on the server", async () => {
		const set = await patch(owner, { mode: 'on', endpoint: { baseUrl: `${double.url}/`, model: 'ws-model' }, apiKey: 'ws-secret-key' });
		expect(set.status).toBe(200);
		double.apiKey = 'ws-secret-key';
		const r = await post('/api/ai/rewrite', ana, { contactId: hidden, text: 'hi', prompt: { kind: 'builtin', id: 'formal' } });
		double.apiKey = null;
		expect(r.status).toBe(200);
		expect(double.requests.at(-1)).toMatchObject({ model: 'ws-model', authorization: 'Bearer ws-secret-key' });
		const info = await (await fetch(`${server.url}/api/ai`, { headers: { authorization: `Bearer ${ana}` } })).text();
		expect(JSON.parse(info)).toMatchObject({ provider: 'openai', model: 'ws-model', endpoint: { baseUrl: double.url, model: 'ws-model', keySet: true } });
		expect(info).not.toContain('ws-secret-key');
		expect(JSON.stringify(server.visibility.directory)).not.toContain('ws-secret-key');
		expect((await patch(owner, { endpoint: { baseUrl: 'file:///etc/passwd', model: 'x' } })).status).toBe(400);
		// Back to the server's endpoint.
		expect((await patch(owner, { endpoint: null })).status).toBe(200);
		await post('/api/ai/rewrite', ana, { contactId: hidden, text: 'hi', prompt: { kind: 'builtin', id: 'formal' } });
		expect(double.requests.at(-1)!.model).toBe('double');
	});

	it('a failing endpoint gives a clear error and no text', async () => {
		await setMode('on');
		double.fail = { status: 503, message: 'model is loading' };
		const r = await post('/api/ai/reply', ana, { contactId: hidden });
		expect(r.status).toBe(502);
		expect(await r.json()).toEqual({ error: { code: 'ai_failed', message: 'The AI endpoint answered HTTP 503: model is loading.' } });
	});

	it('AI turned off answers ai_off; only owners and managers change the setting', async () => {
		expect((await patch(ana, { mode: 'on' })).status).toBe(403);
		await setMode('off');
		const before = server.ai.computations;
		const r = await post('/api/ai/summarize', ana, { contactId: hidden });
		expect(r.status).toBe(403);
		expect(((await r.json()) as { error: { code: string } }).error.code).toBe('ai_off');
		expect(server.ai.computations).toBe(before);
		expect((await patch(owner, { mode: 'sometimes' })).status).toBe(400);
		expect((await patch(owner, { prompts: [{ name: '', instruction: 'x' }] })).status).toBe(400);
		await setMode('builtin');
	});

	it('summarizes a call transcript (S2.4)', async () => {
		const r = await post('/api/ai/call-summary', ana, { contactId: hidden, transcript: 'Ana: Hello Marie.\nMarie: My order 4512 is broken.\nAna: I will send a new one tomorrow.', lang: 'en' });
		expect(r.status).toBe(200);
		const s = (await r.json()) as { title: string; actionItems: Array<{ text: string; owner: string | null }>; nextSteps: string[] };
		expect(s.title).toContain('Ana');
		expect(s.actionItems).toContainEqual({ text: 'I will send a new one tomorrow.', owner: 'Ana' });
		expect(s.nextSteps).toContain('I will send a new one tomorrow.');
	});
});
