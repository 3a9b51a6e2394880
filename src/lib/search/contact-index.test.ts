// SPEC S3.2 S3.3 (issue 26: contact search at 50,000 contacts): the contact index keeps the best
// `limit` hits by selection and merges changes into a small second run, and still answers exactly
// what a freshly built index and the naive reference answer, in the same order.
import { describe, expect, it } from 'vitest';
import { createPrng } from '../demo/prng';
import type { ContactId } from '../domain/types';
import { ContactIndex, firstK } from './contact-index';
import { SearchHost } from './host';
import type { WorkerReply } from './protocol';
import { FIXTURE_FIELDS, fixtureWorkspace } from './fixtures';
import type { SearchableContact } from './indexable';
import { DEMO_COUNTRY } from './phone';
import { planContactQuery } from './planner';
import { ReferenceSearch } from './reference';

const ctx = { fields: FIXTURE_FIELDS, country: DEMO_COUNTRY };

describe('firstK', () => {
	it('equals the first k of a full sort, ties and all', () => {
		const p = createPrng(7);
		for (let round = 0; round < 200; round++) {
			const n = p.int(0, 300);
			const items = Array.from({ length: n }, (_, i) => ({ key: p.int(0, 20), i }));
			const order = (a: { key: number; i: number }, b: { key: number; i: number }) => a.key - b.key || a.i - b.i;
			const k = p.pick([0, 1, 3, 8, 50, 1000]);
			expect(firstK([...items], k, order)).toEqual([...items].sort(order).slice(0, k));
		}
	});

	it('keeps 8 of 10,000 with a few comparisons per item, not a sort', () => {
		const p = createPrng(8);
		const items = Array.from({ length: 10_000 }, () => p.int(0, 1_000_000));
		let calls = 0;
		const order = (a: number, b: number) => {
			calls++;
			return a - b;
		};
		expect(firstK([...items], 8, order)).toEqual([...items].sort((a, b) => a - b).slice(0, 8));
		expect(calls).toBeLessThan(items.length * 2);
	});
});

describe('contact index with changes between queries', () => {
	it('answers like a fresh index and the reference while contacts are added, changed and removed', () => {
		const p = createPrng(26);
		// ~1,000 contacts: more pairs than the small run takes, so both runs are read.
		const ws = fixtureWorkspace(26, 1200, 0).map((w) => w.contact);
		const index = new ContactIndex();
		const ref = new ReferenceSearch(FIXTURE_FIELDS);
		const live = new Map<ContactId, SearchableContact>();
		for (const c of ws.slice(0, 1000)) {
			index.upsert(c, ctx);
			ref.upsertContact(c);
			live.set(c.id, c);
		}
		const queries = ['a', 'ca', 'car', 'sam', 'mendez', 'ana du', '06', '+33 6', '0612', 'gmail', 'élo', 'o', 'zo', 'jean-p', 'orange.fr'];
		let next = 1000;
		for (let step = 0; step < 60; step++) {
			const action = p.int(0, 2);
			if (action === 0 && next < ws.length) {
				const c = ws[next++]!;
				index.upsert(c, ctx);
				ref.upsertContact(c);
				live.set(c.id, c);
			} else if (action === 1) {
				const old = p.pick([...live.values()]);
				const c = { ...old, firstName: p.pick(['Carla', 'Oscar', 'Anaïs', 'Zed']), phone: p.pick(['0612345678', '+33 6 11 22 33 44', '']) };
				index.upsert(c, ctx);
				ref.upsertContact(c);
				live.set(c.id, c);
			} else {
				const old = p.pick([...live.values()]);
				index.remove(old.id);
				ref.removeContact(old.id);
				live.delete(old.id);
			}
			const q = p.pick(queries);
			const plan = planContactQuery(q, DEMO_COUNTRY)!;
			const fresh = new ContactIndex();
			for (const c of live.values()) fresh.upsert(c, ctx);
			const all = index.search(plan, Infinity);
			expect(all, `step ${step}, ${q}`).toEqual(fresh.search(plan, Infinity));
			expect([...all.ids].sort(), `step ${step}, ${q}`).toEqual(ref.searchContacts(q).sort());
			// The first 8 of the same order, and the total of every match.
			expect(index.search(plan, 8), `step ${step}, ${q}`).toEqual({ ids: all.ids.slice(0, 8), total: all.total });
		}
	});

	it('a query after one changed contact among 20,000 merges a few pairs, not every pair', () => {
		const index = new ContactIndex();
		const ws = fixtureWorkspace(27, 20_000, 0).map((w) => w.contact);
		for (const c of ws) index.upsert(c, ctx);
		const plan = planContactQuery('car', DEMO_COUNTRY)!;
		index.search(plan, 8);
		const total = index.pairsMerged;
		index.upsert({ ...ws[0]!, firstName: 'Renamed' }, ctx);
		const before = index.pairsMerged;
		const hits = index.search(planContactQuery('renamed', DEMO_COUNTRY)!, 8);
		expect(hits.ids).toEqual([ws[0]!.id]);
		expect(index.pairsMerged - before).toBeLessThan(total / 10);
	});
});

describe('search worker host', () => {
	it('merges new contact pairs when idle after changes, so the next query waits for no merge', () => {
		const later: Array<{ fn: () => void; ms: number }> = [];
		const replies: WorkerReply[] = [];
		const host = new SearchHost(
			(r) => replies.push(r),
			(fn) => fn(),
			(fn, ms) => later.push({ fn, ms })
		);
		host.handle({ type: 'load', contacts: null, customFields: FIXTURE_FIELDS });
		const ws = fixtureWorkspace(28, 3000, 0).map((w) => w.contact);
		for (const c of ws) host.handle({ type: 'upsertContact', contact: c });
		// One merge is due for the whole burst, a little later.
		expect(later).toHaveLength(1);
		expect(host.current.contactIndex.unsettled).toBeGreaterThan(0);
		later[0]!.fn();
		expect(host.current.contactIndex.unsettled).toBe(0);
		const merged = host.current.contactIndex.pairsMerged;
		host.handle({ type: 'query', seq: 1, lane: 'l', scope: 'contacts', text: ws[0]!.lastName, limit: 8 });
		const result = replies.find((r) => r.type === 'result');
		const outcome = result?.type === 'result' ? result.outcome : null;
		expect(outcome?.status === 'done' && 'total' in outcome.results ? outcome.results.total : 0).toBeGreaterThan(0);
		expect(host.current.contactIndex.pairsMerged).toBe(merged);
	});
});
