/**
 * PostgreSQL implementation of `Store` (`pg`), selected by `DATABASE_URL`: one database per
 * workspace, shared by every server process of it (see ARCHITECTURE.md, "Server").
 *
 * Sequence numbers: one counter row (`seq_counter`), not a PostgreSQL SEQUENCE. A sequence hands
 * out numbers outside transactions, so with two writers number 11 can commit before number 10: a
 * process that reads `changedSince(9)` in between records 11 as its cursor and never sees 10. The
 * counter row is taken `FOR UPDATE` by each append transaction and held until its commit, so
 * numbers become visible in the order they were handed out, in every process: the delta
 * catch-up of one process is exact for writes of all. The cost is one writer transaction at a
 * time per workspace; each process batches the appends that arrive together into one
 * transaction (group commit, like `sqlite.ts`), so the lock is taken once per batch, not per
 * update. Per-document counters with a global cursor were the alternative: they spread writers
 * but a catch-up cursor over many counters has the same ordering problem per document and a
 * harder one across them; a workspace's write rate (people typing) is far below one commit per
 * millisecond, which is what the single counter allows. `npm run bench` prints the rate.
 *
 * Durability: each session runs with `synchronous_commit = on`, so an append resolves (and the
 * server acks) only after its commit is flushed to PostgreSQL's WAL. A number is only seen by
 * clients after that commit, and a rolled-back transaction leaves no number anyone saw: no
 * number is ever lost, so `seqMayBeLost` is truthfully false (unless the server runs with
 * `fsync = off`, which the store refuses to trust: then every number may be lost and clients
 * sync in full).
 *
 * Compaction takes a transaction advisory lock on the document (two processes never compact one
 * document at once) and deletes exactly the rows it read (`seq <= last`): a writer in another
 * process holds the counter lock, so its rows are numbered above every row compaction can read,
 * and are never touched by it. A delete that does not remove every row read rolls back.
 *
 * Migrations are versioned (`migrations` table) and run under a session advisory lock, so two
 * processes starting at once apply them once, the second waiting for the first.
 */
import pg from 'pg';
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
import { PostgresWorkflowStore, type WorkflowStore } from './workflow-store';
import { OUTBOX_COLUMNS, toAudit, toBytes, toLink, toOutbox, toUser, type AuditRow, type LinkRow, type OutboxDbRow, type UserRow } from './rows';

/** Advisory lock keys (first int of the two-int form): one namespace per use. */
const LOCK_MIGRATE = 0x5061726c; // 'Parl'
const LOCK_DOC = 0x50617264;
const LOCK_EXCLUSIVE = 0x50617278;
/** The database's clock in milliseconds (leases use it: the processes' clocks may disagree). */
const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

