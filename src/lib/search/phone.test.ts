// Phone numbers as people type them (SPEC S3.2, issue 16 "Search"): international with or
// without `+`, with `00`, national with the trunk prefix of the workspace's country, any
// separators; an exact phone match ranks first; a short contact list knows how many match in
// all. Run against the engine and the naive reference alike.
import { describe, expect, it } from 'vitest';
import type { ContactId } from '../domain/types';
import { SearchEngine } from './engine';
import type { SearchableContact } from './indexable';
import { DEMO_COUNTRY, phoneForms, workspaceCountry, type CountryCode } from './phone';
import { ReferenceSearch } from './reference';

const c = (id: string, firstName: string, phone: string): SearchableContact => ({ id: id as ContactId, firstName, lastName: 'Test', phone, email: '' });

const CONTACTS: SearchableContact[] = [
	// In name order these come first: a phone search must not leave them on top.
	c('aaron', 'Aaron', '+33 6 12 34 11 56'), // "+33 6 11" matches its digit runs 33, 6, 11 as words
	c('abel', 'Abel', '+33 6 11 22 33 45'),
	c('zoe', 'Zoé', '+33 6 11 22 33 44'),
	c('yann', 'Yann', '06 11 22 33 99'), // typed in national form by an agent
	c('jim', 'Jim', '+1 514-555-0179'),
	c('nobody', 'Nobody', '')
];

function engines(country?: CountryCode): Array<[string, (q: string) => string[]]> {
	const engine = new SearchEngine(country ? { country } : {});
	const ref = new ReferenceSearch([], country);
	for (const x of CONTACTS) {
		engine.upsertContact(x);
		ref.upsertContact(x);
	}
	return [
		['engine', (q) => engine.searchContacts(q, Infinity).map((h) => h.contactId)],
		['reference', (q) => ref.searchContacts(q)]
	];
}

describe('phone forms', () => {
	it('reads a number as typed, international and national', () => {
		expect(phoneForms('+33 6 11 22 33 44', 'FR')).toEqual(['33611223344']);
		expect(phoneForms('06 11', 'FR')).toEqual(expect.arrayContaining(['0611', '33611']));
		expect(phoneForms('0033 6 11', 'FR')).toEqual(expect.arrayContaining(['0033611', '33611']));
		expect(phoneForms('(514) 555', 'US')).toEqual(expect.arrayContaining(['1514555']));
		expect(phoneForms('+33 (0)6 11 22 33 44', 'FR')).toContain('33611223344');
		expect(phoneForms('', 'FR')).toEqual([]);
	});
	it("uses the workspace's country, the demo's when unset or unknown", () => {
		expect(workspaceCountry(undefined)).toBe(DEMO_COUNTRY);
		expect(workspaceCountry('us')).toBe('US');
		expect(workspaceCountry('XX')).toBe(DEMO_COUNTRY);
	});
});

describe('contact search by phone', () => {
	for (const [name, search] of engines()) {
		it(`${name}: finds a number in the forms people type it`, () => {
			for (const q of ['+33 6 11 22 33 44', '33611223344', '0033 6 11 22 33 44', '06 11 22 33 44', '06.11.22.33.44', '06-11-22-33-44', '(06) 11 22 33 44', '+33 6-11-22-33-44']) {
				expect(search(q), q).toContain('zoe');
			}
			// A number stored in national form is found by its international form, and back.
			expect(search('+33 6 11 22 33 99')).toContain('yann');
			expect(search('06 11 22 33 99')).toContain('yann');
			// Not by another country's reading.
			expect(search('06 11 22 33 44')).not.toContain('jim');
		});
	}
	for (const [name, search] of engines('US')) {
		it(`${name}: reads national numbers in the workspace's country`, () => {
			expect(search('(514) 555-0179')).toContain('jim');
			expect(search('514 555')).toContain('jim');
			expect(search('1-514-555')).toContain('jim');
		});
	}
	it('ranks the exact phone match first, then other phone matches, then the rest', () => {
		const search = engines()[0]![1];
		expect(search('+33 6 11 22 33 44')[0]).toBe('zoe');
		expect(search('06 11 22 33 44')[0]).toBe('zoe');
		const partial = search('+33 6 11');
		expect(partial.at(-1)).toBe('aaron');
		expect(partial.slice(0, 3).sort()).toEqual(['abel', 'yann', 'zoe']);
	});
	it('says how many contacts match beyond the limit', () => {
		const engine = new SearchEngine();
		for (const x of CONTACTS) engine.upsertContact(x);
		const r = engine.findContacts('+33 6', 2);
		expect(r.hits).toHaveLength(2);
		expect(r.total).toBe(4);
	});
	it('re-reads phone numbers when the workspace country changes', () => {
		const engine = new SearchEngine();
		for (const x of CONTACTS) engine.upsertContact(x);
		expect(engine.searchContacts('5145550').map((h) => h.contactId)).not.toContain('jim');
		engine.setCountry('US');
		expect(engine.searchContacts('5145550').map((h) => h.contactId)).toContain('jim');
	});
});
