// SPEC S9.4: the drafting field ("Olivia is drafting a reply") read from peers' awareness states,
// validated field by field (states come from other people's code).
import { describe, expect, it } from 'vitest';
import { readContactPresence } from './awareness-states';

const user = { kind: 'user', id: 'u-olivia', name: 'Olivia' };

describe('readContactPresence: drafting', () => {
	it('reads the composer and the draft key', () => {
		expect(readContactPresence({ user, typing: null, drafting: { composer: 'reply', key: 'reply:u-olivia' } })?.drafting).toEqual({ composer: 'reply', key: 'reply:u-olivia' });
	});

	it('ignores a drafting state that does not fit', () => {
		for (const drafting of [null, 'reply', { composer: 'reply' }, { key: 'reply:u-olivia' }, { composer: 3, key: 'x' }, { composer: 'reply', key: 'k'.repeat(500) }]) {
			expect(readContactPresence({ user, drafting })?.drafting).toBeNull();
		}
	});

	it('keeps a cursor whose composer is a draft key', () => {
		const s = readContactPresence({ user, cursor: { composer: 'reply:u-olivia+u-ana', anchor: {}, head: {} } });
		expect(s?.cursor?.composer).toBe('reply:u-olivia+u-ana');
	});
});