const MIGRATIONS: readonly string[] = [
	`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
	 CREATE TABLE seq_counter (id INT PRIMARY KEY, value BIGINT NOT NULL);
	 INSERT INTO seq_counter (id, value) VALUES (1, 0);
	 CREATE TABLE updates (seq BIGINT PRIMARY KEY, doc_id TEXT NOT NULL, data BYTEA NOT NULL);
	 CREATE INDEX updates_doc ON updates (doc_id, seq);
	 CREATE TABLE update_ids (doc_id TEXT NOT NULL, update_id TEXT NOT NULL, seq BIGINT NOT NULL,
	   PRIMARY KEY (doc_id, update_id));
	 CREATE TABLE doc_access (doc_id TEXT PRIMARY KEY, assignee_id TEXT, team_id TEXT,
	   blocked BOOLEAN NOT NULL, seq BIGINT NOT NULL);
	 CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL,
	   password_hash TEXT NOT NULL, token_version INT NOT NULL DEFAULT 0);
	 CREATE UNIQUE INDEX users_email ON users (lower(email));
	 CREATE TABLE refresh_tokens (hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, family_id TEXT NOT NULL,
	   expires_at BIGINT NOT NULL, revoked_at BIGINT, replaced_by TEXT);
	 CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
	 CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
	 CREATE TABLE channel_secrets (channel_id TEXT PRIMARY KEY, secret TEXT NOT NULL);
	 CREATE TABLE visitor_sessions (token_hash TEXT PRIMARY KEY, channel_id TEXT NOT NULL, contact_id TEXT NOT NULL,
	   name TEXT NOT NULL, created_at BIGINT NOT NULL);
	 CREATE TABLE inbound_messages (channel_id TEXT NOT NULL, message_id TEXT NOT NULL, contact_id TEXT NOT NULL,
	   entry_id TEXT NOT NULL, created_contact BOOLEAN NOT NULL, at BIGINT NOT NULL,
	   PRIMARY KEY (channel_id, message_id));
	 CREATE TABLE contact_keys (kind TEXT NOT NULL, value TEXT NOT NULL, contact_id TEXT NOT NULL,
	   PRIMARY KEY (kind, value));
	 CREATE INDEX contact_keys_contact ON contact_keys (contact_id);
	 CREATE TABLE outbox (doc_id TEXT NOT NULL, entry_id TEXT NOT NULL, channel_id TEXT NOT NULL, payload TEXT NOT NULL,
	   state TEXT NOT NULL, attempts INT NOT NULL, next_at BIGINT NOT NULL, last_error TEXT,
	   created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (doc_id, entry_id));
	 CREATE INDEX outbox_due ON outbox (state, next_at);
	 CREATE INDEX outbox_channel ON outbox (channel_id, entry_id);`,
	// Leases of once-per-workspace work (see `leases.ts`).
	`CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL);`,
	// Sessions: the rotation grace window (a refresh token's sealed successor) and ended sessions.
	`ALTER TABLE refresh_tokens ADD COLUMN successor TEXT;
	 CREATE TABLE revoked_sessions (session_id TEXT PRIMARY KEY, until BIGINT NOT NULL);`,
	// Settings (issue 20): one-time links (invitations, password resets) and the audit trail.
	`CREATE TABLE links (hash TEXT PRIMARY KEY, kind TEXT NOT NULL, email TEXT NOT NULL, user_id TEXT, payload TEXT NOT NULL,
	   created_by TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT);
	 CREATE TABLE audit (id TEXT PRIMARY KEY, at BIGINT NOT NULL, actor_id TEXT, action TEXT NOT NULL, target_id TEXT,
	   detail TEXT NOT NULL);
	 CREATE INDEX audit_at ON audit (at);`
];

/** How many versioned migrations the schema has (a fresh database ends at this version). */
export const MIGRATION_COUNT = MIGRATIONS.length;

/** BIGINT as a JS number (sequence numbers and millisecond times stay far below 2^53). */
const types = {
	getTypeParser(oid: number, format?: 'text' | 'binary') {
		if (oid === 20) return (v: string) => Number(v);
		return pg.types.getTypeParser(oid, format);
	}
} as pg.CustomTypesConfig;

interface PendingAppend {
	docId: DocId;
	update: Uint8Array;
	updateId: string | undefined;
	expectDocSeq: number | undefined;
	catchUp: ((rows: StoredUpdate[]) => boolean) | undefined;
	resolve(result: AppendResult): void;
	reject(err: unknown): void;
}

const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export interface PostgresStoreOptions {
	/** Connections of this process's pool (default 8). */
	poolSize?: number;
}

export class PostgresStore implements Store {
	readonly kind = 'postgres';
	readonly pool: pg.Pool;
	private pending: PendingAppend[] = [];
	private flushing = false;
	private closed = false;
	/** True when the server does not flush commits (`fsync = off`): see "Durability". */
	private unsafe = false;

	constructor(connectionString: string, opts: PostgresStoreOptions = {}) {
		this.pool = new pg.Pool({
			connectionString,
			max: opts.poolSize ?? 8,
			types,
			options: '-c synchronous_commit=on'
		});
		// An idle client's error (the server restarted) must not crash the process: the pool drops it.
		this.pool.on('error', () => {});
	}

