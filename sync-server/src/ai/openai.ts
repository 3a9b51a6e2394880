/**
 * The OpenAI-compatible provider: chat completions (`POST <base>/chat/completions`), the wire
 * format of Ollama, llama.cpp's server, vLLM and the hosted services. Configured by
 * `AI_BASE_URL` (e.g. `http://127.0.0.1:11434/v1`), `AI_API_KEY` (sent as a Bearer token when
 * set) and `AI_MODEL`.
 *
 * Answers are streamed (`stream: true`, server-sent events of `choices[0].delta.content`,
 * ended by `data: [DONE]`); `onDelta` sees the text so far. The result is `ok` only once the
 * stream ended properly: a stream cut before `[DONE]`, an error event, an HTTP error or the
 * deadline gives an error and no text, so nothing half-written reaches a composer. An endpoint
 * that answers plain JSON (no streaming) is read as well.
 */
import type { CallSummary, ConversationLine, Lang, SummaryResult } from '../../../src/lib/domain/ai';
import { failed, type AiProvider, type AiResult, type CallOptions, type RewriteInstruction, type Translated } from './provider';

export interface OpenAiOptions {
	baseUrl: string;
	apiKey?: string;
	model: string;
	/** The whole answer's deadline. */
	timeoutMs: number;
}

export const OPENAI_DEFAULT_TIMEOUT_MS = 60_000;

const LANG_NAME: Record<Lang, string> = { en: 'English', fr: 'French', es: 'Spanish', ca: 'Catalan' };

type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

const PROMPTS: Record<Exclude<RewriteInstruction, { kind: 'custom' }>['id'], string> = {
	improve: 'Improve the text: clearer, correct spelling and grammar, polite, same meaning and same language.',
	shorter: 'Make the text shorter while keeping every fact, in the same language.',
	formal: 'Rewrite the text in a more formal, professional tone, in the same language.',
	friendly: 'Rewrite the text in a warmer, friendlier tone, in the same language.',
	spelling: 'Fix spelling, grammar and punctuation only. Change nothing else.'
};

/** From the environment (`AI_BASE_URL`, `AI_API_KEY`, `AI_MODEL`); null when no base URL is set. */
export function openAiFromEnv(env: NodeJS.ProcessEnv = process.env): OpenAiOptions | null {
	const baseUrl = env.AI_BASE_URL?.trim();
	if (!baseUrl) return null;
	return {
		baseUrl: baseUrl.replace(/\/+$/, ''),
		...(env.AI_API_KEY ? { apiKey: env.AI_API_KEY } : {}),
		model: env.AI_MODEL?.trim() || 'default',
		timeoutMs: Number(env.AI_TIMEOUT_MS) > 0 ? Number(env.AI_TIMEOUT_MS) : OPENAI_DEFAULT_TIMEOUT_MS
	};
}

export class OpenAiProvider implements AiProvider {
	readonly name = 'openai' as const;
	readonly model: string;
	readonly #opts: OpenAiOptions;

	constructor(opts: OpenAiOptions) {
		this.#opts = { ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, '') };
		this.model = opts.model;
	}

	canRewrite(): { ok: true } {
		return { ok: true };
	}

	async summarize(lines: ConversationLine[], lang: Lang, opts?: CallOptions): Promise<AiResult<SummaryResult>> {
		if (lines.length === 0) return { ok: false, code: 'bad_input', message: 'There is no message to summarize.' };
		const r = await this.chat(
			[
				{
					role: 'system',
					content: `Summarize this customer conversation in ${LANG_NAME[lang]} as at most 6 bullet points, each starting with "- ", quoting or closely following what was said and keeping every order number, amount, date and name. Then list what someone must do, each line starting with "ACTION: ". Output nothing else.`
				},
				{ role: 'user', content: transcript(lines) }
			],
			opts
		);
		if (!r.ok) return r;
		const bullets: string[] = [];
		const actionItems: string[] = [];
		for (const raw of r.value.split('\n')) {
			const line = raw.trim();
			const action = /^(?:[-*•]\s*)?ACTION:\s*(.+)$/i.exec(line);
			if (action) actionItems.push(action[1]!.trim());
			else if (/^[-*•]\s+/.test(line)) bullets.push(line.replace(/^[-*•]\s+/, ''));
			else if (line) bullets.push(line);
		}
		return bullets.length > 0 ? { ok: true, value: { bullets, actionItems } } : failed('The model answered no summary.');
	}

	rewrite(text: string, i: RewriteInstruction, lang: Lang, opts?: CallOptions): Promise<AiResult<string>> {
		const instruction = i.kind === 'custom' ? i.instruction : PROMPTS[i.id];
		return this.chat(
			[
				{ role: 'system', content: `You edit a message of a customer support agent. ${instruction} The text is in ${LANG_NAME[lang]}. Answer with the new text only, no quotes, no comments.` },
				{ role: 'user', content: text }
			],
			opts
		);
	}

	async translate(text: string, from: Lang | null, to: Lang, opts?: CallOptions): Promise<AiResult<Translated>> {
		const r = await this.chat(
			[
				{ role: 'system', content: `Translate the text${from ? ` from ${LANG_NAME[from]}` : ''} into ${LANG_NAME[to]}. Answer with the translation only.` },
				{ role: 'user', content: text }
			],
			opts
		);
		return r.ok ? { ok: true, value: { text: r.value, from: from ?? to, to, via: [] } } : r;
	}

	replyDraft(lines: ConversationLine[], lang: Lang, opts?: CallOptions): Promise<AiResult<string>> {
		return this.chat(
			[
				{
					role: 'system',
					content: `You are a customer support agent. Write the agent's next reply to the contact in ${LANG_NAME[lang]}, polite and short, answering the contact's last message. Do not invent facts: where one is needed, leave [brackets]. Answer with the reply only.`
				},
				{ role: 'user', content: transcript(lines) }
			],
			opts
		);
	}

