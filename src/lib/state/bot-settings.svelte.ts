/**
 * The bot's settings page (SPEC S7.8), owners and managers: the bot of each channel, the one
 * being edited as a plain draft, saved through the workflows client (`PATCH /api/bot/:channel`,
 * checked by the server with `parseBotConfig`). The FAQ is edited as rows of comma-separated
 * words and an answer; words lists are split and trimmed when saved.
 */
import { DEFAULT_BOT, type BotConfig } from '../domain/bot';
import type { WorkflowsClient } from './workflows';

/** A FAQ row as edited: the words as typed. */
export interface FaqRow {
	words: string;
	answer: string;
}

export interface BotDraft extends Omit<BotConfig, 'faq' | 'handoverWords'> {
	faq: FaqRow[];
	handoverWords: string;
}

export const splitWords = (s: string): string[] =>
	s
		.split(',')
		.map((w) => w.trim())
		.filter(Boolean);

export function toDraft(cfg: BotConfig): BotDraft {
	return { ...(JSON.parse(JSON.stringify(cfg)) as BotConfig), faq: cfg.faq.map((f) => ({ words: f.words.join(', '), answer: f.answer })), handoverWords: cfg.handoverWords.join(', ') };
}

export function fromDraft(d: BotDraft): BotConfig {
	const officeHours = d.officeHours ? { days: [...d.officeHours.days].sort(), start: d.officeHours.start, end: d.officeHours.end } : null;
	return {
		enabled: d.enabled,
		welcome: d.welcome,
		officeHours,
		away: d.away,
		// Rows without words never match: dropped.
		faq: d.faq.map((f) => ({ words: splitWords(f.words), answer: f.answer })).filter((f) => f.words.length > 0),
		handoverWords: splitWords(d.handoverWords),
		handoverTeamId: d.handoverTeamId,
		handoverMessage: d.handoverMessage,
		stopOnAgentReply: d.stopOnAgentReply
	};
}

export class BotSettings {
	configs = $state<Record<string, BotConfig>>({});
	loading = $state(true);
	error = $state<string | null>(null);
	channelId = $state<string | null>(null);
	draft = $state<BotDraft>(toDraft(DEFAULT_BOT));
	saving = $state(false);
	/** The outcome of the last save, for the status line. */
	saved = $state<{ ok: boolean; text: string } | null>(null);

	constructor(private readonly client: WorkflowsClient) {}

	async load(): Promise<void> {
		this.loading = true;
		const r = await this.client.bots();
		this.loading = false;
		if (!r.ok) {
			this.error = r.error;
			return;
		}
		this.error = null;
		this.configs = r.value;
		if (this.channelId) this.select(this.channelId);
	}

	select(channelId: string): void {
		this.channelId = channelId;
		// A plain copy: the loaded settings are state (a proxy), the draft is edited apart.
		this.draft = toDraft($state.snapshot(this.configs[channelId]) ?? DEFAULT_BOT);
		this.saved = null;
	}

	async save(): Promise<boolean> {
		if (!this.channelId) return false;
		this.saving = true;
		try {
			const cfg = fromDraft($state.snapshot(this.draft) as BotDraft);
			const r = await this.client.setBotConfig(this.channelId, cfg);
			this.saved = r.ok ? { ok: true, text: '' } : { ok: false, text: r.error };
			if (r.ok) this.configs = { ...this.configs, [this.channelId]: cfg };
			return r.ok;
		} finally {
			this.saving = false;
		}
	}
}
