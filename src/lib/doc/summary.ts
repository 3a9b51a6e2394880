/**
 * The per-contact summary the inbox list paints from (ContactSummary), derived from a contact
 * document, in two ways that must always agree:
 * - `summarize`: a full read of the document;
 * - `updateSummary`: the previous summary plus the entries added since, in O(added) for the
 *   thread (the profile, assignment, state and read-mark maps are small and read whole).
 * The incremental path relies on the thread invariant (entries are added, never changed or
 * deleted). When a transaction breaks it (a key written twice, concurrently or by a foreign
 * writer, or deleted), `threadChangeOf` asks for a rescan and the full path runs instead.
 *
 * "Last message" is the greatest non-broadcast message in thread order (at, id), so the
 * summary carries its id (`lastMessageId`) to break ties on `at` exactly as the full path does.
 */
import * as Y from 'yjs';
import type { ContactId, ContactSummary, Entry, EntryId, EventEntry, MessageEntry, Profile, SummaryNotice } from '../domain/types';
import { contactDoc, readAssignment, readProfile, readReads, readState } from './contact';
import { CONTACT_ROOTS, changedKeys } from './schema';
import { compareEntries, isEntry } from './values';
import { foldCalls, isCallEvent, type CallState } from '../domain/calls';

/** How many incoming message times a summary keeps (enough for any unread badge we show). */
export const RECENT_INCOMING_LIMIT = 100;
/** Longest preview kept in a summary, in UTF-16 code units. */
export const PREVIEW_LENGTH = 140;
/** How many notices (mentions, wake-ups) a summary keeps: the notification center's reach per contact. */
export const NOTICE_LIMIT = 20;
/** How many calls (newest) a summary keeps: the Incoming calls list and the Calls tab read them. */
export const CALL_LIMIT = 10;

/** A ContactSummary plus the id of its last message, needed to update it incrementally. */
export interface DocSummary extends ContactSummary {
	lastMessageId: EntryId | null;
}

/** The small maps a summary copies; each is read whole when it changed. */
export type SummaryMap = 'profile' | 'assignment' | 'state' | 'reads';
const SMALL_MAPS: readonly SummaryMap[] = ['profile', 'assignment', 'state', 'reads'];

/**
 * What changed since a summary: ids of added entries and, when known, which small maps
 * changed (absent: read them all); or "read it all again".
 */
export type ThreadChange = { added: readonly EntryId[]; maps?: readonly SummaryMap[] } | { rescan: true };

