/**
 * Voice calls on the server (SPEC S2.1-S2.5, S8.5): signalling relay, answer arbitration,
 * timers and the call's record. The media never passes here (WebRTC peer to peer).
 *
 * - Every transition goes through the domain's `callStep` (src/lib/domain/calls.ts), applied
 *   here one at a time (Node runs one handler at a time and the live state is updated before
 *   anything is awaited), so when two agents answer the same instant the first applied wins and
 *   the other is told "answered by X" (409 answered_by).
 * - Each transition is written as a `call_*` event into the contact document: it replicates to
 *   exactly the users who may see the contact (S1.3) and to nobody else, and is the durable call
 *   log (thread, drawer, Incoming calls list). HTTP calls of users who may not see the contact
 *   are refused as if the call did not exist.
 * - Answering (or placing) a call of a contact without an assignee assigns it to the agent (S2.3).
 * - The ring window and the maximum duration (workspace settings, `CallSettings`) are timers
 *   here; when they run out the call becomes missed / ended at the maximum.
 * - A recording (uploaded through the uploads of S5.14 into the contact's conversation) is
 *   attached to the call; when transcripts are on the server transcribes it (`transcribe.ts`)
 *   and, when summaries are on, summarizes the transcript (`../ai/call-summary.ts`).
 *
 * Live calls are held in this process (the visitor's socket is here). With several processes
 * behind a load balancer an agent's HTTP call must reach the process holding the visitor's
 * socket (sticky routing by contact); see docs/operations.md.
 */
import { contactDoc, serverOrigin } from '../../../src/lib/doc';
import { assign, openOnIncoming } from '../../../src/lib/domain/actions';
import { CALL_EVENTS, callStep, dueAt, isFinished, ringingData, startCall, type CallInput, type CallSettings, type CallState, type CallSummary } from '../../../src/lib/domain/calls';
import { contactDocId, newId } from '../../../src/lib/domain/ids';
import type { Attachment, Author, Channel, ContactId, Directory, EntryId, EventSource, User, UserId } from '../../../src/lib/domain/types';
import { callSettingsOf, DEFAULT_CALL_SETTINGS } from '../../../src/lib/domain/calls';
import type { IceServer, ServerCallFrame, VisitorCallFrame } from '../../../src/lib/protocol/calls';
import type { Rooms } from '../rooms';
import type { UploadStore } from '../http/upload-store';
import type { Visibility } from '../visibility';
import { ensureContact } from '../channels/thread-writes';
import type { CallSummarizer } from '../ai/call-summary';
import type { Transcriber } from './transcribe';

/** What the calls need of one web chat visitor socket. */
export interface VisitorLink {
	readonly contactId: ContactId;
	readonly channel: Channel;
	readonly visitorName: string;
	sendCall(frame: ServerCallFrame): void;
}

export interface CallsDeps {
	rooms: Rooms;
	visibility: Pick<Visibility, 'directory' | 'user' | 'canSee'>;
	/** The open visitor sockets of a contact. */
	visitorsOf: (contactId: ContactId) => readonly VisitorLink[];
	clock: () => number;
	log: (message: string) => void;
	uploads?: UploadStore;
	transcriber?: Transcriber;
	summarizer?: CallSummarizer;
	iceServers: IceServer[];
	/** Server defaults under the workspace's own options. */
	settings?: Partial<CallSettings>;
}

export type CallError = { status: number; code: string; message: string; userId?: string; name?: string };
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: CallError };

interface LiveCall {
	state: CallState;
	/** The visitor's offer (incoming call). */
	offer: string | null;
	/** The visitor socket that placed or took the call. */
	visitor: VisitorLink | null;
	timer: NodeJS.Timeout | null;
	/** Outgoing call: who waits for the visitor's answer. */
	remote: { sdp: string | null; waiters: Array<(sdp: string | null) => void> };
}

