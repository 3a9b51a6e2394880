/**
 * Workflows (SPEC S7.7, S5.5): a trigger and a list of steps, stored as numbered versions, and
 * the pure rules the server's engine (`sync-server/src/workflows/`) runs them by.
 *
 * Invariants:
 * - A definition is immutable once published: publishing makes a new version, and a run names
 *   the (workflow, version) it started on, so it finishes on that version whatever is published
 *   meanwhile (`definitionOf`).
 * - A run's position is a path into the step tree: `[i]` is the i-th top-level step, and
 *   `[i, b, j]` the j-th step of branch `b` of the branch step `i` (b = branches.length is the
 *   "otherwise" list). `nextPosition` walks it in document order; `null` is the end.
 * - Every step taken counts against `MAX_STEPS_PER_RUN`: a workflow that loops (through its
 *   own triggers, or an assignment that sets off a rule that reassigns) ends with the error
 *   `step_limit` instead of running forever.
 * - `planStep` answers what one step does, as data; it never writes. A step that refers to a
 *   team, user, field or channel that no longer exists is `broken` (validation shows it before
 *   publishing; a running workflow fails on it with that error), and a step that does what the
 *   workflow's creator may not do (a deactivated or demoted creator) fails with `not_allowed`.
 *
 * The conditions of branches: a small tree of all/any/not over tags, fields, status,
 * assignment, channel, the last incoming message and run variables, and `filter`: the advanced
 * filter language of the custom inboxes (`filters.ts`, SPEC S4.4), evaluated on the contact as
 * the workflow's publisher would see it ("me" is the publisher).
 */
import { parseFilter, validateFilter, type Filter } from './filters';
import { parseSchedule, scheduleProblem, type Schedule } from './workflow-schedule';
import type { ConversationState, Directory, Entry, EventSource, Profile, Status, TeamId, UserId } from './types';

export const MAX_STEPS_PER_RUN = 100;

export type WorkflowId = string;

export type OpenSource = Extract<EventSource, 'contact' | 'click_to_chat' | 'welcome'>;

export type Trigger =
	| { type: 'conversation_opened'; sources?: OpenSource[] }
	| { type: 'incoming_message'; words?: string[] }
	| { type: 'contact_created' }
	| { type: 'tag_added'; tag: string }
	| { type: 'field_changed'; field: string }
	| { type: 'shortcut' }
	/** Runs at each occurrence of `schedule` for every contact matching `audience` (`workflow-schedule.ts`). */
	| { type: 'schedule'; schedule: Schedule; audience: Filter };

export type TriggerType = Trigger['type'];

export type FieldOp = 'eq' | 'neq' | 'contains' | 'empty' | 'not_empty';

export type Condition =
	| { kind: 'all'; of: Condition[] }
	| { kind: 'any'; of: Condition[] }
	| { kind: 'not'; of: Condition }
	| { kind: 'tag'; tag: string }
	| { kind: 'field'; field: string; op: FieldOp; value?: string }
	| { kind: 'status'; status: Status }
	| { kind: 'assigned'; to: 'nobody' | 'someone' | { userId: UserId } }
	| { kind: 'team'; teamId: TeamId | null }
	| { kind: 'message_contains'; words: string[] }
	/** The channel of the newest incoming message. */
	| { kind: 'channel'; channelId: string }
	/** An advanced filter of the custom inboxes (SPEC S4.4). */
	| { kind: 'filter'; filter: Filter }
	| { kind: 'variable'; name: string; op: FieldOp; value?: string };

export type AssignTo =
	| { kind: 'user'; userId: UserId }
	| { kind: 'team'; teamId: TeamId }
	| { kind: 'round_robin'; teamId: TeamId }
	| { kind: 'least_open'; teamId: TeamId }
	| { kind: 'unassign' };

export type ChannelRule = { rule: 'last_used' } | { rule: 'channel'; channelId: string };

export interface Branch {
	name: string;
	when: Condition;
	steps: Step[];
}

export type Step =
	| { type: 'send_message'; text: string; channel?: ChannelRule }
	| { type: 'comment'; text: string; mentions?: UserId[] }
	| { type: 'assign'; to: AssignTo }
	| { type: 'tag'; op: 'add' | 'remove'; tag: string }
	| { type: 'set_field'; field: string; value: string }
	| { type: 'status'; to: 'open' | 'closed' | 'snoozed'; snoozeMinutes?: number }
	/** Waits `minutes`; with `forReply`, until the contact replies or `minutes` pass (the timeout). */
	| { type: 'wait'; minutes: number; forReply?: boolean }
	| { type: 'branch'; branches: Branch[]; otherwise: Step[] }
	| { type: 'http'; method: 'GET' | 'POST'; url: string; body?: string; map?: Array<{ path: string; field: string }> }
	| { type: 'bot'; on: boolean }
	| { type: 'stop' };

