import { describe, expect, it } from 'vitest';
import type { CustomFieldDef, Directory } from './types';
import {
	normalizeCountry,
	normalizeEmail,
	normalizeLanguage,
	normalizePhone,
	validateCustomValue,
	validateNewContact,
	validateProfilePatch
} from './contact-input';
import { directory, team, user } from './test-fixtures';

const dir: Directory = {
	...directory([user('u1'), user('gone', { active: false })], [team('t1')]),
	customFields: [
		{ key: 'note', label: 'Note', type: 'text' },
		{ key: 'work', label: 'Work email', type: 'email' },
		{ key: 'mobile', label: 'Mobile', type: 'phone' },
		{ key: 'site', label: 'Site', type: 'url' },
		{ key: 'age', label: 'Age', type: 'number' },
		{ key: 'vip', label: 'VIP', type: 'checkbox' },
		{ key: 'born', label: 'Birthday', type: 'date' },
		{ key: 'call', label: 'Call at', type: 'time' },
		{ key: 'plan', label: 'Plan', type: 'select', options: ['free', 'pro'] },
		{ key: 'any', label: 'Anything', type: 'select' }
	]
};

describe('normalizePhone', () => {
	// SPEC S3.1 S8.1
	it.each([
		['+33 6 12 34 56 78', '+33612345678'],
		['(555) 123-4567', '5551234567'],
		['06.12.34.56.78', '0612345678'],
		['  +1 (800) 555/0199 ', '+18005550199'],
		['123456', '123456'],
		['1'.repeat(20), '1'.repeat(20)]
	])('%j -> %j', (input, want) => expect(normalizePhone(input)).toBe(want));

	it.each(['', '12345', '1'.repeat(21), '+', '++33612345678', '33+612345678', '06 12 ab 56', '٠١٢٣٤٥٦٧', '１２３４５６７', '+33 6 12\u0000345678'])(
		'rejects %j',
		(input) => expect(normalizePhone(input)).toBeNull()
	);
});

describe('normalizeEmail', () => {
	it.each([
		['Ana@Example.COM', 'ana@example.com'],
		['  first.last+tag@mail.co.uk ', 'first.last+tag@mail.co.uk'],
		["o'neil@x-y.io", "o'neil@x-y.io"]
	])('%j -> %j', (input, want) => expect(normalizeEmail(input)).toBe(want));

	it.each(['', 'plain', 'a@b', '@x.com', 'a@.com', 'a@x..com', 'a b@x.com', 'a@-x.com', 'a@x-.com', 'a@@x.com', 'é@x.com', `${'a'.repeat(250)}@x.com`])(
		'rejects %j',
		(input) => expect(normalizeEmail(input)).toBeNull()
	);
});

describe('country and language', () => {
	it('country is an ISO 3166-1 alpha-2 code', () => {
		expect(normalizeCountry('fr')).toBe('FR');
		expect(normalizeCountry(' Us ')).toBe('US');
		expect(normalizeCountry('XK')).toBe('XK');
		for (const bad of ['', 'F', 'FRA', 'UK', 'ZZ', 'EU', '12', 'é']) expect(normalizeCountry(bad)).toBeNull();
	});

	it('language is a short BCP-47 tag in canonical case', () => {
		expect(normalizeLanguage('FR')).toBe('fr');
		expect(normalizeLanguage('pt-br')).toBe('pt-BR');
		expect(normalizeLanguage('pt_BR')).toBe('pt-BR');
		expect(normalizeLanguage('zh-hant-tw')).toBe('zh-Hant-TW');
		expect(normalizeLanguage('es-419')).toBe('es-419');
		expect(normalizeLanguage('fil')).toBe('fil');
		for (const bad of ['', 'f', 'english', 'en-', 'en-USA1', 'en-US-x', '12', 'en US']) expect(normalizeLanguage(bad)).toBeNull();
	});
});

