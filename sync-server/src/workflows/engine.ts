/**
 * The workflow engine (SPEC S7.7, S5.5): starts runs on triggers, executes their steps through
 * the server's own write path, and resumes them after a restart.
 *
 * Exactly once. A run's position (step path, step counter, variables, wait) is stored in the
 * workflow store and moved by compare-and-set after each step; the step's effect on the contact
 * is written in one server transaction (`rooms.applyServerChange`: stored before it is relayed)
 * together with its marker, an entry whose id is derived from (run, step counter):
 * - a message, comment, bot status or the events of an assignment / status change carry that
 *   id; a step re-entered after a crash finds its marker and is not applied again. A message's
 *   id is also its channel idempotency key (`channels/outbox.ts`), so a send is delivered once;
 * - tag and field changes and a change that writes no event (already assigned) are idempotent
 *   by value: applying them again changes nothing;
 * - an HTTP request is sent with `Idempotency-Key: <run>:<step>`; one cut off by a crash is sent
 *   again with the same key (as the outbox does);
 * - waits are rows (`waitUntil`, `waitReplySince`), so they survive restarts.
 * Runs execute in one executor at a time: a per-run claim (`claimRun`) taken by a conditional
 * write, so with several processes (PostgreSQL) one process executes each step. Runs started by a
 * trigger have ids derived from the trigger (workflow + entry, or + update seq), so a trigger
 * seen twice (two processes, a restart scan) starts one run.
 *
 * Schedules (S7.7). Every process, on each tick, records the due occurrence of each scheduled
 * workflow (`dueOccurrence`: the newest slot after the last one recorded, so slots missed while
 * no server ran collapse into one) as a row inserted once per (workflow, slot), BEFORE any run
 * starts; then processes pending occurrences under a claim: the audience (a filter of the custom
 * inboxes, up to `audienceCap` contacts by id) gets runs whose ids derive from (workflow, slot,
 * contact), so an occurrence processed again after a crash, or by a second process whose claim
 * raced, starts no run twice. The row then records what it matched and started, and whether the
 * cap cut the audience (the run history shows it).
 *
 * Loops. A run started by a write of another run inherits that run's step counter, so a chain
 * of workflows setting each other off (an assignment that triggers a rule that reassigns) hits
 * `MAX_STEPS_PER_RUN` and ends with the error `step_limit`, shown in the thread and the history.
 *
 * Rights. Steps run with the rights of the version's publisher (an owner or manager): a run whose
 * publisher was deactivated or lost that role fails with `not_allowed` (`planStep`).
 */
import { createHash } from 'node:crypto';
import { contactDoc, contactUpdateKeys, serverOrigin, summarize, type ContactDoc, type YDoc } from '../../../src/lib/doc';
import { compileFilter, matchesFilter, type Filter, type FilterSubject } from '../../../src/lib/domain/filters';
import { AUDIENCE_CAP, dueOccurrence, nextOccurrence } from '../../../src/lib/domain/workflow-schedule';
import { workspaceOptions } from '../../../src/lib/domain/workspace-options';
import { assign, close, isActionError, reopen, snooze, type ActionResult } from '../../../src/lib/domain/actions';
import { contactDocId, parseDocId } from '../../../src/lib/domain/ids';
import type { Author, ChannelId, ContactId, ContactSummary, DocId, Entry, EntryId, TeamId, UserId } from '../../../src/lib/domain/types';
import {
	MAX_STEPS_PER_RUN,
	definitionOf,
	firstPosition,
	jsonPath,
	lastIncomingChannel,
	lastIncomingText,
	lastUsedChannel,
	nextPosition,
	pickAgent,
	planStep,
	repliedSince,
	stepAt,
	stepEntryId,
	triggerMatches,
	type AgentLoad,
	type StepPlan,
	type TriggerEvent,
	type WorkflowVersion
} from '../../../src/lib/domain/workflows';
import { guardedRequest, readCapped } from '../channels/outbound-http';
import { isCreated } from '../channels/thread-writes';
import type { MetaStore, Occurrence, StoredRun, WorkflowState, WorkflowStore } from '../persistence/store';
import type { Rooms } from '../rooms';
import type { Visibility } from '../visibility';
import type { AppliedUpdate, WriteHook } from '../write-hooks';

