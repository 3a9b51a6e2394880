// The bulk intake of a first sync: documents are stored in few transactions, their summaries
// equal the full read of each document and join the book only once stored, a document revoked
// while waiting is never written, and a document someone opened meanwhile gets the update.
// SPEC S9.1 (works from local data), S1.3 (a revoked contact leaves no trace).
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contactDoc, encodeState, initContact, summarize } from '../doc';
import type { ContactId, DocId, EntryId } from '../domain/types';
import { createMemoryStore } from '../storage/memory';
import type { ClientStore } from '../storage/store';
import { DocIntake } from './intake';
import { DocRegistry } from './registry';
import { SummaryBook, type SummaryChange } from './summaries';

const cid = (n: number) => `k${n}` as ContactId;
const did = (n: number) => `c/k${n}` as DocId;

function contact(n: number): Y.Doc {
	const doc = new Y.Doc();
	initContact(doc, { id: cid(n), profile: { firstName: `C${n}` }, createdAt: 1000 + n });
	contactDoc(doc).thread.append({
		id: `m${n}` as EntryId,
		kind: 'message',
		direction: 'in',
		channelId: 'ch' as never,
		body: { type: 'text', text: `hello ${n}` },
		at: 2000 + n,
		author: { type: 'contact', id: 'x' }
	});
	return doc;
}

/** `store` with some methods replaced (the memory store's methods need their own `this`). */
function withOverrides(store: ClientStore, overrides: Partial<ClientStore>): ClientStore {
	return new Proxy(store, {
		get(target, key) {
			const own = (overrides as Record<PropertyKey, unknown>)[key];
			if (own !== undefined) return own;
			const v = Reflect.get(target, key) as unknown;
			return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
		}
	});
}

function setup(store: ClientStore = createMemoryStore()) {
	const summaries = new SummaryBook(store);
	const registry = new DocRegistry({
		capacity: 10,
		load: async (docId) => {
			const doc = new Y.Doc();
			const stored = await store.loadDoc(docId);
			for (const u of stored.updates) Y.applyUpdate(doc, u);
			return doc;
		}
	});
	let storedCalls = 0;
	const intake = new DocIntake({ store, summaries, registry, origin: 'test', budgetMs: 1, onStored: () => storedCalls++ });
	return { store, summaries, registry, intake, stored: () => storedCalls };
}

describe('DocIntake', () => {
	it('stores every document in a few writes and puts summaries equal to a full read', async () => {
		const store = createMemoryStore();
		let writes = 0;
		const counting = withOverrides(store, {
			appendUpdates: (items) => {
				writes++;
				return store.appendUpdates(items);
			}
		});
		const { summaries, intake, stored } = setup(counting);
		const batches: SummaryChange[] = [];
		summaries.subscribe((c) => batches.push(c));
		const docs = Array.from({ length: 200 }, (_, i) => contact(i));
		docs.forEach((d, i) => intake.take(did(i), encodeState(d)));
		expect(intake.holds(did(0))).toBe(true);
		await intake.settled();
		await new Promise((r) => queueMicrotask(() => r(null)));
		expect(intake.holds(did(0))).toBe(false);
		expect((await store.listDocIds()).length).toBe(200);
		expect(writes).toBeGreaterThan(0);
		expect(writes).toBeLessThan(200);
		expect(stored()).toBe(1);
		for (const [i, d] of docs.entries()) expect(summaries.get(cid(i))).toEqual(summarize(cid(i), d));
		expect(batches.flatMap((b) => b.changed).length).toBe(200);
		expect(batches.length).toBeLessThanOrEqual(writes);

		// Persisted as one snapshot, not as increments.
		await summaries.persistBulk();
		const reloaded = await store.loadSummaries();
		expect(reloaded.length).toBe(200);
		expect(reloaded.find((s) => s.id === cid(7))).toEqual(summaries.get(cid(7)));
	});

	it('never writes a document discarded while it waited', async () => {
		const { store, summaries, intake } = setup();
		intake.take(did(1), encodeState(contact(1)));
		intake.take(did(2), encodeState(contact(2)));
		intake.discard(did(2));
		await intake.settled();
		expect(await store.listDocIds()).toEqual([did(1)]);
		expect(summaries.get(cid(2))).toBeUndefined();
		expect(summaries.get(cid(1))).toBeDefined();
	});

	it('applies the update to a copy loaded meantime, which keeps its own summary', async () => {
		const { registry, summaries, intake } = setup();
		const opened = await registry.get(did(3)); // opened before anything was stored: empty
		intake.take(did(3), encodeState(contact(3)));
		await intake.settled();
		await new Promise((r) => setTimeout(r, 0));
		expect(contactDoc(opened).profile.get().firstName).toBe('C3');
		// The intake's summary is left to the loaded copy's watcher (the replica's).
		expect(summaries.get(cid(3))).toBeUndefined();
	});

	it('counts a failed write and stores no summary for it', async () => {
		const store = createMemoryStore();
		const failing = withOverrides(store, { appendUpdates: () => Promise.reject(new Error('quota')) });
		const { summaries, intake } = setup(failing);
		intake.take(did(4), encodeState(contact(4)));
		await intake.settled();
		expect(intake.failures).toBe(1);
		expect(intake.holds(did(4))).toBe(false);
		expect(summaries.get(cid(4))).toBeUndefined();
	});
});
