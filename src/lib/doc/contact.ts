/**
 * Typed access to a contact document `c/<contactId>` (schema in `schema.ts`).
 *
 * Invariants this wrapper keeps:
 * - Thread entries are written once and never overwritten or deleted: `append` refuses an id
 *   that exists, and an append is one `Y.Map.set` of a new key (O(1), no rebuild of the thread).
 * - `state.patch` and `assignment.set` write every key of their map in one transaction, so two
 *   concurrent writers resolve to one writer's whole value (Y.Map picks the same winner for
 *   every key both wrote) rather than a mix of both.
 * - `reads.markRead` only moves a user's mark forward.
 * - Every write runs in a transaction whose origin is the one the wrapper was made with.
 */
import * as Y from 'yjs';
import type {
	Assignment,
	Author,
	ChannelId,
	ContactId,
	ConversationState,
	Delivery,
	EntryId,
	Entry,
	EventEntry,
	EventSource,
	Profile,
	Status,
	TeamId,
	UserId
} from '../domain/types';
import { localOrigin, asOrigin, type Origin } from './origins';
import {
	ASSIGNMENT_KEYS,
	CONTACT_ROOTS,
	DRAFT_KEYS,
	PROFILE_KEYS,
	STATE_KEYS,
	ensureContactRoots,
	type ComposerKey
} from './schema';
import { compareEntries, isDelivery, isEntry, plain } from './values';

/**
 * What a domain action asks of a contact document (the shape of `ActionResult` in
 * `src/lib/domain/actions.ts`, restated here so the document layer does not depend on it).
 */
export interface ActionResultLike {
	state?: Partial<ConversationState>;
	assignment?: Partial<Assignment>;
	blocked?: boolean;
	events: ReadonlyArray<{
		type: EventEntry['type'];
		source: EventSource;
		data?: Record<string, unknown>;
		ref?: string;
		url?: string;
	}>;
}

export const EMPTY_PROFILE: Readonly<Profile> = Object.freeze({
	firstName: '',
	lastName: '',
	phone: '',
	email: '',
	country: '',
	language: '',
	tags: [],
	custom: {},
	blocked: false,
	channelIds: []
});

export const OPEN_STATE: Readonly<ConversationState> = Object.freeze({
	status: 'open',
	since: null,
	snoozeUntil: null,
	statusBeforeSnooze: null,
	sinceBeforeSnooze: null
});

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strArray = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const isStatus = (v: unknown): v is Status => v === 'open' || v === 'closed' || v === 'snoozed';

export function readProfile(map: Y.Map<unknown>): Profile {
	const custom = map.get(PROFILE_KEYS.custom);
	return {
		firstName: str(map.get(PROFILE_KEYS.firstName)),
		lastName: str(map.get(PROFILE_KEYS.lastName)),
		phone: str(map.get(PROFILE_KEYS.phone)),
		email: str(map.get(PROFILE_KEYS.email)),
		country: str(map.get(PROFILE_KEYS.country)),
		language: str(map.get(PROFILE_KEYS.language)),
		tags: strArray(map.get(PROFILE_KEYS.tags)),
		custom: typeof custom === 'object' && custom !== null && !Array.isArray(custom) ? (plain(custom) as Profile['custom']) : {},
		blocked: map.get(PROFILE_KEYS.blocked) === true,
		channelIds: strArray(map.get(PROFILE_KEYS.channelIds)) as ChannelId[]
	};
}

export function readAssignment(map: Y.Map<unknown>): Assignment {
	return {
		userId: strOrNull(map.get(ASSIGNMENT_KEYS.userId)) as UserId | null,
		teamId: strOrNull(map.get(ASSIGNMENT_KEYS.teamId)) as TeamId | null
	};
}

export function readState(map: Y.Map<unknown>): ConversationState {
	const status = map.get(STATE_KEYS.status);
	const before = map.get(STATE_KEYS.statusBeforeSnooze);
	return {
		status: isStatus(status) ? status : 'open',
		since: numOrNull(map.get(STATE_KEYS.since)),
		snoozeUntil: numOrNull(map.get(STATE_KEYS.snoozeUntil)),
		statusBeforeSnooze: before === 'open' || before === 'closed' ? before : null,
		sinceBeforeSnooze: numOrNull(map.get(STATE_KEYS.sinceBeforeSnooze))
	};
}

export function readReads(map: Y.Map<unknown>): Record<string, number> {
	const out: Record<string, number> = {};
	map.forEach((v, k) => {
		if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
	});
	return out;
}