/** How long a finished call still takes its recording. */
const FINISHED_KEEP_MS = 3 * 3_600_000;
const SYSTEM: Author = { type: 'system', id: 'calls' };

const fail = <T>(status: number, code: string, message: string, extra: Partial<CallError> = {}): CallResult<T> => ({ ok: false, error: { status, code, message, ...extra } });

export class CallService {
	private readonly live = new Map<string, LiveCall>();
	private readonly finished = new Map<string, { state: CallState; at: number }>();
	/** Transcriptions and summaries in flight (tests and close wait for them). */
	private readonly work = new Set<Promise<void>>();
	private closed = false;

	constructor(private readonly deps: CallsDeps) {}

	get settings(): CallSettings {
		return { ...DEFAULT_CALL_SETTINGS, ...this.deps.settings, ...callSettingsOf(this.deps.visibility.directory.options) };
	}

	get iceServers(): IceServer[] {
		return this.deps.iceServers;
	}

	/** The visitor's socket opened: tell it whether it may call. */
	visitorOpened(link: VisitorLink): void {
		link.sendCall({ type: 'call_config', enabled: link.channel.calls === true, iceServers: this.deps.iceServers });
		// A call ringing for this contact (placed by an agent) rings on this new socket too.
		for (const call of this.live.values()) {
			if (call.state.contactId === link.contactId && call.state.direction === 'out' && call.state.status === 'ringing' && call.offer) {
				link.sendCall({ type: 'call_incoming', callId: call.state.id, sdp: call.offer, agent: this.nameOf(call.state.startedBy) });
			}
		}
	}

	/** A visitor's socket closed: its call ends (an ongoing call) or is missed (a ringing one). */
	visitorClosed(link: VisitorLink): void {
		for (const call of [...this.live.values()]) {
			if (call.visitor === link) void this.apply(call, { type: 'hangup', by: 'contact', at: this.deps.clock() }, { type: 'contact', id: link.contactId }, 'contact');
		}
	}

	/** A call frame from a visitor socket; an error frame's code and message when refused. */
	async fromVisitor(link: VisitorLink, f: VisitorCallFrame): Promise<{ code: string; message: string } | null> {
		const contactAuthor: Author = { type: 'contact', id: link.contactId };
		switch (f.type) {
			case 'call_permission': {
				const at = this.deps.clock();
				await this.deps.rooms.applyServerChange(contactDocId(link.contactId), (ydoc) => {
					const c = ensureContact(ydoc, link.contactId, link.channel.id, link.visitorName ? { firstName: link.visitorName } : {}, at - 1);
					c.thread.append({ id: newId() as EntryId, kind: 'event', at, author: contactAuthor, type: CALL_EVENTS.permission, source: 'contact', data: { ...(f.callId ? { callId: f.callId } : {}), granted: f.granted, channelId: link.channel.id } });
				});
				return null;
			}
			case 'call_start': {
				if (link.channel.calls !== true) return { code: 'calls_off', message: 'This chat does not take calls.' };
				if (this.live.has(f.callId) || this.finished.has(f.callId)) return { code: 'invalid_call', message: 'This call id is taken.' };
				if (this.liveOf(link.contactId)) return { code: 'busy', message: 'A call is already in progress.' };
				const state = startCall({ id: f.callId, contactId: link.contactId, channelId: link.channel.id, direction: 'in', at: this.deps.clock() });
				const call: LiveCall = { state, offer: f.sdp, visitor: link, timer: null, remote: { sdp: null, waiters: [] } };
				this.live.set(f.callId, call);
				let blocked = false;
				await this.deps.rooms.applyServerChange(contactDocId(link.contactId), (ydoc) => {
					const c = ensureContact(ydoc, link.contactId, link.channel.id, link.visitorName ? { firstName: link.visitorName } : {}, state.startedAt - 2);
					// A blocked contact's call rings nowhere (S7.6); they are told nobody is available.
					blocked = c.profile.get().blocked;
					if (blocked) return;
					c.transact(() => {
						// A call from the contact opens their conversation, as a message does (S7.1).
						c.applyAction(openOnIncoming(c.state.get(), state.startedAt - 1), contactAuthor, state.startedAt - 1, newId);
						c.thread.append({ id: newId() as EntryId, kind: 'event', at: state.startedAt, author: contactAuthor, type: CALL_EVENTS.ringing, source: 'contact', data: ringingData(state) });
					});
				});
				if (blocked) {
					this.live.delete(f.callId);
					return { code: 'unavailable', message: 'Nobody can take your call right now.' };
				}
				this.arm(call);
				link.sendCall({ type: 'call_state', callId: f.callId, status: 'ringing' });
				return null;
			}
			case 'call_accept': {
				const call = this.live.get(f.callId);
				if (!call || call.state.contactId !== link.contactId || call.state.direction !== 'out') return { code: 'unknown_call', message: 'No such call.' };
				const by = call.state.startedBy;
				if (!by) return { code: 'unknown_call', message: 'No such call.' };
				const res = await this.apply(call, { type: 'answer', userId: by, at: this.deps.clock() }, contactAuthor, 'contact');
				if (!res.ok) return { code: res.error.code, message: res.error.message };
				call.visitor = link;
				call.remote.sdp = f.sdp;
				for (const w of call.remote.waiters.splice(0)) w(f.sdp);
				return null;
			}
			case 'call_hangup': {
				const call = this.live.get(f.callId);
				if (!call || call.state.contactId !== link.contactId) return null;
				await this.apply(call, { type: 'hangup', by: 'contact', at: this.deps.clock() }, contactAuthor, 'contact');
				return null;
			}
		}
	}

