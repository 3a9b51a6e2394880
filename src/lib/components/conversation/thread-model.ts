/**
 * Pure helpers of the conversation console: how a thread is cut into rendered rows, who sent
 * a message (S5.2), which message bodies the thread knows how to show (S5.11), and how events
 * read (S5.5). No DOM, no Svelte; tested in `thread-model.test.ts`.
 *
 * Windowed rendering (S5.1, 10k entries): only the entries from `start` to the end are rendered.
 * A thread opens with the newest `WINDOW_PAGE` entries; scrolling to the top lowers `start` by a
 * page (the view keeps its place); an entry to show (a copied link, a search hit) lowers `start`
 * to include it with some context. While the reader stays at the bottom and the window has grown
 * past `2 * WINDOW_PAGE`, it is cut back to the newest page, so live threads stay light.
 */
import type { Author, Entry, EventEntry, MessageEntry } from '../../domain/types';
import { startOfDay } from '../../i18n/format';

export const WINDOW_PAGE = 200;
/** Entries kept above a focused entry, so it does not sit at the very top of the window. */
export const FOCUS_CONTEXT = 20;

export function initialStart(length: number, page = WINDOW_PAGE): number {
	return Math.max(0, length - page);
}

export function earlierStart(start: number, page = WINDOW_PAGE): number {
	return Math.max(0, start - page);
}

/** The start that shows `index` (unchanged when it is already rendered). */
export function startToShow(start: number, index: number, context = FOCUS_CONTEXT): number {
	return index >= start ? start : Math.max(0, index - context);
}

/** A window grown while the reader followed the live end is cut back to the newest page. */
export function trimmedStart(start: number, length: number, atBottom: boolean, page = WINDOW_PAGE): number {
	return atBottom && length - start > 2 * page ? length - page : start;
}

export type ThreadRow = { kind: 'day'; key: string; at: number } | { kind: 'entry'; key: string; entry: Entry };

/** Rows for `entries[start..]`: a day separator before the first entry of each local day. */
export function threadRows(entries: readonly Entry[], start: number): ThreadRow[] {
	const rows: ThreadRow[] = [];
	let day = Number.NaN;
	for (let i = Math.max(0, start); i < entries.length; i++) {
		const e = entries[i]!;
		const d = startOfDay(e.at);
		if (d !== day) {
			day = d;
			rows.push({ kind: 'day', key: `day-${d}`, at: d });
		}
		rows.push({ kind: 'entry', key: e.id, entry: e });
	}
	return rows;
}

/** S8.4: comments and events, newest day first, each day in thread order. */
export function activitiesByDay(entries: readonly Entry[], limit = Infinity): Array<{ day: number; items: Array<Exclude<Entry, MessageEntry>> }> {
	const out: Array<{ day: number; items: Array<Exclude<Entry, MessageEntry>> }> = [];
	let taken = 0;
	for (let i = entries.length - 1; i >= 0 && taken < limit; i--) {
		const e = entries[i]!;
		if (e.kind === 'message') continue;
		const day = startOfDay(e.at);
		const last = out[out.length - 1];
		if (last && last.day === day) last.items.unshift(e);
		else out.push({ day, items: [e] });
		taken++;
	}
	return out;
}

/** S5.2 sender kinds. `contact` is the customer; `system` counts as the platform. */
export type SenderKind = 'platform' | 'provider' | 'human' | 'api' | 'contact';

export function senderKind(author: Author): SenderKind {
	switch (author.type) {
		case 'user':
			return 'human';
		case 'contact':
			return 'contact';
		case 'provider':
			return 'provider';
		case 'api':
			return 'api';
		case 'workflow':
		case 'integration':
		case 'bot':
		case 'system':
			return 'platform';
	}
}

/** Body types shown as text; media types show their attachments; anything else is unsupported (S5.11). */
const TEXT_TYPES = new Set(['text', 'template', 'quick_reply', 'story_reply', 'email', 'location']);
const MEDIA_TYPES = new Set(['image', 'file', 'audio', 'video']);

export type BodyView = 'text' | 'media' | 'unsupported';

export function bodyView(m: MessageEntry): BodyView {
	const t = m.body.type;
	// A text with files shows both (S5.14).
	if ((t === 'text' || MEDIA_TYPES.has(t)) && (m.body.attachments?.length ?? 0) > 0) return 'media';
	if (TEXT_TYPES.has(t) && typeof m.body.text === 'string') return 'text';
	if (MEDIA_TYPES.has(t) && (m.body.attachments?.length ?? 0) > 0) return 'media';
	return 'unsupported';
}

/** The raw payload of an unsupported message, pretty-printed (the body when there is no `raw`). */
export function rawJson(m: MessageEntry): string {
	try {
		return JSON.stringify(m.body.raw !== undefined ? m.body.raw : m.body, null, 2) ?? 'null';
	} catch {
		return String(m.body.raw);
	}
}

/** The first line of a message or comment, for a reply quote (S5.3). */
export function quoteText(e: Entry, max = 120): string {
	const text = e.kind === 'message' ? e.body.text || e.body.attachments?.map((a) => a.name).join(', ') || `[${e.body.type}]` : e.kind === 'comment' ? e.text : e.type;
	const line = text.split('\n', 1)[0] ?? '';
	return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** What an event says beyond its type, for its label: the people and times in `data` (S5.5). */
export type EventDetail =
	| { kind: 'assigned'; userId: string | null; teamId: string | null }
	| { kind: 'unassigned'; userId: string | null; teamId: string | null }
	| { kind: 'snoozed'; until: number | null }
	| { kind: 'woken'; status: string | null }
	| { kind: 'plain' };

const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function eventDetail(e: EventEntry): EventDetail {
	const d = e.data ?? {};
	switch (e.type) {
		case 'assigned':
			// Older writers used `assigneeId`.
			return { kind: 'assigned', userId: strOrNull(d.userId) ?? strOrNull(d.assigneeId), teamId: strOrNull(d.teamId) };
		case 'unassigned':
			return { kind: 'unassigned', userId: strOrNull(d.userId), teamId: strOrNull(d.teamId) };
		case 'snoozed':
			return { kind: 'snoozed', until: typeof d.until === 'number' && Number.isFinite(d.until) ? d.until : null };
		case 'woken':
			return { kind: 'woken', status: strOrNull(d.status) };
		default:
			return { kind: 'plain' };
	}
}

/** The link to one entry of a conversation (S5.3 Copy link); opens it scrolled and highlighted. */
export function entryLink(origin: string, contactId: string, entryId: string): string {
	return `${origin}/c/${encodeURIComponent(contactId)}?entry=${encodeURIComponent(entryId)}`;
}

/** Only http(s) URLs of events are made links (a `javascript:` URL stays text). */
export function safeHref(url: string | undefined): string | null {
	if (!url) return null;
	try {
		const u = new URL(url);
		return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
	} catch {
		return null;
	}
}
