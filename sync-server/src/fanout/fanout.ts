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
import type { DocId } from '../../../src/lib/domain/types';

export type FanoutEvent =
	| { type: 'update'; docId: DocId; seq: number; update: Uint8Array; senderId?: string }
	| { type: 'awareness'; docId: DocId; update: Uint8Array; senderId?: string };

export interface FanoutSubscriber {
	readonly id: string;
	wants(docId: DocId): boolean;
	deliver(event: FanoutEvent): void;
}

export interface Fanout {
	/** Returns the unsubscribe. */
	subscribe(subscriber: FanoutSubscriber): () => void;
	publish(event: FanoutEvent): void;
	readonly subscriberCount: number;
	close(): Promise<void>;
}
