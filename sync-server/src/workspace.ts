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
 * index rows with their checkpoint, the channel watch's keys, documents to report and checkpoint
 * (`watchOfContact`, `recordSeededWatch`), the snooze index and its checkpoint (`snoozeOf`,
 * `recordSeededSnoozes`), and, given a file, the bootstrap snapshot (`bootstrapPayloads`,
 * written by `writeSnapshotFile`: the one home of its layout). Each is computed per document by
 * the module that owns it. The contacts come one at a time from the generator and their states
 * wait in a temporary spill file, so memory holds no contact's messages beyond the one built.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildContactDoc, buildDirectoryDoc } from '../../src/lib/doc/seed';
import { contactDoc, encodeState, storageOrigin, summarize } from '../../src/lib/doc';
import { DEMO_CHANNELS, demoTeam, generateContacts } from '../../src/lib/demo/generate';
import { randomSecret } from './channels/signature';
import { recordSeededWatch, watchOfContact } from './channels/watch';
import { recordSeededSnoozes, snoozeOf } from './scheduler/snooze';
import { contactDocId, DIR_DOC_ID, newId } from '../../src/lib/domain/ids';
import { sortContacts } from '../../src/lib/domain/list';
import type { ContactId, DocId, WorkspaceId } from '../../src/lib/domain/types';
import type { AuthStore, ChannelRecords, ChannelSecrets, ContactKey, MetaStore, UpdateLog } from './persistence/store';
import { hashPassword } from './auth/passwords';
import { bootstrapPayloads, writeSnapshotFile, type BootstrapEntry } from './bootstrap';
import { accessOfContact, EMPTY_DIRECTORY, recordSeededAccess, type ContactAccess } from './visibility';
import type { AccessIndex, ChangeFeed, DocAccess } from './persistence/store';

const WORKSPACE_KEY = 'workspace.id';
const SEED_UPDATE_ID = 'seed';
/** Contacts whose states are written to the spill file together, and stored together. */
const BATCH = 1000;

export interface SeedOptions {
	contacts: number;
	seed?: number;
	messagesPerContact?: { min: number; max: number } | number;
}

