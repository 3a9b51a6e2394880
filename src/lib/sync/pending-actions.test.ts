// Issue 17 (SPEC S9.5, S5.4): the unsynced count is user actions, not updates (3 replies typed
// keystroke by keystroke show 3, not one per keystroke), read marks are not actions, and each
// entry an action wrote has its own pending state until the server acknowledges it.
import { describe, expect, it } from 'vitest';
import { contactDoc } from '../doc';
import type { ComposerKey } from '../doc/schema';
import { newId } from '../domain/ids';
import type { ContactId, EntryId, UserId } from '../domain/types';
import { createMemoryStore } from '../storage/memory';
import { Replica } from './replica';

describe('pending actions', () => {
	it('counts three typed replies as 3, and gives each its own state', async () => {
		const replica = new Replica({ store: createMemoryStore() });
		await replica.open();
		const contact = newId() as ContactId;
		const me = 'u1' as UserId;
		const doc = await replica.contact(contact);
		const entries: EntryId[] = [];
		for (let r = 0; r < 3; r++) {
			// Typing the draft: one update per keystroke, written by the editor binding.
			for (const ch of 'thanks!') contactDoc(doc).drafts.edit('reply' as ComposerKey, (t) => t.insert(t.length, ch));
			const id = newId() as EntryId;
			entries.push(id);
			await replica.edit(contact, (d) =>
				contactDoc(d).thread.append({ id, kind: 'comment', text: `reply ${r}`, mentions: [], at: Date.now(), author: { type: 'user', id: me } })
			);
		}
		await replica.edit(contact, (d) => contactDoc(d).reads.markRead(me, Date.now()), { background: true });
		await new Promise((r) => setTimeout(r, 0));
		expect(replica.pending.count).toBeGreaterThan(20);
		expect(replica.status.unacked).toBe(3);
		expect([...replica.status.entries.keys()].sort()).toEqual([...entries].sort());
		for (const id of entries) expect(replica.status.entries.get(id)).toBe('queued');
		await replica.close();
	});
});
