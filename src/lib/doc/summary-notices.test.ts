// SPEC S6.2 S7.5: the summary keeps the recent mentions and system wake-ups a notification
// center derives from; the incremental summary equals the full one with them too.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ContactId, EntryId, UserId } from '../domain/types';
import { createPrng } from '../demo/prng';
import { initContact } from './contact';
import { NOTICE_LIMIT, summarize, updateSummary } from './summary';

const CID = 'c1' as ContactId;

function fresh() {
	const ydoc = new Y.Doc();
	const c = initContact(ydoc, { id: CID, profile: { firstName: 'Zoé' }, createdAt: 100 });
	return { ydoc, c };
}

describe('summary notices', () => {
	it('lists mentions and system wake-ups, not plain comments or user wake-ups', () => {
		const { ydoc, c } = fresh();
		c.thread.append({ id: 'a' as EntryId, kind: 'comment', at: 200, author: { type: 'user', id: 'u1' }, text: 'hi @Ana', mentions: ['u2' as UserId] });
		c.thread.append({ id: 'b' as EntryId, kind: 'comment', at: 210, author: { type: 'user', id: 'u1' }, text: 'note', mentions: [] });
		c.thread.append({ id: 'c' as EntryId, kind: 'event', at: 220, author: { type: 'system', id: 's' }, type: 'woken', source: 'system', data: {} });
		c.thread.append({ id: 'd' as EntryId, kind: 'event', at: 230, author: { type: 'user', id: 'u1' }, type: 'woken', source: 'user', data: {} });
		expect(summarize(CID, ydoc).notices).toEqual([
			{ entryId: 'a', at: 200, kind: 'mention', userIds: ['u2'], authorId: 'u1' },
			{ entryId: 'c', at: 220, kind: 'woken', userIds: [], authorId: null }
		]);
		expect(summarize(CID, fresh().ydoc).notices).toBeUndefined();
	});

	it('incremental equals full, bounded to NOTICE_LIMIT, with ties on `at` (seeded)', () => {
		for (let seed = 1; seed <= 30; seed++) {
			const rng = createPrng(seed);
			const { ydoc, c } = fresh();
			let inc = summarize(CID, ydoc);
			for (let step = 0; step < 40; step++) {
				const batch: EntryId[] = [];
				for (let k = rng.int(1, 4); k > 0; k--) {
					const id = `e${rng.int(0, 1e6)}` as EntryId;
					const at = 1000 + rng.int(0, 30) * 10;
					const r = rng.int(0, 3);
					if (r === 0) c.thread.append({ id, kind: 'comment', at, author: { type: 'user', id: 'u1' }, text: 'x', mentions: rng.bool() ? ['u2' as UserId] : [] });
					else if (r === 1) c.thread.append({ id, kind: 'event', at, author: { type: 'system', id: 's' }, type: 'woken', source: 'system', data: {} });
					else c.thread.append({ id, kind: 'event', at, author: { type: 'system', id: 's' }, type: 'opened', source: 'user', data: {} });
					batch.push(id);
				}
				inc = updateSummary(inc, ydoc, { added: batch });
				const full = summarize(CID, ydoc);
				expect(inc, `seed ${seed} step ${step}`).toEqual(full);
				expect((full.notices ?? []).length).toBeLessThanOrEqual(NOTICE_LIMIT);
			}
		}
	});
});
