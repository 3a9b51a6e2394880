// SPEC S1.9; ARCHITECTURE "Validation". Property: whatever update the validator accepts, the
// document it makes still encodes, decodes and loads in a fresh Y.Doc, replayed as the server
// replays its stored rows (state then update, one transaction) and merged as compaction and
// the catch-up of an unloaded document merge them. Updates are made structurally odd at
// random with Yjs' own struct writer: structs of length 0 (a GC or skip of 0, an empty string,
// list, JSON or deleted content), clocks and client ids near and past what Yjs can encode,
// gaps, references to random or missing items, odd parents and keys, delete sets of length 0
// or overflowing; as the server does, only the part the document lacks (`newPart`) is
// validated and stored. 10k cases per run, 100k with LONG=1; reproduce with
// ROUNDTRIP_SEED=<printed seed>.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contactDoc } from '../../../src/lib/doc/contact';
import { CONTACT_ROOTS } from '../../../src/lib/doc/schema';
import { createPrng, type Prng } from '../../../src/lib/demo/prng';
import { ANA, DIRECTORY, NOW, POISON_GC, demoContacts, encodeUpdate, richContact, serverDoc, type Struct } from './test-kit';
import { MAX_CLOCK, newPart } from './structs';
import { validateContactUpdate } from './validate-update';

const SEED = Number(process.env.ROUNDTRIP_SEED ?? Date.now() % 1_000_000);
const CASES = process.env.LONG === '1' ? 100_000 : 10_000;

/** Throws unless `updates`, replayed and merged as the server does, make a readable document. */
function assertReadable(updates: Uint8Array[]): void {
	const replayed = new Y.Doc();
	replayed.transact(() => {
		for (const u of updates) Y.applyUpdate(replayed, u);
	});
	const state = Y.encodeStateAsUpdate(replayed);
	const fresh = new Y.Doc();
	Y.applyUpdate(fresh, state);
	Y.encodeStateAsUpdate(fresh);
	const merged = Y.mergeUpdates(updates);
	const fromMerged = new Y.Doc();
	Y.applyUpdate(fromMerged, merged);
	Y.encodeStateAsUpdate(fromMerged);
	Y.encodeStateVectorFromUpdate(merged);
	for (const d of [replayed, fresh, fromMerged]) d.destroy();
}

/** The server's document: a rich demo contact with a draft that was typed in and erased. */
function makeServer(): Y.Doc {
	const doc = serverDoc(richContact(demoContacts()));
	const c = contactDoc(doc);
	c.drafts.edit('reply', (t) => t.insert(0, 'Hello there, how are you?'));
	c.drafts.edit('reply', (t) => t.delete(3, 5));
	c.profile.patch({ firstName: 'Ada' });
	return doc;
}

function allIds(doc: Y.Doc): Y.ID[] {
	const out: Y.ID[] = [];
	for (const structs of doc.store.clients.values()) {
		for (const s of structs) {
			out.push(s.id);
			if (s.length > 1) out.push(Y.createID(s.id.client, s.id.clock + s.length - 1));
		}
	}
	return out;
}

function content(rng: Prng, wellFormed: boolean): Y.Item['content'] {
	switch (wellFormed ? rng.int(4, 11) : rng.int(0, 11)) {
		case 0: return new Y.ContentAny([]);
		case 1: return new Y.ContentString('');
		case 2: return new Y.ContentDeleted(rng.pick([0, 0, 1, 3]));
		case 3: return new Y.ContentJSON([]);
		case 4: return new Y.ContentString(rng.pick(['a', 'ab', '\ud83d', 'é😀', 'x'.repeat(rng.int(1, 20))]));
		case 5: return new Y.ContentAny([rng.pick(['Zoe', 'open', 'closed', 1, null, true])]);
		case 6: return new Y.ContentAny(['a', 'b']);
		case 7: return new Y.ContentFormat(rng.pick(['bold', '']), rng.pick([true, false]));
		case 8: return new Y.ContentType(new Y.Text());
		case 9: return new Y.ContentBinary(new Uint8Array(rng.int(0, 2)));
		case 10: return new Y.ContentEmbed({});
		default: return new Y.ContentDeleted(rng.int(1, 4));
	}
}

