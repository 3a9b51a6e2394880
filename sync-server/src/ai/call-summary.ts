/**
 * The AI call summary of SPEC S2.4 (title, overall summary, action items with owners, next
 * steps) as the call service needs it: one method, given the transcript. The server plugs the
 * workspace's AI provider in (`fromAiService`): the built-in extractive one by default, which
 * runs offline, or the workspace's model endpoint; tests may pass their own.
 */
import type { CallSummary } from '../../../src/lib/domain/calls';
import type { Directory } from '../../../src/lib/domain/types';

export interface CallSummaryInput {
	transcript: string;
	agentName: string;
	contactName: string;
}

export interface CallSummarizer {
	readonly name: string;
	callSummary(input: CallSummaryInput): Promise<CallSummary>;
}

/**
 * The workspace's AI provider (issue 24) as the call summarizer: the built-in one, or the
 * workspace's model endpoint, as AI assist is set; when AI assist is off, no summary is made.
 */
export function fromAiService(
	ai: { provider(dir: Directory): Promise<{ callSummary(transcript: string, lang: 'en'): Promise<{ ok: true; value: CallSummary } | { ok: false; message: string }> } | null> },
	directory: () => Directory
): CallSummarizer {
	return {
		name: 'ai',
		async callSummary({ transcript }) {
			const provider = await ai.provider(directory());
			if (!provider) throw new Error('AI assist is off in this workspace.');
			const r = await provider.callSummary(transcript, 'en');
			if (!r.ok) throw new Error(r.message);
			return r.value;
		}
	};
}
