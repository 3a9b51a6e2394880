/**
 * The AI call summary of SPEC S2.4 (title, overall summary, action items with owners, next
 * steps), behind a small provider interface so an AI provider can take it over: the AI area
 * (issue 24) plugs its provider in with `fromAiProvider` (its `callSummary(transcript, lang)`). The built-in one is
 * extractive and runs offline: it picks the transcript's sentences (or, for an unpunctuated
 * speech-to-text transcript, its word runs) and the phrases that ask for something.
 */
import type { CallSummary } from '../../../src/lib/domain/calls';

export interface CallSummaryInput {
	transcript: string;
	agentName: string;
	contactName: string;
}

export interface CallSummarizer {
	readonly name: string;
	callSummary(input: CallSummaryInput): Promise<CallSummary>;
}

const STOP = new Set('a an and are as at be but by do for from had has have he her his i if in is it its me my no not of on or our she so that the their them then there they this to up was we were what when which who will with you your ah oh um uh'.split(' '));
const ASK = /\b(please|call|send|check|need|will|should|must|tomorrow|follow|back|email|refund|fix)\b/i;

function pieces(text: string): string[] {
	const sentences = text.split(/(?<=[.!?])\s+/).map((s) => s.trim()).filter(Boolean);
	if (sentences.length > 1) return sentences;
	// No punctuation (speech to text): runs of 12 words.
	const words = text.split(/\s+/).filter(Boolean);
	const out: string[] = [];
	for (let i = 0; i < words.length; i += 12) out.push(words.slice(i, i + 12).join(' '));
	return out;
}

export class ExtractiveCallSummarizer implements CallSummarizer {
	readonly name = 'extractive';

	async callSummary({ transcript, agentName }: CallSummaryInput): Promise<CallSummary> {
		const text = transcript.replace(/\s+/g, ' ').trim();
		const parts = pieces(text);
		const freq = new Map<string, number>();
		for (const w of text.toLowerCase().match(/[a-z']+/g) ?? []) if (!STOP.has(w) && w.length > 2) freq.set(w, (freq.get(w) ?? 0) + 1);
		const top = [...freq.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 4).map(([w]) => w);
		const score = (s: string) => (s.toLowerCase().match(/[a-z']+/g) ?? []).reduce((n, w) => n + (freq.get(w) ?? 0), 0);
		const best = [...parts].sort((a, b) => score(b) - score(a)).slice(0, 2);
		const summary = parts.filter((p) => best.includes(p)).join(' ') || 'The call had no speech to summarize.';
		const asks = parts.filter((p) => ASK.test(p)).slice(0, 3);
		const title = top.length > 0 ? `Call about ${top.slice(0, 3).join(', ')}` : 'Call';
		return {
			title,
			summary,
			actionItems: asks.map((p) => ({ text: p, owner: agentName || null })),
			nextSteps: asks.length > 0 ? [`Follow up on: ${asks[0]}`] : ['No follow-up asked for.']
		};
	}
}

/** Anything with the AI area's `callSummary(transcript, lang)` (issue 24's AiProvider) as a CallSummarizer. */
export function fromAiProvider(p: {
	callSummary(transcript: string, lang: 'en', opts?: never): Promise<{ ok: true; value: CallSummary } | { ok: false; message: string }>;
}, name = 'ai'): CallSummarizer {
	return {
		name,
		async callSummary({ transcript }) {
			const r = await p.callSummary(transcript, 'en');
			if (!r.ok) throw new Error(r.message);
			return r.value;
		}
	};
}