export interface EngineOptions {
	wf: WorkflowStore;
	meta: MetaStore;
	rooms: Rooms;
	visibility: Visibility;
	/** Is a user connected now (round robin and least open prefer online agents)? */
	online(userId: UserId): boolean;
	/**
	 * A contact document's summary, kept current without loading the document (the bootstrap
	 * snapshot): least open counts the `open` conversations of each agent, and a schedule's
	 * audience is matched on it.
	 */
	summaryOf(docId: DocId): Promise<ContactSummary | null>;
	clock: () => number;
	log: (message: string) => void;
	/** Several processes: only the lease's holder executes runs; every process starts them. */
	lease?: { readonly held: boolean };
	/** A single process owns the store (SQLite): claims of a previous life are dropped at start. */
	soleProcess: boolean;
	allowPrivate: boolean;
	/** Polling period while leased, and the longest timer (default 1 s). */
	pollMs?: number;
	httpTimeoutMs?: number;
	/** Called with the incoming entries of each stored update (the bot). */
	onIncoming?: (docId: DocId, contactId: ContactId, ids: EntryId[]) => void;
	/**
	 * Fault injection for the crash tests: called after each step's effect is stored and before
	 * the run's move is; the process dies there when it says so (`PARLEY_TEST_KILL_AFTER_EFFECT`).
	 */
	afterEffect?: () => void;
	/** Most runs one occurrence of a schedule starts (default `AUDIENCE_CAP`). */
	audienceCap?: number;
}

const CLAIM_MS = 15_000;
const MAX_BODY_VAR = 2000;

/** Ends of a run (for `finish`). */
type Ending = { status: 'done' } | { status: 'failed'; error: string } | { status: 'stopped'; by: string };

const hashId = (s: string): string => createHash('sha256').update(s).digest('base64url').slice(0, 20);

export class WorkflowEngine implements WriteHook {
	private versions: WorkflowVersion[] = [];
	private states = new Map<string, WorkflowState>();
	/** Tags and custom fields last seen per loaded contact (to tell what a profile write changed). */
	private readonly profiles = new Map<DocId, { tags: string[]; custom: string }>();
	/** Set inside a step's transaction: the write's causal run (for the loop bound). */
	private causing: { docId: DocId; steps: number } | null = null;
	private readonly executing = new Set<string>();
	private readonly running = new Set<Promise<unknown>>();
	private timer: NodeJS.Timeout | null = null;
	/** The next slot of any scheduled workflow (the timer wakes up for it). */
	private nextScheduleAt: number | null = null;
	private kicking = false;
	private again = false;
	private closed = false;

	constructor(private readonly o: EngineOptions) {}

	async start(): Promise<void> {
		await this.o.wf.migrateWorkflows();
		if (this.o.soleProcess) await this.o.wf.resetClaims();
		await this.reload();
		// Replies that came while the server was down end their runs' waits now.
		for (const run of await this.o.wf.listRuns({ active: true, limit: 100_000 })) {
			if (run.status === 'waiting' && run.waitReplySince !== null) this.spawn(run.id);
		}
		this.kick();
	}

	/** Re-reads versions and on/off states (after a publish here or on another process). */
	async reload(): Promise<void> {
		this.versions = await this.o.wf.workflowVersions();
		this.states = new Map((await this.o.wf.workflowStates()).map((s) => [s.id, s]));
	}

	latest(workflowId: string): WorkflowVersion | null {
		let best: WorkflowVersion | null = null;
		for (const v of this.versions) if (v.workflowId === workflowId && (!best || v.version > best.version)) best = v;
		return best;
	}

	/** Every live workflow with its newest version. */
	list(): Array<{ state: WorkflowState; latest: WorkflowVersion }> {
		const out: Array<{ state: WorkflowState; latest: WorkflowVersion }> = [];
		for (const s of this.states.values()) {
			const latest = this.latest(s.id);
			if (latest && !s.deleted) out.push({ state: s, latest });
		}
		return out.sort((a, b) => a.latest.definition.name.localeCompare(b.latest.definition.name));
	}

	// --- triggers ------------------------------------------------------------------------------

