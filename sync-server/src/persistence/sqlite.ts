/**
 * SQLite implementation of `Store` (better-sqlite3, one file per workspace).
 *
 * Durability: WAL journal, `synchronous = NORMAL` by default: a commit is a write to the WAL,
 * which survives a crash of the process (SIGKILL, OOM kill) but not necessarily power loss or an
 * OS crash. What exists nowhere else is committed with `synchronous = FULL` for its transaction
 * (the WAL is fsynced before the append resolves): appends that are not `replicated` (channel
 * messages, server-written changes) and inbound claims, so a customer's message acknowledged to
 * its channel survives power loss. Agents' updates are `replicated` (the writer's browser keeps
 * them) and are acked after the WAL write without the fsync, which costs 0.2-0.5 ms on these
 * machines and, better-sqlite3 being synchronous, would stall every connection while it runs.
 * Appends arriving together share one transaction (group commit): those of one microtask run
 * when no fsync is due, those of one event-loop turn when one is. `synchronous: 'FULL'` fsyncs
 * every commit.
 *
 * Unclean stop: the store marks itself open in meta (`store.open`, fsynced) and clean on close.
 * A store found still marked open may have lost its last commits, and with them sequence numbers
 * that clients have already seen and SQLite would hand out again. So the counter skips
 * `SEQ_GAP` numbers and the skipped range is recorded: a client whose lastSeq falls in it syncs
 * in full (`seqMayBeLost`) instead of being caught up from a number that now means nothing.
 *
 * Sequence numbers come from `updates.seq INTEGER PRIMARY KEY AUTOINCREMENT`, which SQLite
 * never reuses, even when compaction deletes rows.
 */
import Database from 'better-sqlite3';
import type { ContactId, DocId, UserId } from '../../../src/lib/domain/types';
import type {
	AppendOptions,
	AppendResult,
	AuditEvent,
	LinkRecord,
	ChangedDoc,
	CompactResult,
	ContactKey,
	DocAccess,
	InboundRecord,
	MergeUpdates,
	OutboxPatch,
	OutboxRow,
	RefreshTokenRecord,
	Store,
	StoredDoc,
	StoredUpdate,
	UserAuth,
	VisitorSession
} from './store';
import { SqliteWorkflowStore, type WorkflowStore } from './workflow-store';
import { OUTBOX_COLUMNS, toAudit, toBytes, toLink, toOutbox, toUser, type AuditRow, type LinkRow, type OutboxDbRow, type UserRow } from './rows';

export const OPEN_KEY = 'store.open';
const LOST_SEQS_KEY = 'store.lostSeqs';
/** Sequence numbers skipped after an unclean stop: far more than a lost WAL tail could hold. */
export const SEQ_GAP = 1_000_000;

