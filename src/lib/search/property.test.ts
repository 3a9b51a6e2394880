// SPEC S3.2 S3.3 S3.5 S3.6 (and issue 16: phone numbers in the forms people type them, exact
// phone matches first): on seeded generated workspaces, random queries give the same results
// from the index as from the naive reference scan. Failures print the seed and the query.
import { describe, expect, it } from 'vitest';
import type { ContactId } from '../domain/types';
import { generateWorkspace } from '../demo/generate';
import { createPrng } from '../demo/prng';
import { SearchEngine } from './engine';
import { FIXTURE_FIELDS, fixtureWorkspace, type FixtureContact } from './fixtures';
import { newestFirst, searchRow } from './indexable';
import { randomQuery, type QueryClass } from './queries';
import { ReferenceSearch } from './reference';

const CLASSES: QueryClass[] = ['word', 'prefix', 'phrase', 'numbers', 'email', 'emoji', 'contact', 'phone', 'random'];
const QUERIES_PER_SEED = 260;

/** Adversarial fixtures (accents, emoji, emails, numbers) and the realistic demo workspace. */
const WORKSPACES: Array<{ name: string; seed: number; make(seed: number): { fields: typeof FIXTURE_FIELDS; ws: FixtureContact[] } }> = [
	...[1, 2, 3, 4].map((seed) => ({ name: 'fixtures', seed, make: (s: number) => ({ fields: FIXTURE_FIELDS, ws: fixtureWorkspace(s, 100) }) })),
	...[5, 6].map((seed) => ({
		name: 'demo generator',
		seed,
		make: (s: number) => {
			const demo = generateWorkspace({ seed: s, contacts: 60, messagesPerContact: 8, now: 1_750_000_000_000 });
			const ws = demo.contacts.map((c) => ({
				contact: { id: c.id, firstName: c.profile.firstName, lastName: c.profile.lastName, phone: c.profile.phone, email: c.profile.email, custom: c.profile.custom },
				entries: c.entries
			}));
			return { fields: demo.directory.customFields, ws };
		}
	}))
]; // 6 x 260 = 1,560 queries

describe('index equals naive reference', () => {
	for (const [i, { name, seed, make }] of WORKSPACES.entries()) {
		// Every other run stops indexing terms early, so the newest-first walk is exercised too.
		const stopDf = i % 2 ? 12 : undefined;
		it(`${name}, seed ${seed}${stopDf ? `, stop terms at ${stopDf}` : ''}: ${QUERIES_PER_SEED} random queries`, () => {
			const { fields, ws } = make(seed);
			const engine = new SearchEngine({ customFields: fields, ...(stopDf ? { stopDf } : {}) });
			const ref = new ReferenceSearch(fields);
			const texts: string[] = [];
			for (const { contact, entries } of ws) {
				engine.upsertContact(contact);
				ref.upsertContact(contact);
				engine.addEntries(contact.id, entries);
				ref.addEntries(contact.id, entries);
				for (const e of entries) {
					const row = searchRow(contact.id, e);
					texts.push(row ? row.text : e.kind === 'message' ? (e.body.text ?? '') : '');
				}
			}
			const p = createPrng(seed * 7919);
			const src = { texts: texts.filter(Boolean), contacts: ws.map((w) => w.contact) };
			let nonEmpty = 0;
			for (let i = 0; i < QUERIES_PER_SEED; i++) {
				const q = randomQuery(p, src, p.pick(CLASSES));
				const where = `seed ${seed}, query #${i} ${JSON.stringify(q)}`;
				const wantContacts = ref.searchContacts(q).sort();
				const gotContacts = engine.searchContacts(q, Infinity).map((h) => h.contactId);
				expect([...gotContacts].sort(), where).toEqual(wantContacts);
				// Exact phone matches first, then other phone matches, then the rest (issue 16).
				const rank = new Map(ref.rankContacts(q).map((r) => [r.id, r.phoneRank]));
				const ranks = gotContacts.map((id) => rank.get(id));
				expect(ranks, where).toEqual([...ranks].sort());
				expect(engine.findContacts(q, 3).total, where).toBe(wantContacts.length);
				const wantRows = ref.searchMessages(q);
				const want = wantRows.map((r) => r.id);
				expect(engine.searchMessages(q, Infinity).hits.map((h) => h.entryId), where).toEqual(want);
				// A small limit keeps the newest matches (S3.5).
				expect(engine.searchMessages(q, 3).hits.map((h) => h.entryId), where).toEqual(want.slice(0, 3));
				const c = p.pick(ws).contact.id as ContactId;
				const wantThread = wantRows
					.filter((r) => r.contactId === c)
					.sort((a, b) => -newestFirst(a, b))
					.map((r) => r.id);
				expect(engine.searchThread(c, q).map((h) => h.entryId), where).toEqual(wantThread);
				if (want.length || wantContacts.length) nonEmpty++;
			}
			// The generator must exercise matches, not only misses.
			expect(nonEmpty, `seed ${seed}`).toBeGreaterThan(QUERIES_PER_SEED / 2);
		});
	}
});
