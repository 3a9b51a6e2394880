/**
 * The HTTP routes of AI assist (SPEC S6.3, S6.4, S5.3, S2.4). Every request names its contact
 * and is checked like any other access before anything is read or computed: a member who may not
 * see the contact gets 403 and the provider is never called; with AI turned off every route
 * answers 403 `ai_off`. Only text the caller may see goes to a provider, and what goes towards
 * the contact (a reply draft, a rewritten reply) is made from messages only, never comments.
 *
 * - `GET  /api/ai`: the workspace's AI: provider, prompts (with why one cannot run), language pairs.
 * - `POST /api/ai/summarize` `{contactId, lang?}`: S6.3 bullets and action items of the latest conversation.
 * - `POST /api/ai/rewrite` `{contactId, text, prompt: {kind, id}, lang?}`: S6.4 a prompt over the composer's text.
 * - `POST /api/ai/translate` `{contactId, entryId, to}`: S5.3 one entry of the thread in `to`.
 * - `POST /api/ai/reply` `{contactId, lang?}`: S5.3 a draft reply from the conversation.
 * - `POST /api/ai/call-summary` `{contactId, transcript, lang?}`: S2.4.
 * - `PATCH /api/ai/settings` `{mode?, prompts?, endpoint?, apiKey?}`: owners and managers set the mode,
 *   the custom prompts and the workspace's own model endpoint (its key kept in the server's store).
 *
 * `rewrite` and `reply` take `stream: true`: once the checks passed, the answer comes as NDJSON
 * lines `{partial}` (the text so far, for a preview) and one last line, `{result}` (the whole
 * text) or `{error: {code, message}}`. Only `result` is ever inserted; a client that goes away
 * cancels the provider's call.
 */
import { contactDoc, directoryDoc } from '../../../src/lib/doc';
import {
	aiOptionsOf,
	BUILTIN_PROMPTS,
	checkCustomPrompt,
	checkEndpoint,
	guessLang,
	latestConversation,
	MAX_AI_TEXT,
	MAX_CUSTOM_PROMPTS,
	messageText,
	normalizeLang,
	toLines,
	type AiOptions,
	type BuiltinPromptId,
	type CustomPrompt,
	type Lang
} from '../../../src/lib/domain/ai';
import { contactDocId, DIR_DOC_ID, isValidContactId, newId } from '../../../src/lib/domain/ids';
import type { ContactId, Entry, EntryId, Profile, User } from '../../../src/lib/domain/types';
import { objectBody, type Route, type RouteContext } from '../http/routes';
import { errorReply, reply, type Reply } from '../http/respond';
import type { ServerResponse } from 'node:http';
import type { AiError, AiProvider, AiResult, CallOptions } from './provider';
import type { AiService } from './service';

const isLang = (v: unknown): v is Lang => typeof v === 'string' && normalizeLang(v) === v;

function aiFailure(e: AiError): Reply {
	const status = e.code === 'unsupported' ? 422 : e.code === 'bad_input' ? 400 : e.code === 'timeout' ? 504 : 502;
	return errorReply(status, `ai_${e.code}`, e.message);
}

interface Checked {
	contactId: ContactId;
	provider: AiProvider;
	body: Record<string, unknown>;
}

/** The body, the contact the caller may see and the provider, or the refusal (nothing read yet). */
async function check(ctx: RouteContext, service: AiService): Promise<{ ok: true; value: Checked } | { ok: false; reply: Reply }> {
	const body = await objectBody(ctx.req);
	if (!body.ok) return body;
	const contactId = body.value.contactId;
	if (!isValidContactId(contactId)) return { ok: false, reply: errorReply(400, 'bad_request', 'Give the contactId of the conversation.') };
	if (!ctx.deps.visibility.canSee(ctx.me.id, contactDocId(contactId))) return { ok: false, reply: errorReply(403, 'forbidden', 'You may not see this contact.') };
	const provider = await service.provider(ctx.deps.visibility.directory);
	if (!provider) return { ok: false, reply: errorReply(403, 'ai_off', 'AI assist is turned off in this workspace.') };
	return { ok: true, value: { contactId, provider, body: body.value } };
}