	private async q<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
		return (await this.pool.query<R>(sql, params)).rows;
	}

	/** Runs `fn` in one transaction on one client; `begin` opens it (a statement may ride along with BEGIN in its round trip, and `fn` gets the results). */
	private async tx<T>(fn: (c: pg.PoolClient, begun: pg.QueryResult) => Promise<T>, begin = 'BEGIN'): Promise<T> {
		const c = await this.pool.connect();
		try {
			const begun = await c.query(begin);
			const out = await fn(c, begun);
			await c.query('COMMIT');
			return out;
		} catch (err) {
			await c.query('ROLLBACK').catch(() => {});
			throw err;
		} finally {
			c.release();
		}
	}

	async migrate(): Promise<void> {
		const c = await this.pool.connect();
		try {
			await c.query('SELECT pg_advisory_lock($1, 0)', [LOCK_MIGRATE]);
			try {
				await c.query('CREATE TABLE IF NOT EXISTS migrations (version INT PRIMARY KEY, applied_at BIGINT NOT NULL)');
				const { rows } = await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM migrations');
				for (let v = rows[0]?.v ?? 0; v < MIGRATIONS.length; v++) {
					await c.query('BEGIN');
					try {
						await c.query(MIGRATIONS[v]!);
						await c.query('INSERT INTO migrations (version, applied_at) VALUES ($1, $2)', [v + 1, Date.now()]);
						await c.query('COMMIT');
					} catch (err) {
						await c.query('ROLLBACK').catch(() => {});
						throw err;
					}
				}
			} finally {
				await c.query('SELECT pg_advisory_unlock($1, 0)', [LOCK_MIGRATE]);
			}
			const fsync = await c.query<{ fsync: string }>('SHOW fsync');
			this.unsafe = fsync.rows[0]?.fsync !== 'on';
		} finally {
			c.release();
		}
	}

	appendUpdate(docId: DocId, update: Uint8Array, updateId?: string, options: AppendOptions = {}): Promise<AppendResult> {
		if (this.closed) return Promise.reject(new Error('store closed'));
		return new Promise((resolve, reject) => {
			this.pending.push({ docId, update, updateId, expectDocSeq: options.expectDocSeq, catchUp: options.catchUp, resolve, reject });
			if (!this.flushing) {
				this.flushing = true;
				queueMicrotask(() => void this.flush());
			}
		});
	}

	/** Commits pending appends, one transaction at a time; those arriving meanwhile form the next batch. */
	private async flush(): Promise<void> {
		while (this.pending.length > 0) {
			const batch = this.pending;
			this.pending = [];
			try {
				const results = await this.appendTx(batch);
				batch.forEach((p, i) => p.resolve(results[i]!));
			} catch (err) {
				for (const p of batch) p.reject(err);
			}
		}
		this.flushing = false;
	}

	/**
	 * One batch's transaction in four round trips (an append's latency is mostly round trips to
	 * PostgreSQL, each a wake-up of both processes): BEGIN with the counter lock, the known ids
	 * with the expected heads, the writes in one statement, COMMIT.
	 */
	private async appendTx(batch: PendingAppend[]): Promise<AppendResult[]> {
		// A simple query of two statements (no parameters): one round trip, one result each.
		return this.tx((c, begun) => {
			const [, counter] = begun as unknown as Array<pg.QueryResult<{ value: number }>>;
			return this.appendBatch(c, batch, Number(counter!.rows[0]!.value));
		}, 'BEGIN; SELECT value FROM seq_counter WHERE id = 1 FOR UPDATE');
	}

	private async appendBatch(c: pg.PoolClient, batch: PendingAppend[], counter: number): Promise<AppendResult[]> {
		// The counter row is locked (`appendTx`): from here to the commit no other process appends (see header).
		let next = counter;
		const withIds = batch.filter((p) => p.updateId !== undefined);
		const known = new Map<string, number>();
		const key = (d: string, u: string) => `${d}\u0000${u}`;
		// Expected document heads (see `AppendOptions.expectDocSeq`), read under the counter lock: exact.
		const heads = new Map<string, number>();
		const expecting = [...new Set(batch.filter((p) => p.expectDocSeq !== undefined).map((p) => p.docId))];
		if (withIds.length > 0 || expecting.length > 0) {
			// Both in one statement: `k` 'i' rows are known update ids, 'h' rows document heads.
			const found = await c.query<{ k: string; doc_id: string; update_id: string | null; seq: number }>(
				`SELECT 'i' AS k, doc_id, update_id, seq FROM update_ids WHERE (doc_id, update_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
				 UNION ALL
				 SELECT 'h' AS k, doc_id, NULL, MAX(seq) FROM updates WHERE doc_id = ANY($3::text[]) GROUP BY doc_id`,
				[withIds.map((p) => p.docId), withIds.map((p) => p.updateId), expecting]
			);
			for (const r of found.rows) {
				if (r.k === 'i') known.set(key(r.doc_id, r.update_id!), Number(r.seq));
				else heads.set(r.doc_id, Number(r.seq));
			}
		}
		// The rows each writer behind its document lacks (for its `catchUp`), read under the lock too.
		const behind = new Map<PendingAppend, StoredUpdate[]>();
		for (const p of batch) {
			if (p.expectDocSeq === undefined || !p.catchUp || (heads.get(p.docId) ?? 0) === p.expectDocSeq) continue;
			const r = await c.query<{ seq: number; data: Buffer }>('SELECT seq, data FROM updates WHERE doc_id = $1 AND seq > $2 ORDER BY seq', [
				p.docId,
				p.expectDocSeq
			]);
			behind.set(p, r.rows.map((x) => ({ seq: x.seq, update: toBytes(x.data) })));
		}
		const seqs: number[] = [];
		const docs: string[] = [];
		const data: Buffer[] = [];
		const idDocs: string[] = [];
		const ids: string[] = [];
		const idSeqs: number[] = [];
		const results = batch.map((p): AppendResult => {
			if (p.updateId !== undefined) {
				const k = key(p.docId, p.updateId);
				const seen = known.get(k);
				if (seen !== undefined) return { seq: seen, duplicate: true };
			}
			if (p.expectDocSeq !== undefined && (heads.get(p.docId) ?? 0) !== p.expectDocSeq) {
				const rows = behind.get(p) ?? [];
				if (!p.catchUp?.(rows)) return { seq: 0, duplicate: false, conflict: true };
			}
			if (p.updateId !== undefined) known.set(key(p.docId, p.updateId), next + 1);
			const seq = ++next;
			heads.set(p.docId, seq);
			seqs.push(seq);
			docs.push(p.docId);
			data.push(toBuffer(p.update));
			if (p.updateId !== undefined) {
				idDocs.push(p.docId);
				ids.push(p.updateId);
				idSeqs.push(seq);
			}
			return { seq, duplicate: false };
		});
		if (seqs.length > 0) {
			// The rows, their ids and the counter in one statement.
			await c.query(
				`WITH u AS (INSERT INTO updates (seq, doc_id, data) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])),
				      i AS (INSERT INTO update_ids (doc_id, update_id, seq) SELECT * FROM unnest($4::text[], $5::text[], $6::bigint[]))
				 UPDATE seq_counter SET value = $7 WHERE id = 1`,
				[seqs, docs, data, idDocs, ids, idSeqs, next]
			);
		}
		return results;
	}

	async seqMayBeLost(_seq: number): Promise<boolean> {
		return this.unsafe;
	}

	async findUpdateId(docId: DocId, updateId: string): Promise<number | null> {
		const rows = await this.q<{ seq: number }>('SELECT seq FROM update_ids WHERE doc_id = $1 AND update_id = $2', [docId, updateId]);
		return rows[0]?.seq ?? null;
	}

	async loadDoc(docId: DocId): Promise<StoredDoc | null> {
		const rows = await this.q<{ seq: number; data: Buffer }>('SELECT seq, data FROM updates WHERE doc_id = $1 ORDER BY seq', [docId]);
		if (rows.length === 0) return null;
		return { updates: rows.map((r) => toBytes(r.data)), seq: rows[rows.length - 1]!.seq };
	}

	async updatesSince(docId: DocId, afterSeq: number): Promise<StoredUpdate[]> {
		const rows = await this.q<{ seq: number; data: Buffer }>('SELECT seq, data FROM updates WHERE doc_id = $1 AND seq > $2 ORDER BY seq', [
			docId,
			afterSeq
		]);
		return rows.map((r) => ({ seq: r.seq, update: toBytes(r.data) }));
	}

	async changedSince(seq: number): Promise<ChangedDoc[]> {
		const rows = await this.q<{ doc_id: string; seq: number }>(
			'SELECT doc_id, MAX(seq) AS seq FROM updates WHERE seq > $1 GROUP BY doc_id ORDER BY 2',
			[seq]
		);
		return rows.map((r) => ({ docId: r.doc_id as DocId, seq: r.seq }));
	}

	async headSeq(): Promise<number> {
		const rows = await this.q<{ value: number }>('SELECT value FROM seq_counter WHERE id = 1');
		return rows[0]?.value ?? 0;
	}

	async countUpdates(docId: DocId): Promise<number> {
		const rows = await this.q<{ n: number }>('SELECT COUNT(*) AS n FROM updates WHERE doc_id = $1', [docId]);
		return rows[0]!.n;
	}

	async docsNeedingCompaction(minUpdates: number, limit: number): Promise<DocId[]> {
		const rows = await this.q<{ doc_id: string }>(
			'SELECT doc_id FROM updates GROUP BY doc_id HAVING COUNT(*) > $1 ORDER BY COUNT(*) DESC LIMIT $2',
			[minUpdates, limit]
		);
		return rows.map((r) => r.doc_id as DocId);
	}

	async compact(docId: DocId, merge: MergeUpdates): Promise<CompactResult> {
		return this.tx(async (c) => {
			await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_DOC, docId]);
			const { rows } = await c.query<{ seq: number; data: Buffer }>('SELECT seq, data FROM updates WHERE doc_id = $1 ORDER BY seq', [docId]);
			const last = rows[rows.length - 1];
			if (!last || rows.length < 2) return { merged: 0, seq: last?.seq ?? 0 };
			const merged = merge(rows.map((r) => toBytes(r.data)));
			const del = await c.query('DELETE FROM updates WHERE doc_id = $1 AND seq = ANY($2::bigint[])', [docId, rows.map((r) => r.seq)]);
			if (del.rowCount !== rows.length) throw new Error(`compaction of ${docId} raced another writer`);
			await c.query('INSERT INTO updates (seq, doc_id, data) VALUES ($1, $2, $3)', [last.seq, docId, toBuffer(merged)]);
			return { merged: rows.length, seq: last.seq };
		});
	}

	async putAccess(records: readonly DocAccess[]): Promise<void> {
		if (records.length === 0) return;
		await this.q(
			`INSERT INTO doc_access (doc_id, assignee_id, team_id, blocked, seq)
			 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::bigint[])
			 ON CONFLICT (doc_id) DO UPDATE SET assignee_id = excluded.assignee_id, team_id = excluded.team_id,
			 blocked = excluded.blocked, seq = excluded.seq`,
			[
				records.map((a) => a.docId),
				records.map((a) => a.assigneeId),
				records.map((a) => a.teamId),
				records.map((a) => a.blocked),
				records.map((a) => a.seq)
			]
		);
	}

	async listAccess(): Promise<DocAccess[]> {
		const rows = await this.q<{ doc_id: string; assignee_id: string | null; team_id: string | null; blocked: boolean; seq: number }>(
			'SELECT * FROM doc_access'
		);
		return rows.map((r) => ({
			docId: r.doc_id as DocId,
			assigneeId: r.assignee_id as UserId | null,
			teamId: r.team_id,
			blocked: r.blocked,
			seq: r.seq
		}));
	}

	async createUser(u: UserAuth): Promise<void> {
		await this.q('INSERT INTO users (id, email, password_hash, token_version) VALUES ($1, $2, $3, $4)', [
			u.id,
			u.email,
			u.passwordHash,
			u.tokenVersion
		]);
	}

	async getUserById(id: UserId): Promise<UserAuth | null> {
		const rows = await this.q<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
		return rows[0] ? toUser(rows[0]) : null;
	}

	async getUserByEmail(email: string): Promise<UserAuth | null> {
		const rows = await this.q<UserRow>('SELECT * FROM users WHERE lower(email) = lower($1)', [email]);
		return rows[0] ? toUser(rows[0]) : null;
	}

	async updateUser(id: UserId, patch: Partial<Omit<UserAuth, 'id'>>): Promise<void> {
		await this.q(
			`UPDATE users SET email = COALESCE($2, email), password_hash = COALESCE($3, password_hash),
			 token_version = COALESCE($4, token_version) WHERE id = $1`,
			[id, patch.email ?? null, patch.passwordHash ?? null, patch.tokenVersion ?? null]
		);
	}

	async deleteUser(id: UserId): Promise<void> {
		await this.tx(async (c) => {
			await c.query('DELETE FROM refresh_tokens WHERE user_id = $1', [id]);
			await c.query('DELETE FROM users WHERE id = $1', [id]);
		});
	}

	async insertRefreshToken(r: RefreshTokenRecord): Promise<void> {
		await this.q(
			'INSERT INTO refresh_tokens (hash, user_id, family_id, expires_at, revoked_at, replaced_by) VALUES ($1, $2, $3, $4, $5, $6)',
			[r.hash, r.userId, r.familyId, r.expiresAt, r.revokedAt, r.replacedBy]
		);
	}

	async getRefreshToken(hash: string): Promise<RefreshTokenRecord | null> {
		const rows = await this.q<{
			hash: string;
			user_id: string;
			family_id: string;
			expires_at: number;
			revoked_at: number | null;
			replaced_by: string | null;
			successor: string | null;
		}>('SELECT * FROM refresh_tokens WHERE hash = $1', [hash]);
		const r = rows[0];
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
		const res = await this.pool.query('UPDATE refresh_tokens SET revoked_at = $1, replaced_by = $2 WHERE hash = $3 AND revoked_at IS NULL', [
			at,
			replacedBy ?? null,
			hash
		]);
		return res.rowCount === 1;
	}

	async revokeRefreshFamily(familyId: string, at: number): Promise<void> {
		await this.q('UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL', [at, familyId]);
	}

	async revokeRefreshTokensOfUser(userId: UserId, at: number): Promise<void> {
		await this.q('UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL', [at, userId]);
	}

	async rotateRefreshToken(oldHash: string, at: number, next: RefreshTokenRecord, sealedSuccessor: string): Promise<boolean> {
		return this.tx(async (c) => {
			const res = await c.query('UPDATE refresh_tokens SET revoked_at = $1, replaced_by = $2, successor = $3 WHERE hash = $4 AND revoked_at IS NULL', [
				at,
				next.hash,
				sealedSuccessor,
				oldHash
			]);
			if (res.rowCount !== 1) return false;
			await c.query('INSERT INTO refresh_tokens (hash, user_id, family_id, expires_at, revoked_at, replaced_by) VALUES ($1, $2, $3, $4, $5, $6)', [
				next.hash,
				next.userId,
				next.familyId,
				next.expiresAt,
				next.revokedAt,
				next.replacedBy
			]);
			return true;
		});
	}

	async revokeSession(sessionId: string, until: number, now: number): Promise<void> {
		await this.tx(async (c) => {
			await c.query('DELETE FROM revoked_sessions WHERE until <= $1', [now]);
			await c.query(
				'INSERT INTO revoked_sessions (session_id, until) VALUES ($1, $2) ON CONFLICT (session_id) DO UPDATE SET until = GREATEST(revoked_sessions.until, excluded.until)',
				[sessionId, until]
			);
		});
	}

	async isSessionRevoked(sessionId: string, now: number): Promise<boolean> {
		const rows = await this.q('SELECT 1 FROM revoked_sessions WHERE session_id = $1 AND until > $2', [sessionId, now]);
		return rows.length > 0;
	}

	async liveSessionsOf(userId: UserId, now: number): Promise<string[]> {
		const rows = await this.q<{ family_id: string }>(
			'SELECT DISTINCT family_id FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2',
			[userId, now]
		);
		return rows.map((r) => r.family_id);
	}

	async insertLink(l: LinkRecord): Promise<void> {
		await this.q(
			'INSERT INTO links (hash, kind, email, user_id, payload, created_by, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
			[l.hash, l.kind, l.email, l.userId, l.payload, l.createdBy, l.createdAt, l.expiresAt, l.usedAt]
		);
	}

	async getLink(hash: string): Promise<LinkRecord | null> {
		const rows = await this.q<LinkRow>('SELECT * FROM links WHERE hash = $1', [hash]);
		return rows[0] ? toLink(rows[0]) : null;
	}

	async useLink(hash: string, at: number): Promise<boolean> {
		const res = await this.pool.query('UPDATE links SET used_at = $1 WHERE hash = $2 AND used_at IS NULL', [at, hash]);
		return res.rowCount === 1;
	}

	async openInvites(now: number): Promise<LinkRecord[]> {
		const rows = await this.q<LinkRow>("SELECT * FROM links WHERE kind = 'invite' AND used_at IS NULL AND expires_at > $1 ORDER BY created_at DESC", [now]);
		return rows.map(toLink);
	}

	async deleteLink(hash: string): Promise<void> {
		await this.q('DELETE FROM links WHERE hash = $1', [hash]);
	}

	async appendAudit(e: AuditEvent): Promise<void> {
		await this.q('INSERT INTO audit (id, at, actor_id, action, target_id, detail) VALUES ($1, $2, $3, $4, $5, $6)', [
			e.id,
			e.at,
			e.actorId,
			e.action,
			e.targetId,
			e.detail
		]);
	}

	async listAudit(limit: number, before?: number): Promise<AuditEvent[]> {
		const rows = await this.q<AuditRow>('SELECT * FROM audit WHERE at < $1 ORDER BY at DESC, id DESC LIMIT $2', [before ?? Number.MAX_SAFE_INTEGER, limit]);
		return rows.map(toAudit);
	}

	async setChannelSecret(channelId: string, secret: string): Promise<void> {
		await this.q(
			'INSERT INTO channel_secrets (channel_id, secret) VALUES ($1, $2) ON CONFLICT (channel_id) DO UPDATE SET secret = excluded.secret',
			[channelId, secret]
		);
	}

	async getChannelSecret(channelId: string): Promise<string | null> {
		const rows = await this.q<{ secret: string }>('SELECT secret FROM channel_secrets WHERE channel_id = $1', [channelId]);
		return rows[0]?.secret ?? null;
	}

	async deleteChannelSecret(channelId: string): Promise<void> {
		await this.q('DELETE FROM channel_secrets WHERE channel_id = $1', [channelId]);
	}

	async putVisitorSession(v: VisitorSession): Promise<void> {
		await this.q('INSERT INTO visitor_sessions (token_hash, channel_id, contact_id, name, created_at) VALUES ($1, $2, $3, $4, $5)', [
			v.tokenHash,
			v.channelId,
			v.contactId,
			v.name,
			v.createdAt
		]);
	}

	async getVisitorSession(tokenHash: string): Promise<VisitorSession | null> {
		const rows = await this.q<{ token_hash: string; channel_id: string; contact_id: string; name: string; created_at: number }>(
			'SELECT * FROM visitor_sessions WHERE token_hash = $1',
			[tokenHash]
		);
		const r = rows[0];
		return r
			? { tokenHash: r.token_hash, channelId: r.channel_id, contactId: r.contact_id as ContactId, name: r.name, createdAt: r.created_at }
			: null;
	}

	async claimInbound(rec: InboundRecord): Promise<{ record: InboundRecord; existed: boolean }> {
		const inserted = await this.pool.query(
			`INSERT INTO inbound_messages (channel_id, message_id, contact_id, entry_id, created_contact, at)
			 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (channel_id, message_id) DO NOTHING`,
			[rec.channelId, rec.messageId, rec.contactId, rec.entryId, rec.createdContact, rec.at]
		);
		if (inserted.rowCount === 1) return { record: rec, existed: false };
		const rows = await this.q<{
			channel_id: string;
			message_id: string;
			contact_id: string;
			entry_id: string;
			created_contact: boolean;
			at: number;
		}>('SELECT * FROM inbound_messages WHERE channel_id = $1 AND message_id = $2', [rec.channelId, rec.messageId]);
		const r = rows[0]!;
		return {
			record: {
				channelId: r.channel_id,
				messageId: r.message_id,
				contactId: r.contact_id as ContactId,
				entryId: r.entry_id,
				createdContact: r.created_contact,
				at: r.at
			},
			existed: true
		};
	}

	async setContactKeys(contactId: ContactId, kinds: readonly string[], keys: readonly ContactKey[]): Promise<void> {
		await this.tx(async (c) => {
			await c.query('DELETE FROM contact_keys WHERE contact_id = $1 AND kind = ANY($2::text[])', [contactId, [...kinds]]);
			for (const k of keys) {
				await c.query(
					'INSERT INTO contact_keys (kind, value, contact_id) VALUES ($1, $2, $3) ON CONFLICT (kind, value) DO UPDATE SET contact_id = excluded.contact_id',
					[k.kind, k.value, contactId]
				);
			}
		});
	}

	async findContactByKey(kind: string, value: string): Promise<ContactId | null> {
		const rows = await this.q<{ contact_id: string }>('SELECT contact_id FROM contact_keys WHERE kind = $1 AND value = $2', [kind, value]);
		return (rows[0]?.contact_id as ContactId | undefined) ?? null;
	}

	async contactKeys(contactId: ContactId): Promise<ContactKey[]> {
		// COLLATE "C": the same byte order as SQLite's.
		return this.q<ContactKey>('SELECT kind, value FROM contact_keys WHERE contact_id = $1 ORDER BY kind COLLATE "C", value COLLATE "C"', [
			contactId
		]);
	}

	async enqueueOutbox(o: OutboxRow): Promise<boolean> {
		const res = await this.pool.query(
			`INSERT INTO outbox (doc_id, entry_id, channel_id, payload, state, attempts, next_at, last_error, created_at, updated_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (doc_id, entry_id) DO NOTHING`,
			[o.docId, o.entryId, o.channelId, o.payload, o.state, o.attempts, o.nextAt, o.lastError, o.createdAt, o.updatedAt]
		);
		return res.rowCount === 1;
	}

	async getOutbox(docId: DocId, entryId: string): Promise<OutboxRow | null> {
		const rows = await this.q<OutboxDbRow>('SELECT * FROM outbox WHERE doc_id = $1 AND entry_id = $2', [docId, entryId]);
		return rows[0] ? toOutbox(rows[0]) : null;
	}

	async findOutbox(channelId: string, entryId: string): Promise<OutboxRow | null> {
		const rows = await this.q<OutboxDbRow>('SELECT * FROM outbox WHERE channel_id = $1 AND entry_id = $2 LIMIT 1', [channelId, entryId]);
		return rows[0] ? toOutbox(rows[0]) : null;
	}

	async dueOutbox(now: number, limit: number): Promise<OutboxRow[]> {
		const rows = await this.q<OutboxDbRow>("SELECT * FROM outbox WHERE state = 'pending' AND next_at <= $1 ORDER BY next_at LIMIT $2", [
			now,
			limit
		]);
		return rows.map(toOutbox);
	}

	async nextOutboxAt(): Promise<number | null> {
		const rows = await this.q<{ t: number | null }>("SELECT MIN(next_at) AS t FROM outbox WHERE state = 'pending'");
		return rows[0]?.t ?? null;
	}

	async claimOutbox(docId: DocId, entryId: string, seenNextAt: number, until: number): Promise<boolean> {
		const rows = await this.q<{ entry_id: string }>(
			"UPDATE outbox SET next_at = $1 WHERE doc_id = $2 AND entry_id = $3 AND state = 'pending' AND next_at = $4 RETURNING entry_id",
			[until, docId, entryId, seenNextAt]
		);
		return rows.length === 1;
	}

	async updateOutbox(docId: DocId, entryId: string, patch: OutboxPatch): Promise<void> {
		const keys = (Object.keys(patch) as Array<keyof OutboxPatch>).filter((k) => patch[k] !== undefined);
		if (keys.length === 0) return;
		const sets = keys.map((k, i) => `${OUTBOX_COLUMNS[k]} = $${i + 1}`).join(', ');
		await this.q(`UPDATE outbox SET ${sets} WHERE doc_id = $${keys.length + 1} AND entry_id = $${keys.length + 2}`, [
			...keys.map((k) => patch[k]),
			docId,
			entryId
		]);
	}

	/** The workflow role over this pool (`workflow-store.ts`). */
	workflowStore(): WorkflowStore {
		return new PostgresWorkflowStore(this.pool);
	}

	async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
		// One statement: insert, or take over an expired lease, or renew our own; else nothing.
		const rows = await this.q<{ holder: string }>(
			`INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, ${NOW_MS} + $3)
			 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			 WHERE leases.holder = excluded.holder OR leases.expires_at <= ${NOW_MS}
			 RETURNING holder`,
			[name, holder, ttlMs]
		);
		return rows[0]?.holder === holder;
	}

	async releaseLease(name: string, holder: string): Promise<void> {
		await this.q('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]);
	}

	async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
		// A session advisory lock held on one client for the whole section (a crash releases it).
		const c = await this.pool.connect();
		try {
			await c.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_EXCLUSIVE, name]);
			try {
				return await fn();
			} finally {
				await c.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_EXCLUSIVE, name]);
			}
		} finally {
			c.release();
		}
	}

	async getMeta(key: string): Promise<string | null> {
		const rows = await this.q<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]);
		return rows[0]?.value ?? null;
	}

	async setMeta(key: string, value: string): Promise<void> {
		await this.q('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
	}

	async swapMeta(key: string, expected: string | null, value: string): Promise<boolean> {
		const r =
			expected === null
				? await this.pool.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value])
				: await this.pool.query('UPDATE meta SET value = $1 WHERE key = $2 AND value = $3', [value, key, expected]);
		return r.rowCount === 1;
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		while (this.flushing) await new Promise((r) => setTimeout(r, 5));
		await this.pool.end();
	}
}
