/**
 * AI assist's built-in provider (issue 24), no model and no network:
 * - the extractive summary of 100 messages (the most S6.3 reads), p95;
 * - the Apertium translation of a 50-word message (one engine process per pair step), p95,
 *   each run a different message so nothing comes from the cache; English to Spanish (a direct
 *   pair) and English to French (through the Spanish pivot: two processes);
 * - the same translation answered from the cache, p95.
 * Without Apertium installed the translation figures are skipped (`npm test` installs it).
 */
import type { ConversationLine } from '../src/lib/domain/ai';
import { Apertium } from '../sync-server/src/ai/apertium';
import { QUALITY_CASES } from '../sync-server/src/ai/builtin/quality-fixtures';
import { summarizeLines } from '../sync-server/src/ai/builtin/summarize';
import { percentile, timeEach, type Benchmark, type Figure } from './harness';

/** `n` messages: the quality conversations one after the other, as one long thread. */
function thread(n: number): ConversationLine[] {
	const out: ConversationLine[] = [];
	for (let i = 0; out.length < n; i++) {
		const c = QUALITY_CASES[i % QUALITY_CASES.length]!;
		for (const l of c.lines) if (out.length < n) out.push({ ...l, at: out.length });
	}
	return out;
}

const SENTENCES = [
	'Your order left our warehouse this morning and the carrier will deliver it on Thursday.',
	'Please check that the delivery address is correct before the parcel leaves the depot.',
	'We are sorry for the delay and we will refund the shipping costs to your card.',
	'If you need anything else, our team answers every day from nine to six.',
	'The invoice for your last purchase is attached to this message.',
	'You can return the jacket within thirty days with the prepaid label in the box.'
];

/** About 50 words, different for each `i` (so the cache never answers). */
function message(i: number): string {
	const words: string[] = [];
	for (let k = 0; words.length < 50; k++) words.push(...SENTENCES[(i + k) % SENTENCES.length]!.split(' '));
	return `${words.slice(0, 50).join(' ').replace(/[.,]$/, '')} (ticket ${1000 + i}).`;
}

export const benchmarks: Benchmark[] = [
	{
		name: 'ai',
		async run(ctx): Promise<Figure[]> {
			const figures: Figure[] = [];
			const lines = thread(100);
			const summaries = await timeEach(ctx.quick ? 20 : 200, () => summarizeLines(lines, 'en'));
			figures.push({ figure: 'built-in summary of 100 messages, p95', value: percentile(summaries, 95), unit: 'ms' });

			const apertium = new Apertium();
			if (!apertium.available) {
				ctx.log('Apertium is not installed: translation figures skipped');
				return figures;
			}
			const runs = ctx.quick ? 3 : 12;
			const direct = await timeEach(runs, async (i) => {
				const r = await apertium.translate(message(i), 'en', 'es');
				if (!r.ok) throw new Error(r.message);
			});
			figures.push({ figure: 'Apertium, 50-word message en>es (direct pair), p95', value: percentile(direct, 95), unit: 'ms' });
			const pivot = await timeEach(runs, async (i) => {
				const r = await apertium.translate(message(100 + i), 'en', 'fr');
				if (!r.ok) throw new Error(r.message);
			});
			figures.push({ figure: 'Apertium, 50-word message en>fr (via es), p95', value: percentile(pivot, 95), unit: 'ms' });
			const engineRuns = apertium.runs;
			const cached = await timeEach(ctx.quick ? 200 : 5000, async (i) => {
				await apertium.translate(message(i % runs), 'en', 'es');
			});
			if (apertium.runs !== engineRuns) throw new Error('the cached translations ran the engine');
			figures.push({ figure: 'Apertium, the same message again (cached), p95', value: percentile(cached, 95), unit: 'ms', baseline: { label: 'uncached p95', value: percentile(direct, 95) } });
			return figures;
		}
	}
];
