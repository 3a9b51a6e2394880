/**
 * AI assist on the client (SPEC S6.3, S6.4, S5.3): the workspace's AI offer (`GET /api/ai`),
 * the requests of the composers and the message menu, and the translations of thread entries.
 *
 * Every AI request needs the server: offline, a request answers `offline` at once and nothing is
 * inserted anywhere. An answer is whole or nothing (`ok` with the text, or an error a person can
 * read): the composer inserts only a whole text, as one edit.
 *
 * Translations are kept per entry in the local store's meta (`ai.translations`, newest 2000),
 * so a translated thread reads translated offline and after a restart, with each entry's
 * shown/original toggle.
 */
import { authedFetch } from './authed-fetch';
import type { AiInfo, AiOptions, Lang, PromptRef } from '../domain/ai';
import type { ContactId, EntryId } from '../domain/types';
import type { RefreshResult } from '../sync/auth';

export type AiOutcome =
	| { ok: true; text: string; from?: Lang; to?: Lang; via?: Lang[]; bullets?: string[]; actionItems?: string[] }
	| { ok: false; offline: boolean; code: string; error: string };

export interface StoredTranslation {
	contactId: ContactId;
	text: string;
	from: Lang;
	to: Lang;
	via: Lang[];
	at: number;
	/** Shown under the message (false: toggled back to the original only). */
	shown: boolean;
}

export interface AiApi {
	/** Null until loaded (or when the server could not be asked). */
	readonly info: AiInfo | null;
	load(): Promise<void>;
	summarize(contactId: ContactId, lang: Lang): Promise<AiOutcome>;
	/** `onPartial` sees a long answer while it comes (a preview: only the final text is inserted). */
	rewrite(contactId: ContactId, text: string, prompt: PromptRef, lang: Lang, onPartial?: (soFar: string) => void): Promise<AiOutcome>;
	reply(contactId: ContactId, lang: Lang, onPartial?: (soFar: string) => void): Promise<AiOutcome>;
	/** S5.3: translates an entry (from the cache when it has it) and shows the translation. */
	translate(contactId: ContactId, entryId: EntryId, to: Lang): Promise<AiOutcome>;
	/** The shown translation of an entry, or null (not translated, or toggled back). */
	shownTranslation(entryId: EntryId): StoredTranslation | null;
	hideTranslation(entryId: EntryId): void;
	/** `endpoint: null` removes the workspace's endpoint; `apiKey` is sent only to change it. */
	saveSettings(o: Partial<Omit<AiOptions, 'endpoint'>> & { endpoint?: AiOptions['endpoint'] | null; apiKey?: string | null }): Promise<AiOutcome>;
}

export interface AiDeps {
	baseUrl: string;
	token(): Promise<string | null>;
	refresh(): Promise<RefreshResult>;
	fetch?: typeof fetch;
	/** Whether the sync connection is up (AI needs the server). */
	online(): boolean;
	getMeta<T>(key: string): Promise<T | undefined>;
	setMeta(key: string, value: unknown): Promise<void>;
	now(): number;
	/** Whether this user still sees the contact (a revoked contact's translations are not shown, and dropped at the next write). */
	sees?(contactId: ContactId): boolean;
}

const META_KEY = 'ai.translations';
const MAX_TRANSLATIONS = 2000;

export class AiState implements AiApi {
	info = $state.raw<AiInfo | null>(null);
	#translations = $state.raw<ReadonlyMap<EntryId, StoredTranslation>>(new Map());
	#loaded: Promise<void> | null = null;
	readonly #deps: AiDeps;

	constructor(deps: AiDeps) {
		this.#deps = deps;
	}

