// SPEC S6.3, S6.4, S5.3, S2.4: one contract for every AI provider: the built-in one (extractive
// summaries, rules, Apertium), the OpenAI-compatible one against the chat-completions test double
// on loopback, and against a real endpoint when AI_BASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Apertium } from './apertium';
import { BuiltinProvider } from './builtin/provider';
import { ChatCompletionsDouble } from './chat-completions-double';
import { providerContract } from './contract';
import { OpenAiProvider, openAiFromEnv } from './openai';

const apertium = new Apertium();
const double = new ChatCompletionsDouble();
beforeAll(async () => {
	await double.start();
});
afterAll(() => double.close());

providerContract('built in', async () => ({ provider: new BuiltinProvider(apertium), translates: apertium.available }));
providerContract('chat completions (test double)', async () => ({ provider: new OpenAiProvider({ baseUrl: double.url, model: 'double', timeoutMs: 10_000 }), translates: true }));
const real = openAiFromEnv();
if (real) providerContract(`chat completions (${real.baseUrl})`, async () => ({ provider: new OpenAiProvider(real), translates: true }));

describe('chat completions provider, on the wire', () => {
	const provider = () => new OpenAiProvider({ baseUrl: double.url, model: 'm1', apiKey: 'k-1', timeoutMs: 3000 });

	it('streams the answer, sends model and key, and reports progress', async () => {
		double.apiKey = 'k-1';
		const seen: string[] = [];
		const r = await provider().rewrite('hello there', { kind: 'custom', name: 'x', instruction: 'Be nice.' }, 'en', { onDelta: (t) => seen.push(t) });
		double.apiKey = null;
		expect(r).toEqual({ ok: true, value: 'hello there (edited)' });
		const req = double.requests.at(-1)!;
		expect(req).toMatchObject({ model: 'm1', stream: true, authorization: 'Bearer k-1' });
		expect(req.messages[0]!.content).toContain('Be nice.');
		expect(seen.length).toBeGreaterThan(1);
	});

	it('an HTTP error gives a clear message and no text', async () => {
		double.fail = { status: 500, message: 'model overloaded' };
		const r = await provider().rewrite('hello', { kind: 'builtin', id: 'improve' }, 'en');
		expect(r).toEqual({ ok: false, code: 'failed', message: 'The AI endpoint answered HTTP 500: model overloaded.' });
	});

	it('a wrong key is refused with the endpoint\'s message', async () => {
		double.apiKey = 'other';
		const r = await provider().rewrite('hello', { kind: 'builtin', id: 'improve' }, 'en');
		double.apiKey = null;
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.message).toContain('401');
	});

	it('a stream cut before [DONE] gives an error, never half a text', async () => {
		double.cutStreamAfter = 2;
		const seen: string[] = [];
		const r = await provider().rewrite('one two three four five six', { kind: 'builtin', id: 'improve' }, 'en', { onDelta: (t) => seen.push(t) });
		double.cutStreamAfter = null;
		expect(r.ok).toBe(false);
		expect(seen.length).toBeGreaterThan(0);
	});

	it('past its deadline the call ends with a timeout', async () => {
		double.delayMs = 2000;
		const r = await new OpenAiProvider({ baseUrl: double.url, model: 'm', timeoutMs: 300 }).rewrite('hello', { kind: 'builtin', id: 'improve' }, 'en');
		double.delayMs = 0;
		expect(r).toMatchObject({ ok: false, code: 'timeout' });
	});

	it('an endpoint that is not there is a clear failure', async () => {
		const r = await new OpenAiProvider({ baseUrl: 'http://127.0.0.1:9/v1', model: 'm', timeoutMs: 2000 }).translate('hi', 'en', 'fr');
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.message).toMatch(/could not be reached|did not answer/);
	});
});
