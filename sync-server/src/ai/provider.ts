/**
 * The one AI provider interface (SPEC S6.3, S6.4, S5.3, S2.4). Every provider (built in, an
 * OpenAI-compatible endpoint) answers the same calls with values, never exceptions: a result, or
 * an error a person can read (`unsupported` with the reason for what a provider cannot do
 * honestly, `failed` when the engine or endpoint did not answer). A result is whole: a provider
 * that streams calls `onDelta` while it works, but what the caller inserts is only the final
 * text of an `ok` result, so a broken stream never leaves half a text in a composer.
 *
 * `contract.ts` holds the test suite every provider passes.
 */
import type { BuiltinPromptId, CallSummary, ConversationLine, Lang, SummaryResult } from '../../../src/lib/domain/ai';

export type AiError = { ok: false; code: 'unsupported' | 'failed' | 'timeout' | 'bad_input'; message: string };
export type AiResult<T> = { ok: true; value: T } | AiError;

/** An instruction for `rewrite`: a built-in prompt, or a custom one (its instruction text). */
export type RewriteInstruction = { kind: 'builtin'; id: Exclude<BuiltinPromptId, 'translate'> } | { kind: 'custom'; name: string; instruction: string };

export interface CallOptions {
	signal?: AbortSignal;
	/** Streaming providers report the text so far (for progress only). */
	onDelta?: (textSoFar: string) => void;
}

export interface Translated {
	text: string;
	from: Lang;
	to: Lang;
	/** Pivot languages the translation went through (empty: a direct pair). */
	via: Lang[];
}

export interface AiProvider {
	readonly name: 'builtin' | 'openai';
	/** Shown to admins (a model name). */
	readonly model?: string;
	/** Whether `rewrite` can run this instruction; the reason when it cannot. */
	canRewrite(i: RewriteInstruction): { ok: true } | { ok: false; reason: string };
	/** S6.3: bullet points quoting the conversation and its action items. */
	summarize(lines: ConversationLine[], lang: Lang, opts?: CallOptions): Promise<AiResult<SummaryResult>>;
	/** S6.4: the text rewritten by the instruction, in `lang`. */
	rewrite(text: string, i: RewriteInstruction, lang: Lang, opts?: CallOptions): Promise<AiResult<string>>;
	/** S5.3, S6.4: `text` in `to`; `from` guessed when null. */
	translate(text: string, from: Lang | null, to: Lang, opts?: CallOptions): Promise<AiResult<Translated>>;
	/** S5.3: a draft reply to the contact from the conversation (messages only). */
	replyDraft(lines: ConversationLine[], lang: Lang, opts?: CallOptions): Promise<AiResult<string>>;
	/** S2.4: a call's summary from its transcript (`Speaker: words` lines). */
	callSummary(transcript: string, lang: Lang, opts?: CallOptions): Promise<AiResult<CallSummary>>;
	/** Language pairs `translate` knows (with pivots). */
	pairs(): Array<{ from: Lang; to: Lang; via: Lang[] }>;
}

export const unsupported = (message: string): AiError => ({ ok: false, code: 'unsupported', message });
export const failed = (message: string): AiError => ({ ok: false, code: 'failed', message });
