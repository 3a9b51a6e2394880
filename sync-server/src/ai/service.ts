/**
 * AI assist on the server: which provider answers a workspace's requests, and what it offers.
 * The workspace's `options.ai.mode` decides: `off` (no AI at all), `builtin` (nothing leaves the
 * server, even when a model is configured) or `on` (the configured OpenAI-compatible endpoint
 * when there is one, else the built-in provider). `computations` counts provider calls, so tests
 * can prove that a refused request computed nothing.
 */
import { aiOptionsOf, BUILTIN_PROMPTS, type AiInfo, type PromptInfo } from '../../../src/lib/domain/ai';
import type { Directory } from '../../../src/lib/domain/types';
import { Apertium, type ApertiumOptions } from './apertium';
import { BuiltinProvider } from './builtin/provider';
import { OpenAiProvider, openAiFromEnv, type OpenAiOptions } from './openai';
import type { AiProvider } from './provider';

export interface AiServiceOptions {
	/** An OpenAI-compatible endpoint; default from `AI_BASE_URL`, `AI_API_KEY`, `AI_MODEL`; null: none. */
	openai?: OpenAiOptions | null;
	apertium?: Partial<ApertiumOptions>;
}

const PROMPT_NAMES: Record<(typeof BUILTIN_PROMPTS)[number], string> = {
	improve: 'Improve',
	shorter: 'Make shorter',
	formal: 'More formal',
	friendly: 'Friendlier',
	spelling: 'Fix spelling',
	translate: "Translate to the contact's language"
};

export class AiService {
	readonly builtin: BuiltinProvider;
	readonly configured: OpenAiProvider | null;
	computations = 0;

	constructor(opts: AiServiceOptions = {}) {
		this.builtin = new BuiltinProvider(new Apertium(opts.apertium));
		const openai = opts.openai === undefined ? openAiFromEnv() : opts.openai;
		this.configured = openai ? new OpenAiProvider(openai) : null;
	}

	/** The provider for this workspace now; null when AI is off. */
	provider(dir: Directory): AiProvider | null {
		const mode = aiOptionsOf(dir).mode;
		if (mode === 'off') return null;
		return mode === 'on' && this.configured ? this.configured : this.builtin;
	}

	/** Counts one computation and hands over the provider (call right before using it). */
	use(provider: AiProvider): AiProvider {
		this.computations++;
		return provider;
	}

	info(dir: Directory): AiInfo {
		const opts = aiOptionsOf(dir);
		const p = this.provider(dir);
		if (!p) return { mode: opts.mode, provider: null, prompts: [], translation: [] };
		const pairs = p.pairs();
		const prompts: PromptInfo[] = BUILTIN_PROMPTS.map((id) => {
			if (id === 'translate') {
				return pairs.length > 0 ? { ref: { kind: 'builtin', id }, name: PROMPT_NAMES[id], supported: true } : { ref: { kind: 'builtin', id }, name: PROMPT_NAMES[id], supported: false, reason: 'No translation engine is installed on the server.', reasonCode: 'no_translation' };
			}
			return { ref: { kind: 'builtin', id }, name: PROMPT_NAMES[id], supported: true };
		});
		for (const c of opts.prompts) {
			const can = p.canRewrite({ kind: 'custom', name: c.name, instruction: c.instruction });
			prompts.push({ ref: { kind: 'custom', id: c.id }, name: c.name, supported: can.ok, ...(can.ok ? {} : { reason: can.reason, reasonCode: 'needs_model' as const }) });
		}
		return {
			mode: opts.mode,
			provider: p.name,
			...(p.model ? { model: p.model } : {}),
			prompts,
			translation: pairs.map((x) => ({ from: x.from, to: x.to, ...(x.via.length ? { via: x.via } : {}) }))
		};
	}
}