/** One structurally odd update aimed at `doc`. */
function oddUpdate(rng: Prng, doc: Y.Doc, ids: Y.ID[]): Uint8Array | null {
	const draftText = doc.getMap(CONTACT_ROOTS.drafts)._map.get('reply')!;
	const profileFirst = doc.getMap(CONTACT_ROOTS.profile)._map.get('firstName')!;
	const textItems = (draftText.content as Y.ContentType).type;
	const textIds: Y.ID[] = [];
	for (let n = textItems._start; n; n = n.right) textIds.push(n.id, n.lastId);
	const docClients = [...doc.store.clients.keys()];
	const groups = new Map<number, Struct[]>();
	// Some cases keep to what Yjs can encode (no length 0, clocks in range), so that a fair
	// share gets past the structural checks to the rules and to the round trip.
	const wellFormed = rng.bool(0.4);
	for (let g = rng.int(0, 2); g >= 0; g--) {
		const kind = rng.int(0, 9);
		const client = kind < 4 ? rng.pick(docClients) : kind < 8 ? rng.int(1, 2 ** 31) : rng.pick([0, 2 ** 32 - 1, 2 ** 32 + 5, 2 ** 40]);
		if (groups.has(client)) continue;
		const state = Y.getState(doc.store, client);
		let clock = wellFormed ? state : rng.weighted([state, state + rng.int(1, 3), 0, MAX_CLOCK - 1, MAX_CLOCK, 2 ** 31, 2 ** 40], [12, 1, 2, 1, 1, 1, 1]);
		const structs: Struct[] = [];
		for (let n = rng.int(1, 3); n > 0; n--) {
			const id = Y.createID(client, clock);
			let s: Struct;
			const pick = rng.int(0, 9);
			if (pick === 0) s = new Y.GC(id, wellFormed ? rng.pick([1, 5]) : rng.pick([0, 0, 1, 5]));
			else if (pick === 1) s = new Y.Skip(id, wellFormed ? rng.pick([1, 3]) : rng.pick([0, 1, 3]));
			else {
				const c = content(rng, wellFormed);
				const place = rng.int(0, 5);
				let origin: Y.ID | null = null;
				let rightOrigin: Y.ID | null = null;
				let parent: Y.AbstractType<unknown> | Y.ID | string | null = null;
				let parentSub: string | null = null;
				if (place === 0) {
					// A map write over the current value (how a client writes a key).
					origin = profileFirst.lastId;
					parentSub = 'firstName';
				} else if (place === 1) {
					parent = CONTACT_ROOTS.profile;
					parentSub = rng.pick(['firstName', 'tags', '']);
				} else if (place === 2 || place === 3) {
					// Typing into the draft, next to a random character.
					origin = textIds.length ? rng.pick(textIds) : null;
					if (rng.bool(0.3) || !origin) rightOrigin = textIds.length ? rng.pick(textIds) : null;
					if (!origin && !rightOrigin) parent = draftText.id;
				} else if (place === 4) {
					origin = rng.pick(ids);
				} else {
					parent = rng.bool() ? draftText.id : rng.pick(ids);
					parentSub = rng.bool(0.3) ? 'k' : null;
				}
				if (!wellFormed && rng.bool(0.05)) origin = Y.createID(rng.pick(docClients), rng.pick([MAX_CLOCK, 2 ** 31, 10_000]));
				s = new Y.Item(id, null, origin, null, rightOrigin, parent as unknown as Y.AbstractType<unknown>, parentSub, c);
			}
			structs.push(s);
			clock += s.length;
		}
		groups.set(client, structs);
	}
	const ds = new Map<number, Array<{ clock: number; len: number }>>();
	for (let n = rng.weighted([0, 1, 2], [3, 2, 1]); n > 0; n--) {
		const target = rng.bool(0.8) ? rng.pick([...textIds, ...ids]) : Y.createID(rng.pick([...groups.keys(), ...docClients]), rng.pick([0, MAX_CLOCK - 1, 2 ** 31]));
		const list = ds.get(target.client) ?? [];
		list.push({ clock: target.clock, len: wellFormed ? rng.pick([1, 2]) : rng.pick([0, 1, 1, 2, 2 ** 31]) });
		ds.set(target.client, list);
	}
	try {
		return encodeUpdate(groups, ds);
	} catch {
		return null;
	}
}

