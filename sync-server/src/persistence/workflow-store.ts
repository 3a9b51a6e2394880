/**
 * Store role: workflow definitions (numbered, immutable versions), their on/off state, and
 * runs with their durable position (`workflows/engine.ts`). Both SQL adapters implement it
 * here, over the adapter's own connection, with their own migrations (meta key
 * `workflows.schema` counts the ones applied), so the role grows without touching the
 * adapters' files.
 *
 * Invariants (checked by `workflow-store-contract.ts` on SQLite and PostgreSQL):
 * - a version (workflow id, number) is written once; a second write of the same pair is refused;
 * - a run id is inserted once (trigger run ids are derived from what triggered them, so a
 *   trigger seen twice, by a restart scan or by two processes, starts one run);
 * - `updateRun` applies only when the run's step counter and status are still the ones the
 *   caller read (a compare-and-set): two executors never both move one run forward;
 * - `claimRun` moves `claimUntil` from the value read to a new one in one conditional write:
 *   exactly one of any number of concurrent claimants wins; a claimant that dies leaves the
 *   run due again when the claim runs out.
 * - an occurrence of a schedule (workflow id, slot) is inserted once, before any of its runs
 *   starts, and processed under a claim like a run's (`claimOccurrence`): one process at a time
 *   starts its runs (with ids derived from the occurrence, so starting them again after a crash
 *   starts none twice), and `finishOccurrence` records what it started.
 * - `advanceRoundRobin` moves a team's round-robin pointer by compare-and-set: of two processes
 *   picking the next agent at once, one moves it and the other picks again.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { OccurrenceInfo, RunStatus, WorkflowRun, WorkflowVersion } from '../../../src/lib/domain/workflows';
import type { UserId } from '../../../src/lib/domain/types';

/** A run as stored: its domain state plus the executor's claim. */
export interface StoredRun extends WorkflowRun {
	/** Until when an executor holds the run (0: nobody). */
	claimUntil: number;
}

export interface WorkflowState {
	id: string;
	enabled: boolean;
	deleted: boolean;
	updatedAt: number;
}

export type RunPatch = Partial<Pick<StoredRun, 'status' | 'position' | 'steps' | 'vars' | 'waitUntil' | 'waitReplySince' | 'error' | 'updatedAt' | 'claimUntil'>>;

export interface RunQuery {
	contactId?: string;
	workflowId?: string;
	/** Only running and waiting runs. */
	active?: boolean;
	limit: number;
}

/** One occurrence of a scheduled workflow (SPEC S7.7), as stored: the history's view and its claim. */
export interface Occurrence extends OccurrenceInfo {
	workflowId: string;
	claimUntil: number;
	createdAt: number;
	updatedAt: number;
}

export interface WorkflowStore {
	migrateWorkflows(): Promise<void>;
	/** Inserts a version; false when that (workflow, version) exists. */
	putWorkflowVersion(v: WorkflowVersion): Promise<boolean>;
	/** Versions, oldest first (of one workflow, or all). */
	workflowVersions(workflowId?: string): Promise<WorkflowVersion[]>;
	setWorkflowState(id: string, patch: { enabled?: boolean; deleted?: boolean }, at: number): Promise<void>;
	workflowStates(): Promise<WorkflowState[]>;
	/** Inserts the run unless its id exists; true when inserted. */
	insertRun(run: StoredRun): Promise<boolean>;
	getRun(id: string): Promise<StoredRun | null>;
	/** Newest first. */
	listRuns(q: RunQuery): Promise<StoredRun[]>;
	/** Runs to execute now: running and unclaimed (or their claim ran out), or waiting and due. */
	dueRuns(now: number, limit: number): Promise<StoredRun[]>;
	/** The earliest time a run becomes due (waits, claims), or null. */
	nextRunAt(): Promise<number | null>;
	/** Runs of a contact waiting for the contact's reply. */
	waitingForReply(contactId: string): Promise<StoredRun[]>;
	updateRun(id: string, expect: { steps: number; status: RunStatus }, patch: RunPatch): Promise<boolean>;
	claimRun(id: string, seenClaimUntil: number, until: number): Promise<boolean>;
	/** Drops every claim: only for a store one process serves (SQLite), at its start. */
	resetClaims(): Promise<void>;
	/** Records an occurrence (status pending); false when that (workflow, slot) exists. */
	insertOccurrence(o: Pick<Occurrence, 'workflowId' | 'at' | 'version' | 'createdAt'>): Promise<boolean>;
	/** The newest slot recorded for a workflow, or null. */
	lastOccurrenceAt(workflowId: string): Promise<number | null>;
	/** Pending occurrences whose claim is free or ran out. */
	pendingOccurrences(now: number, limit: number): Promise<Occurrence[]>;
	claimOccurrence(workflowId: string, at: number, seenClaimUntil: number, until: number): Promise<boolean>;
	finishOccurrence(workflowId: string, at: number, result: Pick<Occurrence, 'matched' | 'started' | 'capped' | 'updatedAt'>): Promise<void>;
	/** Newest first. */
	listOccurrences(workflowId: string, limit: number): Promise<Occurrence[]>;
	/** A team's round-robin pointer (the user picked last), or null. */
	roundRobin(teamId: string): Promise<string | null>;
	/** Moves the pointer from `seen` to `next`; false when another process moved it first. */
	advanceRoundRobin(teamId: string, seen: string | null, next: string): Promise<boolean>;
}

