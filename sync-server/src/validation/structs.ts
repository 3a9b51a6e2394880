/**
 * What a Yjs update would do to a document, read from its structs and the document's struct
 * store, without applying it (Yjs cannot roll back, and cloning a 1 MB document to try an
 * update costs ~50 ms; this costs O(update x log(document))).
 *
 * The analysis mirrors `Y.applyUpdate` (yjs 13.6, `Item.getMissing` / `integrateStructs` /
 * `readAndApplyDeleteSet`) closely enough to answer, for every struct the update brings:
 * - where it lands: a root type and map key, inside a nested shared type stored at a root key
 *   (a draft's `Y.Text`), or nowhere (Yjs turns it into garbage: its left, right or parent is
 *   garbage). An item that names no parent (it has an origin) inherits the parent and key of
 *   its left neighbour, else its right one, exactly as Yjs does; a map overwrite is therefore
 *   seen under the key it overwrites even though the update does not spell the key out.
 * - which existing or new items its delete set removes.
 *
 * An update is refused as malformed (`bad_update`) when Yjs would not apply it completely and
 * at once: undecodable bytes, a client listed twice (Yjs would silently keep only the last
 * list), a gap in a client's clocks or a reference to an item nobody has (Yjs would park it as
 * "pending" and apply it later, unvalidated, when another update fills the gap), a reference
 * to a later struct of the same client (Yjs would throw halfway through applying), a cycle of
 * references between clients, and deletions of items that do not exist yet.
 *
 * It is also refused when Yjs would apply it but could not write the result back out and read
 * it again (a poison update: stored, it would break every later load of the document): a
 * struct of length 0 (an empty string, list or deleted content, a GC or skip of 0), a client id
 * past 32 bits or a clock past MAX_CLOCK (Yjs' compact encoder packs clock differences in 32-bit
 * integers), an empty or overflowing deletion range. `roundTripProblem` then closes the class
 * for whatever is left: the update on its own must apply to an empty document whose state
 * re-encodes and loads in a fresh one, which costs O(update), not O(document).
 */
import * as Y from 'yjs';

/** Where an item lands once applied. */
export type Location =
	/** Dropped by Yjs (garbage), or already known to the document: no effect. */
	| { kind: 'gc' }
	/** A value of root type `root` (a map entry when `key` is a string, a list item when null). */
	| { kind: 'root'; root: string; key: string | null }
	/**
	 * Inside a shared type that is the value of `root[key]` (`text`: a plain `Y.Text`); `root`
	 * is null when the type sits deeper than that.
	 */
	| { kind: 'nested'; root: string | null; key: string | null; text: boolean };

/** An item the update brings that the document does not have yet (wholly or in part). */
export interface NewItem {
	item: Y.Item;
	loc: Location;
	/** Lands deleted: its content is `ContentDeleted`, or the update's delete set covers it. */
	deleted: boolean;
}

/** A live item of the document, or an item of the update, that the delete set removes. */
export interface DeleteTarget {
	item: Y.Item;
	loc: Location;
	/** Already in the document before the update (vs brought by the update itself). */
	inDoc: boolean;
}

export type Analysis =
	| {
			ok: true;
			items: NewItem[];
			deletes: DeleteTarget[];
			/**
			 * Root names the update's structs spell out, known structs included: Yjs creates a
			 * root type for each while reading the update, before it skips what it already has.
			 */
			roots: Set<string>;
	  }
	/**
	 * `missing`: the update needs changes the server does not have yet (a gap in a client's
	 * clocks, a reference or deletion past them); Yjs would keep it pending, and so may the caller.
	 */
	| { ok: false; reason: string; missing?: true };

type Struct = Y.Item | Y.GC | Y.Skip;
/** Root types of the document by identity (Yjs types them with assorted event parameters). */
type RootNames = Map<unknown, string>;

interface Rec {
	struct: Struct;
	client: number;
	clock: number;
	end: number;
	/** Position among the structs of its client in the update. */
	index: number;
	done: boolean;
	loc: Location;
}

type Found = { doc: Y.Item | Y.GC } | { rec: Rec };

const GC_LOC: Location = { kind: 'gc' };

/** Yjs draws client ids as unsigned 32-bit integers. */
export const MAX_CLIENT = 0xffff_ffff;
/**
 * Highest clock (exclusive end of a struct) accepted: the V2 encoder Yjs uses for pending
 * structs and delete sets shifts clock differences as 32-bit integers, so past 2^30 they wrap.
 * No honest client gets near it (a billion changes from one client id).
 */
