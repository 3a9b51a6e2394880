// SPEC S1.9 (the server enforces the rules), S5.13 (sent messages cannot be deleted),
// S6.1 (comments are the workspace's own), S7.6 (blocked contacts cannot be messaged).
// Each forbidden edit is made by a client replica of a realistic demo contact and captured as
// the exact update that client would send; the server's copy never sees it.
// The case table lives in edit-cases.ts (the socket tests send the same cases over /sync and /yjs).
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contactDoc } from '../../../src/lib/doc/contact';
import type { DemoContact } from '../../../src/lib/demo/generate';
import { ANA, NOW, capture, demoContacts, replicaOf, richContact, serverDoc, DIRECTORY } from './test-kit';
import { forbiddenEdits, type ForbiddenEdit } from './edit-cases';
import { validateContactUpdate, validateDirectoryUpdate } from './validate-update';

const contact = richContact(demoContacts());
const CASES = forbiddenEdits(contact);

function run(c: DemoContact, k: ForbiddenEdit) {
	const server = serverDoc(c);
	k.setup?.(server);
	let update: Uint8Array;
	if (k.bytes) update = k.bytes(server);
	else {
		const replica = replicaOf(server);
		k.meanwhile?.(server);
		update = capture(replica, (doc) => k.edit!({ doc, c: contactDoc(doc), map: (root) => doc.getMap(root) }));
	}
	const before = Y.encodeStateAsUpdate(server);
	const result = validateContactUpdate({ doc: server, update, user: ANA, now: NOW, directory: DIRECTORY });
	// Validation never touches the server's document.
	expect(Y.encodeStateAsUpdate(server)).toEqual(before);
	return result;
}

describe('validateContactUpdate refuses forbidden edits', () => {
	it('has a table of at least 50 forbidden edits', () => {
		expect(CASES.length).toBeGreaterThanOrEqual(50);
		expect(new Set(CASES.map((k) => k.name)).size).toBe(CASES.length);
	});
	it.each(CASES.map((k) => [k.name, k] as const))('%s', (_name, k) => {
		const result = run(contact, k);
		if (process.env.SHOW_REASONS) console.log(`${k.name} => ${JSON.stringify(result)}`);
		expect(result.ok).toBe(false);
		if (result.ok) return;
		expect(result.code).toBe(k.code);
		expect(result.reason).toMatch(k.reason);
	});
});

describe('validateDirectoryUpdate', () => {
	it('refuses any change to the directory, and accepts an update that changes nothing', () => {
		const dir = new Y.Doc();
		dir.getMap('users').set(ANA.id, { role: 'agent' });
		const replica = replicaOf(dir);
		const promote = capture(replica, (d) => d.getMap('users').set(ANA.id, { role: 'owner' }));
		expect(validateDirectoryUpdate({ doc: dir, update: promote })).toMatchObject({ ok: false, code: 'rejected_update', reason: /server only/ });
		const wipe = capture(replicaOf(dir), (d) => d.getMap('users').delete(ANA.id));
		expect(validateDirectoryUpdate({ doc: dir, update: wipe })).toMatchObject({ ok: false, code: 'rejected_update' });
		expect(validateDirectoryUpdate({ doc: dir, update: Y.encodeStateAsUpdate(dir) })).toEqual({ ok: true });
		expect(validateDirectoryUpdate({ doc: dir, update: new Uint8Array([0, 0]) })).toEqual({ ok: true });
		expect(validateDirectoryUpdate({ doc: dir, update: new Uint8Array([9, 9, 9]) })).toMatchObject({ ok: false, code: 'bad_update' });
	});
});
