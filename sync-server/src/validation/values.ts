/**
 * Shape rules for the plain values a user may write into a contact document (the schema of
 * ARCHITECTURE.md, "The contact document's schema"). Each check answers null when the value
 * is acceptable, else a reason for a person ("comment author must be you (u-ana)").
 *
 * A user writes only as themselves: a thread entry's author is `{type: 'user', id: <token's
 * user>}`, never a contact, bot, system or another user; messages are outgoing; events are
 * the ones the domain's actions produce (`src/lib/domain/actions.ts`) with source `user`.
 * Every value is plain JSON-like data of bounded size and depth (no binary, no bigint, no
 * NaN), so that every reader can decode what it meets. Every id that names a directory entity
 * (assignee, team, mentioned user, channel) names an existing one (`domain/references.ts`, the
 * rule `POST /api/contacts` applies).
 */
import { activeUser, knownChannel, knownTeam } from '../../../src/lib/domain/references';
import type { Directory, EventType, UserId } from '../../../src/lib/domain/types';
import { PROFILE_KEYS, STATE_KEYS, ASSIGNMENT_KEYS } from '../../../src/lib/doc/schema';
import {
	MAX_CLOCK_SKEW_MS,
	MAX_CUSTOM_FIELDS,
	MAX_ENTRY_TEXT_CHARS,
	MAX_ID_CHARS,
	MAX_LABEL_CHARS,
	MAX_LIST_ITEMS,
	MAX_PROFILE_CHARS,
	MAX_VALUE_CHARS,
	MAX_VALUE_DEPTH
} from '../limits/constants';

export interface Actor {
	id: UserId;
	now: number;
	/** The directory every reference a user writes must name something of (domain/references.ts). */
	directory: Directory;
}

/** Every event type of SPEC S5.5 (`EventType`), to tell an unknown type from a forbidden one. */
export const EVENT_TYPES: ReadonlySet<string> = new Set<EventType>([
	'assigned', 'assign_failed', 'unassigned', 'closed', 'opened', 'snoozed', 'woken', 'broadcast_sent',
	'workflow_started', 'workflow_ended', 'bot_on', 'bot_off', 'channel_event', 'page_change',
	'contact_merged', 'contact_unmerged', 'new_channel', 'blocked', 'unblocked', 'message_blocked', 'contact_created'
]);

/** Events a user's own actions write (assign, close, reopen, snooze, wake, block, unblock). */
export const USER_EVENT_TYPES: ReadonlySet<string> = new Set<EventType>([
	'assigned', 'unassigned', 'closed', 'opened', 'snoozed', 'woken', 'blocked', 'unblocked'
]);

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/** A short, printable rendering of a client-chosen key for reasons. */
export function show(key: string | null): string {
	if (key === null) return '(no key)';
	// eslint-disable-next-line no-control-regex -- a key is shown without its control characters
	const clean = key.replace(/[\u0000-\u001f\u007f]/g, '?');
	return clean.length > 40 ? `${clean.slice(0, 40)}...` : clean;
}

/** `plainSize` answers this when the value is not plain JSON-like data. */
export const NOT_PLAIN_DATA = -2;

/**
 * Approximate JSON size of a plain value in characters; -1 when it exceeds `budget`, and
 * NOT_PLAIN_DATA when it is not plain JSON-like data (binary, bigint, NaN, too deep).
 */
export function plainSize(value: unknown, budget: number = MAX_VALUE_CHARS, depth = 0): number {
	if (depth > MAX_VALUE_DEPTH) return NOT_PLAIN_DATA;
	if (value === null || value === undefined || typeof value === 'boolean') return 5;
	if (typeof value === 'number') return Number.isFinite(value) ? 12 : NOT_PLAIN_DATA;
	if (typeof value === 'string') return value.length + 2 <= budget ? value.length + 2 : -1;
	if (Array.isArray(value)) {
		let size = 2;
		for (const v of value) {
			const s = plainSize(v, budget - size, depth + 1);
			if (s < 0) return s;
			size += s + 1;
		}
		return size <= budget ? size : -1;
	}
	if (!isRecord(value) || Object.getPrototypeOf(value) !== Object.prototype) return NOT_PLAIN_DATA;
	let size = 2;
	for (const [k, v] of Object.entries(value)) {
		const s = plainSize(v, budget - size - k.length - 3, depth + 1);
		if (s < 0) return s;
		size += k.length + 3 + s + 1;
		if (size > budget) return -1;
	}
	return size;
}

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_CHARS;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const optional = (v: unknown, ok: (x: unknown) => boolean): boolean => v === undefined || ok(v);
const shortString = (max: number) => (v: unknown): boolean => typeof v === 'string' && v.length <= max;
const idList = (v: unknown): boolean => Array.isArray(v) && v.length <= MAX_LIST_ITEMS && v.every(isId);

/** A time written by the user: not absurdly far in the future. */
function checkTime(what: string, v: unknown, now: number): string | null {
	if (!isTime(v)) return `${what} must be a time (milliseconds since the epoch)`;
	if (v > now + MAX_CLOCK_SKEW_MS) return `${what} is more than 5 minutes in the future`;
	return null;
}

