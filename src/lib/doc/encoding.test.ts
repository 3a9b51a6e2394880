import { describe, expect, it } from 'vitest';
import type { ContactId, UserId } from '../domain/types';
import { contactDoc, initContact } from './contact';
import {
	applyUpdate,
	createDoc,
	diffUpdate,
	docFromUpdates,
	encodeState,
	mergeUpdates,
	onUpdate,
	stateVector,
	stateVectorOfUpdate
} from './encoding';
import { remoteOrigin, storageOrigin } from './origins';
import { summarize } from './summary';

const CID = 'c1' as ContactId;

describe('encoding helpers', () => {
	it('round-trip a contact document and sync two replicas by state vector', () => {
		const a = createDoc();
		initContact(a, { id: CID, profile: { firstName: 'François' }, createdAt: 1 });
		const b = docFromUpdates([encodeState(a)], storageOrigin());
		expect(summarize(CID, b)).toEqual(summarize(CID, a));

		contactDoc(a).reads.markRead('u1' as UserId, 10);
		contactDoc(b).profile.patch({ lastName: 'Lefèvre' });
		const forB = encodeState(a, stateVector(b));
		const forA = diffUpdate(encodeState(b), stateVector(a));
		applyUpdate(b, forB, remoteOrigin());
		applyUpdate(a, forA, remoteOrigin());
		expect(summarize(CID, a)).toEqual(summarize(CID, b));
		expect(summarize(CID, a)).toMatchObject({ firstName: 'François', lastName: 'Lefèvre', reads: { u1: 10 } });
		expect(stateVectorOfUpdate(encodeState(a))).toEqual(stateVector(a));
	});

	it('onUpdate reports our origins; merged updates equal the sequence', () => {
		const a = createDoc();
		const seen: Array<[Uint8Array, string | undefined]> = [];
		const stop = onUpdate(a, (u, origin) => seen.push([u, origin?.kind]));
		initContact(a, { id: CID, profile: {}, createdAt: 1 });
		contactDoc(a).profile.patch({ firstName: 'Élodie' });
		stop();
		expect(seen.map((s) => s[1])).toEqual(['local', 'local']);
		const b = docFromUpdates([mergeUpdates(seen.map((s) => s[0]))], storageOrigin());
		expect(contactDoc(b).profile.get().firstName).toBe('Élodie');
	});
});
