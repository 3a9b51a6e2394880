// Voice calls, server side over real sockets and HTTP: the visitor calls over the web chat socket,
// only users who may see the contact learn of it (the call_* events of the contact document) and
// may answer it, the first answer wins and assigns the contact, the agent's answer reaches the
// visitor, hang up, missed after the ring window, ended at the maximum duration, microphone
// permission recorded, recording attached, transcribed (ffmpeg + pocketsphinx) and summarized.
// SPEC S1.3 S2.1 S2.2 S2.3 S2.4 S8.5
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { contactDocId } from '../../src/lib/domain/ids';
import { CALL_EVENTS, foldCalls, foldPermissions } from '../../src/lib/domain/calls';
import type { ContactId, DocId, EventEntry } from '../../src/lib/domain/types';
import { hashToken } from '../src/channels/signature';
import { api, Visitor } from './channels-helpers';
import { startTestServer, tempDir, type TestServer } from './helpers/server';
import { SyncClient, login, waitFor } from './helpers/sync-client';

const CHAT = 'ch-webchat';
const OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
const ANSWER = 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
let n = 0;
const callId = () => `call-test-${++n}-${Math.random().toString(36).slice(2, 8)}`;

async function contactOf(server: TestServer, v: Visitor): Promise<{ contactId: ContactId; docId: DocId }> {
	const s = await server.store.getVisitorSession(hashToken(v.token));
	return { contactId: s!.contactId, docId: contactDocId(s!.contactId) };
}

function events(client: SyncClient, docId: DocId): EventEntry[] {
	return contactDoc(client.doc(docId)).thread.ordered().filter((e): e is EventEntry => e.kind === 'event');
}

