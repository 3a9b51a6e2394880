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

/**
 * Snapshot with increments applied in log order; sorted by contact id for a stable answer. A
 * snapshot is written sorted, so a cold start without increments returns it as it is (a sort and
 * a map of 10k summaries cost tens of milliseconds on the way to the first paint).
 */
export function mergeSummaries(snapshot: readonly ContactSummary[], increments: Iterable<SummaryIncrement>): ContactSummary[] {
	const incs = Array.isArray(increments) ? (increments as readonly SummaryIncrement[]) : [...increments];
	if (incs.length === 0 && isSortedById(snapshot)) return snapshot.slice();
	const byId = new Map<string, ContactSummary>();
	for (const s of snapshot) byId.set(s.id, s);
	for (const inc of incs) {
		if (inc.summary === null) byId.delete(inc.contactId);
		else byId.set(inc.contactId, inc.summary);
	}
	return [...byId.values()].sort((a, b) => compareStrings(a.id, b.id));
}

function isSortedById(list: readonly ContactSummary[]): boolean {
	for (let i = 1; i < list.length; i++) if (compareStrings(list[i - 1]!.id, list[i]!.id) >= 0) return false;
	return true;
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

/**
 * The summaries snapshot as stored: a row of values per summary under a shared list of keys (a
 * "shape"; summaries of one version of the app share one), instead of one object per summary.
 * Half the bytes of JSON objects (no key repeated 10,000 times), and read back by structured
 * clone with no JSON parse: a cold start's largest read. Key order is kept, and a key a summary
 * lacks stays absent.
 */
export interface PackedSummaries {
	shapes: string[][];
	rows: unknown[][];
}

export function packSummaries(list: readonly ContactSummary[]): PackedSummaries {
	const shapes: string[][] = [];
	const byKeys = new Map<string, number>();
	const rows = list.map((s) => {
		const keys = Object.keys(s);
		const sig = keys.join('\u0000');
		let shape = byKeys.get(sig);
		if (shape === undefined) {
			shape = shapes.length;
			shapes.push(keys);
			byKeys.set(sig, shape);
		}
		const row: unknown[] = [shape];
		for (const k of keys) row.push((s as unknown as Record<string, unknown>)[k]);
		return row;
	});
	return { shapes, rows };
}

export function unpackSummaries(packed: PackedSummaries): ContactSummary[] {
	const out = new Array<ContactSummary>(packed.rows.length);
	for (let r = 0; r < packed.rows.length; r++) {
		const row = packed.rows[r]!;
		const keys = packed.shapes[row[0] as number]!;
		const o: Record<string, unknown> = {};
		for (let k = 0; k < keys.length; k++) o[keys[k]!] = row[k + 1];
		out[r] = o as unknown as ContactSummary;
	}
	return out;
}