	/** Write hook: what the stored update did to the contact, as trigger events. */
	afterApply({ docId, doc, update, seq }: AppliedUpdate): void {
		if (this.closed) return;
		const parsed = parseDocId(docId);
		if (parsed?.kind !== 'contact') return;
		const cause = this.causing?.docId === docId ? this.causing : null;
		this.causing = null;
		const keys = contactUpdateKeys(update);
		const c = doc.contact;
		const events: Array<{ key: string; e: TriggerEvent }> = [];
		const incoming: EntryId[] = [];
		for (const id of keys.thread) {
			const e = c.thread.get(id as EntryId);
			if (!e) continue;
			if (e.kind === 'message' && e.direction === 'in') {
				events.push({ key: e.id, e: { type: 'incoming_message', text: e.body.text ?? '' } });
				incoming.push(e.id);
			} else if (e.kind === 'event' && e.type === 'opened') {
				events.push({ key: e.id, e: { type: 'conversation_opened', source: e.source } });
			} else if (e.kind === 'event' && e.type === 'contact_created') {
				events.push({ key: e.id, e: { type: 'contact_created' } });
			}
		}
		// Compared with what was last seen (an overwritten map key is not named in the update's bytes).
		{
			const p = c.profile.get();
			const before = this.profiles.get(docId);
			if (before && (before.tags.join('\u0000') !== p.tags.join('\u0000') || before.custom !== JSON.stringify(p.custom))) {
				for (const t of p.tags) if (!before.tags.includes(t)) events.push({ key: `${seq}:tag:${t}`, e: { type: 'tag_added', tag: t } });
				const old = JSON.parse(before.custom) as Record<string, unknown>;
				for (const [k, v] of Object.entries(p.custom)) if (old[k] !== v) events.push({ key: `${seq}:field:${k}`, e: { type: 'field_changed', field: k } });
			}
		}
		const p = c.profile.get();
		this.profiles.set(docId, { tags: p.tags, custom: JSON.stringify(p.custom) });
		for (const { key, e } of events) {
			for (const { state, latest } of this.list()) {
				if (!state.enabled || latest.definition.trigger.type === 'shortcut' || !triggerMatches(latest.definition.trigger, e)) continue;
				const id = hashId(`${latest.workflowId}\u0000${docId}\u0000${key}`);
				this.track(this.startRun(latest, parsed.contactId, 'trigger', id, cause ? cause.steps : 0));
			}
		}
		if (incoming.length > 0) {
			this.track(this.wakeRepliers(parsed.contactId));
			this.o.onIncoming?.(docId, parsed.contactId, incoming);
		}
	}

	/** Starts a run of the newest version (a shortcut, a test run, a trigger). */
	async startRun(v: WorkflowVersion, contactId: ContactId, startedBy: string, id = hashId(`${v.workflowId}:${contactId}:${this.o.clock()}:${Math.random()}`), baseSteps = 0): Promise<StoredRun | null> {
		const now = this.o.clock();
		const run: StoredRun = {
			id,
			workflowId: v.workflowId,
			version: v.version,
			contactId,
			status: 'running',
			position: firstPosition(v.definition.steps),
			steps: baseSteps,
			vars: {},
			waitUntil: null,
			waitReplySince: null,
			error: null,
			startedBy,
			createdAt: now,
			updatedAt: now,
			claimUntil: 0
		};
		if (!(await this.o.wf.insertRun(run))) return null;
		this.spawn(run.id);
		return run;
	}

	private async wakeRepliers(contactId: ContactId): Promise<void> {
		for (const r of await this.o.wf.waitingForReply(contactId)) this.spawn(r.id);
	}

	// --- execution -----------------------------------------------------------------------------

	/** Looks for due runs (timeouts, runs another process started, claims that ran out). */
	kick(): void {
		if (this.closed) return;
		if (this.kicking) {
			this.again = true;
			return;
		}
		this.kicking = true;
		void (async () => {
			try {
				do {
					this.again = false;
					// Several processes: every one follows what the others published (triggers, routes).
					if (this.o.lease) await this.reload();
					// Every process records and processes occurrences: the store lets each happen once.
					await this.fireSchedules();
					if (this.o.lease && !this.o.lease.held) break;
					for (const r of await this.o.wf.dueRuns(this.o.clock(), 200)) this.spawn(r.id);
				} while (this.again && !this.closed);
				await this.schedule();
			} catch (err) {
				this.o.log(`workflows: ${String(err)}`);
			} finally {
				this.kicking = false;
			}
		})();
	}