describe('calls', () => {
	let server: TestServer;
	let ana: SyncClient;
	let tom: SyncClient;
	const tokens: Record<string, string> = {};
	const open: Array<{ close(): void }> = [];

	beforeAll(async () => {
		server = await startTestServer({ channels: { allowPrivate: true }, calls: { settings: { ringWindowSec: 60, maxDurationSec: 600 } } });
		for (const u of ['ana', 'tom', 'lucas', 'owner']) tokens[u] = (await login(server.url, `${u}@demo.test`)).accessToken;
		ana = new SyncClient({ url: server.url, token: tokens.ana! });
		tom = new SyncClient({ url: server.url, token: tokens.tom! });
		await ana.connect();
		await tom.connect();
	}, 60_000);

	afterAll(async () => {
		for (const c of open) c.close();
		ana?.close();
		tom?.close();
		await server?.destroy();
	});

	it('the visitor calls: Tom (team-restricted) never hears of it; Ana and Lucas answer at once, one wins and the contact becomes theirs; the visitor gets the answer; hang up ends it', async () => {
		const v = await Visitor.start(server.url, CHAT, 'Caller');
		open.push(v);
		await v.waitFrame((f) => f.type === 'call_config' && f.enabled === true, 'call config');
		const { docId } = await contactOf(server, v);
		const id = callId();
		v.send({ type: 'call_start', callId: id, sdp: OFFER });
		await v.waitFrame((f) => f.type === 'call_state' && f.callId === id && f.status === 'ringing');
		// Ana (sees everything) gets the contact and its ringing call through her sync connection.
		await waitFor(() => foldCalls(docId.slice(2) as ContactId, events(ana, docId)).some((c) => c.id === id && c.status === 'ringing'), 10_000, 'ringing at Ana');
		// A call from a new contact opens their conversation, as a first message does (S7.1).
		expect(contactDoc(ana.doc(docId)).state.get().status).toBe('open');
		// Tom may not see an unassigned contact outside his team: no grant, no byte, and his answer is "no such call".
		expect(tom.docs.has(docId) && events(tom, docId).length > 0).toBe(false);
		expect((await api(server.url, tokens.tom!, 'POST', `/api/calls/${id}/answer`)).status).toBe(404);

		const [a, b] = await Promise.all([api(server.url, tokens.ana!, 'POST', `/api/calls/${id}/answer`), api(server.url, tokens.lucas!, 'POST', `/api/calls/${id}/answer`)]);
		const winner = a.status === 200 ? 'u-ana' : 'u-lucas';
		const [won, lost] = a.status === 200 ? [a, b] : [b, a];
		expect(won.status).toBe(200);
		expect(won.json.sdp).toBe(OFFER);
		expect(lost.status).toBe(409);
		expect(lost.json.error).toMatchObject({ code: 'answered_by', userId: winner });
		await waitFor(() => contactDoc(ana.doc(docId)).assignment.get().userId === winner, 10_000, 'assigned to the winner');

		const wonToken = winner === 'u-ana' ? tokens.ana! : tokens.lucas!;
		// Only the winner's answer goes through; a bad description is refused.
		expect((await api(server.url, winner === 'u-ana' ? tokens.lucas! : tokens.ana!, 'POST', `/api/calls/${id}/sdp`, { sdp: ANSWER })).status).toBe(404);
		expect((await api(server.url, wonToken, 'POST', `/api/calls/${id}/sdp`, { sdp: 'nope' })).status).toBe(400);
		expect((await api(server.url, wonToken, 'POST', `/api/calls/${id}/sdp`, { sdp: ANSWER })).status).toBe(204);
		await v.waitFrame((f) => f.type === 'call_answer' && f.callId === id && f.sdp === ANSWER);
		await v.waitFrame((f) => f.type === 'call_state' && f.callId === id && f.status === 'answered');

		expect((await api(server.url, wonToken, 'POST', `/api/calls/${id}/end`)).status).toBe(204);
		await v.waitFrame((f) => f.type === 'call_state' && f.callId === id && f.status === 'ended');
		await waitFor(() => foldCalls(docId.slice(2) as ContactId, events(ana, docId)).some((c) => c.id === id && c.status === 'ended'), 10_000, 'ended at Ana');
		const call = foldCalls(docId.slice(2) as ContactId, events(ana, docId)).find((c) => c.id === id)!;
		expect(call).toMatchObject({ direction: 'in', answeredBy: winner, endedBy: 'user', endReason: 'hangup' });
		// Ending again: the call is over.
		expect((await api(server.url, wonToken, 'POST', `/api/calls/${id}/end`)).status).toBe(404);
	}, 60_000);

	it('refuses malformed call frames with a precise error and keeps the socket', async () => {
		const v = await Visitor.start(server.url, CHAT, 'Bad');
		open.push(v);
		v.send({ type: 'call_start', callId: 'x', sdp: OFFER });
		await v.waitFrame((f) => f.type === 'error' && f.code === 'invalid_call');
		// A description over MAX_SDP (the frame itself within the socket's limit).
		v.send({ type: 'call_start', callId: callId(), sdp: `v=0${'x'.repeat(13_000)}` });
		await waitFor(() => v.frames.filter((f) => f.type === 'error' && f.code === 'invalid_call').length >= 2, 10_000, 'second refusal');
		v.send({ type: 'call_permission', granted: 'yes' });
		await waitFor(() => v.frames.filter((f) => f.type === 'error' && f.code === 'invalid_call').length >= 3, 10_000, 'permission refusal');
		expect(v.closeCode).toBeNull();
	}, 30_000);

	it('the microphone permission outcome is recorded (S8.5)', async () => {
		const v = await Visitor.start(server.url, CHAT, 'Mic');
		open.push(v);
		// A visitor who never wrote has no contact: the permission event comes after a message.
		v.send({ type: 'message', id: 'mic-visitor-0001', text: 'hello' });
		await v.waitFrame((f) => f.type === 'ack');
		const { contactId, docId } = await contactOf(server, v);
		v.send({ type: 'call_permission', granted: false });
		await waitFor(() => foldPermissions(contactId, events(ana, docId)).length === 1, 10_000, 'permission event');
		expect(foldPermissions(contactId, events(ana, docId))[0]).toMatchObject({ granted: false });
	}, 30_000);

	it('an outgoing call reaches the open web chat, assigns the contact to the caller, and the visitor\'s answer comes back', async () => {
		const v = await Visitor.start(server.url, CHAT, 'Callee');
		open.push(v);
		v.send({ type: 'message', id: 'out-visitor-0001', text: 'call me' });
		await v.waitFrame((f) => f.type === 'ack');
		const { contactId, docId } = await contactOf(server, v);
		await waitFor(() => ana.docs.has(docId) && events(ana, docId).length > 0, 10_000, 'contact at Ana');
		const id = callId();
		expect((await api(server.url, tokens.tom!, 'POST', '/api/calls', { contactId, callId: id, sdp: OFFER })).status).toBe(404);
		expect((await api(server.url, tokens.ana!, 'POST', '/api/calls', { contactId, callId: id, sdp: OFFER })).status).toBe(201);
		await v.waitFrame((f) => f.type === 'call_incoming' && f.callId === id && f.agent === 'Ana Souza');
		await waitFor(() => contactDoc(ana.doc(docId)).assignment.get().userId === 'u-ana', 10_000, 'assigned to the caller');
		const waiting = api(server.url, tokens.ana!, 'GET', `/api/calls/${id}/remote?wait=10000`);
		v.send({ type: 'call_accept', callId: id, sdp: ANSWER });
		const remote = await waiting;
		expect(remote.json).toMatchObject({ sdp: ANSWER, status: 'answered' });
		v.send({ type: 'call_hangup', callId: id });
		await waitFor(() => foldCalls(contactId, events(ana, docId)).some((c) => c.id === id && c.status === 'ended' && c.endedBy === 'contact'), 10_000, 'ended by the contact');
	}, 30_000);
});

