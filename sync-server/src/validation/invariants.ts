/**
 * The validator's promise, checked the slow way: compare a contact document before and after
 * an accepted update applied in full (O(document)). Used by the fuzz and table tests as an
 * oracle that does not share the validator's reasoning about structs; cheap enough to run
 * in a debugging build of the server, far too slow for every update in production.
 *
 * After an accepted update by user U:
 * - Yjs applied it completely (nothing pending) and created no root type beyond the schema's;
 * - every thread entry and delivery status is still there, unchanged;
 * - new thread entries are well-formed, authored by U, and not incoming messages;
 * - new delivery statuses are `queued`; other users' read marks are unchanged;
 * - every draft is still a `Y.Text` (the same one), and the typed wrapper reads everything.
 */
import * as Y from 'yjs';
import { contactDoc } from '../../../src/lib/doc/contact';
import { CONTACT_ROOTS, CONTACT_ROOT_NAMES } from '../../../src/lib/doc/schema';
import { isEntry } from '../../../src/lib/doc/values';
import type { UserId } from '../../../src/lib/domain/types';

const json = (v: unknown): string => JSON.stringify(v);

/** Every broken promise, as sentences (empty: none). */
export function contactInvariantViolations(before: Y.Doc, after: Y.Doc, userId: UserId): string[] {
	const out: string[] = [];
	if (after.store.pendingStructs !== null || after.store.pendingDs !== null) out.push('parts of the update are pending');
	for (const name of after.share.keys()) if (!CONTACT_ROOT_NAMES.has(name)) out.push(`root type "${name}" appeared`);

	const map = (d: Y.Doc, root: string): Y.Map<unknown> => d.getMap(root);
	const threadBefore = map(before, CONTACT_ROOTS.thread);
	const threadAfter = map(after, CONTACT_ROOTS.thread);
	threadBefore.forEach((v, k) => {
		if (!threadAfter.has(k)) out.push(`thread entry ${k} vanished`);
		else if (json(threadAfter.get(k)) !== json(v)) out.push(`thread entry ${k} changed`);
	});
	threadAfter.forEach((v, k) => {
		if (threadBefore.has(k)) return;
		if (!isEntry(v)) return void out.push(`new thread entry ${k} is malformed`);
		if (v.id !== k) out.push(`new thread entry ${k} has id ${v.id}`);
		if (v.author.type !== 'user' || v.author.id !== userId) out.push(`new thread entry ${k} is authored by ${v.author.type} ${v.author.id}`);
		if (v.kind === 'message' && v.direction !== 'out') out.push(`new thread entry ${k} is an incoming message`);
	});

	const deliveryBefore = map(before, CONTACT_ROOTS.delivery);
	const deliveryAfter = map(after, CONTACT_ROOTS.delivery);
	deliveryBefore.forEach((v, k) => {
		if (json(deliveryAfter.get(k)) !== json(v)) out.push(`delivery of ${k} changed`);
	});
	deliveryAfter.forEach((v, k) => {
		if (!deliveryBefore.has(k) && (v as { status?: unknown } | null)?.status !== 'queued') out.push(`delivery of ${k} written as ${json(v)}`);
	});

	const readsBefore = map(before, CONTACT_ROOTS.reads);
	const readsAfter = map(after, CONTACT_ROOTS.reads);
	const readers = new Set([...readsBefore.keys(), ...readsAfter.keys()]);
	for (const k of readers) {
		if (k !== userId && json(readsBefore.get(k)) !== json(readsAfter.get(k))) out.push(`read mark of ${k} changed`);
	}

	const draftsBefore = map(before, CONTACT_ROOTS.drafts);
	const draftsAfter = map(after, CONTACT_ROOTS.drafts);
	draftsBefore.forEach((v, k) => {
		const now = draftsAfter.get(k);
		if (!(v instanceof Y.Text)) return;
		if (!(now instanceof Y.Text) || now._item?.id.client !== v._item?.id.client || now._item?.id.clock !== v._item?.id.clock) out.push(`draft ${k} was removed or replaced`);
	});
	draftsAfter.forEach((v, k) => {
		if (!(v instanceof Y.Text)) out.push(`draft ${k} is not a Y.Text`);
	});

	try {
		const c = contactDoc(after);
		c.profile.get();
		c.assignment.get();
		c.state.get();
		c.thread.ordered();
		c.delivery.all();
		c.reads.all();
		for (const k of c.drafts.keys()) c.drafts.read(k);
	} catch (e) {
		out.push(`the typed wrapper cannot read the document: ${e instanceof Error ? e.message : String(e)}`);
	}
	return out;
}
