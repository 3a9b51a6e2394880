/**
 * Pure helpers shared by the IndexedDB store and its memory twin, so both answer alike.
 */
import { parseDocId } from '../domain/ids';
import type { ContactId, ContactSummary, DocId } from '../domain/types';
import type { StoreOwner } from './store';

/**
 * A plain Uint8Array owning exactly its bytes. Updates decoded from a wire frame are views into
 * the whole frame; structured clone would store the whole frame behind each of them.
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
	return new Uint8Array(bytes);
}

/** The contact of a contact document (`c/<contactId>`), or null for any other document. */
export function contactOfDoc(docId: DocId): ContactId | null {
	const parsed = parseDocId(docId);
	return parsed?.kind === 'contact' ? parsed.contactId : null;
}

/** One record of the summary-increment log: a summary, or a tombstone (null). */
export interface SummaryIncrement {
	contactId: ContactId;
	summary: ContactSummary | null;
}

/** Snapshot with increments applied in log order; sorted by contact id for a stable answer. */
export function mergeSummaries(snapshot: readonly ContactSummary[], increments: Iterable<SummaryIncrement>): ContactSummary[] {
	const byId = new Map<string, ContactSummary>();
	for (const s of snapshot) byId.set(s.id, s);
	for (const inc of increments) {
		if (inc.summary === null) byId.delete(inc.contactId);
		else byId.set(inc.contactId, inc.summary);
	}
	return [...byId.values()].sort((a, b) => compareStrings(a.id, b.id));
}

/** Code-unit order, the order IndexedDB sorts string keys in. */
export function compareStrings(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Database name of one user in one workspace. Each part is URI-encoded so that no pair of ids
 * can produce another pair's name (`a:b`+`c` vs `a`+`b:c`).
 */
export function databaseName(owner: StoreOwner): string {
	return `parley:${encodeURIComponent(owner.workspaceId)}:${encodeURIComponent(owner.userId)}`;
}
