/**
 * Unread count of a row (SPEC S4.6): incoming messages strictly after the user's read mark.
 * A user without a read mark has read nothing. `reads` comes from a CRDT map that anyone with
 * access can write, so only an own, finite number counts as a mark (a user id such as
 * `constructor` must not pick up an Object.prototype member).
 */
import type { ContactSummary, UserId } from './types';

export function readMark(contact: Pick<ContactSummary, 'reads'>, userId: UserId): number | null {
	if (!Object.hasOwn(contact.reads, userId)) return null;
	const mark = contact.reads[userId];
	return typeof mark === 'number' && !Number.isNaN(mark) ? mark : null;
}

export function unreadCount(contact: Pick<ContactSummary, 'reads' | 'recentIncomingAt'>, userId: UserId): number {
	const mark = readMark(contact, userId);
	if (mark === null) return contact.recentIncomingAt.length;
	let n = 0;
	for (const at of contact.recentIncomingAt) if (at > mark) n++;
	return n;
}
