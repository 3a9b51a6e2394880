// SPEC S5.4 (queued outgoing), S6.2 (mentions), S7.1-S7.6 (actions), S8.1 (profile edits),
// S9.2 (offline edits, merged), S9.4 (shared drafts). Every edit a user may make through the
// app's typed wrappers and the domain's actions is accepted, and once applied keeps every
// invariant of `invariants.ts`. The case table lives in edit-cases.ts (shared with the socket tests).
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contactDoc } from '../../../src/lib/doc/contact';
import type { ChannelId, EntryId, MessageEntry, UserId } from '../../../src/lib/domain/types';
import { ANA, NOW, TOM_ID, applied, capture, demoContacts, replicaOf, richContact, serverDoc, DIRECTORY } from './test-kit';
import { allowedEdits, type AllowedEdit } from './edit-cases';
import { contactInvariantViolations } from './invariants';
import { validateContactUpdate } from './validate-update';

const contact = richContact(demoContacts());
const ALLOWED = allowedEdits();
const me = { type: 'user' as const, id: ANA.id };
let seq = 0;
const newId = () => `ok-${++seq}`;

function message(text = 'Merci, je regarde ça.'): MessageEntry {
	return { id: newId() as EntryId, kind: 'message', direction: 'out', channelId: 'ch-webchat' as ChannelId, body: { type: 'text', text }, at: NOW, author: me };
}

function accept(k: AllowedEdit): void {
	const server = serverDoc(contact);
	k.setup?.(server);
	const update = capture(replicaOf(server), (doc) => k.edit(contactDoc(doc), doc));
	const result = validateContactUpdate({ doc: server, update, user: ANA, now: NOW, directory: DIRECTORY });
	expect(result).toEqual({ ok: true });
	const after = applied(server, update);
	expect(contactInvariantViolations(server, after, ANA.id)).toEqual([]);
	k.then?.(contactDoc(after));
}

describe('validateContactUpdate accepts the edits a user may make', () => {
	it.each(ALLOWED.map((k) => [k.name, k] as const))('%s', (_name, k) => accept(k));

	it('accepts offline edits merged into one update (S9.2)', () => {
		const server = serverDoc(contact);
		const replica = replicaOf(server);
		const updates: Uint8Array[] = [];
		const c = contactDoc(replica);
		for (let i = 0; i < 20; i++) {
			updates.push(capture(replica, () => c.drafts.edit('reply', (t) => t.insert(t.length, `w${i} `))));
			if (i % 5 === 0) updates.push(capture(replica, () => c.thread.append(message(`offline ${i}`))));
			updates.push(capture(replica, () => c.reads.markRead(ANA.id, NOW - 100 + i)));
		}
		const merged = Y.mergeUpdates(updates);
		expect(validateContactUpdate({ doc: server, update: merged, user: ANA, now: NOW, directory: DIRECTORY })).toEqual({ ok: true });
		// ...and each update alone, in order, as the pending queue resends them.
		for (const u of updates) {
			expect(validateContactUpdate({ doc: server, update: u, user: ANA, now: NOW, directory: DIRECTORY })).toEqual({ ok: true });
			Y.applyUpdate(server, u);
		}
		// A resend of what the server already has changes nothing and is accepted.
		expect(validateContactUpdate({ doc: server, update: merged, user: ANA, now: NOW, directory: DIRECTORY })).toEqual({ ok: true });
	});

	it('accepts concurrent edits of two users in either order (S9.4)', () => {
		const tom = { id: TOM_ID, role: 'agent' as const };
		const server = serverDoc(contact);
		const a = replicaOf(server);
		const b = replicaOf(server);
		const ua = capture(a, (d) => { const c = contactDoc(d); c.drafts.edit('reply', (t) => t.insert(0, 'Ana ')); c.profile.patch({ firstName: 'Ana-edit' }); c.thread.append(message()); });
		const ub = capture(b, (d) => { const c = contactDoc(d); c.drafts.edit('reply', (t) => t.insert(0, 'Tom ')); c.profile.patch({ firstName: 'Tom-edit' }); c.reads.markRead(TOM_ID, NOW); });
		expect(validateContactUpdate({ doc: server, update: ua, user: ANA, now: NOW, directory: DIRECTORY })).toEqual({ ok: true });
		Y.applyUpdate(server, ua);
		expect(validateContactUpdate({ doc: server, update: ub, user: tom, now: NOW, directory: DIRECTORY })).toEqual({ ok: true });
		const before = replicaOf(server);
		Y.applyUpdate(server, ub);
		expect(contactInvariantViolations(before, server, TOM_ID)).toEqual([]);
		expect(contactDoc(server).drafts.read('reply')).toMatch(/Ana |Tom /);
	});

	it('accepts an empty update and a stock client sync step 2', () => {
		const server = serverDoc(contact);
		expect(validateContactUpdate({ doc: server, update: new Uint8Array([0, 0]), user: ANA, now: NOW, directory: DIRECTORY })).toEqual({ ok: true });
		const stock = replicaOf(server);
		const step2 = Y.encodeStateAsUpdate(stock, Y.encodeStateVector(server));
		expect(validateContactUpdate({ doc: server, update: step2, user: ANA, now: NOW, directory: DIRECTORY })).toEqual({ ok: true });
	});

	it('judges a user only by their own token id', () => {
		const server = serverDoc(contact);
		const update = capture(replicaOf(server), (d) => contactDoc(d).reads.markRead(ANA.id, NOW));
		const sue = { id: 'u-sue' as UserId, role: 'agent' as const };
		expect(validateContactUpdate({ doc: server, update, user: sue, now: NOW, directory: DIRECTORY })).toMatchObject({ ok: false, reason: /read mark of u-ana is not yours \(you are u-sue\)/ });
	});
});