export const MAX_CLOCK = 2 ** 30;
const idText = (id: Y.ID): string => `${id.client}:${id.clock}`;

/** Analyses `update` against the current state of `doc` (which it does not modify). */
export function analyzeUpdate(doc: Y.Doc, update: Uint8Array): Analysis {
	let decoded: ReturnType<typeof Y.decodeUpdate>;
	try {
		decoded = Y.decodeUpdate(update);
	} catch (e) {
		return { ok: false, reason: `not a Yjs update (${e instanceof Error ? e.message : String(e)})` };
	}
	const store = doc.store;
	const rootNames: RootNames = new Map();
	for (const [name, type] of doc.share) rootNames.set(type, name);

	// Group the structs by client; Yjs' reader keeps only the last list of a client named twice.
	const clients = new Map<number, Rec[]>();
	const roots = new Set<string>();
	let lastClient = -1;
	for (const struct of decoded.structs) {
		if (struct instanceof Y.Item && typeof struct.parent === 'string') roots.add(struct.parent);
		const { client, clock } = struct.id;
		const odd = oddStruct(struct);
		if (odd) return { ok: false, reason: odd };
		let recs = clients.get(client);
		if (client !== lastClient && recs) return { ok: false, reason: `client ${client} is listed twice` };
		lastClient = client;
		if (!recs) clients.set(client, (recs = []));
		recs.push({ struct, client, clock, end: clock + struct.length, index: recs.length, done: false, loc: GC_LOC });
	}

	// Clocks must continue the document's: anything past a gap would wait as "pending".
	const finalState = new Map<number, number>();
	for (const [client, recs] of clients) {
		let expected = Y.getState(store, client);
		for (const rec of recs) {
			if (rec.struct instanceof Y.Skip) continue;
			if (rec.clock > expected) return { ok: false, missing: true, reason: `the update needs changes of client ${client} the server does not have (clock ${expected} to ${rec.clock})` };
			expected = Math.max(expected, rec.end);
		}
		finalState.set(client, expected);
	}

	const find = (id: Y.ID): Found | null => {
		if (id.clock < Y.getState(store, id.client)) return { doc: Y.getItem(store, id) as Y.Item | Y.GC };
		const recs = clients.get(id.client);
		if (!recs) return null;
		let lo = 0;
		let hi = recs.length - 1;
		while (lo <= hi) {
			const mid = (lo + hi) >> 1;
			const rec = recs[mid]!;
			if (id.clock < rec.clock) hi = mid - 1;
			else if (id.clock >= rec.end) lo = mid + 1;
			else return rec.struct instanceof Y.Skip ? null : { rec };
		}
		return null;
	};
	const isGarbage = (f: Found | null): boolean =>
		f !== null && ('doc' in f ? f.doc instanceof Y.GC : f.rec.struct instanceof Y.GC || f.rec.loc.kind === 'gc');
	const itemOf = (f: Found): Y.Item | null => {
		const s = 'doc' in f ? f.doc : f.rec.struct;
		return s instanceof Y.Item ? s : null;
	};
	const locOf = (f: Found): Location => ('doc' in f ? docLocation(f.doc, rootNames) : f.rec.loc);

	const refsOf = (item: Y.Item): Y.ID[] => {
		const refs: Y.ID[] = [];
		if (item.origin) refs.push(item.origin);
		if (item.rightOrigin) refs.push(item.rightOrigin);
		if (item.parent instanceof Y.ID) refs.push(item.parent);
		return refs;
	};

	/** The first reference of `rec` still to be resolved, or a reason it can never be. */
	const blocker = (rec: Rec): Rec | { reason: string; missing?: true } | null => {
		if (!(rec.struct instanceof Y.Item)) return null;
		for (const ref of refsOf(rec.struct)) {
			const f = find(ref);
			if (f === null) return { missing: true, reason: `item ${idText(rec.struct.id)} refers to item ${idText(ref)}, which the server does not have` };
			if ('rec' in f && !f.rec.done) {
				if (f.rec.client === rec.client) return { reason: `item ${idText(rec.struct.id)} refers to a later item of its own client` };
				return f.rec;
			}
		}
		return null;
	};

	/** Where `rec` lands, or why no honest Yjs client could have written it. */
	const resolve = (rec: Rec): Location | string => {
		const item = rec.struct;
		if (!(item instanceof Y.Item)) return GC_LOC;
		const left = item.origin ? find(item.origin) : null;
		const right = item.rightOrigin ? find(item.rightOrigin) : null;
		if (isGarbage(left) || isGarbage(right)) return GC_LOC;
		if (item.parent === null) {
			const side = left && itemOf(left) ? left : right && itemOf(right) ? right : null;
			return side ? locOf(side) : GC_LOC;
		}
		if (typeof item.parent === 'string') return { kind: 'root', root: item.parent, key: item.parentSub };
		if (!(item.parent instanceof Y.ID)) return GC_LOC;
		const p = find(item.parent);
		if (p === null || isGarbage(p)) return GC_LOC;
		const holder = itemOf(p);
		if (!holder) return GC_LOC;
		// Yjs only ever names a shared type as a parent; given another item it integrates with
		// an undefined parent and writes a document it cannot read back.
		if (!(holder.content instanceof Y.ContentType)) return `item ${idText(item.id)} names item ${idText(item.parent)} as its parent, which is not a shared type`;
		return nestedIn(locOf(p), holder.content.type);
	};

	// Resolve in an order Yjs could integrate in: a client's structs in clock order, after the
	// structs of other clients they refer to (Yjs' own stack algorithm, so it stays linear).
	const next = new Map<number, number>();
	for (const client of clients.keys()) next.set(client, 0);
	for (const [start, startRecs] of clients) {
		const stack = [{ client: start, upto: startRecs.length - 1 }];
		const onStack = new Set([start]);
		while (stack.length > 0) {
			const top = stack[stack.length - 1]!;
			const recs = clients.get(top.client)!;
			const i = next.get(top.client)!;
			if (i > top.upto) {
				stack.pop();
				onStack.delete(top.client);
				continue;
			}
			const rec = recs[i]!;
			const b = blocker(rec);
			if (b && !('struct' in b)) return { ok: false, ...b };
			if (b) {
				if (onStack.has(b.client)) return { ok: false, reason: `items of clients ${rec.client} and ${b.client} refer to each other in a cycle` };
				stack.push({ client: b.client, upto: b.index });
				onStack.add(b.client);
				continue;
			}
			const loc = resolve(rec);
			if (typeof loc === 'string') return { ok: false, reason: loc };
			rec.loc = loc;
			rec.done = true;
			next.set(top.client, i + 1);
		}
	}

	// The delete set: live document items it removes, and items of the update it removes at once.
	const deletes: DeleteTarget[] = [];
	const deletedRecs = new Set<Rec>();
	for (const [client, ranges] of decoded.ds.clients) {
		const docState = Y.getState(store, client);
		const fin = finalState.get(client) ?? docState;
		for (const { clock, len } of ranges) {
			const end = clock + len;
			// Yjs never writes an empty range, and throws on one past its state.
			if (!(len >= 1)) return { ok: false, reason: `the update deletes an empty range of client ${client}` };
			if (client > MAX_CLIENT || end > MAX_CLOCK) return { ok: false, reason: `the update deletes clocks of client ${client} past what Yjs can encode` };
			if (end > fin) return { ok: false, missing: true, reason: `the update deletes items of client ${client} the server does not have (clock ${fin} to ${end})` };
			if (clock < docState) {
				const structs = store.clients.get(client)!;
				for (let i = Y.findIndexSS(structs, clock); i < structs.length && structs[i]!.id.clock < Math.min(end, docState); i++) {
					const s = structs[i]!;
					if (s instanceof Y.Item && !s.deleted) deletes.push({ item: s, loc: docLocation(s, rootNames), inDoc: true });
				}
			}
			const recs = clients.get(client) ?? [];
			for (let i = firstEndingAfter(recs, Math.max(clock, docState)); i < recs.length && recs[i]!.clock < end; i++) {
				const rec = recs[i]!;
				if (!(rec.struct instanceof Y.Item)) continue;
				deletedRecs.add(rec);
				deletes.push({ item: rec.struct, loc: rec.loc, inDoc: false });
			}
		}
	}

	const items: NewItem[] = [];
	for (const [client, recs] of clients) {
		const docState = Y.getState(store, client);
		for (const rec of recs) {
			if (!(rec.struct instanceof Y.Item) || rec.end <= docState) continue;
			items.push({ item: rec.struct, loc: rec.loc, deleted: rec.struct.content instanceof Y.ContentDeleted || deletedRecs.has(rec) });
		}
	}
	return { ok: true, items, deletes, roots };
}

