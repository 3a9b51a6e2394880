/**
 * The wire of voice calls (SPEC S2): signalling only; the media goes peer to peer (WebRTC) and
 * never through the server. Offers and answers carry their ICE candidates (gathered before
 * sending, no trickle), so one message each way sets a call up.
 *
 * On the web chat visitor socket (JSON frames, next to the chat messages of `visitor-socket.ts`):
 *   visitor -> server
 *     {type:'call_start', callId, sdp}        the visitor calls (offer)
 *     {type:'call_accept', callId, sdp}       the visitor takes an agent's call (answer)
 *     {type:'call_hangup', callId}            hang up, or decline a ringing call
 *     {type:'call_permission', callId?, granted}  the microphone permission outcome (S8.5)
 *   server -> visitor
 *     {type:'call_config', enabled, iceServers}   on open, when the channel carries calls
 *     {type:'call_incoming', callId, sdp, agent}  an agent calls the visitor (offer)
 *     {type:'call_answer', callId, sdp}           the agent's answer to the visitor's offer
 *     {type:'call_state', callId, status, reason?}  ringing | answered | ended | missed | failed
 *     {type:'call_recorded', callId}              the agent started recording (the visitor is told)
 *
 * Agent side, HTTP (`/api/calls...`, see docs/api.md); the state of every call reaches agents
 * as the `call_*` events of the contact document, so only users who may see the contact learn
 * of it.
 */
import type { CallStatus } from '../domain/calls';

export const MAX_SDP = 12_000;
const CALL_ID = /^[A-Za-z0-9_-]{8,64}$/;

export interface IceServer {
	urls: string | string[];
	username?: string;
	credential?: string;
}

export type VisitorCallFrame =
	| { type: 'call_start'; callId: string; sdp: string }
	| { type: 'call_accept'; callId: string; sdp: string }
	| { type: 'call_hangup'; callId: string }
	| { type: 'call_permission'; callId: string | null; granted: boolean };

export type ServerCallFrame =
	| { type: 'call_config'; enabled: boolean; iceServers: IceServer[] }
	| { type: 'call_incoming'; callId: string; sdp: string; agent: string }
	| { type: 'call_answer'; callId: string; sdp: string }
	| { type: 'call_state'; callId: string; status: CallStatus; reason?: string }
	| { type: 'call_recorded'; callId: string };

export const isCallId = (v: unknown): v is string => typeof v === 'string' && CALL_ID.test(v);
export const isSdp = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_SDP && v.startsWith('v=0');

export function isVisitorCallType(type: unknown): boolean {
	return type === 'call_start' || type === 'call_accept' || type === 'call_hangup' || type === 'call_permission';
}

/** A visitor's call frame, checked; or the error to answer with. */
export function parseVisitorCallFrame(m: Record<string, unknown>): { ok: true; value: VisitorCallFrame } | { ok: false; code: string; message: string } {
	const bad = (message: string) => ({ ok: false as const, code: 'invalid_call', message });
	switch (m.type) {
		case 'call_start':
		case 'call_accept':
			if (!isCallId(m.callId)) return bad('callId must be 8 to 64 of A-Z a-z 0-9 _ -.');
			if (!isSdp(m.sdp)) return bad(`sdp must be a session description of at most ${MAX_SDP} characters.`);
			return { ok: true, value: { type: m.type, callId: m.callId, sdp: m.sdp } };
		case 'call_hangup':
			if (!isCallId(m.callId)) return bad('callId must be 8 to 64 of A-Z a-z 0-9 _ -.');
			return { ok: true, value: { type: 'call_hangup', callId: m.callId } };
		case 'call_permission':
			if (typeof m.granted !== 'boolean') return bad('granted must be true or false.');
			if (m.callId !== undefined && m.callId !== null && !isCallId(m.callId)) return bad('callId must be 8 to 64 of A-Z a-z 0-9 _ -.');
			return { ok: true, value: { type: 'call_permission', callId: isCallId(m.callId) ? m.callId : null, granted: m.granted } };
		default:
			return bad('Unknown call frame.');
	}
}

/** `ICE_SERVERS`: a JSON array of RTCIceServer objects; absent or invalid: none (LAN only). */
export function parseIceServers(raw: string | undefined): IceServer[] {
	if (!raw) return [];
	try {
		const v: unknown = JSON.parse(raw);
		if (!Array.isArray(v)) return [];
		return v.filter((s): s is IceServer => typeof s === 'object' && s !== null && (typeof (s as IceServer).urls === 'string' || Array.isArray((s as IceServer).urls)));
	} catch {
		return [];
	}
}

/** HTTP reply bodies of the agent side. */
export interface AnswerReply {
	callId: string;
	contactId: string;
	/** The visitor's offer. */
	sdp: string;
	iceServers: IceServer[];
}

export interface CallRefusalBody {
	error: { code: 'answered_by' | 'not_ringing' | 'finished' | 'forbidden' | 'not_found' | 'contact_offline' | 'calls_off' | 'bad_request'; message: string; userId?: string; name?: string };
}
