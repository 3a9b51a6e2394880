// SPEC S2.1 S2.2 S2.3 S8.5: the call state machine, every transition, and its record as thread events.
import { describe, expect, it } from 'vitest';
import { CALL_EVENTS, callActivities, callStep, callsForTab, dueAt, foldCalls, foldPermissions, maskPhone, ringingData, startCall, type CallState } from './calls';
import type { ChannelId, ContactId, EventEntry, UserId } from './types';

const CID = 'c1' as ContactId;
const CH = 'web' as ChannelId;
const ANA = 'ana' as UserId;
const BEN = 'ben' as UserId;
const S = { ringWindowSec: 30, maxDurationSec: 600 };
const ringing = (at = 1000) => startCall({ id: 'call1', contactId: CID, channelId: CH, direction: 'in', at });

function ok(step: ReturnType<typeof callStep>): CallState {
	if (!step.ok) throw new Error(`refused: ${step.code}`);
	return step.state;
}

describe('call state machine', () => {
	it('ringing -> answered by the first agent', () => {
		const step = callStep(ringing(), { type: 'answer', userId: ANA, at: 2000 }, S);
		expect(step.ok && step.event).toEqual({ type: CALL_EVENTS.answered, at: 2000, data: { callId: 'call1', userId: ANA } });
		expect(ok(step)).toMatchObject({ status: 'answered', answeredBy: ANA, answeredAt: 2000 });
	});

	it('two agents answering at the same instant: the first applied wins, the other is told who', () => {
		const s = ringing();
		const a = ok(callStep(s, { type: 'answer', userId: ANA, at: 5000 }, S));
		const b = callStep(a, { type: 'answer', userId: BEN, at: 5000 }, S);
		expect(b).toEqual({ ok: false, code: 'answered_by', answeredBy: ANA });
		expect(a.answeredBy).toBe(ANA);
	});

	it('ringing -> missed when the ring window runs out (at the window end, not later)', () => {
		const s = ringing(1000);
		expect(callStep(s, { type: 'tick', at: 30_999 }, S)).toEqual({ ok: false, code: 'not_due' });
		const step = callStep(s, { type: 'tick', at: 99_000 }, S);
		expect(ok(step)).toMatchObject({ status: 'missed', endedAt: 31_000, endedBy: 'system' });
		expect(step.ok && step.event.type).toBe(CALL_EVENTS.missed);
	});

	it('an answer after the ring window is refused', () => {
		expect(callStep(ringing(1000), { type: 'answer', userId: ANA, at: 31_000 }, S)).toEqual({ ok: false, code: 'not_ringing' });
	});

	it('ringing -> missed when the caller hangs up before an answer', () => {
		expect(ok(callStep(ringing(), { type: 'hangup', by: 'contact', at: 3000 }, S))).toMatchObject({ status: 'missed', endedBy: 'contact' });
	});

	it('answered -> ended on hang up, with its duration', () => {
		const a = ok(callStep(ringing(), { type: 'answer', userId: ANA, at: 2000 }, S));
		const step = callStep(a, { type: 'hangup', by: 'user', at: 14_500 }, S);
		expect(ok(step)).toMatchObject({ status: 'ended', endReason: 'hangup', endedBy: 'user', endedAt: 14_500 });
		expect(step.ok && step.event.data).toEqual({ callId: 'call1', by: 'user', reason: 'hangup', durationSec: 12 });
	});

	it('answered -> ended at the maximum duration', () => {
		const a = ok(callStep(ringing(), { type: 'answer', userId: ANA, at: 2000 }, S));
		expect(dueAt(a, S)).toBe(602_000);
		expect(callStep(a, { type: 'tick', at: 601_999 }, S)).toEqual({ ok: false, code: 'not_due' });
		const step = callStep(a, { type: 'tick', at: 700_000 }, S);
		expect(ok(step)).toMatchObject({ status: 'ended', endReason: 'max_duration', endedAt: 602_000 });
		expect(step.ok && step.event.data).toMatchObject({ reason: 'max_duration', durationSec: 600 });
	});

	it('ringing or answered -> failed', () => {
		expect(ok(callStep(ringing(), { type: 'fail', reason: 'media', at: 3000 }, S))).toMatchObject({ status: 'failed', failure: 'media' });
		const a = ok(callStep(ringing(), { type: 'answer', userId: ANA, at: 2000 }, S));
		expect(ok(callStep(a, { type: 'fail', reason: 'disconnected', at: 3000 }, S)).status).toBe('failed');
	});

	it('a finished call refuses every input', () => {
		const missed = ok(callStep(ringing(), { type: 'hangup', by: 'contact', at: 3000 }, S));
		for (const input of [
			{ type: 'answer', userId: ANA, at: 4000 },
			{ type: 'hangup', by: 'user', at: 4000 },
			{ type: 'tick', at: 1e9 },
			{ type: 'fail', reason: 'x', at: 4000 }
		] as const) {
			expect(callStep(missed, input, S)).toEqual({ ok: false, code: 'finished' });
		}
	});
});