/** Reads the contact's thread (in order) and profile. */
async function readContact(ctx: RouteContext, id: ContactId): Promise<{ entries: Entry[]; profile: Profile }> {
	const room = await ctx.deps.rooms.hold(contactDocId(id));
	try {
		const c = contactDoc(room.ydoc);
		return { entries: c.thread.ordered(), profile: c.profile.get() };
	} finally {
		ctx.deps.rooms.release(room);
	}
}

function namer(users: readonly User[], profile: Profile) {
	const contactName = [profile.firstName, profile.lastName].filter(Boolean).join(' ') || undefined;
	return (e: Entry): string | undefined => {
		if (e.kind === 'message' && e.direction === 'in') return contactName;
		return e.author.type === 'user' ? users.find((u) => u.id === e.author.id)?.name : undefined;
	};
}

const PARTIAL_EVERY_MS = 100;

/**
 * The reply of an AI call: JSON when `stream` is not asked, NDJSON lines otherwise (partials at
 * most every 100 ms, then the result or the error).
 */
async function answer(stream: boolean, call: (opts: CallOptions) => Promise<AiResult<string>>, extra: Record<string, unknown>): Promise<Reply> {
	if (!stream) {
		const r = await call({});
		return r.ok ? reply(200, { text: r.value, ...extra }) : aiFailure(r);
	}
	return {
		status: 200,
		headers: { 'content-type': 'application/x-ndjson; charset=utf-8' },
		stream: async (res: ServerResponse) => {
			const ctrl = new AbortController();
			res.on('close', () => {
				if (!res.writableEnded) ctrl.abort();
			});
			let last = 0;
			const r = await call({
				signal: ctrl.signal,
				onDelta: (soFar) => {
					const now = Date.now();
					if (now - last < PARTIAL_EVERY_MS) return;
					last = now;
					res.write(`${JSON.stringify({ partial: soFar })}\n`);
				}
			});
			const tail = r.ok ? { result: { text: r.value, ...extra } } : { error: { code: `ai_${r.code}`, message: r.message } };
			res.end(`${JSON.stringify(tail)}\n`);
		}
	};
}

const uiLang = (v: unknown): Lang => (isLang(v) ? v : 'en');

function readText(v: unknown): string | null {
	return typeof v === 'string' && v.trim() && v.length <= MAX_AI_TEXT ? v : null;
}

