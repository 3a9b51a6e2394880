/**
 * AI assist (SPEC S6.3, S6.4, S5.3, S2.4): the pure rules shared by the server's providers and
 * the client. What text a request may carry is decided here, once:
 * - a summary (S6.3) reads up to the last 100 messages of the latest conversation, never comments
 *   or events (comments stay in the team, and the summary goes into a comment anyway);
 * - a reply assist (S5.3) reads messages only, since its output goes to the contact;
 * - a conversation is the run of entries between two `closed` events.
 * The workspace chooses whether AI runs at all and whether it may use a configured model
 * (`AiOptions.mode`); custom prompts are defined by owners and managers.
 */
import type { Entry, MessageEntry } from './types';

/** `on`: the configured model when there is one, else built in; `builtin`: never leaves the server; `off`: no AI. */
export type AiMode = 'on' | 'builtin' | 'off';

export interface CustomPrompt {
	id: string;
	name: string;
	instruction: string;
}

/** A workspace's own OpenAI-compatible endpoint (its API key is kept on the server, never in the directory). */
export interface AiEndpoint {
	baseUrl: string;
	model: string;
}

export interface AiOptions {
	mode: AiMode;
	prompts: CustomPrompt[];
	/** Overrides the server's `AI_BASE_URL` / `AI_MODEL` for this workspace. */
	endpoint?: AiEndpoint;
}

export const DEFAULT_AI_OPTIONS: AiOptions = { mode: 'on', prompts: [] };

/** The stored options, checked field by field (defaults for what is missing or malformed). */
export function readAiOptions(raw: unknown): AiOptions {
	const o = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
	const mode = o.mode === 'on' || o.mode === 'builtin' || o.mode === 'off' ? o.mode : DEFAULT_AI_OPTIONS.mode;
	const prompts: CustomPrompt[] = [];
	if (Array.isArray(o.prompts)) {
		for (const p of o.prompts as unknown[]) {
			const r = typeof p === 'object' && p !== null ? (p as Record<string, unknown>) : null;
			if (r && typeof r.id === 'string' && typeof r.name === 'string' && typeof r.instruction === 'string') prompts.push({ id: r.id, name: r.name, instruction: r.instruction });
		}
	}
	const e = typeof o.endpoint === 'object' && o.endpoint !== null ? (o.endpoint as Record<string, unknown>) : null;
	const endpoint = e && typeof e.baseUrl === 'string' && typeof e.model === 'string' ? { baseUrl: e.baseUrl, model: e.model } : null;
	return { mode, prompts, ...(endpoint ? { endpoint } : {}) };
}

/** Checks an endpoint's fields; an error message or null. */
export function checkEndpoint(baseUrl: unknown, model: unknown): string | null {
	if (typeof baseUrl !== 'string' || baseUrl.length > 2048 || !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(baseUrl)) return 'endpoint.baseUrl must be an http(s) URL, e.g. http://127.0.0.1:11434/v1.';
	if (typeof model !== 'string' || !model.trim() || model.length > 200) return 'endpoint.model must be 1-200 characters.';
	return null;
}

/** The workspace's AI options (defaults when unset). */
export const aiOptionsOf = (dir: { options?: { ai?: AiOptions } } | null | undefined): AiOptions => dir?.options?.ai ?? DEFAULT_AI_OPTIONS;

export const BUILTIN_PROMPTS = ['improve', 'shorter', 'formal', 'friendly', 'spelling', 'translate'] as const;
export type BuiltinPromptId = (typeof BUILTIN_PROMPTS)[number];

/** A prompt as the composer names it: a built-in one, or a custom one by id. */
export type PromptRef = { kind: 'builtin'; id: BuiltinPromptId } | { kind: 'custom'; id: string };

/** Languages the built-in provider knows (rules and translation). */
export const LANGS = ['en', 'fr', 'es', 'ca'] as const;
export type Lang = (typeof LANGS)[number];

const LANG_NAMES: Record<string, Lang> = {
	en: 'en', eng: 'en', english: 'en', anglais: 'en',
	fr: 'fr', fra: 'fr', fre: 'fr', french: 'fr', francais: 'fr', français: 'fr',
	es: 'es', spa: 'es', spanish: 'es', espagnol: 'es', español: 'es', espanol: 'es',
	ca: 'ca', cat: 'ca', catalan: 'ca', català: 'ca'
};

/** A contact's `language` field ("fr", "fr-FR", "French") as a language code; null when unknown. */
export function normalizeLang(value: string | null | undefined): Lang | null {
	if (!value) return null;
	const v = value.trim().toLowerCase();
	return LANG_NAMES[v] ?? LANG_NAMES[v.split(/[-_]/)[0] ?? ''] ?? null;
}