describe('call timers', () => {
	let server: TestServer;
	let owner: SyncClient;
	let token: string;
	const open: Array<{ close(): void }> = [];

	beforeAll(async () => {
		server = await startTestServer({ channels: { allowPrivate: true }, calls: { settings: { ringWindowSec: 1, maxDurationSec: 1, recording: false } } });
		token = (await login(server.url, 'owner@demo.test')).accessToken;
		owner = new SyncClient({ url: server.url, token });
		await owner.connect();
	}, 60_000);

	afterAll(async () => {
		for (const c of open) c.close();
		owner?.close();
		await server?.destroy();
	});

	it('nobody answers in the ring window: missed, and the visitor is told', async () => {
		const v = await Visitor.start(server.url, CHAT, 'Missed');
		open.push(v);
		const id = callId();
		v.send({ type: 'call_start', callId: id, sdp: OFFER });
		await v.waitFrame((f) => f.type === 'call_state' && f.callId === id && f.status === 'missed', 'missed');
		const { contactId, docId } = await contactOf(server, v);
		await waitFor(() => foldCalls(contactId, events(owner, docId)).some((c) => c.id === id && c.status === 'missed' && c.endedBy === 'system'), 10_000, 'missed event');
		expect(events(owner, docId).some((e) => e.type === CALL_EVENTS.missed)).toBe(true);
	}, 30_000);

	it('a call reaching the maximum duration ends by itself, recorded as such', async () => {
		const v = await Visitor.start(server.url, CHAT, 'Long');
		open.push(v);
		const id = callId();
		v.send({ type: 'call_start', callId: id, sdp: OFFER });
		await v.waitFrame((f) => f.type === 'call_state' && f.callId === id && f.status === 'ringing');
		const answered = await api(server.url, token, 'POST', `/api/calls/${id}/answer`);
		// On a loaded machine the one-second ring window may be over first; then the call is missed, not ended.
		if (answered.status !== 200) return expect(answered.json.error).toMatchObject({ code: 'not_ringing' });
		// This workspace does not record calls: the agent is told, and the server refuses.
		expect(answered.json.recording).toBe(false);
		const rec = await api(server.url, token, 'POST', `/api/calls/${id}/recording-started`);
		expect([403, 404]).toContain(rec.status);
		await v.waitFrame((f) => f.type === 'call_state' && f.callId === id && f.status === 'ended' && f.reason === 'max_duration', 'ended at max');
		const { contactId, docId } = await contactOf(server, v);
		await waitFor(() => foldCalls(contactId, events(owner, docId)).some((c) => c.id === id && c.endReason === 'max_duration'), 10_000, 'max duration event');
	}, 30_000);
});

