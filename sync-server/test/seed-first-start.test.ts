// Issue 26 (SPEC S7.4, S7.5, S5.1): the seed records what the channel watch and the snooze
// scheduler take from each document it builds, so a seeded store's first start decodes no
// document for them beyond the few holding messages to report (at 500,000 contacts each full
// pass took most of an hour). What they start from equals what their scans of the same stored
// documents make: the same snoozed contacts at the same times (and a due one is woken), the same
// lookup keys, the same outgoing messages reported. Real servers on port 0, SQLite data folders.
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { contactDoc, docFromUpdates, storageOrigin } from '../../src/lib/doc';
import { parseDocId } from '../../src/lib/domain/ids';
import type { ContactId, DocId } from '../../src/lib/domain/types';
import { waitFor } from '../../src/lib/test-utils/wait';
import { watchOfContact } from '../src/channels/watch';
import { SqliteStore } from '../src/persistence/sqlite';
import { readStoredDoc } from '../src/quarantine';
import { startServer, type RunningServer } from '../src/server';
import { ensureWorkspace } from '../src/workspace';
import { tempDir } from './helpers/server';

const NOW = Date.UTC(2026, 5, 1);
const CONTACTS = 120;

const dirs: string[] = [];
const servers: RunningServer[] = [];
afterEach(async () => {
	vi.restoreAllMocks();
	for (const s of servers.splice(0)) await s.close();
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A data folder seeded as the first start of `npm start` or the bench's fixture seeds it. */
async function seeded(): Promise<string> {
	const dir = tempDir();
	dirs.push(dir);
	const store = new SqliteStore(join(dir, 'parley.db'));
	await store.migrate();
	await ensureWorkspace(store, { contacts: CONTACTS, seed: 5, messagesPerContact: 6 }, NOW, () => undefined, join(dir, 'bootstrap.snapshot'));
	await store.close();
	return dir;
}

/** The same folder as the scans see it: no seeded record, every document read at start. */
async function unrecorded(from: string): Promise<string> {
	const dir = tempDir();
	dirs.push(dir);
	cpSync(from, dir, { recursive: true });
	const store = new SqliteStore(join(dir, 'parley.db'));
	for (const [key, value] of [
		['channels.checkpoint', '0'],
		['channels.rescan', '[]'],
		['snooze.checkpoint', '0'],
		['snooze.index', '']
	] as const)
		await store.setMeta(key, value);
	await store.close();
	return dir;
}

async function start(dataDir: string, clock: () => number, logs: string[] = []): Promise<RunningServer> {
	const s = await startServer({ host: '127.0.0.1', port: 0, dataDir, seed: false, clock, log: (m) => logs.push(m), maintenanceEveryMs: 0, channels: { checkpointEveryMs: 0 } });
	servers.push(s);
	return s;
}

/** What the watch reads of every stored contact document (its messages to report), before any start. */
async function storedWatch(dataDir: string): Promise<Map<DocId, { contactId: ContactId; undispatched: string[] }>> {
	const store = new SqliteStore(join(dataDir, 'parley.db'));
	const out = new Map<DocId, { contactId: ContactId; undispatched: string[] }>();
	for (const { docId } of await store.listAccess()) {
		const parsed = parseDocId(docId);
		if (parsed?.kind !== 'contact') continue;
		const stored = await store.loadDoc(docId);
		const ydoc = readStoredDoc(docId, stored!.updates, storageOrigin());
		out.set(docId, { contactId: parsed.contactId, undispatched: watchOfContact(ydoc).undispatched.map((e) => e.id) });
		ydoc.destroy();
	}
	await store.close();
	return out;
}

describe('a seeded workspace first start', () => {
	it('decodes no document for the channel watch and the snooze scheduler, and starts from what their scans would find', async () => {
		const dirA = await seeded();
		const dirB = await unrecorded(dirA);
		const watch = await storedWatch(dirA);
		expect(watch.size).toBe(CONTACTS);
		const toReport = [...watch].filter(([, w]) => w.undispatched.length > 0).map(([id]) => id);
		const loads = vi.spyOn(SqliteStore.prototype, 'loadDoc');

		// The scans' first start (nothing recorded): every contact document is read.
		const logsB: string[] = [];
		const b = await start(dirB, () => NOW, logsB);
		const scanned = new Set(loads.mock.calls.map(([id]) => id).filter((id) => parseDocId(id)?.kind === 'contact'));
		expect(scanned.size).toBe(CONTACTS);
		loads.mockClear();

		// The seeded first start reads only the documents with messages to report.
		const logsA: string[] = [];
		let nowA = NOW;
		const a = await start(dirA, () => nowA, logsA);
		const read = new Set(loads.mock.calls.map(([id]) => id).filter((id) => parseDocId(id)?.kind === 'contact'));
		loads.mockRestore();
		expect(toReport.length).toBeGreaterThan(0);
		expect(toReport.length).toBeLessThan(CONTACTS / 4);
		expect([...read].every((id) => toReport.includes(id as DocId))).toBe(true);

		// The same outgoing messages reported: one outbox row per message of a webhook/email channel.
		const found = (logs: string[]) => logs.find((l) => /outgoing message\(s\) without a status found on start/.test(l));
		expect(found(logsA)).toBeDefined();
		expect(found(logsA)).toBe(found(logsB));
		for (const docId of toReport) {
			for (const entryId of watch.get(docId)!.undispatched) expect(!!(await a.store.getOutbox(docId, entryId))).toBe(!!(await b.store.getOutbox(docId, entryId)));
		}

		// The same lookup keys for every contact.
		for (const { contactId } of watch.values()) expect(await a.store.contactKeys(contactId)).toEqual(await b.store.contactKeys(contactId));

		// The same snoozed contacts at the same times.
		const snoozed = new Map(a.snooze.scheduled());
		expect(snoozed.size).toBeGreaterThan(0);
		expect(snoozed).toEqual(new Map(b.snooze.scheduled()));

		// And a seeded snoozed contact wakes when its time comes.
		const [first, at] = [...snoozed].sort((x, y) => x[1] - y[1])[0]!;
		nowA = at + 1;
		a.snooze.rearm();
		await waitFor(async () => {
			const { update } = await a.rooms.snapshot(first);
			const ydoc = docFromUpdates([update], storageOrigin());
			const status = contactDoc(ydoc, storageOrigin()).state.get().status;
			ydoc.destroy();
			return status !== 'snoozed';
		});
		expect(a.snooze.scheduled().has(first)).toBe(false);
	});
});