export type StepType = Step['type'];

export interface WorkflowDefinition {
	name: string;
	trigger: Trigger;
	steps: Step[];
}

/** One occurrence of a scheduled workflow (SPEC S7.7): when, and for how many contacts (the run history's view). */
export interface OccurrenceInfo {
	/** The slot (ms since the epoch). */
	at: number;
	version: number;
	status: 'pending' | 'done';
	/** Contacts the audience matched (up to the cap, plus one when it was cut). */
	matched: number;
	/** Runs started. */
	started: number;
	/** More contacts matched than one occurrence runs for: only the first ones ran. */
	capped: boolean;
}

/** One published version of a workflow. */
export interface WorkflowVersion {
	workflowId: WorkflowId;
	version: number;
	definition: WorkflowDefinition;
	/** The owner or manager who published it; steps run with their rights. */
	createdBy: UserId;
	publishedAt: number;
}

/** A workflow as listed: its newest version and whether it is on. */
export interface WorkflowSummary {
	id: WorkflowId;
	name: string;
	version: number;
	enabled: boolean;
	trigger: Trigger;
}

export type RunStatus = 'running' | 'waiting' | 'done' | 'failed' | 'stopped';

export type Position = number[];

/** A run's durable state (the engine stores it before and after each step). */
export interface WorkflowRun {
	id: string;
	workflowId: WorkflowId;
	version: number;
	contactId: string;
	status: RunStatus;
	/** The step it is at (running or waiting), null once ended. */
	position: Position | null;
	/** Steps taken so far (the step counter; also the sequence of each step's idempotency key). */
	steps: number;
	vars: Record<string, string>;
	/** While waiting: when the wait ends (the timeout of a wait for a reply). */
	waitUntil: number | null;
	/** While waiting for a reply: incoming messages after this time end the wait. */
	waitReplySince: number | null;
	error: string | null;
	/** Who started it: a user (shortcut, test run) or the trigger. */
	startedBy: string;
	createdAt: number;
	updatedAt: number;
}

// ---------------------------------------------------------------------------------------------
// Versions

/** The definition a run executes: the version it started on, never a newer one. */
export function definitionOf(versions: readonly WorkflowVersion[], run: Pick<WorkflowRun, 'workflowId' | 'version'>): WorkflowVersion | null {
	return versions.find((v) => v.workflowId === run.workflowId && v.version === run.version) ?? null;
}

/** The number the next published version of a workflow gets. */
export function nextVersion(versions: readonly Pick<WorkflowVersion, 'version'>[]): number {
	return versions.reduce((m, v) => Math.max(m, v.version), 0) + 1;
}

// ---------------------------------------------------------------------------------------------
// Positions

/** The step at `pos`, or null when the path leads nowhere. */
export function stepAt(steps: readonly Step[], pos: Position): Step | null {
	let list: readonly Step[] = steps;
	for (let i = 0; i < pos.length; i += 2) {
		const step = list[pos[i]!];
		if (!step) return null;
		if (i === pos.length - 1) return step;
		if (step.type !== 'branch') return null;
		const b = pos[i + 1]!;
		list = b === step.branches.length ? step.otherwise : (step.branches[b]?.steps ?? []);
		if (b > step.branches.length) return null;
	}
	return null;
}

/** The list that holds the step at `pos` (the branch list it is in, or the top level). */
function listAt(steps: readonly Step[], parent: Position): readonly Step[] | null {
	if (parent.length === 0) return steps;
	const branchStep = stepAt(steps, parent.slice(0, -1));
	if (!branchStep || branchStep.type !== 'branch') return null;
	const b = parent[parent.length - 1]!;
	return b === branchStep.branches.length ? branchStep.otherwise : (branchStep.branches[b]?.steps ?? null);
}

/** The position after the step at `pos` (leaving finished branches); null at the end. */
export function nextPosition(steps: readonly Step[], pos: Position): Position | null {
	let p = [...pos];
	while (p.length > 0) {
		const idx = p[p.length - 1]! + 1;
		const parent = p.slice(0, -1);
		const list = listAt(steps, parent);
		if (list && idx < list.length) return [...parent, idx];
		// Past the end of a branch list: continue after the branch step that holds it.
		if (parent.length === 0) return null;
		p = parent.slice(0, -1);
	}
	return null;
}

/** The first position of branch `b` of the branch step at `pos` (or what follows when it is empty). */
export function enterBranch(steps: readonly Step[], pos: Position, b: number): Position | null {
	const list = listAt(steps, [...pos, b]);
	if (list && list.length > 0) return [...pos, b, 0];
	return nextPosition(steps, pos);
}

export function firstPosition(steps: readonly Step[]): Position | null {
	return steps.length > 0 ? [0] : null;
}

