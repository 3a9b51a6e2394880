/**
 * The root types of our two document kinds, named exactly as ARCHITECTURE.md publishes them
 * (bots and scripts write these documents over `/yjs/`, so the names are a public contract).
 *
 * Invariant: every root type is created by name before any update is applied
 * (`ensureContactRoots` / `ensureDirectoryRoots`). Root types are identified by name, not by an
 * item, so creating them on every replica is free of conflicts. Nested shared types (the draft
 * `Y.Text`s) are items and are therefore created once, by whoever initialises the contact
 * (`initContact`), never "ensured" on every replica: two replicas creating the same nested
 * type concurrently would make one of them lose its edits.
 */
import * as Y from 'yjs';

/** Root names of a contact document `c/<contactId>`. */
export const CONTACT_ROOTS = {
	profile: 'profile',
	assignment: 'assignment',
	state: 'state',
	thread: 'thread',
	delivery: 'delivery',
	reads: 'reads',
	drafts: 'drafts'
} as const;

/** Root names of the directory document `dir`. */
export const DIRECTORY_ROOTS = {
	users: 'users',
	teams: 'teams',
	channels: 'channels',
	snippets: 'snippets',
	customFields: 'customFields',
	settings: 'settings'
} as const;

export type ContactRootName = (typeof CONTACT_ROOTS)[keyof typeof CONTACT_ROOTS];
export type DirectoryRootName = (typeof DIRECTORY_ROOTS)[keyof typeof DIRECTORY_ROOTS];

/** The only root names an update to a contact document may touch (used by the validator). */
export const CONTACT_ROOT_NAMES: ReadonlySet<string> = new Set(Object.values(CONTACT_ROOTS));
/** The only root names an update to the directory document may touch. */
export const DIRECTORY_ROOT_NAMES: ReadonlySet<string> = new Set(Object.values(DIRECTORY_ROOTS));

/** Keys of the `profile` map. `channels` holds what `Profile.channelIds` calls channel ids. */
export const PROFILE_KEYS = {
	firstName: 'firstName',
	lastName: 'lastName',
	phone: 'phone',
	email: 'email',
	country: 'country',
	language: 'language',
	tags: 'tags',
	custom: 'custom',
	blocked: 'blocked',
	channelIds: 'channels'
} as const;

/** Keys of the `assignment` map. */
export const ASSIGNMENT_KEYS = { userId: 'userId', teamId: 'teamId' } as const;

/** Keys of the `state` map. */
export const STATE_KEYS = {
	status: 'status',
	since: 'since',
	snoozeUntil: 'snoozeUntil',
	statusBeforeSnooze: 'statusBeforeSnooze',
	sinceBeforeSnooze: 'sinceBeforeSnooze'
} as const;

/** Keys of the `settings` map of the directory. */
export const SETTINGS_KEYS = { workspaceId: 'workspaceId', workspaceName: 'workspaceName', defaultCountry: 'defaultCountry', options: 'options', ai: 'ai' } as const;

/** Composer keys of the shared drafts that `initContact` creates up front. */
export const DRAFT_KEYS = ['reply', 'comment'] as const;
export type ComposerKey = (typeof DRAFT_KEYS)[number] | (string & {});

/** Creates every root type of a contact document; idempotent and conflict-free. */
export function ensureContactRoots(ydoc: Y.Doc): void {
	ydoc.getMap(CONTACT_ROOTS.profile);
	ydoc.getMap(CONTACT_ROOTS.assignment);
	ydoc.getMap(CONTACT_ROOTS.state);
	ydoc.getMap(CONTACT_ROOTS.thread);
	ydoc.getMap(CONTACT_ROOTS.delivery);
	ydoc.getMap(CONTACT_ROOTS.reads);
	ydoc.getMap(CONTACT_ROOTS.drafts);
}

/** Creates every root type of the directory document; idempotent and conflict-free. */
export function ensureDirectoryRoots(ydoc: Y.Doc): void {
	for (const name of Object.values(DIRECTORY_ROOTS)) ydoc.getMap(name);
}

/**
 * The keys a transaction changed in `type` (undefined: untouched). Yjs types `tr.changed`
 * with a key type that its own maps do not satisfy, hence the lookup by identity.
 */
export function changedKeys(tr: Y.Transaction, type: Y.Map<unknown>): Set<string | null> | undefined {
	for (const [t, keys] of tr.changed) if ((t as unknown) === type) return keys;
	return undefined;
}
