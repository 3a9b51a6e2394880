/**
 * Budgets per user: what all of one user's connections together may cost the server (issue 15.6:
 * one authenticated agent must not slow the others down). Sockets per user; update bytes and
 * updates per second (token buckets); full catch-ups per minute; documents synced per second; and
 * bytes stored per UTC day. Each check either takes from the budget or refuses, costing a map
 * lookup and a bucket update: a refusal is always cheaper than the request it refuses.
 *
 * State lives in this process (a user behind a load balancer gets one budget per process), one
 * small record per user that has connected; users are few (the directory), so records are kept.
 */
import type { UserId } from '../../../src/lib/domain/types';
import {
	MAX_CONNECTIONS_PER_USER,
	USER_DOC_SYNCS_BURST,
	USER_DOC_SYNCS_PER_SEC,
	USER_FULL_SYNCS_BURST,
	USER_FULL_SYNCS_PER_MIN,
	USER_STORED_BYTES_PER_DAY,
	USER_UPDATE_BYTES_BURST,
	USER_UPDATE_BYTES_PER_SEC,
	USER_UPDATES_BURST,
	USER_UPDATES_PER_SEC
} from './constants';
import { RateLimiter } from './rate-limit';

export interface UserLimits {
	connections: number;
	updateBytesPerSec: number;
	updateBytesBurst: number;
	updatesPerSec: number;
	updatesBurst: number;
	fullSyncsPerMin: number;
	fullSyncsBurst: number;
	docSyncsPerSec: number;
	docSyncsBurst: number;
	storedBytesPerDay: number;
}

export const DEFAULT_USER_LIMITS: UserLimits = {
	connections: MAX_CONNECTIONS_PER_USER,
	updateBytesPerSec: USER_UPDATE_BYTES_PER_SEC,
	updateBytesBurst: USER_UPDATE_BYTES_BURST,
	updatesPerSec: USER_UPDATES_PER_SEC,
	updatesBurst: USER_UPDATES_BURST,
	fullSyncsPerMin: USER_FULL_SYNCS_PER_MIN,
	fullSyncsBurst: USER_FULL_SYNCS_BURST,
	docSyncsPerSec: USER_DOC_SYNCS_PER_SEC,
	docSyncsBurst: USER_DOC_SYNCS_BURST,
	storedBytesPerDay: USER_STORED_BYTES_PER_DAY
};

/**
 * No per-user budget: for benchmarks where one token stands in for many users (100 subscribers,
 * a room of agents). Never for a server that faces clients.
 */
export const UNBUDGETED_USER_LIMITS: UserLimits = {
	connections: 1_000_000,
	updateBytesPerSec: 1e12,
	updateBytesBurst: 1e12,
	updatesPerSec: 1e9,
	updatesBurst: 1e9,
	fullSyncsPerMin: 1e9,
	fullSyncsBurst: 1e9,
	docSyncsPerSec: 1e9,
	docSyncsBurst: 1e9,
	storedBytesPerDay: 1e15
};

/** Why an update was refused: over a rate (retry soon) or over the day's storage (retry tomorrow). */
export type UpdateRefusal = { code: 'rate_limited'; message: string } | { code: 'quota_exceeded'; message: string };

const DAY_MS = 24 * 60 * 60 * 1000;

interface Budget {
	connections: number;
	bytes: RateLimiter;
	updates: RateLimiter;
	fullSyncs: RateLimiter;
	docSyncs: RateLimiter;
	day: number;
	storedToday: number;
	/** The user's last write queued: one at a time, each in its own event-loop turn. */
	writes: Promise<void>;
}

export class UserBudgets {
	private readonly users = new Map<UserId, Budget>();

	constructor(
		readonly limits: UserLimits = DEFAULT_USER_LIMITS,
		/** Wall clock for the day of the storage quota. */
		private readonly clock: () => number = Date.now
	) {}

