// SPEC S1.9: the server turns client-supplied doc ids into documents only through parseDocId.
import { describe, expect, it } from 'vitest';
import {
	CONTACT_ID_PATTERN,
	DIR_DOC_ID,
	asContactId,
	asUserId,
	contactDocId,
	isValidContactId,
	newId,
	parseDocId
} from './ids';

describe('newId', () => {
	it('is 20 url-safe characters and a valid contact id', () => {
		for (let i = 0; i < 1000; i++) {
			const id = newId();
			expect(id).toMatch(/^[A-Za-z0-9_-]{20}$/);
			expect(isValidContactId(id)).toBe(true);
		}
	});

	it('does not repeat and uses the whole alphabet', () => {
		const ids = new Set<string>();
		const chars = new Set<string>();
		for (let i = 0; i < 5000; i++) {
			const id = newId();
			ids.add(id);
			for (const c of id) chars.add(c);
		}
		expect(ids.size).toBe(5000);
		expect(chars.size).toBe(64);
	});
});

describe('doc ids', () => {
	it('dir is "dir"', () => {
		expect(DIR_DOC_ID).toBe('dir');
		expect(parseDocId('dir')).toEqual({ kind: 'dir' });
	});

	it('round-trips contact ids', () => {
		for (const raw of ['a', 'A-b_9', 'x'.repeat(64), newId()]) {
			const id = asContactId(raw);
			const doc = contactDocId(id);
			expect(doc).toBe(`c/${raw}`);
			expect(parseDocId(doc)).toEqual({ kind: 'contact', contactId: id });
		}
	});

	it('contactDocId refuses ids outside the grammar', () => {
		expect(() => contactDocId(asContactId('../dir'))).toThrow(TypeError);
		expect(() => contactDocId(asContactId(''))).toThrow(TypeError);
	});

	it.each([
		'',
		'c/',
		'c',
		'C/abc',
		'dir/',
		'/dir',
		' dir',
		'dir ',
		'DIR',
		'c/..',
		'c/../dir',
		'c/a/b',
		'c//a',
		'c/a%2Fb',
		'c%2Fabc',
		'c/a.b',
		'c/a b',
		'c/a\n',
		'c/a\u0000',
		'c/é',
		'c/ａ',
		'c/\u{1F600}',
		'c/' + 'x'.repeat(65),
		'./c/a',
		'c/a?x=1',
		'c/a#b',
		'c\\a'
	])('rejects %j', (s) => {
		expect(parseDocId(s)).toBeNull();
	});

	it('rejects non-strings at runtime', () => {
		expect(parseDocId(undefined as unknown as string)).toBeNull();
		expect(parseDocId(42 as unknown as string)).toBeNull();
		expect(isValidContactId(null)).toBe(false);
		expect(isValidContactId(['abc'])).toBe(false);
	});

	it('accepts exactly the contact id pattern', () => {
		expect(CONTACT_ID_PATTERN.source).toBe('^[A-Za-z0-9_-]{1,64}$');
		expect(isValidContactId('x'.repeat(64))).toBe(true);
		expect(isValidContactId('x'.repeat(65))).toBe(false);
		expect(isValidContactId('abc\n')).toBe(false);
	});

	it('cast helpers keep the string', () => {
		expect(asUserId('u1')).toBe('u1');
	});
});
