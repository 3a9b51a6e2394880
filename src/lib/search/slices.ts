/**
 * The message index snapshot is stored in slices (issue 26): every contact's thread belongs to
 * one of `SLICES` slices by a hash of its id, fixed across sessions, so a change dirties one
 * slice, a save writes only the dirty ones (each in its own worker task and its own record), and
 * a page closed during a save keeps every slice stored so far. Shared by the worker (which
 * exports a slice's rows) and the main thread (which stores the slice with its threads' marks).
 */
export const SLICES = 128;

/** The slice of a contact's thread (FNV-1a of the id). */
export function sliceOf(contactId: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < contactId.length; i++) {
		h ^= contactId.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return (h >>> 0) % SLICES;
}