	private of(userId: UserId): Budget {
		let b = this.users.get(userId);
		if (!b) {
			const l = this.limits;
			b = {
				connections: 0,
				bytes: new RateLimiter({ ratePerSec: l.updateBytesPerSec, burst: l.updateBytesBurst }),
				updates: new RateLimiter({ ratePerSec: l.updatesPerSec, burst: l.updatesBurst }),
				fullSyncs: new RateLimiter({ ratePerSec: l.fullSyncsPerMin / 60, burst: l.fullSyncsBurst }),
				docSyncs: new RateLimiter({ ratePerSec: l.docSyncsPerSec, burst: l.docSyncsBurst }),
				day: Math.floor(this.clock() / DAY_MS),
				storedToday: 0,
				writes: Promise.resolve()
			};
			this.users.set(userId, b);
		}
		return b;
	}

	/** Whether another socket of the user fits. */
	canConnect(userId: UserId): boolean {
		return (this.users.get(userId)?.connections ?? 0) < this.limits.connections;
	}

	/** Counts a socket in; false (nothing counted) when the user already has the most allowed. */
	connect(userId: UserId): boolean {
		const b = this.of(userId);
		if (b.connections >= this.limits.connections) return false;
		b.connections++;
		return true;
	}

	disconnect(userId: UserId): void {
		const b = this.users.get(userId);
		if (b && b.connections > 0) b.connections--;
	}

	/** Takes one update of `bytes` from the user's budgets, or says why not. */
	takeUpdate(userId: UserId, bytes: number): UpdateRefusal | null {
		const b = this.of(userId);
		const day = Math.floor(this.clock() / DAY_MS);
		if (day !== b.day) {
			b.day = day;
			b.storedToday = 0;
		}
		if (b.storedToday + bytes > this.limits.storedBytesPerDay) {
			const mb = Math.round(this.limits.storedBytesPerDay / (1024 * 1024));
			return { code: 'quota_exceeded', message: `You have sent ${mb} MB of changes today, the daily limit; new changes wait on this device until tomorrow (UTC).` };
		}
		if (!b.updates.take()) return { code: 'rate_limited', message: 'Too many updates from your account; slow down.' };
		if (!b.bytes.take(Math.min(bytes, this.limits.updateBytesBurst))) return { code: 'rate_limited', message: 'Too many bytes of updates from your account; slow down.' };
		b.storedToday += bytes;
		return null;
	}

	/**
	 * Runs a user's writes one at a time, each in its own event-loop turn: eight sockets of large
	 * updates cost the others one update's validation at a time, not eight at once.
	 */
	inTurn<T>(userId: UserId, fn: () => Promise<T>): Promise<T> {
		const b = this.of(userId);
		this.#writesWaiting++;
		const run = b.writes.then(() => new Promise<void>((r) => setImmediate(r))).then(fn);
		const done = () => {
			this.#writesWaiting--;
		};
		b.writes = run.then(done, done);
		return run;
	}

	#writesWaiting = 0;

	/** Writes queued or running in `inTurn`, over all users (tests wait for 0: every frame handled). */
	get writesWaiting(): number {
		return this.#writesWaiting;
	}

	/** A full catch-up (every visible document); false when the user had too many this minute. */
	takeFullSync(userId: UserId): boolean {
		return this.of(userId).fullSyncs.take();
	}

	/** Seconds until the next full catch-up is allowed. */
	fullSyncRetryAfterSec(userId: UserId): number {
		return Math.max(1, Math.ceil(this.of(userId).fullSyncs.retryAfterMs() / 1000));
	}

	/** One document asked for (SYNC step 1); false when over the rate. */
	takeDocSync(userId: UserId): boolean {
		return this.of(userId).docSyncs.take();
	}

	/** Milliseconds until the next document sync is allowed. */
	docSyncRetryAfterMs(userId: UserId): number {
		return this.of(userId).docSyncs.retryAfterMs();
	}
}