const SCHEMA_KEY = 'workflows.schema';

const MIGRATIONS: readonly string[] = [
	`CREATE TABLE workflow_versions (workflow_id TEXT NOT NULL, version INTEGER NOT NULL, definition TEXT NOT NULL,
	   created_by TEXT NOT NULL, published_at BIGINT NOT NULL, PRIMARY KEY (workflow_id, version));
	 CREATE TABLE workflows (id TEXT PRIMARY KEY, enabled INTEGER NOT NULL, deleted INTEGER NOT NULL, updated_at BIGINT NOT NULL);
	 CREATE TABLE workflow_runs (id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, version INTEGER NOT NULL, contact_id TEXT NOT NULL,
	   status TEXT NOT NULL, position TEXT, steps INTEGER NOT NULL, vars TEXT NOT NULL, wait_until BIGINT, wait_reply_since BIGINT,
	   error TEXT, started_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, claim_until BIGINT NOT NULL);
	 CREATE INDEX workflow_runs_contact ON workflow_runs (contact_id, status);
	 CREATE INDEX workflow_runs_workflow ON workflow_runs (workflow_id, created_at);
	 CREATE INDEX workflow_runs_due ON workflow_runs (status, wait_until, claim_until);`,
	// Schedules (issue 23): occurrences recorded before their runs start; round-robin pointers.
	`CREATE TABLE workflow_occurrences (workflow_id TEXT NOT NULL, at BIGINT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL,
	   matched INTEGER NOT NULL, started INTEGER NOT NULL, capped INTEGER NOT NULL, claim_until BIGINT NOT NULL,
	   created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (workflow_id, at));
	 CREATE INDEX workflow_occurrences_pending ON workflow_occurrences (status, claim_until);
	 CREATE TABLE workflow_round_robin (team_id TEXT PRIMARY KEY, user_id TEXT NOT NULL);`
];

interface RunRow {
	id: string;
	workflow_id: string;
	version: number;
	contact_id: string;
	status: string;
	position: string | null;
	steps: number;
	vars: string;
	wait_until: number | null;
	wait_reply_since: number | null;
	error: string | null;
	started_by: string;
	created_at: number;
	updated_at: number;
	claim_until: number;
}

interface OccurrenceRow {
	workflow_id: string;
	at: number;
	version: number;
	status: string;
	matched: number;
	started: number;
	capped: number;
	claim_until: number;
	created_at: number;
	updated_at: number;
}

const toOccurrence = (r: OccurrenceRow): Occurrence => ({
	workflowId: r.workflow_id,
	at: Number(r.at),
	version: Number(r.version),
	status: r.status === 'done' ? 'done' : 'pending',
	matched: Number(r.matched),
	started: Number(r.started),
	capped: Number(r.capped) === 1,
	claimUntil: Number(r.claim_until),
	createdAt: Number(r.created_at),
	updatedAt: Number(r.updated_at)
});

interface VersionRow {
	workflow_id: string;
	version: number;
	definition: string;
	created_by: string;
	published_at: number;
}

interface StateRow {
	id: string;
	enabled: number;
	deleted: number;
	updated_at: number;
}

const toRun = (r: RunRow): StoredRun => ({
	id: r.id,
	workflowId: r.workflow_id,
	version: Number(r.version),
	contactId: r.contact_id,
	status: r.status as RunStatus,
	position: r.position === null ? null : (JSON.parse(r.position) as number[]),
	steps: Number(r.steps),
	vars: JSON.parse(r.vars) as Record<string, string>,
	waitUntil: r.wait_until === null ? null : Number(r.wait_until),
	waitReplySince: r.wait_reply_since === null ? null : Number(r.wait_reply_since),
	error: r.error,
	startedBy: r.started_by,
	createdAt: Number(r.created_at),
	updatedAt: Number(r.updated_at),
	claimUntil: Number(r.claim_until)
});

