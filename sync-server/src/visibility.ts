/**
 * The server's access index: for every contact document, the facts visibility depends on
 * (assignee, team, blocked), and the current directory. It answers "may user U see document D"
 * in O(1) with the domain's `visibilityPredicate` (SPEC S1.3, S1.6, S1.9), without loading D.
 *
 * Invariant: after every stored update of a contact is applied, `onContactApplied` re-derives
 * the contact's access from its document; the change, if any, is persisted (`putAccess`) and
 * reported so open connections get GRANT/REVOKE. A crash between storing an update and
 * persisting its access is repaired on start: every contact changed since the last checkpoint
 * (meta `access.checkpoint`, the head seq at a moment when nothing was in flight) is re-derived.
 */
import { contactDoc, directoryDoc, storageOrigin, type ContactDoc, type YDoc } from '../../src/lib/doc';
import { DIR_DOC_ID, parseDocId } from '../../src/lib/domain/ids';
import type { Directory, DocId, TeamId, User, UserId, WorkspaceId } from '../../src/lib/domain/types';
import { visibilityPredicate, type VisibilityTarget } from '../../src/lib/domain/visibility';
import type { AccessIndex, ChangeFeed, DocAccess, MetaStore } from './persistence/store';
import { readStoredDoc, UnreadableDocError, type Quarantine } from './quarantine';
import type { AppliedUpdate, WriteHook } from './write-hooks';

const CHECKPOINT_KEY = 'access.checkpoint';

export interface ContactAccess extends VisibilityTarget {
	blocked: boolean;
}

export interface AccessChange {
	docId: DocId;
	before: ContactAccess | undefined;
	after: ContactAccess;
}

export const EMPTY_DIRECTORY: Directory = {
	workspaceId: '' as WorkspaceId,
	workspaceName: '',
	users: [],
	teams: [],
	channels: [],
	snippets: [],
	customFields: []
};

export function accessOfContact(ydoc: YDoc, c: ContactDoc = contactDoc(ydoc, storageOrigin())): ContactAccess {
	const a = c.assignment.get();
	return { assigneeId: a.userId, teamId: a.teamId, blocked: c.profile.get().blocked };
}

/**
 * Records the access of documents a seed stored directly (not through the write hooks), derived
 * from the documents it built, and moves the checkpoint to `head`, so the next start re-derives
 * none of them. `head` must be the store's head seq once those documents are stored.
 */
export async function recordSeededAccess(store: AccessIndex & MetaStore, records: readonly DocAccess[], head: number): Promise<void> {
	await store.putAccess(records);
	await store.setMeta(CHECKPOINT_KEY, String(head));
}

const sameAccess = (a: ContactAccess | undefined, b: ContactAccess): boolean =>
	a !== undefined && a.assigneeId === b.assigneeId && a.teamId === b.teamId && a.blocked === b.blocked;

export class Visibility implements WriteHook {
	private readonly access = new Map<DocId, ContactAccess>();
	/** The access change of the update `afterApply` saw last (`lastAccessChange`). */
	private lastChange: AccessChange | null = null;
	private dir: Directory = EMPTY_DIRECTORY;
	private usersById = new Map<UserId, User>();
	private predicates = new Map<UserId, (a: VisibilityTarget) => boolean>();

	constructor(
		private readonly store: ChangeFeed & AccessIndex & MetaStore,
		private readonly quarantine?: Quarantine
	) {}

