/**
 * What the channels write into a contact document, as functions run inside
 * `rooms.applyServerChange` (one server transaction, stored before it is relayed).
 *
 * Incoming message (web chat and webhook alike): a new contact is created unassigned (S5.7)
 * with its conversation opened by the contact (S7.1: `openOnIncoming`, which also reopens a
 * closed or snoozed conversation of a known contact); the channel joins the contact's channels.
 * A blocked contact's message is not delivered to the inbox (S7.6): a `message_blocked` event
 * takes its place, with the id the message would have had, so a retry writes nothing twice.
 *
 * Delivery statuses only move forward (queued < failed-while-retrying < sent < delivered <
 * read); `failed` may follow `sent` (the receiver reports it could not deliver) but never
 * `delivered` or `read`. Two writers racing (a visitor socket writing delivered, the watcher
 * writing sent) therefore end in the furthest status whatever their order.
 */
import { contactDoc, createdEventId, initContact, serverOrigin, type ContactDoc, type YDoc } from '../../../src/lib/doc';
import { openOnIncoming } from '../../../src/lib/domain/actions';
import { newId } from '../../../src/lib/domain/ids';
import type { ChannelId, ContactId, Delivery, DeliveryStatus, EntryId, EventEntry, MessageBody, Profile } from '../../../src/lib/domain/types';

const RANK: Record<DeliveryStatus, number> = { queued: 0, failed: 1, sent: 2, delivered: 3, read: 4 };

export function deliveryMayMove(from: Delivery | undefined, to: DeliveryStatus): boolean {
	if (!from) return true;
	if (to === 'failed') return from.status === 'queued' || from.status === 'failed' || from.status === 'sent';
	return RANK[to] > RANK[from.status];
}

/** Writes `d` when it moves the entry's status forward (a sent email's source stays); returns whether it wrote. */
export function advanceDelivery(c: ContactDoc, id: EntryId, d: Delivery): boolean {
	const prev = c.delivery.get(id);
	if (!deliveryMayMove(prev, d.status)) return false;
	c.delivery.set(id, prev?.source && !d.source ? { ...d, source: prev.source } : d);
	return true;
}

export interface IncomingMessage {
	contactId: ContactId;
	channelId: ChannelId;
	entryId: EntryId;
	at: number;
	body: MessageBody;
	/** Profile of the contact when this message creates it. */
	newProfile?: Partial<Profile>;
	/** Extra data on the `message_blocked` event (e.g. the sender's message id). */
	blockedData?: Record<string, unknown>;
	/** Recorded without opening the conversation (an email bounce or automatic reply). */
	quiet?: boolean;
}

export function isCreated(ydoc: YDoc, id: ContactId): boolean {
	return contactDoc(ydoc, serverOrigin()).thread.has(createdEventId(id));
}

/** Creates the contact when its document is empty; adds the channel to its channels. */
export function ensureContact(ydoc: YDoc, id: ContactId, channelId: ChannelId, profile: Partial<Profile>, at: number): ContactDoc {
	if (!isCreated(ydoc, id)) {
		// Created closed and opened by the contact in the same transaction, so the thread
		// reads "created, opened (contact)" like any conversation the contact opens (S5.5).
		initContact(
			ydoc,
			{
				id,
				profile: { ...profile, channelIds: [channelId] },
				state: { status: 'closed', since: at },
				createdAt: at,
				createdBy: { type: 'contact', id },
				source: 'contact'
			},
			serverOrigin()
		);
	}
	const c = contactDoc(ydoc, serverOrigin());
	const channels = c.profile.get().channelIds;
	if (!channels.includes(channelId)) c.profile.patch({ channelIds: [...channels, channelId] });
	return c;
}

/** Writes an incoming message (or its `message_blocked` event); see the module comment. */
export function writeIncoming(ydoc: YDoc, m: IncomingMessage): 'delivered' | 'blocked' | 'duplicate' {
	// Created (at - 2) and opened (at - 1) read before the message that caused them.
	const c = ensureContact(ydoc, m.contactId, m.channelId, m.newProfile ?? {}, m.at - 2);
	if (c.thread.has(m.entryId)) return 'duplicate';
	const author = { type: 'contact' as const, id: m.contactId };
	if (c.profile.get().blocked) {
		const event: EventEntry = {
			id: m.entryId,
			kind: 'event',
			at: m.at,
			author,
			type: 'message_blocked',
			source: 'contact',
			data: { channelId: m.channelId, ...m.blockedData }
		};
		c.thread.append(event);
		return 'blocked';
	}
	c.transact(() => {
		if (!m.quiet) c.applyAction(openOnIncoming(c.state.get(), m.at - 1), author, m.at - 1, newId);
		c.thread.append({ id: m.entryId, kind: 'message', direction: 'in', channelId: m.channelId, at: m.at, author, body: m.body });
	});
	return 'delivered';
}

/** A `page_change` event (S5.5) of a web chat visitor. */
export function writePageChange(ydoc: YDoc, contactId: ContactId, channelId: ChannelId, url: string, at: number): void {
	const c = contactDoc(ydoc, serverOrigin());
	c.thread.append({
		id: newId() as EntryId,
		kind: 'event',
		at,
		author: { type: 'contact', id: contactId },
		type: 'page_change',
		source: 'contact',
		data: { channelId },
		url
	});
}
