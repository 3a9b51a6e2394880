/**
 * The agent side of voice calls over HTTP (SPEC S2; see docs/api.md "Calls"). Every route is for
 * members, and a call of a contact the caller may not see answers 404 like one that does not exist.
 *
 *   GET  /api/calls/config                  {iceServers, settings}
 *   POST /api/calls/<callId>/answer         200 {callId, contactId, sdp: the visitor's offer, iceServers, recording}
 *                                           409 answered_by {userId, name} | not_ringing | finished
 *   POST /api/calls/<callId>/sdp {sdp}      204: the agent's answer, relayed to the visitor
 *   POST /api/calls/<callId>/end            204
 *   POST /api/calls {contactId, callId, sdp}  201: an outgoing call (409 contact_offline, busy)
 *   GET  /api/calls/<callId>/remote?wait=ms 200 {sdp|null, status}: the visitor's answer (long poll)
 *   POST /api/calls/<callId>/recording-started  204: the visitor is told the call is recorded
 *   POST /api/calls/<callId>/recording {storageName}  201 {attachment}: attach the uploaded recording
 */
import { isValidContactId } from '../../../src/lib/domain/ids';
import { isCallId, isSdp } from '../../../src/lib/protocol/calls';
import type { Route } from '../http/routes';
import { objectBody } from '../http/routes';
import { errorReply, reply, type Reply } from '../http/respond';
import type { CallResult, CallService } from './service';

const ID = '([A-Za-z0-9_-]{8,64})';
const MAX_WAIT_MS = 25_000;

function out<T>(r: CallResult<T>, status = 200): Reply {
	if (r.ok) return r.value === null ? reply(204) : reply(status, r.value);
	const { status: s, code, message, ...rest } = r.error;
	return reply(s, { error: { code, message, ...rest } });
}

export function callRoutes(calls: CallService): Route[] {
	return [
		{
			method: 'GET',
			path: /^\/api\/calls\/config$/,
			access: 'member',
			async handle() {
				return reply(200, { iceServers: calls.iceServers, settings: calls.settings });
			}
		},
		{
			method: 'POST',
			path: new RegExp(`^/api/calls/${ID}/answer$`),
			access: 'member',
			async handle({ params, me }) {
				const r = await calls.answer(me, params[0]!);
				return r.ok ? reply(200, { ...r.value, iceServers: calls.iceServers, recording: calls.settings.recording }) : out(r);
			}
		},
		{
			method: 'POST',
			path: new RegExp(`^/api/calls/${ID}/sdp$`),
			access: 'member',
			async handle({ req, params, me }) {
				const body = await objectBody(req);
				if (!body.ok) return body.reply;
				if (!isSdp(body.value.sdp)) return errorReply(400, 'bad_request', 'Give sdp: a session description.');
				return out(calls.agentAnswer(me, params[0]!, body.value.sdp));
			}
		},
		{
			method: 'POST',
			path: new RegExp(`^/api/calls/${ID}/end$`),
			access: 'member',
			async handle({ params, me }) {
				return out(await calls.end(me, params[0]!));
			}
		},
		{
			method: 'POST',
			path: /^\/api\/calls$/,
			access: 'member',
			async handle({ req, me }) {
				const body = await objectBody(req);
				if (!body.ok) return body.reply;
				const { contactId, callId, sdp } = body.value;
				if (!isValidContactId(contactId) || !isCallId(callId) || !isSdp(sdp)) return errorReply(400, 'bad_request', 'Give contactId, callId (8-64 of A-Za-z0-9_-) and sdp.');
				return out(await calls.call(me, contactId, callId, sdp), 201);
			}
		},
		{
			method: 'GET',
			path: new RegExp(`^/api/calls/${ID}/remote$`),
			access: 'member',
			async handle({ url, params, me }) {
				const wait = Math.min(MAX_WAIT_MS, Math.max(0, Number(url.searchParams.get('wait') ?? 0) || 0));
				return out(await calls.remoteAnswer(me, params[0]!, wait));
			}
		},
		{
			method: 'POST',
			path: new RegExp(`^/api/calls/${ID}/recording-started$`),
			access: 'member',
			async handle({ params, me }) {
				return out(calls.recordingStarted(me, params[0]!));
			}
		},
		{
			method: 'POST',
			path: new RegExp(`^/api/calls/${ID}/recording$`),
			access: 'member',
			async handle({ req, params, me }) {
				const body = await objectBody(req);
				if (!body.ok) return body.reply;
				const name = body.value.storageName;
				if (typeof name !== 'string' || name.length > 100) return errorReply(400, 'bad_request', 'Give storageName: the uploaded recording.');
				return out(await calls.attachRecording(me, params[0]!, name), 201);
			}
		}
	];
}
