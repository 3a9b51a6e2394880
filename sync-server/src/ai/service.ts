/**
 * AI assist on the server: which provider answers a workspace's requests, and what it offers.
 * The workspace's `options.ai.mode` decides: `off` (no AI at all), `builtin` (nothing leaves the
 * server, even when a model is configured) or `on` (the configured OpenAI-compatible endpoint
 * when there is one, else the built-in provider). `computations` counts provider calls, so tests
 * can prove that a refused request computed nothing.
 */
import { aiOptionsOf, BUILTIN_PROMPTS, type AiInfo, type PromptInfo } from '../../../src/lib/domain/ai';
import type { Directory } from '../../../src/lib/domain/types';
import type { MetaStore } from '../persistence/meta-store';
import { Apertium, type ApertiumOptions } from './apertium';
import { BuiltinProvider } from './builtin/provider';
import { OPENAI_DEFAULT_TIMEOUT_MS, OpenAiProvider, openAiFromEnv, type OpenAiOptions } from './openai';
import type { AiProvider } from './provider';

export interface AiServiceOptions {
	/** An OpenAI-compatible endpoint; default from `AI_BASE_URL`, `AI_API_KEY`, `AI_MODEL`; null: none. */
	openai?: OpenAiOptions | null;
	apertium?: Partial<ApertiumOptions>;
	/** Where the workspace endpoint's API key is kept (the server's meta table). */
	meta?: MetaStore;
	/** The deadline of a workspace endpoint's answers (default 60 s). */
	endpointTimeoutMs?: number;
}

/** The meta key of the workspace endpoint's API key. */
export const AI_KEY_META = 'ai.apiKey';

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
	readonly #opts: AiServiceOptions;
	#workspace: { key: string; provider: OpenAiProvider } | null = null;

	constructor(opts: AiServiceOptions = {}) {
		this.#opts = opts;
		this.builtin = new BuiltinProvider(new Apertium(opts.apertium));
		const openai = opts.openai === undefined ? openAiFromEnv() : opts.openai;
		this.configured = openai ? new OpenAiProvider(openai) : null;
	}

	/**
	 * The provider for this workspace now; null when AI is off. `on` uses the workspace's own
	 * endpoint when set (its key read from the store on each call, so every process of a
	 * cluster sees a change), else the server's (`AI_BASE_URL`), else the built-in one.
	 */
	async provider(dir: Directory): Promise<AiProvider | null> {
		const opts = aiOptionsOf(dir);
		if (opts.mode === 'off') return null;
		if (opts.mode === 'builtin') return this.builtin;
		if (opts.endpoint) {
			const apiKey = (await this.#opts.meta?.getMeta(AI_KEY_META)) ?? '';
			const id = `${opts.endpoint.baseUrl}\n${opts.endpoint.model}\n${apiKey}`;
			if (this.#workspace?.key !== id) {
				const provider = new OpenAiProvider({ baseUrl: opts.endpoint.baseUrl, model: opts.endpoint.model, timeoutMs: this.#opts.endpointTimeoutMs ?? OPENAI_DEFAULT_TIMEOUT_MS, ...(apiKey ? { apiKey } : {}) });
				this.#workspace = { key: id, provider };
			}
			return this.#workspace.provider;
		}
		return this.configured ?? this.builtin;
	}

	/** Stores (or, with null, forgets) the workspace endpoint's API key. */
	async setApiKey(key: string | null): Promise<void> {
		await this.#opts.meta?.setMeta(AI_KEY_META, key ?? '');
	}

	/** Counts one computation and hands over the provider (call right before using it). */
	use(provider: AiProvider): AiProvider {
		this.computations++;
		return provider;
	}

	async info(dir: Directory): Promise<AiInfo> {
		const opts = aiOptionsOf(dir);
		const p = await this.provider(dir);
		const endpoint = opts.endpoint ? { endpoint: { ...opts.endpoint, keySet: !!(await this.#opts.meta?.getMeta(AI_KEY_META)) } } : {};
		if (!p) return { mode: opts.mode, provider: null, prompts: [], translation: [], ...endpoint };
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
			...endpoint,
			translation: pairs.map((x) => ({ from: x.from, to: x.to, ...(x.via.length ? { via: x.via } : {}) }))
		};
	}
}
