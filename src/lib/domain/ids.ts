/**
 * Ids and document ids.
 *
 * Invariant: a document id is either `dir` or `c/<contactId>`, and a contact id matches
 * `CONTACT_ID_PATTERN` (1 to 64 of `A-Z a-z 0-9 _ -`). `parseDocId` is the only way the server
 * turns a client-supplied string into a document reference, so its grammar is strict: anything
 * else (path tricks, `..`, percent escapes, extra slashes, unicode, empty, too long) is `null`,
 * never a best-effort guess. Ids we mint ourselves (`newId`) always satisfy the pattern.
 */
import type {
	ChannelId,
	ContactId,
	DocId,
	EntryId,
	SnippetId,
	TeamId,
	UserId,
	WorkspaceId
} from './types';

export const CONTACT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const CONTACT_DOC_PREFIX = 'c/';
/** URL-safe alphabet of 64 symbols: one random byte masked to 6 bits picks one uniformly. */
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const ID_LENGTH = 20;

export const asUserId = (s: string): UserId => s as UserId;
export const asTeamId = (s: string): TeamId => s as TeamId;
export const asChannelId = (s: string): ChannelId => s as ChannelId;
export const asContactId = (s: string): ContactId => s as ContactId;
export const asEntryId = (s: string): EntryId => s as EntryId;
export const asWorkspaceId = (s: string): WorkspaceId => s as WorkspaceId;
export const asSnippetId = (s: string): SnippetId => s as SnippetId;

/** 20 characters from a 64-symbol alphabet: 120 bits of randomness, safe in URLs and doc ids. */
export function newId(): string {
	const bytes = globalThis.crypto.getRandomValues(new Uint8Array(ID_LENGTH));
	let id = '';
	for (const b of bytes) id += ID_ALPHABET[b & 63];
	return id;
}

export const DIR_DOC_ID = 'dir' as DocId;

export function isValidContactId(s: unknown): s is ContactId {
	return typeof s === 'string' && CONTACT_ID_PATTERN.test(s);
}

/**
 * The document id of a contact. Throws on an id outside the grammar: that is a programming
 * error (ids come from `newId` or from `parseDocId`), and a doc id that does not parse back
 * would be refused by the server anyway.
 */
export function contactDocId(id: ContactId): DocId {
	if (!isValidContactId(id)) throw new TypeError(`invalid contact id: ${JSON.stringify(id)}`);
	return (CONTACT_DOC_PREFIX + id) as DocId;
}

/**
 * `contactDocId` without the grammar check, for an id already checked (read from a document id
 * or from a summary filed under one): the hot paths of a first login call it 150,000 times at
 * 50,000 contacts, where the check cost a third of a second (issue 26).
 */
export function checkedContactDocId(id: ContactId): DocId {
	return (CONTACT_DOC_PREFIX + id) as DocId;
}

export type ParsedDocId = { kind: 'dir' } | { kind: 'contact'; contactId: ContactId };

export function parseDocId(s: string): ParsedDocId | null {
	if (typeof s !== 'string') return null;
	if (s === DIR_DOC_ID) return { kind: 'dir' };
	if (!s.startsWith(CONTACT_DOC_PREFIX)) return null;
	const rest = s.slice(CONTACT_DOC_PREFIX.length);
	return isValidContactId(rest) ? { kind: 'contact', contactId: rest } : null;
}
