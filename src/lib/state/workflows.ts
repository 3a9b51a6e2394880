/**
 * The workflows API client (SPEC S7.7, S7.8): the console's shortcuts, running workflows and
 * bot toggle, and the builder's list, publish, validate, history and test run. Over the
 * authenticated HTTP API; these need the network, and failures come back as values a person
 * can read (`{ok: false, error}`), never as exceptions. A 401 is retried once after a refresh.
 */
import { authedFetch } from './authed-fetch';
import type { RefreshResult } from '../sync/auth';
import type { OccurrenceInfo, Position, Problem, RunStatus, WorkflowDefinition } from '../domain/workflows';

export type { OccurrenceInfo };
import type { BotConfig } from '../domain/bot';

export interface WorkflowsDeps {
	baseUrl: string;
	token(): Promise<string | null>;
	refresh(): Promise<RefreshResult>;
	fetch?: typeof fetch;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: string; problems?: Problem[] };

export interface ShortcutInfo {
	id: string;
	name: string;
	steps: number;
}

export interface RunInfo {
	id: string;
	workflowId: string;
	name: string;
	version: number;
	contactId: string;
	status: RunStatus;
	position: Position | null;
	steps: number;
	waitUntil: number | null;
	waitingForReply: boolean;
	error: string | null;
	startedBy: string;
	createdAt: number;
	updatedAt: number;
}

export interface WorkflowInfo {
	id: string;
	enabled: boolean;
	version: number;
	definition: WorkflowDefinition;
	publishedAt: number;
	createdBy: string;
	problems: Problem[];
}

export class WorkflowsClient {
	readonly #deps: WorkflowsDeps;

	constructor(deps: WorkflowsDeps) {
		this.#deps = deps;
	}

	async #call<T>(method: string, path: string, body?: unknown): Promise<Result<T>> {
		const a = await authedFetch(this.#deps, method, path, body);
		if (!a.ok) return { ok: false, error: a.reason === 'network' ? 'offline' : 'Not signed in.' };
		const res = a.res;
		const json = (await res.json().catch(() => null)) as (T & { error?: { message?: string; problems?: Problem[] } }) | null;
		if (res.ok) return { ok: true, value: (json ?? {}) as T };
		return { ok: false, error: json?.error?.message ?? `The server refused (${res.status}).`, ...(json?.error?.problems ? { problems: json.error.problems } : {}) };
	}

	// --- console ---
	async shortcuts(contactId: string): Promise<Result<ShortcutInfo[]>> {
		const r = await this.#call<{ shortcuts: ShortcutInfo[] }>('GET', `/api/contacts/${contactId}/shortcuts`);
		return r.ok ? { ok: true, value: r.value.shortcuts } : r;
	}
	startShortcut(contactId: string, workflowId: string): Promise<Result<{ runId: string }>> {
		return this.#call('POST', `/api/contacts/${contactId}/shortcuts/${workflowId}`);
	}
	async runs(contactId: string): Promise<Result<RunInfo[]>> {
		const r = await this.#call<{ runs: RunInfo[] }>('GET', `/api/contacts/${contactId}/runs`);
		return r.ok ? { ok: true, value: r.value.runs } : r;
	}
	stop(contactId: string, runId?: string): Promise<Result<{ stopped: number }>> {
		return this.#call('POST', `/api/contacts/${contactId}/runs/stop`, runId ? { runId } : {});
	}
	setBot(contactId: string, on: boolean): Promise<Result<{ on: boolean; changed: boolean }>> {
		return this.#call('POST', `/api/contacts/${contactId}/bot`, { on });
	}

	// --- builder (owners and managers) ---
	async list(): Promise<Result<WorkflowInfo[]>> {
		const r = await this.#call<{ workflows: WorkflowInfo[] }>('GET', '/api/workflows');
		return r.ok ? { ok: true, value: r.value.workflows } : r;
	}
	publish(definition: WorkflowDefinition, workflowId?: string): Promise<Result<{ id: string; version: number }>> {
		return workflowId ? this.#call('POST', `/api/workflows/${workflowId}/versions`, { definition }) : this.#call('POST', '/api/workflows', { definition });
	}
	async validate(definition: WorkflowDefinition): Promise<Result<Problem[]>> {
		const r = await this.#call<{ problems: Problem[] }>('POST', '/api/workflows/validate', { definition });
		return r.ok ? { ok: true, value: r.value.problems } : r;
	}
	setEnabled(workflowId: string, enabled: boolean): Promise<Result<unknown>> {
		return this.#call('PATCH', `/api/workflows/${workflowId}`, { enabled });
	}
	remove(workflowId: string): Promise<Result<unknown>> {
		return this.#call('DELETE', `/api/workflows/${workflowId}`);
	}
	async history(workflowId: string): Promise<Result<{ runs: RunInfo[]; occurrences: OccurrenceInfo[] }>> {
		const r = await this.#call<{ runs: RunInfo[]; occurrences?: OccurrenceInfo[] }>('GET', `/api/workflows/${workflowId}/runs`);
		return r.ok ? { ok: true, value: { runs: r.value.runs, occurrences: r.value.occurrences ?? [] } } : r;
	}
	testRun(workflowId: string, contactId: string): Promise<Result<{ runId: string }>> {
		return this.#call('POST', `/api/workflows/${workflowId}/test`, { contactId });
	}
	async bots(): Promise<Result<Record<string, BotConfig>>> {
		const r = await this.#call<{ channels: Record<string, BotConfig> }>('GET', '/api/bot');
		return r.ok ? { ok: true, value: r.value.channels } : r;
	}
	setBotConfig(channelId: string, cfg: BotConfig): Promise<Result<unknown>> {
		return this.#call('PATCH', `/api/bot/${channelId}`, cfg);
	}
}
