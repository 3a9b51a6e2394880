/**
 * Fixtures for the validator's tests, fuzz test and benchmark: a realistic contact document
 * from the demo workspace (the server's copy), client replicas of it, and the bytes of one
 * client edit, captured exactly as a client would send them.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import type { DemoContact } from '../../../src/lib/demo/generate';
import { DEMO_USERS, generateWorkspace } from '../../../src/lib/demo/generate';
import { buildContactDoc } from '../../../src/lib/doc/seed';
import { ensureContactRoots } from '../../../src/lib/doc/schema';
import type { Directory, UserId } from '../../../src/lib/domain/types';
import type { ValidationUser } from './validate-update';

export const NOW = Date.UTC(2025, 5, 1, 12);
export const ANA: ValidationUser = { id: DEMO_USERS.ana, role: 'agent' };
export const TOM_ID: UserId = DEMO_USERS.tom;
/** The demo workspace's directory (users, teams, channels) the references are checked against. */
export const DIRECTORY: Directory = generateWorkspace({ seed: 11, contacts: 0, now: NOW }).directory;

/** Demo contacts of a seeded workspace. */
export function demoContacts(seed = 11, contacts = 40): DemoContact[] {
	return generateWorkspace({ seed, contacts, now: NOW }).contacts;
}

/**
 * A contact with a thread that has incoming and outgoing messages, comments, deliveries and
 * read marks of several users, not blocked: every forbidden edit has something to aim at.
 */
export function richContact(contacts: DemoContact[]): DemoContact {
	const found = contacts.find(
		(c) =>
			!c.profile.blocked &&
			c.entries.some((e) => e.kind === 'message' && e.direction === 'in') &&
			c.entries.some((e) => e.kind === 'message' && e.direction === 'out') &&
			c.entries.some((e) => e.kind === 'comment') &&
			Object.keys(c.deliveries).length > 0 &&
			Object.keys(c.reads).length >= 2
	);
	if (!found) throw new Error('no demo contact has every kind of entry; change the seed');
	return found;
}

/** The server's document of a contact (roots ensured, as the rooms do). */
export function serverDoc(c: DemoContact): Y.Doc {
	const doc = buildContactDoc(c);
	ensureContactRoots(doc);
	return doc;
}

/** A client's replica of `source`, with its own client id. */
export function replicaOf(source: Y.Doc): Y.Doc {
	const doc = new Y.Doc();
	Y.applyUpdate(doc, Y.encodeStateAsUpdate(source));
	return doc;
}

/** The update a client sends after `edit` runs on its replica (all its transactions, merged). */
export function capture(replica: Y.Doc, edit: (doc: Y.Doc) => void): Uint8Array {
	const updates: Uint8Array[] = [];
	const onUpdate = (u: Uint8Array) => updates.push(u);
	replica.on('update', onUpdate);
	try {
		edit(replica);
	} finally {
		replica.off('update', onUpdate);
	}
	return updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates.length ? updates : [new Uint8Array([0, 0])]);
}

/** A copy of `doc` with `update` applied (what the server would hold after accepting it). */
export function applied(doc: Y.Doc, update: Uint8Array): Y.Doc {
	const twin = replicaOf(doc);
	Y.applyUpdate(twin, update);
	return twin;
}

export type Struct = Y.Item | Y.GC | Y.Skip;

/** The 8 bytes of issue 15's adversarial pass: one GC struct of length 0 (a poison update). */
export const POISON_GC = new Uint8Array([1, 1, 0xd2, 0x20, 0, 0, 0, 0]);

/**
 * Encodes structs (grouped by client, each group's clocks contiguous) and a delete set as a V1
 * update with Yjs' own struct writer: how the tests craft updates no honest client makes.
 */
export function encodeUpdate(groups: Iterable<[number, Struct[]]>, ds: Iterable<[number, Array<{ clock: number; len: number }>]> = []): Uint8Array {
	const enc = new Y.UpdateEncoderV1();
	const list = [...groups];
	encoding.writeVarUint(enc.restEncoder, list.length);
	for (const [client, structs] of list) {
		encoding.writeVarUint(enc.restEncoder, structs.length);
		enc.writeClient(client);
		encoding.writeVarUint(enc.restEncoder, structs[0]!.id.clock);
		for (const s of structs) s.write(enc, 0);
	}
	const ranges = [...ds];
	encoding.writeVarUint(enc.restEncoder, ranges.length);
	for (const [client, items] of ranges) {
		enc.resetDsCurVal();
		encoding.writeVarUint(enc.restEncoder, client);
		encoding.writeVarUint(enc.restEncoder, items.length);
		for (const r of items) {
			enc.writeDsClock(r.clock);
			enc.writeDsLen(r.len);
		}
	}
	return enc.toUint8Array();
}
