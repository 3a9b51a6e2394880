import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ChannelId, ContactId, EntryId, MessageEntry, UserId } from '../domain/types';
import { contactDoc, initContact } from './contact';
import { remoteOrigin } from './origins';
import { CONTACT_ROOTS } from './schema';
import { RECENT_INCOMING_LIMIT, summarize, threadChangeOf, updateSummary, watchSummary } from './summary';
import { createPrng } from '../demo/prng';

const CID = 'c1' as ContactId;

function msg(id: string, at: number, direction: 'in' | 'out', extra: Partial<MessageEntry> = {}): MessageEntry {
	return {
		id: id as EntryId,
		kind: 'message',
		at,
		author: direction === 'in' ? { type: 'contact', id: CID } : { type: 'user', id: 'u1' },
		direction,
		channelId: (direction === 'in' ? 'web' : 'hook') as ChannelId,
		body: { type: 'text', text: `text of ${id}` },
		...extra
	};
}

function fresh() {
	const ydoc = new Y.Doc();
	const c = initContact(ydoc, { id: CID, profile: { firstName: 'Zoé', email: 'zoe@gmail.com' }, createdAt: 100 });
	return { ydoc, c };
}

describe('summarize', () => {
	// SPEC S4.2 S1.7
	it('last message ignores broadcasts and comments; recentIncomingAt is ascending', () => {
		const { ydoc, c } = fresh();
		c.thread.append(msg('m1', 1000, 'in'));
		c.thread.append(msg('m2', 2000, 'out'));
		c.thread.append(msg('m3', 3000, 'out', { broadcast: true }));
		c.thread.append({ id: 'k1' as EntryId, kind: 'comment', at: 4000, author: { type: 'user', id: 'u1' }, text: 'note', mentions: [] });
		c.thread.append(msg('m0', 500, 'in'));
		c.reads.markRead('u1' as UserId, 1500);
		const s = summarize(CID, ydoc);
		expect(s).toMatchObject({
			id: CID,
			firstName: 'Zoé',
			email: 'zoe@gmail.com',
			lastMessageAt: 2000,
			lastMessageDirection: 'out',
			lastMessageChannelId: 'hook',
			lastMessagePreview: 'text of m2',
			lastMessageId: 'm2',
			recentIncomingAt: [500, 1000],
			reads: { u1: 1500 },
			updatedAt: 4000,
			status: 'open',
			statusSince: 100
		});
	});

	it('an empty thread has no last message; updatedAt is the creation time', () => {
		const { ydoc } = fresh();
		expect(summarize(CID, ydoc)).toMatchObject({ lastMessageAt: null, lastMessageDirection: null, lastMessagePreview: '', recentIncomingAt: [], updatedAt: 100 });
	});

	it('keeps only the newest incoming times', () => {
		const { ydoc, c } = fresh();
		for (let i = 0; i < RECENT_INCOMING_LIMIT + 20; i++) c.thread.append(msg(`m${i}`, 1000 + i, 'in'));
		const s = summarize(CID, ydoc);
		expect(s.recentIncomingAt).toHaveLength(RECENT_INCOMING_LIMIT);
		expect(s.recentIncomingAt[0]).toBe(1020);
	});

	it('previews non-text bodies by attachment name or type', () => {
		const { ydoc, c } = fresh();
		c.thread.append(msg('m1', 1000, 'in', { body: { type: 'image', attachments: [{ storageName: 'x', name: 'photo.jpg', size: 1, mime: 'image/jpeg' }] } }));
		expect(summarize(CID, ydoc).lastMessagePreview).toBe('photo.jpg');
		c.thread.append(msg('m2', 2000, 'in', { body: { type: 'location' } }));
		expect(summarize(CID, ydoc).lastMessagePreview).toBe('[location]');
	});
});

describe('updateSummary', () => {
	it('incremental equals full on random appends, with ties on `at` (seeded)', () => {
		for (let seed = 1; seed <= 50; seed++) {
			const rng = createPrng(seed);
			const { ydoc, c } = fresh();
			let inc = summarize(CID, ydoc);
			for (let step = 0; step < 60; step++) {
				const batch: EntryId[] = [];
				const n = rng.int(1, 4);
				for (let k = 0; k < n; k++) {
					const id = `e${rng.int(0, 1e6)}` as EntryId;
					const at = 1000 + rng.int(0, 30) * 10;
					if (rng.bool(0.2)) {
						c.thread.append({ id, kind: 'event', at, author: { type: 'system', id: 's' }, type: 'opened', source: 'user', data: {} });
					} else c.thread.append(msg(id, at, rng.bool() ? 'in' : 'out', { broadcast: rng.bool(0.2) }));
					batch.push(id);
				}
				if (rng.bool(0.2)) c.state.patch({ status: 'closed', since: step });
				if (rng.bool(0.2)) c.reads.markRead('u1' as UserId, step * 10);
				inc = updateSummary(inc, ydoc, { added: batch });
				expect(inc, `seed ${seed} step ${step}`).toEqual(summarize(CID, ydoc));
			}
		}
	});

	it('threadChangeOf reports added keys, and a rescan when a key is written twice or deleted', () => {
		const { ydoc, c } = fresh();
		const changes: unknown[] = [];
		ydoc.on('afterTransaction', (tr) => changes.push(threadChangeOf(ydoc, tr)));
		c.thread.append(msg('m1', 1, 'in'));
		ydoc.getMap(CONTACT_ROOTS.thread).set('m1', msg('m1', 2, 'in'));
		ydoc.getMap(CONTACT_ROOTS.thread).delete('m1');
		c.profile.patch({ lastName: 'X' });
		expect(changes).toEqual([{ added: ['m1'], maps: [] }, { rescan: true }, { rescan: true }, { added: [], maps: ['profile'] }]);
	});

	it('watchSummary follows local and remote changes and equals the full summary', () => {
		const a = fresh();
		const b = new Y.Doc();
		Y.applyUpdate(b, Y.encodeStateAsUpdate(a.ydoc));
		let calls = 0;
		const w = watchSummary(CID, b, () => calls++);
		a.ydoc.on('update', (u: Uint8Array) => Y.applyUpdate(b, u, remoteOrigin()));
		a.c.thread.append(msg('m1', 1000, 'in'));
		a.c.transact(() => {
			a.c.thread.append(msg('m2', 1000, 'out'));
			a.c.thread.append(msg('m3', 900, 'in'));
		});
		contactDoc(b).drafts.text('reply').insert(0, 'draft only');
		a.c.assignment.set({ userId: 'u9' as UserId });
		// A concurrent write of an existing id on b, then merged: must fall back to a rescan.
		const other = new Y.Doc();
		Y.applyUpdate(other, Y.encodeStateAsUpdate(b));
		other.getMap(CONTACT_ROOTS.thread).set('m2', msg('m2', 5000, 'in'));
		Y.applyUpdate(b, Y.encodeStateAsUpdate(other), remoteOrigin());
		expect(w.current()).toEqual(summarize(CID, b));
		expect(calls).toBe(4);
		w.stop();
	});
});
