// SPEC S3.1, S5.10, S5.6
import { describe, expect, it } from 'vitest';
import { channelsToReach, templatesFor } from './outbound';
import type { Channel, ChannelId } from './types';

const chat: Channel = { id: 'ch-chat' as ChannelId, kind: 'webchat', name: 'Web chat', windowHours: null, supportsReplies: true };
const wa: Channel = { id: 'ch-wa' as ChannelId, kind: 'webhook', name: 'WhatsApp', url: 'https://x', windowHours: 24, supportsReplies: true, templates: [{ id: 't1', name: 'Hi', text: 'Hello {{firstName}}' }] };

describe('outbound channels', () => {
	it('a new contact (no channel yet) can be written to on the webhook channel, not on the web chat', () => {
		expect(channelsToReach([chat, wa], new Set()).map((c) => c.id)).toEqual(['ch-wa']);
	});
	it('a web chat visitor is reached on the web chat too', () => {
		expect(channelsToReach([chat, wa], new Set(['ch-chat'])).map((c) => c.id)).toEqual(['ch-chat', 'ch-wa']);
	});
	it('a closed window offers the channel templates; an open one needs none', () => {
		expect(templatesFor(wa, false).map((t) => t.id)).toEqual(['t1']);
		expect(templatesFor(wa, true)).toEqual([]);
		expect(templatesFor(chat, false)).toEqual([]);
	});
});