	private async schedule(): Promise<void> {
		if (this.closed) return;
		const due = await this.o.wf.nextRunAt();
		const next = due === null ? this.nextScheduleAt : this.nextScheduleAt === null ? due : Math.min(due, this.nextScheduleAt);
		if (this.timer) clearTimeout(this.timer);
		const poll = this.o.pollMs ?? 1000;
		const delay = Math.max(10, Math.min(next === null ? poll : next - this.o.clock(), this.o.lease ? poll : 60_000));
		this.timer = setTimeout(() => {
			this.timer = null;
			this.kick();
		}, delay);
		this.timer.unref();
	}

	// --- schedules -------------------------------------------------------------------------------

	/** Records the due occurrence of each scheduled workflow, then starts the runs of pending ones. */
	private async fireSchedules(): Promise<void> {
		const now = this.o.clock();
		const tz = workspaceOptions(this.o.visibility.directory).timeZone;
		let next: number | null = null;
		for (const { state, latest } of this.list()) {
			const t = latest.definition.trigger;
			if (!state.enabled || t.type !== 'schedule') continue;
			// Since the last occurrence, or since it was published or switched on (no slot before that).
			const since = Math.max(state.updatedAt, (await this.o.wf.lastOccurrenceAt(state.id)) ?? 0);
			const due = dueOccurrence(t.schedule, since, now, tz);
			if (due !== null) await this.o.wf.insertOccurrence({ workflowId: state.id, at: due, version: latest.version, createdAt: now });
			const upcoming = nextOccurrence(t.schedule, Math.max(now, since), tz);
			if (upcoming !== null && (next === null || upcoming < next)) next = upcoming;
		}
		this.nextScheduleAt = next;
		for (const occ of await this.o.wf.pendingOccurrences(now, 20)) {
			if (this.closed) return;
			await this.runOccurrence(occ);
		}
	}

	/** Starts the runs of one occurrence under its claim (see the module comment). */
	private async runOccurrence(occ: Occurrence): Promise<void> {
		const now = this.o.clock();
		const until = now + CLAIM_MS;
		if (!(await this.o.wf.claimOccurrence(occ.workflowId, occ.at, occ.claimUntil, until))) return;
		const key = { workflowId: occ.workflowId, version: occ.version };
		const v = definitionOf(this.versions, key) ?? (await this.reload(), definitionOf(this.versions, key));
		const trigger = v?.definition.trigger;
		if (!v || trigger?.type !== 'schedule') {
			await this.o.wf.finishOccurrence(occ.workflowId, occ.at, { matched: 0, started: 0, capped: false, updatedAt: now });
			return;
		}
		const cap = this.o.audienceCap ?? AUDIENCE_CAP;
		const audience = await this.audience(trigger.audience, v.createdBy, cap + 1);
		if (this.closed) return;
		let started = 0;
		for (const contactId of audience.slice(0, cap)) {
			const id = hashId(`${v.workflowId}\u0000schedule\u0000${occ.at}\u0000${contactId}`);
			// Inserted now, or by an earlier pass over this occurrence: one run either way.
			if ((await this.startRun(v, contactId, 'schedule', id)) || (await this.o.wf.getRun(id))) started++;
		}
		await this.o.wf.finishOccurrence(occ.workflowId, occ.at, { matched: audience.length, started, capped: audience.length > cap, updatedAt: this.o.clock() });
	}

	/** Contacts matching an audience filter as `me` sees it, by id, at most `limit` of them. */
	private async audience(filter: Filter, me: UserId, limit: number): Promise<ContactId[]> {
		const dir = this.o.visibility.directory;
		const match = compileFilter(filter, { me, dir, now: this.o.clock() });
		const out: ContactId[] = [];
		for (const docId of [...this.o.visibility.contactDocIds()].sort()) {
			if (out.length >= limit || this.closed) break;
			const parsed = parseDocId(docId);
			if (parsed?.kind !== 'contact') continue;
			// The summary holds what a filter reads (the profile facts included); a document with no
			// entry yet (updatedAt 0) is a contact not created.
			const s = await this.o.summaryOf(docId);
			if (s && s.updatedAt > 0 && match(s)) out.push(parsed.contactId);
		}
		return out;
	}