	/** Loads the index and repairs the contacts changed since the last checkpoint. */
	async open(): Promise<void> {
		for (const a of await this.store.listAccess()) {
			this.access.set(a.docId, { assigneeId: a.assigneeId, teamId: a.teamId as TeamId | null, blocked: a.blocked });
		}
		const checkpoint = Number((await this.store.getMeta(CHECKPOINT_KEY)) ?? 0);
		const repaired: DocAccess[] = [];
		for (const { docId, seq } of await this.store.changedSince(checkpoint)) {
			if (parseDocId(docId)?.kind !== 'contact') continue;
			const stored = await this.store.loadDoc(docId);
			if (!stored) continue;
			// An unreadable document is quarantined; its last persisted access stays (start goes on).
			let ydoc: YDoc;
			try {
				ydoc = readStoredDoc(docId, stored.updates, storageOrigin(), this.quarantine ? { quarantine: this.quarantine } : {});
			} catch (err) {
				if (err instanceof UnreadableDocError) continue;
				throw err;
			}
			const a = accessOfContact(ydoc);
			ydoc.destroy();
			this.access.set(docId, a);
			repaired.push({ docId, assigneeId: a.assigneeId, teamId: a.teamId, blocked: a.blocked, seq });
		}
		await this.store.putAccess(repaired);
		await this.checkpoint();
	}

	/** Records that every stored update so far has been reflected in the index. */
	async checkpoint(): Promise<void> {
		await this.store.setMeta(CHECKPOINT_KEY, String(await this.store.headSeq()));
	}

	get directory(): Directory {
		return this.dir;
	}

	setDirectory(ydoc: YDoc): void {
		this.dir = directoryDoc(ydoc).read();
		this.usersById = new Map(this.dir.users.map((u) => [u.id, u]));
		this.predicates = new Map();
	}

	user(id: UserId): User | undefined {
		return this.usersById.get(id);
	}

	accessOf(docId: DocId): ContactAccess | undefined {
		return this.access.get(docId);
	}

	contactDocIds(): IterableIterator<DocId> {
		return this.access.keys();
	}

	/** The user's contact predicate under the current directory; null when the user has no access at all. */
	predicateForTarget(userId: UserId): ((a: VisibilityTarget) => boolean) | null {
		const user = this.usersById.get(userId);
		if (!user || !user.active) return null;
		// One predicate per user and directory version, shared by the user's connections (and by
		// every `canSee` on the write path) instead of built per call.
		let pred = this.predicates.get(userId);
		if (!pred) {
			pred = visibilityPredicate(user, this.dir);
			this.predicates.set(userId, pred);
		}
		return pred;
	}

	/** May the user see the document now (the directory: any active member). */
	canSee(userId: UserId, docId: DocId): boolean {
		const sees = this.predicateForTarget(userId);
		if (!sees) return false;
		if (docId === DIR_DOC_ID) return true;
		const a = this.access.get(docId);
		return a !== undefined && sees(a);
	}

	/** Re-derives a contact's access after an update; returns the change, if any. */
	/** Write hook: the directory, or the contact's access, follows the update (see the module comment). */
	afterApply({ docId, doc }: AppliedUpdate): void {
		this.lastChange = null;
		const kind = parseDocId(docId)?.kind;
		if (kind === 'dir') this.setDirectory(doc.ydoc);
		else if (kind === 'contact') this.lastChange = this.onContactApplied(docId, doc.ydoc, doc.seq, doc.contact);
	}

	/**
	 * The access change the update `afterApply` saw last made to `docId`, if any: read by the
	 * hub's hook, which runs after this one for the same update.
	 */
	lastAccessChange(docId: DocId): AccessChange | null {
		return this.lastChange?.docId === docId ? this.lastChange : null;
	}

	onContactApplied(docId: DocId, ydoc: YDoc, seq: number, c?: ContactDoc): AccessChange | null {
		const after = accessOfContact(ydoc, c);
		const before = this.access.get(docId);
		if (sameAccess(before, after)) return null;
		this.access.set(docId, after);
		void this.persist(docId, after, seq);
		return { docId, before, after };
	}

	private async persist(docId: DocId, a: ContactAccess, seq: number): Promise<void> {
		await this.store.putAccess([{ docId, assigneeId: a.assigneeId, teamId: a.teamId, blocked: a.blocked, seq }]);
	}
}
