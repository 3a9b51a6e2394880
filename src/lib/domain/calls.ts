/**
 * Voice calls as pure transitions (SPEC S2.1-S2.5, S8.5).
 *
 * A call is a channel capability: the web chat carries it today (WebRTC between the visitor's
 * page and the agent's browser), a SIP or WhatsApp calling adapter can carry it later. Whatever
 * carries it, the call's life is this state machine, and its record is a run of thread events
 * in the contact document (`call_*` events, all with `data.callId`), written by the server only:
 * they replicate to exactly the users who may see the contact, show in the thread, and fold back
 * into `CallState` with `foldCalls` anywhere (server, client, summary).
 *
 *   ringing --answer--> answered --hangup--> ended (hangup)
 *      |                    |--tick past maxDuration--> ended (max_duration, at answeredAt + max)
 *      |                    '--fail--> failed
 *      |--tick past ring window / hangup before answer--> missed
 *      '--fail--> failed
 *
 * The answer race (two agents answering the same instant) is decided by whoever applies the
 * inputs first, the server: `callStep` on an answered call refuses with `answered_by` naming the
 * winner. Terminal states (ended, missed, failed) refuse everything.
 */
import type { Attachment, ChannelId, ContactId, EventEntry, UserId, WorkspaceOptions } from './types';

export type CallStatus = 'ringing' | 'answered' | 'ended' | 'missed' | 'failed';
/** `in`: the contact calls; `out`: an agent calls the contact. */
export type CallDirection = 'in' | 'out';
export type CallEndReason = 'hangup' | 'max_duration';
export type CallParty = 'contact' | 'user' | 'system';

/** The thread event types of a call (EventEntry.type). */
export const CALL_EVENTS = {
	ringing: 'call_ringing',
	answered: 'call_answered',
	ended: 'call_ended',
	missed: 'call_missed',
	failed: 'call_failed',
	/** S8.5: the contact's microphone permission was accepted or declined. */
	permission: 'call_permission',
	recording: 'call_recording',
	transcript: 'call_transcript',
	summary: 'call_summary'
} as const;
export type CallEventType = (typeof CALL_EVENTS)[keyof typeof CALL_EVENTS];
const CALL_EVENT_TYPES = new Set<string>(Object.values(CALL_EVENTS));

export function isCallEvent(e: { kind: string; type?: string }): boolean {
	return e.kind === 'event' && typeof e.type === 'string' && CALL_EVENT_TYPES.has(e.type);
}

/** Workspace call settings (an owner's choice; defaults below). */
export interface CallSettings {
	/** How long a call rings before it is missed. */
	ringWindowSec: number;
	/** Longest call; it ends by itself at this length (S8.5 "ended at the maximum duration"). */
	maxDurationSec: number;
	/** Whether agents may record calls (S2.2 Record button). */
	recording: boolean;
	/** Whether recordings are transcribed on the server. */
	transcripts: boolean;
	/** Whether a transcribed call gets an AI summary (S2.4). */
	summary: boolean;
}

export const DEFAULT_CALL_SETTINGS: CallSettings = {
	ringWindowSec: 45,
	maxDurationSec: 3600,
	recording: true,
	transcripts: true,
	summary: true
};

/** The call settings a workspace's options set (issue 20's `WorkspaceOptions`). */
export function callSettingsOf(o: WorkspaceOptions | undefined): Partial<CallSettings> {
	const out: Partial<CallSettings> = {};
	if (!o) return out;
	if (typeof o.callRecording === 'boolean') out.recording = o.callRecording;
	if (typeof o.callTranscripts === 'boolean') out.transcripts = o.callTranscripts;
	if (typeof o.maxCallMinutes === 'number' && o.maxCallMinutes > 0) out.maxDurationSec = Math.round(o.maxCallMinutes * 60);
	return out;
}

/** S2.4: the AI call summary. */
/** S2.4: the AI call summary, as the AI providers produce it (`domain/ai.ts`). */
export type { CallSummary } from './ai';
import type { CallSummary } from './ai';

