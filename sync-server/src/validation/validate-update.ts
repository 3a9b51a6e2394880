/**
 * The sync server's guard on client updates (ARCHITECTURE.md, "Validation"). Every update a
 * client sends for a contact document goes through `validateContactUpdate` before it is
 * stored, applied or relayed; a rejected update is none of these, and the client resets that
 * document to the server's state.
 *
 * A user may, in a contact document they can see:
 * - add thread entries authored by themselves (author taken from the token, never trusted
 *   from the update): outgoing messages (not to a blocked contact, SPEC S7.6), comments, and
 *   the events of their own actions (assigned, unassigned, closed, opened, snoozed, woken,
 *   blocked, unblocked; source `user`);
 * - mark their own new outgoing message `queued` in `delivery` (nothing else there: delivery
 *   statuses belong to the server's channel adapters);
 * - set profile, assignment and state fields (known keys, typed, bounded), and their own read
 *   mark in `reads`;
 * - type in their own drafts, drafts they joined and the shared drafts without an author, and
 *   create a draft (a `Y.Text`) under a new key of theirs (`domain/drafts.ts`).
 * They may not delete or overwrite a thread entry or a delivery status, remove a field, a read
 * mark or a draft, write another user's read mark, write any other root type, nest shared
 * types anywhere else, or write the directory.
 *
 * How: `analyzeUpdate` (structs.ts) tells where every struct of the update lands and what its
 * delete set removes, by reading the update's structs against the document's struct store;
 * nothing is applied, so deciding costs O(update), not O(document). The rules below then look
 * at each touched key, and at the document's current value where it matters (does this entry
 * id exist, is the contact blocked, how long is this draft).
 */
import * as Y from 'yjs';
import type { Directory, Role, UserId } from '../../../src/lib/domain/types';
import { CONTACT_ROOTS, CONTACT_ROOT_NAMES, DIRECTORY_ROOT_NAMES, PROFILE_KEYS } from '../../../src/lib/doc/schema';
import { MAX_DRAFTS, MAX_DRAFT_CHARS, MAX_FORMAT_VALUE_CHARS, MAX_ID_CHARS, MAX_LABEL_CHARS, MAX_UPDATE_BYTES } from '../limits/constants';
import { mayWriteDraft } from '../../../src/lib/domain/drafts';
import { analyzeUpdate, roundTripProblem, type DeleteTarget, type NewItem } from './structs';
import { checkAssignmentValue, checkDelivery, checkEntry, checkProfileValue, checkRead, checkStateValue, plainSize, show, type Actor } from './values';

export interface ValidationUser {
	id: UserId;
	/** Not used by today's rules (every member may do the same edits); kept for role-based ones. */
	role: Role;
}

export interface ValidationContext {
	/** The server's current state of the document, root types ensured. Never modified. */
	doc: Y.Doc;
	update: Uint8Array;
	/** The token's user. */
	user: ValidationUser;
	/** The server's clock, in milliseconds since the epoch. */
	now: number;
	/** The workspace's directory: every id the update names must name something of it. */
	directory: Directory;
}

export type ValidationCode = 'rejected_update' | 'too_large' | 'bad_update';
/** `missing`: refused only because the server lacks changes it builds on (see `analyzeUpdate`). */
export type ValidationResult = { ok: true } | { ok: false; code: ValidationCode; reason: string; missing?: true };

const OK: ValidationResult = { ok: true };
const rejected = (reason: string): ValidationResult => ({ ok: false, code: 'rejected_update', reason });
const malformed = (reason: string): ValidationResult => ({ ok: false, code: 'bad_update', reason });

/** Decides whether `user` may apply `update` to the contact document `doc`. Never throws. */
export function validateContactUpdate(ctx: ValidationContext): ValidationResult {
	try {
		return validateContact(ctx);
	} catch (e) {
		return malformed(`the update could not be read (${e instanceof Error ? e.message : String(e)})`);
	}
}

/**
 * The directory is written by the server only. An update that changes nothing (a stock
 * y-websocket client's empty sync step 2) is accepted, since refusing it would only make the
 * client reset a document it did not touch.
 */
export function validateDirectoryUpdate(ctx: Pick<ValidationContext, 'doc' | 'update'>): ValidationResult {
	try {
		if (ctx.update.length > MAX_UPDATE_BYTES) return tooLarge(ctx.update);
		const a = analyzeUpdate(ctx.doc, ctx.update);
		if (!a.ok) return malformed(a.reason);
		const changes = a.items.some((i) => i.loc.kind !== 'gc') || a.deletes.length > 0 || [...a.roots].some((r) => !DIRECTORY_ROOT_NAMES.has(r));
		if (changes) return rejected('the directory is written by the server only');
		const odd = roundTripProblem(ctx.update);
		return odd ? malformed(odd) : OK;
	} catch (e) {
		return malformed(`the update could not be read (${e instanceof Error ? e.message : String(e)})`);
	}
}