describe('accepted updates keep the document readable (round trip property)', () => {
	it('refuses the poison updates of the adversarial pass', () => {
		const server = makeServer();
		const client = [...server.store.clients.keys()][0]!;
		const text = (contactDoc(server).drafts.text('reply') as unknown as { _start: Y.Item })._start;
		const draftItem = server.getMap(CONTACT_ROOTS.drafts)._map.get('reply')!;
		const poisons: Array<[string, Uint8Array]> = [
			['one GC of length 0', POISON_GC],
			['a GC of length 0 continuing a client', encodeUpdate([[client, [new Y.GC(Y.createID(client, Y.getState(server.store, client)), 0)]]])],
			['zero-length deleted content in a draft', encodeUpdate([[77, [new Y.Item(Y.createID(77, 0), null, text.lastId, null, null, null, null, new Y.ContentDeleted(0))]]])],
			['an empty string in a draft', encodeUpdate([[78, [new Y.Item(Y.createID(78, 0), null, null, null, null, draftItem.id as unknown as Y.AbstractType<unknown>, null, new Y.ContentString(''))]]])],
			['an empty value list on the profile', encodeUpdate([[79, [new Y.Item(Y.createID(79, 0), null, null, null, null, 'profile' as unknown as Y.AbstractType<unknown>, 'firstName', new Y.ContentAny([]))]]])],
			['a delete set of length 0', encodeUpdate([], [[client, [{ clock: 0, len: 0 }]]])],
			['a clock that overflows', encodeUpdate([[80, [new Y.GC(Y.createID(80, 0), 2 ** 31)]]])],
			['a client id past 32 bits', encodeUpdate([[2 ** 40, [new Y.Item(Y.createID(2 ** 40, 0), null, text.lastId, null, null, null, null, new Y.ContentString('hi'))]]])]
		];
		for (const [name, update] of poisons) {
			const r = validateContactUpdate({ doc: server, update, user: ANA, now: NOW, directory: DIRECTORY });
			expect(r.ok, name).toBe(false);
			expect(r.ok ? '' : r.code, name).toBe('bad_update');
		}
	});

	it(`accepted => the document encodes, decodes and loads in a fresh Y.Doc (${CASES} cases)`, () => {
		console.log(`round trip property: seed ${SEED} (ROUNDTRIP_SEED=${SEED} to reproduce), ${CASES} cases`);
		const rng = createPrng(SEED);
		const server = makeServer();
		const state = Y.encodeStateAsUpdate(server);
		const ids = allIds(server);
		let accepted = 0;
		let encoded = 0;
		for (let i = 0; i < CASES; i++) {
			const odd = oddUpdate(rng, server, ids);
			if (!odd) continue;
			encoded++;
			// As the server does: only the part the document lacks is validated and stored.
			const part = newPart(server, odd);
			if (!part.ok) continue;
			const update = part.update;
			const r = validateContactUpdate({ doc: server, update, user: ANA, now: NOW, directory: DIRECTORY });
			if (!r.ok) continue;
			accepted++;
			try {
				assertReadable([state, update]);
			} catch (e) {
				throw new Error(`seed ${SEED}, case ${i}: an accepted update leaves the document unreadable: ${String(e)}; update ${Buffer.from(update).toString('hex')}`, { cause: e });
			}
		}
		expect(Y.encodeStateAsUpdate(server)).toEqual(state);
		expect(encoded).toBeGreaterThan(CASES / 2);
		expect(accepted, 'some odd updates are valid edits (not vacuous)').toBeGreaterThan(CASES / 100);
		console.log(`round trip property: ${accepted}/${encoded} accepted, seed ${SEED}`);
	}, 600_000);
});