export interface CallState {
	id: string;
	contactId: ContactId;
	channelId: ChannelId;
	direction: CallDirection;
	status: CallStatus;
	startedAt: number;
	/** The agent who placed an outgoing call. */
	startedBy: UserId | null;
	answeredAt: number | null;
	answeredBy: UserId | null;
	endedAt: number | null;
	endReason: CallEndReason | null;
	endedBy: CallParty | null;
	failure: string | null;
	recording?: Attachment;
	transcript?: string;
	summary?: CallSummary;
}

export type CallInput =
	| { type: 'answer'; userId: UserId; at: number }
	| { type: 'hangup'; by: CallParty; at: number }
	/** Time passes: the ring window or the maximum duration may run out. */
	| { type: 'tick'; at: number }
	| { type: 'fail'; reason: string; at: number };

export type CallRefusal = 'answered_by' | 'not_ringing' | 'finished' | 'not_due';

export type CallStep =
	| { ok: true; state: CallState; event: { type: CallEventType; at: number; data: Record<string, unknown> } }
	| { ok: false; code: CallRefusal; answeredBy?: UserId };

export function isFinished(s: Pick<CallState, 'status'>): boolean {
	return s.status === 'ended' || s.status === 'missed' || s.status === 'failed';
}

export function startCall(p: { id: string; contactId: ContactId; channelId: ChannelId; direction: CallDirection; at: number; startedBy?: UserId | null }): CallState {
	return {
		id: p.id,
		contactId: p.contactId,
		channelId: p.channelId,
		direction: p.direction,
		status: 'ringing',
		startedAt: p.at,
		startedBy: p.startedBy ?? null,
		answeredAt: null,
		answeredBy: null,
		endedAt: null,
		endReason: null,
		endedBy: null,
		failure: null
	};
}

/** The data of the `call_ringing` event that starts a call. */
export function ringingData(s: CallState): Record<string, unknown> {
	return { callId: s.id, direction: s.direction, channelId: s.channelId, ...(s.startedBy ? { startedBy: s.startedBy } : {}) };
}

/** When the call changes by itself next (ring window, maximum duration); null when finished. */
export function dueAt(s: CallState, settings: Pick<CallSettings, 'ringWindowSec' | 'maxDurationSec'>): number | null {
	if (s.status === 'ringing') return s.startedAt + settings.ringWindowSec * 1000;
	if (s.status === 'answered' && s.answeredAt !== null) return s.answeredAt + settings.maxDurationSec * 1000;
	return null;
}

/** Seconds the call has lasted (answered to ended, or to `now` while ongoing); 0 when never answered. */
export function callDuration(s: CallState, now: number): number {
	if (s.answeredAt === null) return 0;
	return Math.max(0, Math.floor(((s.endedAt ?? now) - s.answeredAt) / 1000));
}

/** One input applied to a call: its next state and the event that records it, or why not. */
export function callStep(s: CallState, input: CallInput, settings: Pick<CallSettings, 'ringWindowSec' | 'maxDurationSec'>): CallStep {
	if (isFinished(s)) return { ok: false, code: 'finished' };
	const id = s.id;
	switch (input.type) {
		case 'answer': {
			if (s.status === 'answered') return { ok: false, code: 'answered_by', ...(s.answeredBy ? { answeredBy: s.answeredBy } : {}) };
			const due = dueAt(s, settings);
			if (due !== null && input.at >= due) return { ok: false, code: 'not_ringing' };
			const state: CallState = { ...s, status: 'answered', answeredAt: input.at, answeredBy: input.userId };
			return { ok: true, state, event: { type: CALL_EVENTS.answered, at: input.at, data: { callId: id, userId: input.userId } } };
		}
		case 'hangup': {
			if (s.status === 'ringing') {
				const state: CallState = { ...s, status: 'missed', endedAt: input.at, endedBy: input.by };
				return { ok: true, state, event: { type: CALL_EVENTS.missed, at: input.at, data: { callId: id, by: input.by } } };
			}
			const state: CallState = { ...s, status: 'ended', endedAt: input.at, endedBy: input.by, endReason: 'hangup' };
			return { ok: true, state, event: { type: CALL_EVENTS.ended, at: input.at, data: { callId: id, by: input.by, reason: 'hangup', durationSec: callDuration(state, input.at) } } };
		}
		case 'tick': {
			const due = dueAt(s, settings);
			if (due === null || input.at < due) return { ok: false, code: 'not_due' };
			if (s.status === 'ringing') {
				const state: CallState = { ...s, status: 'missed', endedAt: due, endedBy: 'system' };
				return { ok: true, state, event: { type: CALL_EVENTS.missed, at: due, data: { callId: id, by: 'system' } } };
			}
			const state: CallState = { ...s, status: 'ended', endedAt: due, endedBy: 'system', endReason: 'max_duration' };
			return { ok: true, state, event: { type: CALL_EVENTS.ended, at: due, data: { callId: id, by: 'system', reason: 'max_duration', durationSec: callDuration(state, due) } } };
		}
		case 'fail': {
			const state: CallState = { ...s, status: 'failed', endedAt: input.at, endedBy: 'system', failure: input.reason };
			return { ok: true, state, event: { type: CALL_EVENTS.failed, at: input.at, data: { callId: id, reason: input.reason } } };
		}
	}
}

