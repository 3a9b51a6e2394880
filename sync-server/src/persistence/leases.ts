/**
 * Store role: leases and exclusive sections, for work that runs once per workspace however many
 * server processes serve it (snooze wake-ups, channel outbox dispatch; see `scheduler/lease.ts`).
 * A lease is held by one holder until it expires; the holder renews it well before. A holder
 * that dies stops renewing and another takes the lease over once it has expired.
 * SQLite serves one process: its leases live in memory. PostgreSQL keeps them in a table, with
 * the database's clock (the processes' clocks may disagree).
 */
export interface Leases {
	/**
	 * Takes the lease `name` for `holder` for `ttlMs` when it is free, expired or already held by
	 * `holder` (a renewal). True when `holder` holds it on return.
	 */
	acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
	/** Gives the lease up (only when `holder` holds it), so another process may take it at once. */
	releaseLease(name: string, holder: string): Promise<void>;
	/** Runs `fn` while no other process runs an exclusive section of the same name (first start's seeding). */
	exclusive<T>(name: string, fn: () => Promise<T>): Promise<T>;
}