/** A new thread entry stored under `key`, written by `actor`. */
export function checkEntry(key: string, v: unknown, actor: Actor): string | null {
	const label = `thread entry ${show(key)}`;
	if (!isRecord(v)) return `${label} must be an object`;
	const size = plainSize(v);
	if (size === NOT_PLAIN_DATA) return `${label} holds values that are not plain data (binary, NaN, too deeply nested)`;
	if (size < 0) return `${label} is larger than ${MAX_VALUE_CHARS} characters`;
	if (v.id !== key) return `${label} must carry its own id (found ${typeof v.id === 'string' ? show(v.id) : typeof v.id})`;
	if (!isId(key)) return `${label}: ids are 1 to ${MAX_ID_CHARS} characters`;
	const time = checkTime(`${label}: at`, v.at, actor.now);
	if (time) return time;
	const kind = v.kind;
	if (kind !== 'message' && kind !== 'comment' && kind !== 'event') return `${label} has an unknown kind (${typeof kind === 'string' ? show(kind) : typeof kind})`;
	const author = v.author;
	const noun = kind === 'message' ? 'message' : kind;
	if (!isRecord(author) || author.type !== 'user' || author.id !== actor.id) {
		const who = isRecord(author) ? `${String(author.type)} ${show(String(author.id))}` : 'nobody';
		return `${noun} author must be you (${actor.id}), not ${who}`;
	}
	if (kind === 'message') return checkMessage(label, v, actor.directory);
	if (kind === 'comment') return checkComment(label, v, actor.directory);
	return checkEvent(label, v, actor.directory);
}

function checkMessage(label: string, v: Rec, dir: Directory): string | null {
	if (v.direction === 'in') return `${label}: incoming messages are written by the server only`;
	if (v.direction !== 'out') return `${label}: direction must be "out"`;
	if (!isId(v.channelId)) return `${label}: channelId must be a channel id`;
	if (!knownChannel(dir, v.channelId)) return `${label}: channel ${show(v.channelId)} does not exist`;
	const body = v.body;
	if (!isRecord(body) || typeof body.type !== 'string' || body.type.length === 0 || body.type.length > MAX_LABEL_CHARS) return `${label}: body must be an object with a type`;
	if (!optional(body.text, shortString(MAX_ENTRY_TEXT_CHARS))) return `${label}: text must be a string of at most ${MAX_ENTRY_TEXT_CHARS} characters`;
	if (!optional(body.attachments, (a) => Array.isArray(a) && a.length <= MAX_LIST_ITEMS && a.every(isAttachment))) return `${label}: attachments must be a list of {storageName, name, size, mime}`;
	if (!optional(v.broadcast, (b) => typeof b === 'boolean')) return `${label}: broadcast must be a boolean`;
	if (!optional(v.replyTo, isId)) return `${label}: replyTo must be an entry id`;
	if (!optional(v.linkPreview, (p) => isRecord(p) && typeof p.url === 'string')) return `${label}: linkPreview must be an object with a url`;
	return null;
}

function isAttachment(a: unknown): boolean {
	return isRecord(a) && isId(a.storageName) && typeof a.name === 'string' && isTime(a.size) && shortString(MAX_ID_CHARS)(a.mime);
}

function checkComment(label: string, v: Rec, dir: Directory): string | null {
	if (typeof v.text !== 'string' || v.text.length > MAX_ENTRY_TEXT_CHARS) return `${label}: text must be a string of at most ${MAX_ENTRY_TEXT_CHARS} characters`;
	if (!idList(v.mentions)) return `${label}: mentions must be a list of at most ${MAX_LIST_ITEMS} user ids`;
	// S6.2: a mention notifies its user; one who was deactivated meanwhile still names a member.
	for (const id of v.mentions as string[]) if (!dir.users.some((u) => u.id === id)) return `${label}: mentions ${show(id)}, who is no user of the workspace`;
	return null;
}

function checkEvent(label: string, v: Rec, dir: Directory): string | null {
	const type = v.type;
	if (typeof type !== 'string' || !EVENT_TYPES.has(type)) return `${label}: unknown event type ${typeof type === 'string' ? show(type) : typeof type}`;
	if (!USER_EVENT_TYPES.has(type)) return `${label}: "${type}" events are written by the server only`;
	if (v.source !== 'user') return `${label}: a user's event must have source "user"`;
	if (!isRecord(v.data)) return `${label}: data must be an object`;
	if (type === 'assigned' || type === 'unassigned') {
		// The event names the assignment it records (the previous one, for `unassigned`, whose
		// user may have been deactivated since).
		const { userId, teamId } = v.data;
		if (userId !== null && userId !== undefined && !dir.users.some((u) => u.id === userId)) return `${label}: names ${typeof userId === 'string' ? show(userId) : typeof userId}, which is no user of the workspace`;
		if (type === 'assigned' && teamId !== null && teamId !== undefined && !knownTeam(dir, teamId)) return `${label}: names ${typeof teamId === 'string' ? show(teamId) : typeof teamId}, which is no team of the workspace`;
	}
	if (!optional(v.ref, shortString(MAX_ID_CHARS)) || !optional(v.url, shortString(MAX_PROFILE_CHARS.customValue))) return `${label}: ref and url must be short strings`;
	return null;
}

