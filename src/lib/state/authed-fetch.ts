/**
 * One request to the server as the signed-in user: the access token in `Authorization`, a JSON
 * body when there is one; on 401 the token is refreshed once and the request sent again. The one
 * copy of that rule for the app's HTTP clients (settings, custom inboxes, email settings,
 * workflows, AI assist, calls); each reads the answer its own way. No exception: a missing
 * session or an unreachable server is a value.
 */
import type { RefreshResult } from '../sync/auth';

export interface AuthedFetchDeps {
	/** Server origin; '' for the page's own. */
	baseUrl: string;
	token(): Promise<string | null>;
	refresh(): Promise<RefreshResult>;
	/** The fetch to use (tests); the global one by default. */
	fetch?: typeof fetch;
}

export type AuthedResponse = { ok: true; res: Response } | { ok: false; reason: 'signed_out' | 'network' };

export async function authedFetch(deps: AuthedFetchDeps, method: string, path: string, body?: unknown): Promise<AuthedResponse> {
	const doFetch = deps.fetch ?? ((...a: Parameters<typeof fetch>) => globalThis.fetch(...a));
	for (let attempt = 0; ; attempt++) {
		const token = await deps.token();
		if (!token) return { ok: false, reason: 'signed_out' };
		let res: Response;
		try {
			res = await doFetch(`${deps.baseUrl}${path}`, {
				method,
				headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
				...(body !== undefined ? { body: JSON.stringify(body) } : {})
			});
		} catch {
			return { ok: false, reason: 'network' };
		}
		if (res.status === 401 && attempt === 0 && (await deps.refresh()) === 'ok') continue;
		return { ok: true, res };
	}
}
