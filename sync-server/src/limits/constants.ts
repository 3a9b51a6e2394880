/**
 * Every limit the sync server enforces on what clients send, in one place (ARCHITECTURE.md,
 * "Limits"), with the error code a breach is answered with and the close code that follows it
 * (`null`: the connection stays open and the client drops or resets that one thing).
 *
 * Wire-level sizes are the protocol's own numbers (`src/lib/protocol/limits.ts`), re-exported so
 * that the client's encoder and the server's checks can never disagree. The value caps below
 * are the validator's: they bound what one update may store in a contact document, so a
 * document cannot be grown without bound by a single write and every reader can afford to
 * decode any value it meets.
 */
import { MAX_AWARENESS_BYTES, MAX_CHUNK_BYTES, MAX_FRAME_BYTES, MAX_UPDATE_BYTES } from '../../../src/lib/protocol/limits';
import { CLOSE_TOO_LARGE, closeCodeFor } from '../../../src/lib/protocol/close';
import type { ErrorCode } from '../../../src/lib/protocol/session';
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, MAX_URL_LENGTH } from '../../../src/lib/domain/contact-input';

export { MAX_AWARENESS_BYTES, MAX_CHUNK_BYTES, MAX_FRAME_BYTES, MAX_UPDATE_BYTES };

// --- rates (per connection) -------------------------------------------------------------------

/** Document updates (UPDATE and client SYNC step 2) a connection may send per second. */
export const UPDATES_PER_SEC = 50;
/** Bursts of updates allowed above the steady rate (a reconnect resends its pending queue). */
export const UPDATES_BURST = 100;
/** Awareness messages a connection may send per second. */
export const AWARENESS_PER_SEC = 10;
export const AWARENESS_BURST = 20;
/** Documents one connection may hold open at once (each costs server memory while held). */
export const MAX_OPEN_DOCS_PER_CONNECTION = 10_000;
/**
 * Bytes of messages a connection may have waiting for a free open-document slot (a catch-up
 * asks for every document at once; their state vectors wait here). Past it: rate_limited.
 */
export const MAX_QUEUED_BYTES_PER_CONNECTION = 16 * 1024 * 1024;
// --- budgets per user (all of a user's connections together, both endpoints) -------------------

/** Open sockets per user (/sync and /yjs): tabs, devices, stock providers. Past it: 429 / 4429. */
export const MAX_CONNECTIONS_PER_USER = 32;
/** Bytes of updates a user may send per second, and the largest burst (a reconnect's queue). */
export const USER_UPDATE_BYTES_PER_SEC = 256 * 1024;
export const USER_UPDATE_BYTES_BURST = 1024 * 1024;
/** Updates a user may send per second over all connections, and the largest burst. */
export const USER_UPDATES_PER_SEC = 100;
export const USER_UPDATES_BURST = 200;
/** Full catch-ups (every visible document: no usable lastSeq, or no document known) per minute, and the burst. */
export const USER_FULL_SYNCS_PER_MIN = 10;
export const USER_FULL_SYNCS_BURST = 20;
/**
 * Documents a user may ask for (SYNC step 1) per second, and the burst (one full catch-up of a
 * large workspace). Past it the server stops reading the socket until there is room again.
 * Issue 26: 2,000/s, so a first login's 50,000 documents arrive in about 25 s (at 500/s the
 * budget alone took 100 s); a step 1 of a document not loaded costs the server one stored read.
 */
export const USER_DOC_SYNCS_PER_SEC = 2_000;
export const USER_DOC_SYNCS_BURST = 2_000;
/** Bytes of updates a user may send per day (UTC): past it, ERROR quota_exceeded until the next day. */
export const USER_STORED_BYTES_PER_DAY = 256 * 1024 * 1024;
/**
 * A connection over a rate hears about it once per this window (ERROR rate_limited, naming the
 * first refused update); the frames refused after it in the same window get no reply, so a
 * flood costs the server a decode and a bucket check per frame. The client releases every
 * update it has in flight on that ERROR and resends them after a pause (replica.ts).
 */