	/** A contact as the custom inboxes' filters read it (S4.4). */
	private subject(contactId: ContactId, c: ContactDoc): FilterSubject {
		const profile = c.profile.get();
		return { ...summarize(contactId, c.doc), country: profile.country, language: profile.language, tags: profile.tags, custom: profile.custom };
	}

	private spawn(runId: string): void {
		if (this.closed || this.executing.has(runId)) return;
		if (this.o.lease && !this.o.lease.held) return;
		this.executing.add(runId);
		this.track(this.execute(runId).finally(() => this.executing.delete(runId)));
	}

	private track(p: Promise<unknown>): void {
		const q = p.catch((err: unknown) => this.o.log(`workflows: ${String(err)}`)).finally(() => this.running.delete(q));
		this.running.add(q);
	}

	/** Runs one run as far as it goes now (see the module comment). */
	private async execute(runId: string): Promise<void> {
		let run = await this.o.wf.getRun(runId);
		if (!run || (run.status !== 'running' && run.status !== 'waiting')) return;
		const now = this.o.clock();
		if (run.claimUntil > now) return;
		const until = now + CLAIM_MS;
		if (!(await this.o.wf.claimRun(run.id, run.claimUntil, until))) return;
		run.claimUntil = until;
		try {
			const v = definitionOf(this.versions, run) ?? (await this.reload(), definitionOf(this.versions, run));
			if (!v) {
				await this.finish(run, null, { status: 'failed', error: 'version_missing' });
				return;
			}
			for (let i = 0; i < MAX_STEPS_PER_RUN + 1 && !this.closed; i++) {
				if (run.status === 'waiting') {
					const next = await this.endWait(run, v);
					if (!next) return;
					run = next;
					continue;
				}
				if (run.status !== 'running') return;
				const next = await this.step(run, v);
				if (!next) return;
				run = next;
			}
		} finally {
			await this.o.wf.claimRun(run.id, until, 0).catch(() => false);
		}
	}

	/** A waiting run: resumes it when the contact replied or the wait is over; else null. */
	private async endWait(run: StoredRun, v: WorkflowVersion): Promise<StoredRun | null> {
		const now = this.o.clock();
		let replied = false;
		if (run.waitReplySince !== null) {
			const since = run.waitReplySince;
			await this.o.rooms.applyServerChange(contactDocId(run.contactId as ContactId), (ydoc) => {
				replied = repliedSince(contactDoc(ydoc, serverOrigin()).thread.entries(), since);
			});
		}
		if (!replied && (run.waitUntil ?? 0) > now) return null;
		const next = nextPosition(v.definition.steps, run.position ?? []);
		const vars = run.waitReplySince !== null ? { ...run.vars, replied: replied ? 'yes' : 'no' } : run.vars;
		const patch = { status: 'running' as const, position: next, steps: run.steps + 1, vars, waitUntil: null, waitReplySince: null, updatedAt: now };
		if (!(await this.o.wf.updateRun(run.id, { steps: run.steps, status: 'waiting' }, patch))) return null;
		const moved: StoredRun = { ...run, ...patch };
		if (next === null) {
			await this.finish(moved, v, { status: 'done' });
			return null;
		}
		return moved;
	}

