/**
 * The product's vocabulary as plain types, shared by the client, the server, the demo generator
 * and the benchmarks. Nothing here imports Yjs: the documents in `src/lib/doc/` are read into
 * these shapes, and every rule in `src/lib/domain/` works on them.
 */
import type { AiOptions } from './ai';

declare const brand: unique symbol;
/** A string that is known to be an id of one kind; made only by the `as*` helpers in `ids.ts`. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type WorkspaceId = Brand<string, 'WorkspaceId'>;
export type UserId = Brand<string, 'UserId'>;
export type TeamId = Brand<string, 'TeamId'>;
export type ChannelId = Brand<string, 'ChannelId'>;
export type ContactId = Brand<string, 'ContactId'>;
export type EntryId = Brand<string, 'EntryId'>;
export type SnippetId = Brand<string, 'SnippetId'>;
/** `dir` or `c/<contactId>`; parsed by `parseDocId` in `ids.ts`. */
export type DocId = Brand<string, 'DocId'>;

// ---------------------------------------------------------------------------------------------
// Directory (document `dir`, written by the server only)

export type Role = 'owner' | 'manager' | 'agent';
/** SPEC S1.3: contact-visibility restriction of a user. */
export type Restriction = 'none' | 'team' | 'self';

export interface User {
	id: UserId;
	name: string;
	email: string;
	role: Role;
	restriction: Restriction;
	teamIds: TeamId[];
	/** CSS colour of the avatar when there is no picture. */
	color: string;
	/** A deactivated user keeps their history but can no longer log in or see anything. */
	active: boolean;
}

export interface Team {
	id: TeamId;
	name: string;
}

export type ChannelKind = 'webchat' | 'webhook' | 'email';

export interface Channel {
	id: ChannelId;
	kind: ChannelKind;
	name: string;
	/** Outbound URL of a webhook channel (the secret lives on the server only). */
	url?: string;
	/** Messaging window in hours after the contact's last incoming message (SPEC S5.6); null: always open. */
	windowHours: number | null;
	/** Whether the channel can carry a reply that quotes a message (SPEC S5.3). */
	supportsReplies: boolean;
	/**
	 * Pre-approved messages (WhatsApp-like channels, S5.6): the only messages such a channel may
	 * carry while its messaging window is closed, e.g. to start a conversation.
	 */
	templates?: MessageTemplate[];
	/** Web chat look and reach (issue 20): absent fields use the defaults of the visitor page. */
	webchat?: WebchatOptions;
	/** An email channel's settings (its passwords and DKIM key live on the server only). */
	email?: EmailChannelSettings;
	/** Voice calls on this channel (SPEC S2; the web chat's WebRTC calls). */
	calls?: boolean;
}

/** A web chat channel's look and where its widget may be embedded. */
export interface WebchatOptions {
	/** CSS hex colour of the header and the visitor's bubbles. */
	color?: string;
	/** First line of the greeting bubble. */
	greeting?: string;
	/** Origins (scheme://host[:port]) allowed to embed the widget; empty or absent: any. */
	allowedOrigins?: string[];
}

/**
 * Workspace-wide options (settings > Workspace), edited through one validated server command
 * (`PATCH /api/directory/workspace`). Later areas add their fields here; each field is optional
 * and `workspaceOptions()` in `domain/workspace-options.ts` fills the defaults.
 */
export interface WorkspaceOptions {
	/** Show contact phone numbers masked to agents (last digits only). */
	maskNumbers?: boolean;
	/** Record calls. */
	callRecording?: boolean;
	/** Transcribe recorded calls. */
	callTranscripts?: boolean;
	/** Longest call in minutes. */
	maxCallMinutes?: number;
	/** IANA time zone of the workspace (scheduled workflows, the bot's office hours); UTC by default. */
	timeZone?: string;
	/** AI assist (issue 24): on, built in only, or off, and the custom prompts. */
	ai?: AiOptions;
}

/** SPEC S5.12: the settings of an email channel; no secret is ever part of them. */
export interface EmailChannelSettings {
	/** Addresses the built-in SMTP receiver accepts mail for; the first is the From of replies. */
	addresses: string[];
	/** Display name of the From of replies. */
	fromName?: string;
	/** Outgoing SMTP server (the password is a server secret). */
	smtp?: { host: string; port: number; security: 'tls' | 'starttls' | 'none'; user?: string };
	/** An existing mailbox polled over IMAP (the password is a server secret). */
	imap?: { host: string; port: number; tls: boolean; user: string; folder: string };
	/** DKIM signing of replies (the private key is a server secret). */
	dkim?: { domain: string; selector: string };
	/** Whether a DKIM key is stored for the channel. */
	hasDkimKey?: boolean;
}

