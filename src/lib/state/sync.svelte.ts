/**
 * SPEC S9.5: the sync state the UI always shows (online / connecting / offline, and the number
 * of local changes the server has not acknowledged), mirrored from the replica.
 */
import type { Replica, SyncStatus } from '../sync/replica';
import type { ConnectionState, SyncApi } from './api';

export class SyncState implements SyncApi {
	state = $state<ConnectionState>('offline');
	unacked = $state(0);
	catchingUp = $state(false);
	/** No catch-up has completed on this device yet: the first sync after a first login. */
	firstSync = $state(false);
	lastError = $state<string | null>(null);

	/** Follows the replica until the returned function is called. */
	attach(replica: Replica): () => void {
		const apply = (s: SyncStatus) => {
			this.state = s.state;
			this.unacked = s.unacked;
			this.catchingUp = s.catchingUp;
			this.lastError = s.lastError;
			this.firstSync = replica.lastSeq === 0;
		};
		apply(replica.status);
		return replica.onStatus(apply);
	}

	reset(): void {
		this.state = 'offline';
		this.unacked = 0;
		this.catchingUp = false;
		this.firstSync = false;
		this.lastError = null;
	}
}
