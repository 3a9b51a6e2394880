/**
 * SPEC S5.6: per-channel messaging windows. A channel with `windowHours` may carry a reply only
 * until that many hours after the contact's last incoming message on it (null: always open).
 */
import type { Channel } from './types';

export type WindowState = { open: true } | { open: false; reason: 'no-incoming' | 'expired'; closedAt: number | null };

/** Whether `channel` may carry a reply at `now`, given the last incoming message on it. */
export function messagingWindow(channel: Channel, lastIncomingAt: number | null, now: number): WindowState {
	if (channel.windowHours === null) return { open: true };
	if (lastIncomingAt === null) return { open: false, reason: 'no-incoming', closedAt: null };
	const closesAt = lastIncomingAt + channel.windowHours * 3_600_000;
	return now < closesAt ? { open: true } : { open: false, reason: 'expired', closedAt: closesAt };
}