export type ContactDoc = ReturnType<typeof contactDoc>;

/** The typed wrapper of a contact document; writes use `origin` (default: local). */
export function contactDoc(ydoc: Y.Doc, origin: Origin = localOrigin()) {
	ensureContactRoots(ydoc);
	const profileMap = ydoc.getMap<unknown>(CONTACT_ROOTS.profile);
	const assignmentMap = ydoc.getMap<unknown>(CONTACT_ROOTS.assignment);
	const stateMap = ydoc.getMap<unknown>(CONTACT_ROOTS.state);
	const threadMap = ydoc.getMap<unknown>(CONTACT_ROOTS.thread);
	const deliveryMap = ydoc.getMap<unknown>(CONTACT_ROOTS.delivery);
	const readsMap = ydoc.getMap<unknown>(CONTACT_ROOTS.reads);
	const draftsMap = ydoc.getMap<unknown>(CONTACT_ROOTS.drafts);
	const transact = <T>(fn: () => T): T => {
		let out!: T;
		ydoc.transact(() => {
			out = fn();
		}, origin);
		return out;
	};

	const profile = {
		get: (): Profile => readProfile(profileMap),
		/** Calls `cb` after each transaction that changed the profile; returns the unsubscribe. */
		observe(cb: () => void): () => void {
			const handler = () => cb();
			profileMap.observe(handler);
			return () => profileMap.unobserve(handler);
		},
		/** Writes only the given fields, so concurrent edits of different fields both survive. */
		patch(p: Partial<Profile>): void {
			transact(() => {
				for (const key of Object.keys(p) as Array<keyof Profile>) {
					const value = p[key];
					if (value !== undefined) profileMap.set(PROFILE_KEYS[key], plain(value));
				}
			});
		}
	};

	const assignment = {
		get: (): Assignment => readAssignment(assignmentMap),
		set(a: Partial<Assignment>): void {
			transact(() => {
				const next = { ...readAssignment(assignmentMap), ...a };
				assignmentMap.set(ASSIGNMENT_KEYS.userId, next.userId ?? null);
				assignmentMap.set(ASSIGNMENT_KEYS.teamId, next.teamId ?? null);
			});
		}
	};

	const state = {
		get: (): ConversationState => readState(stateMap),
		patch(p: Partial<ConversationState>): void {
			transact(() => {
				const next: ConversationState = { ...readState(stateMap), ...p };
				for (const key of Object.keys(STATE_KEYS) as Array<keyof ConversationState>) {
					stateMap.set(STATE_KEYS[key], next[key] ?? null);
				}
			});
		}
	};

	const thread = {
		/** Adds an entry; returns false (and writes nothing) when its id is already there. */
		append(entry: Entry): boolean {
			if (threadMap.has(entry.id)) return false;
			transact(() => threadMap.set(entry.id, plain(entry)));
			return true;
		},
		get(id: EntryId): Entry | undefined {
			const v = threadMap.get(id);
			return isEntry(v) ? v : undefined;
		},
		has: (id: EntryId): boolean => threadMap.has(id),
		/** Number of entries (walks the key index: O(n)). */
		get size(): number {
			return threadMap.size;
		},
		/** Every valid entry, in no particular order. */
		entries(): Entry[] {
			const out: Entry[] = [];
			for (const v of threadMap.values()) if (isEntry(v)) out.push(v);
			return out;
		},
		/** Every valid entry in thread order (at, id). */
		ordered(): Entry[] {
			return thread.entries().sort(compareEntries);
		},
		/** Calls `cb` with the ids of entries added by each transaction; returns the unsubscribe. */
		observe(cb: (addedIds: EntryId[], origin: Origin | null) => void): () => void {
			const handler = (event: Y.YMapEvent<unknown>, tr: Y.Transaction) => {
				const added: EntryId[] = [];
				event.changes.keys.forEach((change, key) => {
					if (change.action === 'add') added.push(key as EntryId);
				});
				if (added.length > 0) cb(added, asOrigin(tr.origin));
			};
			threadMap.observe(handler);
			return () => threadMap.unobserve(handler);
		}
	};

	const delivery = {
		get(id: EntryId): Delivery | undefined {
			const v = deliveryMap.get(id);
			return isDelivery(v) ? v : undefined;
		},
		set(id: EntryId, d: Delivery): void {
			transact(() => deliveryMap.set(id, plain(d)));
		},
		all(): Record<string, Delivery> {
			const out: Record<string, Delivery> = {};
			deliveryMap.forEach((v, k) => {
				if (isDelivery(v)) out[k] = v;
			});
			return out;
		}
	};

	const reads = {
		get: (userId: UserId): number | null => numOrNull(readsMap.get(userId)),
		/** Moves the user's read mark to `at` if that is later; returns whether it moved. */
		markRead(userId: UserId, at: number): boolean {
			const current = numOrNull(readsMap.get(userId));
			if (current !== null && current >= at) return false;
			transact(() => readsMap.set(userId, at));
			return true;
		},
		all: (): Record<string, number> => readReads(readsMap)
	};

	const drafts = {
		/**
		 * The shared text of a composer. `reply` and `comment` exist from `initContact` on; any
		 * other key is created on first use (two replicas creating it concurrently keep only one).
		 */
		text(key: ComposerKey): Y.Text {
			const existing = draftsMap.get(key);
			if (existing instanceof Y.Text) return existing;
			const text = new Y.Text();
			transact(() => draftsMap.set(key, text));
			return text;
		},
		/**
		 * Edits a draft in one transaction with this wrapper's origin. Edits made on the Y.Text
		 * directly (an editor binding) carry the binding's origin, often null.
		 */
		edit(key: ComposerKey, fn: (text: Y.Text) => void): void {
			const text = drafts.text(key);
			transact(() => fn(text));
		},
		has: (key: ComposerKey): boolean => draftsMap.get(key) instanceof Y.Text,
		/** The draft's current text, '' when there is none (never creates it). */
		read(key: ComposerKey): string {
			const t = draftsMap.get(key);
			return t instanceof Y.Text ? t.toString() : '';
		},
		keys: (): string[] => [...draftsMap.keys()].filter((k) => draftsMap.get(k) instanceof Y.Text).sort()
	};

	/**
	 * Applies a domain action in one transaction: state, assignment, blocked flag, then its
	 * events as thread entries. Events of one action get `now`, `now + 1`, ... so they read in
	 * the order the action listed them. Returns the ids of the appended events.
	 */
	function applyAction(result: ActionResultLike, author: Author, now: number, newId: () => string): EntryId[] {
		return transact(() => {
			if (result.state) state.patch(result.state);
			if (result.assignment) assignment.set(result.assignment);
			if (result.blocked !== undefined) profile.patch({ blocked: result.blocked });
			const ids: EntryId[] = [];
			result.events.forEach((e, i) => {
				const entry: EventEntry = {
					id: newId() as EntryId,
					kind: 'event',
					at: now + i,
					author,
					type: e.type,
					source: e.source,
					data: e.data ?? {},
					...(e.ref !== undefined ? { ref: e.ref } : {}),
					...(e.url !== undefined ? { url: e.url } : {})
				};
				if (thread.append(entry)) ids.push(entry.id);
			});
			return ids;
		});
	}

	return {
		doc: ydoc,
		origin,
		profile,
		assignment,
		state,
		thread,
		delivery,
		reads,
		drafts,
		applyAction,
		/** Runs `fn` as one transaction with this wrapper's origin (writes inside nest into it). */
		transact
	};
}

