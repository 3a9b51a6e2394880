/**
 * The contract between the UI (routes and components) and the local-first core. The UI reads
 * these reactive objects (implemented as Svelte 5 runes classes in `*.svelte.ts` files beside this
 * one) and calls their methods; it never touches Yjs, IndexedDB or the network directly.
 * One `AppState` is created per app (no module-level singletons) and passed by Svelte context:
 * `setAppState(app)` in the root layout, `getAppState()` in components (see `context.ts`).
 *
 * Every action is local and instant: it writes the contact's Y.Doc, the update is persisted to
 * IndexedDB and queued until the server acknowledges it; the methods resolve once the local
 * write is done, never waiting for the network.
 */
import type { AiApi } from './ai.svelte';
import type {
	EmailMeta,
	Assignment,
	Attachment,
	ChannelId,
	ContactId,
	ContactSummary,
	ConversationState,
	Delivery,
	Directory,
	Entry,
	EntryId,
	InboxKey,
	LinkPreview,
	ListQuery,
	Profile,
	SortKey,
	Status,
	StatusFilter,
	TeamId,
	User,
	UserId
} from '../domain/types';
import type { MessageHit } from '../search/engine';
import type { WorkflowsClient } from './workflows';
import type { ProfilePatchInput } from '../domain/contact-input';
import type { MergeSuggestion } from './merge-suggestions';
import type { CustomInboxView } from '../domain/custom-inboxes';
import type { Filter } from '../domain/filters';
import type { CustomInboxesApi } from './custom-inboxes.svelte';
import type { QueuedMessage } from './file-outbox.svelte';
import type { NotificationPrefsState, SettingsClient } from './settings.svelte';
import type { AlertsState } from './alerts.svelte';

export type { MergeSuggestion } from './merge-suggestions';

export type { MessageHit } from '../search/engine';

export type SessionStatus = 'restoring' | 'anonymous' | 'signing-in' | 'ready';

export interface SessionApi {
	readonly status: SessionStatus;
	/**
	 * The signed-in user; also set while `restoring` a stored session (the cached user), so the
	 * inbox shell can render before the local data is read.
	 */
	readonly user: User | null;
	/** Message for a person after a failed login (wrong password, rate limited, offline). */
	readonly error: string | null;
	login(email: string, password: string): Promise<boolean>;
	/** `wipe` deletes this user's local database (shared computers). */
	logout(opts?: { wipe?: boolean }): Promise<void>;
}

/**
 * `connecting`: the first attempt of this session; `reconnecting`: an open connection was lost
 * (changes keep being saved on this device); `offline`: the network is down or reconnecting
 * failed (retries go on in the background).
 */
export type ConnectionState = 'online' | 'connecting' | 'reconnecting' | 'offline';

/** An entry written here: on this device, in a frame to the server, or refused for now. */
export type PendingEntryState = 'queued' | 'sending' | 'failed';

/** SPEC S9.5: always visible. */
export interface OfflineProgressView {
	phase: 'list' | 'text' | 'documents';
	done: number;
	total: number;
	received: number;
}

export interface SyncApi {
	readonly state: ConnectionState;
	/** User actions (a reply, a comment, a status change) not yet acknowledged by the server. */
	readonly unacked: number;
	/** The pending state of a thread entry written here; null once the server has it. */
	entryState(entryId: string): PendingEntryState | null;
	/** Sends what waits now (an entry that failed). */
	retry(): void;
	/** Set while the first catch-up after connecting runs. */
	readonly catchingUp: boolean;
	/** No catch-up has completed on this device yet (a first login): the list is still filling. */
	readonly firstSync: boolean;
	/** Issue 26: a first login's bootstrap in progress (conversations made available offline), or null. */
	readonly offline: OfflineProgressView | null;
	readonly lastError: string | null;
	/** The server was updated (another protocol version): the app must be reloaded to sync again. */
	readonly outdated: boolean;
}

export interface DirectoryApi {
	readonly dir: Directory | null;
	user(id: UserId | null | undefined): User | undefined;
	teamName(id: TeamId | null | undefined): string | undefined;
}

export interface InboxEntry {
	key: InboxKey;
	/** Display name (translated for standard inboxes). */
	label: string;
	kind: 'standard' | 'team' | 'blocked' | 'custom';
	/** SPEC S1.8; undefined for the blocked inbox. */
	openCount?: number;
	/** Custom inboxes (S1.5): the emoji, and whether I created it (By me / By others). */
	icon?: string;
	mine?: boolean;
	/** SPEC S1.7. */
	dot: boolean;
}