	/** Executes the step the run is at; returns the run after it, or null when it stops here. */
	private async step(run: StoredRun, v: WorkflowVersion): Promise<StoredRun | null> {
		const now = this.o.clock();
		const steps = v.definition.steps;
		const pos = run.position;
		if (!pos) {
			await this.finish(run, v, { status: 'done' });
			return null;
		}
		if (run.steps >= MAX_STEPS_PER_RUN) {
			await this.finish(run, v, { status: 'failed', error: `step_limit: stopped after ${MAX_STEPS_PER_RUN} steps (the workflow loops)` });
			return null;
		}
		const contactId = run.contactId as ContactId;
		const docId = contactDocId(contactId);
		const marker = stepEntryId(run.id, run.steps) as EntryId;
		const author: Author = { type: 'workflow', id: run.workflowId };
		let plan: StepPlan | { kind: 'taken' } | { kind: 'missing' } = { kind: 'missing' };
		const rr = await this.prepareAssign(stepAt(steps, pos));
		await this.o.rooms.applyServerChange(docId, (ydoc) => {
			if (!isCreated(ydoc, contactId)) return;
			const c = contactDoc(ydoc, serverOrigin());
			this.ensureStarted(c, run, v, now);
			if (c.thread.has(marker)) {
				plan = { kind: 'taken' };
				return;
			}
			const entries = c.thread.entries();
			plan = planStep(steps, pos, this.context(c, entries, run, v, now, rr));
			this.causing = { docId, steps: run.steps + 1 };
			this.apply(c, plan, marker, author, now);
		});
		this.causing = null;
		const p = plan as StepPlan | { kind: 'taken' } | { kind: 'missing' };
		if (p.kind !== 'taken' && p.kind !== 'missing') this.o.afterEffect?.();
		if (p.kind === 'missing') {
			await this.finish(run, null, { status: 'failed', error: 'no_contact' });
			return null;
		}
		if (p.kind === 'fail') {
			await this.finish(run, v, { status: 'failed', error: p.error });
			return null;
		}
		if (p.kind === 'stop') {
			await this.finish(run, v, { status: 'done' });
			return null;
		}
		if (p.kind === 'wait') {
			const patch = { status: 'waiting' as const, waitUntil: p.until, waitReplySince: p.forReply ? now : null, updatedAt: now };
			if (!(await this.o.wf.updateRun(run.id, { steps: run.steps, status: 'running' }, patch))) return null;
			const waiting: StoredRun = { ...run, ...patch };
			// A reply already in (it raced the wait's start) ends it at once.
			return this.endWait(waiting, v);
		}
		let vars = run.vars;
		if (p.kind === 'http') vars = { ...vars, ...(await this.http(run, p, docId)) };
		const next = p.kind === 'goto' ? p.position : p.kind === 'taken' ? this.afterTaken(steps, pos) : nextPosition(steps, pos);
		const patch = { position: next, steps: run.steps + 1, vars, updatedAt: this.o.clock() };
		if (!(await this.o.wf.updateRun(run.id, { steps: run.steps, status: 'running' }, patch))) return null;
		const moved: StoredRun = { ...run, ...patch };
		if (next === null) {
			await this.finish(moved, v, { status: 'done' });
			return null;
		}
		return moved;
	}

	/** A step whose marker is there took effect; a branch or wait never has one. */
	private afterTaken(steps: WorkflowVersion['definition']['steps'], pos: number[]): number[] | null {
		return stepAt(steps, pos)?.type === 'branch' ? pos : nextPosition(steps, pos);
	}

	/**
	 * Round robin across processes: the team's pointer (the agent picked last) lives in the store
	 * and is moved by compare-and-set BEFORE the step runs, so of two executors picking at once
	 * one moves it and the other picks again after it; the step then picks exactly the agent
	 * claimed (`planStep` with the pointer seen and the same agents). A crash between the claim
	 * and the step skips that agent once; it never gives two contacts the same turn.
	 */
	private async prepareAssign(step: ReturnType<typeof stepAt>): Promise<{ teamId: TeamId; seen: string | null; agents: AgentLoad[] } | null> {
		if (step?.type !== 'assign') return null;
		// Least open: each agent's open conversations, read before the step's transaction.
		if (step.to.kind === 'least_open') return { teamId: step.to.teamId, seen: null, agents: this.agents(step.to.teamId, await this.openLoad(step.to.teamId)) };
		if (step.to.kind !== 'round_robin') return null;
		const teamId = step.to.teamId;
		for (let i = 0; i < 20; i++) {
			const agents = this.agents(teamId);
			const seen = await this.o.wf.roundRobin(teamId);
			const pick = pickAgent('round_robin', agents, seen);
			if (pick === null) return null;
			if (await this.o.wf.advanceRoundRobin(teamId, seen, pick)) return { teamId, seen, agents };
		}
		return null;
	}