export interface MessageTemplate {
	id: string;
	name: string;
	/** The text, with `{{firstName}}`-style contact variables. */
	text: string;
}

export interface Snippet {
	id: SnippetId;
	name: string;
	text: string;
}

export type CustomFieldType = 'text' | 'email' | 'phone' | 'url' | 'number' | 'checkbox' | 'date' | 'time' | 'select';

export interface CustomFieldDef {
	key: string;
	label: string;
	type: CustomFieldType;
	/** Choices of a `select` field; when absent any non-empty text is accepted. */
	options?: string[];
}

export interface Directory {
	workspaceId: WorkspaceId;
	workspaceName: string;
	/** ISO 3166 code for phone numbers typed in national form (search); the demo's (FR) when unset. */
	defaultCountry?: string;
	users: User[];
	teams: Team[];
	channels: Channel[];
	snippets: Snippet[];
	customFields: CustomFieldDef[];
	/** Workspace options (issue 20); absent in directories written before them. */
	options?: WorkspaceOptions;
}

// ---------------------------------------------------------------------------------------------
// Contact document (`c/<contactId>`)

export type Status = 'open' | 'closed' | 'snoozed';

export type AuthorType = 'user' | 'contact' | 'bot' | 'workflow' | 'integration' | 'api' | 'provider' | 'system';

export interface Author {
	type: AuthorType;
	id: string;
}

export type MessageBodyType =
	| 'text'
	| 'template'
	| 'quick_reply'
	| 'story_reply'
	| 'image'
	| 'file'
	| 'audio'
	| 'video'
	| 'location'
	| 'email'
	| (string & {});

export interface Attachment {
	/** Unique storage name on the server (SPEC S5.14). */
	storageName: string;
	/** Original file name, shown to people. */
	name: string;
	size: number;
	mime: string;
}

export interface LinkPreview {
	url: string;
	title?: string;
	description?: string;
	image?: string;
}

export interface MessageBody {
	type: MessageBodyType;
	text?: string;
	attachments?: Attachment[];
	/** Raw payload of a message type the UI does not know (SPEC S5.11). */
	raw?: unknown;
	/** The template a `template` message was made from (S5.6). */
	templateId?: string;
	/** An email's envelope and rich body (S5.12), on `email` messages. */
	email?: EmailMeta;
}

/** SPEC S5.12: what an email message carries beside its plain text. */
export interface EmailMeta {
	subject: string;
	/** Sender address (incoming) or the channel's From (outgoing). */
	from?: string;
	fromName?: string;
	to: string[];
	cc?: string[];
	/** Outgoing only: never shown to the recipients. */
	bcc?: string[];
	/** HTML body, sanitized on the server before it is stored (and again at display). */
	html?: string;
	/** RFC 5322 Message-ID (with angle brackets). */
	messageId?: string;
	inReplyTo?: string;
	references?: string[];
	/** Storage name of the raw message (View original), an upload of the contact. */
	source?: string;
	/** A delivery report or an automatic reply: recorded, never opens a conversation. */
	auto?: 'bounce' | 'auto_reply';
}

interface EntryBase {
	id: EntryId;
	/** Milliseconds since the epoch, written by the actor. Thread order is (at, id). */
	at: number;
	author: Author;
}

export interface MessageEntry extends EntryBase {
	kind: 'message';
	direction: 'in' | 'out';
	channelId: ChannelId;
	body: MessageBody;
	/** Broadcast messages never move a conversation up and are never found by search (S3.5, S4.2). */
	broadcast?: boolean;
	/** The entry this message replies to (SPEC S5.3). */
	replyTo?: EntryId;
	/** Set when the sender kept the preview (SPEC S5.9). */
	linkPreview?: LinkPreview;
}

export interface CommentEntry extends EntryBase {
	kind: 'comment';
	text: string;
	mentions: UserId[];
}

/** SPEC S5.5 event types. */
export type EventType =
	| 'assigned'
	| 'assign_failed'
	| 'unassigned'
	| 'closed'
	| 'opened'
	| 'snoozed'
	| 'woken'
	| 'broadcast_sent'
	| 'workflow_started'
	| 'workflow_ended'
	| 'bot_on'
	| 'bot_off'
	| 'channel_event'
	| 'page_change'
	| 'contact_merged'
	| 'contact_unmerged'
	| 'new_channel'
	| 'blocked'
	| 'unblocked'
	| 'message_blocked'
	| 'contact_created';

/** Who or what caused an event (SPEC S5.5). */
export type EventSource =
	| 'user'
	| 'workflow'
	| 'bot'
	| 'merge'
	| 'contact'
	| 'welcome'
	| 'start'
	| 'click_to_chat'
	| 'system'
	| 'api';

