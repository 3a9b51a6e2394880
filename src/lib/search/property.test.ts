// SPEC S3.2 S3.3 S3.5 S3.6: on seeded generated workspaces, random queries give the same results
// from the index as from the naive reference scan. Failures print the seed and the query.
import { describe, expect, it } from 'vitest';
import type { ContactId } from '../domain/types';
import { createPrng } from '../demo/prng';
import { SearchEngine } from './engine';
import { FIXTURE_FIELDS, fixtureWorkspace } from './fixtures';
import { newestFirst, searchRow } from './indexable';
import { randomQuery, type QueryClass } from './queries';
import { ReferenceSearch } from './reference';

const CLASSES: QueryClass[] = ['word', 'prefix', 'phrase', 'numbers', 'email', 'emoji', 'contact', 'random'];
const SEEDS = [1, 2, 3, 4];
const QUERIES_PER_SEED = 260; // 1,040 queries in all

describe('index equals naive reference', () => {
	for (const seed of SEEDS) {
		it(`seed ${seed}: ${QUERIES_PER_SEED} random queries`, () => {
			const ws = fixtureWorkspace(seed, 100);
			const engine = new SearchEngine({ customFields: FIXTURE_FIELDS });
			const ref = new ReferenceSearch(FIXTURE_FIELDS);
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
				expect(engine.searchContacts(q, Infinity).map((h) => h.contactId).sort(), where).toEqual(wantContacts);
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
