/**
 * The workflow builder's state (SPEC S7.7): the draft being edited (a trigger and a tree of
 * steps, branches as nested lists), edits addressed by list path, the problems of the last
 * check, the list of workflows and the selected one's run history. Server calls go through the
 * `WorkflowsClient`; the draft itself is plain data until published.
 *
 * A list path names a list of steps: `[]` is the top level, `[i, b]` branch `b` of the branch
 * step at `i` (b = branches.length: its "otherwise"), `[i, b, j, c]` deeper.
 */
import type { Directory } from '../domain/types';
import type { Condition, Position, Problem, Step, StepType, Trigger, WorkflowDefinition } from '../domain/workflows';
import { defaultSchedule } from '../domain/workflow-schedule';
import type { OccurrenceInfo, RunInfo, WorkflowInfo, WorkflowsClient } from './workflows';

export type ListPath = number[];

export const STEP_TYPES: StepType[] = ['send_message', 'comment', 'assign', 'tag', 'set_field', 'status', 'wait', 'branch', 'http', 'bot', 'stop'];
export const TRIGGER_TYPES: Trigger['type'][] = ['conversation_opened', 'incoming_message', 'contact_created', 'tag_added', 'field_changed', 'shortcut', 'schedule'];

export function defaultStep(type: StepType, dir: Directory | null): Step {
	const team = dir?.teams[0]?.id ?? ('' as never);
	switch (type) {
		case 'send_message':
			return { type, text: '' };
		case 'comment':
			return { type, text: '' };
		case 'assign':
			return { type, to: { kind: 'round_robin', teamId: team } };
		case 'tag':
			return { type, op: 'add', tag: '' };
		case 'set_field':
			return { type, field: dir?.customFields[0]?.key ?? 'firstName', value: '' };
		case 'status':
			return { type, to: 'closed' };
		case 'wait':
			return { type, minutes: 10 };
		case 'branch':
			return { type, branches: [{ name: '', when: defaultCondition(), steps: [] }], otherwise: [] };
		case 'http':
			return { type, method: 'POST', url: 'https://', map: [] };
		case 'bot':
			return { type, on: false };
		case 'stop':
			return { type };
	}
}

/** A new branch's condition: the filter language of the custom inboxes (S4.4), one condition. */
export function defaultCondition(): Condition {
	return { kind: 'filter', filter: { groups: [[{ field: 'tags', op: 'contains', value: '' }]] } };
}

export function defaultTrigger(type: Trigger['type']): Trigger {
	switch (type) {
		case 'conversation_opened':
			return { type, sources: ['contact'] };
		case 'incoming_message':
			return { type, words: [] };
		case 'tag_added':
			return { type, tag: '' };
		case 'field_changed':
			return { type, field: 'email' };
		case 'schedule':
			// Everyone until conditions are added; the engine caps each occurrence (AUDIENCE_CAP).
			return { type, schedule: defaultSchedule(), audience: { groups: [] } };
		default:
			return { type };
	}
}

/** Replaces the list at `path` inside `steps` by `fn(list)`, copying only what it walks through. */
export function mapList(steps: Step[], path: ListPath, fn: (list: Step[]) => Step[]): Step[] {
	if (path.length === 0) return fn(steps);
	const [i, b, ...rest] = path as [number, number, ...number[]];
	return steps.map((s, k) => {
		if (k !== i || s.type !== 'branch') return s;
		if (b === s.branches.length) return { ...s, otherwise: mapList(s.otherwise, rest, fn) };
		return { ...s, branches: s.branches.map((br, bk) => (bk === b ? { ...br, steps: mapList(br.steps, rest, fn) } : br)) };
	});
}

const samePos = (a: Position | null, b: Position): boolean => a !== null && a.length === b.length && a.every((x, i) => x === b[i]);

