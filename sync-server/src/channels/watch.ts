/**
 * Finds the outgoing messages the channels must dispatch, whatever path wrote them (`/sync`,
 * `/yjs`, an offline queue flushed on reconnect, the server itself), and keeps the contact
 * lookup index (phone, email) in step with the profiles.
 *
 * Two sources, one invariant: every outgoing message without a delivery status (or still
 * `queued`) is reported to `onOutgoing` at least once after it is stored.
 * - Live: `onApplied` runs on the write path after each stored update. The first time a room's
 *   document is seen, its thread is scanned and an observer is attached; later updates are
 *   reported by the observer as entries are added.
 * - Restart: `scanStored` reads every contact document changed since the checkpoint (meta
 *   `channels.checkpoint`). The checkpoint only moves to the head seq when nothing is in flight
 *   on the write path and every index write the watcher started has finished, so a crash at
 *   any point leaves the affected documents after the checkpoint, and they are scanned again.
 * - Seeded: the seed (`workspace.ts`) computes what the restart path would take from each
 *   document it builds (`watchOfContact`) and records it with `recordSeededWatch`: the lookup
 *   keys, the documents holding messages to report (meta `channels.rescan`, read by the next
 *   `scanStored` with the documents changed since the checkpoint, then cleared) and the
 *   checkpoint at the seed's head, so a seeded store's first start decodes only those documents
 *   (issue 26: a pass over every contact, minutes at 100,000).
 * Reporting twice is harmless: the outbox insert is keyed by (document, entry id) and delivery
 * statuses only move forward.
 */
import { contactDoc, storageOrigin, type YDoc } from '../../../src/lib/doc';
import { normalizeEmail, normalizePhone } from '../../../src/lib/domain/contact-input';
import { parseDocId } from '../../../src/lib/domain/ids';
import type { ContactId, DeliveryStatus, DocId, MessageEntry, Profile } from '../../../src/lib/domain/types';
import type { ChangeFeed, ChannelRecords, ContactKey, MetaStore } from '../persistence/store';
import type { Rooms } from '../rooms';
import type { DocView } from '../write-hooks';

const CHECKPOINT_KEY = 'channels.checkpoint';
const RESCAN_KEY = 'channels.rescan';
export const PROFILE_KEY_KINDS = ['phone', 'email'] as const;

export type OutgoingHandler = (docId: DocId, contactId: ContactId, entry: MessageEntry, profile: Profile) => void;

export interface WatchDeps {
	store: ChangeFeed & MetaStore & Pick<ChannelRecords, 'setContactKeys'>;
	rooms: Rooms;
	log: (message: string) => void;
	onOutgoing: OutgoingHandler;
}

/** The phone and email keys of a profile, normalized the way lookups normalize them. */
export function profileKeys(p: Pick<Profile, 'phone' | 'email'>): ContactKey[] {
	const keys: ContactKey[] = [];
	const phone = p.phone ? normalizePhone(p.phone) : null;
	const email = p.email ? normalizeEmail(p.email) : null;
	if (phone) keys.push({ kind: 'phone', value: phone });
	if (email) keys.push({ kind: 'email', value: email });
	return keys;
}

/**
 * An outgoing message no channel has taken yet: no delivery status, or `queued` (which a client
 * may write with its own message, and the outbox writes before its first attempt: re-reporting
 * those is harmless, see the module comment).
 */
const undispatched = (e: unknown, status: (id: string) => DeliveryStatus | undefined): e is MessageEntry => {
	if (typeof e !== 'object' || e === null) return false;
	const m = e as MessageEntry;
	if (m.kind !== 'message' || m.direction !== 'out') return false;
	const s = status(m.id);
	return s === undefined || s === 'queued';
};

/** What the watch takes from one stored contact document: its lookup keys and the messages to report. */
export function watchOfContact(ydoc: YDoc): { profile: Profile; keys: ContactKey[]; undispatched: MessageEntry[] } {
	const c = contactDoc(ydoc, storageOrigin());
	const deliveries = c.delivery.all();
	const profile = c.profile.get();
	const undispatchedEntries: MessageEntry[] = [];
	for (const e of c.thread.entries()) if (undispatched(e, (id) => deliveries[id]?.status)) undispatchedEntries.push(e);
	return { profile, keys: profileKeys(profile), undispatched: undispatchedEntries };
}

/**
 * The seed's record of what `scanStored` would find in the documents it stored up to `head`
 * (`watchOfContact` of each): their keys, the documents with messages to report (scanned at the
 * next start), and the checkpoint.
 */
export async function recordSeededWatch(
	store: MetaStore & Pick<ChannelRecords, 'setContactKeys'>,
	keys: Iterable<readonly [ContactId, readonly ContactKey[]]>,
	rescan: readonly DocId[],
	head: number
): Promise<void> {
	for (const [contactId, k] of keys) if (k.length > 0) await store.setContactKeys(contactId, PROFILE_KEY_KINDS, k);
	await store.setMeta(RESCAN_KEY, JSON.stringify(rescan));
	await store.setMeta(CHECKPOINT_KEY, String(head));
}

