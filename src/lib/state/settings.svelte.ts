/**
 * The settings screens' link to the server (issue 20): one authenticated JSON call with the
 * app's token (refreshed once on 401), the public calls of the invitation, reset and first-run
 * pages, and the per-device notification preferences. Every answer is `ApiAnswer`: the data, or
 * the server's `{code, message}` (or `network` when the server could not be reached), so a page
 * shows the reason without parsing anything.
 *
 * Directory data (users, teams, channels...) is not fetched here: it arrives live through the
 * directory document like the rest; commands change it on the server and the change replicates.
 */
import type { RefreshResult } from '../sync/auth';
import { authedFetch } from './authed-fetch';

export type ApiAnswer<T> = { ok: true; status: number; data: T } | { ok: false; status: number; code: string; message: string; data?: Record<string, unknown> };

export interface SettingsClientDeps {
	baseUrl: string;
	token(): Promise<string | null>;
	refresh(): Promise<RefreshResult>;
	fetch: typeof fetch;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

const NO_CONNECTION = { ok: false, status: 0, code: 'network', message: 'No connection to the server.' } as const;

/** The server's answer as data, or its `{code, message}`. */
async function answerOf<T>(res: Response): Promise<ApiAnswer<T>> {
	const json = (await res.json().catch(() => null)) as (Record<string, unknown> & { error?: { code?: string; message?: string } }) | null;
	if (res.ok) return { ok: true, status: res.status, data: (json ?? {}) as T };
	return { ok: false, status: res.status, code: json?.error?.code ?? 'http_error', message: json?.error?.message ?? `The server refused (${res.status}).`, ...(json?.error ? { data: json.error as Record<string, unknown> } : {}) };
}

export class SettingsClient {
	readonly #deps: SettingsClientDeps;

	constructor(deps: SettingsClientDeps) {
		this.#deps = deps;
	}

	/** A call as the signed-in user. */
	async call<T = Record<string, unknown>>(method: Method, path: string, body?: unknown): Promise<ApiAnswer<T>> {
		const a = await authedFetch(this.#deps, method, path, body);
		if (!a.ok) return a.reason === 'network' ? NO_CONNECTION : { ok: false, status: 401, code: 'not_signed_in', message: 'Not signed in.' };
		return answerOf<T>(a.res);
	}

	/** A call without a token (invitation, reset and first-run pages). */
	async publicCall<T = Record<string, unknown>>(method: Method, path: string, body?: unknown): Promise<ApiAnswer<T>> {
		let res: Response;
		try {
			res = await this.#deps.fetch(`${this.#deps.baseUrl}${path}`, {
				method,
				headers: body !== undefined ? { 'content-type': 'application/json' } : {},
				...(body !== undefined ? { body: JSON.stringify(body) } : {})
			});
		} catch {
			return NO_CONNECTION;
		}
		return answerOf<T>(res);
	}
}

/** Which events notify me, and how (this device only). */
export interface NotificationPrefs {
	sound: { mentions: boolean; assignments: boolean; mine: boolean };
	desktop: { mentions: boolean; assignments: boolean; mine: boolean };
}

export type NotifyEvent = keyof NotificationPrefs['sound'];

export const DEFAULT_NOTIFICATION_PREFS: NotificationPrefs = {
	sound: { mentions: true, assignments: true, mine: false },
	// Desktop notifications show only once the browser allows them (asked when one is turned on,
	// or from the notification center); mentions and assignments then show, as they did before.
	desktop: { mentions: true, assignments: true, mine: false }
};

const PREFS_KEY = 'parley.notifyPrefs';

/** The notification preferences, kept in localStorage (per device, like the language). */
export class NotificationPrefsState {
	prefs = $state<NotificationPrefs>(structuredClone(DEFAULT_NOTIFICATION_PREFS));
	readonly #storage: Pick<Storage, 'getItem' | 'setItem'> | null;

	constructor(storage: Pick<Storage, 'getItem' | 'setItem'> | null) {
		this.#storage = storage;
		try {
			const raw = storage?.getItem(PREFS_KEY);
			if (raw) {
				const p = JSON.parse(raw) as Partial<NotificationPrefs>;
				this.prefs = { sound: { ...DEFAULT_NOTIFICATION_PREFS.sound, ...p.sound }, desktop: { ...DEFAULT_NOTIFICATION_PREFS.desktop, ...p.desktop } };
			}
		} catch {
			// Unreadable or denied storage: the defaults hold.
		}
	}

	set(kind: keyof NotificationPrefs, event: NotifyEvent, on: boolean): void {
		this.prefs = { ...this.prefs, [kind]: { ...this.prefs[kind], [event]: on } };
		try {
			this.#storage?.setItem(PREFS_KEY, JSON.stringify(this.prefs));
		} catch {
			// Not persisted; holds for this session.
		}
	}

	wants(kind: keyof NotificationPrefs, event: NotifyEvent): boolean {
		return this.prefs[kind][event];
	}
}
