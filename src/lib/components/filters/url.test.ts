// SPEC S1.5, S4.4: custom inboxes and unsaved filters have shareable URLs.
import { describe, expect, it } from 'vitest';
import type { Filter } from '../../domain/filters';
import { decodeFilter, encodeFilter, urlOfView, viewOfUrl } from './url';

const FILTER: Filter = { groups: [[{ field: 'name', op: 'contains', value: 'Éloïse 🔥' }], [{ field: 'lastIncomingAt', op: 'older_than', amount: 2, unit: 'hours' }]], timeZone: 'Europe/Paris' };

describe('filter URLs', () => {
	it('round-trip a filter (unicode included) through the query string', () => {
		const search = urlOfView({ inbox: null, filter: FILTER });
		expect(search).toMatch(/^\?filter=[A-Za-z0-9_-]+$/);
		expect(viewOfUrl(new URLSearchParams(search))).toEqual({ inbox: null, filter: FILTER });
		expect(decodeFilter(encodeFilter(FILTER))).toEqual(FILTER);
	});
	it('names custom inboxes only; standard inboxes keep a bare URL', () => {
		expect(urlOfView({ inbox: 'custom:abc', filter: null })).toBe('?inbox=custom%3Aabc');
		expect(viewOfUrl(new URLSearchParams('?inbox=custom%3Aabc'))).toEqual({ inbox: 'custom:abc', filter: null });
		expect(urlOfView({ inbox: 'all', filter: null })).toBe('');
	});
	it('ignores malformed filters', () => {
		for (const bad of ['', '!!!', encodeFilter({ groups: 'x' } as unknown as Filter), 'e30']) expect(decodeFilter(bad)).toBeNull();
	});
});