function tooLarge(update: Uint8Array): ValidationResult {
	return { ok: false, code: 'too_large', reason: `the update is ${update.length} bytes; at most ${MAX_UPDATE_BYTES} are accepted` };
}

const KEYED_VALUE_ROOTS: ReadonlySet<string> = new Set([CONTACT_ROOTS.profile, CONTACT_ROOTS.assignment, CONTACT_ROOTS.state, CONTACT_ROOTS.reads]);

/** Items of one key of one root type, in update order. */
type Groups = Map<string, Map<string, NewItem[]>>;

function validateContact(ctx: ValidationContext): ValidationResult {
	if (ctx.update.length > MAX_UPDATE_BYTES) return tooLarge(ctx.update);
	const a = analyzeUpdate(ctx.doc, ctx.update);
	if (!a.ok) return a.missing ? { ok: false, code: 'bad_update', reason: a.reason, missing: true } : malformed(a.reason);
	for (const root of a.roots) if (!CONTACT_ROOT_NAMES.has(root)) return rejected(`unknown root type "${show(root)}"`);
	const actor: Actor = { id: ctx.user.id, now: ctx.now, directory: ctx.directory };
	const mapOf = (root: string): Map<string, Y.Item> => ctx.doc.share.get(root)?._map ?? new Map();

	const groups: Groups = new Map();
	const draftChars = new Map<string, number>();
	for (const n of a.items) {
		const { loc, item } = n;
		if (loc.kind === 'gc') continue;
		if (loc.kind === 'nested') {
			const problem = checkNested(n, draftChars);
			if (problem) return problem;
			continue;
		}
		if (!CONTACT_ROOT_NAMES.has(loc.root)) return rejected(`unknown root type "${show(loc.root)}"`);
		if (loc.key === null) return rejected(`${loc.root} holds keyed values only`);
		if (loc.key.length > MAX_ID_CHARS) return rejected(`${loc.root} keys are at most ${MAX_ID_CHARS} characters`);
		if (item.rightOrigin !== null) return malformed(`a value of ${loc.root} has a right origin, which no map write produces`);
		let byKey = groups.get(loc.root);
		if (!byKey) groups.set(loc.root, (byKey = new Map()));
		const list = byKey.get(loc.key);
		if (list) list.push(n);
		else byKey.set(loc.key, [n]);
	}

	// Thread first: the delivery and blocked rules depend on the messages it adds.
	const newOutgoing = new Set<string>();
	const thread = mapOf(CONTACT_ROOTS.thread);
	for (const [key, list] of groups.get(CONTACT_ROOTS.thread) ?? []) {
		if (thread.has(key) || list.length > 1) return rejected(`thread entry ${show(key)} may not be overwritten`);
		const n = list[0]!;
		if (n.deleted) return rejected(`thread entry ${show(key)} may not be deleted`);
		const value = plainValue(n);
		if (value === NOT_PLAIN) return rejected(`thread entry ${show(key)} must be a plain value`);
		const problem = checkEntry(key, value, actor);
		if (problem) return rejected(problem);
		const v = value as { kind?: unknown; direction?: unknown };
		if (v.kind === 'message' && v.direction === 'out') newOutgoing.add(key);
	}

	const delivery = mapOf(CONTACT_ROOTS.delivery);
	for (const [key, list] of groups.get(CONTACT_ROOTS.delivery) ?? []) {
		if (delivery.has(key) || list.length > 1) return rejected(`delivery status of ${show(key)} may not be overwritten`);
		const n = list[0]!;
		if (n.deleted) return rejected(`delivery status of ${show(key)} may not be removed`);
		const problem = checkDelivery(key, plainValue(n), ctx.now);
		if (problem) return rejected(problem);
		if (!newOutgoing.has(key)) return rejected(`delivery status of ${show(key)}: a client may only mark an outgoing message it adds in the same update`);
	}

	for (const root of KEYED_VALUE_ROOTS) {
		for (const [key, list] of groups.get(root) ?? []) {
			const problem = checkKeyedValues(root, key, list, actor, currentValue(mapOf(root), key));
			if (problem) return problem;
		}
	}

	const draftsProblem = checkDraftKeys(groups.get(CONTACT_ROOTS.drafts), mapOf(CONTACT_ROOTS.drafts), draftChars);
	if (draftsProblem) return draftsProblem;
	const authorProblem = checkDraftAuthors(a.items, a.deletes, groups.get(CONTACT_ROOTS.drafts), mapOf(CONTACT_ROOTS.drafts), actor);
	if (authorProblem) return authorProblem;

	for (const target of a.deletes) {
		const problem = checkDelete(target, groups, actor);
		if (problem) return problem;
	}

	if (newOutgoing.size > 0 && isBlocked(groups, mapOf(CONTACT_ROOTS.profile))) {
		return rejected('the contact is blocked: no message may be sent to it (SPEC S7.6)');
	}
	// Last, as it costs the most: what the rules allow must also survive Yjs' own round trip.
	const odd = roundTripProblem(ctx.update);
	return odd ? malformed(odd) : OK;
}

