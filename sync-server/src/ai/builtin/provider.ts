/**
 * The built-in provider: everything runs on the server, no model is downloaded, nothing leaves
 * the machine. Summaries are extractive (`summarize.ts`), rewriting is rules (`rewrite.ts`),
 * translation is Apertium (`../apertium.ts`). What rules cannot do honestly (custom prompts,
 * "tu" to "vous") is answered `unsupported` with the reason.
 */
import { guessLang, type CallSummary, type ConversationLine, type Lang, type SummaryResult } from '../../../../src/lib/domain/ai';
import { Apertium } from '../apertium';
import { unsupported, type AiProvider, type AiResult, type RewriteInstruction, type Translated } from '../provider';
import { replySkeleton, rewriteWithRules } from './rewrite';
import { summarizeCall, summarizeLines } from './summarize';

export const CUSTOM_PROMPT_REASON = 'Custom prompts are instructions for a language model; the built-in provider only applies rules. Configure an OpenAI-compatible endpoint to run them.';

export class BuiltinProvider implements AiProvider {
	readonly name = 'builtin' as const;
	readonly translator: Apertium;

	constructor(translator: Apertium = new Apertium()) {
		this.translator = translator;
	}

	canRewrite(i: RewriteInstruction): { ok: true } | { ok: false; reason: string } {
		return i.kind === 'custom' ? { ok: false, reason: CUSTOM_PROMPT_REASON } : { ok: true };
	}

	async summarize(lines: ConversationLine[], lang: Lang): Promise<AiResult<SummaryResult>> {
		if (lines.length === 0) return { ok: false, code: 'bad_input', message: 'There is no message to summarize.' };
		return { ok: true, value: summarizeLines(lines, lang) };
	}

	async rewrite(text: string, i: RewriteInstruction, lang: Lang): Promise<AiResult<string>> {
		if (!text.trim()) return { ok: false, code: 'bad_input', message: 'There is no text to rewrite.' };
		if (i.kind === 'custom') return unsupported(CUSTOM_PROMPT_REASON);
		return rewriteWithRules(text, i.id, lang);
	}

	async translate(text: string, from: Lang | null, to: Lang): Promise<AiResult<Translated>> {
		if (!text.trim()) return { ok: false, code: 'bad_input', message: 'There is no text to translate.' };
		const source = from ?? guessLang(text, to === 'en' ? 'fr' : 'en');
		if (source === to) return { ok: true, value: { text, from: source, to, via: [] } };
		const r = await this.translator.translate(text, source, to);
		return r.ok ? { ok: true, value: { text: r.value.text, from: source, to, via: r.value.via } } : r;
	}

	async replyDraft(lines: ConversationLine[], lang: Lang): Promise<AiResult<string>> {
		const lastIn = [...lines].reverse().find((l) => l.from === 'contact');
		return { ok: true, value: replySkeleton(lastIn?.text ?? null, undefined, lang) };
	}

	async callSummary(transcript: string, lang: Lang): Promise<AiResult<CallSummary>> {
		if (!transcript.trim()) return { ok: false, code: 'bad_input', message: 'The transcript is empty.' };
		return { ok: true, value: summarizeCall(transcript, lang) };
	}

	pairs(): Array<{ from: Lang; to: Lang; via: Lang[] }> {
		return this.translator.pairs();
	}
}
