/**
 * SPEC S3.1, S5.10, S5.6: the channels a message to a contact can go out on. A contact reached
 * before is reached again on the channels it used; besides those, a channel that can start a
 * conversation by itself offers to: the webhook/API channel addresses the contact by its phone
 * or its id (the provider resolves it). The web chat reaches only a visitor with a session, so
 * only contacts who wrote on it (it is among their channels). An email channel reaches a
 * contact who has an email address (S5.12).
 */
import type { Channel, MessageTemplate } from './types';

export function canStartConversation(channel: Channel, contact?: { email?: string } | null): boolean {
	return channel.kind === 'webhook' || (channel.kind === 'email' && !!contact?.email);
}

/** The channels of `all` a message to the contact can use, given the channels it already used. */
export function channelsToReach(all: readonly Channel[], used: ReadonlySet<string>, contact?: { email?: string } | null): Channel[] {
	return all.filter((c) => used.has(c.id) || canStartConversation(c, contact));
}

/** The templates a closed messaging window still allows (S5.6); none when the window is open or the channel has none. */
export function templatesFor(channel: Channel, windowOpen: boolean): MessageTemplate[] {
	return windowOpen ? [] : (channel.templates ?? []);
}