	// --- agents (HTTP) ---------------------------------------------------------------------------

	/** S2.1, S2.3: the first agent to answer gets the call and, if unassigned, the contact. */
	async answer(me: User, callId: string): Promise<CallResult<{ callId: string; contactId: ContactId; sdp: string }>> {
		const call = this.visibleLive(me, callId);
		if (!call) return fail(404, 'not_found', 'No such call.');
		if (call.state.direction !== 'in' || !call.offer) return fail(409, 'not_ringing', 'This call is not waiting for an answer.');
		const res = await this.apply(call, { type: 'answer', userId: me.id, at: this.deps.clock() }, { type: 'user', id: me.id }, 'user', true);
		if (!res.ok) return res;
		return { ok: true, value: { callId, contactId: call.state.contactId, sdp: call.offer } };
	}

	/** The answering agent's session description, relayed to the visitor. */
	agentAnswer(me: User, callId: string, sdp: string): CallResult<null> {
		const call = this.visibleLive(me, callId);
		if (!call || call.state.answeredBy !== me.id || !call.visitor) return fail(404, 'not_found', 'No such call of yours.');
		call.visitor.sendCall({ type: 'call_answer', callId, sdp });
		call.visitor.sendCall({ type: 'call_state', callId, status: 'answered' });
		return { ok: true, value: null };
	}

	async end(me: User, callId: string): Promise<CallResult<null>> {
		const call = this.visibleLive(me, callId);
		if (!call) return fail(404, 'not_found', 'No such call.');
		const res = await this.apply(call, { type: 'hangup', by: 'user', at: this.deps.clock() }, { type: 'user', id: me.id }, 'user');
		return res.ok ? { ok: true, value: null } : res;
	}