/** Why Yjs could not round-trip `struct` once applied, or null. */
function oddStruct(struct: Struct): string | null {
	const { client, clock } = struct.id;
	const what = `${struct.constructor === Y.Item ? 'item' : struct instanceof Y.GC ? 'GC struct' : 'skip'} ${idText(struct.id)}`;
	if (!(struct.length >= 1)) return `${what} has length ${struct.length} (empty content)`;
	if (client > MAX_CLIENT) return `${what}: client ids are 32-bit`;
	if (clock + struct.length > MAX_CLOCK) return `${what}: clocks end before ${MAX_CLOCK}`;
	if (struct instanceof Y.Item) {
		for (const ref of [struct.origin, struct.rightOrigin, struct.parent instanceof Y.ID ? struct.parent : null]) {
			if (ref && (ref.client > MAX_CLIENT || ref.clock >= MAX_CLOCK)) return `${what} refers to ${idText(ref)}, past what Yjs can encode`;
		}
	}
	return null;
}

/**
 * Why the update on its own does not survive Yjs' own round trip (apply to an empty document,
 * encode its state, load that in a fresh one, encode again), or null. What needs the room's
 * document stays pending in the empty one, and pending structs and deletions are re-encoded
 * too (in Yjs' V2 format), so most of the update is exercised; `analyzeUpdate` has already
 * checked what depends on the document.
 */
