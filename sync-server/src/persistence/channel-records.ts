/**
 * Store role: what channels record about their senders (see sync-server/src/channels/): visitor
 * sessions, inbound idempotency and the contact lookup index.
 */
import type { ContactId } from '../../../src/lib/domain/types';

/** A web chat visitor's session: the token (stored as its hash) opens one contact's conversation on one channel. */
export interface VisitorSession {
	tokenHash: string;
	channelId: string;
	contactId: ContactId;
	/** The name the visitor gave (may be empty); used when their contact is created. */
	name: string;
	createdAt: number;
}

/** An inbound channel message, recorded once per (channelId, messageId): the sender's idempotency key. */
export interface InboundRecord {
	channelId: string;
	messageId: string;
	contactId: ContactId;
	entryId: string;
	/** True when this message created the contact. */
	createdContact: boolean;
	at: number;
}

/** A key that finds a contact: `phone`, `email`, or `ext:<channelId>` (the sender's external id). */
export interface ContactKey {
	kind: string;
	value: string;
}

export interface ChannelRecords {
	putVisitorSession(session: VisitorSession): Promise<void>;
	getVisitorSession(tokenHash: string): Promise<VisitorSession | null>;
	/** Stores the record unless one with its (channelId, messageId) exists; returns the stored one. */
	claimInbound(record: InboundRecord): Promise<{ record: InboundRecord; existed: boolean }>;
	/** Replaces the contact's keys of the given kinds by `keys` (all of one of those kinds). */
	setContactKeys(contactId: ContactId, kinds: readonly string[], keys: readonly ContactKey[]): Promise<void>;
	findContactByKey(kind: string, value: string): Promise<ContactId | null>;
	contactKeys(contactId: ContactId): Promise<ContactKey[]>;
}