const toVersion = (r: VersionRow): WorkflowVersion => ({
	workflowId: r.workflow_id,
	version: Number(r.version),
	definition: JSON.parse(r.definition) as WorkflowVersion['definition'],
	createdBy: r.created_by as UserId,
	publishedAt: Number(r.published_at)
});

const toState = (r: StateRow): WorkflowState => ({ id: r.id, enabled: Number(r.enabled) === 1, deleted: Number(r.deleted) === 1, updatedAt: Number(r.updated_at) });

const PATCH_COLUMNS: Record<keyof RunPatch, string> = {
	status: 'status',
	position: 'position',
	steps: 'steps',
	vars: 'vars',
	waitUntil: 'wait_until',
	waitReplySince: 'wait_reply_since',
	error: 'error',
	updatedAt: 'updated_at',
	claimUntil: 'claim_until'
};

function patchValue(key: keyof RunPatch, patch: RunPatch): unknown {
	const v = patch[key];
	if (key === 'position') return v === null ? null : JSON.stringify(v);
	if (key === 'vars') return JSON.stringify(v);
	return v;
}

const runValues = (r: StoredRun): unknown[] => [
	r.id,
	r.workflowId,
	r.version,
	r.contactId,
	r.status,
	r.position === null ? null : JSON.stringify(r.position),
	r.steps,
	JSON.stringify(r.vars),
	r.waitUntil,
	r.waitReplySince,
	r.error,
	r.startedBy,
	r.createdAt,
	r.updatedAt,
	r.claimUntil
];
const RUN_COLUMNS = 'id, workflow_id, version, contact_id, status, position, steps, vars, wait_until, wait_reply_since, error, started_by, created_at, updated_at, claim_until';
const DUE = "(status = 'running' AND claim_until <= ?) OR (status = 'waiting' AND wait_until <= ? AND claim_until <= ?)";

/** Numbers `?` placeholders as `$1, $2...` for PostgreSQL. */
function numbered(sql: string): string {
	let i = 0;
	return sql.replace(/\?/g, () => `$${++i}`);
}

function runWhere(q: RunQuery): { where: string; params: unknown[] } {
	const conds: string[] = [];
	const params: unknown[] = [];
	if (q.contactId !== undefined) {
		conds.push('contact_id = ?');
		params.push(q.contactId);
	}
	if (q.workflowId !== undefined) {
		conds.push('workflow_id = ?');
		params.push(q.workflowId);
	}
	if (q.active) conds.push("status IN ('running', 'waiting')");
	return { where: conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '', params };
}

/** The role over one SQL connection; `run`/`all` hide the adapters' differences. */
abstract class SqlWorkflowStore implements WorkflowStore {
	protected abstract all<R>(sql: string, params?: unknown[]): Promise<R[]>;
	/** Runs a write; resolves with the number of rows it changed. */
	protected abstract run(sql: string, params?: unknown[]): Promise<number>;
	protected abstract getSchemaVersion(): Promise<number>;
	protected abstract migrateStep(sql: string, version: number): Promise<void>;

	async migrateWorkflows(): Promise<void> {
		for (let v = await this.getSchemaVersion(); v < MIGRATIONS.length; v++) await this.migrateStep(MIGRATIONS[v]!, v + 1);
	}

	async putWorkflowVersion(v: WorkflowVersion): Promise<boolean> {
		const n = await this.run(
			'INSERT INTO workflow_versions (workflow_id, version, definition, created_by, published_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (workflow_id, version) DO NOTHING',
			[v.workflowId, v.version, JSON.stringify(v.definition), v.createdBy, v.publishedAt]
		);
		if (n === 1) {
			await this.run('INSERT INTO workflows (id, enabled, deleted, updated_at) VALUES (?, 1, 0, ?) ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at', [
				v.workflowId,
				v.publishedAt
			]);
		}
		return n === 1;
	}

	async workflowVersions(workflowId?: string): Promise<WorkflowVersion[]> {
		const rows =
			workflowId === undefined
				? await this.all<VersionRow>('SELECT * FROM workflow_versions ORDER BY workflow_id, version')
				: await this.all<VersionRow>('SELECT * FROM workflow_versions WHERE workflow_id = ? ORDER BY version', [workflowId]);
		return rows.map(toVersion);
	}

