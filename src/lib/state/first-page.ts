/**
 * The first page of the list, remembered for the next cold start: the rows a user saw at the
 * top of the default view and the inbox entries, in synchronous storage (localStorage), so a
 * restoring session paints rows in its first frames, before the database has even opened.
 *
 * Protocol: the page is a preview only. It is written by the app when the page is hidden and
 * after a full load, read once while restoring, and replaced as soon as the stored summaries
 * are read (`InboxState.load`). It is keyed per user and workspace, only used for the same
 * query it was taken with, and removed on logout (it holds names and previews).
 */
import type { ContactSummary, ListQuery } from '../domain/types';
import type { InboxEntry } from './api';

export interface FirstPage {
	v: 1;
	query: ListQuery;
	rows: ContactSummary[];
	inboxes: InboxEntry[];
}

/** Rows kept: more than a tall window shows at 56px a row. */
export const FIRST_PAGE_ROWS = 30;

function key(owner: { userId: string; workspaceId: string }): string {
	return `parley.firstPage.${owner.workspaceId}.${owner.userId}`;
}

export function readFirstPage(storage: Storage | null, owner: { userId: string; workspaceId: string }): FirstPage | null {
	try {
		const raw = storage?.getItem(key(owner));
		if (!raw) return null;
		const page = JSON.parse(raw) as Partial<FirstPage> | null;
		if (!page || page.v !== 1 || !Array.isArray(page.rows) || !Array.isArray(page.inboxes) || !page.query) return null;
		return page as FirstPage;
	} catch {
		return null;
	}
}

export function writeFirstPage(storage: Storage | null, owner: { userId: string; workspaceId: string }, page: Omit<FirstPage, 'v'>): void {
	try {
		storage?.setItem(key(owner), JSON.stringify({ v: 1, query: page.query, rows: page.rows.slice(0, FIRST_PAGE_ROWS), inboxes: page.inboxes }));
	} catch {
		/* storage full or blocked: the next start reads the database only */
	}
}

export function clearFirstPage(storage: Storage | null, owner: { userId: string; workspaceId: string }): void {
	try {
		storage?.removeItem(key(owner));
	} catch {
		/* blocked */
	}
}

export function sameQuery(a: ListQuery, b: ListQuery): boolean {
	const ka = Object.keys(a) as Array<keyof ListQuery>;
	return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
