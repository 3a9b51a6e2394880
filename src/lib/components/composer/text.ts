/**
 * Pure rules of the composer (SPEC S5.6, S5.9, S5.10, S6.2), kept out of the component so they
 * are unit-tested:
 * - the shortcut under the caret: `:` emoji, `/` snippets, `{{` variables, `@` mentions. A
 *   trigger counts only at the start of the text or after whitespace (so `10:30`, `a/b` and
 *   e-mail addresses do not open pickers), and its query is the word typed since;
 * - variables: contact fields inserted as their values, and `{{key}}` in snippets expanded;
 * - the messaging window of a channel: open until `windowHours` after the contact's last
 *   incoming message on that channel (null: always open; no incoming message: closed);
 * - the first URL of a text (the one that gets a preview).
 */
import type { ChannelId, CustomFieldDef, Entry, Profile } from '../../domain/types';

export type TriggerKind = 'emoji' | 'snippet' | 'variable' | 'mention';

export interface Trigger {
	kind: TriggerKind;
	/** Index of the trigger's first character (what an insertion replaces, up to the caret). */
	start: number;
	query: string;
}

const WORD = /^[\p{L}\p{N}_.-]*$/u;

/** The shortcut being typed at `caret`, if any; `mentions` enables `@`. */
export function triggerAt(text: string, caret: number, mentions: boolean): Trigger | null {
	const before = text.slice(0, caret);
	// Scan back over the word under the caret (bounded: a trigger's query is short).
	let i = before.length;
	while (i > 0 && before.length - i < 40 && !/\s/.test(before[i - 1]!)) i--;
	const token = before.slice(i);
	const atStart = i === 0 || /\s/.test(before[i - 1]!);
	if (!atStart || token.length === 0) return null;
	if (token.startsWith('{{')) {
		const q = token.slice(2);
		return WORD.test(q) ? { kind: 'variable', start: i, query: q } : null;
	}
	const head = token[0]!;
	const q = token.slice(1);
	if (!WORD.test(q)) return null;
	if (head === ':') return { kind: 'emoji', start: i, query: q };
	if (head === '/') return { kind: 'snippet', start: i, query: q };
	if (head === '@' && mentions) return { kind: 'mention', start: i, query: q };
	return null;
}

/** `text` with [start, caret) replaced by `insert`, and where the caret goes after it. */
export function replaceRange(text: string, start: number, caret: number, insert: string): { text: string; caret: number } {
	return { text: text.slice(0, start) + insert + text.slice(caret), caret: start + insert.length };
}

/**
 * A picked mention replaces `@query` with `@Name` and one space: a space already after the
 * caret is taken as that space, so picking in the middle of a sentence never leaves two.
 */
export function insertMention(text: string, start: number, caret: number, name: string): { text: string; caret: number } {
	const end = text[caret] === ' ' ? caret + 1 : caret;
	return replaceRange(text, start, end, `@${name} `);
}

export interface Variable {
	key: string;
	label: string;
	value: string;
}

/** The contact fields a `{{` picker offers, with their values. */
export function contactVariables(p: Profile | null, custom: readonly CustomFieldDef[], labels: Record<'firstName' | 'lastName' | 'fullName' | 'email' | 'phone', string>): Variable[] {
	const first = p?.firstName ?? '';
	const last = p?.lastName ?? '';
	const out: Variable[] = [
		{ key: 'firstName', label: labels.firstName, value: first },
		{ key: 'lastName', label: labels.lastName, value: last },
		{ key: 'fullName', label: labels.fullName, value: [first, last].filter(Boolean).join(' ') },
		{ key: 'email', label: labels.email, value: p?.email ?? '' },
		{ key: 'phone', label: labels.phone, value: p?.phone ?? '' }
	];
	for (const f of custom) {
		const v = p?.custom[f.key];
		if (f.type === 'checkbox') continue;
		out.push({ key: f.key, label: f.label, value: v === null || v === undefined ? '' : String(v) });
	}
	return out;
}

/** `{{key}}` placeholders replaced by the variables' values (unknown keys are left as typed). */
export function expandVariables(text: string, vars: readonly Variable[]): string {
	return text.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (m, key: string) => vars.find((v) => v.key === key)?.value ?? m);
}

/** Items whose `name` contains a word starting with `query` (case-insensitive). */
export function filterByWord<T>(items: readonly T[], query: string, name: (t: T) => string, limit = 8): T[] {
	const q = query.toLocaleLowerCase();
	const out: T[] = [];
	for (const it of items) {
		const n = name(it).toLocaleLowerCase();
		if (!q || n.startsWith(q) || n.split(/[\s_.-]+/).some((w) => w.startsWith(q))) out.push(it);
		if (out.length >= limit) break;
	}
	return out;
}

export { messagingWindow, type WindowState } from '../../domain/messaging-window';

/** The newest incoming message time per channel. */
export function lastIncomingByChannel(entries: readonly Entry[]): Map<ChannelId, number> {
	const out = new Map<ChannelId, number>();
	for (const e of entries) {
		if (e.kind !== 'message' || e.direction !== 'in') continue;
		const prev = out.get(e.channelId);
		if (prev === undefined || e.at > prev) out.set(e.channelId, e.at);
	}
	return out;
}

/** SPEC S5.10: the channel of the last incoming message, else the last message's, else the first. */
export function defaultChannel(entries: readonly Entry[], offered: readonly ChannelId[], lastMessageChannel: ChannelId | null): ChannelId | null {
	for (let i = entries.length - 1; i >= 0; i--) {
		const e = entries[i]!;
		if (e.kind === 'message' && e.direction === 'in' && offered.includes(e.channelId)) return e.channelId;
	}
	if (lastMessageChannel && offered.includes(lastMessageChannel)) return lastMessageChannel;
	return offered[0] ?? null;
}

/** The first http(s) URL in `text` (trailing punctuation excluded), or null. */
export function firstUrl(text: string): string | null {
	const m = /\bhttps?:\/\/[^\s<>"'`]+/i.exec(text);
	if (!m) return null;
	const url = m[0].replace(/[.,;:!?)\]}]+$/, '');
	try {
		return new URL(url).href === '' ? null : url;
	} catch {
		return null;
	}
}

/** Mentions still present in the text: `@Name` of each picked user. */
export function keptMentions<T extends { id: string; name: string }>(text: string, picked: readonly T[]): T[] {
	return picked.filter((u, i) => text.includes(`@${u.name}`) && picked.findIndex((o) => o.id === u.id) === i);
}