/** A delivery status written by a user: only "queued", for their own new outgoing message. */
export function checkDelivery(key: string, v: unknown, now: number): string | null {
	const label = `delivery status of ${show(key)}`;
	if (!isRecord(v) || v.status !== 'queued') return `${label}: only the server's channels write delivery statuses (a client may only mark its new message "queued")`;
	if (plainSize(v, 1024) < 0) return `${label} is too large`;
	return checkTime(`${label}: at`, v.at, now);
}

const PROFILE_STRING_LIMITS: ReadonlyMap<string, number> = new Map([
	[PROFILE_KEYS.firstName, MAX_PROFILE_CHARS.name],
	[PROFILE_KEYS.lastName, MAX_PROFILE_CHARS.name],
	[PROFILE_KEYS.phone, MAX_PROFILE_CHARS.phone],
	[PROFILE_KEYS.email, MAX_PROFILE_CHARS.email],
	[PROFILE_KEYS.country, MAX_PROFILE_CHARS.country],
	[PROFILE_KEYS.language, MAX_PROFILE_CHARS.language]
]);

/** A profile field (`key` is the stored key, e.g. `channels`). */
export function checkProfileValue(key: string, v: unknown): string | null {
	const label = `profile field ${show(key)}`;
	const max = PROFILE_STRING_LIMITS.get(key);
	if (max !== undefined) return typeof v === 'string' && v.length <= max ? null : `${label} must be a string of at most ${max} characters`;
	switch (key) {
		case PROFILE_KEYS.tags:
			return Array.isArray(v) && v.length <= MAX_LIST_ITEMS && v.every(shortString(MAX_PROFILE_CHARS.tag))
				? null
				: `${label} must be a list of at most ${MAX_LIST_ITEMS} tags of at most ${MAX_PROFILE_CHARS.tag} characters`;
		case PROFILE_KEYS.channelIds:
			return idList(v) ? null : `${label} must be a list of channel ids`;
		case PROFILE_KEYS.blocked:
			return typeof v === 'boolean' ? null : `${label} must be true or false`;
		case PROFILE_KEYS.custom: {
			if (!isRecord(v) || Object.keys(v).length > MAX_CUSTOM_FIELDS) return `${label} must be an object of at most ${MAX_CUSTOM_FIELDS} fields`;
			for (const [k, x] of Object.entries(v)) {
				if (k.length === 0 || k.length > MAX_ID_CHARS) return `${label}: field names are 1 to ${MAX_ID_CHARS} characters`;
				const okValue = x === null || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x)) || shortString(MAX_PROFILE_CHARS.customValue)(x);
				if (!okValue) return `${label}: ${show(k)} must be text (at most ${MAX_PROFILE_CHARS.customValue} characters), a number, true/false or null`;
			}
			return null;
		}
		default:
			return `unknown profile field ${show(key)}`;
	}
}

/**
 * An assignment field: null, an active user (userId) or a team (teamId), as for a new contact
 * (S3.1), or the value it holds now (`current`: rewriting an assignee deactivated since).
 */
export function checkAssignmentValue(key: string, v: unknown, dir: Directory, current: unknown): string | null {
	if (key !== ASSIGNMENT_KEYS.userId && key !== ASSIGNMENT_KEYS.teamId) return `unknown assignment field ${show(key)}`;
	if (v === null || v === current) return null;
	if (!isId(v)) return `assignment ${key} must be an id or null`;
	if (key === ASSIGNMENT_KEYS.userId) return activeUser(dir, v) ? null : `assignment userId ${show(v)} names no active user of the workspace`;
	return knownTeam(dir, v) ? null : `assignment teamId ${show(v)} names no team of the workspace`;
}

export function checkStateValue(key: string, v: unknown, now: number): string | null {
	switch (key) {
		case STATE_KEYS.status:
			return v === 'open' || v === 'closed' || v === 'snoozed' ? null : `state status must be open, closed or snoozed`;
		case STATE_KEYS.statusBeforeSnooze:
			return v === null || v === 'open' || v === 'closed' ? null : `state statusBeforeSnooze must be open, closed or null`;
		case STATE_KEYS.since:
		case STATE_KEYS.sinceBeforeSnooze:
			return v === null ? null : checkTime(`state ${key}`, v, now);
		case STATE_KEYS.snoozeUntil:
			return v === null || isTime(v) ? null : `state snoozeUntil must be a time or null`;
		default:
			return `unknown state field ${show(key)}`;
	}
}

/** A read mark: only the user's own, a time. */
export function checkRead(key: string, v: unknown, actor: Actor): string | null {
	if (key !== actor.id) return `read mark of ${show(key)} is not yours (you are ${actor.id})`;
	return checkTime('your read mark', v, actor.now);
}