	private context(c: ContactDoc, entries: Entry[], run: StoredRun, v: WorkflowVersion, now: number, rr: { teamId: TeamId; seen: string | null; agents: AgentLoad[] } | null = null) {
		const dir = this.o.visibility.directory;
		const profile = c.profile.get();
		return {
			now,
			directory: dir,
			creatorId: v.createdBy,
			profile,
			state: c.state.get(),
			assignment: c.assignment.get(),
			lastIncomingText: lastIncomingText(entries),
			lastIncomingChannel: lastIncomingChannel(entries),
			vars: run.vars,
			channelIds: profile.channelIds,
			lastChannelId: lastUsedChannel(entries),
			agents: (teamId: TeamId) => (rr?.teamId === teamId ? rr.agents : this.agents(teamId)),
			lastPicked: (teamId: TeamId) => (rr?.teamId === teamId ? rr.seen : null),
			// The custom inboxes' filters (S4.4) read the contact's summary, made only when asked.
			matchFilter: (filter: Filter) => matchesFilter(filter, this.subject(run.contactId as ContactId, c), { me: v.createdBy, dir, now })
		};
	}

	/**
	 * The team's active members with their presence and, from `open`, the open conversations
	 * assigned to each (least open reads it; round robin needs only presence and order).
	 */
	private agents(teamId: TeamId, open: ReadonlyMap<string, number> = new Map()): AgentLoad[] {
		return this.o.visibility.directory.users.filter((u) => u.active && u.teamIds.includes(teamId)).map((u) => ({ userId: u.id, online: this.o.online(u.id), open: open.get(u.id) ?? 0 }));
	}

	/** The open conversations assigned to each member of the team. */
	private async openLoad(teamId: TeamId): Promise<Map<string, number>> {
		const ids = new Set<string>(this.o.visibility.directory.users.filter((u) => u.active && u.teamIds.includes(teamId)).map((u) => u.id));
		const load = new Map<string, number>();
		for (const docId of this.o.visibility.contactDocIds()) {
			const a = this.o.visibility.accessOf(docId);
			if (!a?.assigneeId || !ids.has(a.assigneeId)) continue;
			if ((await this.o.summaryOf(docId))?.status === 'open') load.set(a.assigneeId, (load.get(a.assigneeId) ?? 0) + 1);
		}
		return load;
	}

	/** Writes a step's effect with its marker (inside the step's transaction). */
	private apply(c: ContactDoc, plan: StepPlan, marker: EntryId, author: Author, now: number): void {
		const ids = (i: number) => (i === 0 ? marker : (`${marker}-${i}` as EntryId));
		let n = 0;
		const idGen = () => ids(n++);
		const action = (r: ActionResult) => c.applyAction(r, author, now, idGen);
		switch (plan.kind) {
			case 'send':
				c.thread.append({ id: marker, kind: 'message', direction: 'out', channelId: plan.channelId as ChannelId, at: now, author, body: { type: 'text', text: plan.text } });
				return;
			case 'comment':
				c.thread.append({ id: marker, kind: 'comment', at: now, author, text: plan.text, mentions: plan.mentions });
				return;
			case 'assign': {
				const target: { userId?: UserId | null; teamId?: TeamId | null } = {};
				if (plan.userId !== undefined) target.userId = plan.userId;
				if (plan.teamId !== undefined) target.teamId = plan.teamId;
				action(assign(c.assignment.get(), target, 'workflow'));
				return;
			}
			case 'profile':
				if (Object.keys(plan.patch).length > 0) c.profile.patch(plan.patch);
				return;
			case 'status': {
				const st = c.state.get();
				if (plan.to === 'open') action(reopen(st, now, 'workflow'));
				else if (plan.to === 'closed') action(close(st, now, 'workflow'));
				else {
					const r = snooze(st, c.profile.get().blocked, plan.until ?? now, now, 'workflow');
					if (!isActionError(r)) action(r);
				}
				return;
			}
			case 'bot':
				c.thread.append({ id: marker, kind: 'event', at: now, author, type: plan.on ? 'bot_on' : 'bot_off', source: 'workflow', data: {} });
				return;
			default:
				return;
		}
	}

	private ensureStarted(c: ContactDoc, run: StoredRun, v: WorkflowVersion, now: number): void {
		const id = `wf-${run.id}-start` as EntryId;
		if (c.thread.has(id)) return;
		c.thread.append({
			id,
			kind: 'event',
			at: now,
			author: { type: 'workflow', id: run.workflowId },
			type: 'workflow_started',
			source: 'workflow',
			data: { workflowId: run.workflowId, runId: run.id, name: v.definition.name, version: v.version, startedBy: run.startedBy }
		});
	}