	/** Reads the stored translations once (after the local store opened). */
	#hydrate(): Promise<void> {
		this.#loaded ??= this.#deps.getMeta<Record<string, StoredTranslation>>(META_KEY).then(
			(stored) => {
				if (!stored) return;
				const next = new Map(this.#translations);
				for (const [id, t] of Object.entries(stored)) if (!next.has(id as EntryId)) next.set(id as EntryId, t);
				this.#translations = next;
			},
			() => {
				// No local store yet: read it on a later call.
				this.#loaded = null;
			}
		);
		return this.#loaded;
	}

	/** Forgets everything (sign-out). */
	reset(): void {
		this.info = null;
		this.#translations = new Map();
		this.#loaded = null;
	}

	async #call(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, onPartial?: (soFar: string) => void): Promise<{ status: number; json: unknown } | null> {
		const a = await authedFetch(this.#deps, method, path, body);
		if (!a.ok) return null;
		const res = a.res;
		if (onPartial && res.status === 200 && (res.headers.get('content-type') ?? '').includes('ndjson')) return readLines(res, onPartial);
		return { status: res.status, json: await res.json().catch(() => null) };
	}

	async #request(path: string, body: Record<string, unknown>, onPartial?: (soFar: string) => void): Promise<AiOutcome & { json?: Record<string, unknown> }> {
		const offline = { ok: false as const, offline: true, code: 'offline', error: 'AI assist needs the server.' };
		if (!this.#deps.online()) return offline;
		const res = await this.#call('POST', path, onPartial ? { ...body, stream: true } : body, onPartial);
		if (!res) return offline;
		const json = (res.json ?? {}) as Record<string, unknown>;
		if (res.status !== 200) {
			const e = json.error as { code?: string; message?: string } | undefined;
			return { ok: false, offline: false, code: e?.code ?? `http_${res.status}`, error: e?.message ?? `The server answered ${res.status}.` };
		}
		return { ok: true, text: typeof json.text === 'string' ? json.text : '', json };
	}

	async load(): Promise<void> {
		const res = await this.#call('GET', '/api/ai');
		if (res?.status === 200) this.info = res.json as AiInfo;
	}

	async summarize(contactId: ContactId, lang: Lang): Promise<AiOutcome> {
		const r = await this.#request('/api/ai/summarize', { contactId, lang });
		if (!r.ok || !r.json) return r;
		const bullets = (r.json.bullets as string[] | undefined) ?? [];
		const actionItems = (r.json.actionItems as string[] | undefined) ?? [];
		return { ok: true, text: '', bullets, actionItems };
	}

	async rewrite(contactId: ContactId, text: string, prompt: PromptRef, lang: Lang, onPartial?: (soFar: string) => void): Promise<AiOutcome> {
		// Translation answers at once (no stream); the other prompts may stream.
		const streams = !(prompt.kind === 'builtin' && prompt.id === 'translate');
		return strip(await this.#request('/api/ai/rewrite', { contactId, text, prompt, lang }, streams ? onPartial : undefined));
	}

	async reply(contactId: ContactId, lang: Lang, onPartial?: (soFar: string) => void): Promise<AiOutcome> {
		return strip(await this.#request('/api/ai/reply', { contactId, lang }, onPartial));
	}

	async translate(contactId: ContactId, entryId: EntryId, to: Lang): Promise<AiOutcome> {
		await this.#hydrate();
		const known = this.#translations.get(entryId);
		if (known && known.to === to) {
			this.#set(entryId, { ...known, shown: true });
			await this.#persist();
			return { ok: true, text: known.text, from: known.from, to: known.to, via: known.via };
		}
		const r = await this.#request('/api/ai/translate', { contactId, entryId, to });
		if (!r.ok || !r.json) return r;
		const t: StoredTranslation = {
			contactId,
			text: r.text,
			from: (r.json.from as Lang | undefined) ?? to,
			to,
			via: (r.json.via as Lang[] | undefined) ?? [],
			at: this.#deps.now(),
			shown: true
		};
		this.#set(entryId, t);
		await this.#persist();
		return { ok: true, text: t.text, from: t.from, to: t.to, via: t.via };
	}

	#set(entryId: EntryId, t: StoredTranslation): void {
		const next = new Map(this.#translations);
		next.set(entryId, t);
		this.#translations = next;
	}

	async #persist(): Promise<void> {
		const sees = this.#deps.sees ?? (() => true);
		const all = [...this.#translations.entries()]
			.filter(([, t]) => sees(t.contactId))
			.sort((a, b) => b[1].at - a[1].at)
			.slice(0, MAX_TRANSLATIONS);
		await this.#deps.setMeta(META_KEY, Object.fromEntries(all)).catch(() => undefined);
	}

	shownTranslation(entryId: EntryId): StoredTranslation | null {
		void this.#hydrate();
		const t = this.#translations.get(entryId);
		return t?.shown && (this.#deps.sees?.(t.contactId) ?? true) ? t : null;
	}

	hideTranslation(entryId: EntryId): void {
		const t = this.#translations.get(entryId);
		if (!t) return;
		this.#set(entryId, { ...t, shown: false });
		void this.#persist();
	}

	async saveSettings(o: Partial<Omit<AiOptions, 'endpoint'>> & { endpoint?: AiOptions['endpoint'] | null; apiKey?: string | null }): Promise<AiOutcome> {
		const res = await this.#call('PATCH', '/api/ai/settings', o);
		if (!res) return { ok: false, offline: true, code: 'offline', error: 'Saving needs the server.' };
		if (res.status !== 200) {
			const e = (res.json as { error?: { code?: string; message?: string } } | null)?.error;
			return { ok: false, offline: false, code: e?.code ?? `http_${res.status}`, error: e?.message ?? `The server answered ${res.status}.` };
		}
		await this.load();
		return { ok: true, text: '' };
	}
}

/**
 * Reads an NDJSON answer: `{partial}` lines go to `onPartial`; the last line is `{result}` (as
 * a 200 JSON answer) or `{error}` (as a 502); a stream that ends without either is an error.
 */
async function readLines(res: Response, onPartial: (soFar: string) => void): Promise<{ status: number; json: unknown }> {
	const cut = { status: 502, json: { error: { code: 'ai_failed', message: 'The answer was cut off; nothing was inserted.' } } };
	if (!res.body) return cut;
	const reader = res.body.getReader();
	const decoder = new TextDecoder();
	let buffer = '';
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (value) buffer += decoder.decode(value, { stream: true });
			let nl: number;
			while ((nl = buffer.indexOf('\n')) >= 0) {
				const line = buffer.slice(0, nl).trim();
				buffer = buffer.slice(nl + 1);
				if (!line) continue;
				const msg = JSON.parse(line) as { partial?: string; result?: unknown; error?: unknown };
				if (typeof msg.partial === 'string') onPartial(msg.partial);
				else if (msg.result) return { status: 200, json: msg.result };
				else if (msg.error) return { status: 502, json: { error: msg.error } };
			}
			if (done) return cut;
		}
	} catch {
		return cut;
	}
}

function strip(r: AiOutcome & { json?: Record<string, unknown> }): AiOutcome {
	if (!r.ok) return r;
	const via = r.json?.via as Lang[] | undefined;
	return { ok: true, text: r.text, ...(via ? { via } : {}) };
}