export function aiRoutes(service: AiService): Route[] {
	return [
		{
			method: 'GET',
			path: /^\/api\/ai$/,
			access: 'member',
			handle: async ({ deps }) => reply(200, await service.info(deps.visibility.directory))
		},
		{
			// SPEC S6.3
			method: 'POST',
			path: /^\/api\/ai\/summarize$/,
			access: 'member',
			async handle(ctx) {
				const c = await check(ctx, service);
				if (!c.ok) return c.reply;
				const { entries, profile } = await readContact(ctx, c.value.contactId);
				const messages = latestConversation(entries);
				if (messages.length === 0) return errorReply(400, 'ai_bad_input', 'This conversation has no message to summarize.');
				const lines = toLines(messages, namer(ctx.deps.visibility.directory.users, profile));
				const r = await service.use(c.value.provider).summarize(lines, uiLang(c.value.body.lang));
				return r.ok ? reply(200, { ...r.value, messages: messages.length, provider: c.value.provider.name }) : aiFailure(r);
			}
		},
		{
			// SPEC S6.4
			method: 'POST',
			path: /^\/api\/ai\/rewrite$/,
			access: 'member',
			async handle(ctx) {
				const c = await check(ctx, service);
				if (!c.ok) return c.reply;
				const text = readText(c.value.body.text);
				if (!text) return errorReply(400, 'bad_request', `Give the text to rewrite (1-${MAX_AI_TEXT} characters).`);
				const prompt = c.value.body.prompt as { kind?: unknown; id?: unknown } | undefined;
				const fallback = uiLang(c.value.body.lang);
				if (prompt?.kind === 'builtin' && BUILTIN_PROMPTS.includes(prompt.id as BuiltinPromptId)) {
					const id = prompt.id as BuiltinPromptId;
					if (id === 'translate') {
						const { profile } = await readContact(ctx, c.value.contactId);
						const to = normalizeLang(profile.language);
						if (!to) return errorReply(400, 'no_contact_language', "The contact's language is not set (or not one the translation knows): set it in the contact's details.");
						const r = await service.use(c.value.provider).translate(text, guessLang(text, fallback), to);
						return r.ok ? reply(200, { text: r.value.text, from: r.value.from, to: r.value.to, via: r.value.via, provider: c.value.provider.name }) : aiFailure(r);
					}
					const p = service.use(c.value.provider);
					return answer(c.value.body.stream === true, (o) => p.rewrite(text, { kind: 'builtin', id }, guessLang(text, fallback), o), { provider: p.name });
				}
				if (prompt?.kind === 'custom' && typeof prompt.id === 'string') {
					const custom = aiOptionsOf(ctx.deps.visibility.directory).prompts.find((p) => p.id === prompt.id);
					if (!custom) return errorReply(404, 'not_found', 'No such custom prompt.');
					const instruction = { kind: 'custom' as const, name: custom.name, instruction: custom.instruction };
					const can = c.value.provider.canRewrite(instruction);
					if (!can.ok) return errorReply(422, 'ai_unsupported', can.reason);
					const p = service.use(c.value.provider);
					return answer(c.value.body.stream === true, (o) => p.rewrite(text, instruction, guessLang(text, fallback), o), { provider: p.name });
				}
				return errorReply(400, 'bad_request', `prompt must be {kind: "builtin", id: ${BUILTIN_PROMPTS.join('|')}} or {kind: "custom", id}.`);
			}
		},
		{
			// SPEC S5.3
			method: 'POST',
			path: /^\/api\/ai\/translate$/,
			access: 'member',
			async handle(ctx) {
				const c = await check(ctx, service);
				if (!c.ok) return c.reply;
				const to = c.value.body.to;
				if (!isLang(to)) return errorReply(400, 'bad_request', 'to must be one of en, fr, es, ca.');
				const entryId = c.value.body.entryId;
				if (typeof entryId !== 'string' || entryId.length > 100) return errorReply(400, 'bad_request', 'Give the entryId to translate.');
				const { entries } = await readContact(ctx, c.value.contactId);
				const entry = entries.find((e) => e.id === (entryId as EntryId));
				const text = entry?.kind === 'message' ? messageText(entry) : entry?.kind === 'comment' ? entry.text : null;
				if (!entry) return errorReply(404, 'not_found', 'No such message in this conversation.');
				if (!text) return errorReply(400, 'ai_bad_input', 'This entry has no text to translate.');
				const from = isLang(c.value.body.from) ? c.value.body.from : guessLang(text, to === 'en' ? 'fr' : 'en');
				const r = await service.use(c.value.provider).translate(text, from, to);
				return r.ok ? reply(200, { text: r.value.text, from: r.value.from, to: r.value.to, via: r.value.via, provider: c.value.provider.name }) : aiFailure(r);
			}
		},
		{
			// SPEC S5.3
			method: 'POST',
			path: /^\/api\/ai\/reply$/,
			access: 'member',
			async handle(ctx) {
				const c = await check(ctx, service);
				if (!c.ok) return c.reply;
				const { entries, profile } = await readContact(ctx, c.value.contactId);
				// Messages only: comments never go towards the contact.
				const messages = latestConversation(entries);
				if (messages.length === 0) return errorReply(400, 'ai_bad_input', 'There is no message to reply to.');
				const lastIn = [...messages].reverse().find((m) => m.direction === 'in');
				const lang = normalizeLang(profile.language) ?? (lastIn ? guessLang(messageText(lastIn) ?? '', uiLang(c.value.body.lang)) : uiLang(c.value.body.lang));
				const lines = toLines(messages, namer(ctx.deps.visibility.directory.users, profile));
				const p = service.use(c.value.provider);
				return answer(
					c.value.body.stream === true,
					async (o) => {
						const r = await p.replyDraft(lines, lang, o);
						// The built-in skeleton greets the contact by name.
						return r.ok && p.name === 'builtin' && profile.firstName ? { ok: true, value: r.value.replace(/^(Hello|Bonjour|Hola)(?=[,:])/, `$1 ${profile.firstName}`) } : r;
					},
					{ lang, provider: p.name }
				);
			}
		},
		{
			// SPEC S2.4
			method: 'POST',
			path: /^\/api\/ai\/call-summary$/,
			access: 'member',
			async handle(ctx) {
				const c = await check(ctx, service);
				if (!c.ok) return c.reply;
				const transcript = readText(c.value.body.transcript);
				if (!transcript) return errorReply(400, 'bad_request', `Give the call's transcript (1-${MAX_AI_TEXT} characters).`);
				const r = await service.use(c.value.provider).callSummary(transcript, isLang(c.value.body.lang) ? c.value.body.lang : guessLang(transcript));
				return r.ok ? reply(200, { ...r.value, provider: c.value.provider.name }) : aiFailure(r);
			}
		},
		{
			method: 'PATCH',
			path: /^\/api\/ai\/settings$/,
			access: 'admin',
			async handle({ req, deps }) {
				const body = await objectBody(req);
				if (!body.ok) return body.reply;
				const prev = aiOptionsOf(deps.visibility.directory);
				const b = body.value;
				if (b.mode !== undefined && b.mode !== 'on' && b.mode !== 'builtin' && b.mode !== 'off') return errorReply(400, 'bad_request', 'mode must be on, builtin or off.');
				let prompts = prev.prompts;
				if (b.prompts !== undefined) {
					if (!Array.isArray(b.prompts) || b.prompts.length > MAX_CUSTOM_PROMPTS) return errorReply(400, 'bad_request', `prompts must be a list of at most ${MAX_CUSTOM_PROMPTS}.`);
					const next: CustomPrompt[] = [];
					for (const [i, raw] of (b.prompts as unknown[]).entries()) {
						const p = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
						const bad = checkCustomPrompt(p.name, p.instruction);
						if (bad) return errorReply(400, 'bad_request', `prompts[${i}]: ${bad}`);
						const id = typeof p.id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(p.id) ? p.id : `p-${newId()}`;
						next.push({ id, name: (p.name as string).trim(), instruction: (p.instruction as string).trim() });
					}
					prompts = next;
				}
				// The workspace's own endpoint (null: none); its key goes to the server's store only.
				let endpoint = prev.endpoint;
				if (b.endpoint !== undefined) {
					if (b.endpoint === null) endpoint = undefined;
					else {
						const e = typeof b.endpoint === 'object' ? (b.endpoint as Record<string, unknown>) : {};
						const bad = checkEndpoint(e.baseUrl, e.model);
						if (bad) return errorReply(400, 'bad_request', bad);
						endpoint = { baseUrl: (e.baseUrl as string).replace(/\/+$/, ''), model: (e.model as string).trim() };
					}
				}
				if (b.apiKey !== undefined && b.apiKey !== null && (typeof b.apiKey !== 'string' || b.apiKey.length > 500)) return errorReply(400, 'bad_request', 'apiKey must be a string of at most 500 characters, or null.');
				const value: AiOptions = { mode: (b.mode as AiOptions['mode'] | undefined) ?? prev.mode, prompts, ...(endpoint ? { endpoint } : {}) };
				if (b.apiKey !== undefined) await service.setApiKey((b.apiKey as string | null) || null);
				if (b.endpoint === null) await service.setApiKey(null);
				await deps.rooms.applyServerChange(DIR_DOC_ID, (ydoc) => directoryDoc(ydoc).setAiOptions(value));
				return reply(200, { ai: value });
			}
		}
	];
}
