/**
 * Custom inboxes (SPEC S1.5): saved advanced filters (filters.ts) with a name, an icon, and the
 * people they are shared with.
 *
 * Rules:
 * - a definition reaches the users it is shared with and nobody else (`sharedWith`): its
 *   creator always; `everyone`: every active member; `teams`: members of one of the teams;
 *   `users`: the listed users. The server sends each user only those (zero bytes to others);
 * - sharing never widens visibility (S1.3): a custom inbox lists the contacts that match its
 *   filter AND that the viewer may see (`customInboxPredicate`); blocked contacts stay out
 *   (S4.3) unless the filter asks for them through the `blocked` field;
 * - only the creator edits or deletes it; anyone it is shared with may hide it for themselves;
 * - sub-views (S1.5): All (mine and shared with me), By me, By others.
 */
import { compileFilter, parseFilter, validateFilter, type Filter, type FilterContext, type FilterSubject, type FilterWarning } from './filters';
import { visibilityPredicate } from './visibility';
import type { ContactSummary, Directory, InboxKey, TeamId, User, UserId } from './types';

export type CustomInboxSharing =
	| { kind: 'me' }
	| { kind: 'everyone' }
	| { kind: 'teams'; teamIds: TeamId[] }
	| { kind: 'users'; userIds: UserId[] };

export interface CustomInbox {
	id: string;
	name: string;
	/** An emoji (or short symbol) shown before the name. */
	icon: string;
	filter: Filter;
	sharing: CustomInboxSharing;
	createdBy: UserId;
	createdAt: number;
	updatedAt: number;
}

/** A definition as one user receives it: with their own "hidden" choice. */
export interface CustomInboxView extends CustomInbox {
	hidden: boolean;
}

export type CustomInboxSubView = 'all' | 'mine' | 'others';

export const CUSTOM_INBOX_PREFIX = 'custom:';
/** The key of the unsaved filter view (its filter lives in the URL). */
export const DRAFT_FILTER_ID = 'draft';
export const MAX_CUSTOM_INBOXES = 200;
export const MAX_INBOX_NAME = 60;
export const MAX_ICON_LENGTH = 16;

export function customInboxKey(id: string): InboxKey {
	return `${CUSTOM_INBOX_PREFIX}${id}`;
}

/** The id of a `custom:<id>` inbox key, or null for any other key. */
export function customInboxIdOf(key: InboxKey | string): string | null {
	return key.startsWith(CUSTOM_INBOX_PREFIX) ? key.slice(CUSTOM_INBOX_PREFIX.length) : null;
}

/** Whether the definition reaches this user (and is listed in their sidebar). */
export function sharedWith(inbox: CustomInbox, user: User): boolean {
	if (!user.active) return false;
	if (inbox.createdBy === user.id) return true;
	switch (inbox.sharing.kind) {
		case 'me':
			return false;
		case 'everyone':
			return true;
		case 'teams': {
			const teams = new Set(inbox.sharing.teamIds);
			return user.teamIds.some((t) => teams.has(t));
		}
		case 'users':
			return inbox.sharing.userIds.includes(user.id);
	}
}

export function canEdit(inbox: CustomInbox, user: User): boolean {
	return user.active && inbox.createdBy === user.id;
}

/** The inboxes of a sub-view, hidden ones left out, by name. */
export function subViewOf(list: readonly CustomInboxView[], me: UserId, view: CustomInboxSubView): CustomInboxView[] {
	return list
		.filter((i) => !i.hidden && (view === 'all' || (view === 'mine') === (i.createdBy === me)))
		.sort((a, b) => a.name.localeCompare(b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Whether any condition of the filter reads the `blocked` field (then blocked contacts may match). */
export function asksForBlocked(filter: Filter): boolean {
	return filter.groups.some((g) => g.some((c) => c.field === 'blocked'));
}

/**
 * Membership of a custom inbox (or an unsaved filter) for one viewer at one instant: visible to
 * them (S1.3), not blocked unless the filter asks, and matching the filter.
 */
export function customInboxPredicate(filter: Filter, user: User, dir: Directory, now: number, text?: FilterContext['text']): (c: ContactSummary) => boolean {
	if (!user.active) return () => false;
	const visible = visibilityPredicate(user, dir);
	const matches = compileFilter(filter, { me: user.id, dir, now, ...(text ? { text } : {}) });
	const blockedOk = asksForBlocked(filter);
	return (c) => (blockedOk || !c.blocked) && visible(c) && matches(c as FilterSubject);
}

// ---------------------------------------------------------------------------------------------
// Input (HTTP bodies)

export interface CustomInboxInput {
	name: string;
	icon: string;
	filter: Filter;
	sharing: CustomInboxSharing;
}

export type InputCheck = { ok: true; value: CustomInboxInput; warnings: FilterWarning[] } | { ok: false; message: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseSharing(v: unknown, dir: Directory): CustomInboxSharing | string {
	if (!isRecord(v)) return 'sharing must be an object with a kind.';
	switch (v.kind) {
		case 'me':
			return { kind: 'me' };
		case 'everyone':
			return { kind: 'everyone' };
		case 'teams': {
			const known = new Set(dir.teams.map((t) => t.id));
			if (!Array.isArray(v.teamIds) || v.teamIds.length === 0 || !v.teamIds.every((t) => typeof t === 'string' && known.has(t as TeamId))) {
				return 'sharing.teamIds must list existing teams.';
			}
			return { kind: 'teams', teamIds: [...new Set(v.teamIds as TeamId[])] };
		}
		case 'users': {
			const known = new Set(dir.users.filter((u) => u.active).map((u) => u.id));
			if (!Array.isArray(v.userIds) || v.userIds.length === 0 || !v.userIds.every((u) => typeof u === 'string' && known.has(u as UserId))) {
				return 'sharing.userIds must list active users.';
			}
			return { kind: 'users', userIds: [...new Set(v.userIds as UserId[])] };
		}
		default:
			return 'sharing.kind must be me, everyone, teams or users.';
	}
}

/**
 * A create (all fields) or an edit (`partial`: only the given fields, merged over `base`) from
 * an untrusted body. The filter's shape is checked; its references may be broken (a warning,
 * shown by the builder), since a team or field may be removed after saving anyway.
 */
export function checkCustomInboxInput(body: Record<string, unknown>, dir: Directory, base?: CustomInboxInput): InputCheck {
	const name = body.name === undefined && base ? base.name : body.name;
	if (typeof name !== 'string' || name.trim().length === 0 || name.trim().length > MAX_INBOX_NAME) return { ok: false, message: `name must be text of 1 to ${MAX_INBOX_NAME} characters.` };
	const icon = body.icon === undefined ? (base?.icon ?? '') : body.icon;
	if (typeof icon !== 'string' || icon.length > MAX_ICON_LENGTH) return { ok: false, message: `icon must be an emoji of at most ${MAX_ICON_LENGTH} characters.` };
	const filter = body.filter === undefined && base ? base.filter : parseFilter(body.filter);
	if (!filter) return { ok: false, message: 'filter must be {groups: [[{field, op, value}]]} (at most 20 groups of 20 conditions).' };
	const sharing = body.sharing === undefined && base ? base.sharing : parseSharing(body.sharing ?? { kind: 'me' }, dir);
	if (typeof sharing === 'string') return { ok: false, message: sharing };
	return { ok: true, value: { name: name.trim(), icon: icon.trim(), filter, sharing }, warnings: validateFilter(filter, dir) };
}
