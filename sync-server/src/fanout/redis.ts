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
 * link is down wait in ioredis's offline queue and are sent on reconnect. A lost event without
 * a lost link (a writer killed between its commit and its publish) shows as a hole in the
 * sequence numbers seen (`seq-window.ts`), fetched from the store after `HOLE_MS`. Numbers
 * already seen are not delivered again: nothing is lost, nothing is delivered twice.
 *
 * Received events are handled one at a time, in order: the rooms may need to load a document
 * (from the store) before its event is delivered.
 *
 * Ended sessions (`SessionEvent`) take the same channel and the same received-events chain: a
 * process closes its sockets of a session within a Redis round trip of the logout on another,
 * and after the directory update published before it (a deactivation is then seen as one: 4403).
 * Like any event they are at most once: after a loss of the link the tokens of ended sessions
 * are still refused by the store, but sockets of this process that outlived the loss stay open
 * until their tokens expire (at most the access token's lifetime).
 *
 * Frame on the wire: 1 byte kind (1 update, 2 awareness, 3 session), 4 bytes header length, the
 * JSON header ({o: origin process, d: docId, s: seq, p: prevSeq}; for a session {o, u: userId,
 * i: sessionId, r: reason}), then the update bytes (none for a session). The sender's
 * connection id is not carried: ids are per process, and a remote event has no local sender.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DocId, UserId } from '../../../src/lib/domain/types';
import type { Fanout, FanoutEvent, FanoutSubscriber, RemoteTraffic, SessionEvent } from './fanout';
import { LocalFanout } from './local';
import { SeqWindow } from './seq-window';

/** A hole in the numbers seen for this long is fetched from the store (see `seq-window.ts`). */
const HOLE_MS = 1_000;

interface Header {
	o: string;
	d?: string;
	s?: number;
	p?: number;
	u?: string;
	i?: string;
	r?: string;
}

const SESSION_KIND = 3;

export function encodeRemoteSession(origin: string, event: SessionEvent): Buffer {
	const header: Header = { o: origin, u: event.userId, r: event.reason };
	if (event.sessionId !== undefined) header.i = event.sessionId;
	const h = Buffer.from(JSON.stringify(header));
	const out = Buffer.allocUnsafe(5 + h.length);
	out[0] = SESSION_KIND;
	out.writeUInt32BE(h.length, 1);
	h.copy(out, 5);
	return out;
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

export function decodeRemote(buf: Buffer): { origin: string; event: FanoutEvent } | { origin: string; session: SessionEvent } | null {
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
	if (kind === SESSION_KIND) {
		if (typeof header.u !== 'string' || typeof header.r !== 'string') return null;
		return { origin: header.o, session: { userId: header.u as UserId, reason: header.r, ...(typeof header.i === 'string' ? { sessionId: header.i } : {}) } };
	}
	if (typeof header.d !== 'string') return null;
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
	private window: SeqWindow | null = null;
	/** Tail of the received events' chain (see "Received events"). */
	private inbound: Promise<void> = Promise.resolve();
	private readonly watchdog: NodeJS.Timeout;

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
		this.watchdog = setInterval(() => {
			const w = this.window;
			if (w && this.subscribed && w.holeAge() > HOLE_MS) void this.resync(w.max);
		}, HOLE_MS / 4);
		this.watchdog.unref();
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
		const first = !this.subscribed && !this.lost && !this.everSubscribed;
		this.everSubscribed = true;
		this.subscribed = true;
		if (this.lost || first) {
			// After a loss, and once at start (events between the head read and the subscription).
			if (this.lost) this.opts.log?.('redis link back: catching up from the store');
			this.lost = false;
			await this.resync(null);
		}
	}
	private everSubscribed = false;

	/** Fetches missed updates from the store (one resync at a time); `upTo` null: up to the head. */
	resync(upTo: number | null): Promise<void> {
		const remote = this.remote;
		const window = this.window;
		if (!remote || !window) return Promise.resolve();
		this.resyncing ??= (async () => {
			// Behind the events already received: they are noted first.
			await this.inbound;
			const reached = await remote.resync(
				window.floor,
				upTo,
				(seq) => window.has(seq),
				(event) => {
					if (event.type === 'update') window.note(event.seq);
					this.local.publish(event);
				}
			);
			window.advanceTo(reached);
		})()
			.catch((err: unknown) => this.opts.log?.(`resync failed: ${String(err)}`))
			.finally(() => (this.resyncing = null));
		return this.resyncing;
	}

	private receive(message: Buffer): void {
		const decoded = decodeRemote(message);
		if (!decoded || decoded.origin === this.origin) return;
		if ('session' in decoded) {
			const { session } = decoded;
			this.inbound = this.inbound.then(() => this.local.publishSession(session));
			return;
		}
		const { event } = decoded;
		this.inbound = this.inbound.then(async () => {
			if (event.type === 'update') {
				if (this.window?.has(event.seq)) return; // fetched from the store meanwhile
				try {
					await this.remote?.remoteUpdate(event);
				} catch (err) {
					this.opts.log?.(`remote update of ${event.docId} failed: ${String(err)}`);
				}
				this.window?.note(event.seq);
			}
			this.local.publish(event);
		});
	}

	setRemoteTraffic(handler: RemoteTraffic, headSeq: number): void {
		this.remote = handler;
		this.window = new SeqWindow(headSeq);
		if (this.subscribed) void this.resync(null);
	}

	subscribe(subscriber: FanoutSubscriber): void {
		this.local.subscribe(subscriber);
	}

	unsubscribe(subscriber: FanoutSubscriber): void {
		this.local.unsubscribe(subscriber);
	}

	publish(event: FanoutEvent): void {
		if (event.type === 'update') this.window?.note(event.seq);
		// To Redis first: the other processes' round trip overlaps this process's delivery.
		if (!this.closed) {
			this.pub.publish(this.opts.channel, encodeRemote(this.origin, event)).catch((err: unknown) => {
				this.opts.log?.(`redis publish failed: ${String(err)}`);
			});
		}
		this.local.publish(event);
	}

	setSessionHandler(handler: (event: SessionEvent) => void): void {
		this.local.setSessionHandler(handler);
	}

	publishSession(event: SessionEvent): void {
		this.local.publishSession(event);
		if (this.closed) return;
		this.pub.publish(this.opts.channel, encodeRemoteSession(this.origin, event)).catch((err: unknown) => {
			this.opts.log?.(`redis publish failed: ${String(err)}`);
		});
	}

	get subscriberCount(): number {
		return this.local.subscriberCount;
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		clearInterval(this.watchdog);
		await this.local.close();
		await Promise.allSettled([this.sub.quit(), this.pub.quit()]);
		this.sub.disconnect();
		this.pub.disconnect();
	}
}
