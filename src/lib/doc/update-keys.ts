/**
 * Which keys of a contact document's root maps one update writes, read from the update's bytes
 * (no document needed): the server's workflow triggers react to exactly the entries and profile
 * fields a stored update added, not to everything the document holds.
 */
import * as Y from 'yjs';
import { CONTACT_ROOTS } from './schema';

export interface UpdateKeys {
	/** Thread entry ids the update inserts. */
	thread: string[];
	/**
	 * Profile keys it writes for the first time. A key written again is not named (its new item
	 * refers to the old one instead of its parent): compare values to see those changes.
	 */
	profile: string[];
}

export function contactUpdateKeys(update: Uint8Array): UpdateKeys {
	const out: UpdateKeys = { thread: [], profile: [] };
	let structs: Array<Y.Item | Y.GC | Y.Skip>;
	try {
		structs = Y.decodeUpdate(update).structs;
	} catch {
		return out;
	}
	for (const s of structs) {
		if (!(s instanceof Y.Item) || typeof s.parent !== 'string' || s.parentSub === null) continue;
		if (s.parent === CONTACT_ROOTS.thread) out.thread.push(s.parentSub);
		else if (s.parent === CONTACT_ROOTS.profile && !out.profile.includes(s.parentSub)) out.profile.push(s.parentSub);
	}
	return out;
}