describe('validateNewContact', () => {
	// SPEC S3.1
	it('normalizes a full input', () => {
		expect(
			validateNewContact(
				{ firstName: '  Ana ', lastName: ' Silva ', phone: '+351 912 345 678', email: 'Ana@X.pt', teamId: 't1', assigneeId: 'u1' },
				dir
			)
		).toEqual({
			ok: true,
			value: { firstName: 'Ana', lastName: 'Silva', phone: '+351912345678', email: 'ana@x.pt', teamId: 't1', assigneeId: 'u1' }
		});
	});

	it('fills optional fields', () => {
		expect(validateNewContact({ firstName: 'Bo' }, dir)).toEqual({
			ok: true,
			value: { firstName: 'Bo', lastName: '', phone: '', email: '', teamId: null, assigneeId: null }
		});
		expect(validateNewContact({ firstName: 'Bo', phone: ' ', email: '', teamId: null, assigneeId: '' }, dir).ok).toBe(true);
	});

	it('reports every bad field at once', () => {
		const r = validateNewContact(
			{ firstName: '   ', lastName: 'x'.repeat(101), phone: '12', email: 'nope', teamId: 't9', assigneeId: 'gone' },
			dir
		);
		expect(r.ok).toBe(false);
		if (!r.ok) {
			expect(Object.keys(r.errors).sort()).toEqual(['assigneeId', 'email', 'firstName', 'lastName', 'phone', 'teamId']);
			for (const m of Object.values(r.errors)) expect(m).toMatch(/\w/);
		}
	});

	it('first name is required and at most 100 characters', () => {
		expect(validateNewContact({}, dir).ok).toBe(false);
		expect(validateNewContact({ firstName: 'x'.repeat(100) }, dir).ok).toBe(true);
		expect(validateNewContact({ firstName: 'x'.repeat(101) }, dir).ok).toBe(false);
		expect(validateNewContact({ firstName: 'a\u0007b' }, dir).ok).toBe(false);
	});

	it('rejects wrong runtime types', () => {
		const r = validateNewContact({ firstName: 42, phone: 612345678, teamId: ['t1'], assigneeId: { id: 'u1' } }, dir);
		expect(r.ok ? [] : Object.keys(r.errors).sort()).toEqual(['assigneeId', 'firstName', 'phone', 'teamId']);
		expect(validateNewContact(null as unknown as object, dir).ok).toBe(false);
	});
});

describe('custom values', () => {
	// SPEC S8.1 S3.3
	const def = (key: string): CustomFieldDef => dir.customFields.find((d) => d.key === key)!;
	const cases: Array<[string, unknown, unknown]> = [
		['note', '  hi ', 'hi'],
		['work', 'A@B.co', 'a@b.co'],
		['mobile', '+1 555 0100 99', '+1555010099'],
		['site', 'https://example.com/x?y=1', 'https://example.com/x?y=1'],
		['age', 42, 42],
		['age', ' -3.5 ', -3.5],
		['vip', true, true],
		['vip', false, false],
		['born', '2024-02-29', '2024-02-29'],
		['call', '23:59', '23:59'],
		['call', '07:05:09', '07:05:09'],
		['plan', 'pro', 'pro'],
		['any', 'whatever', 'whatever'],
		['note', null, null],
		['age', '', null]
	];
	for (const [key, v, want] of cases) {
		it(`${key}: ${JSON.stringify(v)} -> ${JSON.stringify(want)}`, () => {
			expect(validateCustomValue(def(key), v)).toEqual({ ok: true, value: want });
		});
	}
	const bads: Array<[string, unknown]> = [
		['note', 'x'.repeat(1001)],
		['note', 5],
		['work', 'nope'],
		['mobile', 'abc'],
		['site', 'javascript:alert(1)'],
		['site', 'ftp://x.com'],
		['site', 'example.com'],
		['age', 'ten'],
		['age', Number.NaN],
		['age', '1e5'],
		['vip', 'true'],
		['vip', 1],
		['born', '2023-02-29'],
		['born', '2024-13-01'],
		['born', '24-01-01'],
		['call', '24:00'],
		['call', '7:05'],
		['plan', 'gold']
	];
	for (const [key, v] of bads) {
		it(`${key}: rejects ${JSON.stringify(v)}`, () => expect(validateCustomValue(def(key), v).ok).toBe(false));
	}
});

describe('validateProfilePatch', () => {
	// SPEC S8.1
	it('checks and returns only the fields present', () => {
		expect(validateProfilePatch({ phone: '06 12 34 56 78', country: 'fr', language: 'pt-br' }, dir)).toEqual({
			ok: true,
			value: { phone: '0612345678', country: 'FR', language: 'pt-BR' }
		});
		expect(validateProfilePatch({}, dir)).toEqual({ ok: true, value: {} });
	});

	it('empty values clear a field', () => {
		expect(validateProfilePatch({ email: '', phone: null, country: ' ' }, dir)).toEqual({
			ok: true,
			value: { email: '', phone: '', country: '' }
		});
	});

	it('first name cannot be cleared', () => {
		expect(validateProfilePatch({ firstName: '' }, dir)).toMatchObject({ ok: false, errors: { firstName: expect.any(String) } });
	});

	it('validates custom fields by definition and refuses unknown keys', () => {
		expect(validateProfilePatch({ custom: { age: '7', vip: true, note: '' } }, dir)).toEqual({
			ok: true,
			value: { custom: { age: 7, vip: true, note: null } }
		});
		const r = validateProfilePatch({ custom: { age: 'x', nope: 1, plan: 'gold' }, country: 'XX', language: 'english' }, dir);
		expect(r.ok ? [] : Object.keys(r.errors).sort()).toEqual(['country', 'custom.age', 'custom.nope', 'custom.plan', 'language']);
		expect(validateProfilePatch({ custom: [1] }, dir)).toMatchObject({ ok: false, errors: { custom: expect.any(String) } });
	});
});