const MIGRATIONS: readonly string[] = [
	`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
	 CREATE TABLE updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, data BLOB NOT NULL);
	 CREATE INDEX updates_doc ON updates (doc_id, seq);
	 CREATE TABLE update_ids (doc_id TEXT NOT NULL, update_id TEXT NOT NULL, seq INTEGER NOT NULL,
	   PRIMARY KEY (doc_id, update_id)) WITHOUT ROWID;
	 CREATE TABLE doc_access (doc_id TEXT PRIMARY KEY, assignee_id TEXT, team_id TEXT,
	   blocked INTEGER NOT NULL, seq INTEGER NOT NULL);
	 CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE,
	   password_hash TEXT NOT NULL, token_version INTEGER NOT NULL DEFAULT 0);
	 CREATE TABLE refresh_tokens (hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, family_id TEXT NOT NULL,
	   expires_at INTEGER NOT NULL, revoked_at INTEGER, replaced_by TEXT);
	 CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
	 CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
	 CREATE TABLE channel_secrets (channel_id TEXT PRIMARY KEY, secret TEXT NOT NULL);`,
	// Channels: visitor sessions, inbound idempotency, the contact lookup index, the outbox.
	`CREATE TABLE visitor_sessions (token_hash TEXT PRIMARY KEY, channel_id TEXT NOT NULL, contact_id TEXT NOT NULL,
	   name TEXT NOT NULL, created_at INTEGER NOT NULL);
	 CREATE TABLE inbound_messages (channel_id TEXT NOT NULL, message_id TEXT NOT NULL, contact_id TEXT NOT NULL,
	   entry_id TEXT NOT NULL, created_contact INTEGER NOT NULL, at INTEGER NOT NULL,
	   PRIMARY KEY (channel_id, message_id)) WITHOUT ROWID;
	 CREATE TABLE contact_keys (kind TEXT NOT NULL, value TEXT NOT NULL, contact_id TEXT NOT NULL,
	   PRIMARY KEY (kind, value)) WITHOUT ROWID;
	 CREATE INDEX contact_keys_contact ON contact_keys (contact_id);
	 CREATE TABLE outbox (doc_id TEXT NOT NULL, entry_id TEXT NOT NULL, channel_id TEXT NOT NULL, payload TEXT NOT NULL,
	   state TEXT NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL, last_error TEXT,
	   created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (doc_id, entry_id)) WITHOUT ROWID;
	 CREATE INDEX outbox_due ON outbox (state, next_at);
	 CREATE INDEX outbox_channel ON outbox (channel_id, entry_id);`,
	// Sessions: the rotation grace window (a refresh token's sealed successor) and ended sessions.
	`ALTER TABLE refresh_tokens ADD COLUMN successor TEXT;
	 CREATE TABLE revoked_sessions (session_id TEXT PRIMARY KEY, until INTEGER NOT NULL) WITHOUT ROWID;`,
	// Settings (issue 20): one-time links (invitations, password resets) and the audit trail.
	`CREATE TABLE links (hash TEXT PRIMARY KEY, kind TEXT NOT NULL, email TEXT NOT NULL, user_id TEXT, payload TEXT NOT NULL,
	   created_by TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER) WITHOUT ROWID;
	 CREATE TABLE audit (id TEXT PRIMARY KEY, at INTEGER NOT NULL, actor_id TEXT, action TEXT NOT NULL, target_id TEXT,
	   detail TEXT NOT NULL);
	 CREATE INDEX audit_at ON audit (at);`
];

interface PendingAppend {
	docId: DocId;
	update: Uint8Array;
	updateId: string | undefined;
	replicated: boolean;
	expectDocSeq: number | undefined;
	catchUp: ((rows: StoredUpdate[]) => boolean) | undefined;
	resolve(result: AppendResult): void;
	reject(err: unknown): void;
}

interface RefreshRow {
	hash: string;
	user_id: string;
	family_id: string;
	expires_at: number;
	revoked_at: number | null;
	replaced_by: string | null;
	successor: string | null;
}

interface AccessRow {
	doc_id: string;
	assignee_id: string | null;
	team_id: string | null;
	blocked: number;
	seq: number;
}

export interface SqliteStoreOptions {
	/** `synchronous` pragma; NORMAL by default (see "Durability"). */
	synchronous?: 'FULL' | 'NORMAL' | 'OFF';
}

export class SqliteStore implements Store {
	readonly kind = 'sqlite';
	private readonly db: Database.Database;
	private pending: PendingAppend[] = [];
	private pendingClaims: Array<{
		rec: InboundRecord;
		resolve(r: { record: InboundRecord; existed: boolean }): void;
		reject(err: unknown): void;
	}> = [];
	private flushScheduled = false;
	private readonly synchronous: 'FULL' | 'NORMAL' | 'OFF';
	/** Ranges of sequence numbers skipped after unclean stops (see "Unclean stop"). */
	private lostSeqs: Array<[number, number]> = [];
	private markedOpen = false;
	private closed = false;
	private readonly statements = new Map<string, Database.Statement>();

	constructor(file: string, opts: SqliteStoreOptions = {}) {
		this.db = new Database(file);
		this.db.pragma('journal_mode = WAL');
		this.synchronous = opts.synchronous ?? 'NORMAL';
		this.db.pragma(`synchronous = ${this.synchronous}`);
		this.db.pragma('busy_timeout = 5000');
		this.db.pragma('foreign_keys = ON');
	}

	/** Prepared statements are cached: preparing costs more than running most of these. */
	private stmt(sql: string): Database.Statement {
		let s = this.statements.get(sql);
		if (!s) {
			s = this.db.prepare(sql);
			this.statements.set(sql, s);
		}
		return s;
	}

