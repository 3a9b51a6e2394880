// Issue 16 "A list that holds still" (SPEC S4.5, S4.6): rows keep their places under the pointer.
import { describe, expect, it } from 'vitest';
import { holdRows } from './held-list';

interface Row {
	id: string;
	v: number;
}
const key = (r: Row) => r.id;

describe('holdRows', () => {
	it('keeps the held order, shows each row in its latest version, and counts the new ones', () => {
		const held = [{ id: 'a', v: 1 }, { id: 'b', v: 1 }, { id: 'c', v: 1 }];
		// b got a message (moved to the top), x and y arrived from the first sync.
		const latest = [{ id: 'y', v: 1 }, { id: 'b', v: 2 }, { id: 'x', v: 1 }, { id: 'a', v: 1 }, { id: 'c', v: 1 }];
		const out = holdRows(held, latest, key);
		expect(out.rows).toEqual([{ id: 'a', v: 1 }, { id: 'b', v: 2 }, { id: 'c', v: 1 }]);
		expect(out.fresh).toBe(2);
	});

	it('drops a row that left the view (it may be a contact this user may no longer see)', () => {
		const held = [{ id: 'a', v: 1 }, { id: 'b', v: 1 }];
		const out = holdRows(held, [{ id: 'b', v: 1 }], key);
		expect(out.rows.map(key)).toEqual(['b']);
		expect(out.fresh).toBe(0);
	});

	it('holds an empty list: everything that arrives is new', () => {
		expect(holdRows<Row>([], [{ id: 'a', v: 1 }], key)).toEqual({ rows: [], fresh: 1 });
	});

	it('counts a held row with news (a new message) as fresh, and keeps it in place', () => {
		const held = [{ id: 'a', v: 1 }, { id: 'b', v: 1 }];
		const out = holdRows(held, [{ id: 'b', v: 2 }, { id: 'a', v: 1 }], key, (then, now) => then.v !== now.v);
		expect(out.rows).toEqual([{ id: 'a', v: 1 }, { id: 'b', v: 2 }]);
		expect(out.fresh).toBe(1);
	});
});