/** Every step with its position, in document order (validation, the builder). */
export function walkSteps(steps: readonly Step[], prefix: Position = []): Array<{ pos: Position; step: Step }> {
	const out: Array<{ pos: Position; step: Step }> = [];
	steps.forEach((step, i) => {
		const pos = [...prefix, i];
		out.push({ pos, step });
		if (step.type === 'branch') {
			step.branches.forEach((b, bi) => out.push(...walkSteps(b.steps, [...pos, bi])));
			out.push(...walkSteps(step.otherwise, [...pos, step.branches.length]));
		}
	});
	return out;
}

// ---------------------------------------------------------------------------------------------
// Variables

export interface VariableContext {
	profile: Profile;
	vars: Record<string, string>;
	/** Saved replies by name, for `{{snippet:Name}}`. */
	snippets: ReadonlyArray<{ name: string; text: string }>;
	/** The assignee's name, for `{{assignee.name}}`. */
	assigneeName?: string;
}

const VARIABLE = /\{\{\s*([A-Za-z0-9_.:\- ]+?)\s*\}\}/g;

/** The value of one variable name, or undefined when it names nothing. */
export function variableValue(name: string, ctx: VariableContext): string | undefined {
	if (name.startsWith('snippet:')) {
		const wanted = name.slice('snippet:'.length).trim().toLowerCase();
		return ctx.snippets.find((s) => s.name.toLowerCase() === wanted)?.text;
	}
	const [scope, ...rest] = name.split('.');
	const key = rest.join('.');
	if (scope === 'contact') {
		const p = ctx.profile;
		switch (key) {
			case 'firstName':
				return p.firstName;
			case 'lastName':
				return p.lastName;
			case 'name':
				return [p.firstName, p.lastName].filter(Boolean).join(' ');
			case 'phone':
				return p.phone;
			case 'email':
				return p.email;
			case 'country':
				return p.country;
			case 'language':
				return p.language;
		}
		if (key.startsWith('custom.')) {
			const v = p.custom[key.slice('custom.'.length)];
			return v === null || v === undefined ? '' : String(v);
		}
		return undefined;
	}
	if (scope === 'vars') return ctx.vars[key];
	if (scope === 'assignee' && key === 'name') return ctx.assigneeName ?? '';
	return undefined;
}

/**
 * Replaces `{{contact.firstName}}`, `{{contact.custom.plan}}`, `{{vars.x}}`,
 * `{{assignee.name}}` and `{{snippet:Name}}` (a snippet's own variables are replaced too, one
 * level deep). An unknown variable becomes empty text, never the raw braces a customer would see.
 */
export function renderTemplate(text: string, ctx: VariableContext, depth = 0): string {
	return text.replace(VARIABLE, (_m, name: string) => {
		const v = variableValue(name, ctx) ?? '';
		return name.startsWith('snippet:') && depth === 0 ? renderTemplate(v, ctx, 1) : v;
	});
}

/** The variable names a text uses (validation). */
export function variablesIn(text: string): string[] {
	return [...text.matchAll(VARIABLE)].map((m) => m[1]!);
}

// ---------------------------------------------------------------------------------------------
// Conditions

export interface ConditionContext {
	profile: Profile;
	state: Pick<ConversationState, 'status'>;
	assignment: { userId: UserId | null; teamId: TeamId | null };
	/** The text of the newest incoming message, '' when none. */
	lastIncomingText: string;
	/** The channel of the newest incoming message, null when none. */
	lastIncomingChannel?: string | null;
	/** Evaluates an advanced filter on the contact (absent: filter conditions are false). */
	matchFilter?: (filter: Filter) => boolean;
	vars: Record<string, string>;
}

function fieldTest(value: string, op: FieldOp, want: string | undefined): boolean {
	const v = value.trim().toLowerCase();
	const w = (want ?? '').trim().toLowerCase();
	switch (op) {
		case 'eq':
			return v === w;
		case 'neq':
			return v !== w;
		case 'contains':
			return w !== '' && v.includes(w);
		case 'empty':
			return v === '';
		case 'not_empty':
			return v !== '';
	}
}

