// Summaries: one change is one increment, listeners get batches, the snapshot is rewritten in
// the background, and a revoked contact disappears. SPEC S4.5 (lists update live), S9.1.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contactDoc, initContact, summarize, watchSummary } from '../doc';
import type { ContactId, ContactSummary, EntryId, UserId } from '../domain/types';
import { createMemoryStore } from '../storage/memory';
import { SummaryBook, type SummaryChange } from './summaries';
import { waitFor } from '../test-utils/wait';

const id = (n: number) => `k${n}` as ContactId;

function contact(n: number): Y.Doc {
	const doc = new Y.Doc();
	initContact(doc, { id: id(n), profile: { firstName: `C${n}` }, createdAt: 1000 + n });
	return doc;
}

describe('SummaryBook', () => {
	it('writes one increment per changed contact and batches notifications', async () => {
		const store = createMemoryStore();
		const book = new SummaryBook(store, { flushDelayMs: 1, compactDelayMs: 1, compactMaxMs: 10 });
		const batches: SummaryChange[] = [];
		book.subscribe((c) => batches.push(c));
		const docs = [contact(1), contact(2)];
		for (const [i, d] of docs.entries()) book.put(summarize(id(i + 1), d));
		await waitFor(() => batches.length === 1, 5_000, 'one batch');
		expect(batches[0]!.changed.map((s) => s.id).sort()).toEqual([id(1), id(2)]);

		// An incremental update of one contact (a new incoming message) changes only it.
		const watch = watchSummary(id(1), docs[0]!, (s) => book.put(s));
		contactDoc(docs[0]!).thread.append({
			id: 'm1' as EntryId,
			kind: 'message',
			direction: 'in',
			channelId: 'ch' as never,
			body: { type: 'text', text: 'hello' },
			at: 5000,
			author: { type: 'contact', id: 'x' }
		});
		await waitFor(() => batches.length === 2, 5_000, 'second batch');
		expect(batches[1]!.changed.map((s) => s.id)).toEqual([id(1)]);
		expect(book.get(id(1))!.lastMessagePreview).toBe('hello');
		expect(book.get(id(1))).toEqual(summarize(id(1), docs[0]!));
		watch.stop();

		await book.flush();
		const stored = await store.loadSummaries();
		expect(stored.find((s) => s.id === id(1))?.recentIncomingAt).toEqual([5000]);
		book.close();
	});

	it('reloads the same summaries after the background compaction', async () => {
		const store = createMemoryStore();
		const book = new SummaryBook(store, { flushDelayMs: 1, compactDelayMs: 1, compactMaxMs: 5 });
		const all: ContactSummary[] = [];
		for (let n = 0; n < 50; n++) {
			const s = summarize(id(n), contact(n));
			all.push(s);
			book.put(s);
		}
		await book.compact();
		const again = new SummaryBook(store);
		expect((await again.load()).map((s) => s.id)).toEqual(all.map((s) => s.id).sort());
		book.close();
	});

	it('forgets a revoked contact', async () => {
		const store = createMemoryStore();
		const book = new SummaryBook(store);
		const batches: SummaryChange[] = [];
		book.subscribe((c) => batches.push(c));
		book.put(summarize(id(1), contact(1)));
		book.forget(id(1));
		await waitFor(() => batches.length === 1, 5_000, 'batch');
		expect(batches[0]).toEqual({ changed: [], removed: [id(1)] });
		expect(book.get(id(1))).toBeUndefined();
		expect(book.put({ ...summarize(id(2), contact(2)), reads: { ['u' as UserId]: 1 } })).toBe(true);
		book.close();
	});
});