export function roundTripProblem(update: Uint8Array): string | null {
	// A fixed guid: a random one costs ~30 calls to the crypto RNG per document.
	const a = new Y.Doc({ gc: false, guid: 'round-trip' });
	const b = new Y.Doc({ gc: false, guid: 'round-trip' });
	try {
		Y.applyUpdate(a, update);
		Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
		Y.encodeStateAsUpdate(b);
		return null;
	} catch (e) {
		return `Yjs cannot read back the document this update makes (${e instanceof Error ? e.message : String(e)})`;
	} finally {
		a.destroy();
		b.destroy();
	}
}

/**
 * The part of `update` the document lacks (Yjs' `diffUpdate` against its state vector: structs
 * it has are dropped, a struct it has in part is cut where its state ends; the delete set is
 * kept whole), or null when the bytes are not an update. The server validates, stores and
 * relays only this part: what it stores then never re-sends structs the document has in another
 * shape (a GC where it holds an item, other split points), which Yjs' update merge (compaction,
 * the catch-up of an unloaded document) cannot reconcile.
 */
export function newPart(doc: Y.Doc, update: Uint8Array): { ok: true; update: Uint8Array } | { ok: false; reason: string } {
	try {
		// Odd structs are refused even where the document has them (the cut would hide them).
		const { structs, ds } = Y.decodeUpdate(update);
		for (const s of structs) {
			const odd = oddStruct(s);
			if (odd) return { ok: false, reason: odd };
		}
		for (const [client, ranges] of ds.clients) {
			for (const { clock, len } of ranges) {
				if (!(len >= 1) || client > MAX_CLIENT || clock + len > MAX_CLOCK) return { ok: false, reason: `the update deletes an empty range, or clocks past what Yjs can encode, of client ${client}` };
			}
		}
		return { ok: true, update: Y.diffUpdate(update, Y.encodeStateVector(doc)) };
	} catch (e) {
		return { ok: false, reason: `not a Yjs update (${e instanceof Error ? e.message : String(e)})` };
	}
}

/** Index of the first record whose clock range ends after `clock` (records are in clock order). */
function firstEndingAfter(recs: readonly Rec[], clock: number): number {
	let lo = 0;
	let hi = recs.length;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (recs[mid]!.end <= clock) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

function nestedIn(holder: Location, type: Y.AbstractType<unknown>): Location {
	if (holder.kind === 'gc') return GC_LOC;
	const text = type.constructor === Y.Text;
	if (holder.kind === 'root') return { kind: 'nested', root: holder.root, key: holder.key, text };
	return { kind: 'nested', root: null, key: null, text };
}

/** Where an item of the document sits. */
export function docLocation(struct: Y.Item | Y.GC, rootNames: RootNames): Location {
	if (!(struct instanceof Y.Item) || !(struct.parent instanceof Y.AbstractType)) return GC_LOC;
	const parent = struct.parent as Y.AbstractType<unknown>;
	if (parent._item === null) return { kind: 'root', root: rootNames.get(parent) ?? '', key: struct.parentSub };
	return nestedIn(docLocation(parent._item, rootNames), parent);
}