	async callSummary(text: string, lang: Lang, opts?: CallOptions): Promise<AiResult<CallSummary>> {
		if (!text.trim()) return { ok: false, code: 'bad_input', message: 'The transcript is empty.' };
		const r = await this.chat(
			[
				{
					role: 'system',
					content: `Summarize this call transcript in ${LANG_NAME[lang]}. Answer with one JSON object only: {"title": string, "summary": string, "actionItems": [{"text": string, "owner": string|null}], "nextSteps": [string]}.`
				},
				{ role: 'user', content: text }
			],
			opts
		);
		if (!r.ok) return r;
		const json = /\{[\s\S]*\}/.exec(r.value)?.[0];
		try {
			const o = JSON.parse(json ?? '') as Partial<CallSummary>;
			if (typeof o.title !== 'string' || typeof o.summary !== 'string') throw new Error('shape');
			return {
				ok: true,
				value: {
					title: o.title,
					summary: o.summary,
					actionItems: Array.isArray(o.actionItems) ? o.actionItems.filter((a) => typeof a?.text === 'string').map((a) => ({ text: a.text, owner: typeof a.owner === 'string' ? a.owner : null })) : [],
					nextSteps: Array.isArray(o.nextSteps) ? o.nextSteps.filter((s): s is string => typeof s === 'string') : []
				}
			};
		} catch {
			return failed('The model did not answer the call summary in the expected JSON form.');
		}
	}

	pairs(): Array<{ from: Lang; to: Lang; via: Lang[] }> {
		const langs: Lang[] = ['en', 'fr', 'es', 'ca'];
		return langs.flatMap((from) => langs.filter((to) => to !== from).map((to) => ({ from, to, via: [] })));
	}

	/** One chat completion, streamed; the whole text or an error. */
	async chat(messages: ChatMessage[], opts: CallOptions = {}): Promise<AiResult<string>> {
		const ctrl = new AbortController();
		const timer = setTimeout(() => ctrl.abort(), this.#opts.timeoutMs);
		const onAbort = () => ctrl.abort();
		opts.signal?.addEventListener('abort', onAbort, { once: true });
		const where = `${this.#opts.baseUrl}/chat/completions`;
		try {
			const res = await fetch(where, {
				method: 'POST',
				headers: { 'content-type': 'application/json', accept: 'text/event-stream, application/json', ...(this.#opts.apiKey ? { authorization: `Bearer ${this.#opts.apiKey}` } : {}) },
				body: JSON.stringify({ model: this.#opts.model, messages, stream: true, temperature: 0.2 }),
				signal: ctrl.signal
			});
			if (!res.ok) {
				const body = await res.text().catch(() => '');
				let detail = body.slice(0, 300);
				try {
					const j = JSON.parse(body) as { error?: { message?: string } | string };
					detail = typeof j.error === 'string' ? j.error : (j.error?.message ?? detail);
				} catch {
					/* not JSON */
				}
				return failed(`The AI endpoint answered HTTP ${res.status}${detail ? `: ${detail}` : ''}.`);
			}
			const type = res.headers.get('content-type') ?? '';
			if (!type.includes('text/event-stream')) {
				const j = (await res.json().catch(() => null)) as { choices?: Array<{ message?: { content?: string } }> } | null;
				const content = j?.choices?.[0]?.message?.content;
				return typeof content === 'string' && content.trim() ? { ok: true, value: content.trim() } : failed('The AI endpoint answered without any text.');
			}
			return await readStream(res, opts.onDelta);
		} catch (err) {
			if (ctrl.signal.aborted) {
				return opts.signal?.aborted ? failed('Cancelled.') : { ok: false, code: 'timeout', message: `The AI endpoint did not answer within ${Math.round(this.#opts.timeoutMs / 1000)} s.` };
			}
			return failed(`The AI endpoint could not be reached (${where}): ${err instanceof Error ? err.message : String(err)}.`);
		} finally {
			clearTimeout(timer);
			opts.signal?.removeEventListener('abort', onAbort);
		}
	}
}

async function readStream(res: Response, onDelta?: (soFar: string) => void): Promise<AiResult<string>> {
	if (!res.body) return failed('The AI endpoint sent an empty stream.');
	const decoder = new TextDecoder();
	let buffer = '';
	let text = '';
	for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
		buffer += decoder.decode(chunk, { stream: true });
		let nl: number;
		while ((nl = buffer.indexOf('\n')) >= 0) {
			const line = buffer.slice(0, nl).replace(/\r$/, '');
			buffer = buffer.slice(nl + 1);
			if (!line.startsWith('data:')) continue;
			const data = line.slice(5).trim();
			if (data === '[DONE]') return text.trim() ? { ok: true, value: text.trim() } : failed('The AI endpoint answered without any text.');
			let event: { choices?: Array<{ delta?: { content?: string | null } }>; error?: { message?: string } };
			try {
				event = JSON.parse(data) as typeof event;
			} catch {
				return failed('The AI endpoint sent a malformed stream event.');
			}
			if (event.error) return failed(`The AI endpoint failed while answering: ${event.error.message ?? 'unknown error'}.`);
			const piece = event.choices?.[0]?.delta?.content;
			if (piece) {
				text += piece;
				onDelta?.(text);
			}
		}
	}
	return failed('The AI endpoint\'s answer was cut off before its end; nothing was inserted.');
}

function transcript(lines: ConversationLine[]): string {
	return lines.map((l) => `${l.name ?? (l.from === 'contact' ? 'Contact' : 'Agent')}: ${l.text}`).join('\n');
}