/** The most likely language of `text` among EN and FR (and ES), by function words; `fallback` when unsure. */
export function guessLang(text: string, fallback: Lang = 'en'): Lang {
	const words = text.toLowerCase().match(/[\p{L}']+/gu) ?? [];
	const score: Record<'en' | 'fr' | 'es', number> = { en: 0, fr: 0, es: 0 };
	for (const w of words) {
		if (EN_WORDS.has(w)) score.en++;
		if (FR_WORDS.has(w) || /^(l|d|j|qu|n|c|s|m)'/.test(w)) score.fr++;
		if (ES_WORDS.has(w)) score.es++;
	}
	const best = (Object.entries(score) as Array<['en' | 'fr' | 'es', number]>).sort((a, b) => b[1] - a[1])[0]!;
	return best[1] === 0 ? fallback : best[0];
}

const EN_WORDS = new Set('the and is are you your i we will to of it this that for with have can please thanks thank hello hi not be on my our'.split(' '));
const FR_WORDS = new Set('le la les et est sont vous votre je nous à de des du ce cette pour avec avez pouvez merci bonjour ne pas un une mon notre sur'.split(' '));
const ES_WORDS = new Set('el los las y es son usted su yo nosotros para con gracias hola no un una mi nuestro por que'.split(' '));

/** At most this many messages go into a summary (S6.3). */
export const SUMMARY_MAX_MESSAGES = 100;

/** One message as the providers see it: who spoke, and the text only. */
export interface ConversationLine {
	from: 'contact' | 'agent';
	/** A display name when known. */
	name?: string;
	text: string;
	at: number;
}

/** The text of a message (or null: an attachment or an unsupported type without text). */
export function messageText(e: MessageEntry): string | null {
	const t = e.body.text?.trim();
	return t ? t : null;
}

/**
 * The messages of the latest conversation in thread order, at most `max` (the last ones): the
 * entries after the last `closed` event that still has messages after it; when the thread ends
 * with a close, the conversation it closed.
 */
export function latestConversation(ordered: readonly Entry[], max = SUMMARY_MAX_MESSAGES): MessageEntry[] {
	let current: MessageEntry[] = [];
	let previous: MessageEntry[] = [];
	for (const e of ordered) {
		if (e.kind === 'event' && e.type === 'closed') {
			if (current.length > 0) previous = current;
			current = [];
		} else if (e.kind === 'message' && messageText(e) !== null) current.push(e);
	}
	const conv = current.length > 0 ? current : previous;
	return conv.slice(-max);
}

export function toLines(messages: readonly MessageEntry[], names: (e: MessageEntry) => string | undefined = () => undefined): ConversationLine[] {
	return messages.map((m) => {
		const name = names(m);
		return { from: m.direction === 'in' ? 'contact' : 'agent', text: messageText(m) ?? '', at: m.at, ...(name ? { name } : {}) };
	});
}

// --- results -----------------------------------------------------------------------------------

export interface SummaryResult {
	/** Bullet points, each quoting what was said. */
	bullets: string[];
	/** Things someone said they would do, or asked to be done. */
	actionItems: string[];
}

/** S2.4: a call's summary from its transcript. */
export interface CallSummary {
	title: string;
	summary: string;
	actionItems: Array<{ text: string; owner: string | null }>;
	nextSteps: string[];
}

/** A prompt as the composer offers it: whether this provider can run it, and why not. */
export interface PromptInfo {
	ref: PromptRef;
	name: string;
	supported: boolean;
	reason?: string;
	/** Why not, as a code the UI words in its language. */
	reasonCode?: 'needs_model' | 'no_translation';
}

/** `GET /api/ai`: what AI this workspace offers to the caller. */
export interface AiInfo {
	mode: AiMode;
	/** The provider requests go to (null when AI is off). */
	provider: 'builtin' | 'openai' | null;
	model?: string;
	/** The workspace's own endpoint, when set (`keySet`: an API key is stored on the server). */
	endpoint?: AiEndpoint & { keySet: boolean };
	prompts: PromptInfo[];
	/** Language pairs the translation knows, as `from>to`; `via` names the pivot language when there is one. */
	translation: Array<{ from: Lang; to: Lang; via?: Lang[] }>;
}

/** Renders a summary as the text inserted into a comment (bullets, then action items). */
export function summaryText(s: SummaryResult, labels: { actions: string }): string {
	const lines = s.bullets.map((b) => `• ${b}`);
	if (s.actionItems.length > 0) lines.push('', `${labels.actions}:`, ...s.actionItems.map((a) => `☐ ${a}`));
	return lines.join('\n');
}

/** Renders a call summary as plain text (copy, download .txt). */
export function callSummaryText(s: CallSummary, labels: { summary: string; actions: string; next: string }): string {
	const out = [s.title, '', `${labels.summary}:`, s.summary];
	if (s.actionItems.length) out.push('', `${labels.actions}:`, ...s.actionItems.map((a) => `- ${a.text}${a.owner ? ` (${a.owner})` : ''}`));
	if (s.nextSteps.length) out.push('', `${labels.next}:`, ...s.nextSteps.map((n) => `- ${n}`));
	return out.join('\n');
}

/** Checks a custom prompt's fields; an error message or null. */
export function checkCustomPrompt(name: unknown, instruction: unknown): string | null {
	if (typeof name !== 'string' || !name.trim() || name.trim().length > 60) return 'name must be 1-60 characters.';
	if (typeof instruction !== 'string' || !instruction.trim() || instruction.trim().length > 2000) return 'instruction must be 1-2000 characters.';
	return null;
}

export const MAX_CUSTOM_PROMPTS = 30;
/** The longest text a prompt or translation takes (characters). */
export const MAX_AI_TEXT = 20_000;