/** A microphone permission outcome (S8.5), as its own activity. */
export interface CallPermission {
	id: string;
	callId: string | null;
	contactId: ContactId;
	granted: boolean;
	at: number;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function readSummary(v: unknown): CallSummary | undefined {
	if (typeof v !== 'object' || v === null) return undefined;
	const o = v as Record<string, unknown>;
	const items = Array.isArray(o.actionItems) ? o.actionItems : [];
	return {
		title: str(o.title) ?? '',
		summary: str(o.summary) ?? str(o.overview) ?? '',
		actionItems: items
			.filter((i): i is Record<string, unknown> => typeof i === 'object' && i !== null)
			.map((i) => ({ text: str(i.text) ?? '', owner: str(i.owner) })),
		nextSteps: Array.isArray(o.nextSteps) ? o.nextSteps.filter((x): x is string => typeof x === 'string') : []
	};
}

function readAttachment(v: unknown): Attachment | undefined {
	if (typeof v !== 'object' || v === null) return undefined;
	const o = v as Record<string, unknown>;
	const storageName = str(o.storageName);
	const name = str(o.name);
	const mime = str(o.mime);
	const size = num(o.size);
	return storageName && name && mime && size !== null ? { storageName, name, mime, size } : undefined;
}

/**
 * The calls recorded in a thread, oldest first, folded from their `call_*` events (in thread
 * order), continuing from `before` (the calls folded so far, for incremental summaries). Events of an unknown call or out of order (a second answer) are ignored, so the fold
 * agrees with what the server decided whatever else reached the document.
 */
export function foldCalls(contactId: ContactId, events: Iterable<Pick<EventEntry, 'kind' | 'type' | 'at' | 'data'>>, before: readonly CallState[] = []): CallState[] {
	const calls = new Map<string, CallState>(before.map((c) => [c.id, c]));
	const noLimits = { ringWindowSec: Infinity, maxDurationSec: Infinity };
	for (const e of events) {
		if (e.kind !== 'event') continue;
		const callId = str(e.data.callId);
		if (!callId) continue;
		const d = e.data;
		if (e.type === CALL_EVENTS.ringing) {
			if (calls.has(callId)) continue;
			const direction: CallDirection = d.direction === 'out' ? 'out' : 'in';
			calls.set(callId, startCall({ id: callId, contactId, channelId: (str(d.channelId) ?? '') as ChannelId, direction, at: e.at, startedBy: (str(d.startedBy) as UserId | null) ?? null }));
			continue;
		}
		const s = calls.get(callId);
		if (!s) continue;
		let step: CallStep | null = null;
		const by: CallParty = d.by === 'contact' || d.by === 'user' ? d.by : 'system';
		switch (e.type) {
			case CALL_EVENTS.answered:
				step = callStep(s, { type: 'answer', userId: (str(d.userId) ?? '') as UserId, at: e.at }, noLimits);
				break;
			case CALL_EVENTS.missed:
				step = s.status === 'ringing' ? callStep(s, { type: 'hangup', by, at: e.at }, noLimits) : null;
				if (step?.ok) step.state.endedBy = by;
				break;
			case CALL_EVENTS.ended:
				step = s.status === 'answered' ? callStep(s, { type: 'hangup', by, at: e.at }, noLimits) : null;
				if (step?.ok && d.reason === 'max_duration') step.state.endReason = 'max_duration';
				break;
			case CALL_EVENTS.failed:
				step = callStep(s, { type: 'fail', reason: str(d.reason) ?? 'failed', at: e.at }, noLimits);
				break;
			case CALL_EVENTS.recording: {
				const a = readAttachment(d.attachment);
				if (a) calls.set(callId, { ...s, recording: a });
				break;
			}
			case CALL_EVENTS.transcript: {
				const text = str(d.text);
				if (text !== null) calls.set(callId, { ...s, transcript: text });
				break;
			}
			case CALL_EVENTS.summary: {
				const summary = readSummary(d.summary);
				if (summary) calls.set(callId, { ...s, summary });
				break;
			}
		}
		if (step?.ok) calls.set(callId, step.state);
	}
	return [...calls.values()];
}

/** The permission outcomes recorded in a thread (S8.5). */
export function foldPermissions(contactId: ContactId, events: Iterable<Pick<EventEntry, 'kind' | 'type' | 'at' | 'data' | 'id'>>): CallPermission[] {
	const out: CallPermission[] = [];
	for (const e of events) {
		if (e.kind !== 'event' || e.type !== CALL_EVENTS.permission) continue;
		out.push({ id: e.id, callId: str(e.data.callId), contactId, granted: e.data.granted === true, at: e.at });
	}
	return out;
}

/** S8.5 activity kinds of the drawer's Call activities tab. */
export type CallActivityKind = 'ongoing' | 'incoming' | 'outgoing' | 'missed' | 'max_duration' | 'failed' | 'permission_accepted' | 'permission_declined';

export interface CallActivity {
	key: string;
	kind: CallActivityKind;
	at: number;
	call?: CallState;
}

export function activityKind(c: CallState): CallActivityKind {
	if (c.status === 'ringing' || c.status === 'answered') return 'ongoing';
	if (c.status === 'missed') return 'missed';
	if (c.status === 'failed') return 'failed';
	if (c.endReason === 'max_duration') return 'max_duration';
	return c.direction === 'in' ? 'incoming' : 'outgoing';
}

/**
 * S8.5: the Call activities of a contact grouped by local date (YYYY-MM-DD of `dayOf`), ongoing
 * calls first, then newest first.
 */
export function callActivities(calls: CallState[], permissions: CallPermission[], dayOf: (at: number) => string): { ongoing: CallActivity[]; days: { day: string; items: CallActivity[] }[] } {
	const ongoing: CallActivity[] = [];
	const rest: CallActivity[] = [];
	for (const c of calls) {
		const a: CallActivity = { key: c.id, kind: activityKind(c), at: c.startedAt, call: c };
		(a.kind === 'ongoing' ? ongoing : rest).push(a);
	}
	for (const p of permissions) rest.push({ key: p.id, kind: p.granted ? 'permission_accepted' : 'permission_declined', at: p.at });
	rest.sort((a, b) => b.at - a.at || (a.key < b.key ? 1 : -1));
	ongoing.sort((a, b) => b.at - a.at);
	const days: { day: string; items: CallActivity[] }[] = [];
	for (const a of rest) {
		const day = dayOf(a.at);
		const last = days[days.length - 1];
		if (last && last.day === day) last.items.push(a);
		else days.push({ day, items: [a] });
	}
	return { ongoing, days };
}

/** S2.1 tabs of the Incoming calls list. */
export type CallTab = 'all' | 'mine' | 'unassigned';

/** The calls a tab shows: ringing or ongoing calls of contacts the user may see (the caller filters visibility). */
export function callsForTab<T extends { assigneeId: UserId | null; call: CallState }>(items: T[], tab: CallTab, me: UserId): T[] {
	const live = items.filter((i) => !isFinished(i.call));
	if (tab === 'mine') return live.filter((i) => i.assigneeId === me || i.call.answeredBy === me);
	if (tab === 'unassigned') return live.filter((i) => i.assigneeId === null);
	return live;
}

/** A phone number with all but its last 4 digits hidden (workspace masking). */
export function maskPhone(phone: string): string {
	let seen = 0;
	const digits = phone.replace(/\D/g, '').length;
	return phone.replace(/\d/g, (d) => (++seen <= digits - 4 ? '•' : d));
}