const NOT_PLAIN = Symbol('not plain');

/** The value a map item stores, or NOT_PLAIN when it is not one plain value. */
function plainValue(n: NewItem): unknown {
	const c = n.item.content;
	if (c instanceof Y.ContentAny && c.arr.length === 1) return c.arr[0];
	return NOT_PLAIN;
}

/** Profile, assignment, state and read marks: typed values; a key is set, never removed. */
function checkKeyedValues(root: string, key: string, list: NewItem[], actor: Actor, current: unknown): ValidationResult | null {
	for (const n of list) {
		const c = n.item.content;
		if (c instanceof Y.ContentDeleted) {
			if (root === CONTACT_ROOTS.reads && key !== actor.id) return rejected(checkRead(key, 0, actor)!);
			continue;
		}
		const value = plainValue(n);
		if (value === NOT_PLAIN) return rejected(`${root} ${show(key)} must be a plain value`);
		const problem =
			root === CONTACT_ROOTS.profile
				? checkProfileValue(key, value)
				: root === CONTACT_ROOTS.assignment
					? checkAssignmentValue(key, value, actor.directory, current)
					: root === CONTACT_ROOTS.state
						? checkStateValue(key, value, actor.now)
						: checkRead(key, value, actor);
		if (problem) return rejected(problem);
		if (plainSize(value) < 0) return rejected(`${root} ${show(key)} is too large`);
	}
	// The writes of one key must form one chain (each over the previous one), ending in a value.
	const tail = chainTail(list);
	if (tail === null) return malformed(`the writes of ${root} ${show(key)} do not form one sequence`);
	if (tail.deleted) return rejected(`${root} ${show(key)} may not be removed`);
	return null;
}

/** The last write of a sequence of writes to one key, or null when they branch. */
function chainTail(list: NewItem[]): NewItem | null {
	if (list.length === 1) return list[0]!;
	const sorted = [...list].sort((a, b) => a.item.id.client - b.item.id.client || a.item.id.clock - b.item.id.clock);
	const children = new Map<NewItem, number>();
	let heads = 0;
	for (const n of list) {
		const parent = n.item.origin ? findContaining(sorted, n.item.origin) : null;
		if (parent && parent !== n) children.set(parent, (children.get(parent) ?? 0) + 1);
		else heads++;
	}
	if (heads !== 1) return null;
	let tail: NewItem | null = null;
	for (const n of list) {
		const count = children.get(n) ?? 0;
		if (count > 1) return null;
		if (count === 0) {
			if (tail) return null;
			tail = n;
		}
	}
	return tail;
}

/** The item of `sorted` (by client, then clock) whose clock range holds `id`. */
function findContaining(sorted: NewItem[], id: Y.ID): NewItem | null {
	let lo = 0;
	let hi = sorted.length - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		const it = sorted[mid]!.item;
		if (it.id.client < id.client || (it.id.client === id.client && it.id.clock + it.length <= id.clock)) lo = mid + 1;
		else if (it.id.client > id.client || id.clock < it.id.clock) hi = mid - 1;
		else return sorted[mid]!;
	}
	return null;
}

function contains(item: Y.Item, id: Y.ID): boolean {
	return item.id.client === id.client && id.clock >= item.id.clock && id.clock < item.id.clock + item.length;
}

/** Content inside a nested shared type: only text (and formatting) inside a draft. */
function checkNested(n: NewItem, draftChars: Map<string, number>): ValidationResult | null {
	const loc = n.loc;
	if (loc.kind !== 'nested') return null;
	if (loc.root !== CONTACT_ROOTS.drafts || loc.key === null || !loc.text) {
		return rejected(loc.root && CONTACT_ROOT_NAMES.has(loc.root) ? `${loc.root} may not hold nested shared types` : 'shared types may only be nested as drafts');
	}
	const c = n.item.content;
	if (c instanceof Y.ContentString) {
		if (!n.deleted) draftChars.set(loc.key, (draftChars.get(loc.key) ?? 0) + c.str.length);
		return null;
	}
	if (c instanceof Y.ContentFormat) {
		if (c.key.length > MAX_LABEL_CHARS || plainSize(c.value, MAX_FORMAT_VALUE_CHARS) < 0) return rejected(`draft ${show(loc.key)}: formatting attribute too large`);
		return null;
	}
	if (c instanceof Y.ContentDeleted) return null;
	return rejected(`draft ${show(loc.key)} holds plain text only`);
}

