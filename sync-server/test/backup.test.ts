// SPEC S9.1, S5.14: `npm run backup -- <dest>` copies a running server's data (the SQLite store
// through SQLite's online backup, then the uploaded files) while agents keep writing; a server
// started on the copy serves everything acknowledged before the backup began.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contactDoc } from '../../src/lib/doc';
import { asEntryId, contactDocId } from '../../src/lib/domain/ids';
import type { ContactId, Entry } from '../../src/lib/domain/types';
import { login, SyncClient, waitFor } from './helpers/sync-client';
import { startTestServer, tempDir } from './helpers/server';

const root = new URL('../../', import.meta.url).pathname;

const comment = (id: string, text: string): Entry => ({
	id: asEntryId(id),
	kind: 'comment',
	at: Date.now(),
	author: { type: 'user', id: 'u-ana' },
	text,
	mentions: []
});

function runBackup(dataDir: string, dest: string): Promise<{ code: number | null; out: string }> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/src/backup.ts', dest], { cwd: root, env: { ...process.env, DATA_DIR: dataDir } });
		let out = '';
		child.stdout.on('data', (d: Buffer) => (out += d.toString()));
		child.stderr.on('data', (d: Buffer) => (out += d.toString()));
		child.on('exit', (code) => resolve({ code, out }));
	});
}

describe('online backup', () => {
	const cleanups: Array<() => Promise<void> | void> = [];
	afterEach(async () => {
		for (const c of cleanups.splice(0).reverse()) await c();
	});

	it('copies a live store and its uploads; a server started on the copy has every acknowledged change', async () => {
		const live = await startTestServer();
		cleanups.push(() => live.destroy());
		const ana = await login(live.url, 'ana@demo.test');
		const auth = { authorization: `Bearer ${ana.accessToken}` };

		const created = await fetch(`${live.url}/api/contacts`, {
			method: 'POST',
			headers: { ...auth, 'content-type': 'application/json' },
			body: JSON.stringify({ firstName: 'Backed', lastName: 'Up', email: 'backed.up@example.test' })
		});
		expect(created.status).toBe(201);
		const contactId = ((await created.json()) as { id: ContactId }).id;
		const docId = contactDocId(contactId);
		const upload = await fetch(`${live.url}/api/uploads?contact=${contactId}`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain', 'x-file-name': 'notes.txt' }, body: 'kept in the backup' });
		expect(upload.status).toBe(201);
		const { storageName } = ((await upload.json()) as { attachment: { storageName: string } }).attachment;

		const client = new SyncClient({ url: live.url, token: ana.accessToken });
		cleanups.push(() => client.close());
		await client.connect();
		await waitFor(() => client.docs.has(docId), 10_000, 'the new contact reaches the client');
		const before = client.edit(docId, (d) => contactDoc(d).thread.append(comment('e-before', 'acked before the backup')))!;
		await waitFor(() => client.isAcked(before), 10_000, 'ack of the first comment');

		// Agents keep writing while the backup runs.
		let writing = true;
		let n = 0;
		const writer = (async () => {
			while (writing) {
				client.edit(docId, (d) => contactDoc(d).thread.append(comment(`e-during-${n++}`, 'written during the backup')));
				await new Promise((r) => setTimeout(r, 20));
			}
		})();
		const dest = join(tempDir('parley-backup-'), 'copy');
		const result = await runBackup(live.dataDir, dest);
		writing = false;
		await writer;
		expect(result.code, result.out).toBe(0);
		expect(result.out).toMatch(/backed up .*parley\.db: \d+ bytes, up to seq \d+, 1 uploaded files/);
		expect(existsSync(join(dest, 'uploads', storageName))).toBe(true);

		// The same destination again is refused, not overwritten.
		const again = await runBackup(live.dataDir, dest);
		expect(again.code).toBe(1);
		expect(again.out).toMatch(/never overwrites/);

		const restored = await startTestServer({ dataDir: dest, seed: false });
		cleanups.push(() => restored.destroy());
		// Restoring counts as an unclean stop: sequence numbers past the copy's head, which clients
		// may have seen on the live server, are not handed out again as if they meant the same.
		const headSeq = Number(/up to seq (\d+)/.exec(result.out)![1]);
		expect(await restored.store.seqMayBeLost(headSeq + 1)).toBe(true);
		const ana2 = await login(restored.url, 'ana@demo.test');
		const file = await fetch(`${restored.url}/api/uploads/${storageName}`, { headers: { authorization: `Bearer ${ana2.accessToken}` } });
		expect(file.status).toBe(200);
		expect(await file.text()).toBe('kept in the backup');
		const reader = new SyncClient({ url: restored.url, token: ana2.accessToken });
		cleanups.push(() => reader.close());
		await reader.connect();
		const entries = contactDoc(reader.doc(docId)).thread.entries();
		expect(contactDoc(reader.doc(docId)).profile.get()).toMatchObject({ firstName: 'Backed', email: 'backed.up@example.test' });
		expect(entries.map((e) => e.id)).toContain('e-before');
	});

	it('marks a backup of a cleanly stopped store as unclean, so its restore never reuses seen sequence numbers', async () => {
		const live = await startTestServer({ seed: { contacts: 3 } });
		cleanups.push(() => live.destroy());
		await live.close();
		const dest = join(tempDir('parley-backup-'), 'copy');
		const result = await runBackup(live.dataDir, dest);
		expect(result.code, result.out).toBe(0);
		const headSeq = Number(/up to seq (\d+)/.exec(result.out)![1]);
		const restored = await startTestServer({ dataDir: dest, seed: false });
		cleanups.push(() => restored.destroy());
		expect(await restored.store.seqMayBeLost(headSeq + 1)).toBe(true);
	});
});
