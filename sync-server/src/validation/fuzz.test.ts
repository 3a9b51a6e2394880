// Seeded fuzz of the validator: 10,000 updates made by random edits of client replicas (typed
// and raw, allowed and forbidden, on every root type and some unknown ones), most of them then
// mutated (bit flips, truncations, spliced bytes, random bytes). Whatever the bytes:
// - validateContactUpdate returns a typed result and never throws, and never touches the doc;
// - an update it accepts applies without throwing and keeps every invariant of invariants.ts
//   (checked on a full twin, the slow way), so `contactDoc` still reads the document.
// Reproduce a failure with VALIDATION_FUZZ_SEED=<printed seed> (VALIDATION_FUZZ_CASES to resize;
// VALIDATION_FUZZ_DUMP=<file> writes an accepted update that failed to apply).
// SPEC S1.9 (the server enforces the rules; hostile input never crashes it).
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contactDoc } from '../../../src/lib/doc/contact';
import { CONTACT_ROOTS } from '../../../src/lib/doc/schema';
import { createPrng, type Prng } from '../../../src/lib/demo/prng';
import * as actions from '../../../src/lib/domain/actions';
import type { ChannelId, EntryId, UserId } from '../../../src/lib/domain/types';
import { contactInvariantViolations } from './invariants';
import { ANA, NOW, TOM_ID, capture, demoContacts, richContact, serverDoc, DIRECTORY } from './test-kit';
import { validateContactUpdate } from './validate-update';

const SEED = Number(process.env.VALIDATION_FUZZ_SEED ?? 0x5eed);
const CASES = Number(process.env.VALIDATION_FUZZ_CASES ?? 10_000);
const CODES = new Set(['rejected_update', 'too_large', 'bad_update']);
const ROOTS = [...Object.values(CONTACT_ROOTS), 'evil', 'users'];
const me = { type: 'user' as const, id: ANA.id };

function randomValue(rng: Prng, keys: readonly string[], depth = 0): unknown {
	switch (rng.int(0, depth > 1 ? 6 : 10)) {
		case 0: return rng.id(rng.int(0, 12));
		case 1: return rng.pick([0, -1, NOW, NOW + 1e9, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER]);
		case 2: return rng.bool();
		case 3: return null;
		case 4: return rng.pick(['open', 'closed', 'snoozed', 'queued', 'sent', ANA.id, TOM_ID]);
		case 5: return rng.pick(keys);
		case 6: return rng.bool(0.1) ? new Uint8Array([1, 2]) : 'x'.repeat(rng.pick([0, 10, 200, 70_000]));
		case 7: return Array.from({ length: rng.int(0, 4) }, () => randomValue(rng, keys, depth + 1));
		case 8: return randomEntry(rng, rng.pick(keys));
		case 9: return { status: rng.pick(['queued', 'sent', 'read']), at: NOW };
		default: {
			const o: Record<string, unknown> = {};
			for (let i = rng.int(0, 4); i > 0; i--) o[rng.pick(['a', 'plan', 'id', 'kind', 'text'])] = randomValue(rng, keys, depth + 1);
			return o;
		}
	}
}

function randomEntry(rng: Prng, id: string): Record<string, unknown> {
	const author = rng.bool(0.6) ? me : rng.pick([{ type: 'user', id: TOM_ID }, { type: 'contact', id: 'c1' }, { type: 'bot', id: 'b' }, { type: 'user' }]);
	const base = { id: rng.bool(0.9) ? id : 'mismatch', at: rng.pick([NOW, NOW - 5000, NOW + 3_600_000]), author };
	switch (rng.int(0, 3)) {
		case 0: return { ...base, kind: 'message', direction: rng.pick(['out', 'out', 'in']), channelId: 'ch-webchat', body: { type: 'text', text: rng.id(8) } };
		case 1: return { ...base, kind: 'comment', text: rng.id(8), mentions: rng.bool() ? [TOM_ID] : 'x' };
		case 2: return { ...base, kind: 'event', type: rng.pick(['closed', 'opened', 'contact_created', 'zap']), source: rng.pick(['user', 'system']), data: {} };
		default: return { ...base, kind: rng.pick(['note', 'message']) };
	}
}