	/** An outgoing call to a contact whose web chat is open (S2.3 assignment rule applies). */
	async call(me: User, contactId: ContactId, callId: string, sdp: string): Promise<CallResult<{ callId: string }>> {
		if (!this.deps.visibility.canSee(me.id, contactDocId(contactId))) return fail(404, 'not_found', 'No such contact.');
		const links = this.deps.visitorsOf(contactId).filter((l) => l.channel.calls === true);
		if (links.length === 0) return fail(409, 'contact_offline', 'The contact has no web chat open that takes calls.');
		if (this.live.has(callId) || this.finished.has(callId)) return fail(409, 'bad_request', 'This call id is taken.');
		if (this.liveOf(contactId)) return fail(409, 'busy', 'A call is already in progress with this contact.');
		const channel = links[0]!.channel;
		const state = startCall({ id: callId, contactId, channelId: channel.id, direction: 'out', at: this.deps.clock(), startedBy: me.id });
		const call: LiveCall = { state, offer: sdp, visitor: null, timer: null, remote: { sdp: null, waiters: [] } };
		this.live.set(callId, call);
		const author: Author = { type: 'user', id: me.id };
		await this.deps.rooms.applyServerChange(contactDocId(contactId), (ydoc) => {
			const c = contactDoc(ydoc, serverOrigin());
			c.transact(() => {
				const a = c.assignment.get();
				if (a.userId === null) c.applyAction(assign(a, { userId: me.id }, 'user'), author, state.startedAt - 1, newId);
				c.thread.append({ id: newId() as EntryId, kind: 'event', at: state.startedAt, author, type: CALL_EVENTS.ringing, source: 'user', data: ringingData(state) });
			});
		});
		this.arm(call);
		for (const l of links) l.sendCall({ type: 'call_incoming', callId, sdp, agent: me.name });
		return { ok: true, value: { callId } };
	}

	/** Outgoing call: the visitor's answer, when they take the call (null: not yet, ask again). */
	async remoteAnswer(me: User, callId: string, waitMs: number): Promise<CallResult<{ sdp: string | null; status: CallState['status'] }>> {
		const call = this.visibleLive(me, callId);
		if (!call) {
			const done = this.finished.get(callId);
			if (done && done.state.startedBy === me.id) return { ok: true, value: { sdp: null, status: done.state.status } };
			return fail(404, 'not_found', 'No such call.');
		}
		if (call.remote.sdp || waitMs <= 0) return { ok: true, value: { sdp: call.remote.sdp, status: call.state.status } };
		const sdp = await new Promise<string | null>((resolve) => {
			const t = setTimeout(() => resolve(null), waitMs);
			call.remote.waiters.push((v) => {
				clearTimeout(t);
				resolve(v);
			});
		});
		return { ok: true, value: { sdp, status: call.state.status } };
	}

	/** The agent started recording: the visitor is told (S2.2). */
	recordingStarted(me: User, callId: string): CallResult<null> {
		const call = this.visibleLive(me, callId);
		if (!call || call.state.answeredBy !== me.id) return fail(404, 'not_found', 'No such call of yours.');
		if (!this.settings.recording) return fail(403, 'recording_off', 'This workspace does not record calls.');
		call.visitor?.sendCall({ type: 'call_recorded', callId });
		return { ok: true, value: null };
	}

	/**
	 * The recording of a call, uploaded by its agent into the contact's conversation: attached to
	 * the call; transcribed and summarized in the background when those settings are on.
	 */
	async attachRecording(me: User, callId: string, storageName: string): Promise<CallResult<{ attachment: Attachment }>> {
		const state = this.live.get(callId)?.state ?? this.finished.get(callId)?.state;
		if (!state || !this.deps.visibility.canSee(me.id, contactDocId(state.contactId))) return fail(404, 'not_found', 'No such call.');
		if (state.answeredBy !== me.id) return fail(403, 'forbidden', 'Only the agent on the call records it.');
		if (!this.settings.recording) return fail(403, 'recording_off', 'This workspace does not record calls.');
		const uploads = this.deps.uploads;
		const side = uploads ? await uploads.sidecar(storageName) : null;
		if (!uploads || !side || side.contactId !== state.contactId) return fail(400, 'bad_request', 'Upload the recording into this contact\'s conversation first (POST /api/uploads?contact=...).');
		const attachment: Attachment = { storageName, name: side.name, size: side.size, mime: side.mime };
		const author: Author = { type: 'user', id: me.id };
		await this.write(state.contactId, [{ type: CALL_EVENTS.recording, at: this.deps.clock(), data: { callId, attachment } }], author, 'user');
		if (this.settings.transcripts && this.deps.transcriber) this.track(this.transcribe(state, attachment));
		return { ok: true, value: { attachment } };
	}

