/**
 * Fan-out across processes over Redis pub/sub (`ioredis`), selected by `REDIS_URL`. Each event is
 * delivered to this process's subscribers at once (as `local.ts` does) and published on one
 * channel per workspace; every other process receives it, hands an update to its rooms first
 * (`RemoteTraffic.remoteUpdate`) and then delivers it to its own subscribers. One channel per
 * workspace, not one per document: a process's /sync connections want every document their user
 * may see, loaded in a room or not. Redis delivers one publisher's messages in order, so the
 * events of one document, written under the store's arbitration (`rooms.ts`), arrive in order.
 *
 * Loss of the link: pub/sub is at most once. When the subscriber connection comes back, it
 * subscribes again and calls `RemoteTraffic.resync`, which catches the local subscribers and
 * rooms up from the store (the store holds everything acknowledged). Publishes made while the
 * link is down wait in ioredis's offline queue and are sent on reconnect.
 *
 * Frame on the wire: 1 byte kind (1 update, 2 awareness), 4 bytes header length, the JSON header
 * ({o: origin process, d: docId, s: seq, p: prevSeq}), then the update bytes. The sender's
 * connection id is not carried: ids are per process, and a remote event has no local sender.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DocId } from '../../../src/lib/domain/types';
import type { Fanout, FanoutEvent, FanoutSubscriber, RemoteTraffic } from './fanout';
import { LocalFanout } from './local';

interface Header {
	o: string;
	d: string;
	s?: number;
	p?: number;
}

export function encodeRemote(origin: string, event: FanoutEvent): Buffer {
	const header: Header = { o: origin, d: event.docId };
	if (event.type === 'update') {
		header.s = event.seq;
		if (event.prevSeq !== undefined) header.p = event.prevSeq;
	}
	const h = Buffer.from(JSON.stringify(header));
	const out = Buffer.allocUnsafe(5 + h.length + event.update.byteLength);
	out[0] = event.type === 'update' ? 1 : 2;
	out.writeUInt32BE(h.length, 1);
	h.copy(out, 5);
	out.set(event.update, 5 + h.length);
	return out;
}

export function decodeRemote(buf: Buffer): { origin: string; event: FanoutEvent } | null {
	if (buf.length < 5) return null;
	const kind = buf[0];
	const len = buf.readUInt32BE(1);
	if (5 + len > buf.length) return null;
	let header: Header;
	try {
		header = JSON.parse(buf.subarray(5, 5 + len).toString()) as Header;
	} catch {
		return null;
	}
	// A copy: the event outlives the message buffer.
	const update = new Uint8Array(buf.subarray(5 + len));
	const docId = header.d as DocId;
	if (kind === 1 && typeof header.s === 'number') {
		return {
			origin: header.o,
			event: { type: 'update', docId, seq: header.s, update, ...(typeof header.p === 'number' ? { prevSeq: header.p } : {}) }
		};
	}
	if (kind === 2) return { origin: header.o, event: { type: 'awareness', docId, update } };
	return null;
}

export interface RedisFanoutOptions {
	url: string;
	/** The pub/sub channel: one per workspace. */
	channel: string;
	onDeliveryError?: (err: unknown) => void;
	log?: (message: string) => void;
}

export class RedisFanout implements Fanout {
	readonly shared = true;
	/** This process's id on the channel (its own messages come back and are skipped). */
	readonly origin = randomUUID();
	private readonly local: LocalFanout;
	private readonly pub: Redis;
	private readonly sub: Redis;
	private remote: RemoteTraffic | null = null;
	private subscribed = false;
	private lost = false;
	private closed = false;
	private resyncing: Promise<void> | null = null;

	constructor(private readonly opts: RedisFanoutOptions) {
		this.local = new LocalFanout(opts.onDeliveryError);
		const retry = { retryStrategy: (times: number) => Math.min(50 * times, 1000), maxRetriesPerRequest: null, lazyConnect: false };
		this.pub = new Redis(opts.url, retry);
		this.sub = new Redis(opts.url, { ...retry, autoResubscribe: false });
		for (const [name, c] of [
			['pub', this.pub],
			['sub', this.sub]
		] as const) {
			c.on('error', (err: Error) => this.opts.log?.(`redis ${name}: ${err.message}`));
		}
		this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
			if (channel.toString() === opts.channel) this.receive(message);
		});
		this.sub.on('close', () => {
			if (this.subscribed && !this.closed) this.lost = true;
			this.subscribed = false;
		});
		this.sub.on('ready', () => void this.onReady());
	}

	/** Resolves once subscribed (the first time). */
	async ready(): Promise<void> {
		const until = Date.now() + 30_000;
		while (!this.subscribed) {
			if (Date.now() > until) throw new Error('redis: not subscribed after 30 s');
			await new Promise((r) => setTimeout(r, 10));
		}
	}

	private async onReady(): Promise<void> {
		try {
			await this.sub.subscribe(this.opts.channel);
		} catch (err) {
			this.opts.log?.(`redis subscribe failed: ${String(err)}`);
			return;
		}
		this.subscribed = true;
		if (this.lost) {
			this.lost = false;
			this.opts.log?.('redis link back: catching up from the store');
			await this.resync();
		}
	}

	/** Runs the remote handler's resync (one at a time). */
	resync(): Promise<void> {
		if (!this.remote) return Promise.resolve();
		const remote = this.remote;
		this.resyncing ??= remote
			.resync((event) => this.local.publish(event))
			.catch((err: unknown) => this.opts.log?.(`resync failed: ${String(err)}`))
			.finally(() => (this.resyncing = null));
		return this.resyncing;
	}

	private receive(message: Buffer): void {
		const decoded = decodeRemote(message);
		if (!decoded || decoded.origin === this.origin) return;
		const { event } = decoded;
		if (event.type === 'update') {
			try {
				this.remote?.remoteUpdate(event);
			} catch (err) {
				this.opts.log?.(`remote update of ${event.docId} failed: ${String(err)}`);
			}
		}
		this.local.publish(event);
	}

	setRemoteTraffic(handler: RemoteTraffic): void {
		this.remote = handler;
	}

	subscribe(subscriber: FanoutSubscriber): void {
		this.local.subscribe(subscriber);
	}

	unsubscribe(subscriber: FanoutSubscriber): void {
		this.local.unsubscribe(subscriber);
	}

	publish(event: FanoutEvent): void {
		this.local.publish(event);
		if (this.closed) return;
		this.pub.publish(this.opts.channel, encodeRemote(this.origin, event)).catch((err: unknown) => {
			this.opts.log?.(`redis publish failed: ${String(err)}`);
		});
	}

	get subscriberCount(): number {
		return this.local.subscriberCount;
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.local.close();
		await Promise.allSettled([this.sub.quit(), this.pub.quit()]);
		this.sub.disconnect();
		this.pub.disconnect();
	}
}