/** One random edit of a client replica: typed (mostly allowed) or raw (often forbidden). */
function randomEdit(rng: Prng, doc: Y.Doc): void {
	const c = contactDoc(doc);
	const newId = () => `f${rng.id(10)}`;
	const act = (r: actions.ActionResult | actions.ActionError) => {
		if (!actions.isActionError(r)) c.applyAction(r, me, NOW, newId);
	};
	switch (rng.int(0, 13)) {
		case 0:
			c.thread.append({ id: newId() as EntryId, kind: 'message', direction: 'out', channelId: 'ch-webchat' as ChannelId, body: { type: 'text', text: rng.id(20) }, at: NOW, author: me });
			return;
		case 1:
			c.thread.append({ id: newId() as EntryId, kind: 'comment', text: rng.id(20), mentions: [TOM_ID], at: NOW, author: me });
			return;
		case 2: return act(rng.bool() ? actions.close(c.state.get(), NOW) : actions.reopen(c.state.get(), NOW));
		case 3: return act(actions.snooze(c.state.get(), c.profile.get().blocked, NOW + rng.int(1, 1e7), NOW));
		case 4: return act(actions.assign(c.assignment.get(), { userId: rng.pick([ANA.id, TOM_ID, null]) }, 'user'));
		case 5: return c.profile.patch({ firstName: rng.id(rng.int(1, 12)), tags: [rng.id(3)] });
		case 6: return void c.reads.markRead(rng.pick([ANA.id, ANA.id, TOM_ID as UserId]), NOW - rng.int(0, 1000));
		case 7:
			return c.drafts.edit(rng.pick(['reply', 'comment', 'new']), (t) => {
				if (t.length > 0 && rng.bool(0.4)) t.delete(rng.int(0, t.length - 1), 1);
				else t.insert(rng.int(0, t.length), rng.id(rng.int(1, 6)));
				if (rng.bool(0.1)) t.format(0, t.length, { bold: true });
			});
		case 8: {
			const root = rng.pick(ROOTS);
			const map = doc.getMap<unknown>(root);
			const keys = [...map.keys(), 'firstName', 'status', 'userId', ANA.id, TOM_ID, rng.id(4)];
			const key = rng.pick(keys);
			if (root === CONTACT_ROOTS.thread && rng.bool(0.5)) map.set(key, randomEntry(rng, key));
			else map.set(key, randomValue(rng, keys));
			return;
		}
		case 9: {
			const map = doc.getMap<unknown>(rng.pick(ROOTS));
			const keys = [...map.keys()];
			if (keys.length > 0) map.delete(rng.pick(keys));
			return;
		}
		case 10: {
			const map = doc.getMap<unknown>(rng.pick(ROOTS));
			map.set(rng.pick(['reply', 'x', 'firstName', ANA.id]), rng.bool() ? new Y.Text('t') : new Y.Map());
			return;
		}
		case 11: {
			const text = doc.getMap<unknown>(CONTACT_ROOTS.drafts).get('reply');
			if (text instanceof Y.Text) text.insertEmbed(0, rng.bool() ? { img: 1 } : new Y.Map());
			return;
		}
		case 12: {
			// Deliveries: the allowed "queued for my new message", or forbidden ones.
			const m = newId();
			c.transact(() => {
				c.thread.append({ id: m as EntryId, kind: 'message', direction: 'out', channelId: 'ch-webchat' as ChannelId, body: { type: 'text', text: 'q' }, at: NOW, author: me });
				doc.getMap(CONTACT_ROOTS.delivery).set(rng.bool(0.7) ? m : rng.id(5), { status: rng.pick(['queued', 'queued', 'sent']), at: NOW });
			});
			return;
		}
		default:
			return c.profile.patch({ blocked: rng.bool() });
	}
}