/** The workspace id, seeding the store first when it holds no workspace yet. */
export async function ensureWorkspace(
	store: Pick<UpdateLog, 'appendUpdate'> & Pick<ChangeFeed, 'headSeq'> & AccessIndex & AuthStore & MetaStore & ChannelSecrets & Pick<ChannelRecords, 'setContactKeys'>,
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
	const team = demoTeam();
	const hashes = Promise.all(team.users.map((u) => hashPassword(u.password)));
	const dir = buildDirectoryDoc(team.directory);
	await store.appendUpdate(DIR_DOC_ID, encodeState(dir), SEED_UPDATE_ID);
	dir.destroy();
	// What the seed keeps per contact while it builds the others: small, beside the snapshot's
	// payloads (which the server holds whole anyway); each document's state waits in a spill file
	// for its turn in list order.
	interface Built {
		id: ContactId;
		docId: DocId;
		lastMessageAt: number | null;
		statusSince: number | null;
		offset: number;
		length: number;
		access: ContactAccess;
		payloads: { summary: Uint8Array; text: Uint8Array } | null;
		keys: ContactKey[];
		report: boolean;
		snooze: number | null;
	}
	const built: Built[] = [];
	const spillDir = mkdtempSync(join(tmpdir(), 'parley-seed-'));
	const fd = openSync(join(spillDir, 'states'), 'w+');
	const access: DocAccess[] = [];
	const entries: Array<readonly [DocId, BootstrapEntry]> = [];
	const snoozed: Array<[DocId, number]> = [];
	const rescan: DocId[] = [];
	const keys: Array<readonly [ContactId, readonly ContactKey[]]> = [];
	let tBuilt: number;
	try {
		let written = 0;
		let pending: Uint8Array[] = [];
		let pendingBytes = 0;
		const flush = () => {
			if (pendingBytes > 0) writeSync(fd, Buffer.concat(pending, pendingBytes), 0, pendingBytes, written);
			written += pendingBytes;
			pending = [];
			pendingBytes = 0;
		};
		// One contact at a time from the generator (500,000 contacts are 10M messages).
		for (const c of generateContacts({
			seed: seed.seed ?? 1,
			contacts: seed.contacts,
			now,
			...(seed.messagesPerContact !== undefined ? { messagesPerContact: seed.messagesPerContact } : {})
		})) {
			const ydoc = buildContactDoc(c);
			const docId = contactDocId(c.id);
			const state = encodeState(ydoc);
			const s = summarize(c.id, ydoc);
			const watched = watchOfContact(ydoc);
			built.push({
				id: c.id,
				docId,
				lastMessageAt: s.lastMessageAt,
				statusSince: s.statusSince,
				offset: written + pendingBytes,
				length: state.length,
				access: accessOfContact(ydoc),
				payloads: snapshotFile ? bootstrapPayloads(docId, ydoc) : null,
				keys: watched.keys,
				report: watched.undispatched.length > 0,
				snooze: snoozeOf(contactDoc(ydoc, storageOrigin()).state.get())
			});
			ydoc.destroy();
			pending.push(state);
			pendingBytes += state.length;
			if (pending.length >= BATCH) flush();
			if (built.length % 50_000 === 0) log(`seed: ${built.length} contacts built (${Math.round(performance.now() - t0)} ms)`);
		}
		flush();
		tBuilt = performance.now();
		// Stored in list order for Newest reversed, a batch at a time.
		const order = sortContacts(built, 'newest').reverse();
		for (let i = 0; i < order.length; i += BATCH) {
			const batch = order.slice(i, i + BATCH);
			const stored = await Promise.all(
				batch.map((b) => {
					const state = new Uint8Array(b.length);
					readSync(fd, state, 0, b.length, b.offset);
					return store.appendUpdate(b.docId, state, SEED_UPDATE_ID);
				})
			);
			batch.forEach((b, j) => {
				const seq = stored[j]!.seq;
				access.push({ docId: b.docId, ...b.access, seq });
				if (b.payloads) entries.push([b.docId, { seq, ...b.payloads }]);
				if (b.snooze !== null) snoozed.push([b.docId, b.snooze]);
				if (b.report) rescan.push(b.docId);
				// In the order stored: a key two contacts share is the last one's, as after the scan.
				keys.push([b.id, b.keys]);
			});
		}
	} finally {
		closeSync(fd);
		rmSync(spillDir, { recursive: true, force: true });
	}
	const tStored = performance.now();
	const head = await store.headSeq();
	await recordSeededAccess(store, access, head);
	await recordSeededWatch(store, keys, rescan, head);
	await recordSeededSnoozes(store, snoozed, head);
	if (snapshotFile) await writeSnapshotFile(snapshotFile, team.directory.workspaceId, head, entries);
	const passwords = await hashes;
	for (const [i, { user }] of team.users.entries()) {
		if (await store.getUserById(user.id)) continue;
		await store.createUser({ id: user.id, email: user.email, passwordHash: passwords[i]!, tokenVersion: 0 });
	}
	// The demo's webhook channel signs with a secret of its own (its receiver is built in:
	// channels/outbound-http.ts), so its queued replies are sent on a fresh start.
	if (!(await store.getChannelSecret(DEMO_CHANNELS.webhook))) await store.setChannelSecret(DEMO_CHANNELS.webhook, randomSecret());
	await store.setMeta(WORKSPACE_KEY, team.directory.workspaceId);
	const ms = (t: number) => Math.round(t - t0);
	log(`seeded the demo workspace: ${built.length} contacts, ${team.users.length} users in ${ms(performance.now())} ms (built ${ms(tBuilt)}, stored ${ms(tStored)})`);
	return { workspaceId: team.directory.workspaceId, seeded: true };
}
