/**
 * The custom inbox definitions shared with me (SPEC S1.5), from `/api/custom-inboxes`.
 *
 * The server keeps definitions out of every document (a document reaches every member, a
 * definition only those it is shared with); the directory carries a revision the server bumps
 * on each change, so `refresh` runs whenever the directory changes and every member has the new
 * list at once. The last list is cached per user (localStorage), so custom inboxes open and
 * evaluate offline: evaluation is local, over the replicated summaries. Creating, editing,
 * deleting and hiding need the server (they answer with a message when offline).
 */
import { authedFetch } from './authed-fetch';
import type { RefreshResult } from '../sync/auth';
import type { CustomInboxSharing, CustomInboxView } from '../domain/custom-inboxes';
import type { Filter, FilterWarning } from '../domain/filters';

export interface CustomInboxInput {
	name: string;
	icon: string;
	filter: Filter;
	sharing: CustomInboxSharing;
}

export type SaveOutcome = { ok: true; inbox: CustomInboxView; warnings: FilterWarning[] } | { ok: false; error: string };

export interface CustomInboxesApi {
	readonly list: CustomInboxView[];
	refresh(): Promise<void>;
	create(input: CustomInboxInput): Promise<SaveOutcome>;
	update(id: string, patch: Partial<CustomInboxInput>): Promise<SaveOutcome>;
	remove(id: string): Promise<{ ok: true } | { ok: false; error: string }>;
	setHidden(id: string, hidden: boolean): Promise<{ ok: true } | { ok: false; error: string }>;
}

export interface CustomInboxesDeps {
	baseUrl: string;
	fetch: typeof fetch;
	token(): Promise<string | null>;
	refreshToken(): Promise<RefreshResult>;
	/** Where the last list is cached (null: not cached); the key names the user. */
	storage(): { store: Storage; key: string } | null;
	onChange(list: CustomInboxView[]): void;
}

type Answer = { ok: true; status: number; json: Record<string, unknown> } | { ok: false; error: string };

const OFFLINE = 'This needs a connection to the server.';

export class CustomInboxesState implements CustomInboxesApi {
	list = $state.raw<CustomInboxView[]>([]);
	readonly #deps: CustomInboxesDeps;
	#refreshing: Promise<void> | null = null;
	#again = false;

	constructor(deps: CustomInboxesDeps) {
		this.#deps = deps;
	}

	/** The cached list of this user (offline start). */
	loadCached(): void {
		const where = this.#deps.storage();
		if (!where) return;
		try {
			const raw = where.store.getItem(where.key);
			const parsed: unknown = raw ? JSON.parse(raw) : null;
			if (Array.isArray(parsed)) this.#set(parsed as CustomInboxView[], false);
		} catch {
			// a broken cache is as good as none
		}
	}

	reset(): void {
		this.list = [];
	}

	/** Fetches the list again; calls made while one runs coalesce into one more. */
	refresh(): Promise<void> {
		if (this.#refreshing) {
			this.#again = true;
			return this.#refreshing;
		}
		this.#refreshing = (async () => {
			do {
				this.#again = false;
				const a = await this.#call('GET', '/api/custom-inboxes');
				if (a.ok && a.status === 200 && Array.isArray(a.json.inboxes)) this.#set(a.json.inboxes as CustomInboxView[], true);
			} while (this.#again);
		})().finally(() => (this.#refreshing = null));
		return this.#refreshing;
	}

	async create(input: CustomInboxInput): Promise<SaveOutcome> {
		return this.#save(await this.#call('POST', '/api/custom-inboxes', input));
	}

	async update(id: string, patch: Partial<CustomInboxInput>): Promise<SaveOutcome> {
		return this.#save(await this.#call('PATCH', `/api/custom-inboxes/${encodeURIComponent(id)}`, patch));
	}

	async remove(id: string): Promise<{ ok: true } | { ok: false; error: string }> {
		const a = await this.#call('DELETE', `/api/custom-inboxes/${encodeURIComponent(id)}`);
		if (!a.ok) return a;
		if (a.status !== 204) return { ok: false, error: errorOf(a.json, a.status) };
		this.#set(
			this.list.filter((i) => i.id !== id),
			true
		);
		return { ok: true };
	}

	async setHidden(id: string, hidden: boolean): Promise<{ ok: true } | { ok: false; error: string }> {
		const a = await this.#call('POST', `/api/custom-inboxes/${encodeURIComponent(id)}/hidden`, { hidden });
		if (!a.ok) return a;
		if (a.status !== 200) return { ok: false, error: errorOf(a.json, a.status) };
		this.#set(
			this.list.map((i) => (i.id === id ? { ...i, hidden } : i)),
			true
		);
		return { ok: true };
	}

	#save(a: Answer): SaveOutcome {
		if (!a.ok) return a;
		if (a.status !== 200 && a.status !== 201) return { ok: false, error: errorOf(a.json, a.status) };
		const inbox = a.json.inbox as CustomInboxView;
		const others = this.list.filter((i) => i.id !== inbox.id);
		this.#set([...others, inbox], true);
		return { ok: true, inbox, warnings: (a.json.warnings as FilterWarning[] | undefined) ?? [] };
	}

	#set(list: CustomInboxView[], persist: boolean): void {
		this.list = list;
		if (persist) {
			const where = this.#deps.storage();
			try {
				where?.store.setItem(where.key, JSON.stringify(list));
			} catch {
				// storage full or denied: the list still works for this session
			}
		}
		this.#deps.onChange(list);
	}

	async #call(method: string, path: string, body?: unknown): Promise<Answer> {
		const a = await authedFetch({ ...this.#deps, refresh: this.#deps.refreshToken }, method, path, body);
		if (!a.ok) return { ok: false, error: a.reason === 'network' ? OFFLINE : 'Not signed in.' };
		const res = a.res;
		const json = res.status === 204 ? {} : ((await res.json().catch(() => ({}))) as Record<string, unknown>);
		return { ok: true, status: res.status, json };
	}
}

function errorOf(json: Record<string, unknown>, status: number): string {
	const e = json.error as { message?: string } | undefined;
	return e?.message ?? `The server refused (${status}).`;
}