let n = 0;
const ev = (type: string, at: number, data: Record<string, unknown>): EventEntry =>
	({ id: `e${++n}`, kind: 'event', at, author: { type: 'system', id: 'server' }, type, source: 'system', data }) as EventEntry;

describe('calls folded from thread events', () => {
	it('replays ringing, answered, recording, transcript, summary, ended; a late second answer is ignored', () => {
		const s = ringing(1000);
		const events = [
			ev(CALL_EVENTS.ringing, 1000, ringingData(s)),
			ev(CALL_EVENTS.answered, 2000, { callId: 'call1', userId: ANA }),
			ev(CALL_EVENTS.answered, 2001, { callId: 'call1', userId: BEN }),
			ev(CALL_EVENTS.ended, 9000, { callId: 'call1', by: 'contact', reason: 'hangup' }),
			ev(CALL_EVENTS.recording, 9100, { callId: 'call1', attachment: { storageName: 'x.webm', name: 'call.webm', size: 10, mime: 'audio/webm' } }),
			ev(CALL_EVENTS.transcript, 9200, { callId: 'call1', text: 'hello there' }),
			ev(CALL_EVENTS.summary, 9300, { callId: 'call1', summary: { title: 'T', summary: 'O', actionItems: [{ text: 'call back', owner: 'Ana' }], nextSteps: ['x'] } })
		];
		const [c] = foldCalls(CID, events);
		expect(c).toMatchObject({ status: 'ended', answeredBy: ANA, endedBy: 'contact', transcript: 'hello there', recording: { storageName: 'x.webm' } });
		expect(c!.summary?.actionItems).toEqual([{ text: 'call back', owner: 'Ana' }]);
	});

	it('max duration and missed fold to their own activity kinds; ongoing first, grouped by day', () => {
		const events = [
			ev(CALL_EVENTS.ringing, 1000, { callId: 'a', direction: 'in', channelId: CH }),
			ev(CALL_EVENTS.missed, 2000, { callId: 'a', by: 'system' }),
			ev(CALL_EVENTS.ringing, 86_400_000 + 1000, { callId: 'b', direction: 'out', channelId: CH, startedBy: ANA }),
			ev(CALL_EVENTS.answered, 86_400_000 + 2000, { callId: 'b', userId: ANA }),
			ev(CALL_EVENTS.ended, 86_400_000 + 9000, { callId: 'b', by: 'system', reason: 'max_duration' }),
			ev(CALL_EVENTS.ringing, 2 * 86_400_000, { callId: 'c', direction: 'in', channelId: CH }),
			ev(CALL_EVENTS.permission, 3000, { callId: 'a', granted: false })
		];
		const calls = foldCalls(CID, events);
		const perms = foldPermissions(CID, events);
		const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);
		const act = callActivities(calls, perms, dayOf);
		expect(act.ongoing.map((a) => a.key)).toEqual(['c']);
		expect(act.days.map((d) => [d.day, d.items.map((i) => i.kind)])).toEqual([
			['1970-01-02', ['max_duration']],
			['1970-01-01', ['permission_declined', 'missed']]
		]);
	});
});

describe('incoming calls tabs and masking', () => {
	it('All / Assigned to me / Unassigned keep live calls only', () => {
		const live = ringing();
		const done = ok(callStep(ringing(), { type: 'hangup', by: 'contact', at: 2000 }, S));
		const items = [
			{ assigneeId: null, call: live, n: 1 },
			{ assigneeId: ANA, call: live, n: 2 },
			{ assigneeId: BEN, call: live, n: 3 },
			{ assigneeId: null, call: done, n: 4 }
		];
		expect(callsForTab(items, 'all', ANA).map((i) => i.n)).toEqual([1, 2, 3]);
		expect(callsForTab(items, 'mine', ANA).map((i) => i.n)).toEqual([2]);
		expect(callsForTab(items, 'unassigned', ANA).map((i) => i.n)).toEqual([1]);
	});

	it('masks all but the last four digits', () => {
		expect(maskPhone('+33 6 12 34 56 78')).toBe('+•• • •• •• 56 78');
	});
});

describe('workspace call settings', () => {
	it('the workspace options set recording, transcripts and the maximum duration', async () => {
		const { callSettingsOf } = await import('./calls');
		expect(callSettingsOf(undefined)).toEqual({});
		expect(callSettingsOf({ callRecording: false, callTranscripts: true, maxCallMinutes: 5, maskNumbers: true })).toEqual({ recording: false, transcripts: true, maxDurationSec: 300 });
	});
});