export interface InboxApi {
	/** False until summaries are read from local storage (cold start); the list paints right after. */
	readonly ready: boolean;
	/** The inboxes this user sees, in display order (S1.2-S1.6), with counts and the dot. */
	readonly inboxes: InboxEntry[];
	readonly query: ListQuery;
	/** Sorts offered for the current status filter (S4.2). */
	readonly sorts: SortKey[];
	/** The filtered and sorted list (S4.1-S4.3), live. */
	readonly rows: ContactSummary[];
	readonly selectedId: ContactId | null;
	setInbox(key: InboxKey): void;
	/** Custom inboxes shared with me, hidden ones included (S1.5). */
	readonly customInboxes: CustomInboxView[];
	/** The unsaved filter shown under the draft key (S4.4). */
	readonly draftFilter: Filter | null;
	setDraftFilter(filter: Filter | null): void;
	/** Whether a `custom:` key is a custom inbox shared with me or the draft with a filter. */
	hasCustomView(key: InboxKey): boolean;
	filterOf(key: InboxKey): Filter | null;
	/** Every summary held (not reactive). */
	all(): IterableIterator<ContactSummary>;
	setStatus(status: StatusFilter): void;
	setUnreplied(on: boolean): void;
	setSort(sort: SortKey): void;
	/** Selects and opens a conversation: marks it read for me and clears the dot (S1.7). */
	select(id: ContactId | null): void;
	unread(summary: ContactSummary): number;
	summary(id: ContactId): ContactSummary | undefined;
}

export interface NewContactInput {
	firstName: string;
	lastName?: string;
	phone?: string;
	email?: string;
	teamId?: TeamId | null;
	assigneeId?: UserId | null;
}

export type ActionOutcome = { ok: true } | { ok: false; error: string };

export interface ActionsApi {
	close(id: ContactId): Promise<ActionOutcome>;
	reopen(id: ContactId): Promise<ActionOutcome>;
	snooze(id: ContactId, until: number): Promise<ActionOutcome>;
	wake(id: ContactId): Promise<ActionOutcome>;
	assign(id: ContactId, to: Partial<Assignment>): Promise<ActionOutcome>;
	unassign(id: ContactId): Promise<ActionOutcome>;
	block(id: ContactId): Promise<ActionOutcome>;
	unblock(id: ContactId): Promise<ActionOutcome>;
	/** S3.1: validated with the domain rules; goes to the server (needs the network). */
	createContact(input: NewContactInput): Promise<{ ok: true; id: ContactId } | { ok: false; errors: Record<string, string> }>;
	updateProfile(id: ContactId, patch: Partial<Profile>): Promise<ActionOutcome>;
}

/** One open conversation: its document loaded from IndexedDB, live. */
export interface ConversationApi {
	readonly id: ContactId;
	readonly loading: boolean;
	readonly summary: ContactSummary | undefined;
	readonly profile: Profile | null;
	readonly status: Status;
	/** Thread in (at, id) order. */
	readonly entries: Entry[];
	delivery(entryId: EntryId): Delivery | undefined;
	/** `attachments` (S5.14) and a kept `linkPreview` (S5.9) travel in the message; text may be empty with attachments. */
	sendMessage(input: { text: string; channelId: ChannelId; replyTo?: EntryId; attachments?: Attachment[]; linkPreview?: LinkPreview; id?: EntryId; templateId?: string; email?: EmailMeta }): Promise<ActionOutcome>;
	addComment(input: { text: string; mentions: UserId[] }): Promise<ActionOutcome>;
	close(): void;
	// --- the conversation console (S5.1-S5.5, S7, S8) ---
	/** Assignment and conversation state as stored in the document (null until loaded). */
	readonly assignment: Assignment;
	readonly conversationState: ConversationState | null;
	/** S5.6, S7.6: the contact is blocked; the reply composer is disabled. */
	readonly blocked: boolean;
	/** S5.3: the message a reply quotes, set by the message menu; the composer reads and clears it. */
	readonly replyTo: EntryId | null;
	setReplyTo(id: EntryId | null): void;
	/** A loaded entry by id (a quoted message, a linked entry). */
	entry(id: EntryId): Entry | undefined;
	/** S8.2: other contacts with the same phone or email, from local summaries. */
	mergeSuggestions(): MergeSuggestion[];
	/** S8.1: a validated edit of the contact's details; errors per field (`custom.<key>` for custom fields). */
	updateProfile(patch: ProfilePatchInput): Promise<ProfileOutcome>;
}

export type ProfileOutcome = { ok: true } | { ok: false; errors: Record<string, string> };

export interface ConversationsApi {
	open(id: ContactId): ConversationApi;
}