	async setWorkflowState(id: string, patch: { enabled?: boolean; deleted?: boolean }, at: number): Promise<void> {
		if (patch.enabled !== undefined) await this.run('UPDATE workflows SET enabled = ?, updated_at = ? WHERE id = ?', [patch.enabled ? 1 : 0, at, id]);
		if (patch.deleted !== undefined) await this.run('UPDATE workflows SET deleted = ?, updated_at = ? WHERE id = ?', [patch.deleted ? 1 : 0, at, id]);
	}

	async workflowStates(): Promise<WorkflowState[]> {
		return (await this.all<StateRow>('SELECT * FROM workflows ORDER BY id')).map(toState);
	}

	async insertRun(r: StoredRun): Promise<boolean> {
		const n = await this.run(`INSERT INTO workflow_runs (${RUN_COLUMNS}) VALUES (${RUN_COLUMNS.split(',').map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`, runValues(r));
		return n === 1;
	}

	async getRun(id: string): Promise<StoredRun | null> {
		const rows = await this.all<RunRow>('SELECT * FROM workflow_runs WHERE id = ?', [id]);
		return rows[0] ? toRun(rows[0]) : null;
	}

	async listRuns(q: RunQuery): Promise<StoredRun[]> {
		const { where, params } = runWhere(q);
		const rows = await this.all<RunRow>(`SELECT * FROM workflow_runs ${where} ORDER BY created_at DESC, id LIMIT ?`, [...params, q.limit]);
		return rows.map(toRun);
	}

	async dueRuns(now: number, limit: number): Promise<StoredRun[]> {
		const rows = await this.all<RunRow>(`SELECT * FROM workflow_runs WHERE ${DUE} ORDER BY updated_at LIMIT ?`, [now, now, now, limit]);
		return rows.map(toRun);
	}

	async nextRunAt(): Promise<number | null> {
		const rows = await this.all<{ t: number | null }>(
			"SELECT MIN(CASE WHEN status = 'running' THEN claim_until WHEN wait_until > claim_until THEN wait_until ELSE claim_until END) AS t FROM workflow_runs WHERE status IN ('running', 'waiting')"
		);
		const t = rows[0]?.t;
		return t === null || t === undefined ? null : Number(t);
	}

	async waitingForReply(contactId: string): Promise<StoredRun[]> {
		const rows = await this.all<RunRow>("SELECT * FROM workflow_runs WHERE contact_id = ? AND status = 'waiting' AND wait_reply_since IS NOT NULL", [contactId]);
		return rows.map(toRun);
	}

	async updateRun(id: string, expect: { steps: number; status: RunStatus }, patch: RunPatch): Promise<boolean> {
		const keys = (Object.keys(patch) as Array<keyof RunPatch>).filter((k) => patch[k] !== undefined);
		if (keys.length === 0) return true;
		const sets = keys.map((k) => `${PATCH_COLUMNS[k]} = ?`).join(', ');
		const n = await this.run(`UPDATE workflow_runs SET ${sets} WHERE id = ? AND steps = ? AND status = ?`, [
			...keys.map((k) => patchValue(k, patch)),
			id,
			expect.steps,
			expect.status
		]);
		return n === 1;
	}

	async claimRun(id: string, seenClaimUntil: number, until: number): Promise<boolean> {
		return (await this.run('UPDATE workflow_runs SET claim_until = ? WHERE id = ? AND claim_until = ?', [until, id, seenClaimUntil])) === 1;
	}

	async resetClaims(): Promise<void> {
		await this.run("UPDATE workflow_runs SET claim_until = 0 WHERE claim_until > 0 AND status IN ('running', 'waiting')");
		await this.run("UPDATE workflow_occurrences SET claim_until = 0 WHERE claim_until > 0 AND status = 'pending'");
	}

	async insertOccurrence(o: Pick<Occurrence, 'workflowId' | 'at' | 'version' | 'createdAt'>): Promise<boolean> {
		const n = await this.run(
			"INSERT INTO workflow_occurrences (workflow_id, at, version, status, matched, started, capped, claim_until, created_at, updated_at) VALUES (?, ?, ?, 'pending', 0, 0, 0, 0, ?, ?) ON CONFLICT (workflow_id, at) DO NOTHING",
			[o.workflowId, o.at, o.version, o.createdAt, o.createdAt]
		);
		return n === 1;
	}

	async lastOccurrenceAt(workflowId: string): Promise<number | null> {
		const rows = await this.all<{ t: number | null }>('SELECT MAX(at) AS t FROM workflow_occurrences WHERE workflow_id = ?', [workflowId]);
		const t = rows[0]?.t;
		return t === null || t === undefined ? null : Number(t);
	}

