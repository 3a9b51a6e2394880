/**
 * Typing over the contact document's awareness (SPEC S5.8), as the web chat reads and writes it.
 *
 * Awareness updates are y-protocols bytes, read and written by `src/lib/protocol/awareness.ts`
 * (any JSON state; `null` when the client left). The state shape we publish
 * for a visitor, and read from agents (human or AI), is
 *
 *   { user: { kind: 'contact' | 'user' | 'bot', id, name }, typing: { composer, at } | null }
 *
 * where `composer` is the shared draft being typed into (`reply` or `comment`) and `at` the
 * writer's clock. A visitor sees an agent typing only into `reply` (an internal comment is never
 * the contact's business, S6.1). Clients keep re-publishing their state while typing; a typing
 * state not refreshed for `TYPING_TTL_MS` counts as stopped, so a crashed tab does not type
 * forever.
 */
import { readAwarenessUpdate, writeAwarenessUpdate } from '../../../src/lib/protocol/awareness';

export const TYPING_TTL_MS = 8_000;

export interface TypingState {
	user: { kind: 'contact' | 'user' | 'bot'; id: string; name: string };
	typing: { composer: string; at: number } | null;
}

/** An awareness update of one client's typing state (null: it left). */
export function writeAwareness(clientId: number, clock: number, state: TypingState | null): Uint8Array {
	return writeAwarenessUpdate([{ clientId, clock, state }], 'json');
}

/** Whether an awareness state is someone other than the contact typing a reply. */
export function isAgentTypingReply(state: unknown): boolean {
	if (typeof state !== 'object' || state === null) return false;
	const s = state as { user?: { kind?: unknown }; typing?: { composer?: unknown } | null };
	if (s.user?.kind === 'contact') return false;
	return typeof s.typing === 'object' && s.typing !== null && s.typing.composer === 'reply';
}

/** Which awareness clients of one document are agents typing a reply, with expiry. */
export class AgentTyping {
	private readonly since = new Map<number, number>();

	/** Applies an update; returns whether "someone is typing" may have changed. */
	apply(update: Uint8Array, now: number): boolean {
		const entries = readAwarenessUpdate(update, 'json');
		if (!entries) return false;
		const before = this.any(now);
		for (const e of entries) {
			if (isAgentTypingReply(e.state)) this.since.set(e.clientId, now);
			else this.since.delete(e.clientId);
		}
		return before !== this.any(now);
	}

	any(now: number): boolean {
		for (const [id, at] of this.since) {
			if (now - at <= TYPING_TTL_MS) return true;
			this.since.delete(id);
		}
		return false;
	}
}
