import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Author, ChannelId, ContactId, EntryId, MessageEntry, UserId } from '../domain/types';
import { contactDoc, createdEventId, initContact } from './contact';
import { asOrigin, remoteOrigin, serverOrigin } from './origins';
import { CONTACT_ROOTS, CONTACT_ROOT_NAMES } from './schema';
import { close } from '../domain/actions';

const CID = 'c1' as ContactId;
const ana = 'u-ana' as UserId;
const author: Author = { type: 'user', id: ana };

function msg(id: string, at: number, extra: Partial<MessageEntry> = {}): MessageEntry {
	return {
		id: id as EntryId,
		kind: 'message',
		at,
		author,
		direction: 'out',
		channelId: 'ch1' as ChannelId,
		body: { type: 'text', text: `hello ${id}` },
		...extra
	};
}

function fresh() {
	const ydoc = new Y.Doc();
	const c = initContact(ydoc, {
		id: CID,
		profile: { firstName: 'Hélène', lastName: 'Dupont' },
		createdAt: 1000
	});
	return { ydoc, c };
}

describe('contactDoc', () => {
	it('creates exactly the published root types', () => {
		const { ydoc } = fresh();
		expect([...ydoc.share.keys()].sort()).toEqual([...CONTACT_ROOT_NAMES].sort());
	});

	it('initContact writes profile, open state, empty assignment, drafts and a created event', () => {
		const { c } = fresh();
		expect(c.profile.get()).toMatchObject({ firstName: 'Hélène', lastName: 'Dupont', tags: [], blocked: false, channelIds: [] });
		expect(c.state.get()).toEqual({ status: 'open', since: 1000, snoozeUntil: null, statusBeforeSnooze: null, sinceBeforeSnooze: null });
		expect(c.assignment.get()).toEqual({ userId: null, teamId: null });
		expect(c.drafts.keys()).toEqual(['comment', 'reply']);
		const created = c.thread.get(createdEventId(CID));
		expect(created).toMatchObject({ kind: 'event', type: 'contact_created', at: 1000 });
	});

	it('profile.patch writes only the given fields; channelIds is stored under `channels`', () => {
		const { ydoc, c } = fresh();
		c.profile.patch({ phone: '+33 6 12 34 56 78', channelIds: ['ch1' as ChannelId], custom: { plan: 'pro' } });
		expect(c.profile.get()).toMatchObject({ firstName: 'Hélène', phone: '+33 6 12 34 56 78', channelIds: ['ch1'], custom: { plan: 'pro' } });
		expect(ydoc.getMap(CONTACT_ROOTS.profile).get('channels')).toEqual(['ch1']);
	});

	it('thread.append refuses to overwrite an existing id', () => {
		const { c } = fresh();
		expect(c.thread.append(msg('m1', 2000))).toBe(true);
		expect(c.thread.append(msg('m1', 3000, { body: { type: 'text', text: 'forged' } }))).toBe(false);
		expect(c.thread.get('m1' as EntryId)).toMatchObject({ at: 2000, body: { text: 'hello m1' } });
		expect(c.thread.has('m1' as EntryId)).toBe(true);
		expect(c.thread.size).toBe(2);
	});

	it('stores a clean copy: later mutation of the caller object does not leak, undefined members dropped', () => {
		const { c } = fresh();
		const m = msg('m1', 2000, { replyTo: undefined });
		c.thread.append(m);
		m.body.text = 'mutated';
		const stored = c.thread.get('m1' as EntryId)!;
		expect(stored.kind === 'message' && stored.body.text).toBe('hello m1');
		expect('replyTo' in stored).toBe(false);
	});

	it('thread.ordered sorts by (at, id) and skips malformed values', () => {
		const { ydoc, c } = fresh();
		c.thread.append(msg('b', 3000));
		c.thread.append(msg('a', 3000));
		c.thread.append(msg('z', 1500));
		ydoc.getMap(CONTACT_ROOTS.thread).set('junk', { id: 'junk', at: 'yesterday' });
		expect(c.thread.ordered().map((e) => e.id)).toEqual([createdEventId(CID), 'z', 'a', 'b']);
	});

	it('thread.observe reports added ids and the origin, once per transaction', () => {
		const { c } = fresh();
		const seen: Array<[string[], string | undefined]> = [];
		const stop = c.thread.observe((ids, origin) => seen.push([ids.slice().sort(), origin?.kind]));
		c.transact(() => {
			c.thread.append(msg('m1', 1));
			c.thread.append(msg('m2', 2));
		});
		contactDoc(c.doc, serverOrigin()).thread.append(msg('m3', 3));
		c.delivery.set('m1' as EntryId, { status: 'sent', at: 5 });
		stop();
		c.thread.append(msg('m4', 4));
		expect(seen).toEqual([
			[['m1', 'm2'], 'local'],
			[['m3'], 'server']
		]);
	});

	it('every write carries the wrapper origin', () => {
		const ydoc = new Y.Doc();
		const origins: Array<string | undefined> = [];
		ydoc.on('afterTransaction', (tr) => origins.push(asOrigin(tr.origin)?.kind));
		const c = contactDoc(ydoc, remoteOrigin('conn-1'));
		c.profile.patch({ firstName: 'A' });
		c.state.patch({ status: 'closed' });
		c.assignment.set({ userId: ana });
		c.reads.markRead(ana, 5);
		c.delivery.set('m' as EntryId, { status: 'queued', at: 1 });
		c.thread.append(msg('m', 1));
		c.drafts.text('note');
		expect(origins).toEqual(Array(7).fill('remote'));
	});

	it('state.patch and assignment.set write every key', () => {
		const { ydoc, c } = fresh();
		c.state.patch({ status: 'snoozed', snoozeUntil: 9000, statusBeforeSnooze: 'open', sinceBeforeSnooze: 1000, since: 5000 });
		expect(c.state.get()).toEqual({ status: 'snoozed', since: 5000, snoozeUntil: 9000, statusBeforeSnooze: 'open', sinceBeforeSnooze: 1000 });
		expect([...ydoc.getMap(CONTACT_ROOTS.state).keys()].sort()).toEqual(['since', 'sinceBeforeSnooze', 'snoozeUntil', 'status', 'statusBeforeSnooze']);
		c.assignment.set({ teamId: 't1' as never });
		c.assignment.set({ userId: ana });
		expect(c.assignment.get()).toEqual({ userId: ana, teamId: 't1' });
	});

	it('reads.markRead only moves forward', () => {
		const { c } = fresh();
		expect(c.reads.get(ana)).toBeNull();
		expect(c.reads.markRead(ana, 100)).toBe(true);
		expect(c.reads.markRead(ana, 50)).toBe(false);
		expect(c.reads.markRead(ana, 100)).toBe(false);
		expect(c.reads.get(ana)).toBe(100);
		expect(c.reads.all()).toEqual({ [ana]: 100 });
	});

	it('delivery get/set/all', () => {
		const { c } = fresh();
		c.delivery.set('m1' as EntryId, { status: 'failed', error: 'timeout', at: 7, attempts: 3 });
		expect(c.delivery.get('m1' as EntryId)).toEqual({ status: 'failed', error: 'timeout', at: 7, attempts: 3 });
		expect(c.delivery.get('m2' as EntryId)).toBeUndefined();
		expect(Object.keys(c.delivery.all())).toEqual(['m1']);
	});

	it('drafts are shared Y.Texts; read never creates', () => {
		const { c } = fresh();
		c.drafts.text('reply').insert(0, 'Bonjour François');
		expect(c.drafts.read('reply')).toBe('Bonjour François');
		expect(c.drafts.text('reply')).toBe(c.drafts.text('reply'));
		expect(c.drafts.read('other')).toBe('');
		expect(c.drafts.has('other')).toBe(false);
	});

	// SPEC S5.5 S7.3 S7.4
	it('applyAction applies state, assignment, blocked and events in one transaction', () => {
		const { ydoc, c } = fresh();
		let transactions = 0;
		ydoc.on('afterTransaction', () => transactions++);
		let n = 0;
		const ids = c.applyAction(
			{
				state: { status: 'closed', since: 5000 },
				assignment: { userId: ana },
				blocked: true,
				events: [
					{ type: 'assigned', source: 'user', data: { assigneeId: ana } },
					{ type: 'closed', source: 'user', data: {}, ref: 'R-1' }
				]
			},
			author,
			5000,
			() => `ev${++n}`
		);
		expect(transactions).toBe(1);
		expect(ids).toEqual(['ev1', 'ev2']);
		expect(c.state.get().status).toBe('closed');
		expect(c.assignment.get().userId).toBe(ana);
		expect(c.profile.get().blocked).toBe(true);
		const events = c.thread.ordered().slice(-2);
		expect(events).toMatchObject([
			{ id: 'ev1', kind: 'event', type: 'assigned', at: 5000, author, source: 'user' },
			{ id: 'ev2', kind: 'event', type: 'closed', at: 5001, ref: 'R-1' }
		]);
	});

	// SPEC S7.3
	it('accepts the domain ActionResult as is', () => {
		const { c } = fresh();
		c.assignment.set({ userId: ana });
		const result = close(c.state.get(), 7000, 'user');
		const ids = c.applyAction(result, author, 7000, () => 'close-1');
		expect(c.state.get().status).toBe('closed');
		expect(c.assignment.get().userId).toBe(ana);
		expect(ids.length).toBe(result.events.length);
	});
});
