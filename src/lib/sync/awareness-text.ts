/**
 * The shared-draft side of awareness: turning a textarea's new value into the smallest edit of
 * the draft's Y.Text, and cursors into Yjs relative positions (and back).
 *
 * Why relative positions: an index into the text moves whenever someone else types before it;
 * a relative position names the character it sits after (by its CRDT id), so a peer's cursor
 * stays on the same spot through concurrent edits. They travel in awareness as the JSON of
 * `Y.relativePositionToJSON` (`{type, tname, item, assoc}`), which stock Yjs clients read too.
 *
 * This module imports yjs (besides `src/lib/doc/`) because relative positions are a Yjs
 * concept with no document schema in them; it never reads or writes a root type by key.
 */
import * as Y from 'yjs';

export interface TextEdit {
	index: number;
	remove: number;
	insert: string;
}

function isHighSurrogate(code: number): boolean {
	return code >= 0xd800 && code <= 0xdbff;
}

/**
 * The one replace (common prefix and suffix kept) that turns `prev` into `next`; null when
 * equal. Never splits a surrogate pair, so an emoji is removed or inserted whole.
 */
export function textDiff(prev: string, next: string): TextEdit | null {
	if (prev === next) return null;
	const max = Math.min(prev.length, next.length);
	let start = 0;
	while (start < max && prev.charCodeAt(start) === next.charCodeAt(start)) start++;
	if (start > 0 && isHighSurrogate(prev.charCodeAt(start - 1))) start--;
	let endPrev = prev.length;
	let endNext = next.length;
	while (endPrev > start && endNext > start && prev.charCodeAt(endPrev - 1) === next.charCodeAt(endNext - 1)) {
		endPrev--;
		endNext--;
	}
	if (endPrev < prev.length && isHighSurrogate(prev.charCodeAt(endPrev - 1))) {
		endPrev++;
		endNext++;
	}
	return { index: start, remove: endPrev - start, insert: next.slice(start, endNext) };
}

/** Applies the minimal edit making `text` read `next` (call inside the caller's transaction). */
export function applyTextDiff(text: Y.Text, next: string): boolean {
	const edit = textDiff(text.toString(), next);
	if (!edit) return false;
	if (edit.remove > 0) text.delete(edit.index, edit.remove);
	if (edit.insert.length > 0) text.insert(edit.index, edit.insert);
	return true;
}

/** Where `index` is in `text`, as JSON that survives concurrent edits. */
export function relativeCursor(text: Y.Text, index: number): unknown {
	const i = Math.max(0, Math.min(index, text.length));
	return Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, i));
}

/**
 * The index in `text` of a relative position received from a peer; null when it is not one
 * or points into another type (a malformed or hostile state is ignored, never thrown on).
 */
export function absoluteCursor(text: Y.Text, json: unknown): number | null {
	if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
	const doc = text.doc;
	if (!doc) return null;
	try {
		const rel = Y.createRelativePositionFromJSON(json);
		const abs = Y.createAbsolutePositionFromRelativePosition(rel, doc);
		if (!abs || abs.type !== text) return null;
		return Math.max(0, Math.min(abs.index, text.length));
	} catch {
		return null;
	}
}
