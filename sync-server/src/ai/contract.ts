/**
 * The contract every AI provider passes (SPEC S6.3, S6.4, S5.3, S2.4): the built-in provider,
 * the OpenAI-compatible one against the chat-completions test double, and against a real
 * endpoint when `AI_BASE_URL` is set. It checks shapes and promises a caller relies on, not
 * wording: a summary has bullets and keeps within its bound, a rewrite answers text or says why
 * it cannot (matching `canRewrite`), a translation names its languages, empty input is a
 * `bad_input` value, nothing throws.
 */
import { describe, expect, it } from 'vitest';
import type { ConversationLine } from '../../../src/lib/domain/ai';
import type { AiProvider } from './provider';

const CONVERSATION: ConversationLine[] = [
	{ from: 'contact', name: 'Marie', text: 'Hello, my order 4512 arrived damaged yesterday.', at: 1 },
	{ from: 'agent', name: 'Alex', text: 'I am sorry to hear that. Could you send a photo of the box?', at: 2 },
	{ from: 'contact', name: 'Marie', text: 'Sure, here it is. I would like a refund of 49 euros.', at: 3 },
	{ from: 'agent', name: 'Alex', text: 'I will refund the 49 euros today and send you a confirmation by email.', at: 4 }
];

export interface ProviderUnderTest {
	provider: AiProvider;
	/** Whether the provider translates EN<->ES (Apertium installed, or a model). */
	translates: boolean;
	/** Generous for a real model, short for the built-in one. */
	timeoutMs?: number;
}

export function providerContract(name: string, make: () => Promise<ProviderUnderTest>): void {
	describe(`AI provider contract: ${name}`, () => {
		it('summarizes a conversation into bullets and action items (S6.3)', async () => {
			const { provider } = await make();
			const r = await provider.summarize(CONVERSATION, 'en');
			expect(r.ok, JSON.stringify(r)).toBe(true);
			if (!r.ok) return;
			expect(r.value.bullets.length).toBeGreaterThan(0);
			expect(r.value.bullets.length).toBeLessThanOrEqual(10);
			for (const b of r.value.bullets) expect(b.trim().length).toBeGreaterThan(0);
			expect(Array.isArray(r.value.actionItems)).toBe(true);
		});

		it('answers bad_input for an empty conversation, without throwing', async () => {
			const { provider } = await make();
			const r = await provider.summarize([], 'en');
			expect(r).toMatchObject({ ok: false, code: 'bad_input' });
		});

		it('rewrites with every built-in prompt, or says why not (S6.4)', async () => {
			const { provider } = await make();
			for (const id of ['improve', 'shorter', 'formal', 'friendly', 'spelling'] as const) {
				expect(provider.canRewrite({ kind: 'builtin', id }).ok).toBe(true);
				const r = await provider.rewrite('hey, i just wanted to say teh parcel will arrive tommorow', { kind: 'builtin', id }, 'en');
				if (r.ok) expect(r.value.trim().length, id).toBeGreaterThan(0);
				else expect(r.code, `${id}: ${r.message}`).toBe('unsupported');
			}
		});

		it('runs a custom prompt exactly when canRewrite says it can', async () => {
			const { provider } = await make();
			const custom = { kind: 'custom' as const, name: 'Pirate', instruction: 'Rewrite the text as a pirate would say it.' };
			const can = provider.canRewrite(custom);
			const r = await provider.rewrite('Your parcel is on its way.', custom, 'en');
			expect(r.ok).toBe(can.ok);
			if (!can.ok) {
				expect(can.reason.length).toBeGreaterThan(10);
				expect(r).toMatchObject({ ok: false, code: 'unsupported' });
			}
		});

		it('translates and names the languages (S5.3)', async () => {
			const { provider, translates } = await make();
			const r = await provider.translate('The invoice is attached.', 'en', 'es');
			if (!translates) {
				expect(r.ok).toBe(false);
				return;
			}
			expect(r.ok, JSON.stringify(r)).toBe(true);
			if (!r.ok) return;
			expect(r.value.to).toBe('es');
			expect(r.value.text.trim().length).toBeGreaterThan(0);
			expect(r.value.text).not.toBe('The invoice is attached.');
			expect(provider.pairs().some((p) => p.from === 'en' && p.to === 'es')).toBe(true);
		});

		it('drafts a reply from the conversation (S5.3)', async () => {
			const { provider } = await make();
			const r = await provider.replyDraft(CONVERSATION, 'en');
			expect(r.ok).toBe(true);
			if (r.ok) expect(r.value.trim().length).toBeGreaterThan(0);
		});

		it('summarizes a call transcript with title, summary, action items and next steps (S2.4)', async () => {
			const { provider } = await make();
			const r = await provider.callSummary('Alex: Hello Marie, how can I help?\nMarie: My order 4512 arrived damaged.\nAlex: I will send a new one tomorrow.\nMarie: Thanks.', 'en');
			expect(r.ok, JSON.stringify(r)).toBe(true);
			if (!r.ok) return;
			expect(r.value.title.trim().length).toBeGreaterThan(0);
			expect(r.value.summary.trim().length).toBeGreaterThan(0);
			expect(Array.isArray(r.value.actionItems)).toBe(true);
			expect(Array.isArray(r.value.nextSteps)).toBe(true);
			expect(await provider.callSummary('  ', 'en')).toMatchObject({ ok: false, code: 'bad_input' });
		});
	});
}
