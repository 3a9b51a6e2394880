/**
 * Contract cases for summaries, the pending queue, search rows, meta, wiping, closing and the
 * separation of users.
 */
import {
	ALICE,
	ALICE_ELSEWHERE,
	BOB,
	bytes,
	check,
	contact,
	contactDoc,
	rejectsWith,
	same,
	summary,
	type ContractCase
} from './contract-kit';
import type { ExternalCloseReason, PendingUpdate } from './store';
import { waitFor } from '../test-utils/wait';

const pending = (updateId: string, createdAt = 1): PendingUpdate => ({
	updateId,
	docId: contactDoc('x'),
	update: bytes(createdAt & 255, 0, 255),
	createdAt
});

export const dataCases: ContractCase[] = [
	{
		name: 'summaries: increments win over the snapshot, tombstones delete, compaction keeps the answer',
		async run(world) {
			const store = await world.open();
			same(await store.loadSummaries(), [], 'empty');
			const a = summary('a', { status: 'snoozed', snoozeUntil: 5, statusBeforeSnooze: 'open', sinceBeforeSnooze: 4 });
			await store.putSummary(summary('c'));
			await store.putSummary(a);
			await store.putSummary(summary('b'));
			same(await store.loadSummaries(), [a, summary('b'), summary('c')], 'sorted by id, every field intact');
			same(await store.compactSummaries(), 3, 'three increments folded');
			same(await store.compactSummaries(), 0, 'nothing left to fold');
			same(await store.loadSummaries(), [a, summary('b'), summary('c')], 'same answer from the snapshot');
			const b2 = summary('b', { lastMessagePreview: 'new', lastMessageAt: 9, lastMessageDirection: 'in' });
			await store.putSummary(b2);
			await store.deleteSummary(contact('c'));
			await store.deleteSummary(contact('never-there'));
			await store.putSummary(summary('d'));
			same(await store.loadSummaries(), [a, b2, summary('d')], 'increments over the snapshot');
			same(await store.compactSummaries(), 4, 'four increments folded');
			same(await store.loadSummaries(), [a, b2, summary('d')], 'after the second compaction');
			await store.deleteSummary(contact('d'));
			await store.putSummary(summary('d', { firstName: 'Back' }));
			same((await store.loadSummaries()).map((s) => s.firstName), [a.firstName, b2.firstName, 'Back'], 'tombstone then put');
			// Many increments in one write (issue 26: a reconnect's changed contacts), each replacing its own.
			await store.putSummaries([summary('b', { firstName: 'Many' }), summary('e')]);
			same((await store.loadSummaries()).map((s) => s.firstName), [a.firstName, 'Many', 'Back', summary('e').firstName], 'put in one write');
			same(await store.compactSummaries(), 3, 'one increment per contact folded (d, b, e)');
		}
	},
	{
		name: 'summaries: a rebuild keeps the increments written while it ran',
		async run(world) {
			const store = await world.open();
			const other = await world.open();
			await store.putSummary(summary('a'));
			await store.putSummary(summary('b'));
			const basis = await store.summaryCursor();
			check(basis > 0, 'the cursor moved with the increments');
			// While the rebuild reads documents, another tab changes b and revokes a.
			await other.putSummary(summary('b', { status: 'closed' }));
			await other.deleteDoc(contactDoc('a'));
			const rebuilt = [summary('a'), summary('b'), summary('c')];
			same(await store.writeSummarySnapshot(rebuilt, basis), 'written', 'outcome');
			same(await store.loadSummaries(), [summary('b', { status: 'closed' }), summary('c')], 'later increments win');
			check((await store.summaryCursor()) >= basis, 'the cursor never goes back');
		}
	},
	{
		name: 'summaries: a rebuild is refused when a compaction folded newer increments',
		async run(world) {
			const store = await world.open();
			same(await store.summaryCursor(), 0, 'initial cursor');
			const basis = await store.summaryCursor();
			await store.putSummary(summary('late'));
			same(await store.compactSummaries(), 1, 'folded');
			same(await store.writeSummarySnapshot([summary('x')], basis), 'superseded', 'outcome');
			same((await store.loadSummaries()).map((s) => s.id), ['late'], 'the folded summary survives');
			const fresh = await store.summaryCursor();
			same(await store.writeSummarySnapshot([summary('x')], fresh), 'written', 'with a fresh basis');
			same((await store.loadSummaries()).map((s) => s.id), ['x'], 'replaced');
		}
	},
	{
		// SPEC S9.5: the count of local changes not yet acknowledged.
		name: 'pending: insertion order, idempotent by updateId, acks forget, counts follow',
		async run(world) {
			const store = await world.open();
			same(await store.listPending(), [], 'empty');
			same(await store.countPending(), 0, 'count 0');
			await store.addPending(pending('p1', 1));
			await store.addPending(pending('p3', 3));
			await store.addPending(pending('p2', 2));
			await store.addPending({ ...pending('p1', 1), update: bytes(7), createdAt: 99 });
			same(await store.listPending(), [pending('p1', 1), pending('p3', 3), pending('p2', 2)], 'order and first copy kept');
			same(await store.countPending(), 3, 'count 3');
			await store.ackPending('p3');
			await store.ackPending('p3');
			await store.ackPending('unknown');
			same((await store.listPending()).map((p) => p.updateId), ['p1', 'p2'], 'after acks');
			same(await store.countPending(), 2, 'count 2');
			const frame = bytes(0, 1, 2, 3, 0);
			await store.addPending({ ...pending('view'), update: frame.subarray(1, 4) });
			frame.fill(9);
			same((await store.listPending())[2]?.update, bytes(1, 2, 3), 'a view is stored as its bytes');
		}
	},
	{
		name: 'pending: two handles adding the same update at once keep one entry',
		async run(world) {
			const tab1 = await world.open();
			const tab2 = await world.open();
			await Promise.all([tab1.addPending(pending('same', 1)), tab2.addPending(pending('same', 2)), tab1.addPending(pending('other'))]);
			same(await tab2.countPending(), 2, 'count');
			same((await tab2.listPending()).filter((p) => p.updateId === 'same').length, 1, 'one entry');
			await tab2.ackPending('same');
			same((await tab1.listPending()).map((p) => p.updateId), ['other'], 'the ack is seen by the other tab');
		}
	},
	{
		name: 'search rows: put replaces by key, load all or one contact, delete by key or by contact',
		async run(world) {
			const store = await world.open();
			const nested = { terms: ['a', 'é', '👋'], freq: { a: 1 }, vec: bytes(1, 2), at: null };
			const rows = [
				{ key: 'x:2', contactId: contact('x'), value: 'second' },
				{ key: 'y:1', contactId: contact('y'), value: nested },
				{ key: 'x:1', contactId: contact('x'), value: 1 },
				{ key: 'engine', contactId: null, value: { docCount: 2 } }
			];
			await store.putSearchRows(rows);
			nested.terms.push('mutated after the call');
			same((await store.loadSearchRows()).map((r) => r.key), ['engine', 'x:1', 'x:2', 'y:1'], 'sorted by key');
			same((await store.loadSearchRows(contact('y')))[0]?.value, { ...nested, terms: ['a', 'é', '👋'] }, 'value cloned at put');
			await store.putSearchRows([{ key: 'x:1', contactId: contact('x'), value: 'replaced' }]);
			same(await store.loadSearchRows(contact('x')), [
				{ key: 'x:1', contactId: contact('x'), value: 'replaced' },
				{ key: 'x:2', contactId: contact('x'), value: 'second' }
			], 'one contact, sorted, replaced');
			await store.deleteSearchRows(['x:2', 'missing']);
			same((await store.loadSearchRows()).map((r) => r.key), ['engine', 'x:1', 'y:1'], 'after delete by key');
			await store.deleteSearchRowsOf(contact('x'));
			same((await store.loadSearchRows()).map((r) => r.key), ['engine', 'y:1'], 'after delete by contact');
			same(await store.loadSearchRows(contact('x')), [], 'none left for x');
		}
	},
	{
		name: 'meta: structured values round-trip, undefined deletes',
		async run(world) {
			const store = await world.open();
			same(await store.getMeta('lastSeq'), undefined, 'unknown key');
			await store.setMeta('lastSeq', 12);
			await store.setMeta('recentSearches', ['a@b.c', '"phrase"']);
			await store.setMeta('user', { id: 'u-alice', name: 'Alice', locale: 'fr' });
			await store.setMeta('lastSeq', 13);
			same(await store.getMeta<number>('lastSeq'), 13, 'overwritten');
			same(await store.getMeta('recentSearches'), ['a@b.c', '"phrase"'], 'array');
			same(await store.getMeta('user'), { id: 'u-alice', name: 'Alice', locale: 'fr' }, 'object');
			await store.setMeta('lastSeq', undefined);
			same(await store.getMeta('lastSeq'), undefined, 'deleted');
		}
	},
	{
		name: 'wipe empties everything, keeps the handle usable, and old cursors stay harmless',
		async run(world) {
			const store = await world.open();
			await store.appendUpdate(contactDoc('a'), bytes(1));
			const stale = await store.loadDoc(contactDoc('a'));
			await store.addPending(pending('p'));
			await store.putSummary(summary('a'));
			await store.putSearchRows([{ key: 'k', contactId: contact('a'), value: 1 }]);
			await store.setMeta('lastSeq', 1);
			await store.wipe();
			same(await store.listDocIds(), [], 'docs');
			same(await store.countPending(), 0, 'pending');
			same(await store.loadSummaries(), [], 'summaries');
			same(await store.loadSearchRows(), [], 'search');
			same(await store.getMeta('lastSeq'), undefined, 'meta');
			await store.appendUpdate(contactDoc('a'), bytes(2));
			same(await store.compactDoc(contactDoc('a'), bytes(1), stale.cursor), 'gone', 'a cursor from before the wipe');
			same((await store.loadDoc(contactDoc('a'))).updates, [bytes(2)], 'the new update is kept');
		}
	},
	{
		name: 'a closed handle rejects with closed; other handles go on',
		async run(world) {
			const store = await world.open();
			const other = await world.open();
			await store.setMeta('k', 1);
			store.close();
			store.close();
			check(store.closed, 'closed flag');
			await rejectsWith(store.getMeta('k'), 'closed', 'read after close');
			await rejectsWith(store.appendUpdate(contactDoc('a'), bytes(1)), 'closed', 'write after close');
			same(await other.getMeta('k'), 1, 'the other handle still works');
		}
	},
	{
		name: 'users and workspaces never see each other',
		async run(world) {
			const owners = [ALICE, BOB, ALICE_ELSEWHERE];
			const stores = await Promise.all(owners.map((o) => world.open(o)));
			for (const [i, s] of stores.entries()) {
				await s.appendUpdate(contactDoc(`only-${i}`), bytes(i));
				await s.putSummary(summary(`only-${i}`));
				await s.addPending(pending(`p-${i}`));
				await s.setMeta('who', i);
			}
			for (const [i, s] of stores.entries()) {
				same(await s.listDocIds(), [contactDoc(`only-${i}`)], `docs of owner ${i}`);
				same((await s.loadSummaries()).map((x) => x.id), [`only-${i}`], `summaries of owner ${i}`);
				same((await s.listPending()).map((p) => p.updateId), [`p-${i}`], `pending of owner ${i}`);
				same(await s.getMeta('who'), i, `meta of owner ${i}`);
			}
			await world.deleteDatabase(BOB);
			same(await stores[0]?.getMeta('who'), 0, 'deleting Bob leaves Alice alone');
			check(stores[0]?.closed === false, 'and her handle open');
		}
	},
	{
		name: 'deleting the database closes open handles, tells their owner, and reopens empty',
		async run(world) {
			let reason: ExternalCloseReason | null = null;
			const store = await world.open(ALICE, { onExternalClose: (r) => (reason = r) });
			await store.setMeta('k', 1);
			await world.deleteDatabase(ALICE);
			await waitFor(() => reason !== null, 5_000, 'the open handle hears about the deletion');
			same(reason, 'deleted', 'reason');
			check(store.closed, 'closed');
			await rejectsWith(store.getMeta('k'), 'closed', 'read after deletion');
			const again = await world.open(ALICE);
			same(await again.getMeta('k'), undefined, 'a new database');
		}
	}
];
