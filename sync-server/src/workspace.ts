/**
 * First start: an empty store gets the demo workspace (directory, contacts, login records).
 * Contacts are stored as if written over time: in list order for Newest reversed, the
 * conversation that tops the list last, so a document's newest stored update stands for its
 * activity as it does in a live workspace (a catch-up sends the newest first, issue 17).
 * Every document is appended under the update id `seed`, and the meta key `workspace.id` is
 * written last, so a start interrupted halfway simply seeds again: documents already stored are
 * duplicates (not stored twice) and existing login records are kept.
 */
import { buildContactDoc, buildDirectoryDoc } from '../../src/lib/doc/seed';
import { encodeState, summarize } from '../../src/lib/doc';
import { DEMO_CHANNELS, generateWorkspace } from '../../src/lib/demo/generate';
import { randomSecret } from './channels/signature';
import { contactDocId, DIR_DOC_ID, newId } from '../../src/lib/domain/ids';
import { sortContacts } from '../../src/lib/domain/list';
import type { WorkspaceId } from '../../src/lib/domain/types';
import type { AuthStore, ChannelSecrets, MetaStore, UpdateLog } from './persistence/store';
import { hashPassword } from './auth/passwords';
import { EMPTY_DIRECTORY } from './visibility';

const WORKSPACE_KEY = 'workspace.id';
const SEED_UPDATE_ID = 'seed';

export interface SeedOptions {
	contacts: number;
	seed?: number;
	messagesPerContact?: { min: number; max: number } | number;
}

/** The workspace id, seeding the store first when it holds no workspace yet. */
export async function ensureWorkspace(
	store: Pick<UpdateLog, 'appendUpdate'> & AuthStore & MetaStore & ChannelSecrets,
	seed: SeedOptions | false,
	now: number,
	log: (m: string) => void
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
	const states = new Map<string, Uint8Array>();
	const summaries = ws.contacts.map((c) => {
		const ydoc = buildContactDoc(c);
		states.set(c.id, encodeState(ydoc));
		const s = summarize(c.id, ydoc);
		ydoc.destroy();
		return s;
	});
	for (const s of sortContacts(summaries, 'newest').reverse()) {
		appends.push(store.appendUpdate(contactDocId(s.id), states.get(s.id)!, SEED_UPDATE_ID));
	}
	const hashes = await Promise.all(ws.users.map((u) => hashPassword(u.password)));
	await Promise.all(appends);
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
