/**
 * Whose draft is which (SPEC S9.4, ARCHITECTURE "The contact document's schema"): the keys of a
 * contact document's `drafts` map name the composer and the draft's author, so each agent's
 * reply is their own until another agent joins it on purpose ("Write together").
 *
 * - `reply:<userId>`: that user's draft in the reply composer (likewise `comment:<userId>`).
 * - `reply:<ownerId>+<joinerId>`: an empty marker the joiner writes when joining the owner's
 *   draft; from then on the joiner may write the owner's draft, and the owner sees who joined.
 * - A key without an author (`reply`, `comment`, a bot's `memo`): a shared draft from before
 *   drafts had owners, writable by anyone who may see the contact (stock clients use these).
 *
 * The server allows a write to a draft only through `mayWriteDraft`; the client binds its
 * composers with `draftKey`. Pure functions, shared by both.
 */
import type { UserId } from './types';

const AUTHOR = ':';
const JOINER = '+';

export interface DraftKeyParts {
	composer: string;
	/** The draft's author; null for a shared draft without one. */
	owner: string | null;
	/** Set on a join marker: who joined `owner`'s draft. */
	joiner: string | null;
}

/** The key of `author`'s own draft in `composer`. */
export function draftKey(composer: string, author: UserId | string): string {
	return `${composer}${AUTHOR}${author}`;
}

/** The marker `joiner` writes when joining the draft `key` (an owned draft's key). */
export function joinKey(key: string, joiner: UserId | string): string {
	return `${key}${JOINER}${joiner}`;
}

export function parseDraftKey(key: string): DraftKeyParts {
	const at = key.indexOf(AUTHOR);
	if (at <= 0 || at === key.length - 1) return { composer: key, owner: null, joiner: null };
	const composer = key.slice(0, at);
	const rest = key.slice(at + 1);
	const plus = rest.indexOf(JOINER);
	if (plus < 0) return { composer, owner: rest, joiner: null };
	return { composer, owner: rest.slice(0, plus) || null, joiner: rest.slice(plus + 1) || null };
}

/** Who joined the draft `key`, read from the drafts map's keys. */
export function joinersOf(key: string, keys: Iterable<string>): string[] {
	const prefix = `${key}${JOINER}`;
	const out: string[] = [];
	for (const k of keys) if (k.startsWith(prefix) && k.length > prefix.length) out.push(k.slice(prefix.length));
	return out.sort();
}

/**
 * May `actor` write the draft `key`? Their own draft and their own join markers, a draft whose
 * join marker by them exists (`hasKey`: the document's live keys plus the update's new ones), and
 * the shared drafts without an author.
 */
export function mayWriteDraft(key: string, actor: string, hasKey: (k: string) => boolean): boolean {
	const p = parseDraftKey(key);
	if (p.owner === null) return p.joiner === null;
	if (p.joiner !== null) return p.joiner === actor;
	return p.owner === actor || hasKey(joinKey(key, actor));
}