export const REFUSAL_REPLY_WINDOW_MS = 1000;

/**
 * Failed logins per minute: per (account, client address) pair, the tight one; per account
 * from any address, looser, so that guesses against an address from elsewhere lock out that
 * pair and not the real user; and attempts per client address (any account). A success counts
 * nowhere and clears the account's failures.
 */
export const LOGIN_FAILURES_PER_ACCOUNT_ADDRESS_PER_MIN = 10;
export const LOGIN_FAILURES_PER_ACCOUNT_PER_MIN = 100;
export const LOGIN_ATTEMPTS_PER_ADDRESS_PER_MIN = 30;

// --- values inside a contact document ---------------------------------------------------------

/** A client's clock may run ahead of the server's by this much (`at` of entries, read marks). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Any single stored value (one thread entry, one profile field), as approximate JSON characters. */
export const MAX_VALUE_CHARS = 96 * 1024;
/** Text of a message body or a comment, in characters. */
export const MAX_ENTRY_TEXT_CHARS = 64 * 1024;
/** Ids written by clients: entry ids, user, team and channel ids, map keys. */
export const MAX_ID_CHARS = 128;
/** A short label: message body type, attachment mime, format attribute names. */
export const MAX_LABEL_CHARS = 64;
/** Items of a list value: mentions, tags, channels, attachments. */
export const MAX_LIST_ITEMS = 100;
/** Keys of the profile's custom-field object. */
export const MAX_CUSTOM_FIELDS = 100;
/** Profile strings, per field. */
export const MAX_PROFILE_CHARS = {
	name: MAX_NAME_LENGTH,
	email: MAX_EMAIL_LENGTH,
	phone: 64,
	country: 8,
	language: 35,
	tag: MAX_NAME_LENGTH,
	customValue: MAX_URL_LENGTH
} as const;
/** Length of one shared draft (`Y.Text`) after an update, in characters. */
export const MAX_DRAFT_CHARS = 64 * 1024;
/** Composer keys (shared drafts) one contact may hold. */
export const MAX_DRAFTS = 32;
/** A formatting attribute value inside a draft, as approximate JSON characters. */
export const MAX_FORMAT_VALUE_CHARS = 1024;
/** Nesting depth of a stored plain value. */
export const MAX_VALUE_DEPTH = 12;

// --- how breaches are answered ----------------------------------------------------------------

export interface LimitBreach {
	/** The ERROR code sent to the client. */
	code: ErrorCode;
	/** The WebSocket close code that follows the ERROR, or null when the connection stays open. */
	close: number | null;
}

/** The answer to each kind of breach; close codes follow `closeCodeFor` of the protocol. */
export const BREACH = {
	/** A frame over MAX_FRAME_BYTES: `ws` closes it itself (`maxPayload`). */
	frameTooLarge: { code: 'too_large', close: CLOSE_TOO_LARGE },
	/** An update over MAX_UPDATE_BYTES or an awareness message over MAX_AWARENESS_BYTES. */
	tooLarge: { code: 'too_large', close: closeCodeFor('too_large') },
	/** Over UPDATES_PER_SEC or AWARENESS_PER_SEC: that message is dropped, the connection stays. */
	rateLimited: { code: 'rate_limited', close: closeCodeFor('rate_limited') },
	/** An update the validator refused (a rule, or bytes Yjs could not apply): reset that document. */
	rejectedUpdate: { code: 'rejected_update', close: closeCodeFor('rejected_update') },
	/** More than MAX_OPEN_DOCS_PER_CONNECTION documents held at once. */
	tooManyDocs: { code: 'rate_limited', close: closeCodeFor('rate_limited') }
} as const satisfies Record<string, LimitBreach>;

/**
 * Bytes of updates one connection may keep waiting for changes they build on (an update of a
 * client whose earlier update was refused over a rate and is being resent): kept, as Yjs keeps
 * pending structs, and applied once the gap is filled; past this, refused.
 */
export const MAX_GAP_PENDING_BYTES = 4 * MAX_UPDATE_BYTES;
