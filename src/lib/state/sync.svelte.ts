/**
 * SPEC S9.5: the sync state the UI always shows (online / connecting / offline, and the number
 * of local changes the server has not acknowledged), mirrored from the replica.
 */
import type { Replica, SyncStatus } from '../sync/replica';
import type { ConnectionState, OfflineProgressView, PendingEntryState, SyncApi } from './api';

export class SyncState implements SyncApi {
	state = $state<ConnectionState>('offline');
	unacked = $state(0);
	entries = $state.raw<ReadonlyMap<string, PendingEntryState>>(new Map());
	#retry: (() => void) | null = null;
	catchingUp = $state(false);
	/** No catch-up has completed on this device yet: the first sync after a first login. */
	firstSync = $state(false);
	lastError = $state<string | null>(null);
	outdated = $state(false);
	/** Issue 26: the bootstrap's progress while a first login makes conversations available offline. */
	offline = $state.raw<OfflineProgressView | null>(null);

	/** Follows the replica until the returned function is called. */
	attach(replica: Replica): () => void {
		const apply = (s: SyncStatus) => {
			this.state = s.state;
			this.unacked = s.unacked;
			if (s.entries !== this.entries && (s.entries.size > 0 || this.entries.size > 0)) this.entries = s.entries;
			this.catchingUp = s.catchingUp;
			this.lastError = s.lastError;
			this.outdated = s.outdated ?? false;
			this.firstSync = replica.lastSeq === 0;
			const o = s.offline ?? null;
			if (o?.phase !== this.offline?.phase || o?.done !== this.offline?.done || o?.received !== this.offline?.received || o?.total !== this.offline?.total) this.offline = o;
		};
		apply(replica.status);
		this.#retry = () => replica.retryNow();
		const off = replica.onStatus(apply);
		return () => {
			off();
			this.#retry = null;
		};
	}

	entryState(entryId: string): PendingEntryState | null {
		return this.entries.get(entryId) ?? null;
	}

	retry(): void {
		this.#retry?.();
	}

	reset(): void {
		this.state = 'offline';
		this.unacked = 0;
		this.entries = new Map();
		this.catchingUp = false;
		this.firstSync = false;
		this.lastError = null;
		this.offline = null;
	}
}
