// Issue 26 (SPEC S3.5, S1.9): the seed writes the bootstrap snapshot and the access index from the
// documents it builds, so a seeded store's first start decodes no document again; what it writes
// is exactly what the snapshot's build (every stored document decoded) makes of the same store.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { storageOrigin } from '../../src/lib/doc';
import { parseDocId } from '../../src/lib/domain/ids';
import { BootstrapIndex } from '../src/bootstrap';
import { SqliteStore } from '../src/persistence/sqlite';
import { readStoredDoc } from '../src/quarantine';
import { accessOfContact } from '../src/visibility';
import { ensureWorkspace } from '../src/workspace';
import { tempDir } from './helpers/server';

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
	for (const s of stores.splice(0)) await s.close();
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// Rooms as the build reads a document that is not loaded: decoded from its stored updates.
const rooms = { view: () => undefined, readStored: (docId: Parameters<typeof readStoredDoc>[0], updates: readonly Uint8Array[]) => readStoredDoc(docId, updates, storageOrigin()) };

describe('the bootstrap snapshot written by the seed', () => {
	it('equals what the build makes of the stored documents, and the access index is recorded', async () => {
		const dir = tempDir();
		dirs.push(dir);
		const store = new SqliteStore(join(dir, 'parley.db'));
		stores.push(store);
		await store.migrate();
		const file = join(dir, 'bootstrap.snapshot');
		const { workspaceId } = await ensureWorkspace(store, { contacts: 80, seed: 7, messagesPerContact: 6 }, Date.now(), () => undefined, file);

		const access = (await store.listAccess()).filter((a) => parseDocId(a.docId)?.kind === 'contact');
		expect(access).toHaveLength(80);
		const ids = access.map((a) => a.docId);

		const logs: string[] = [];
		const seeded = new BootstrapIndex({ store, rooms, contactDocIds: () => ids, workspaceId, file, log: (m) => logs.push(m) });
		await seeded.build();
		// Every entry came from the file: none was decoded again.
		expect(logs.join('\n')).toMatch(/: 80 contacts in \d+ ms \(80 from /);

		const built = new BootstrapIndex({ store, rooms, contactDocIds: () => ids });
		await built.build();
		expect(built.size).toBe(80);
		for (const id of ids) {
			const a = await seeded.entry(id);
			const b = await built.entry(id);
			expect(a).toEqual(b);
			// The access row the seed wrote is the document's, at the seq of its stored update.
			const stored = await store.loadDoc(id);
			const ydoc = readStoredDoc(id, stored!.updates, storageOrigin());
			const row = access.find((r) => r.docId === id)!;
			expect({ assigneeId: row.assigneeId, teamId: row.teamId, blocked: row.blocked, seq: row.seq }).toEqual({ ...accessOfContact(ydoc), seq: stored!.seq });
			ydoc.destroy();
		}
	});
});
