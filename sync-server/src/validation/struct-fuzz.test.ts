// Seeded fuzz at the level of Yjs structs, where a hostile client has the most room: updates
// of random allowed edits are decoded, one struct's links are rewired (its origin, right
// origin or parent pointed at a random item of the server's document, e.g. a thread entry;
// its parent root and key rewritten; its client swapped), or the delete set is aimed at
// random items, and the update is re-encoded with Yjs' own struct writer. Whatever the
// validator accepts must apply without throwing and keep every invariant of invariants.ts.
// Reproduce with VALIDATION_FUZZ_SEED=<printed seed>. SPEC S1.9.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contactDoc } from '../../../src/lib/doc/contact';
import { CONTACT_ROOTS } from '../../../src/lib/doc/schema';
import { createPrng, type Prng } from '../../../src/lib/demo/prng';
import * as actions from '../../../src/lib/domain/actions';
import type { ChannelId, EntryId } from '../../../src/lib/domain/types';
import { contactInvariantViolations } from './invariants';
import { ANA, NOW, TOM_ID, capture, demoContacts, encodeUpdate, richContact, serverDoc, type Struct, DIRECTORY } from './test-kit';
import { validateContactUpdate } from './validate-update';

const SEED = Number(process.env.VALIDATION_FUZZ_SEED ?? 0x57c7);
const CASES = Number(process.env.VALIDATION_FUZZ_CASES ?? 5_000);
const me = { type: 'user' as const, id: ANA.id };
const ROOTS = [...Object.values(CONTACT_ROOTS), 'evil'];

/** Ids of the server document's items, thread entries first in line. */
function idsOf(doc: Y.Doc): { all: Y.ID[]; thread: Y.ID[] } {
	const all: Y.ID[] = [];
	for (const structs of doc.store.clients.values()) {
		for (const s of structs) {
			all.push(s.id);
			if (s instanceof Y.Item) all.push(s.lastId);
		}
	}
	const thread = [...doc.getMap(CONTACT_ROOTS.thread)._map.values()].map((i) => i.id);
	return { all, thread };
}

function randomEdit(rng: Prng, doc: Y.Doc): void {
	const c = contactDoc(doc);
	const newId = () => `s${rng.id(10)}`;
	switch (rng.int(0, 5)) {
		case 0:
			c.thread.append({ id: newId() as EntryId, kind: 'message', direction: 'out', channelId: 'ch-webchat' as ChannelId, body: { type: 'text', text: rng.id(6) }, at: NOW, author: me });
			return;
		case 1: {
			const r = actions.close(c.state.get(), NOW);
			c.applyAction(r.events.length ? r : actions.reopen(c.state.get(), NOW), me, NOW, newId);
			return;
		}
		case 2: return c.profile.patch({ firstName: rng.id(5) });
		case 3: return void c.reads.markRead(ANA.id, NOW - rng.int(0, 100));
		case 4: return c.drafts.edit('reply', (t) => t.insert(rng.int(0, t.length), rng.id(3)));
		default: return c.drafts.edit('comment', (t) => (t.length > 2 ? t.delete(0, 2) : t.insert(0, 'abc')));
	}
}

function rewire(rng: Prng, update: Uint8Array, ids: { all: Y.ID[]; thread: Y.ID[] }, serverClients: number[], doc: Y.Doc): Uint8Array | null {
	const { structs, ds } = Y.decodeUpdate(update);
	const groups = new Map<number, Struct[]>();
	for (const s of structs) {
		const g = groups.get(s.id.client);
		if (g) g.push(s);
		else groups.set(s.id.client, [s]);
	}
	const ranges = new Map<number, Array<{ clock: number; len: number }>>();
	for (const [client, items] of ds.clients) ranges.set(client, items.map((d) => ({ clock: d.clock, len: d.len })));
	const items = structs.filter((s): s is Y.Item => s instanceof Y.Item);
	const target = () => (rng.bool(0.5) && ids.thread.length ? rng.pick(ids.thread) : rng.pick(ids.all));
	for (let n = rng.int(1, 2); n > 0; n--) {
		const item = items.length ? rng.pick(items) : null;
		switch (rng.int(0, 6)) {
			case 0:
				if (item) item.origin = target();
				break;
			case 1:
				if (item) item.rightOrigin = target();
				break;
			case 2:
				if (item) {
					item.origin = null;
					item.rightOrigin = null;
					item.parent = target();
				}
				break;
			case 3:
				if (item) {
					item.origin = null;
					item.rightOrigin = null;
					item.parent = rng.pick(ROOTS) as unknown as Y.AbstractType<unknown>;
					const thread = [...doc.getMap(CONTACT_ROOTS.thread).keys()];
					item.parentSub = rng.pick([null, 'firstName', 'status', ANA.id, TOM_ID, 'reply', ...thread.slice(0, 5)]);
				}
				break;
			case 4: {
				const id = rng.pick(ids.all);
				const list = ranges.get(id.client) ?? [];
				list.push({ clock: id.clock, len: rng.int(1, 3) });
				ranges.set(id.client, list);
				break;
			}
			case 5: {
				// Replay the structs as if written by a client of the server's document.
				const [client, group] = [...groups][0] ?? [];
				if (client === undefined || !group) break;
				const other = rng.pick(serverClients);
				groups.delete(client);
				let clock = Y.getState(doc.store, other);
				const moved = group.map((s) => {
					s.id = Y.createID(other, clock);
					clock += s.length;
					return s;
				});
				groups.set(other, moved);
				break;
			}
			default:
				if (item) item.parentSub = rng.pick(['firstName', ANA.id, 'reply', ...[...doc.getMap(CONTACT_ROOTS.thread).keys()].slice(0, 3)]);
		}
	}
	try {
		return encodeUpdate(groups, ranges);
	} catch {
		return null; // a rewiring Yjs cannot even encode (no parent and no origin)
	}
}

describe('validateContactUpdate struct-level fuzz', () => {
	it(`keeps every invariant for ${CASES} rewired updates (seed ${SEED})`, () => {
		const rng = createPrng(SEED);
		const server = serverDoc(richContact(demoContacts()));
		const state = Y.encodeStateAsUpdate(server);
		const ids = idsOf(server);
		const serverClients = [...server.store.clients.keys()];
		let accepted = 0;
		let encoded = 0;
		for (let i = 0; i < CASES; i++) {
			const replica = new Y.Doc();
			replica.clientID = rng.int(1, 2 ** 31 - 1);
			Y.applyUpdate(replica, state);
			const base = capture(replica, (d) => {
				for (let n = rng.int(1, 3); n > 0; n--) randomEdit(rng, d);
			});
			const update = rewire(rng, base, ids, serverClients, server);
			if (!update) continue;
			encoded++;
			const where = `seed ${SEED}, case ${i}`;
			const result = validateContactUpdate({ doc: server, update, user: ANA, now: NOW, directory: DIRECTORY });
			if (!result.ok) continue;
			accepted++;
			const twin = new Y.Doc();
			Y.applyUpdate(twin, state);
			try {
				Y.applyUpdate(twin, update);
			} catch (e) {
				throw new Error(`an accepted update failed to apply at ${where}: ${String(e)}`, { cause: e });
			}
			expect(contactInvariantViolations(server, twin, ANA.id), where).toEqual([]);
		}
		expect(Y.encodeStateAsUpdate(server)).toEqual(state);
		expect(encoded, `seed ${SEED}`).toBeGreaterThan(CASES / 2);
		console.log(`struct fuzz: ${accepted}/${encoded} rewired updates accepted, seed ${SEED}`);
	}, 120_000);
});
