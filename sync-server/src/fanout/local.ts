/** In-process fan-out: every subscriber lives in this process (see `fanout.ts`). */
import type { Fanout, FanoutEvent, FanoutSubscriber, RemoteTraffic, SessionEvent } from './fanout';

export class LocalFanout implements Fanout {
	readonly shared: boolean = false;
	private readonly subscribers = new Map<string, FanoutSubscriber>();

	constructor(private readonly onDeliveryError: (err: unknown) => void = () => {}) {}

	setRemoteTraffic(_handler: RemoteTraffic, _headSeq: number): void {}

	subscribe(subscriber: FanoutSubscriber): void {
		this.subscribers.set(subscriber.id, subscriber);
	}

	unsubscribe(subscriber: FanoutSubscriber): void {
		if (this.subscribers.get(subscriber.id) === subscriber) this.subscribers.delete(subscriber.id);
	}

	publish(event: FanoutEvent): void {
		for (const s of this.subscribers.values()) {
			if (s.id === event.senderId || !s.wants(event.docId)) continue;
			try {
				s.deliver(event);
			} catch (err) {
				this.onDeliveryError(err);
			}
		}
	}

	private sessionHandler: ((event: SessionEvent) => void) | null = null;

	setSessionHandler(handler: (event: SessionEvent) => void): void {
		this.sessionHandler = handler;
	}

	publishSession(event: SessionEvent): void {
		try {
			this.sessionHandler?.(event);
		} catch (err) {
			this.onDeliveryError(err);
		}
	}

	get subscriberCount(): number {
		return this.subscribers.size;
	}

	async close(): Promise<void> {
		this.subscribers.clear();
	}
}
