/**
 * Shareable URLs of custom inboxes and unsaved filters (S1.5, S4.4): `?inbox=custom:<id>` opens
 * a custom inbox (any inbox key works), `?filter=<base64url JSON>` an unsaved filter. Each view
 * is its own history entry, so the back button walks through them.
 */
import { parseFilter, type Filter } from '../../domain/filters';
import type { InboxKey } from '../../domain/types';

/** What the query string names: an inbox (custom ones only; standard views keep a bare URL) or an unsaved filter. */
export type ListView = { inbox: InboxKey | null; filter: Filter | null };

export const INBOX_PARAM = 'inbox';
export const FILTER_PARAM = 'filter';

function toBase64Url(s: string): string {
	let bin = '';
	for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
	return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): string | null {
	try {
		const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
		return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
	} catch {
		return null;
	}
}

export function encodeFilter(f: Filter): string {
	return toBase64Url(JSON.stringify(f));
}

/** The filter of a URL parameter, or null when it is missing or malformed. */
export function decodeFilter(param: string | null): Filter | null {
	if (!param || param.length > 20_000) return null;
	const json = fromBase64Url(param);
	if (json === null) return null;
	try {
		return parseFilter(JSON.parse(json));
	} catch {
		return null;
	}
}

export function viewOfUrl(params: URLSearchParams): ListView {
	const filter = decodeFilter(params.get(FILTER_PARAM));
	const inbox = params.get(INBOX_PARAM);
	return { inbox: inbox && inbox.length <= 200 ? (inbox as InboxKey) : null, filter };
}

/** The query string of a view (with its `?`), or '' for a plain inbox. */
export function urlOfView(v: ListView): string {
	if (v.filter) return `?${FILTER_PARAM}=${encodeFilter(v.filter)}`;
	if (v.inbox && v.inbox.startsWith('custom:')) return `?${INBOX_PARAM}=${encodeURIComponent(v.inbox)}`;
	return '';
}