	/** Resolves when background transcriptions and summaries are done. */
	async idle(): Promise<void> {
		while (this.work.size > 0) await Promise.allSettled([...this.work]);
	}

	close(): void {
		this.closed = true;
		for (const call of this.live.values()) {
			if (call.timer) clearTimeout(call.timer);
			for (const w of call.remote.waiters.splice(0)) w(null);
		}
	}

	// --- internals -------------------------------------------------------------------------------

	private track(p: Promise<void>): void {
		this.work.add(p);
		void p.finally(() => this.work.delete(p));
	}

	private async transcribe(state: CallState, a: Attachment): Promise<void> {
		const uploads = this.deps.uploads;
		const transcriber = this.deps.transcriber;
		if (!uploads || !transcriber) return;
		try {
			const side = await uploads.sidecar(a.storageName);
			const file = side ? await uploads.read(a.storageName, side) : null;
			if (!file) return;
			const text = (await transcriber.transcribe(file.data, a.mime)).trim();
			if (this.closed) return;
			await this.write(state.contactId, [{ type: CALL_EVENTS.transcript, at: this.deps.clock(), data: { callId: state.id, text, engine: transcriber.name } }], SYSTEM, 'system');
			if (!this.settings.summary || !this.deps.summarizer || !text) return;
			const summary: CallSummary = await this.deps.summarizer.callSummary({ transcript: text, agentName: this.nameOf(state.answeredBy), contactName: '' });
			if (this.closed) return;
			await this.write(state.contactId, [{ type: CALL_EVENTS.summary, at: this.deps.clock(), data: { callId: state.id, summary, engine: this.deps.summarizer.name } }], SYSTEM, 'system');
		} catch (err) {
			this.deps.log(`calls: transcription of ${state.id} failed: ${err instanceof Error ? err.message : String(err)}`);
			if (!this.closed) await this.write(state.contactId, [{ type: CALL_EVENTS.transcript, at: this.deps.clock(), data: { callId: state.id, text: '', error: 'transcription_failed' } }], SYSTEM, 'system').catch(() => {});
		}
	}

	private nameOf(id: UserId | null): string {
		return (id && this.deps.visibility.user(id)?.name) || '';
	}

	private liveOf(contactId: ContactId): LiveCall | undefined {
		for (const c of this.live.values()) if (c.state.contactId === contactId) return c;
		return undefined;
	}

	private visibleLive(me: User, callId: string): LiveCall | undefined {
		const call = this.live.get(callId);
		if (!call || !me.active || !this.deps.visibility.canSee(me.id, contactDocId(call.state.contactId))) return undefined;
		return call;
	}

