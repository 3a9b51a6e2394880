// SPEC S6.4, S5.3: the client side of AI assist. A streamed answer shows its partials and gives
// the whole text; a stream cut short gives an error and no text; offline nothing is asked and
// the answer says so; translations are stored per entry and read back offline after a restart.
import { describe, expect, it } from 'vitest';
import type { ContactId, EntryId } from '../domain/types';
import { AiState, type AiDeps } from './ai.svelte';

const C = 'c1' as ContactId;
const E = 'e1' as EntryId;

function ndjson(lines: unknown[], end = true): Response {
	const enc = new TextEncoder();
	const body = new ReadableStream<Uint8Array>({
		start(ctrl) {
			for (const l of lines) ctrl.enqueue(enc.encode(`${JSON.stringify(l)}\n`));
			if (end) ctrl.close();
			else ctrl.error(new Error('connection reset'));
		}
	});
	return new Response(body, { status: 200, headers: { 'content-type': 'application/x-ndjson' } });
}

function make(fetchImpl: typeof fetch, opts: { online?: boolean; meta?: Map<string, unknown>; sees?: (id: ContactId) => boolean } = {}): { ai: AiState; calls: string[] } {
	const calls: string[] = [];
	const meta = opts.meta ?? new Map<string, unknown>();
	const deps: AiDeps = {
		baseUrl: '',
		token: async () => 't',
		refresh: async () => 'denied' as const,
		fetch: (async (url: string, init?: RequestInit) => {
			calls.push(`${init?.method ?? 'GET'} ${url} ${String(init?.body ?? '')}`);
			return fetchImpl(url, init);
		}) as typeof fetch,
		online: () => opts.online ?? true,
		getMeta: async <T,>(k: string) => meta.get(k) as T | undefined,
		setMeta: async (k, v) => void meta.set(k, structuredClone(v)),
		now: () => 1000,
		...(opts.sees ? { sees: opts.sees } : {})
	};
	return { ai: new AiState(deps), calls };
}

describe('AiState', () => {
	it('shows a streamed answer while it comes and gives the whole text at the end', async () => {
		const { ai, calls } = make(async () => ndjson([{ partial: 'Hel' }, { partial: 'Hello wor' }, { result: { text: 'Hello world', provider: 'openai' } }]));
		const seen: string[] = [];
		const r = await ai.rewrite(C, 'hi', { kind: 'builtin', id: 'improve' }, 'en', (t) => seen.push(t));
		expect(r).toEqual({ ok: true, text: 'Hello world' });
		expect(seen).toEqual(['Hel', 'Hello wor']);
		expect(calls[0]).toContain('"stream":true');
	});

	it('a stream cut before its result is an error, with no text', async () => {
		const { ai } = make(async () => ndjson([{ partial: 'Hello wor' }], false));
		const r = await ai.reply(C, 'en', () => undefined);
		expect(r).toMatchObject({ ok: false, offline: false, code: 'ai_failed' });
		const ended = await make(async () => ndjson([{ partial: 'Hello' }])).ai.reply(C, 'en', () => undefined);
		expect(ended.ok).toBe(false);
		const failed = await make(async () => ndjson([{ partial: 'He' }, { error: { code: 'ai_timeout', message: 'too slow' } }])).ai.reply(C, 'en', () => undefined);
		expect(failed).toEqual({ ok: false, offline: false, code: 'ai_timeout', error: 'too slow' });
	});

	it('offline, asks nothing and says it needs the server', async () => {
		const { ai, calls } = make(async () => new Response('{}'), { online: false });
		expect(await ai.summarize(C, 'en')).toMatchObject({ ok: false, offline: true });
		expect(await ai.reply(C, 'en')).toMatchObject({ ok: false, offline: true });
		expect(calls).toEqual([]);
	});

	it('stores translations per entry, shows and hides them, and reads them back offline after a restart', async () => {
		const meta = new Map<string, unknown>();
		const first = make(async () => new Response(JSON.stringify({ text: 'Hello', from: 'fr', to: 'en', via: ['es'] }), { status: 200 }), { meta });
		const r = await first.ai.translate(C, E, 'en');
		expect(r).toMatchObject({ ok: true, text: 'Hello', via: ['es'] });
		expect(first.ai.shownTranslation(E)).toMatchObject({ text: 'Hello', from: 'fr', via: ['es'], shown: true });
		first.ai.hideTranslation(E);
		expect(first.ai.shownTranslation(E)).toBeNull();

		const again = make(async () => new Response('{}', { status: 500 }), { meta, online: false });
		const back = await again.ai.translate(C, E, 'en');
		expect(back).toMatchObject({ ok: true, text: 'Hello' });
		expect(again.calls).toEqual([]);
		expect(again.ai.shownTranslation(E)?.text).toBe('Hello');

		// Access to the contact revoked: its translation is not shown, and goes at the next write.
		let sees = true;
		const revoked = make(async () => new Response(JSON.stringify({ text: 'Bye', from: 'fr', to: 'en', via: [] }), { status: 200 }), { meta, sees: () => sees });
		await revoked.ai.translate('c2' as ContactId, 'e2' as EntryId, 'en');
		sees = false;
		expect(revoked.ai.shownTranslation('e2' as EntryId)).toBeNull();
		revoked.ai.hideTranslation('e2' as EntryId);
		await new Promise<void>((r) => queueMicrotask(r));
		expect(Object.keys(meta.get('ai.translations') as object)).toEqual([]);
	});
});