export class WorkflowBuilder {
	workflows = $state<WorkflowInfo[]>([]);
	loading = $state(true);
	error = $state<string | null>(null);
	/** The workflow being edited (null: a new one). */
	editingId = $state<string | null>(null);
	draft = $state<WorkflowDefinition>({ name: '', trigger: { type: 'shortcut' }, steps: [] });
	problems = $state<Problem[] | null>(null);
	notice = $state<string | null>(null);
	history = $state<RunInfo[]>([]);
	/** A scheduled workflow's occurrences, newest first. */
	occurrences = $state<OccurrenceInfo[]>([]);
	busy = $state(false);
	/**
	 * Counts edits that move or remove steps or branches, or load another draft: editors that keep
	 * their own copy of a part of the draft (a branch's filter conditions) are made again then.
	 */
	structure = $state(0);

	constructor(private readonly client: WorkflowsClient) {}

	async load(): Promise<void> {
		this.loading = true;
		const r = await this.client.list();
		this.loading = false;
		if (!r.ok) {
			this.error = r.error;
			return;
		}
		this.error = null;
		this.workflows = r.value;
	}

	restructured(): void {
		this.structure++;
	}

	newDraft(): void {
		this.structure++;
		this.editingId = null;
		this.draft = { name: '', trigger: { type: 'shortcut' }, steps: [] };
		this.problems = null;
		this.history = [];
		this.occurrences = [];
		this.notice = null;
	}

	async edit(w: WorkflowInfo): Promise<void> {
		this.editingId = w.id;
		this.structure++;
		this.draft = structuredClone($state.snapshot(w.definition) as WorkflowDefinition);
		this.problems = w.problems;
		this.notice = null;
		await this.loadHistory();
	}

	async loadHistory(): Promise<void> {
		if (!this.editingId) return;
		const r = await this.client.history(this.editingId);
		this.history = r.ok ? r.value.runs : [];
		this.occurrences = r.ok ? r.value.occurrences : [];
	}

	setName(name: string): void {
		this.draft.name = name;
	}

	setTrigger(t: Trigger): void {
		this.draft.trigger = t;
	}

	add(path: ListPath, step: Step): void {
		this.draft.steps = mapList($state.snapshot(this.draft.steps) as Step[], path, (l) => [...l, step]);
	}

	replace(path: ListPath, index: number, step: Step): void {
		this.draft.steps = mapList($state.snapshot(this.draft.steps) as Step[], path, (l) => l.map((s, i) => (i === index ? step : s)));
	}

	remove(path: ListPath, index: number): void {
		this.structure++;
		this.draft.steps = mapList($state.snapshot(this.draft.steps) as Step[], path, (l) => l.filter((_, i) => i !== index));
	}

	move(path: ListPath, index: number, delta: -1 | 1): void {
		this.structure++;
		this.draft.steps = mapList($state.snapshot(this.draft.steps) as Step[], path, (l) => {
			const j = index + delta;
			if (j < 0 || j >= l.length) return l;
			const out = [...l];
			[out[index], out[j]] = [out[j]!, out[index]!];
			return out;
		});
	}

	/** The problems of the step at a position (from the last check). */
	problemsAt(pos: Position): Problem[] {
		return (this.problems ?? []).filter((p) => samePos(p.pos, pos));
	}

	async check(): Promise<boolean> {
		const r = await this.client.validate($state.snapshot(this.draft) as WorkflowDefinition);
		if (!r.ok) {
			this.notice = r.error;
			return false;
		}
		this.problems = r.value;
		return r.value.length === 0;
	}

	async publish(): Promise<{ ok: boolean; version?: number }> {
		this.busy = true;
		try {
			if (!(await this.check())) return { ok: false };
			const r = await this.client.publish($state.snapshot(this.draft) as WorkflowDefinition, this.editingId ?? undefined);
			if (!r.ok) {
				if (r.problems) this.problems = r.problems;
				this.notice = r.error;
				return { ok: false };
			}
			this.editingId = r.value.id;
			await this.load();
			await this.loadHistory();
			return { ok: true, version: r.value.version };
		} finally {
			this.busy = false;
		}
	}

	async setEnabled(id: string, enabled: boolean): Promise<void> {
		const r = await this.client.setEnabled(id, enabled);
		if (!r.ok) this.notice = r.error;
		await this.load();
	}

	async testRun(contactId: string): Promise<boolean> {
		if (!this.editingId) return false;
		const r = await this.client.testRun(this.editingId, contactId);
		if (!r.ok) {
			this.notice = r.error;
			return false;
		}
		await this.loadHistory();
		return true;
	}
}
