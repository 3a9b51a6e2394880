// SPEC S5.4 (queued outgoing), S6.2 (mentions), S7.1-S7.6 (actions), S8.1 (profile edits),
// S9.2 (offline edits, merged), S9.4 (shared drafts). Every edit a user may make through the
// app's typed wrappers and the domain's actions is accepted, and once applied keeps every
// invariant of `invariants.ts`.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contactDoc, type ContactDoc } from '../../../src/lib/doc/contact';
import * as actions from '../../../src/lib/domain/actions';
import type { ChannelId, EntryId, MessageEntry, TeamId, UserId } from '../../../src/lib/domain/types';
import { ANA, NOW, TOM_ID, applied, capture, demoContacts, replicaOf, richContact, serverDoc } from './test-kit';
import { contactInvariantViolations } from './invariants';
import { validateContactUpdate } from './validate-update';

const contact = richContact(demoContacts());
const me = { type: 'user' as const, id: ANA.id };
let seq = 0;
const newId = () => `ok-${++seq}`;

function message(text = 'Merci, je regarde ça.'): MessageEntry {
	return { id: newId() as EntryId, kind: 'message', direction: 'out', channelId: 'ch-webchat' as ChannelId, body: { type: 'text', text }, at: NOW, author: me };
}

function act(c: ContactDoc, result: actions.ActionResult | actions.ActionError): void {
	if (actions.isActionError(result)) throw new Error(result.message);
	c.applyAction(result, me, NOW, newId);
}

interface Allowed {
	name: string;
	edit: (c: ContactDoc, doc: Y.Doc) => void;
	setup?: (server: Y.Doc) => void;
	/** Checks the server's document once the update is applied. */
	then?: (c: ContactDoc) => void;
}

const ALLOWED: Allowed[] = [
	{ name: 'append my outgoing message', edit: (c) => c.thread.append(message()), then: (c) => expect(c.thread.ordered().at(-1)?.author).toEqual(me) },
	{
		name: 'send a reply: message, auto-assign and read mark in one transaction (S7.2)',
		setup: (s) => contactDoc(s).assignment.set({ userId: null }),
		edit: (c) =>
			c.transact(() => {
				c.thread.append(message());
				act(c, actions.autoAssignOnReply(c.assignment.get(), ANA.id));
				c.reads.markRead(ANA.id, NOW);
			}),
		then: (c) => expect(c.assignment.get().userId).toBe(ANA.id)
	},
	{ name: 'my comment with mentions (S6.2)', edit: (c) => c.thread.append({ id: newId() as EntryId, kind: 'comment', text: '@Tom can you check?', mentions: [TOM_ID], at: NOW, author: me }) },
	{
		name: 'my outgoing message marked queued (S5.4)',
		edit: (c) => c.transact(() => { const m = message(); c.thread.append(m); c.delivery.set(m.id, { status: 'queued', at: NOW }); })
	},
	{ name: 'close (S7.3)', setup: (s) => contactDoc(s).state.patch({ status: 'open' }), edit: (c) => act(c, actions.close(c.state.get(), NOW)), then: (c) => expect(c.state.get().status).toBe('closed') },
	{ name: 'reopen', setup: (s) => contactDoc(s).state.patch({ status: 'closed' }), edit: (c) => act(c, actions.reopen(c.state.get(), NOW)), then: (c) => expect(c.state.get().status).toBe('open') },
	{ name: 'snooze (S7.4)', edit: (c) => act(c, actions.snooze(c.state.get(), false, NOW + 3_600_000, NOW)), then: (c) => expect(c.state.get().snoozeUntil).toBe(NOW + 3_600_000) },
	{
		name: 'wake up manually (S7.4)',
		setup: (s) => contactDoc(s).state.patch({ status: 'snoozed', snoozeUntil: NOW + 10, statusBeforeSnooze: 'open', sinceBeforeSnooze: NOW - 5 }),
		edit: (c) => act(c, actions.wake(c.state.get(), NOW, 'user')),
		then: (c) => expect(c.state.get().status).toBe('open')
	},
	{ name: 'assign to myself', edit: (c) => act(c, actions.assign(c.assignment.get(), { userId: ANA.id }, 'user')), then: (c) => expect(c.assignment.get().userId).toBe(ANA.id) },
	{ name: 'assign to a teammate and a team', edit: (c) => act(c, actions.assign(c.assignment.get(), { userId: TOM_ID, teamId: 't-support' as TeamId }, 'user')) },
	{ name: 'unassign', setup: (s) => contactDoc(s).assignment.set({ userId: TOM_ID }), edit: (c) => act(c, actions.unassign(c.assignment.get())) },
	{ name: 'block (S7.6)', edit: (c) => act(c, actions.block(c.state.get(), NOW)), then: (c) => expect(c.profile.get().blocked).toBe(true) },
	{
		name: 'unblock and send in one update (S7.6)',
		setup: (s) => contactDoc(s).profile.patch({ blocked: true }),
		edit: (c) => c.transact(() => { act(c, actions.unblock(c.state.get(), NOW)); c.thread.append(message()); })
	},
	{
		name: 'edit the profile (S8.1)',
		edit: (c) => c.profile.patch({ firstName: 'Élodie', lastName: 'Martin', email: 'elodie@example.fr', phone: '+33612345678', country: 'FR', language: 'fr', tags: ['vip', 'b2b'], custom: { plan: 'pro', seats: 12, trial: false, renewal: null } }),
		then: (c) => expect(c.profile.get().tags).toEqual(['vip', 'b2b'])
	},
	{ name: 'set a profile field twice in one transaction', edit: (c) => c.transact(() => { c.profile.patch({ firstName: 'A' }); c.profile.patch({ firstName: 'B' }); }), then: (c) => expect(c.profile.get().firstName).toBe('B') },
	{ name: 'my read mark', edit: (c) => c.reads.markRead(ANA.id, NOW), then: (c) => expect(c.reads.get(ANA.id)).toBe(NOW) },
	{ name: 'type in the reply draft (S9.4)', edit: (c) => c.drafts.edit('reply', (t) => t.insert(0, 'Bonjour Madame, ')), then: (c) => expect(c.drafts.read('reply')).toBe('Bonjour Madame, ') },
	{
		name: 'type, erase and format in a draft',
		setup: (s) => contactDoc(s).drafts.edit('reply', (t) => t.insert(0, 'Hello there')),
		edit: (c) => c.drafts.edit('reply', (t) => { t.delete(0, 6); t.insert(0, 'Hi '); t.format(0, 2, { bold: true }); }),
		then: (c) => expect(c.drafts.read('reply')).toBe('Hi there')
	},
	{ name: 'clear a draft after sending', setup: (s) => contactDoc(s).drafts.edit('comment', (t) => t.insert(0, 'note')), edit: (c) => c.drafts.edit('comment', (t) => t.delete(0, t.length)) },
	{ name: 'a new composer draft', edit: (c) => c.drafts.edit('email', (t) => t.insert(0, 'Subject')), then: (c) => expect(c.drafts.keys()).toContain('email') },
	{
		name: 'many allowed changes in one update',
		edit: (c) =>
			c.transact(() => {
				c.thread.append(message());
				c.thread.append({ id: newId() as EntryId, kind: 'comment', text: 'done', mentions: [], at: NOW, author: me });
				act(c, actions.close(c.state.get(), NOW));
				c.profile.patch({ tags: ['closed-won'] });
				c.reads.markRead(ANA.id, NOW);
				c.drafts.edit('reply', (t) => t.insert(0, 'x'));
			})
	}
];

