// SPEC S4.4: the summary carries the profile facts and the last outgoing time that advanced
// filters read (so custom inboxes evaluate over summaries, without loading documents), and the
// incremental summary equals the full one with them.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ChannelId, ContactId, EntryId } from '../domain/types';
import { initContact } from './contact';
import { summarize, threadChangeOf, updateSummary } from './summary';

const CID = 'c1' as ContactId;
const WEB = 'web' as ChannelId;

describe('summary facts for filters', () => {
	it('profile facts appear when set and disappear when cleared, full and incremental alike', () => {
		const ydoc = new Y.Doc();
		const c = initContact(ydoc, { id: CID, profile: { firstName: 'Zoé' }, createdAt: 100 });
		let inc = summarize(CID, ydoc);
		ydoc.on('afterTransaction', (tr: Y.Transaction) => {
			inc = updateSummary(inc, ydoc, threadChangeOf(ydoc, tr));
		});
		expect(inc.tags).toBeUndefined();
		expect(inc.custom).toBeUndefined();
		c.profile.patch({ country: 'FR', language: 'fr', tags: ['vip'], custom: { spend: 10, note: '', vip: true } });
		expect(inc).toEqual(summarize(CID, ydoc));
		expect(inc).toMatchObject({ country: 'FR', language: 'fr', tags: ['vip'], custom: { spend: 10, vip: true } });
		c.profile.patch({ tags: [], country: '', custom: {} });
		expect(inc).toEqual(summarize(CID, ydoc));
		expect(inc.tags).toBeUndefined();
		expect(inc.country).toBeUndefined();
		expect(inc.custom).toBeUndefined();
		expect(inc.language).toBe('fr');
	});

	it('last outgoing time: the latest non-broadcast outgoing message', () => {
		const ydoc = new Y.Doc();
		const c = initContact(ydoc, { id: CID, profile: { firstName: 'Zoé' }, createdAt: 100 });
		let inc = summarize(CID, ydoc);
		ydoc.on('afterTransaction', (tr: Y.Transaction) => {
			inc = updateSummary(inc, ydoc, threadChangeOf(ydoc, tr));
		});
		const msg = (id: string, at: number, direction: 'in' | 'out', broadcast = false) =>
			c.thread.append({ id: id as EntryId, kind: 'message', at, author: { type: 'user', id: 'u1' }, direction, channelId: WEB, body: { type: 'text', text: id }, ...(broadcast ? { broadcast } : {}) });
		msg('a', 200, 'out');
		msg('b', 300, 'in');
		msg('c', 400, 'out', true);
		expect(inc.lastOutgoingAt).toBe(200);
		msg('d', 150, 'out');
		expect(inc.lastOutgoingAt).toBe(200);
		msg('e', 500, 'out');
		expect(inc).toEqual(summarize(CID, ydoc));
		expect(inc.lastOutgoingAt).toBe(500);
	});
});
