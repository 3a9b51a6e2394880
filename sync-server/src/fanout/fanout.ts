/**
 * Fan-out: delivery of document traffic (stored updates, awareness) to every subscriber that
 * wants it, wherever that subscriber is connected. In one process this is a loop over local
 * subscribers (`local.ts`); with several processes a pub/sub adapter (Redis) also carries each
 * event to the other processes, which deliver it to their own subscribers.
 *
 * Invariants: an event is delivered at most once to each subscriber; never to the subscriber
 * named as its sender (no echo); only to subscribers whose `wants(docId)` is true at delivery
 * time (the visibility filter lives in the subscriber, so a revoked document stops flowing the
 * moment the access index changes). Delivery is synchronous and must not throw.
 */
import type { DocId, UserId } from '../../../src/lib/domain/types';
import { prepareFrame, type PreparedFrame } from '../prepared-frame';

export type FanoutEvent =
	| {
			type: 'update';
			docId: DocId;
			seq: number;
			update: Uint8Array;
			/** The document's previous stored seq, when the writer knows it (see `rooms.ts`, "Several processes"). */
			prevSeq?: number;
			senderId?: string;
			memo?: EventMemo;
	  }
	| { type: 'awareness'; docId: DocId; update: Uint8Array; senderId?: string; memo?: EventMemo };

/**
 * Sessions that ended (SPEC S1.9): one session (`sessionId`: logout, refresh-token reuse) or
 * every session of a user (password, role or restriction change, deactivation). Not a document
 * event: it goes to the process's session handler (the hub), on this process at once and on
 * every other process after the events published before it, so that each process closes its own
 * sockets of those sessions (the store refuses their tokens already; the sockets are the hub's).
 */
export interface SessionEvent {
	userId: UserId;
	sessionId?: string;
	reason: string;
}

/**
 * Work on an event that is the same for every local recipient, done by the first one that
 * needs it and reused by the rest: one event reaches up to every connection of the workspace,
 * and encoding its frame or parsing its awareness entries once per recipient was most of the
 * server's own cost of a fan-out. Keyed by the wire (`sync`, `yjs`) because the two endpoints
 * frame the same event differently. Local to this process: a pub/sub adapter carries the event
 * without it.
 */
export interface EventMemo {
	frames: Map<string, PreparedFrame>;
	/** The (client id, clock) pairs of an awareness event's bytes (`awareness-tracker.ts`). */
	awarenessClocks?: ReadonlyArray<readonly [clientId: number, clock: number]>;
}

/** The memo of `event`, created on first use. */
export function memoOf(event: FanoutEvent): EventMemo {
	return (event.memo ??= { frames: new Map() });
}

/**
 * The WebSocket frame of the message `encode` makes of `event` for `wire`, prepared once per
 * event (`prepared-frame.ts`). `encode` takes the event rather than closing over it: this runs
 * once per recipient and should not allocate once the frame exists.
 */
export function framedOnce(event: FanoutEvent, wire: string, encode: (event: FanoutEvent) => Uint8Array): PreparedFrame {
	const { frames } = memoOf(event);
	let frame = frames.get(wire);
	if (!frame) {
		frame = prepareFrame(encode(event));
		frames.set(wire, frame);
	}
	return frame;
}

export interface FanoutSubscriber {
	readonly id: string;
	wants(docId: DocId): boolean;
	deliver(event: FanoutEvent): void;
}

/**
 * What a process does with traffic from the other processes (`rooms.ts` implements it): apply a
 * remote update to its loaded room (and its access index) before the event reaches local
 * subscribers, so that a room is never behind what its clients have seen and a revocation is in
 * force before the next event; and fetch from the store the updates whose events were lost.
 */
export interface RemoteTraffic {
	/** Called for each update from another process, in order, before its local delivery. */
	remoteUpdate(event: FanoutEvent & { type: 'update' }): void | Promise<void>;
	/**
	 * Brings the process up to date from the store: every stored update above `afterSeq` (up to
	 * `upTo`, or the store's head when null) that `seen` says was not delivered here is applied
	 * to its room and handed to `deliver` (local subscribers only). Resolves with the number up
	 * to which everything has now been seen.
	 */
	resync(afterSeq: number, upTo: number | null, seen: (seq: number) => boolean, deliver: (event: FanoutEvent) => void): Promise<number>;
}

export interface Fanout {
	/** True when events cross processes (Redis): writers must then use the store as arbiter. */
	readonly shared: boolean;
	/**
	 * Registers the handler of other processes' traffic (never called by an in-process fan-out);
	 * `headSeq`: the store's head when the process started (every number up to it is stored).
	 */
	setRemoteTraffic(handler: RemoteTraffic, headSeq: number): void;
	subscribe(subscriber: FanoutSubscriber): void;
	/** Forgets `subscriber` (a method, not a closure per subscriber: connections are many). */
	unsubscribe(subscriber: FanoutSubscriber): void;
	publish(event: FanoutEvent): void;
	/** Hands `event` to the session handler of this process and of every other one. */
	publishSession(event: SessionEvent): void;
	/** Registers this process's handler of ended sessions (one per process: the hub). */
	setSessionHandler(handler: (event: SessionEvent) => void): void;
	readonly subscriberCount: number;
	close(): Promise<void>;
}