export class ThreadWatch {
	private readonly watched = new WeakSet<YDoc>();
	/** Last indexed keys per contact ("phone|email"), to write only on change. */
	private readonly indexed = new Map<ContactId, string>();
	private work = 0;
	private closed = false;

	constructor(private readonly deps: WatchDeps) {}

	/** Index writes still running (the checkpoint waits for 0). */
	get pendingWork(): number {
		return this.work;
	}

	/** Write-path hook: called after every stored update of a contact document. */
	onApplied(doc: DocView): void {
		if (this.closed) return;
		const parsed = parseDocId(doc.docId);
		if (parsed?.kind !== 'contact') return;
		const c = doc.contact;
		const profile = c.profile.get();
		this.index(parsed.contactId, profile);
		if (this.watched.has(doc.ydoc)) return;
		this.watched.add(doc.ydoc);
		this.scanDoc(doc.docId, parsed.contactId, doc.ydoc);
		c.thread.observe((added) => {
			const found: MessageEntry[] = [];
			for (const id of added) {
				const e = c.thread.get(id);
				if (undispatched(e, (x) => c.delivery.get(x as MessageEntry['id'])?.status)) found.push(e);
			}
			if (found.length === 0) return;
			// Observers run inside the writer's transaction: report once it is over.
			queueMicrotask(() => {
				if (this.closed) return;
				const p = c.profile.get();
				for (const e of found) this.report(doc.docId, parsed.contactId, e, p);
			});
		});
	}

	/** Restart path: every contact document stored since the checkpoint (and those the seed left to report). */
	async scanStored(): Promise<number> {
		const checkpoint = Number((await this.deps.store.getMeta(CHECKPOINT_KEY)) ?? 0);
		const rescan = JSON.parse((await this.deps.store.getMeta(RESCAN_KEY)) ?? '[]') as DocId[];
		const ids = new Set<DocId>(rescan);
		for (const { docId } of await this.deps.store.changedSince(checkpoint)) ids.add(docId);
		let n = 0;
		for (const docId of ids) {
			const parsed = parseDocId(docId);
			if (parsed?.kind !== 'contact') continue;
			const live = this.deps.rooms.view(docId);
			if (live) {
				this.onApplied(live);
				continue;
			}
			const stored = await this.deps.store.loadDoc(docId);
			if (!stored) continue;
			const ydoc = this.deps.rooms.readStored(docId, stored.updates);
			if (!ydoc) continue;
			n += this.scanDoc(docId, parsed.contactId, ydoc);
			ydoc.destroy();
		}
		await this.settle();
		// Reported (the outbox rows and statuses written): the seed's list is done with.
		if (rescan.length > 0) await this.deps.store.setMeta(RESCAN_KEY, '[]');
		return n;
	}

	/** Moves the checkpoint to the head when nothing is in flight (see the module comment). */
	async checkpoint(): Promise<boolean> {
		if (this.work > 0 || this.deps.rooms.inflightCount > 0) return false;
		const head = await this.deps.store.headSeq();
		if (this.work > 0 || this.deps.rooms.inflightCount > 0) return false;
		await this.deps.store.setMeta(CHECKPOINT_KEY, String(head));
		return true;
	}

	close(): void {
		this.closed = true;
	}

	private scanDoc(docId: DocId, contactId: ContactId, ydoc: YDoc): number {
		const { profile, undispatched: found } = watchOfContact(ydoc);
		this.index(contactId, profile);
		for (const e of found) this.report(docId, contactId, e, profile);
		return found.length;
	}

	private report(docId: DocId, contactId: ContactId, e: MessageEntry, profile: Profile): void {
		try {
			this.deps.onOutgoing(docId, contactId, e, profile);
		} catch (err) {
			this.deps.log(`channels: outgoing ${e.id} of ${docId}: ${String(err)}`);
		}
	}

	private index(contactId: ContactId, profile: Profile): void {
		const keys = profileKeys(profile);
		const sig = keys.map((k) => `${k.kind}:${k.value}`).join('|');
		if (this.indexed.get(contactId) === sig) return;
		this.indexed.set(contactId, sig);
		this.track(this.deps.store.setContactKeys(contactId, PROFILE_KEY_KINDS, keys));
	}

	/** Counts an asynchronous write until it settles (the checkpoint waits for them). */
	track(p: Promise<unknown>): void {
		this.work++;
		p.catch((err: unknown) => this.deps.log(`channels: ${String(err)}`)).finally(() => this.work--);
	}

	private async settle(): Promise<void> {
		while (this.work > 0) await new Promise((r) => setTimeout(r, 2));
	}
}