export interface EventEntry extends EntryBase {
	kind: 'event';
	type: EventType | (string & {});
	source: EventSource;
	/** Event specifics, as written by `domain/actions.ts`: e.g. {userId, teamId} for `assigned`, {until} for `snoozed`. */
	data: Record<string, unknown>;
	/** Reference code shown in the thread (SPEC S5.5). */
	ref?: string;
	/** Source URL shown in the thread (SPEC S5.5), e.g. the page of a `page_change`. */
	url?: string;
}

export type Entry = MessageEntry | CommentEntry | EventEntry;

export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

export interface Delivery {
	status: DeliveryStatus;
	error?: string;
	at: number;
	/** Attempts made so far by the channel adapter. */
	attempts?: number;
	/** On a `failed` status: when the channel adapter tries again (absent: the failure is final). */
	retryAt?: number;
	/** A sent email's raw MIME source, as it went out (an upload of the contact; S5.3 View original). */
	source?: string;
}

export interface Profile {
	firstName: string;
	lastName: string;
	phone: string;
	email: string;
	country: string;
	language: string;
	tags: string[];
	custom: Record<string, string | number | boolean | null>;
	blocked: boolean;
	channelIds: ChannelId[];
}

export interface Assignment {
	userId: UserId | null;
	teamId: TeamId | null;
}

/**
 * Conversation state. `since` is when the current status began (null: no data, SPEC S4.2).
 * While snoozed, `statusBeforeSnooze` and `sinceBeforeSnooze` remember what to return to (S7.4),
 * and the Longest/Shortest sorts of a woken conversation use the time of that earlier status.
 */
export interface ConversationState {
	status: Status;
	since: number | null;
	snoozeUntil: number | null;
	statusBeforeSnooze: Exclude<Status, 'snoozed'> | null;
	sinceBeforeSnooze: number | null;
}

/**
 * What the inbox list and the domain rules need of one contact, derived from its document.
 * User-independent, so the server and every client compute the same summary.
 */
export interface ContactSummary {
	id: ContactId;
	firstName: string;
	lastName: string;
	phone: string;
	email: string;
	blocked: boolean;
	channelIds: ChannelId[];
	assigneeId: UserId | null;
	teamId: TeamId | null;
	status: Status;
	statusSince: number | null;
	snoozeUntil: number | null;
	statusBeforeSnooze: Exclude<Status, 'snoozed'> | null;
	sinceBeforeSnooze: number | null;
	/** Last non-broadcast message (S4.2), or null when the thread has no message. */
	lastMessageAt: number | null;
	lastMessageDirection: 'in' | 'out' | null;
	lastMessageChannelId: ChannelId | null;
	lastMessagePreview: string;
	/** Times of the latest incoming messages (newest last, at most 100), for unread counts. */
	recentIncomingAt: number[];
	/** Per-user read marks (ms): entries at or before it are read. */
	reads: Record<string, number>;
	/** Time of the newest entry of any kind. */
	updatedAt: number;
	/** Recent notification-worthy entries (S6.2 mentions, S7.5 wake-ups), newest last, bounded; absent when none. */
	notices?: SummaryNotice[];
	/** Profile facts read by advanced filters (S4.4); each absent when empty. */
	country?: string;
	language?: string;
	tags?: string[];
	custom?: Record<string, string | number | boolean | null>;
	/** Last non-broadcast outgoing message (S4.4 filters); absent when none. */
	lastOutgoingAt?: number | null;
	/** The contact's latest calls (SPEC S2), oldest first, bounded; absent when none. */
	calls?: import('./calls').CallState[];
}

/**
 * A thread entry someone may be notified of, kept in the summary so notifications derive from
 * summaries without loading contact documents: a comment that mentions users (`userIds`), or a
 * `woken` event written by the system (its recipients are the contact's assignee).
 */
export interface SummaryNotice {
	entryId: EntryId;
	at: number;
	kind: 'mention' | 'woken';
	userIds: UserId[];
	/** The comment's author (a user id); null for a wake-up. */
	authorId: string | null;
}

// ---------------------------------------------------------------------------------------------
// Inboxes and the list

/** `all`, `mine`, `unassigned` (standard inbox, S1.2), `team:<id>` (S1.4), `blocked` (S1.6), `custom:<id>` (S1.5). */
export type InboxKey = 'all' | 'mine' | 'unassigned' | 'blocked' | `team:${string}` | `custom:${string}`;

export type StatusFilter = 'all' | Status;
export type SortKey = 'newest' | 'oldest' | 'longest' | 'shortest';

export interface ListQuery {
	inbox: InboxKey;
	status: StatusFilter;
	unreplied: boolean;
	sort: SortKey;
}
