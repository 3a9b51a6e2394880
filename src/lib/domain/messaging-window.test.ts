// SPEC S5.6: messaging windows per channel.
import { describe, expect, it } from 'vitest';
import { messagingWindow } from './messaging-window';
import type { Channel, ChannelId } from './types';

const H = 3_600_000;
const hook: Channel = { id: 'hook' as ChannelId, kind: 'webhook', name: 'WA', windowHours: 24, supportsReplies: true };
const chat: Channel = { id: 'chat' as ChannelId, kind: 'webchat', name: 'Chat', windowHours: null, supportsReplies: true };

describe('messagingWindow (S5.6)', () => {
	it('a channel without a window is always open', () => {
		expect(messagingWindow(chat, null, 0)).toEqual({ open: true });
	});
	it('opens for windowHours after the last incoming message, then closes', () => {
		expect(messagingWindow(hook, 1000, 1000 + 23 * H)).toEqual({ open: true });
		expect(messagingWindow(hook, 1000, 1000 + 24 * H)).toEqual({ open: false, reason: 'expired', closedAt: 1000 + 24 * H });
	});
	it('is closed when the contact never wrote on that channel', () => {
		expect(messagingWindow(hook, null, 5)).toEqual({ open: false, reason: 'no-incoming', closedAt: null });
	});
});
