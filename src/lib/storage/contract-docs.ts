/**
 * Contract cases for documents: the update log, compaction by cursor, deletion, and two handles
 * on one database racing each other (two tabs of one user).
 */
import type { DocId } from '../domain/types';
import { bytes, check, contact, contactDoc, doc, same, summary, withSeed, type ContractCase } from './contract-kit';
import type { ClientStore, UpdateCursor } from './store';

const A = doc('c/a');
const B = doc('c/b');
const DIR = doc('dir');

/** Test updates carry ids; a "merged state" is the sorted set of ids it contains. */
const idUpdate = (id: number): Uint8Array => bytes(id >> 8, id & 255);
function idsOf(chunk: Uint8Array): number[] {
	const ids: number[] = [];
	for (let i = 0; i + 1 < chunk.length; i += 2) ids.push(((chunk[i] ?? 0) << 8) | (chunk[i + 1] ?? 0));
	return ids;
}
function merge(state: Uint8Array | null, updates: Uint8Array[]): Uint8Array {
	const ids = new Set([...(state ? idsOf(state) : []), ...updates.flatMap(idsOf)]);
	return new Uint8Array([...ids].sort((x, y) => x - y).flatMap((id) => [id >> 8, id & 255]));
}
async function contentOf(store: ClientStore, docId: DocId): Promise<number[]> {
	const loaded = await store.loadDoc(docId);
	return idsOf(merge(loaded.state, loaded.updates));
}
async function loadAndCompact(store: ClientStore, docId: DocId): Promise<string> {
	const loaded = await store.loadDoc(docId);
	return store.compactDoc(docId, merge(loaded.state, loaded.updates), loaded.cursor);
}