describe('call recording and transcript', () => {
	let server: TestServer;
	let owner: SyncClient;
	let token: string;

	beforeAll(async () => {
		server = await startTestServer({ channels: { allowPrivate: true } });
		token = (await login(server.url, 'owner@demo.test')).accessToken;
		owner = new SyncClient({ url: server.url, token });
		await owner.connect();
	}, 60_000);

	afterAll(async () => {
		owner?.close();
		await server?.destroy();
	});

	it('the answering agent attaches the recording; the server transcribes it (pocketsphinx) and summarizes it', async () => {
		const v = await Visitor.start(server.url, CHAT, 'Rec');
		const id = callId();
		v.send({ type: 'call_start', callId: id, sdp: OFFER });
		await v.waitFrame((f) => f.type === 'call_state' && f.status === 'ringing');
		const answered = await api(server.url, token, 'POST', `/api/calls/${id}/answer`);
		expect(answered).toMatchObject({ status: 200, json: { recording: true } });
		expect((await api(server.url, token, 'POST', `/api/calls/${id}/recording-started`)).status).toBe(204);
		await v.waitFrame((f) => f.type === 'call_recorded' && f.callId === id);
		expect((await api(server.url, token, 'POST', `/api/calls/${id}/end`)).status).toBe(204);
		const { contactId, docId } = await contactOf(server, v);
		// The recording: a WAV espeak-ng speaks, uploaded into the contact's conversation.
		const wav = join(tempDir('parley-call-'), 'rec.wav');
		execFileSync('espeak-ng', ['-v', 'en-us', '-s', '130', '-g', '8', '-w', wav, 'tomorrow morning. tomorrow morning. thank you.']);
		const up = await fetch(`${server.url}/api/uploads?contact=${contactId}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'audio/wav', 'x-file-name': 'call.wav' }, body: readFileSync(wav) });
		expect(up.status).toBe(201);
		const { attachment } = (await up.json()) as { attachment: { storageName: string } };
		expect((await api(server.url, token, 'POST', `/api/calls/${id}/recording`, { storageName: 'nope' })).status).toBe(400);
		expect((await api(server.url, token, 'POST', `/api/calls/${id}/recording`, { storageName: attachment.storageName })).status).toBe(201);
		await server.calls.idle();
		await waitFor(() => foldCalls(contactId, events(owner, docId)).some((c) => c.id === id && c.summary !== undefined), 30_000, 'transcript and summary');
		const call = foldCalls(contactId, events(owner, docId)).find((c) => c.id === id)!;
		expect(call.recording?.storageName).toBe(attachment.storageName);
		expect(call.transcript).toMatch(/tomorrow/);
		expect(call.summary?.title).toMatch(/tomorrow/);
		v.close();
	}, 60_000);

	it('a web chat channel takes calls only when its calls option is on', async () => {
		expect((await api(server.url, token, 'PATCH', `/api/directory/channels/${CHAT}`, { calls: 'yes' })).status).toBe(400);
		expect((await api(server.url, token, 'PATCH', `/api/directory/channels/${CHAT}`, { calls: false })).status).toBe(200);
		const v = await Visitor.start(server.url, CHAT, 'No calls');
		await v.waitFrame((f) => f.type === 'call_config' && f.enabled === false, 'calls off');
		v.send({ type: 'call_start', callId: callId(), sdp: OFFER });
		await v.waitFrame((f) => f.type === 'error' && f.code === 'calls_off');
		const page = await (await fetch(`${server.url}/chat/${CHAT}`)).text();
		expect(page).toMatch(/<button type="button" id="call" hidden>/);
		expect((await api(server.url, token, 'PATCH', `/api/directory/channels/${CHAT}`, { calls: true })).status).toBe(200);
		const w = await Visitor.start(server.url, CHAT, 'Calls again');
		await w.waitFrame((f) => f.type === 'call_config' && f.enabled === true, 'calls on');
		v.close();
		w.close();
	}, 30_000);
});
