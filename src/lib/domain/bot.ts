/**
 * The built-in bot (SPEC S7.8): an automated responder per channel. Pure: given the channel's
 * bot settings, the contact's thread and the incoming message, it answers what the bot says
 * (or that it stays quiet). The server writes the answer with an id derived from the incoming
 * message's, so a message handled twice (a restart) is answered once.
 *
 * Order of the rules: a request for a person (hand-over words) hands the contact to a team and
 * turns the bot off for the contact; outside office hours the away message answers (once per
 * conversation); the first message of a conversation gets the welcome; then the FAQ answers a
 * message with one of its words. The bot stays quiet once it is off for the contact (the
 * console's toggle, S7.8), and, when `stopOnAgentReply` is set, once a person has replied in the
 * current conversation.
 */
import { zonedParts } from './filters';
import type { Entry, TeamId } from './types';
import { botEnabled, matchesWords } from './workflows';

export interface FaqItem {
	words: string[];
	answer: string;
}

export interface OfficeHours {
	/** Days the office is open, 0 = Sunday. */
	days: number[];
	/** Minutes after midnight, in the office's time zone. */
	start: number;
	end: number;
	/**
	 * A fixed offset from UTC in minutes (e.g. 60 for Paris in winter), of settings written before
	 * the workspace had a time zone. Absent: the workspace's time zone (with its DST changes).
	 */
	utcOffsetMinutes?: number;
}

export interface BotConfig {
	enabled: boolean;
	welcome: string;
	officeHours: OfficeHours | null;
	away: string;
	faq: FaqItem[];
	handoverWords: string[];
	handoverTeamId: TeamId | null;
	handoverMessage: string;
	/** The bot stops answering a conversation once an agent has replied in it. */
	stopOnAgentReply: boolean;
}

export type BotAnswer =
	| { kind: 'quiet'; why: 'disabled' | 'off_for_contact' | 'agent_replied' | 'nothing' }
	| { kind: 'welcome' | 'away' | 'faq'; text: string }
	| { kind: 'handover'; text: string; teamId: TeamId | null };

/** Is the office open at `at`: by its fixed offset when it has one, else in the zone `timeZone` (the workspace's). */
export function isOpenAt(h: OfficeHours, at: number, timeZone = 'UTC'): boolean {
	let day: number;
	let minutes: number;
	if (typeof h.utcOffsetMinutes === 'number') {
		const local = new Date(at + h.utcOffsetMinutes * 60_000);
		day = local.getUTCDay();
		minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
	} else {
		const p = zonedParts(at, timeZone);
		day = new Date(Date.UTC(p.y, p.m - 1, p.d)).getUTCDay();
		minutes = p.h * 60 + p.min;
	}
	return h.days.includes(day) && minutes >= h.start && minutes < h.end;
}

/** The entries of the current conversation: after the newest `opened` event (all when none). */
function currentConversation(entries: readonly Entry[]): Entry[] {
	let openedAt = -Infinity;
	for (const e of entries) if (e.kind === 'event' && e.type === 'opened' && e.at > openedAt) openedAt = e.at;
	return entries.filter((e) => e.at >= openedAt);
}

/** What the bot says to `incoming`; `timeZone` is the workspace's (office hours). */
export function botAnswer(cfg: BotConfig, entries: readonly Entry[], incoming: { id: string; at: number; text: string }, timeZone = 'UTC'): BotAnswer {
	if (!cfg.enabled) return { kind: 'quiet', why: 'disabled' };
	if (!botEnabled(entries)) return { kind: 'quiet', why: 'off_for_contact' };
	const conv = currentConversation(entries);
	if (cfg.stopOnAgentReply && conv.some((e) => e.kind === 'message' && e.direction === 'out' && e.author.type === 'user')) {
		return { kind: 'quiet', why: 'agent_replied' };
	}
	if (cfg.handoverWords.length > 0 && matchesWords(incoming.text, cfg.handoverWords)) {
		return { kind: 'handover', text: cfg.handoverMessage, teamId: cfg.handoverTeamId };
	}
	const botSaid = (kind: string) => conv.some((e) => e.kind === 'message' && e.author.type === 'bot' && e.id.endsWith(`-${kind}`));
	if (cfg.officeHours && !isOpenAt(cfg.officeHours, incoming.at, timeZone) && cfg.away.trim() !== '') {
		if (!botSaid('away')) return { kind: 'away', text: cfg.away };
	}
	const firstIncoming = !conv.some((e) => e.kind === 'message' && e.direction === 'in' && e.id !== incoming.id && e.at <= incoming.at);
	if (firstIncoming && cfg.welcome.trim() !== '' && !botSaid('welcome')) return { kind: 'welcome', text: cfg.welcome };
	const faq = cfg.faq.find((f) => matchesWords(incoming.text, f.words));
	if (faq) return { kind: 'faq', text: faq.answer };
	return { kind: 'quiet', why: 'nothing' };
}

/** The id of the bot's answer to an incoming message (its idempotency key). */
export function botAnswerId(incomingId: string, kind: BotAnswer['kind']): string {
	return `bot-${incomingId}-${kind}`;
}

export const DEFAULT_BOT: BotConfig = {
	enabled: false,
	welcome: '',
	officeHours: null,
	away: '',
	faq: [],
	handoverWords: [],
	handoverTeamId: null,
	handoverMessage: '',
	stopOnAgentReply: true
};

/** A bot configuration read from untrusted JSON, or null when its shape is wrong. */
export function parseBotConfig(v: unknown): BotConfig | null {
	if (typeof v !== 'object' || v === null) return null;
	const o = v as Record<string, unknown>;
	const str = (x: unknown) => typeof x === 'string' && x.length <= 2000;
	const strs = (x: unknown) => Array.isArray(x) && x.length <= 100 && x.every((s) => typeof s === 'string' && s.length <= 200);
	if (typeof o.enabled !== 'boolean' || !str(o.welcome) || !str(o.away) || !str(o.handoverMessage) || !strs(o.handoverWords)) return null;
	if (typeof o.stopOnAgentReply !== 'boolean' || !(o.handoverTeamId === null || typeof o.handoverTeamId === 'string')) return null;
	if (!Array.isArray(o.faq) || o.faq.length > 100 || !o.faq.every((f) => typeof f === 'object' && f !== null && strs((f as FaqItem).words) && str((f as FaqItem).answer))) return null;
	const h = o.officeHours as OfficeHours | null;
	if (h !== null && (typeof h !== 'object' || !Array.isArray(h.days) || typeof h.start !== 'number' || typeof h.end !== 'number' || !(h.utcOffsetMinutes === undefined || typeof h.utcOffsetMinutes === 'number'))) return null;
	return o as unknown as BotConfig;
}
