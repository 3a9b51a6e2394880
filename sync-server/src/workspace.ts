/**
 * First start: an empty store gets the demo workspace (directory, contacts, login records).
 * Contacts are stored as if written over time: in list order for Newest reversed, the
 * conversation that tops the list last, so a document's newest stored update stands for its
 * activity as it does in a live workspace (a catch-up sends the newest first, issue 17).
 * Every document is appended under the update id `seed`, and the meta key `workspace.id` is
 * written last, so a start interrupted halfway simply seeds again: documents already stored are
 * duplicates (not stored twice) and existing login records are kept.
 *
 * The seed also derives, from each contact document it just built, what a first start would
 * otherwise decode every document again for (issue 26: an hour at 500,000 contacts): the access
 * index rows with their checkpoint, and, given a file, the bootstrap snapshot
 * (`bootstrapPayloads`, written by `writeSnapshotFile`: the one home of its layout).
 */
import { buildContactDoc, buildDirectoryDoc } from '../../src/lib/doc/seed';
import { encodeState, summarize } from '../../src/lib/doc';
import { DEMO_CHANNELS, generateWorkspace } from '../../src/lib/demo/generate';
import { randomSecret } from './channels/signature';
import { contactDocId, DIR_DOC_ID, newId } from '../../src/lib/domain/ids';
import { sortContacts } from '../../src/lib/domain/list';
import type { DocId, WorkspaceId } from '../../src/lib/domain/types';
import type { AuthStore, ChannelSecrets, MetaStore, UpdateLog } from './persistence/store';
import { hashPassword } from './auth/passwords';
import { bootstrapPayloads, writeSnapshotFile, type BootstrapEntry } from './bootstrap';
import { accessOfContact, EMPTY_DIRECTORY, recordSeededAccess, type ContactAccess } from './visibility';
import type { AccessIndex, ChangeFeed, DocAccess } from './persistence/store';

const WORKSPACE_KEY = 'workspace.id';
const SEED_UPDATE_ID = 'seed';

export interface SeedOptions {
	contacts: number;
	seed?: number;
	messagesPerContact?: { min: number; max: number } | number;
}

/** The workspace id, seeding the store first when it holds no workspace yet. */
export async function ensureWorkspace(
	store: Pick<UpdateLog, 'appendUpdate'> & Pick<ChangeFeed, 'headSeq'> & AccessIndex & AuthStore & MetaStore & ChannelSecrets,
	seed: SeedOptions | false,
	now: number,
	log: (m: string) => void,
	/** Where the bootstrap snapshot of the seeded documents is written (SQLite data folder). */
	snapshotFile?: string
): Promise<{ workspaceId: WorkspaceId; seeded: boolean }> {
	const existing = await store.getMeta(WORKSPACE_KEY);
	if (existing) return { workspaceId: existing as WorkspaceId, seeded: false };
	if (seed === false) {
		const workspaceId = newId() as WorkspaceId;
		const dir = buildDirectoryDoc({ ...EMPTY_DIRECTORY, workspaceId, workspaceName: 'Parley' });
		await store.appendUpdate(DIR_DOC_ID, encodeState(dir), SEED_UPDATE_ID);
		dir.destroy();
		await store.setMeta(WORKSPACE_KEY, workspaceId);
		return { workspaceId, seeded: false };
	}
	const t0 = performance.now();
	const ws = generateWorkspace({
		seed: seed.seed ?? 1,
		contacts: seed.contacts,
		now,
		...(seed.messagesPerContact !== undefined ? { messagesPerContact: seed.messagesPerContact } : {})
	});
	const appends: Array<Promise<unknown>> = [];
	const dir = buildDirectoryDoc(ws.directory);
	appends.push(store.appendUpdate(DIR_DOC_ID, encodeState(dir), SEED_UPDATE_ID));
	dir.destroy();
	interface Built {
		docId: DocId;
		state: Uint8Array;
		access: ContactAccess;
		payloads: { summary: Uint8Array; text: Uint8Array } | null;
	}
	const built = new Map<string, Built>();
	const summaries = ws.contacts.map((c) => {
		const ydoc = buildContactDoc(c);
		const docId = contactDocId(c.id);
		built.set(c.id, { docId, state: encodeState(ydoc), access: accessOfContact(ydoc), payloads: snapshotFile ? bootstrapPayloads(docId, ydoc) : null });
		const s = summarize(c.id, ydoc);
		ydoc.destroy();
		return s;
	});
	const access: DocAccess[] = [];
	const entries: Array<readonly [DocId, BootstrapEntry]> = [];
	for (const s of sortContacts(summaries, 'newest').reverse()) {
		const b = built.get(s.id)!;
		appends.push(
			store.appendUpdate(b.docId, b.state, SEED_UPDATE_ID).then(({ seq }) => {
				access.push({ docId: b.docId, ...b.access, seq });
				if (b.payloads) entries.push([b.docId, { seq, ...b.payloads }]);
			})
		);
	}
	built.clear();
	const hashes = await Promise.all(ws.users.map((u) => hashPassword(u.password)));
	await Promise.all(appends);
	const head = await store.headSeq();
	await recordSeededAccess(store, access, head);
	if (snapshotFile) await writeSnapshotFile(snapshotFile, ws.directory.workspaceId, head, entries);
	for (const [i, { user }] of ws.users.entries()) {
		if (await store.getUserById(user.id)) continue;
		await store.createUser({ id: user.id, email: user.email, passwordHash: hashes[i]!, tokenVersion: 0 });
	}
	// The demo's webhook channel signs with a secret of its own (its receiver is built in:
	// channels/outbound-http.ts), so its queued replies are sent on a fresh start.
	if (!(await store.getChannelSecret(DEMO_CHANNELS.webhook))) await store.setChannelSecret(DEMO_CHANNELS.webhook, randomSecret());
	await store.setMeta(WORKSPACE_KEY, ws.directory.workspaceId);
	log(`seeded the demo workspace: ${ws.contacts.length} contacts, ${ws.users.length} users in ${Math.round(performance.now() - t0)} ms`);
	return { workspaceId: ws.directory.workspaceId, seeded: true };
}
