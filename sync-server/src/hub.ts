/**
 * The open connections, and how access changes reach them. When a contact's access changes
 * (reassignment, team change, block), each /sync connection whose verdict flipped gets GRANT or
 * REVOKE; when the directory changes (role, restriction, teams, deactivation), each connection
 * recomputes its user's predicate and gets the difference over every contact, or is closed when
 * the user lost access altogether. /yjs connections that may no longer see their document are
 * closed. All of this runs synchronously inside the write path, before the update is published,
 * so no byte of a revoked document is sent after its revocation.
 *
 * Sessions (SPEC S1.9): every socket remembers the session and expiry of the token it opened
 * with. A socket whose token expires is closed with CLOSE_UNAUTHORIZED within
 * `EXPIRY_SWEEP_MS` (the client refreshes and reconnects); logout or refresh-token reuse
 * closes the sockets of that session, and a password, role or restriction change the user's
 * (`Auth.onEnded`), with the same code: the client's refresh then fails and it shows the login.
 * A user who lost the workspace (deactivated, deleted) is closed with CLOSE_FORBIDDEN.
 */
import type { DocId, UserId } from '../../src/lib/domain/types';
import { CLOSE_FORBIDDEN, CLOSE_GOING_AWAY, CLOSE_UNAUTHORIZED } from '../../src/lib/protocol/close';
import type { SyncConnection } from './connection';
import type { AccessChange, Visibility } from './visibility';
import type { YjsConnection } from './yjs-endpoint';
import type { AppliedUpdate, WriteHook } from './write-hooks';
import { parseDocId } from '../../src/lib/domain/ids';

/** What a socket's token said: its session and when it expires (ms since the epoch). */
export interface SocketSession {
	sessionId: string;
	expiresAt: number;
}

/** How often sockets are checked for expired tokens. */
export const EXPIRY_SWEEP_MS = 250;

type AnyConnection = SyncConnection | YjsConnection;

export class Hub implements WriteHook {
	private readonly sync = new Set<SyncConnection>();
	private readonly yjs = new Set<YjsConnection>();
	private readonly sessions = new Map<AnyConnection, SocketSession>();
	private sweep: ReturnType<typeof setInterval> | null = null;

	constructor(
		private readonly visibility: Visibility,
		private readonly clock: () => number = Date.now
	) {}

	/** Open sockets of a user (both endpoints). */
	connectionsOf(userId: UserId): number {
		let n = 0;
		for (const c of this.sessions.keys()) if (c.userId === userId) n++;
		return n;
	}

	get connectionCount(): number {
		return this.sync.size + this.yjs.size;
	}

	// One forgetter per hub, not a closure per connection (see SyncConnection's "Memory").
	private readonly forgetSync = (conn: SyncConnection): void => {
		this.sync.delete(conn);
		this.sessions.delete(conn);
	};
	private readonly forgetYjs = (conn: YjsConnection): void => {
		this.yjs.delete(conn);
		this.sessions.delete(conn);
	};

	addSync(conn: SyncConnection, session?: SocketSession): void {
		this.sync.add(conn);
		conn.onClose = this.forgetSync;
		this.track(conn, session);
	}

	addYjs(conn: YjsConnection, session?: SocketSession): void {
		this.yjs.add(conn);
		conn.onClose = this.forgetYjs;
		this.track(conn, session);
	}

	private track(conn: AnyConnection, session: SocketSession | undefined): void {
		if (!session) return;
		this.sessions.set(conn, session);
		this.sweep ??= setInterval(() => this.closeExpired(), EXPIRY_SWEEP_MS).unref();
	}

	/** Closes every socket whose token has expired. */
	closeExpired(): void {
		const now = this.clock();
		for (const [conn, s] of [...this.sessions]) if (s.expiresAt <= now) conn.close(CLOSE_UNAUTHORIZED, 'token expired');
	}

	/** Closes the sockets of one session (logout, refresh-token reuse). */
	closeSession(sessionId: string, reason: string): void {
		for (const [conn, s] of [...this.sessions]) if (s.sessionId === sessionId) conn.close(CLOSE_UNAUTHORIZED, reason);
	}

	/** Write hook, after the access index's (whose change of this update it reads). */
	afterApply({ docId }: AppliedUpdate): void {
		const kind = parseDocId(docId)?.kind;
		if (kind === 'dir') this.onDirectoryChanged();
		else if (kind === 'contact') {
			const change = this.visibility.lastAccessChange(docId);
			if (change) this.onAccessChange(change);
		}
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
				conn.close(CLOSE_FORBIDDEN, 'access ended');
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
		const code = this.visibility.user(userId)?.active ? CLOSE_UNAUTHORIZED : CLOSE_FORBIDDEN;
		for (const conn of [...this.sync]) if (conn.userId === userId) conn.close(code, reason);
		for (const conn of [...this.yjs]) if (conn.userId === userId) conn.close(code, reason);
	}

	closeAll(): void {
		if (this.sweep) clearInterval(this.sweep);
		this.sweep = null;
		for (const conn of [...this.sync]) conn.close(CLOSE_GOING_AWAY, 'server shutting down');
		for (const conn of [...this.yjs]) conn.close(CLOSE_GOING_AWAY, 'server shutting down');
	}

	private recheckYjs(affects: (docId: DocId) => boolean): void {
		for (const conn of [...this.yjs]) {
			if (affects(conn.docId) && !conn.canSee()) conn.close(CLOSE_FORBIDDEN, 'you may no longer see this document');
		}
	}
}