	async pendingOccurrences(now: number, limit: number): Promise<Occurrence[]> {
		const rows = await this.all<OccurrenceRow>("SELECT * FROM workflow_occurrences WHERE status = 'pending' AND claim_until <= ? ORDER BY at LIMIT ?", [now, limit]);
		return rows.map(toOccurrence);
	}

	async claimOccurrence(workflowId: string, at: number, seenClaimUntil: number, until: number): Promise<boolean> {
		return (await this.run("UPDATE workflow_occurrences SET claim_until = ? WHERE workflow_id = ? AND at = ? AND claim_until = ? AND status = 'pending'", [until, workflowId, at, seenClaimUntil])) === 1;
	}

	async finishOccurrence(workflowId: string, at: number, r: Pick<Occurrence, 'matched' | 'started' | 'capped' | 'updatedAt'>): Promise<void> {
		await this.run("UPDATE workflow_occurrences SET status = 'done', matched = ?, started = ?, capped = ?, claim_until = 0, updated_at = ? WHERE workflow_id = ? AND at = ?", [
			r.matched,
			r.started,
			r.capped ? 1 : 0,
			r.updatedAt,
			workflowId,
			at
		]);
	}

	async listOccurrences(workflowId: string, limit: number): Promise<Occurrence[]> {
		return (await this.all<OccurrenceRow>('SELECT * FROM workflow_occurrences WHERE workflow_id = ? ORDER BY at DESC LIMIT ?', [workflowId, limit])).map(toOccurrence);
	}

	async roundRobin(teamId: string): Promise<string | null> {
		return (await this.all<{ user_id: string }>('SELECT user_id FROM workflow_round_robin WHERE team_id = ?', [teamId]))[0]?.user_id ?? null;
	}

	async advanceRoundRobin(teamId: string, seen: string | null, next: string): Promise<boolean> {
		if (seen === null) return (await this.run('INSERT INTO workflow_round_robin (team_id, user_id) VALUES (?, ?) ON CONFLICT (team_id) DO NOTHING', [teamId, next])) === 1;
		return (await this.run('UPDATE workflow_round_robin SET user_id = ? WHERE team_id = ? AND user_id = ?', [next, teamId, seen])) === 1;
	}
}

export class SqliteWorkflowStore extends SqlWorkflowStore {
	constructor(private readonly db: Database.Database) {
		super();
	}
	protected async all<R>(sql: string, params: unknown[] = []): Promise<R[]> {
		return this.db.prepare(sql).all(...params) as R[];
	}
	protected async run(sql: string, params: unknown[] = []): Promise<number> {
		return this.db.prepare(sql).run(...params).changes;
	}
	protected async getSchemaVersion(): Promise<number> {
		const r = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(SCHEMA_KEY) as { value: string } | undefined;
		return Number(r?.value ?? 0);
	}
	protected async migrateStep(sql: string, version: number): Promise<void> {
		this.db.transaction(() => {
			this.db.exec(sql.replace(/BIGINT/g, 'INTEGER'));
			this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(SCHEMA_KEY, String(version));
		})();
	}
}

export class PostgresWorkflowStore extends SqlWorkflowStore {
	constructor(private readonly pool: pg.Pool) {
		super();
	}
	protected async all<R>(sql: string, params: unknown[] = []): Promise<R[]> {
		return (await this.pool.query(numbered(sql), params)).rows as R[];
	}
	protected async run(sql: string, params: unknown[] = []): Promise<number> {
		return (await this.pool.query(numbered(sql), params)).rowCount ?? 0;
	}
	protected async getSchemaVersion(): Promise<number> {
		const rows = (await this.pool.query('SELECT value FROM meta WHERE key = $1', [SCHEMA_KEY])).rows as Array<{ value: string }>;
		return Number(rows[0]?.value ?? 0);
	}
	protected async migrateStep(sql: string, version: number): Promise<void> {
		const c = await this.pool.connect();
		try {
			// Processes starting at once: one migrates, the others wait and find it done.
			await c.query('BEGIN');
			await c.query('SELECT pg_advisory_xact_lock(4242, 23)');
			const cur = (await c.query('SELECT value FROM meta WHERE key = $1', [SCHEMA_KEY])).rows as Array<{ value: string }>;
			if (Number(cur[0]?.value ?? 0) < version) {
				await c.query(sql);
				await c.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [SCHEMA_KEY, String(version)]);
			}
			await c.query('COMMIT');
		} catch (err) {
			await c.query('ROLLBACK').catch(() => {});
			throw err;
		} finally {
			c.release();
		}
	}
}