/** Lower-case words of a text (letters and digits of any script). */
export function wordsOf(text: string): string[] {
	return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** True when the text has one of `words` as a whole word (or a phrase of several). */
export function matchesWords(text: string, words: readonly string[]): boolean {
	const have = ` ${wordsOf(text).join(' ')} `;
	return words.some((w) => {
		const norm = wordsOf(w).join(' ');
		return norm !== '' && have.includes(` ${norm} `);
	});
}

export function evaluate(c: Condition, ctx: ConditionContext): boolean {
	switch (c.kind) {
		case 'all':
			return c.of.every((x) => evaluate(x, ctx));
		case 'any':
			return c.of.some((x) => evaluate(x, ctx));
		case 'not':
			return !evaluate(c.of, ctx);
		case 'tag':
			return ctx.profile.tags.some((t) => t.toLowerCase() === c.tag.toLowerCase());
		case 'field': {
			const std = variableValue(`contact.${c.field}`, { profile: ctx.profile, vars: {}, snippets: [] });
			const v = std ?? variableValue(`contact.custom.${c.field}`, { profile: ctx.profile, vars: {}, snippets: [] }) ?? '';
			return fieldTest(v, c.op, c.value);
		}
		case 'status':
			return ctx.state.status === c.status;
		case 'assigned':
			if (c.to === 'nobody') return ctx.assignment.userId === null;
			if (c.to === 'someone') return ctx.assignment.userId !== null;
			return ctx.assignment.userId === c.to.userId;
		case 'team':
			return ctx.assignment.teamId === c.teamId;
		case 'message_contains':
			return matchesWords(ctx.lastIncomingText, c.words);
		case 'channel':
			return (ctx.lastIncomingChannel ?? null) === c.channelId;
		case 'filter':
			return ctx.matchFilter?.(c.filter) ?? false;
		case 'variable':
			return fieldTest(ctx.vars[c.name] ?? '', c.op, c.value);
	}
}

// ---------------------------------------------------------------------------------------------
// Triggers

/** What happened to a contact, as the engine sees it after a stored write. */
export type TriggerEvent =
	| { type: 'conversation_opened'; source: EventSource }
	| { type: 'incoming_message'; text: string }
	| { type: 'contact_created' }
	| { type: 'tag_added'; tag: string }
	| { type: 'field_changed'; field: string }
	| { type: 'shortcut' }
	| { type: 'schedule' };

export function triggerMatches(t: Trigger, e: TriggerEvent): boolean {
	if (t.type !== e.type) return false;
	switch (t.type) {
		case 'conversation_opened':
			return !t.sources || t.sources.length === 0 || t.sources.includes((e as { source: EventSource }).source as OpenSource);
		case 'incoming_message':
			return !t.words || t.words.length === 0 || matchesWords((e as { text: string }).text, t.words);
		case 'tag_added':
			return t.tag.toLowerCase() === (e as { tag: string }).tag.toLowerCase();
		case 'field_changed':
			return t.field === (e as { field: string }).field;
		default:
			return true;
	}
}

// ---------------------------------------------------------------------------------------------
// Validation

export type ProblemCode =
	| 'empty_name'
	| 'no_steps'
	| 'broken_team'
	| 'broken_user'
	| 'broken_field'
	| 'broken_channel'
	| 'broken_snippet'
	| 'bad_variable'
	| 'bad_wait'
	| 'bad_url'
	| 'empty_text'
	| 'bad_trigger'
	| 'broken_filter';

export interface Problem {
	/** The step's position; null for the workflow itself (name, trigger). */
	pos: Position | null;
	code: ProblemCode;
	/** What it refers to (the missing team id, the variable...). */
	ref?: string;
}

type DirectoryRefs = Pick<Directory, 'teams' | 'users' | 'customFields' | 'channels' | 'snippets'>;

const STANDARD_FIELDS = new Set(['firstName', 'lastName', 'name', 'phone', 'email', 'country', 'language']);

function checkText(text: string, pos: Position, dir: DirectoryRefs, out: Problem[]): void {
	for (const name of variablesIn(text)) {
		if (name.startsWith('snippet:')) {
			const wanted = name.slice('snippet:'.length).trim().toLowerCase();
			if (!dir.snippets.some((s) => s.name.toLowerCase() === wanted)) out.push({ pos, code: 'broken_snippet', ref: name });
			continue;
		}
		const [scope, ...rest] = name.split('.');
		const key = rest.join('.');
		if (scope === 'vars' || (scope === 'assignee' && key === 'name')) continue;
		if (scope === 'contact' && STANDARD_FIELDS.has(key)) continue;
		if (scope === 'contact' && key.startsWith('custom.')) {
			const f = key.slice('custom.'.length);
			if (!dir.customFields.some((d) => d.key === f)) out.push({ pos, code: 'broken_field', ref: f });
			continue;
		}
		out.push({ pos, code: 'bad_variable', ref: name });
	}
}

function checkCondition(c: Condition, pos: Position, dir: DirectoryRefs, out: Problem[]): void {
	switch (c.kind) {
		case 'all':
		case 'any':
			c.of.forEach((x) => checkCondition(x, pos, dir, out));
			return;
		case 'not':
			checkCondition(c.of, pos, dir, out);
			return;
		case 'field':
			if (!STANDARD_FIELDS.has(c.field) && !dir.customFields.some((d) => d.key === c.field)) out.push({ pos, code: 'broken_field', ref: c.field });
			return;
		case 'assigned':
			if (typeof c.to === 'object' && !activeUser(dir, c.to.userId)) out.push({ pos, code: 'broken_user', ref: c.to.userId });
			return;
		case 'team':
			if (c.teamId !== null && !dir.teams.some((t) => t.id === c.teamId)) out.push({ pos, code: 'broken_team', ref: c.teamId });
			return;
		case 'channel':
			if (!dir.channels.some((ch) => ch.id === c.channelId)) out.push({ pos, code: 'broken_channel', ref: c.channelId });
			return;
		case 'filter':
			// A filter naming a deleted field, team, user or channel never matches: shown as broken.
			for (const w of validateFilter(c.filter, dir as Directory)) out.push({ pos, code: 'broken_filter', ref: w.code });
			return;
		default:
			return;
	}
}

const activeUser = (dir: Pick<Directory, 'users'>, id: string) => dir.users.some((u) => u.id === id && u.active);

/** Problems of one step (not of its nested steps). */
export function stepProblems(step: Step, pos: Position, dir: DirectoryRefs): Problem[] {
	const out: Problem[] = [];
	const team = (id: string) => {
		if (!dir.teams.some((t) => t.id === id)) out.push({ pos, code: 'broken_team', ref: id });
	};
	switch (step.type) {
		case 'send_message':
			if (step.text.trim() === '') out.push({ pos, code: 'empty_text' });
			checkText(step.text, pos, dir, out);
			if (step.channel?.rule === 'channel') {
				const want = step.channel.channelId;
				if (!dir.channels.some((c) => c.id === want)) out.push({ pos, code: 'broken_channel', ref: want });
			}
			break;
		case 'comment':
			if (step.text.trim() === '') out.push({ pos, code: 'empty_text' });
			checkText(step.text, pos, dir, out);
			for (const m of step.mentions ?? []) if (!activeUser(dir, m)) out.push({ pos, code: 'broken_user', ref: m });
			break;
		case 'assign':
			if (step.to.kind === 'user' && !activeUser(dir, step.to.userId)) out.push({ pos, code: 'broken_user', ref: step.to.userId });
			if (step.to.kind === 'team' || step.to.kind === 'round_robin' || step.to.kind === 'least_open') team(step.to.teamId);
			break;
		case 'tag':
			if (step.tag.trim() === '') out.push({ pos, code: 'empty_text' });
			break;
		case 'set_field':
			if (!STANDARD_FIELDS.has(step.field) && !dir.customFields.some((d) => d.key === step.field)) out.push({ pos, code: 'broken_field', ref: step.field });
			checkText(step.value, pos, dir, out);
			break;
		case 'status':
			if (step.to === 'snoozed' && !(typeof step.snoozeMinutes === 'number' && step.snoozeMinutes > 0)) out.push({ pos, code: 'bad_wait' });
			break;
		case 'wait':
			if (!(Number.isFinite(step.minutes) && step.minutes > 0)) out.push({ pos, code: 'bad_wait' });
			break;
		case 'branch':
			step.branches.forEach((b) => checkCondition(b.when, pos, dir, out));
			break;
		case 'http': {
			let ok: boolean;
			try {
				const u = new URL(step.url.replace(VARIABLE, 'x'));
				ok = u.protocol === 'http:' || u.protocol === 'https:';
			} catch {
				ok = false;
			}
			if (!ok) out.push({ pos, code: 'bad_url' });
			for (const m of step.map ?? []) {
				if (!STANDARD_FIELDS.has(m.field) && !dir.customFields.some((d) => d.key === m.field)) out.push({ pos, code: 'broken_field', ref: m.field });
			}
			break;
		}
		case 'bot':
		case 'stop':
			break;
	}
	return out;
}

/** Every problem of a definition against the directory; publishing needs none. */
export function validateDefinition(def: WorkflowDefinition, dir: DirectoryRefs): Problem[] {
	const out: Problem[] = [];
	if (def.name.trim() === '') out.push({ pos: null, code: 'empty_name' });
	if (def.steps.length === 0) out.push({ pos: null, code: 'no_steps' });
	const t = def.trigger;
	if (t.type === 'schedule') {
		const bad = scheduleProblem(t.schedule);
		if (bad) out.push({ pos: null, code: 'bad_trigger', ref: bad });
		// The audience naming a deleted field, team, user or channel: shown before publishing.
		for (const w of validateFilter(t.audience, dir as Directory)) out.push({ pos: null, code: 'broken_filter', ref: w.code });
	}
	if (t.type === 'tag_added' && t.tag.trim() === '') out.push({ pos: null, code: 'bad_trigger' });
	if (t.type === 'field_changed' && !STANDARD_FIELDS.has(t.field) && !dir.customFields.some((d) => d.key === t.field)) out.push({ pos: null, code: 'broken_field', ref: t.field });
	for (const { pos, step } of walkSteps(def.steps)) out.push(...stepProblems(step, pos, dir));
	return out;
}

// ---------------------------------------------------------------------------------------------
// Assignment among a team's agents

export interface AgentLoad {
	userId: UserId;
	online: boolean;
	/** Open conversations assigned to the agent now. */
	open: number;
}

/**
 * The agent a team assignment picks: among the team's active agents who are online (all of
 * them when none is), round robin takes the one after `lastUserId` in id order; least open
 * takes the one with the fewest open conversations (ties: the earlier id). Null: no agent.
 */
export function pickAgent(mode: 'round_robin' | 'least_open', agents: readonly AgentLoad[], lastUserId: string | null): UserId | null {
	const online = agents.filter((a) => a.online);
	const pool = [...(online.length > 0 ? online : agents)].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
	if (pool.length === 0) return null;
	if (mode === 'least_open') return pool.reduce((best, a) => (a.open < best.open ? a : best)).userId;
	const next = lastUserId === null ? undefined : pool.find((a) => a.userId > lastUserId);
	return (next ?? pool[0]!).userId;
}

// ---------------------------------------------------------------------------------------------
// Bot status (S7.8) and the thread

/** The bot is on for a contact unless its newest bot_on / bot_off event says off. */
export function botEnabled(entries: Iterable<Entry>): boolean {
	let newest: Entry | null = null;
	for (const e of entries) {
		if (e.kind !== 'event' || (e.type !== 'bot_on' && e.type !== 'bot_off')) continue;
		if (!newest || e.at > newest.at || (e.at === newest.at && e.id > newest.id)) newest = e;
	}
	return !newest || (newest.kind === 'event' && newest.type === 'bot_on');
}

/** The newest incoming message's text, '' when none. */
export function lastIncomingText(entries: Iterable<Entry>): string {
	let best: { at: number; text: string } | null = null;
	for (const e of entries) {
		if (e.kind === 'message' && e.direction === 'in' && (!best || e.at > best.at)) best = { at: e.at, text: e.body.text ?? '' };
	}
	return best?.text ?? '';
}

/** The channel of the newest incoming message, null when none. */
export function lastIncomingChannel(entries: Iterable<Entry>): string | null {
	let best: { at: number; channelId: string } | null = null;
	for (const e of entries) if (e.kind === 'message' && e.direction === 'in' && (!best || e.at > best.at)) best = { at: e.at, channelId: e.channelId };
	return best?.channelId ?? null;
}

/** The channel of the newest message of either direction (the "last used" rule). */
export function lastUsedChannel(entries: Iterable<Entry>): string | null {
	let best: { at: number; channelId: string } | null = null;
	for (const e of entries) if (e.kind === 'message' && !e.broadcast && (!best || e.at > best.at)) best = { at: e.at, channelId: e.channelId };
	return best?.channelId ?? null;
}

/** True when an incoming message arrived after `since`. */
export function repliedSince(entries: Iterable<Entry>, since: number): boolean {
	for (const e of entries) if (e.kind === 'message' && e.direction === 'in' && e.at > since) return true;
	return false;
}

// ---------------------------------------------------------------------------------------------
// Steps as plans

export interface StepContext extends ConditionContext {
	now: number;
	directory: Pick<Directory, 'teams' | 'users' | 'customFields' | 'channels' | 'snippets'>;
	/** The workflow's creator (the steps run with their rights). */
	creatorId: UserId;
	/** The contact's channels, and the one last used (null when none). */
	channelIds: string[];
	lastChannelId: string | null;
	/** Team assignment: the team's agents with their load and presence, and the last one picked. */
	agents(teamId: TeamId): AgentLoad[];
	lastPicked(teamId: TeamId): string | null;
}

/** What one step does; the engine carries it out. */
export type StepPlan =
	| { kind: 'send'; text: string; channelId: string }
	| { kind: 'comment'; text: string; mentions: UserId[] }
	| { kind: 'assign'; userId?: UserId | null; teamId?: TeamId | null; picked?: { teamId: TeamId; userId: UserId } }
	| { kind: 'profile'; patch: Partial<Profile> }
	| { kind: 'status'; to: 'open' | 'closed' | 'snoozed'; until?: number }
	| { kind: 'wait'; until: number; forReply: boolean }
	| { kind: 'goto'; position: Position | null }
	| { kind: 'http'; method: 'GET' | 'POST'; url: string; body?: string; map: Array<{ path: string; field: string }> }
	| { kind: 'bot'; on: boolean }
	| { kind: 'stop' }
	| { kind: 'fail'; error: string };

/** May the creator still run workflows (S7.7: no step does what its creator could not do)? */
export function creatorAllowed(dir: Pick<Directory, 'users'>, creatorId: UserId): boolean {
	const u = dir.users.find((x) => x.id === creatorId);
	return !!u && u.active && (u.role === 'owner' || u.role === 'manager');
}

/** What the step at `pos` does (see the module comment); `steps` is the run's version. */
export function planStep(steps: readonly Step[], pos: Position, ctx: StepContext): StepPlan {
	const step = stepAt(steps, pos);
	if (!step) return { kind: 'fail', error: 'bad_position' };
	if (!creatorAllowed(ctx.directory, ctx.creatorId)) return { kind: 'fail', error: 'not_allowed' };
	const broken = stepProblems(step, pos, ctx.directory).find((p) => p.code.startsWith('broken_'));
	if (broken) return { kind: 'fail', error: `${broken.code}${broken.ref ? `:${broken.ref}` : ''}` };
	const vctx: VariableContext = {
		profile: ctx.profile,
		vars: ctx.vars,
		snippets: ctx.directory.snippets,
		assigneeName: ctx.directory.users.find((u) => u.id === ctx.assignment.userId)?.name ?? ''
	};
	switch (step.type) {
		case 'send_message': {
			// S7.6: no message goes out to a blocked contact.
			if (ctx.profile.blocked) return { kind: 'fail', error: 'blocked' };
			const channelId = step.channel?.rule === 'channel' ? step.channel.channelId : (ctx.lastChannelId ?? ctx.channelIds[0] ?? null);
			if (!channelId) return { kind: 'fail', error: 'no_channel' };
			const text = renderTemplate(step.text, vctx).trim();
			if (text === '') return { kind: 'fail', error: 'empty_text' };
			return { kind: 'send', text, channelId };
		}
		case 'comment':
			return { kind: 'comment', text: renderTemplate(step.text, vctx), mentions: step.mentions ?? [] };
		case 'assign': {
			const to = step.to;
			switch (to.kind) {
				case 'user':
					return { kind: 'assign', userId: to.userId };
				case 'team':
					return { kind: 'assign', teamId: to.teamId };
				case 'unassign':
					return { kind: 'assign', userId: null };
				case 'round_robin':
				case 'least_open': {
					const userId = pickAgent(to.kind, ctx.agents(to.teamId), ctx.lastPicked(to.teamId));
					if (!userId) return { kind: 'fail', error: `no_agent:${to.teamId}` };
					return { kind: 'assign', userId, teamId: to.teamId, picked: { teamId: to.teamId, userId } };
				}
			}
			break;
		}
		case 'tag': {
			const has = ctx.profile.tags.some((t) => t.toLowerCase() === step.tag.toLowerCase());
			if (step.op === 'add') return { kind: 'profile', patch: has ? {} : { tags: [...ctx.profile.tags, step.tag] } };
			return { kind: 'profile', patch: has ? { tags: ctx.profile.tags.filter((t) => t.toLowerCase() !== step.tag.toLowerCase()) } : {} };
		}
		case 'set_field': {
			const value = renderTemplate(step.value, vctx);
			if (STANDARD_FIELDS.has(step.field) && step.field !== 'name') return { kind: 'profile', patch: { [step.field]: value } as Partial<Profile> };
			return { kind: 'profile', patch: { custom: { ...ctx.profile.custom, [step.field]: value } } };
		}
		case 'status':
			return step.to === 'snoozed' ? { kind: 'status', to: 'snoozed', until: ctx.now + (step.snoozeMinutes ?? 0) * 60_000 } : { kind: 'status', to: step.to };
		case 'wait':
			return { kind: 'wait', until: ctx.now + step.minutes * 60_000, forReply: step.forReply === true };
		case 'branch': {
			const b = step.branches.findIndex((br) => evaluate(br.when, ctx));
			return { kind: 'goto', position: enterBranch(steps, pos, b === -1 ? step.branches.length : b) };
		}
		case 'http':
			return {
				kind: 'http',
				method: step.method,
				url: renderTemplate(step.url, vctx),
				...(step.body !== undefined ? { body: renderTemplate(step.body, vctx) } : {}),
				map: step.map ?? []
			};
		case 'bot':
			return { kind: 'bot', on: step.on };
		case 'stop':
			return { kind: 'stop' };
	}
	return { kind: 'fail', error: 'unknown_step' };
}

/** Reads `a.b.0.c` out of a parsed JSON value, as text ('' when absent). */
export function jsonPath(value: unknown, path: string): string {
	let cur: unknown = value;
	for (const part of path.split('.').filter(Boolean)) {
		if (cur === null || typeof cur !== 'object') return '';
		cur = (cur as Record<string, unknown>)[part];
	}
	if (cur === null || cur === undefined) return '';
	return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

/** The entry id a step of a run writes (its idempotency key: never written twice). */
export function stepEntryId(runId: string, step: number, part = 0): string {
	return `wf-${runId}-${step}${part > 0 ? `-${part}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Shape checks of definitions coming over HTTP

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const strArr = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);

function isCondition(v: unknown, depth = 0): v is Condition {
	if (!isObj(v) || depth > 8) return false;
	switch (v.kind) {
		case 'all':
		case 'any':
			return Array.isArray(v.of) && v.of.every((x) => isCondition(x, depth + 1));
		case 'not':
			return isCondition(v.of, depth + 1);
		case 'tag':
			return isStr(v.tag);
		case 'field':
		case 'variable':
			return isStr(v.kind === 'field' ? v.field : v.name) && ['eq', 'neq', 'contains', 'empty', 'not_empty'].includes(v.op as string) && (v.value === undefined || isStr(v.value));
		case 'status':
			return ['open', 'closed', 'snoozed'].includes(v.status as string);
		case 'assigned':
			return v.to === 'nobody' || v.to === 'someone' || (isObj(v.to) && isStr(v.to.userId));
		case 'team':
			return v.teamId === null || isStr(v.teamId);
		case 'message_contains':
			return strArr(v.words);
		case 'channel':
			return isStr(v.channelId);
		case 'filter':
			return parseFilter(v.filter) !== null;
		default:
			return false;
	}
}

function isStep(v: unknown, depth: number): v is Step {
	if (!isObj(v) || depth > 8) return false;
	switch (v.type) {
		case 'send_message':
			return isStr(v.text) && (v.channel === undefined || (isObj(v.channel) && (v.channel.rule === 'last_used' || (v.channel.rule === 'channel' && isStr(v.channel.channelId)))));
		case 'comment':
			return isStr(v.text) && (v.mentions === undefined || strArr(v.mentions));
		case 'assign': {
			const to = v.to;
			if (!isObj(to)) return false;
			if (to.kind === 'unassign') return true;
			if (to.kind === 'user') return isStr(to.userId);
			return (to.kind === 'team' || to.kind === 'round_robin' || to.kind === 'least_open') && isStr(to.teamId);
		}
		case 'tag':
			return (v.op === 'add' || v.op === 'remove') && isStr(v.tag);
		case 'set_field':
			return isStr(v.field) && isStr(v.value);
		case 'status':
			return ['open', 'closed', 'snoozed'].includes(v.to as string) && (v.snoozeMinutes === undefined || typeof v.snoozeMinutes === 'number');
		case 'wait':
			return typeof v.minutes === 'number' && (v.forReply === undefined || typeof v.forReply === 'boolean');
		case 'branch':
			return (
				Array.isArray(v.branches) &&
				v.branches.every((b) => isObj(b) && isStr(b.name) && isCondition(b.when) && Array.isArray(b.steps) && b.steps.every((s) => isStep(s, depth + 1))) &&
				Array.isArray(v.otherwise) &&
				v.otherwise.every((s) => isStep(s, depth + 1))
			);
		case 'http':
			return (
				(v.method === 'GET' || v.method === 'POST') &&
				isStr(v.url) &&
				(v.body === undefined || isStr(v.body)) &&
				(v.map === undefined || (Array.isArray(v.map) && v.map.every((m) => isObj(m) && isStr(m.path) && isStr(m.field))))
			);
		case 'bot':
			return typeof v.on === 'boolean';
		case 'stop':
			return true;
		default:
			return false;
	}
}

function isTrigger(v: unknown): v is Trigger {
	if (!isObj(v)) return false;
	switch (v.type) {
		case 'conversation_opened':
			return v.sources === undefined || strArr(v.sources);
		case 'incoming_message':
			return v.words === undefined || strArr(v.words);
		case 'contact_created':
		case 'shortcut':
			return true;
		case 'tag_added':
			return isStr(v.tag);
		case 'field_changed':
			return isStr(v.field);
		case 'schedule':
			return parseSchedule(v.schedule) !== null && parseFilter(v.audience) !== null;
		default:
			return false;
	}
}

/** A definition read from untrusted JSON, or null when its shape is wrong. */
export function parseDefinition(v: unknown): WorkflowDefinition | null {
	if (!isObj(v) || !isStr(v.name) || v.name.length > 200 || !isTrigger(v.trigger) || !Array.isArray(v.steps)) return null;
	if (!v.steps.every((s) => isStep(s, 0))) return null;
	if (walkSteps(v.steps as Step[]).length > 500) return null;
	// Normalized: a schedule keeps only its known keys, its audience the parsed filter.
	const trigger: Trigger = v.trigger.type === 'schedule' ? { type: 'schedule', schedule: parseSchedule(v.trigger.schedule)!, audience: parseFilter(v.trigger.audience)! } : v.trigger;
	return { name: v.name, trigger, steps: v.steps as Step[] };
}
