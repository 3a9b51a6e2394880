// The struct analysis against hand-crafted updates: where items land (including map
// overwrites that do not spell out their key), and every shape Yjs would apply only in part,
// later, or by throwing halfway. SPEC S1.9.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CONTACT_ROOTS } from '../../../src/lib/doc/schema';
import { ANA, NOW, capture, encodeUpdate, replicaOf, DIRECTORY } from './test-kit';
import { analyzeUpdate } from './structs';
import { validateContactUpdate } from './validate-update';

const A = 1001;
const B = 1002;
const any = (v: unknown) => new Y.ContentAny([v]);
const item = (client: number, clock: number, over: { origin?: Y.ID; rightOrigin?: Y.ID; parent?: string | Y.ID; key?: string }, content: Y.Item['content'] = any(1)) =>
	new Y.Item(
		Y.createID(client, clock),
		null,
		over.origin ?? null,
		null,
		over.rightOrigin ?? null,
		(over.parent ?? null) as Y.AbstractType<unknown> | null,
		over.key ?? null,
		content
	);

function serverWithProfile(): Y.Doc {
	const doc = new Y.Doc();
	doc.clientID = 7;
	doc.getMap(CONTACT_ROOTS.profile).set('firstName', 'Ann');
	for (const name of Object.values(CONTACT_ROOTS)) doc.getMap(name);
	return doc;
}

describe('analyzeUpdate', () => {
	it('places a map overwrite under the key of the value it overwrites', () => {
		const server = serverWithProfile();
		const update = capture(replicaOf(server), (d) => d.getMap(CONTACT_ROOTS.profile).set('firstName', 'Bea'));
		const a = analyzeUpdate(server, update);
		expect(a.ok).toBe(true);
		if (!a.ok) return;
		expect(a.items.map((i) => i.loc)).toEqual([{ kind: 'root', root: 'profile', key: 'firstName' }]);
		expect(a.items[0]!.item.parentSub).toBeNull(); // the update itself does not name the key
		expect(a.deletes.map((d) => [d.loc, d.inDoc])).toEqual([[{ kind: 'root', root: 'profile', key: 'firstName' }, true]]);
	});

	it('places text typed into a draft inside that draft', () => {
		const server = serverWithProfile();
		const replica = replicaOf(server);
		const text = new Y.Text();
		replica.getMap(CONTACT_ROOTS.drafts).set('reply', text);
		Y.applyUpdate(server, Y.encodeStateAsUpdate(replica));
		const update = capture(replica, () => text.insert(0, 'hi'));
		const a = analyzeUpdate(server, update);
		expect(a.ok && a.items.map((i) => i.loc)).toEqual([{ kind: 'nested', root: 'drafts', key: 'reply', text: true }]);
	});

	it('ignores structs the document already has', () => {
		const server = serverWithProfile();
		const a = analyzeUpdate(server, Y.encodeStateAsUpdate(server));
		expect(a.ok && a.items.length + a.deletes.length).toBe(0);
	});

	it('refuses a client listed twice', () => {
		const u = encodeUpdate([
			[A, [item(A, 0, { parent: 'profile', key: 'firstName' })]],
			[B, [item(B, 0, { parent: 'profile', key: 'lastName' })]],
			[A, [item(A, 1, { parent: 'profile', key: 'email' })]]
		]);
		expect(analyzeUpdate(serverWithProfile(), u)).toMatchObject({ ok: false, reason: /client 1001 is listed twice/ });
	});

	it('refuses a gap in clocks, and a Skip followed by structs', () => {
		const gap = encodeUpdate([[A, [item(A, 5, { parent: 'profile', key: 'firstName' })]]]);
		expect(analyzeUpdate(serverWithProfile(), gap)).toMatchObject({ ok: false, reason: /does not have \(clock 0 to 5\)/ });
		const skip = encodeUpdate([[A, [new Y.Skip(Y.createID(A, 0), 2), item(A, 2, { parent: 'profile', key: 'firstName' })]]]);
		expect(analyzeUpdate(serverWithProfile(), skip)).toMatchObject({ ok: false, reason: /clock 0 to 2/ });
	});

	it('refuses references to unknown items and to later items of the same client', () => {
		const unknown = encodeUpdate([[A, [item(A, 0, { origin: Y.createID(B, 3) })]]]);
		expect(analyzeUpdate(serverWithProfile(), unknown)).toMatchObject({ ok: false, reason: /refers to item 1002:3, which the server does not have/ });
		const forward = encodeUpdate([[A, [item(A, 0, { origin: Y.createID(A, 1) }), item(A, 1, { parent: 'profile', key: 'email' })]]]);
		expect(analyzeUpdate(serverWithProfile(), forward)).toMatchObject({ ok: false, reason: /later item of its own client/ });
	});

	it('resolves references across clients in any order, and refuses a cycle', () => {
		const ordered = encodeUpdate([
			[A, [item(A, 0, { origin: Y.createID(B, 0) })]],
			[B, [item(B, 0, { parent: 'profile', key: 'phone' })]]
		]);
		const a = analyzeUpdate(serverWithProfile(), ordered);
		expect(a.ok && a.items.map((i) => i.loc)).toEqual([
			{ kind: 'root', root: 'profile', key: 'phone' },
			{ kind: 'root', root: 'profile', key: 'phone' }
		]);
		const cycle = encodeUpdate([
			[A, [item(A, 0, { origin: Y.createID(B, 0) })]],
			[B, [item(B, 0, { origin: Y.createID(A, 0) })]]
		]);
		expect(analyzeUpdate(serverWithProfile(), cycle)).toMatchObject({ ok: false, reason: /refer to each other in a cycle/ });
	});

	it('refuses empty delete ranges and deletions past the known clocks', () => {
		expect(analyzeUpdate(serverWithProfile(), encodeUpdate([], [[7, [{ clock: 0, len: 0 }]]]))).toMatchObject({ ok: false, reason: /empty range/ });
		expect(analyzeUpdate(serverWithProfile(), encodeUpdate([], [[7, [{ clock: 0, len: 99 }]]]))).toMatchObject({ ok: false, reason: /deletes items of client 7/ });
	});

	it('sees through an item whose left neighbour is garbage', () => {
		const server = serverWithProfile();
		const u = encodeUpdate([[A, [new Y.GC(Y.createID(A, 0), 1), item(A, 1, { origin: Y.createID(A, 0) })]]]);
		const a = analyzeUpdate(server, u);
		expect(a.ok && a.items.map((i) => i.loc)).toEqual([{ kind: 'gc' }]);
		expect(validateContactUpdate({ doc: server, update: u, user: ANA, now: NOW, directory: DIRECTORY })).toEqual({ ok: true });
	});

	it('refuses unknown root names even in structs the document already has', () => {
		const server = serverWithProfile();
		// Client 7's first struct is known; re-sent with a forged parent it would still make Yjs
		// create the root type "evil" while reading the update.
		const u = encodeUpdate([[7, [item(7, 0, { parent: 'evil', key: 'firstName' }, any('Ann'))]]]);
		expect(validateContactUpdate({ doc: server, update: u, user: ANA, now: NOW, directory: DIRECTORY })).toMatchObject({ ok: false, code: 'rejected_update', reason: /unknown root type "evil"/ });
		const twin = replicaOf(server);
		Y.applyUpdate(twin, u);
		expect([...twin.share.keys()]).toContain('evil');
	});
});
