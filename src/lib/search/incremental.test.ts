// Incremental updates: a random sequence of adds, replacements and removals, then queries, gives
// the same results as an engine built fresh from the final state, and as the naive reference.
// Snapshots of either format restore the same results. SPEC S3.2 S3.5 (revocation: S1.9).
import { describe, expect, it } from 'vitest';
import type { ChannelId, ContactId, Entry, EntryId } from '../domain/types';
import { createPrng } from '../demo/prng';
import { SearchEngine } from './engine';
import { FIXTURE_FIELDS, fixtureWorkspace } from './fixtures';
import { searchRow, type SearchableContact } from './indexable';
import { randomQuery, type QueryClass } from './queries';
import { ReferenceSearch } from './reference';
import { engineFromSnapshot, exportSnapshot } from './snapshot';

const CLASSES: QueryClass[] = ['word', 'prefix', 'phrase', 'numbers', 'email', 'emoji', 'contact'];

function results(engine: SearchEngine, q: string) {
	return {
		contacts: engine
			.searchContacts(q, Infinity)
			.map((h) => h.contactId)
			.sort(),
		messages: engine.searchMessages(q, Infinity).hits.map((h) => h.entryId)
	};
}

describe('incremental index', () => {
	for (const seed of [11, 12, 13]) {
		it(`seed ${seed}: add/replace/remove then query equals a fresh build`, () => {
			const p = createPrng(seed);
			const pool = fixtureWorkspace(seed, 60);
			// A low stop threshold: stop terms (sticky) must not make incremental and fresh builds differ.
			const live = new SearchEngine({ customFields: FIXTURE_FIELDS, stopDf: 15 });
			const ref = new ReferenceSearch(FIXTURE_FIELDS);
			// The final state, kept as plain data: what a fresh build is made from.
			const contacts = new Map<ContactId, SearchableContact>();
			const threads = new Map<ContactId, Map<EntryId, Entry>>();
			for (let step = 0; step < 600; step++) {
				const { contact, entries } = p.pick(pool);
				const r = p.next();
				if (r < 0.25) {
					const c = p.bool(0.3) ? { ...contact, firstName: p.pick(['Carla', 'Zoé', contact.firstName]) } : contact;
					live.upsertContact(c);
					ref.upsertContact(c);
					contacts.set(c.id, c);
				} else if (r < 0.7 && entries.length) {
					const batch = p.sample(entries, p.int(1, 3)).map((e): Entry => {
						// Sometimes the same id comes back changed (a broadcast flag, a new text): a replacement.
						if (e.kind !== 'message' || !p.bool(0.2)) return e;
						return p.bool() ? { ...e, broadcast: !e.broadcast } : { ...e, body: { ...e.body, text: `${e.body.text ?? ''} renard` } };
					});
					live.addEntries(contact.id, batch);
					ref.addEntries(contact.id, batch);
					let t = threads.get(contact.id);
					if (!t) threads.set(contact.id, (t = new Map()));
					for (const e of batch) t.set(e.id, e);
				} else if (r < 0.9) {
					const t = threads.get(contact.id);
					const id = t && t.size ? p.pick([...t.keys()]) : null;
					if (id) {
						live.removeEntry(id);
						ref.removeEntry(id);
						t!.delete(id);
					}
				} else {
					live.removeContact(contact.id);
					ref.removeContact(contact.id);
					contacts.delete(contact.id);
					threads.delete(contact.id);
				}
			}
			const fresh = new SearchEngine({ customFields: FIXTURE_FIELDS, stopDf: 15 });
			for (const c of contacts.values()) fresh.upsertContact(c);
			for (const [id, t] of threads) fresh.addEntries(id, [...t.values()]);
			expect(live.entryCount, `seed ${seed}`).toBe(fresh.entryCount);

			// structuredClone: what storing in IndexedDB and posting to the worker do to a snapshot.
			const snapText = engineFromSnapshot(structuredClone(exportSnapshot(live, 'text-table')));
			const snapJson = engineFromSnapshot(structuredClone(exportSnapshot(live, 'index-json')));
			if ('code' in snapText || 'code' in snapJson) throw new Error('snapshot did not load');

			const texts: string[] = [];
			for (const t of threads.values()) for (const e of t.values()) if (e.kind !== 'event') texts.push(searchRow('x' as ContactId, e)?.text ?? '');
			const src = { texts: texts.filter(Boolean), contacts: [...contacts.values()] };
			for (let i = 0; i < 150; i++) {
				const q = randomQuery(p, src, p.pick(CLASSES));
				const where = `seed ${seed}, query ${JSON.stringify(q)}`;
				const want = results(fresh, q);
				expect(results(live, q), where).toEqual(want);
				expect(results(snapText, q), where).toEqual(want);
				expect(results(snapJson, q), where).toEqual(want);
				expect(want.messages, where).toEqual(ref.searchMessages(q).map((r) => r.id));
				expect(want.contacts, where).toEqual(ref.searchContacts(q).sort());
			}
		});
	}

	it('revoking a contact removes its messages at once, then re-granting restores them', () => {
		const e = new SearchEngine();
		const c = { id: 'c1' as ContactId, firstName: 'Carlos', lastName: '', phone: '', email: '' };
		const m: Entry = {
			id: 'e1' as EntryId,
			kind: 'message',
			at: 1,
			direction: 'in',
			channelId: 'ch' as ChannelId,
			author: { type: 'contact', id: 'c1' },
			body: { type: 'text', text: 'le renard brun' }
		};
		e.upsertContact(c);
		e.addEntries(c.id, [m]);
		expect(e.searchMessages('renard').hits).toHaveLength(1);
		e.removeContact(c.id);
		expect(e.searchMessages('renard').hits).toHaveLength(0);
		expect(e.searchMessages('renard brun').hits).toHaveLength(0);
		expect(e.searchThread(c.id, 'renard')).toHaveLength(0);
		expect(e.searchContacts('carl')).toHaveLength(0);
		e.upsertContact(c);
		e.addEntries(c.id, [m]);
		expect(e.searchMessages('renard brun').hits).toHaveLength(1);
	});

	it('a bad snapshot is a typed error, not an exception', () => {
		expect(engineFromSnapshot({ version: 99 })).toMatchObject({ code: 'bad-snapshot' });
		expect(engineFromSnapshot(null)).toMatchObject({ code: 'bad-snapshot' });
	});
});