export function messagePreview(m: MessageEntry): string {
	const text = m.body.text?.replace(/\s+/g, ' ').trim();
	if (text) return text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH - 1)}…` : text;
	const file = m.body.attachments?.[0]?.name;
	return file ?? `[${m.body.type}]`;
}

function readMaps(contactId: ContactId, ydoc: Y.Doc) {
	const profile = readProfile(ydoc.getMap(CONTACT_ROOTS.profile));
	const assignment = readAssignment(ydoc.getMap(CONTACT_ROOTS.assignment));
	const state = readState(ydoc.getMap(CONTACT_ROOTS.state));
	return {
		id: contactId,
		firstName: profile.firstName,
		lastName: profile.lastName,
		phone: profile.phone,
		email: profile.email,
		blocked: profile.blocked,
		channelIds: profile.channelIds,
		assigneeId: assignment.userId,
		teamId: assignment.teamId,
		status: state.status,
		statusSince: state.since,
		snoozeUntil: state.snoozeUntil,
		statusBeforeSnooze: state.statusBeforeSnooze,
		sinceBeforeSnooze: state.sinceBeforeSnooze,
		reads: readReads(ydoc.getMap(CONTACT_ROOTS.reads)),
		...filterFacts(profile)
	};
}

/** The profile facts advanced filters read (S4.4), each only when not empty. */
function filterFacts(p: Profile): Pick<ContactSummary, 'country' | 'language' | 'tags' | 'custom'> {
	const customKeys = Object.keys(p.custom).filter((k) => p.custom[k] !== null && p.custom[k] !== '');
	return {
		...(p.country ? { country: p.country } : {}),
		...(p.language ? { language: p.language } : {}),
		...(p.tags.length > 0 ? { tags: p.tags } : {}),
		...(customKeys.length > 0 ? { custom: Object.fromEntries(customKeys.map((k) => [k, p.custom[k] ?? null])) } : {})
	};
}

/** `prev`'s map-derived fields, with only the listed maps read again. */
function rereadMaps(prev: ContactSummary, ydoc: Y.Doc, maps: readonly SummaryMap[]): ReturnType<typeof readMaps> {
	const out: ReturnType<typeof readMaps> = {
		id: prev.id,
		firstName: prev.firstName,
		lastName: prev.lastName,
		phone: prev.phone,
		email: prev.email,
		blocked: prev.blocked,
		channelIds: prev.channelIds,
		assigneeId: prev.assigneeId,
		teamId: prev.teamId,
		status: prev.status,
		statusSince: prev.statusSince,
		snoozeUntil: prev.snoozeUntil,
		statusBeforeSnooze: prev.statusBeforeSnooze,
		sinceBeforeSnooze: prev.sinceBeforeSnooze,
		reads: prev.reads,
		...(prev.country !== undefined ? { country: prev.country } : {}),
		...(prev.language !== undefined ? { language: prev.language } : {}),
		...(prev.tags !== undefined ? { tags: prev.tags } : {}),
		...(prev.custom !== undefined ? { custom: prev.custom } : {})
	};
	if (maps.length === 0) return out;
	const fresh = readMaps(prev.id, ydoc);
	for (const m of maps) {
		if (m === 'profile') {
			Object.assign(out, { firstName: fresh.firstName, lastName: fresh.lastName, phone: fresh.phone, email: fresh.email, blocked: fresh.blocked, channelIds: fresh.channelIds });
			for (const k of ['country', 'language', 'tags', 'custom'] as const) {
				if (fresh[k] === undefined) delete out[k];
				else Object.assign(out, { [k]: fresh[k] });
			}
		} else if (m === 'assignment') {
			Object.assign(out, { assigneeId: fresh.assigneeId, teamId: fresh.teamId });
		} else if (m === 'state') {
			Object.assign(out, { status: fresh.status, statusSince: fresh.statusSince, snoozeUntil: fresh.snoozeUntil, statusBeforeSnooze: fresh.statusBeforeSnooze, sinceBeforeSnooze: fresh.sinceBeforeSnooze });
		} else out.reads = fresh.reads;
	}
	return out;
}

interface ThreadFacts {
	last: MessageEntry | null;
	lastMessageAt: number | null;
	lastMessageId: EntryId | null;
	recentIncomingAt: number[];
	/** Time of the last non-broadcast outgoing message. */
	lastOutgoingAt: number | null;
	updatedAt: number;
	/** Sorted by (at, entryId), at most NOTICE_LIMIT. */
	notices: SummaryNotice[];
	/** The contact's latest calls, oldest first, at most CALL_LIMIT (SPEC S2). */
	calls: CallState[];
}

/** The notice an entry gives rise to (S6.2 mention, S7.5 system wake-up), if any. */
export function noticeOf(e: Entry): SummaryNotice | null {
	if (e.kind === 'comment' && e.mentions.length > 0) {
		return { entryId: e.id, at: e.at, kind: 'mention', userIds: [...e.mentions], authorId: e.author.type === 'user' ? e.author.id : null };
	}
	if (e.kind === 'event' && e.type === 'woken' && e.source === 'system') return { entryId: e.id, at: e.at, kind: 'woken', userIds: [], authorId: null };
	return null;
}

const noticeOrder = (a: SummaryNotice, b: SummaryNotice) => a.at - b.at || (a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0);

/** Folds entries into thread facts; `facts.recentIncomingAt` stays sorted and bounded. */
function fold(facts: ThreadFacts, entries: Iterable<unknown>, contactId: ContactId): ThreadFacts {
	let { last, lastMessageAt, lastMessageId, updatedAt, lastOutgoingAt } = facts;
	const incoming: number[] = [];
	const notices: SummaryNotice[] = [];
	const callEvents: EventEntry[] = [];
	for (const e of entries) {
		if (!isEntry(e)) continue;
		if (e.at > updatedAt) updatedAt = e.at;
		if (e.kind === 'event' && isCallEvent(e)) callEvents.push(e);
		const notice = noticeOf(e);
		if (notice) notices.push(notice);
		if (e.kind !== 'message' || e.broadcast === true) continue;
		if (lastMessageAt === null || lastMessageId === null || compareEntries(e, { at: lastMessageAt, id: lastMessageId }) > 0) {
			last = e;
			lastMessageAt = e.at;
			lastMessageId = e.id;
		}
		if (e.direction === 'in') incoming.push(e.at);
		else if (lastOutgoingAt === null || e.at > lastOutgoingAt) lastOutgoingAt = e.at;
	}
	let recent = facts.recentIncomingAt;
	if (incoming.length > 0) {
		recent = [...recent, ...incoming].sort((a, b) => a - b);
		if (recent.length > RECENT_INCOMING_LIMIT) recent = recent.slice(recent.length - RECENT_INCOMING_LIMIT);
	}
	let kept = facts.notices;
	if (notices.length > 0) {
		kept = [...kept, ...notices].sort(noticeOrder);
		if (kept.length > NOTICE_LIMIT) kept = kept.slice(kept.length - NOTICE_LIMIT);
	}
	let calls = facts.calls;
	if (callEvents.length > 0) {
		callEvents.sort(compareEntries);
		calls = foldCalls(contactId, callEvents, calls);
		if (calls.length > CALL_LIMIT) calls = calls.slice(calls.length - CALL_LIMIT);
	}
	return { last, lastMessageAt, lastMessageId, recentIncomingAt: recent, lastOutgoingAt, updatedAt, notices: kept, calls };
}

/** The full summary of a contact document (reads the whole thread). */
export function summarize(contactId: ContactId, ydoc: Y.Doc): DocSummary {
	const thread = ydoc.getMap<unknown>(CONTACT_ROOTS.thread);
	const facts = fold(
		{ last: null, lastMessageAt: null, lastMessageId: null, recentIncomingAt: [], lastOutgoingAt: null, updatedAt: 0, notices: [], calls: [] },
		thread.values(),
		contactId
	);
	return {
		...readMaps(contactId, ydoc),
		lastMessageAt: facts.lastMessageAt,
		lastMessageDirection: facts.last?.direction ?? null,
		lastMessageChannelId: facts.last?.channelId ?? null,
		lastMessagePreview: facts.last ? messagePreview(facts.last) : '',
		lastMessageId: facts.lastMessageId,
		recentIncomingAt: facts.recentIncomingAt,
		updatedAt: facts.updatedAt,
		...(facts.notices.length > 0 ? { notices: facts.notices } : {}),
		...(facts.lastOutgoingAt !== null ? { lastOutgoingAt: facts.lastOutgoingAt } : {}),
		...(facts.calls.length > 0 ? { calls: facts.calls } : {})
	};
}

/**
 * `prev` updated for entries added since it was computed (`change`: their ids, or a
 * ThreadChange). Equal to `summarize` of the same document; falls back to it on a rescan or
 * when `prev` lacks the last message's id.
 */
export function updateSummary(prev: ContactSummary, ydoc: Y.Doc, change: readonly EntryId[] | ThreadChange): DocSummary {
	const prevId = (prev as Partial<DocSummary>).lastMessageId;
	if (prevId === undefined || ('rescan' in change && change.rescan)) return summarize(prev.id, ydoc);
	const ids: readonly EntryId[] = 'added' in change ? change.added : (change as readonly EntryId[]);
	const maps = 'maps' in change ? change.maps : undefined;
	const thread = ydoc.getMap<unknown>(CONTACT_ROOTS.thread);
	const start: ThreadFacts = {
		last: null,
		lastMessageAt: prev.lastMessageAt,
		lastMessageId: prevId,
		recentIncomingAt: prev.recentIncomingAt,
		lastOutgoingAt: prev.lastOutgoingAt ?? null,
		updatedAt: prev.updatedAt,
		notices: prev.notices ?? [],
		calls: prev.calls ?? []
	};
	const facts = fold(start, ids.map((id) => thread.get(id)), prev.id);
	return {
		...(maps === undefined ? readMaps(prev.id, ydoc) : rereadMaps(prev, ydoc, maps)),
		lastMessageAt: facts.lastMessageAt,
		lastMessageDirection: facts.last ? facts.last.direction : prev.lastMessageDirection,
		lastMessageChannelId: facts.last ? facts.last.channelId : prev.lastMessageChannelId,
		lastMessagePreview: facts.last ? messagePreview(facts.last) : prev.lastMessagePreview,
		lastMessageId: facts.lastMessageId,
		recentIncomingAt: facts.recentIncomingAt,
		updatedAt: facts.updatedAt,
		...(facts.notices.length > 0 ? { notices: facts.notices } : {}),
		...(facts.lastOutgoingAt !== null ? { lastOutgoingAt: facts.lastOutgoingAt } : {}),
		...(facts.calls.length > 0 ? { calls: facts.calls } : {})
	};
}

/**
 * The thread change a transaction made: added keys, or a rescan when a key was written over
 * an earlier value (its item has a left neighbour) or deleted.
 */
export function threadChangeOf(ydoc: Y.Doc, tr: Y.Transaction): ThreadChange {
	const thread = ydoc.getMap<unknown>(CONTACT_ROOTS.thread);
	const maps = SMALL_MAPS.filter((m) => changedKeys(tr, ydoc.getMap<unknown>(CONTACT_ROOTS[m])) !== undefined);
	const keys = changedKeys(tr, thread);
	if (!keys) return { added: [], maps };
	const added: EntryId[] = [];
	for (const key of keys) {
		if (key === null) return { rescan: true };
		const item = thread._map.get(key);
		if (!item || item.deleted || item.left !== null) return { rescan: true };
		added.push(key as EntryId);
	}
	return { added, maps };
}

const SUMMARY_ROOTS = [CONTACT_ROOTS.profile, CONTACT_ROOTS.assignment, CONTACT_ROOTS.state, CONTACT_ROOTS.reads, CONTACT_ROOTS.thread];

/**
 * Keeps a summary of `ydoc` current: computes it once, then updates it incrementally after
 * every transaction that touched a summarised root, calling `onChange` with the new summary.
 */
export function watchSummary(
	contactId: ContactId,
	ydoc: Y.Doc,
	onChange: (summary: DocSummary) => void
): { current(): DocSummary; stop(): void } {
	contactDoc(ydoc); // creates the root types, so `tr.changed` can be matched against them
	const roots = SUMMARY_ROOTS.map((name) => ydoc.getMap<unknown>(name));
	let summary = summarize(contactId, ydoc);
	const handler = (tr: Y.Transaction) => {
		if (!roots.some((r) => changedKeys(tr, r) !== undefined)) return;
		summary = updateSummary(summary, ydoc, threadChangeOf(ydoc, tr));
		onChange(summary);
	};
	ydoc.on('afterTransaction', handler);
	return { current: () => summary, stop: () => ydoc.off('afterTransaction', handler) };
}