	async migrate(): Promise<void> {
		this.db.exec('CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
		const row = this.db.prepare('SELECT MAX(version) AS v FROM migrations').get() as { v: number | null };
		const current = row.v ?? 0;
		for (let v = current; v < MIGRATIONS.length; v++) {
			this.commit(true, () => {
				this.db.exec(MIGRATIONS[v]!);
				this.db.prepare('INSERT INTO migrations (version, applied_at) VALUES (?, ?)').run(v + 1, Date.now());
			});
		}
		this.markOpen();
	}

	/** See "Unclean stop". Once per instance: `migrate` may run again on an open store. */
	private markOpen(): void {
		if (this.markedOpen) return;
		this.markedOpen = true;
		this.lostSeqs = JSON.parse(this.readMeta(LOST_SEQS_KEY) ?? '[]') as Array<[number, number]>;
		this.commit(true, () => {
			if (this.readMeta(OPEN_KEY) === '1') {
				const head = this.head();
				this.stmt("DELETE FROM sqlite_sequence WHERE name = 'updates'").run();
				this.stmt("INSERT INTO sqlite_sequence (name, seq) VALUES ('updates', ?)").run(head + SEQ_GAP);
				this.lostSeqs.push([head + 1, head + SEQ_GAP]);
				this.writeMeta(LOST_SEQS_KEY, JSON.stringify(this.lostSeqs));
			}
			this.writeMeta(OPEN_KEY, '1');
		});
	}

	appendUpdate(docId: DocId, update: Uint8Array, updateId?: string, options: AppendOptions = {}): Promise<AppendResult> {
		if (this.closed) return Promise.reject(new Error('store closed'));
		return new Promise((resolve, reject) => {
			const replicated = options.replicated === true;
			this.pending.push({ docId, update, updateId, replicated, expectDocSeq: options.expectDocSeq, catchUp: options.catchUp, resolve, reject });
			if (!this.flushScheduled) {
				this.flushScheduled = true;
				// An fsync is worth sharing: such appends wait for the end of this event-loop turn.
				// A WAL write is not: waiting a turn would only add latency to the ack and relay.
				if (this.synchronous === 'FULL' || !replicated) setImmediate(() => this.flush());
				else queueMicrotask(() => this.flush());
			}
		});
	}

	async seqMayBeLost(seq: number): Promise<boolean> {
		return this.lostSeqs.some(([from, to]) => seq >= from && seq <= to);
	}

	/**
	 * Runs `fn` in one transaction; with `fsync`, one that reaches the disk before it returns
	 * even when the store runs at NORMAL (see "Durability").
	 */
	private commit<T>(fsync: boolean, fn: () => T): T {
		return this.durably(fsync, this.db.transaction(fn));
	}

	/** Runs the transaction function `tx`, fsynced when `fsync` (see `commit`). */
	private durably<T>(fsync: boolean, tx: () => T): T {
		if (!fsync || this.synchronous !== 'NORMAL') return tx();
		this.db.pragma('synchronous = FULL');
		try {
			return tx();
		} finally {
			this.db.pragma('synchronous = NORMAL');
		}
	}

	/** The group commit's transaction, made once: wrapping a function per flush costs more than its insert. */
	private appendTx: ((batch: PendingAppend[]) => AppendResult[]) | null = null;

	private appendBatch(batch: PendingAppend[]): AppendResult[] {
		if (!this.appendTx) {
			const findId = this.stmt('SELECT seq FROM update_ids WHERE doc_id = ? AND update_id = ?');
			const insert = this.stmt('INSERT INTO updates (doc_id, data) VALUES (?, ?)');
			const insertId = this.stmt('INSERT INTO update_ids (doc_id, update_id, seq) VALUES (?, ?, ?)');
			const docHead = this.stmt('SELECT MAX(seq) AS seq FROM updates WHERE doc_id = ?');
			const docRows = this.stmt('SELECT seq, data FROM updates WHERE doc_id = ? AND seq > ? ORDER BY seq');
			this.appendTx = this.db.transaction((pending: PendingAppend[]) =>
				pending.map((p): AppendResult => {
					if (p.updateId !== undefined) {
						const found = findId.get(p.docId, p.updateId) as { seq: number } | undefined;
						if (found) return { seq: found.seq, duplicate: true };
					}
					if (p.expectDocSeq !== undefined) {
						const head = (docHead.get(p.docId) as { seq: number | null }).seq ?? 0;
						if (head !== p.expectDocSeq) {
							const rows = (docRows.all(p.docId, p.expectDocSeq) as Array<{ seq: number; data: Buffer }>).map((r) => ({ seq: r.seq, update: toBytes(r.data) }));
							if (!p.catchUp?.(rows)) return { seq: 0, duplicate: false, conflict: true };
						}
					}
					const seq = Number(insert.run(p.docId, p.update).lastInsertRowid);
					if (p.updateId !== undefined) insertId.run(p.docId, p.updateId, seq);
					return { seq, duplicate: false };
				})
			);
		}
		return this.appendTx(batch);
	}

	/** Commits every pending append in one transaction (group commit). */
	private flush(): void {
		this.flushScheduled = false;
		const batch = this.pending;
		this.pending = [];
		if (batch.length === 0) return;
		let results: AppendResult[];
		try {
			results = this.durably(
				batch.some((p) => !p.replicated),
				() => this.appendBatch(batch)
			);
		} catch (err) {
			for (const p of batch) p.reject(err);
			return;
		}
		batch.forEach((p, i) => p.resolve(results[i]!));
	}

	async findUpdateId(docId: DocId, updateId: string): Promise<number | null> {
		const row = this.stmt('SELECT seq FROM update_ids WHERE doc_id = ? AND update_id = ?').get(docId, updateId) as
			| { seq: number }
			| undefined;
		return row?.seq ?? null;
	}

	async loadDoc(docId: DocId): Promise<StoredDoc | null> {
		const rows = this.stmt('SELECT seq, data FROM updates WHERE doc_id = ? ORDER BY seq').all(docId) as Array<{
			seq: number;
			data: Buffer;
		}>;
		if (rows.length === 0) return null;
		return { updates: rows.map((r) => toBytes(r.data)), seq: rows[rows.length - 1]!.seq };
	}

	async updatesSince(docId: DocId, afterSeq: number): Promise<StoredUpdate[]> {
		const rows = this.stmt('SELECT seq, data FROM updates WHERE doc_id = ? AND seq > ? ORDER BY seq').all(docId, afterSeq) as Array<{
			seq: number;
			data: Buffer;
		}>;
		return rows.map((r) => ({ seq: r.seq, update: toBytes(r.data) }));
	}

	async changedSince(seq: number): Promise<ChangedDoc[]> {
		const rows = this.stmt('SELECT doc_id AS docId, MAX(seq) AS seq FROM updates WHERE seq > ? GROUP BY doc_id ORDER BY seq')
			.all(seq) as ChangedDoc[];
		return rows;
	}

	async headSeq(): Promise<number> {
		return this.head();
	}

	private head(): number {
		const row = this.stmt("SELECT seq FROM sqlite_sequence WHERE name = 'updates'").get() as { seq: number } | undefined;
		return row?.seq ?? 0;
	}

	async countUpdates(docId: DocId): Promise<number> {
		const row = this.stmt('SELECT COUNT(*) AS n FROM updates WHERE doc_id = ?').get(docId) as { n: number };
		return row.n;
	}

	async docsNeedingCompaction(minUpdates: number, limit: number): Promise<DocId[]> {
		const rows = this.stmt('SELECT doc_id FROM updates GROUP BY doc_id HAVING COUNT(*) > ? ORDER BY COUNT(*) DESC LIMIT ?')
			.all(minUpdates, limit) as Array<{ doc_id: string }>;
		return rows.map((r) => r.doc_id as DocId);
	}

	async compact(docId: DocId, merge: MergeUpdates): Promise<CompactResult> {
		// Synchronous from read to write: no append can interleave, so nothing is lost.
		return this.db.transaction((): CompactResult => {
			const rows = this.stmt('SELECT seq, data FROM updates WHERE doc_id = ? ORDER BY seq').all(docId) as Array<{
				seq: number;
				data: Buffer;
			}>;
			const last = rows[rows.length - 1];
			if (!last || rows.length < 2) return { merged: 0, seq: last?.seq ?? 0 };
			const merged = merge(rows.map((r) => toBytes(r.data)));
			this.stmt('DELETE FROM updates WHERE doc_id = ? AND seq <= ?').run(docId, last.seq);
			this.stmt('INSERT INTO updates (seq, doc_id, data) VALUES (?, ?, ?)').run(last.seq, docId, merged);
			return { merged: rows.length, seq: last.seq };
		})();
	}

	async putAccess(records: readonly DocAccess[]): Promise<void> {
		const put = this.stmt(
				`INSERT INTO doc_access (doc_id, assignee_id, team_id, blocked, seq) VALUES (?, ?, ?, ?, ?)
				 ON CONFLICT (doc_id) DO UPDATE SET assignee_id = excluded.assignee_id, team_id = excluded.team_id,
				 blocked = excluded.blocked, seq = excluded.seq`
			)
		this.db.transaction(() => {
			for (const a of records) put.run(a.docId, a.assigneeId, a.teamId, a.blocked ? 1 : 0, a.seq);
		})();
	}

	async listAccess(): Promise<DocAccess[]> {
		const rows = this.stmt('SELECT * FROM doc_access').all() as AccessRow[];
		return rows.map((r) => ({
			docId: r.doc_id as DocId,
			assigneeId: r.assignee_id as UserId | null,
			teamId: r.team_id,
			blocked: r.blocked === 1,
			seq: r.seq
		}));
	}

	async createUser(u: UserAuth): Promise<void> {
		this.stmt('INSERT INTO users (id, email, password_hash, token_version) VALUES (?, ?, ?, ?)')
			.run(u.id, u.email, u.passwordHash, u.tokenVersion);
	}

	async getUserById(id: UserId): Promise<UserAuth | null> {
		const row = this.stmt('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
		return row ? toUser(row) : null;
	}

	async getUserByEmail(email: string): Promise<UserAuth | null> {
		const row = this.stmt('SELECT * FROM users WHERE email = ?').get(email) as UserRow | undefined;
		return row ? toUser(row) : null;
	}

	async updateUser(id: UserId, patch: Partial<Omit<UserAuth, 'id'>>): Promise<void> {
		const cur = await this.getUserById(id);
		if (!cur) return;
		const next = { ...cur, ...patch };
		this.stmt('UPDATE users SET email = ?, password_hash = ?, token_version = ? WHERE id = ?')
			.run(next.email, next.passwordHash, next.tokenVersion, id);
	}

	async deleteUser(id: UserId): Promise<void> {
		this.db.transaction(() => {
			this.stmt('DELETE FROM refresh_tokens WHERE user_id = ?').run(id);
			this.stmt('DELETE FROM users WHERE id = ?').run(id);
		})();
	}

	async insertRefreshToken(r: RefreshTokenRecord): Promise<void> {
		this.stmt(
				'INSERT INTO refresh_tokens (hash, user_id, family_id, expires_at, revoked_at, replaced_by) VALUES (?, ?, ?, ?, ?, ?)'
			)
			.run(r.hash, r.userId, r.familyId, r.expiresAt, r.revokedAt, r.replacedBy);
	}

	async getRefreshToken(hash: string): Promise<RefreshTokenRecord | null> {
		const r = this.stmt('SELECT * FROM refresh_tokens WHERE hash = ?').get(hash) as RefreshRow | undefined;
		if (!r) return null;
		return {
			hash: r.hash,
			userId: r.user_id as UserId,
			familyId: r.family_id,
			expiresAt: r.expires_at,
			revokedAt: r.revoked_at,
			replacedBy: r.replaced_by,
			successor: r.successor
		};
	}

	async revokeRefreshToken(hash: string, at: number, replacedBy?: string): Promise<boolean> {
		const res = this.stmt('UPDATE refresh_tokens SET revoked_at = ?, replaced_by = ? WHERE hash = ? AND revoked_at IS NULL')
			.run(at, replacedBy ?? null, hash);
		return res.changes === 1;
	}

	async revokeRefreshFamily(familyId: string, at: number): Promise<void> {
		this.stmt('UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL').run(at, familyId);
	}

	async revokeRefreshTokensOfUser(userId: UserId, at: number): Promise<void> {
		this.stmt('UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(at, userId);
	}

	async rotateRefreshToken(oldHash: string, at: number, next: RefreshTokenRecord, sealedSuccessor: string): Promise<boolean> {
		return this.db.transaction(() => {
			const res = this.stmt('UPDATE refresh_tokens SET revoked_at = ?, replaced_by = ?, successor = ? WHERE hash = ? AND revoked_at IS NULL')
				.run(at, next.hash, sealedSuccessor, oldHash);
			if (res.changes !== 1) return false;
			this.stmt('INSERT INTO refresh_tokens (hash, user_id, family_id, expires_at, revoked_at, replaced_by) VALUES (?, ?, ?, ?, ?, ?)')
				.run(next.hash, next.userId, next.familyId, next.expiresAt, next.revokedAt, next.replacedBy);
			return true;
		})();
	}

	async revokeSession(sessionId: string, until: number, now: number): Promise<void> {
		this.db.transaction(() => {
			this.stmt('DELETE FROM revoked_sessions WHERE until <= ?').run(now);
			this.stmt('INSERT INTO revoked_sessions (session_id, until) VALUES (?, ?) ON CONFLICT (session_id) DO UPDATE SET until = MAX(until, excluded.until)')
				.run(sessionId, until);
		})();
	}

	async isSessionRevoked(sessionId: string, now: number): Promise<boolean> {
		return this.stmt('SELECT 1 FROM revoked_sessions WHERE session_id = ? AND until > ?').get(sessionId, now) !== undefined;
	}

	async liveSessionsOf(userId: UserId, now: number): Promise<string[]> {
		const rows = this.stmt('SELECT DISTINCT family_id FROM refresh_tokens WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?').all(userId, now) as Array<{
			family_id: string;
		}>;
		return rows.map((r) => r.family_id);
	}

	async insertLink(l: LinkRecord): Promise<void> {
		this.stmt('INSERT INTO links (hash, kind, email, user_id, payload, created_by, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
			.run(l.hash, l.kind, l.email, l.userId, l.payload, l.createdBy, l.createdAt, l.expiresAt, l.usedAt);
	}

	async getLink(hash: string): Promise<LinkRecord | null> {
		const row = this.stmt('SELECT * FROM links WHERE hash = ?').get(hash) as LinkRow | undefined;
		return row ? toLink(row) : null;
	}

	async useLink(hash: string, at: number): Promise<boolean> {
		return this.stmt('UPDATE links SET used_at = ? WHERE hash = ? AND used_at IS NULL').run(at, hash).changes === 1;
	}

	async openInvites(now: number): Promise<LinkRecord[]> {
		const rows = this.stmt("SELECT * FROM links WHERE kind = 'invite' AND used_at IS NULL AND expires_at > ? ORDER BY created_at DESC").all(now) as LinkRow[];
		return rows.map(toLink);
	}

	async deleteLink(hash: string): Promise<void> {
		this.stmt('DELETE FROM links WHERE hash = ?').run(hash);
	}

	async appendAudit(e: AuditEvent): Promise<void> {
		this.stmt('INSERT INTO audit (id, at, actor_id, action, target_id, detail) VALUES (?, ?, ?, ?, ?, ?)').run(e.id, e.at, e.actorId, e.action, e.targetId, e.detail);
	}

	async listAudit(limit: number, before?: number): Promise<AuditEvent[]> {
		const rows = this.stmt('SELECT * FROM audit WHERE at < ? ORDER BY at DESC, id DESC LIMIT ?').all(before ?? Number.MAX_SAFE_INTEGER, limit) as AuditRow[];
		return rows.map(toAudit);
	}

	async setChannelSecret(channelId: string, secret: string): Promise<void> {
		this.stmt('INSERT INTO channel_secrets (channel_id, secret) VALUES (?, ?) ON CONFLICT (channel_id) DO UPDATE SET secret = excluded.secret')
			.run(channelId, secret);
	}

	async getChannelSecret(channelId: string): Promise<string | null> {
		const row = this.stmt('SELECT secret FROM channel_secrets WHERE channel_id = ?').get(channelId) as
			| { secret: string }
			| undefined;
		return row?.secret ?? null;
	}

	async deleteChannelSecret(channelId: string): Promise<void> {
		this.stmt('DELETE FROM channel_secrets WHERE channel_id = ?').run(channelId);
	}

	async putVisitorSession(v: VisitorSession): Promise<void> {
		this.stmt('INSERT INTO visitor_sessions (token_hash, channel_id, contact_id, name, created_at) VALUES (?, ?, ?, ?, ?)')
			.run(v.tokenHash, v.channelId, v.contactId, v.name, v.createdAt);
	}

	async getVisitorSession(tokenHash: string): Promise<VisitorSession | null> {
		const r = this.stmt('SELECT * FROM visitor_sessions WHERE token_hash = ?').get(tokenHash) as
			| { token_hash: string; channel_id: string; contact_id: string; name: string; created_at: number }
			| undefined;
		return r
			? { tokenHash: r.token_hash, channelId: r.channel_id, contactId: r.contact_id as ContactId, name: r.name, createdAt: r.created_at }
			: null;
	}

	/**
	 * Claims arriving in the same tick are committed together, like appends (one fsync per batch):
	 * a burst of inbound webhooks would otherwise pay one synchronous fsync each.
	 */
	claimInbound(rec: InboundRecord): Promise<{ record: InboundRecord; existed: boolean }> {
		if (this.closed) return Promise.reject(new Error('store closed'));
		return new Promise((resolve, reject) => {
			this.pendingClaims.push({ rec, resolve, reject });
			if (this.pendingClaims.length === 1) setImmediate(() => this.flushClaims());
		});
	}

	private flushClaims(): void {
		const batch = this.pendingClaims;
		this.pendingClaims = [];
		if (batch.length === 0) return;
		const find = this.stmt('SELECT * FROM inbound_messages WHERE channel_id = ? AND message_id = ?');
		const insert = this.stmt(
			'INSERT INTO inbound_messages (channel_id, message_id, contact_id, entry_id, created_contact, at) VALUES (?, ?, ?, ?, ?, ?)'
		);
		let results: Array<{ record: InboundRecord; existed: boolean }>;
		try {
			results = this.commit(true, () =>
				batch.map(({ rec }) => {
					const r = find.get(rec.channelId, rec.messageId) as
						| { channel_id: string; message_id: string; contact_id: string; entry_id: string; created_contact: number; at: number }
						| undefined;
					if (r) {
						const record: InboundRecord = {
							channelId: r.channel_id,
							messageId: r.message_id,
							contactId: r.contact_id as ContactId,
							entryId: r.entry_id,
							createdContact: r.created_contact === 1,
							at: r.at
						};
						return { record, existed: true };
					}
					insert.run(rec.channelId, rec.messageId, rec.contactId, rec.entryId, rec.createdContact ? 1 : 0, rec.at);
					return { record: rec, existed: false };
				})
			);
		} catch (err) {
			for (const p of batch) p.reject(err);
			return;
		}
		batch.forEach((p, i) => p.resolve(results[i]!));
	}

	async setContactKeys(contactId: ContactId, kinds: readonly string[], keys: readonly ContactKey[]): Promise<void> {
		const del = this.stmt('DELETE FROM contact_keys WHERE contact_id = ? AND kind = ?');
		const put = this.stmt(
			'INSERT INTO contact_keys (kind, value, contact_id) VALUES (?, ?, ?) ON CONFLICT (kind, value) DO UPDATE SET contact_id = excluded.contact_id'
		);
		this.db.transaction(() => {
			for (const kind of kinds) del.run(contactId, kind);
			for (const k of keys) put.run(k.kind, k.value, contactId);
		})();
	}

	async findContactByKey(kind: string, value: string): Promise<ContactId | null> {
		const r = this.stmt('SELECT contact_id FROM contact_keys WHERE kind = ? AND value = ?').get(kind, value) as { contact_id: string } | undefined;
		return (r?.contact_id as ContactId | undefined) ?? null;
	}

	async contactKeys(contactId: ContactId): Promise<ContactKey[]> {
		return this.stmt('SELECT kind, value FROM contact_keys WHERE contact_id = ? ORDER BY kind, value').all(contactId) as ContactKey[];
	}

	async enqueueOutbox(o: OutboxRow): Promise<boolean> {
		const res = this.stmt(
			`INSERT INTO outbox (doc_id, entry_id, channel_id, payload, state, attempts, next_at, last_error, created_at, updated_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (doc_id, entry_id) DO NOTHING`
		).run(o.docId, o.entryId, o.channelId, o.payload, o.state, o.attempts, o.nextAt, o.lastError, o.createdAt, o.updatedAt);
		return res.changes === 1;
	}

	async getOutbox(docId: DocId, entryId: string): Promise<OutboxRow | null> {
		const r = this.stmt('SELECT * FROM outbox WHERE doc_id = ? AND entry_id = ?').get(docId, entryId) as OutboxDbRow | undefined;
		return r ? toOutbox(r) : null;
	}

	async findOutbox(channelId: string, entryId: string): Promise<OutboxRow | null> {
		const r = this.stmt('SELECT * FROM outbox WHERE channel_id = ? AND entry_id = ? LIMIT 1').get(channelId, entryId) as OutboxDbRow | undefined;
		return r ? toOutbox(r) : null;
	}

	async dueOutbox(now: number, limit: number): Promise<OutboxRow[]> {
		const rows = this.stmt("SELECT * FROM outbox WHERE state = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ?").all(now, limit) as OutboxDbRow[];
		return rows.map(toOutbox);
	}

	async nextOutboxAt(): Promise<number | null> {
		const r = this.stmt("SELECT MIN(next_at) AS t FROM outbox WHERE state = 'pending'").get() as { t: number | null };
		return r.t;
	}

	async claimOutbox(docId: DocId, entryId: string, seenNextAt: number, until: number): Promise<boolean> {
		const res = this.stmt("UPDATE outbox SET next_at = ? WHERE doc_id = ? AND entry_id = ? AND state = 'pending' AND next_at = ?").run(
			until,
			docId,
			entryId,
			seenNextAt
		);
		return res.changes === 1;
	}

	async updateOutbox(docId: DocId, entryId: string, patch: OutboxPatch): Promise<void> {
		const keys = (Object.keys(patch) as Array<keyof OutboxPatch>).filter((k) => patch[k] !== undefined);
		if (keys.length === 0) return;
		const sql = `UPDATE outbox SET ${keys.map((k) => `${OUTBOX_COLUMNS[k]} = ?`).join(', ')} WHERE doc_id = ? AND entry_id = ?`;
		this.stmt(sql).run(...keys.map((k) => patch[k]!), docId, entryId);
	}

	/** The workflow role over this connection (`workflow-store.ts`). */
	workflowStore(): WorkflowStore {
		return new SqliteWorkflowStore(this.db);
	}

	/** One process serves a SQLite store: its leases live in memory (see `leases.ts`). */
	private readonly leases = new Map<string, { holder: string; until: number }>();
	private exclusiveTail = new Map<string, Promise<unknown>>();

	async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
		const cur = this.leases.get(name);
		const now = Date.now();
		if (cur && cur.holder !== holder && cur.until > now) return false;
		this.leases.set(name, { holder, until: now + ttlMs });
		return true;
	}

	async releaseLease(name: string, holder: string): Promise<void> {
		if (this.leases.get(name)?.holder === holder) this.leases.delete(name);
	}

	async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
		const prev = this.exclusiveTail.get(name) ?? Promise.resolve();
		const run = prev.then(fn, fn);
		this.exclusiveTail.set(name, run.catch(() => {}));
		return run;
	}

	async getMeta(key: string): Promise<string | null> {
		return this.readMeta(key);
	}

	async setMeta(key: string, value: string): Promise<void> {
		this.writeMeta(key, value);
	}

	async swapMeta(key: string, expected: string | null, value: string): Promise<boolean> {
		if (expected === null) return this.stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, value).changes === 1;
		return this.stmt('UPDATE meta SET value = ? WHERE key = ? AND value = ?').run(value, key, expected).changes === 1;
	}

	private readMeta(key: string): string | null {
		const row = this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
		return row?.value ?? null;
	}

	private writeMeta(key: string, value: string): void {
		this.stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.flush();
		this.flushClaims();
		this.closed = true;
		this.commit(true, () => this.writeMeta(OPEN_KEY, '0'));
		this.db.close();
	}
}