/** SPEC S3.2-S3.5: what the global search box shows for `query`. */
export interface SearchResults {
	query: string;
	/** Matching contacts: exact phone matches first, then name order (S3.2, S3.3). */
	contacts: ContactSummary[];
	/** How many contacts match in all; more than `contacts.length` when the list is cut. */
	contactsTotal: number;
	/** Matching messages and comments, most recent first (S3.5), with highlight spans. */
	messages: MessageHit[];
	/** Why messages were not searched: fewer than 3 characters typed (S3.5), or nothing typed. */
	messagesSkipped: 'empty' | 'too-short' | null;
	/** Messages are still being restored (cold start): more may match. */
	partial: boolean;
	/** More messages match than listed. */
	truncated: boolean;
}

/** Local search (S3, S9.3), in a worker, over what this user may see; works offline. */
export interface SearchApi {
	/** Contacts are searchable (the first phase of a cold start). */
	readonly ready: boolean;
	readonly query: string;
	readonly results: SearchResults;
	/** S3.7: this user's recent searches, newest first. */
	readonly recent: readonly string[];
	/** Runs the global search (superseding the previous one); results arrive in `results`. */
	setQuery(text: string): void;
	/** Lists every matching contact of the current search, not only the first few. */
	showAllContacts(): void;
	/** S3.7: remembers a search the user acted on. */
	remember(text: string): void;
	forgetRecent(text: string): void;
	/** S3.6: hits in one contact's thread in thread order; null when superseded by a newer call. */
	searchThread(contactId: ContactId, text: string): Promise<MessageHit[] | null>;
}

// --- presence, typing, shared drafts, collision guard (SPEC S5.8, S9.4) -----------------------

export type PresenceStatus = 'online' | 'away' | 'offline';

/** Someone seen through awareness: an agent, a bot or script, or the contact (web chat visitor). */
export interface PresencePeer {
	kind: 'user' | 'bot' | 'contact';
	id: string;
	name: string;
}

export interface TypingPeer extends PresencePeer {
	/** The composer typed into: `reply` or `comment`. */
	composer: string;
}

/** Another agent with a non-empty draft open on a contact (S9.4): joinable by its key. */
export interface DraftingPeer extends TypingPeer {
	/** The draft's key in the contact document (`domain/drafts.ts`). */
	key: string;
}

export interface TeamMember {
	user: User;
	status: PresenceStatus;
}

/** Why sending a reply now may answer over someone else (S9.4 collision guard). */
export interface Collision {
	/** Messages and comments by others that arrived since this user last saw the thread's end. */
	unseen: Entry[];
	/** Other agents (human or AI) typing a reply to this contact. */
	typing: TypingPeer[];
	/** Other agents with their cursor in this contact's reply draft. */
	drafting: TypingPeer[];
}

export interface PresenceApi {
	/** This user's own status. */
	readonly status: 'online' | 'away';
	/** Every active member of the directory with their status, online first. */
	readonly team: TeamMember[];
	statusOf(userId: UserId): PresenceStatus;
	/** Other users viewing this contact now (the server never names a contact to whom may not see it). */
	viewersOf(contactId: ContactId): PresencePeer[];
	/** Others typing to this contact now: agents, bots, and the contact on the web chat. */
	typingIn(contactId: ContactId): TypingPeer[];
	/** Other agents with a non-empty draft open on this contact ("Olivia is drafting a reply"). */
	draftingIn(contactId: ContactId): DraftingPeer[];
	/** A keystroke in a composer of this contact (throttled; stops by itself after ~3 s idle). */
	typing(contactId: ContactId, composer: string): void;
	stopTyping(contactId: ContactId): void;
	/** The reader saw the thread's end with these entries in it. */
	markSeen(contactId: ContactId, entries: readonly Entry[]): void;
	/** What a reply sent now would collide with; null when nothing. */
	collisionFor(contactId: ContactId, entries: readonly Entry[]): Collision | null;
}

/** A peer's cursor in a shared draft, as indices into `value`. */
export interface RemoteCursor {
	user: PresencePeer;
	anchor: number;
	head: number;
}

/**
 * One composer's draft of one contact (a Y.Text in the contact's document): this user's own by
 * default (synced across their devices and tabs, kept offline), or another agent's draft this
 * user joined on purpose ("Write together", S9.4).
 */
export interface SharedDraftApi {
	readonly contactId: ContactId;
	readonly composer: string;
	readonly ready: boolean;
	/** The author of the draft this composer writes: this user, or the one whose draft they joined. */
	readonly owner: string | null;
	/** Users who joined this user's own draft (shown to its owner). */
	readonly joiners: string[];
	/** Writes `owner`'s draft of this composer together with them (live carets). */
	join(owner: string): void;
	/** Back to this user's own draft. */
	leave(): void;
	readonly value: string;
	/** Makes the draft read `text` with the smallest insert/delete (concurrent edits merge). */
	set(text: string): void;
	readonly remoteCursors: RemoteCursor[];
	/** This user's selection, published to the others (throttled); null drops it (blur). */
	setCursor(anchor: number, head: number): void;
	clearCursor(): void;
	/** This user's selection mapped through the latest changes (restore it after a remote edit). */
	localSelection(): { anchor: number; head: number } | null;
	/** Empties the draft for everyone (after sending). */
	clear(): void;
	close(): void;
}

