// Issue 26: the message index at a million entries. Its snapshot is restored one slice per worker
// turn, so a query is answered between slices; entries added in bulk (a first login's text, a
// slice) join the time order between messages, not in the next query; exporting a slice marks it
// clean and only changed slices are exported again. SPEC S3.5 (most recent first), S9.3.
import { describe, expect, it } from 'vitest';
import type { ContactId, EntryId } from '../domain/types';
import { SearchEngine } from './engine';
import { FIXTURE_FIELDS, fixtureWorkspace } from './fixtures';
import { SearchHost } from './host';
import { searchRow, type SearchRow } from './indexable';
import type { WorkerReply } from './protocol';
import { SLICES, sliceOf } from './slices';
import { exportSnapshot } from './snapshot';

function manualHost() {
	const turns: Array<() => void> = [];
	const later: Array<() => void> = [];
	const replies: WorkerReply[] = [];
	const host = new SearchHost(
		(r) => replies.push(r),
		(fn) => turns.push(fn),
		(fn) => later.push(fn)
	);
	return { host, turns, later, replies };
}

function rowsOf(ws: ReturnType<typeof fixtureWorkspace>): SearchRow[] {
	return ws.flatMap(({ contact, entries }) => entries.flatMap((e) => searchRow(contact.id, e) ?? []));
}

describe('message slices', () => {
	it('a cold start restores one slice per turn and answers a query in between', () => {
		const ws = fixtureWorkspace(31, 200, 20);
		const engine = new SearchEngine({ customFields: FIXTURE_FIELDS });
		for (const { contact, entries } of ws) {
			engine.upsertContact(contact);
			engine.addEntries(contact.id, entries);
		}
		const snap = exportSnapshot(engine);
		const { host, turns, replies } = manualHost();
		host.handle({ type: 'load', contacts: snap.contacts, customFields: FIXTURE_FIELDS });
		host.handle({ type: 'loadMessages', slices: snap.slices });
		// One slice restored per turn: after the first, a query is answered (partial) at once.
		turns.shift()!();
		host.handle({ type: 'query', seq: 1, lane: 'm', scope: 'messages', text: 'renard', limit: 1000 });
		turns.shift()!();
		const early = replies.find((r) => r.type === 'result');
		const outcome = early?.type === 'result' ? early.outcome : null;
		expect(outcome?.status === 'done' && 'partial' in outcome.results && outcome.results.partial).toBe(true);
		expect(replies.some((r) => r.type === 'ready' && r.phase === 'messages')).toBe(false);
		while (turns.length) turns.shift()!();
		expect(replies.filter((r) => r.type === 'ready' && r.phase === 'messages')).toHaveLength(1);
		expect(host.current.table.unsettled).toBe(0);
		for (const q of ['renard', 'brun rapide', '@gmail', '016 014']) {
			expect(host.current.searchMessages(q, 1000).hits.map((h) => h.entryId), q).toEqual(engine.searchMessages(q, 1000).hits.map((h) => h.entryId));
		}
		// Restored slices are clean: nothing to export until something changes.
		expect([...host.current.table.dirty]).toEqual([]);
	});

	it('a bad slice is reported by its position and skipped; the others are restored', () => {
		const ws = fixtureWorkspace(33, 40, 10);
		const engine = new SearchEngine({ customFields: FIXTURE_FIELDS });
		for (const { contact, entries } of ws) {
			engine.upsertContact(contact);
			engine.addEntries(contact.id, entries);
		}
		const snap = exportSnapshot(engine);
		const wrongShape = new TextEncoder().encode(JSON.stringify({ version: 4, format: 'index-json', slice: 0, threads: [[1, 'x']] }));
		const { host, turns, replies } = manualHost();
		host.handle({ type: 'load', contacts: snap.contacts, customFields: FIXTURE_FIELDS });
		host.handle({ type: 'loadMessages', slices: [new Uint8Array([1, 2]), wrongShape, ...snap.slices] });
		while (turns.length) turns.shift()!();
		expect(replies.flatMap((r) => (r.type === 'load-failed' ? [[r.phase, r.slice, r.error.code]] : []))).toEqual([
			['messages', 0, 'bad-snapshot'],
			['messages', 1, 'bad-snapshot']
		]);
		expect(replies.filter((r) => r.type === 'ready' && r.phase === 'messages')).toHaveLength(1);
		expect(host.current.searchMessages('renard', 1000).hits.map((h) => h.entryId)).toEqual(engine.searchMessages('renard', 1000).hits.map((h) => h.entryId));
	});

	it('rows added out of time order join the time order a little later, not in the next query', () => {
		const ws = fixtureWorkspace(32, 150, 20);
		const rows = rowsOf(ws);
		// A first login's text part comes in contact order: times all over the place.
		const { host, later } = manualHost();
		host.handle({ type: 'load', contacts: null, customFields: FIXTURE_FIELDS });
		for (let i = 0; i < rows.length; i += 100) host.handle({ type: 'addRows', rows: rows.slice(i, i + 100) });
		expect(host.current.table.unsettled).toBe(rows.length);
		expect(later).toHaveLength(1);
		later.shift()!();
		expect(host.current.table.unsettled).toBe(0);
		const byTime = host.current.table.byTime.map((o) => host.current.table.row(o));
		const sorted = [...byTime].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
		expect(byTime.map((r) => r.id)).toEqual(sorted.map((r) => r.id));
		expect(byTime).toHaveLength(rows.length);
	});

	it('exports only the slices changed since they were exported', () => {
		const { host, replies } = manualHost();
		host.handle({ type: 'load', contacts: null, customFields: [] });
		const a = 'contact-a' as ContactId;
		const row = (id: string, contactId: ContactId): SearchRow => ({ id: id as EntryId, contactId, at: 1, kind: 'message', text: 'bonjour' });
		host.handle({ type: 'addRows', rows: [row('e1', a)] });
		host.handle({ type: 'exportContacts', seq: 1, format: 'index-json' });
		const first = replies.at(-1);
		expect(first?.type === 'exported' && first.dirty).toEqual([sliceOf(a)]);
		host.handle({ type: 'exportSlice', seq: 2, slice: sliceOf(a), format: 'index-json' });
		host.handle({ type: 'exportContacts', seq: 3, format: 'index-json', ifChanged: true });
		const again = replies.at(-1);
		// Nothing changed since: no slice to write, and the contacts part is not exported again.
		expect(again?.type === 'exported' && { bytes: again.bytes, dirty: again.dirty }).toEqual({ bytes: null, dirty: [] });
		// A removal dirties the slice of the entry's thread.
		host.handle({ type: 'removeEntry', entryId: 'e1' as EntryId });
		host.handle({ type: 'exportContacts', seq: 4, format: 'index-json', ifChanged: true });
		const last = replies.at(-1);
		expect(last?.type === 'exported' && last.dirty).toEqual([sliceOf(a)]);
		expect(sliceOf(a)).toBeLessThan(SLICES);
	});
});
