/**
 * Who is online in the whole workspace (SPEC S7.7: round robin and least open conversations
 * pick among a team's online agents), read from the presence states on the directory document
 * (`dir`). Every agent's app publishes its presence there and renews it every 15 s; with several
 * processes the fan-out (Redis) carries each state to every process, so a subscriber here sees
 * the agents connected to any process, not only its own sockets.
 *
 * A state withdrawn (`null`, sent by the server when the socket closes) removes its client at
 * once; a client silent for `ttlMs` (its process died before it could withdraw it) counts as
 * gone, as the apps themselves expire silent peers.
 */
import { DIR_DOC_ID } from '../../../src/lib/domain/ids';
import type { DocId, UserId } from '../../../src/lib/domain/types';
import { readAwarenessUpdate } from '../../../src/lib/protocol/awareness';
import { readDirPresence } from '../../../src/lib/sync/awareness-states';
import type { FanoutEvent, FanoutSubscriber } from '../fanout/fanout';

/** Longer than the apps' 30 s expiry of silent peers: a renewal delayed by load is not a departure. */
const TTL_MS = 45_000;

export class WorkspacePresence implements FanoutSubscriber {
	readonly id = `workflows-presence-${Math.random().toString(36).slice(2)}`;
	private readonly clients = new Map<number, { userId: UserId; clock: number; seenAt: number }>();

	constructor(
		private readonly clock: () => number = Date.now,
		private readonly ttlMs = TTL_MS
	) {}

	wants(docId: DocId): boolean {
		return docId === DIR_DOC_ID;
	}

	deliver(event: FanoutEvent): void {
		if (event.type !== 'awareness' || event.docId !== DIR_DOC_ID) return;
		const now = this.clock();
		for (const e of readAwarenessUpdate(event.update, 'object') ?? []) {
			const known = this.clients.get(e.clientId);
			if (known && e.clock < known.clock) continue;
			const p = e.state === null ? null : readDirPresence(e.state);
			if (!p || p.user.kind !== 'user') {
				this.clients.delete(e.clientId);
				continue;
			}
			this.clients.set(e.clientId, { userId: p.user.id as UserId, clock: e.clock, seenAt: now });
		}
	}

	/** Is the user's app connected to any process (a presence state renewed within the TTL)? */
	online(userId: UserId): boolean {
		const now = this.clock();
		for (const [id, c] of this.clients) {
			if (now - c.seenAt > this.ttlMs) {
				this.clients.delete(id);
				continue;
			}
			if (c.userId === userId) return true;
		}
		return false;
	}
}