function accept(k: Allowed): void {
	const server = serverDoc(contact);
	k.setup?.(server);
	const update = capture(replicaOf(server), (doc) => k.edit(contactDoc(doc), doc));
	const result = validateContactUpdate({ doc: server, update, user: ANA, now: NOW });
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
		expect(validateContactUpdate({ doc: server, update: merged, user: ANA, now: NOW })).toEqual({ ok: true });
		// ...and each update alone, in order, as the pending queue resends them.
		for (const u of updates) {
			expect(validateContactUpdate({ doc: server, update: u, user: ANA, now: NOW })).toEqual({ ok: true });
			Y.applyUpdate(server, u);
		}
		// A resend of what the server already has changes nothing and is accepted.
		expect(validateContactUpdate({ doc: server, update: merged, user: ANA, now: NOW })).toEqual({ ok: true });
	});

	it('accepts concurrent edits of two users in either order (S9.4)', () => {
		const tom = { id: TOM_ID, role: 'agent' as const };
		const server = serverDoc(contact);
		const a = replicaOf(server);
		const b = replicaOf(server);
		const ua = capture(a, (d) => { const c = contactDoc(d); c.drafts.edit('reply', (t) => t.insert(0, 'Ana ')); c.profile.patch({ firstName: 'Ana-edit' }); c.thread.append(message()); });
		const ub = capture(b, (d) => { const c = contactDoc(d); c.drafts.edit('reply', (t) => t.insert(0, 'Tom ')); c.profile.patch({ firstName: 'Tom-edit' }); c.reads.markRead(TOM_ID, NOW); });
		expect(validateContactUpdate({ doc: server, update: ua, user: ANA, now: NOW })).toEqual({ ok: true });
		Y.applyUpdate(server, ua);
		expect(validateContactUpdate({ doc: server, update: ub, user: tom, now: NOW })).toEqual({ ok: true });
		const before = replicaOf(server);
		Y.applyUpdate(server, ub);
		expect(contactInvariantViolations(before, server, TOM_ID)).toEqual([]);
		expect(contactDoc(server).drafts.read('reply')).toMatch(/Ana |Tom /);
	});

	it('accepts an empty update and a stock client sync step 2', () => {
		const server = serverDoc(contact);
		expect(validateContactUpdate({ doc: server, update: new Uint8Array([0, 0]), user: ANA, now: NOW })).toEqual({ ok: true });
		const stock = replicaOf(server);
		const step2 = Y.encodeStateAsUpdate(stock, Y.encodeStateVector(server));
		expect(validateContactUpdate({ doc: server, update: step2, user: ANA, now: NOW })).toEqual({ ok: true });
	});

	it('judges a user only by their own token id', () => {
		const server = serverDoc(contact);
		const update = capture(replicaOf(server), (d) => contactDoc(d).reads.markRead(ANA.id, NOW));
		const sue = { id: 'u-sue' as UserId, role: 'agent' as const };
		expect(validateContactUpdate({ doc: server, update, user: sue, now: NOW })).toMatchObject({ ok: false, reason: /read mark of u-ana is not yours \(you are u-sue\)/ });
	});
});
