// SPEC S9.4: each agent's draft is their own; another agent writes it only after joining it.
import { describe, expect, it } from 'vitest';
import { draftKey, joinKey, joinersOf, mayWriteDraft, parseDraftKey } from './drafts';

describe('draft keys (S9.4)', () => {
	it('name the composer and the author, and a join names the joiner', () => {
		expect(draftKey('reply', 'u-olivia')).toBe('reply:u-olivia');
		expect(parseDraftKey('reply:u-olivia')).toEqual({ composer: 'reply', owner: 'u-olivia', joiner: null });
		expect(parseDraftKey(joinKey('reply:u-olivia', 'u-ana'))).toEqual({ composer: 'reply', owner: 'u-olivia', joiner: 'u-ana' });
		expect(parseDraftKey('reply')).toEqual({ composer: 'reply', owner: null, joiner: null });
		expect(parseDraftKey(':x').owner).toBeNull();
	});

	it('lists who joined a draft', () => {
		const keys = ['reply:u-o', 'reply:u-o+u-ana', 'reply:u-o+u-bo', 'comment:u-o+u-cy', 'reply:u-ana'];
		expect(joinersOf('reply:u-o', keys)).toEqual(['u-ana', 'u-bo']);
		expect(joinersOf('reply:u-ana', keys)).toEqual([]);
	});

	it('lets an author write their own draft, and another user only the draft they joined', () => {
		const none = () => false;
		expect(mayWriteDraft('reply:u-ana', 'u-ana', none)).toBe(true);
		expect(mayWriteDraft('reply:u-olivia', 'u-ana', none)).toBe(false);
		expect(mayWriteDraft('reply:u-olivia', 'u-ana', (k) => k === 'reply:u-olivia+u-ana')).toBe(true);
		expect(mayWriteDraft('reply:u-olivia', 'u-ana', (k) => k === 'reply:u-olivia+u-bo')).toBe(false);
		expect(mayWriteDraft('reply:u-olivia+u-ana', 'u-ana', none)).toBe(true);
		expect(mayWriteDraft('reply:u-olivia+u-ana', 'u-olivia', none)).toBe(false);
		// Shared drafts without an author stay writable by everyone who may see the contact.
		expect(mayWriteDraft('reply', 'u-ana', none)).toBe(true);
		expect(mayWriteDraft('memo', 'u-ana', none)).toBe(true);
	});
});