export interface ContactInit {
	id: ContactId;
	profile: Partial<Profile>;
	assignment?: Partial<Assignment>;
	state?: Partial<ConversationState>;
	createdAt: number;
	/** Who created the contact (default: the system), recorded on the `contact_created` event. */
	createdBy?: Author;
	source?: EventSource;
}

/** Id of the `contact_created` event `initContact` writes: deterministic, so a retry is a no-op. */
export function createdEventId(id: ContactId): EntryId {
	return `${id}-created` as EntryId;
}

/**
 * Writes a new contact's first state, its shared drafts and its `contact_created` event in one
 * transaction. Run once, by whoever creates the contact (the server, the seed).
 */
export function initContact(ydoc: Y.Doc, init: ContactInit, origin: Origin = localOrigin()): ContactDoc {
	const c = contactDoc(ydoc, origin);
	c.transact(() => {
		c.profile.patch({ ...EMPTY_PROFILE, ...init.profile });
		c.assignment.set({ userId: null, teamId: null, ...init.assignment });
		c.state.patch({ ...OPEN_STATE, since: init.createdAt, ...init.state });
		for (const key of DRAFT_KEYS) c.drafts.text(key);
		c.thread.append({
			id: createdEventId(init.id),
			kind: 'event',
			at: init.createdAt,
			author: init.createdBy ?? { type: 'system', id: 'system' },
			type: 'contact_created',
			source: init.source ?? 'system',
			data: {}
		});
	});
	return c;
}
