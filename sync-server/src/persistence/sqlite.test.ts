import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { channelsStoreContract } from '../channels/store-contract';
import { workflowStoreContract } from './workflow-store-contract';
import { storeContract, type StoreFactory } from './contract';
import { afterEach, describe, expect, it } from 'vitest';
import type { DocId } from '../../../src/lib/domain/types';
import { SEQ_GAP, SqliteStore } from './sqlite';

const sqliteFactory: StoreFactory = async () => {
	const dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-'));
	return {
		async open() {
			const store = new SqliteStore(join(dir, 'parley.db'));
			await store.migrate();
			return store;
		},
		async destroy() {
			rmSync(dir, { recursive: true, force: true });
		}
	};
};

storeContract('sqlite', sqliteFactory);
channelsStoreContract('sqlite', sqliteFactory);
workflowStoreContract('sqlite', sqliteFactory);

// SPEC S1.3 (nothing acknowledged is lost; a client is never caught up from a number that
// means nothing): the durability split and the unclean-stop gap of `sqlite.ts`.
describe('SqliteStore: unclean stops', () => {
	const dirs: string[] = [];
	const stores: SqliteStore[] = [];
	afterEach(async () => {
		for (const s of stores.splice(0)) await s.close();
		for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
	});
	async function open(file: string): Promise<SqliteStore> {
		const store = new SqliteStore(file);
		await store.migrate();
		stores.push(store);
		return store;
	}
	const doc = 'c/a' as DocId;
	const file = () => {
		const dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-'));
		dirs.push(dir);
		return join(dir, 'parley.db');
	};

	it('keeps the sequence across a clean close: no number is skipped or lost', async () => {
		const f = file();
		const a = await open(f);
		for (let i = 0; i < 3; i++) await a.appendUpdate(doc, new Uint8Array([i]), undefined, { replicated: true });
		await a.close();
		const b = await open(f);
		expect(await b.headSeq()).toBe(3);
		expect(await b.seqMayBeLost(3)).toBe(false);
		expect(await b.seqMayBeLost(4)).toBe(false);
		expect((await b.appendUpdate(doc, new Uint8Array([9]))).seq).toBe(4);
	});

	it('after an unclean stop, skips a range of numbers, never hands them out, and remembers them', async () => {
		const f = file();
		const crashed = await open(f);
		await crashed.appendUpdate(doc, new Uint8Array([1]), undefined, { replicated: true });
		await crashed.appendUpdate(doc, new Uint8Array([2]));
		// A second process opening the file while the first never closed it: what a restart
		// after SIGKILL or power loss finds.
		const after = await open(f);
		expect(await after.headSeq()).toBe(2 + SEQ_GAP);
		expect(await after.seqMayBeLost(2)).toBe(false);
		expect(await after.seqMayBeLost(3)).toBe(true);
		expect(await after.seqMayBeLost(2 + SEQ_GAP)).toBe(true);
		const next = await after.appendUpdate(doc, new Uint8Array([3]), undefined, { replicated: true });
		expect(next.seq).toBe(3 + SEQ_GAP);
		expect(await after.seqMayBeLost(next.seq)).toBe(false);
		expect((await after.loadDoc(doc))?.updates.length).toBe(3);
		await after.close();
		stores.splice(stores.indexOf(after), 1);
		const again = await open(f);
		expect(await again.headSeq()).toBe(3 + SEQ_GAP);
		expect(await again.seqMayBeLost(4)).toBe(true);
	});
});
