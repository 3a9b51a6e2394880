/**
 * The open connections, and how access changes reach them. When a contact's access changes
 * (reassignment, team change, block), each /sync connection whose verdict flipped gets GRANT or
 * REVOKE; when the directory changes (role, restriction, teams, deactivation), each connection
 * recomputes its user's predicate and gets the difference over every contact, or is closed when
 * the user lost access altogether. /yjs connections that may no longer see their document are
 * closed. All of this runs synchronously inside the write path, before the update is published,
 * so no byte of a revoked document is sent after its revocation.
 */
import type { DocId, UserId } from '../../src/lib/domain/types';
import { CLOSE_GOING_AWAY, CLOSE_UNAUTHORIZED, type SyncConnection } from './connection';
import type { AccessChange, Visibility } from './visibility';
import { CLOSE_FORBIDDEN, type YjsConnection } from './yjs-endpoint';

export class Hub {
	private readonly sync = new Set<SyncConnection>();
	private readonly yjs = new Set<YjsConnection>();

	constructor(private readonly visibility: Visibility) {}

	get connectionCount(): number {
		return this.sync.size + this.yjs.size;
	}

	// One forgetter per hub, not a closure per connection (see SyncConnection's "Memory").
	private readonly forgetSync = (conn: SyncConnection): void => void this.sync.delete(conn);
	private readonly forgetYjs = (conn: YjsConnection): void => void this.yjs.delete(conn);

	addSync(conn: SyncConnection): void {
		this.sync.add(conn);
		conn.onClose = this.forgetSync;
	}

	addYjs(conn: YjsConnection): void {
		this.yjs.add(conn);
		conn.onClose = this.forgetYjs;
	}

	onAccessChange(change: AccessChange): void {
		for (const conn of this.sync) {
			const before = change.before !== undefined && conn.seesTarget(change.before);
			const after = conn.seesTarget(change.after);
			if (before === after) continue;
			if (after) conn.grant(change.docId);
			else conn.revoke(change.docId, change.after.blocked && !change.before?.blocked ? 'blocked' : 'reassigned');
		}
		this.recheckYjs((docId) => docId === change.docId);
	}

	onDirectoryChanged(): void {
		for (const conn of [...this.sync]) {
			const previous = new Map<DocId, boolean>();
			for (const d of this.visibility.contactDocIds()) previous.set(d, conn.canSee(d));
			if (!conn.refreshPredicate()) {
				conn.close(CLOSE_UNAUTHORIZED, 'access ended');
				continue;
			}
			for (const [d, was] of previous) {
				const now = conn.canSee(d);
				if (now && !was) conn.grant(d);
				else if (!now && was) conn.revoke(d, 'restricted');
			}
		}
		this.recheckYjs(() => true);
	}

	/** Closes every connection of a user (tokens revoked, password changed, deleted). */
	closeUser(userId: UserId, reason: string): void {
		for (const conn of [...this.sync]) if (conn.userId === userId) conn.close(CLOSE_UNAUTHORIZED, reason);
		for (const conn of [...this.yjs]) if (conn.userId === userId) conn.close(CLOSE_UNAUTHORIZED, reason);
	}

	closeAll(): void {
		for (const conn of [...this.sync]) conn.close(CLOSE_GOING_AWAY, 'server shutting down');
		for (const conn of [...this.yjs]) conn.close(CLOSE_GOING_AWAY, 'server shutting down');
	}

	private recheckYjs(affects: (docId: DocId) => boolean): void {
		for (const conn of [...this.yjs]) {
			if (affects(conn.docId) && !conn.canSee()) conn.close(CLOSE_FORBIDDEN, 'you may no longer see this document');
		}
	}
}