export const docCases: ContractCase[] = [
	{
		name: 'an unknown document loads empty and is not listed',
		async run(world) {
			const store = await world.open();
			same(await store.loadDoc(A), { state: null, updates: [], cursor: 0 }, 'empty doc');
			same(await store.listDocIds(), [], 'no docs');
		}
	},
	{
		name: 'updates round-trip as exact bytes, in append order',
		async run(world) {
			const store = await world.open();
			const every = new Uint8Array(256).map((_, i) => i);
			const large = new Uint8Array(1 << 20).map((_, i) => (i * 31 + 7) & 255);
			const frame = bytes(9, 9, 1, 2, 3, 9);
			const view = frame.subarray(2, 5);
			for (const u of [every, bytes(), large, view]) await store.appendUpdate(A, u);
			frame.fill(0); // the caller reusing its buffer must not change what was stored
			const loaded = await store.loadDoc(A);
			same(loaded.updates, [every, bytes(), large, bytes(1, 2, 3)], 'updates');
			const last = loaded.updates[3];
			check(last !== undefined && last.byteOffset === 0 && last.buffer.byteLength === 3, 'a view is stored as its own bytes');
			loaded.updates[0]?.fill(0);
			same((await store.loadDoc(A)).updates[0], every, 'mutating a loaded update changes nothing stored');
			check(loaded.cursor > 0, 'cursor moves past the updates');
		}
	},
	{
		name: 'documents are kept apart and listed in order',
		async run(world) {
			const store = await world.open();
			await store.appendUpdate(B, idUpdate(1));
			await store.appendUpdate(A, idUpdate(2));
			await store.appendUpdate(B, idUpdate(3));
			await store.appendUpdate(DIR, idUpdate(4));
			same((await store.loadDoc(A)).updates, [idUpdate(2)], 'a');
			same((await store.loadDoc(B)).updates, [idUpdate(1), idUpdate(3)], 'b');
			same(await store.listDocIds(), [A, B, DIR], 'listed sorted');
		}
	},
	{
		name: 'a batch of updates is appended in one call, in order, after single ones',
		async run(world) {
			const store = await world.open();
			await store.appendUpdates([]);
			await store.appendUpdate(A, idUpdate(1));
			const frame = bytes(9, 0, 2, 0, 3, 0, 4, 9);
			await store.appendUpdates([
				{ docId: B, update: frame.subarray(1, 3) },
				{ docId: A, update: frame.subarray(3, 5) },
				{ docId: B, update: frame.subarray(5, 7) }
			]);
			frame.fill(0);
			same((await store.loadDoc(A)).updates, [idUpdate(1), idUpdate(3)], 'a');
			same((await store.loadDoc(B)).updates, [idUpdate(2), idUpdate(4)], 'b');
			same(await store.listDocIds(), [A, B], 'listed');
			same(await contentOf(store, B), [2, 4], 'content');
		}
	},
	{
		name: 'compaction replaces the loaded updates by the merged state and keeps later ones',
		async run(world) {
			const store = await world.open();
			await store.appendUpdate(A, idUpdate(1));
			await store.appendUpdate(A, idUpdate(2));
			const loaded = await store.loadDoc(A);
			await store.appendUpdate(A, idUpdate(3));
			const merged = merge(loaded.state, loaded.updates);
			same(await store.compactDoc(A, merged, loaded.cursor), 'compacted', 'outcome');
			const after = await store.loadDoc(A);
			same(after.state, merged, 'state');
			same(after.updates, [idUpdate(3)], 'the update appended after the load is kept');
			check(after.cursor > loaded.cursor, 'cursor covers the kept update');
			same(await store.compactDoc(A, merged, loaded.cursor), 'superseded', 'the same cursor twice');
			same(await loadAndCompact(store, A), 'compacted', 'second compaction');
			same(await store.loadDoc(A).then((d) => [d.updates.length, d.state && idsOf(d.state)]), [0, [1, 2, 3]], 'all merged');
			same(await store.listDocIds(), [A], 'a compacted doc is still listed');
		}
	},
	{
		name: 'compaction with nothing new to merge writes nothing',
		async run(world) {
			const store = await world.open();
			same(await loadAndCompact(store, A), 'superseded', 'empty doc');
			await store.appendUpdate(A, idUpdate(1));
			same(await loadAndCompact(store, A), 'compacted', 'first');
			same(await loadAndCompact(store, A), 'superseded', 'state only');
			same(await store.listDocIds(), [A], 'listed');
		}
	},
	{
		name: 'a stale compaction from another tab never drops what a newer one merged',
		async run(world) {
			const tab1 = await world.open();
			const tab2 = await world.open();
			await tab1.appendUpdate(A, idUpdate(1));
			const stale = await tab1.loadDoc(A);
			await tab2.appendUpdate(A, idUpdate(2));
			same(await loadAndCompact(tab2, A), 'compacted', 'tab 2 compacts first');
			await tab2.appendUpdate(A, idUpdate(3));
			same(await tab1.compactDoc(A, merge(stale.state, stale.updates), stale.cursor), 'superseded', 'tab 1 is refused');
			same(await contentOf(tab1, A), [1, 2, 3], 'content');
		}
	},
	{
		name: 'compaction of a document deleted since its load does not bring it back',
		async run(world) {
			const tab1 = await world.open();
			const tab2 = await world.open();
			await tab1.appendUpdate(A, idUpdate(1));
			const stale = await tab1.loadDoc(A);
			await tab2.deleteDoc(A);
			same(await tab1.compactDoc(A, merge(stale.state, stale.updates), stale.cursor), 'gone', 'outcome');
			same(await tab1.loadDoc(A).then((d) => [d.state, d.updates]), [null, []], 'still deleted');
			same(await tab1.listDocIds(), [], 'not listed');
			// Granted again: a fresh log; the old cursor still cannot touch it.
			await tab2.appendUpdate(A, idUpdate(7));
			same(await tab1.compactDoc(A, merge(stale.state, stale.updates), stale.cursor), 'gone', 'old cursor after re-grant');
			same(await contentOf(tab1, A), [7], 'only the new update');
		}
	},
	{
		name: 'deleteDoc removes every trace of one document and nothing else',
		async run(world) {
			const store = await world.open();
			for (const d of [A, B, DIR]) {
				await store.appendUpdate(d, idUpdate(1));
				await loadAndCompact(store, d);
				await store.appendUpdate(d, idUpdate(2));
				await store.appendLocalUpdate({ updateId: `p-${d}`, docId: d, update: idUpdate(3), createdAt: 1 });
			}
			await store.putSummary(summary('a'));
			await store.putSummary(summary('b'));
			await store.compactSummaries();
			await store.putSummary(summary('a', { firstName: 'Changed' }));
			await store.putSearchRows([
				{ key: 'a:1', contactId: contact('a'), value: 'hello' },
				{ key: 'b:1', contactId: contact('b'), value: 'world' },
				{ key: 'engine', contactId: null, value: { version: 1 } }
			]);
			await store.setMeta('lastSeq', 42);

			await store.deleteDoc(A);

			same(await store.loadDoc(A), { state: null, updates: [], cursor: 0 }, 'doc a is gone');
			same(await contentOf(store, B), [1, 2, 3], 'doc b is intact');
			same(await contentOf(store, DIR), [1, 2, 3], 'dir is intact');
			same(await store.listDocIds(), [B, DIR], 'listed');
			same((await store.listPending()).map((p) => p.updateId), [`p-${B}`, `p-${DIR}`], 'pending of a dropped');
			same((await store.loadSummaries()).map((s) => s.id), ['b'], 'summary of a dropped (snapshot and increment)');
			same((await store.loadSearchRows()).map((r) => r.key), ['b:1', 'engine'], 'search rows of a dropped');
			same(await store.getMeta('lastSeq'), 42, 'meta kept');

			await store.deleteDoc(DIR);
			same((await store.loadSummaries()).map((s) => s.id), ['b'], 'a non-contact doc has no summary to drop');
			same(await store.countPending(), 1, 'pending of dir dropped');
		}
	},
	{
		name: 'appendLocalUpdate appends and queues one update once',
		async run(world) {
			const store = await world.open();
			const p = { updateId: 'u1', docId: contactDoc('x'), update: idUpdate(5), createdAt: 1000 };
			await store.appendLocalUpdate(p);
			await store.appendLocalUpdate({ ...p, update: idUpdate(6), createdAt: 2000 });
			same((await store.loadDoc(p.docId)).updates, [idUpdate(5)], 'one update in the doc');
			same(await store.listPending(), [p], 'one pending entry, the first');
			await store.ackPending('u1');
			same((await store.loadDoc(p.docId)).updates, [idUpdate(5)], 'the ack keeps the update in the doc');
		}
	},
	{
		name: 'two handles on one database see each other and interleave appends and compactions without loss',
		async run(world) {
			for (const seed of [1, 2, 3, 4, 5]) {
				await withSeed(seed, async (random) => {
					const tabs = [await world.open(), await world.open()];
					const docs = [contactDoc(`s${seed}a`), contactDoc(`s${seed}b`), doc(`dir${seed}`)];
					const expected = new Map<DocId, number[]>(docs.map((d) => [d, []]));
					let nextId = 1;
					const steps = tabs.map(() =>
						Array.from({ length: 40 }, () => ({ roll: random(), docId: docs[Math.floor(random() * docs.length)] ?? A }))
					);
					const runTab = async (store: ClientStore, plan: Array<{ roll: number; docId: DocId }>) => {
						// A compaction prepared earlier and run several steps later, as a slow tab would.
						let late: { docId: DocId; merged: Uint8Array; cursor: UpdateCursor } | null = null;
						for (const { roll, docId } of plan) {
							if (roll < 0.6) {
								const id = nextId++;
								expected.get(docId)?.push(id);
								await store.appendUpdate(docId, idUpdate(id));
							} else if (roll < 0.8) {
								await loadAndCompact(store, docId);
							} else if (late === null) {
								const loaded = await store.loadDoc(docId);
								late = { docId, merged: merge(loaded.state, loaded.updates), cursor: loaded.cursor };
							} else {
								await store.compactDoc(late.docId, late.merged, late.cursor);
								late = null;
							}
						}
					};
					await Promise.all(tabs.map((t, i) => runTab(t, steps[i] ?? [])));
					for (const d of docs) {
						const want = (expected.get(d) ?? []).sort((x, y) => x - y);
						for (const t of tabs) same(await contentOf(t, d), want, `content of ${d}`);
					}
					for (const t of tabs) t.close();
				});
			}
		}
	}
];