/** New drafts are plain `Y.Text`s under new keys; drafts stay within MAX_DRAFTS and MAX_DRAFT_CHARS. */
function checkDraftKeys(group: Map<string, NewItem[]> | undefined, drafts: Map<string, Y.Item>, draftChars: Map<string, number>): ValidationResult | null {
	let live = 0;
	for (const item of drafts.values()) if (!item.deleted) live++;
	for (const [key, list] of group ?? []) {
		const current = drafts.get(key);
		const added = list.filter((n) => !n.deleted);
		if ((current && !current.deleted) || added.length > 1) return rejected(`draft ${show(key)} may not be replaced`);
		for (const n of added) {
			const c = n.item.content;
			if (!(c instanceof Y.ContentType) || c.type.constructor !== Y.Text) return rejected(`draft ${show(key)} must be a Y.Text`);
			if (++live > MAX_DRAFTS) return rejected(`a contact holds at most ${MAX_DRAFTS} drafts`);
		}
	}
	for (const [key, added] of draftChars) {
		const current = drafts.get(key);
		const existing = current && !current.deleted && current.content instanceof Y.ContentType ? current.content.type._length : 0;
		if (existing + added > MAX_DRAFT_CHARS) return rejected(`draft ${show(key)} would be longer than ${MAX_DRAFT_CHARS} characters`);
	}
	return null;
}

/**
 * Each draft is its author's (SPEC S9.4, `domain/drafts.ts`): an update may create, type in or
 * delete text of a draft only when `mayWriteDraft` allows the token's user that key, i.e. their
 * own draft, their own join marker, a draft they joined (its marker in the document or in this
 * update), or a shared draft without an author.
 */
function checkDraftAuthors(items: NewItem[], deletes: DeleteTarget[], created: Map<string, NewItem[]> | undefined, drafts: Map<string, Y.Item>, actor: Actor): ValidationResult | null {
	const touched = new Set<string>(created?.keys() ?? []);
	for (const { loc } of [...items, ...deletes]) if (loc.kind === 'nested' && loc.root === CONTACT_ROOTS.drafts && loc.key !== null) touched.add(loc.key);
	const hasKey = (k: string): boolean => {
		const item = drafts.get(k);
		return (item !== undefined && !item.deleted) || (created?.get(k)?.some((n) => !n.deleted) ?? false);
	};
	for (const key of touched) if (!mayWriteDraft(key, actor.id, hasKey)) return rejected(`draft ${show(key)} belongs to another user; join it first ("Write together")`);
	return null;
}

function checkDelete(t: DeleteTarget, groups: Groups, actor: Actor): ValidationResult | null {
	const loc = t.loc;
	if (loc.kind === 'gc') return null;
	if (loc.kind === 'nested') {
		return loc.root === CONTACT_ROOTS.drafts && loc.text ? null : rejected('the update deletes content outside the drafts');
	}
	const key = loc.key;
	switch (loc.root) {
		case CONTACT_ROOTS.thread:
			return rejected(`thread entry ${show(key)} may not be deleted`);
		case CONTACT_ROOTS.delivery:
			return rejected(`delivery status of ${show(key)} may not be removed`);
		case CONTACT_ROOTS.drafts:
			return rejected(`draft ${show(key)} may not be removed`);
	}
	if (!KEYED_VALUE_ROOTS.has(loc.root) || key === null) return rejected(`the update deletes from an unknown root type "${show(loc.root)}"`);
	if (loc.root === CONTACT_ROOTS.reads && key !== actor.id) return rejected(checkRead(key, 0, actor)!);
	// Removing the current value is only allowed as part of overwriting it, i.e. when the first
	// new write of that key sits right on top of it (a new value then takes its place).
	const list = groups.get(loc.root)?.get(key);
	if (!t.inDoc) return list ? null : rejected(`${loc.root} ${show(key)} may not be removed`);
	const overwritten = list?.some((n) => n.item.origin !== null && contains(t.item, n.item.origin));
	return overwritten ? null : rejected(`${loc.root} ${show(key)} may not be removed`);
}

/** The value a map holds under `key` before the update (undefined when none). */
function currentValue(map: Map<string, Y.Item>, key: string): unknown {
	const item = map.get(key);
	if (!item || item.deleted) return undefined;
	const content = item.content.getContent();
	return content[content.length - 1];
}

/** Whether the contact is blocked once the update applies (its own write of `blocked` wins). */
function isBlocked(groups: Groups, profile: Map<string, Y.Item>): boolean {
	const list = groups.get(CONTACT_ROOTS.profile)?.get(PROFILE_KEYS.blocked);
	const tail = list ? chainTail(list) : null;
	if (tail && !tail.deleted) return plainValue(tail) === true;
	return currentValue(profile, PROFILE_KEYS.blocked) === true;
}