	/**
	 * One input applied: the live state moves at once (so a concurrent input sees it), then the
	 * event (and, for an answer with `assignIfFree`, the assignment) is written and the visitor told.
	 */
	private async apply(call: LiveCall, input: CallInput, author: Author, source: EventSource, assignIfFree = false): Promise<CallResult<CallState>> {
		const step = callStep(call.state, input, this.settings);
		if (!step.ok) {
			if (step.code === 'answered_by') {
				const name = this.nameOf(step.answeredBy ?? null);
				return fail(409, 'answered_by', `Answered by ${name || 'another agent'}.`, { ...(step.answeredBy ? { userId: step.answeredBy } : {}), name });
			}
			return fail(409, step.code, step.code === 'finished' ? 'This call has ended.' : 'This call is not ringing.');
		}
		call.state = step.state;
		if (isFinished(step.state)) this.retire(call);
		else this.arm(call);
		const event = step.event;
		const userId = input.type === 'answer' ? input.userId : null;
		await this.deps.rooms.applyServerChange(contactDocId(call.state.contactId), (ydoc) => {
			const c = contactDoc(ydoc, serverOrigin());
			c.transact(() => {
				const a = c.assignment.get();
				if (assignIfFree && userId && a.userId === null) c.applyAction(assign(a, { userId }, 'user'), author, event.at - 1, newId);
				c.thread.append({ id: newId() as EntryId, kind: 'event', at: event.at, author, type: event.type, source, data: event.data });
			});
		});
		const reason = typeof event.data.reason === 'string' ? event.data.reason : undefined;
		if (step.state.status !== 'answered' || step.state.direction === 'out') {
			for (const l of call.visitor ? [call.visitor] : this.deps.visitorsOf(call.state.contactId)) {
				l.sendCall({ type: 'call_state', callId: call.state.id, status: step.state.status, ...(reason ? { reason } : {}) });
			}
		}
		return { ok: true, value: step.state };
	}

	private arm(call: LiveCall): void {
		if (call.timer) clearTimeout(call.timer);
		call.timer = null;
		const due = dueAt(call.state, this.settings);
		if (due === null || this.closed) return;
		call.timer = setTimeout(() => {
			call.timer = null;
			if (this.live.get(call.state.id) !== call) return;
			this.apply(call, { type: 'tick', at: Math.max(due, this.deps.clock()) }, SYSTEM, 'system').catch((err: unknown) => this.deps.log(`calls: timer of ${call.state.id}: ${String(err)}`));
		}, Math.max(0, due - this.deps.clock()));
		call.timer.unref();
	}

	private retire(call: LiveCall): void {
		if (call.timer) clearTimeout(call.timer);
		call.timer = null;
		this.live.delete(call.state.id);
		for (const w of call.remote.waiters.splice(0)) w(null);
		const now = this.deps.clock();
		this.finished.set(call.state.id, { state: call.state, at: now });
		for (const [id, f] of this.finished) if (now - f.at > FINISHED_KEEP_MS) this.finished.delete(id);
	}

	private async write(contactId: ContactId, events: { type: string; at: number; data: Record<string, unknown> }[], author: Author, source: EventSource): Promise<void> {
		await this.deps.rooms.applyServerChange(contactDocId(contactId), (ydoc) => {
			const c = contactDoc(ydoc, serverOrigin());
			c.transact(() => {
				for (const e of events) c.thread.append({ id: newId() as EntryId, kind: 'event', at: e.at, author, type: e.type, source, data: e.data });
			});
		});
	}
}

/** Settings from the environment (`CALL_RING_SEC`, `CALL_MAX_DURATION_SEC`, `CALL_RECORDING`, `CALL_TRANSCRIPTS`, `CALL_SUMMARY`). */
export function callSettingsFromEnv(env: NodeJS.ProcessEnv): Partial<CallSettings> {
	const out: Partial<CallSettings> = {};
	const n = (v: string | undefined) => (v && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : undefined);
	const b = (v: string | undefined) => (v === undefined ? undefined : v === '1' || v === 'true' || v === 'on');
	const ring = n(env.CALL_RING_SEC);
	const max = n(env.CALL_MAX_DURATION_SEC);
	if (ring) out.ringWindowSec = ring;
	if (max) out.maxDurationSec = max;
	const rec = b(env.CALL_RECORDING);
	const tr = b(env.CALL_TRANSCRIPTS);
	const su = b(env.CALL_SUMMARY);
	if (rec !== undefined) out.recording = rec;
	if (tr !== undefined) out.transcripts = tr;
	if (su !== undefined) out.summary = su;
	return out;
}

export type { Directory };
