/**
 * A lease on once-per-workspace work (snooze wake-ups, the channel outbox's dispatch): however
 * many server processes serve the workspace, only the holder does the work. The lease lives in
 * the store (`persistence/leases.ts`); the holder renews it every third of its time to live and
 * stops counting itself the holder once a renewal is overdue, before the lease can expire and be
 * taken over. A process that dies stops renewing; another takes the lease over within the time
 * to live and `onAcquired` starts its work at once (whatever came due meanwhile is done then).
 * With one process (SQLite) the first attempt takes it and it is never lost.
 */
import { randomUUID } from 'node:crypto';
import type { Leases } from '../persistence/store';

export interface LeaseOptions {
	store: Leases;
	name: string;
	/** This process's id (default: a random one). */
	holder?: string;
	/** Time to live (default 5 s). */
	ttlMs?: number;
	/** Called each time this process becomes the holder. */
	onAcquired?: () => void;
	log?: (message: string) => void;
}

export class Lease {
	readonly holder: string;
	private readonly ttlMs: number;
	private timer: NodeJS.Timeout | null = null;
	/** performance.now() of the last successful acquire or renewal, while held. */
	private renewedAt: number | null = null;
	private closed = false;
	private readonly listeners: Array<() => void> = [];

	constructor(private readonly opts: LeaseOptions) {
		this.holder = opts.holder ?? randomUUID();
		this.ttlMs = opts.ttlMs ?? 5_000;
		if (opts.onAcquired) this.listeners.push(opts.onAcquired);
	}

	/** True while this process holds the lease (with a margin before it could expire). */
	get held(): boolean {
		return this.renewedAt !== null && performance.now() - this.renewedAt < (this.ttlMs * 2) / 3;
	}

	/** Calls `fn` each time the lease is acquired. */
	onAcquired(fn: () => void): void {
		this.listeners.push(fn);
	}

	/** First attempt (awaited), then renewals / attempts every third of the time to live. */
	async start(): Promise<void> {
		await this.tick();
		this.timer = setInterval(() => void this.tick(), this.ttlMs / 3);
		this.timer.unref();
	}

	private async tick(): Promise<void> {
		if (this.closed) return;
		const was = this.held;
		const t0 = performance.now();
		let got = false;
		try {
			got = await this.opts.store.acquireLease(this.opts.name, this.holder, this.ttlMs);
		} catch (err) {
			this.opts.log?.(`lease ${this.opts.name}: ${String(err)}`);
		}
		if (this.closed) return;
		this.renewedAt = got ? t0 : null;
		if (got && !was) {
			for (const fn of this.listeners) fn();
		}
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		if (this.timer) clearInterval(this.timer);
		const wasHeld = this.renewedAt !== null;
		this.renewedAt = null;
		if (wasHeld) await this.opts.store.releaseLease(this.opts.name, this.holder).catch(() => {});
	}
}