	/** The HTTP step: the guarded client, the answer mapped into fields and `vars.http_*`. */
	private async http(run: StoredRun, p: Extract<StepPlan, { kind: 'http' }>, docId: DocId): Promise<Record<string, string>> {
		let target: URL;
		try {
			target = new URL(p.url);
		} catch {
			return { http_status: '0', http_error: 'bad_url' };
		}
		const timeoutMs = this.o.httpTimeoutMs ?? 10_000;
		const res = await guardedRequest(target, {
			method: p.method,
			headers: { 'content-type': 'application/json', 'idempotency-key': `${run.id}:${run.steps}`, 'user-agent': 'Parley-Workflow/1' },
			...(p.body !== undefined ? { body: p.body } : {}),
			allowPrivate: this.o.allowPrivate,
			timeoutMs
		});
		if (!res.ok) return { http_status: '0', http_error: res.kind };
		const text = (await readCapped(res.res, 256 * 1024, Date.now() + timeoutMs)) ?? '';
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch {
			parsed = null;
		}
		const patch: Record<string, string> = {};
		for (const m of p.map) patch[m.field] = jsonPath(parsed, m.path);
		if (Object.keys(patch).length > 0) {
			await this.o.rooms.applyServerChange(docId, (ydoc) => {
				const c = contactDoc(ydoc, serverOrigin());
				const prof = c.profile.get();
				const std = new Set(['firstName', 'lastName', 'phone', 'email', 'country', 'language']);
				const custom = { ...prof.custom };
				const direct: Record<string, string> = {};
				for (const [k, val] of Object.entries(patch)) {
					if (std.has(k)) direct[k] = val;
					else custom[k] = val;
				}
				c.profile.patch({ ...direct, custom });
			});
		}
		return { http_status: String(res.res.statusCode ?? 0), http_body: text.slice(0, MAX_BODY_VAR) };
	}

	/** Ends a run: the `workflow_ended` event, then the run's final state. */
	private async finish(run: StoredRun, v: WorkflowVersion | null, end: Ending): Promise<void> {
		const now = this.o.clock();
		const error = end.status === 'failed' ? end.error : null;
		const contactId = run.contactId as ContactId;
		await this.o.rooms
			.applyServerChange(contactDocId(contactId), (ydoc: YDoc) => {
				if (!isCreated(ydoc, contactId)) return;
				const c = contactDoc(ydoc, serverOrigin());
				const id = `wf-${run.id}-end` as EntryId;
				if (c.thread.has(id)) return;
				c.thread.append({
					id,
					kind: 'event',
					at: now,
					author: end.status === 'stopped' ? { type: 'user', id: end.by } : { type: 'workflow', id: run.workflowId },
					type: 'workflow_ended',
					source: end.status === 'stopped' ? 'user' : 'workflow',
					data: { workflowId: run.workflowId, runId: run.id, name: v?.definition.name ?? '', status: end.status, ...(error ? { error } : {}) }
				});
			})
			.catch((err: unknown) => this.o.log(`workflows: ending ${run.id}: ${String(err)}`));
		if (end.status === 'stopped') return;
		await this.o.wf.updateRun(run.id, { steps: run.steps, status: run.status }, { status: end.status, position: null, error, updatedAt: now, waitUntil: null, waitReplySince: null });
	}

	/** Stops a run (a user in the console, S7.7); false when it had already ended. */
	async stop(runId: string, byUserId: string): Promise<boolean> {
		for (let i = 0; i < 20; i++) {
			const run = await this.o.wf.getRun(runId);
			if (!run || (run.status !== 'running' && run.status !== 'waiting')) return false;
			const now = this.o.clock();
			if (await this.o.wf.updateRun(run.id, { steps: run.steps, status: run.status }, { status: 'stopped', position: null, waitUntil: null, waitReplySince: null, updatedAt: now })) {
				await this.finish(run, definitionOf(this.versions, run), { status: 'stopped', by: byUserId });
				return true;
			}
		}
		return false;
	}

	/** Resolves once nothing is in flight (tests). */
	async idle(): Promise<void> {
		while (this.running.size > 0) await Promise.allSettled([...this.running]);
	}

	async close(): Promise<void> {
		this.closed = true;
		if (this.timer) clearTimeout(this.timer);
		await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => setTimeout(r, 2000).unref())]);
	}
}