function mutate(rng: Prng, valid: Uint8Array, other: Uint8Array): Uint8Array {
	const bytes = Uint8Array.from(valid);
	const at = () => rng.int(0, Math.max(0, bytes.length - 1));
	switch (rng.int(0, 6)) {
		case 0:
			return bytes.subarray(0, at());
		case 1:
			for (let i = rng.int(1, 8); i > 0; i--) bytes[at()]! ^= 1 << rng.int(0, 7);
			return bytes;
		case 2:
			bytes[at()] = rng.pick([0, 1, 0x7f, 0x80, 0xff, rng.int(0, 255)]);
			return bytes;
		case 3: {
			const i = at();
			return Uint8Array.from([...bytes.subarray(0, i), ...other.subarray(rng.int(0, other.length)), ...bytes.subarray(i)]);
		}
		case 4:
			return Uint8Array.from({ length: rng.int(0, 64) }, () => rng.int(0, 255));
		case 5: {
			const i = at();
			return Uint8Array.from([...bytes.subarray(0, i), ...bytes.subarray(i + rng.int(1, 4))]);
		}
		default:
			return Uint8Array.from([...bytes, ...other.subarray(0, rng.int(0, 16))]);
	}
}

describe('validateContactUpdate fuzz', () => {
	it(`returns a typed result for ${CASES} random and mutated updates; what it accepts is safe (seed ${SEED})`, () => {
		const rng = createPrng(SEED);
		const contacts = demoContacts();
		const servers = [serverDoc(richContact(contacts)), serverDoc(contacts[1]!), serverDoc(contacts[5]!)];
		const states = servers.map((s) => Y.encodeStateAsUpdate(s));
		let accepted = 0;
		let mutatedAccepted = 0;
		let previous: Uint8Array = new Uint8Array([0, 0]);
		for (let i = 0; i < CASES; i++) {
			const which = rng.int(0, servers.length - 1);
			const server = servers[which]!;
			const replica = new Y.Doc();
			replica.clientID = rng.int(1, 2 ** 31 - 1); // seeded, so the bytes reproduce
			Y.applyUpdate(replica, states[which]!);
			const base = capture(replica, (d) => {
				for (let n = rng.int(1, 3); n > 0; n--) {
					if (rng.bool(0.3)) d.transact(() => randomEdit(rng, d));
					else randomEdit(rng, d);
				}
			});
			const mutated = rng.bool(0.6);
			const update = mutated ? mutate(rng, base, previous) : base;
			previous = base;
			const where = `seed ${SEED}, case ${i}${mutated ? ' (mutated)' : ''}`;
			let result: ReturnType<typeof validateContactUpdate>;
			try {
				result = validateContactUpdate({ doc: server, update, user: ANA, now: NOW, directory: DIRECTORY });
			} catch (e) {
				throw new Error(`validateContactUpdate threw at ${where}: ${String(e)}`, { cause: e });
			}
			if (!result.ok) {
				expect(CODES.has(result.code) && result.reason.length > 0, where).toBe(true);
				continue;
			}
			accepted++;
			if (mutated) mutatedAccepted++;
			const twin = new Y.Doc();
			Y.applyUpdate(twin, states[which]!);
			try {
				Y.applyUpdate(twin, update);
			} catch (e) {
				if (process.env.VALIDATION_FUZZ_DUMP) writeFileSync(process.env.VALIDATION_FUZZ_DUMP, JSON.stringify({ which, update: [...update], error: String(e) }));
				throw new Error(`an accepted update failed to apply at ${where}: ${String(e)}`, { cause: e });
			}
			expect(contactInvariantViolations(server, twin, ANA.id), where).toEqual([]);
		}
		// The server documents were never modified by validation.
		servers.forEach((s, i) => expect(Y.encodeStateAsUpdate(s), `seed ${SEED}`).toEqual(states[i]));
		// The generator must exercise both sides of the rules.
		expect(accepted, `seed ${SEED}`).toBeGreaterThan(CASES / 10);
		expect(accepted, `seed ${SEED}`).toBeLessThan(CASES * 0.9);
		console.log(`validation fuzz: ${accepted}/${CASES} accepted (${mutatedAccepted} of them mutated), seed ${SEED}`);
	}, 120_000);
});
