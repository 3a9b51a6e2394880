/**
 * Presence on the directory document reaches every member, but a presence state may name a
 * contact ("viewing contact X"), and naming a contact to a user who may not see it is a leak
 * (SPEC S1.9: not a byte of it). So the directory's awareness is relayed per recipient with
 * every reference to a contact the recipient may not see taken out: a string value (or object
 * key) that is a contact document id (`c/<id>`) or the bare id of a known contact is removed,
 * at any depth. Everything else of the state passes unchanged, and an update that names no
 * hidden contact is relayed as the same bytes.
 *
 * Typing and viewing on a contact's own document need no filter: those updates only reach
 * connections that may see the document (`wants`).
 */
import { contactDocId, isValidContactId, parseDocId } from '../../src/lib/domain/ids';
import type { ContactId, DocId } from '../../src/lib/domain/types';
import { readAwarenessUpdate, writeAwarenessUpdate } from '../../src/lib/protocol/awareness';

/** What the filter needs to know: is this a contact, and may the recipient see it. */
export interface ContactLookup {
	/** The contact document a string names, or null when it names none. */
	contactDocOf(value: string): DocId | null;
	canSee(docId: DocId): boolean;
}

export function contactLookup(isContactDoc: (docId: DocId) => boolean, canSee: (docId: DocId) => boolean): ContactLookup {
	return {
		contactDocOf(value) {
			if (value.length === 0 || value.length > 200) return null;
			if (parseDocId(value)?.kind === 'contact') return value as DocId;
			if (!isValidContactId(value)) return null;
			const asDoc = contactDocId(value as ContactId);
			return isContactDoc(asDoc) ? asDoc : null;
		},
		canSee
	};
}

const REMOVED = Symbol('removed');

function redactValue(value: unknown, lookup: ContactLookup, depth: number): unknown {
	if (typeof value === 'string') {
		const doc = lookup.contactDocOf(value);
		return doc !== null && !lookup.canSee(doc) ? REMOVED : value;
	}
	if (value === null || typeof value !== 'object' || depth > 16) return value;
	if (Array.isArray(value)) {
		const out: unknown[] = [];
		for (const v of value) {
			const r = redactValue(v, lookup, depth + 1);
			if (r !== REMOVED) out.push(r);
		}
		return out;
	}
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(value)) {
		const keyDoc = lookup.contactDocOf(k);
		if (keyDoc !== null && !lookup.canSee(keyDoc)) continue;
		const r = redactValue(v, lookup, depth + 1);
		if (r !== REMOVED) out[k] = r;
	}
	return out;
}

/**
 * The awareness update as `lookup`'s user may receive it. Bytes that are not an awareness
 * update (they were checked on the way in, so this does not happen) are withheld: null.
 */
export function redactPresence(update: Uint8Array, lookup: ContactLookup): Uint8Array | null {
	const entries = readAwarenessUpdate(update, 'text');
	if (!entries) return null;
	let changed = false;
	for (const e of entries) {
		if (e.state === 'null') continue;
		let parsed: unknown;
		try {
			parsed = JSON.parse(e.state) as unknown;
		} catch {
			parsed = undefined;
		}
		const redacted = parsed === undefined ? REMOVED : redactValue(parsed, lookup, 0);
		const next = redacted === REMOVED ? '{}' : JSON.stringify(redacted);
		if (next !== JSON.stringify(parsed)) {
			e.state = next;
			changed = true;
		}
	}
	return changed ? writeAwarenessUpdate(entries, 'text') : update;
}