export interface DraftsApi {
	open(contactId: ContactId, composer: string): SharedDraftApi;
}

// --- composer, attachments, link previews, notifications (SPEC S5.6, S5.9, S5.14, S6.2, S7.5) ----

/**
 * The text a composer edits: local state for now, a shared Y.Text draft when backed by
 * `DraftsApi` (a `SharedDraftApi` fits this shape). `onLocalEdit` is told of the user's own
 * keystrokes (typing indicators).
 */
export interface ComposerDraft {
	readonly value: string;
	set(text: string): void;
	onLocalEdit?(): void;
}

/** `offline`: the server could not be reached (the file may be kept and sent later); `cancelled`: the caller aborted. */
export type UploadOutcome =
	| { ok: true; attachment: Attachment }
	| { ok: false; error: string; reason?: 'offline' | 'cancelled' | 'refused'; code?: string; limitBytes?: number };

export interface UploadOptions {
	/** The conversation the file is for: only users who may see that contact can read it back. */
	contactId: ContactId;
	/** Bytes sent so far, of `total`. */
	onProgress?(sent: number, total: number): void;
	signal?: AbortSignal;
}

/** Server-side helpers of the composer; both need the network. */
export interface MediaApi {
	/** S5.9: the Open Graph preview of `url`, fetched by the server; null when there is none. */
	linkPreview(url: string): Promise<LinkPreview | null>;
	/** S5.14: uploads a file (any type, 10 MiB) into a contact's conversation. */
	upload(file: Blob & { name: string }, opts: UploadOptions): Promise<UploadOutcome>;
	/** A short-lived signed URL that serves an uploaded file to this user (for img/audio/links). */
	fileUrl(storageName: string): Promise<string | null>;
}

/** S5.14: replies whose files wait for the connection; written to the thread once the files are stored. */
export interface FileOutboxApi {
	readonly items: readonly QueuedMessage[];
	forContact(id: ContactId): QueuedMessage[];
	queue(m: QueuedMessage): Promise<void>;
	remove(id: EntryId): Promise<void>;
}

export interface AppNotification {
	/** `<contactId>/<entryId>`. */
	key: string;
	kind: 'mention' | 'woken';
	contactId: ContactId;
	entryId: EntryId;
	at: number;
	/** Who mentioned me (a user id); null for a wake-up. */
	authorId: UserId | null;
	unread: boolean;
}

/** S6.2, S7.5: derived from the local summaries (mentions of me by others, wake-ups of contacts assigned to me). */
export interface NotificationsApi {
	/** Newest first. */
	readonly items: AppNotification[];
	/** Newer than my "seen" mark. */
	readonly unread: number;
	/** The browser's Notification permission ('unsupported' when there is no Notification API). */
	readonly permission: NotificationPermission | 'unsupported';
	markAllSeen(): void;
	requestPermission(): Promise<void>;
	/** Hears each unread notification that appears live (for a browser notification). */
	onArrive(f: (n: AppNotification) => void): () => void;
}

export interface AppState {
	readonly session: SessionApi;
	readonly sync: SyncApi;
	readonly directory: DirectoryApi;
	readonly inbox: InboxApi;
	readonly actions: ActionsApi;
	readonly conversations: ConversationsApi;
	readonly search: SearchApi;
	// composer services and the notification center (SPEC S5.9, S5.14, S6.2, S7.5)
	readonly media: MediaApi;
	/** S5.12: the email channels' settings (Settings > Email). */
	readonly emailSettings: import('./email-settings.svelte').EmailSettingsState;
	/** Workflows, shortcuts and the bot (S7.7, S7.8); absent in test doubles. */
	readonly workflows?: WorkflowsClient;
	readonly fileOutbox: FileOutboxApi;
	readonly notifications: NotificationsApi;
	// presence and shared drafts (SPEC S5.8, S9.4)
	readonly presence: PresenceApi;
	readonly drafts: DraftsApi;
	// workspace settings and the profile (issue 20)
	readonly settings: SettingsClient;
	readonly notifyPrefs: NotificationPrefsState;
	readonly alerts: AlertsState;
	// custom inboxes (SPEC S1.5)
	readonly customInboxes: CustomInboxesApi;
	// AI assist (SPEC S6.3, S6.4, S5.3)
	readonly ai: AiApi;
	// voice calls (SPEC S2, S8.5)
	readonly calls: import('./calls.svelte').CallsState;
}
