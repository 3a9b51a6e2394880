// SPEC S8.2: merge suggestions are the other contacts with the same phone or email.
import { describe, expect, it } from 'vitest';
import { asContactId } from '../domain/ids';
import { contact, rng, testSeed } from '../domain/test-fixtures';
import { findMergeSuggestions } from './merge-suggestions';

describe('findMergeSuggestions', () => {
	it('matches phone and email in their normal forms, never the contact itself', () => {
		const all = [
			contact('a', { firstName: 'Ann', phone: '+33 6 12 34 56 78', email: 'ann@example.com' }),
			contact('b', { firstName: 'Bea', phone: '+33612345678' }),
			contact('c', { firstName: 'Cal', email: 'ANN@example.com ' }),
			contact('d', { firstName: 'Dan', phone: '+33612345679', email: 'dan@example.com' }),
			contact('e', { firstName: 'Eve', phone: '+33612345678', email: 'ann@example.com' })
		];
		const got = findMergeSuggestions({ id: asContactId('a'), phone: '+33 (6) 12-34-56-78', email: 'Ann@Example.com' }, all);
		expect(got.map((s) => [s.contact.id, s.by])).toEqual([
			['b', ['phone']],
			['c', ['email']],
			['e', ['phone', 'email']]
		]);
	});

	it('has nothing to suggest without a phone or email', () => {
		expect(findMergeSuggestions({ id: asContactId('a'), phone: '', email: '' }, [contact('b')])).toEqual([]);
	});

	it('agrees with a naive reference on random data (seeded)', () => {
		const seed = testSeed();
		const r = rng(seed);
		const phones = ['', '+1 555 0100', '+15550100', '+1 555 0101'];
		const emails = ['', 'a@x.io', 'A@X.io', 'b@x.io'];
		const all = Array.from({ length: 60 }, (_, i) =>
			contact(`c${i}`, { firstName: `n${String(i).padStart(2, '0')}`, phone: phones[Math.floor(r() * 4)]!, email: emails[Math.floor(r() * 4)]! })
		);
		for (const self of all) {
			const norm = (s: string) => s.replace(/\s/g, '').toLowerCase();
			const want = all
				.filter((c) => c.id !== self.id && ((self.phone && norm(c.phone) === norm(self.phone)) || (self.email && norm(c.email) === norm(self.email))))
				.map((c) => c.id);
			const got = findMergeSuggestions(self, all, 100).map((s) => s.contact.id);
			expect(got, `seed ${seed}`).toEqual(want);
		}
	});
});
