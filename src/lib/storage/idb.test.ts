// SPEC S9.1 (documents kept in IndexedDB), S9.5 (pending count): the IndexedDB store passes the
// store contract on fake-indexeddb, with a fresh factory (a fresh origin) per case, plus what
// only IndexedDB has: schema versions changed by another tab.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { runStoreContract } from './contract-vitest';
import { idbWorld } from './contract-worlds';
import { DB_VERSION, openIdbStore } from './idb';
import { databaseName } from './records';
import { StoreError, type ExternalCloseReason } from './store';

runStoreContract('idb on fake-indexeddb', async () => idbWorld({ idbFactory: new IDBFactory() }));

const owner = { userId: 'u-1', workspaceId: 'w-1' };

function rawOpen(factory: IDBFactory, version: number): Promise<IDBDatabase> {
	return new Promise((resolve, reject) => {
		const request = factory.open(databaseName(owner), version);
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => reject(request.error);
	});
}

describe('idb store and schema versions', () => {
	it('an upgrade by another tab closes this handle at once instead of blocking it', async () => {
		const factory = new IDBFactory();
		const reasons: ExternalCloseReason[] = [];
		const store = await openIdbStore({ ...owner, idbFactory: factory, onExternalClose: (r) => reasons.push(r) });
		await store.setMeta('k', 1);
		const newer = await rawOpen(factory, DB_VERSION + 1);
		expect(reasons).toEqual(['versionchange']);
		expect(store.closed).toBe(true);
		await expect(store.getMeta('k')).rejects.toMatchObject({ code: 'closed' });
		newer.close();
	});

	it('opening after a newer app upgraded the database fails as outdated', async () => {
		const factory = new IDBFactory();
		(await rawOpen(factory, DB_VERSION + 1)).close();
		const opening = openIdbStore({ ...owner, idbFactory: factory });
		await expect(opening).rejects.toBeInstanceOf(StoreError);
		await expect(opening).rejects.toMatchObject({ code: 'outdated' });
	});

	it('reads a summary snapshot written as JSON by an earlier version', async () => {
		const factory = new IDBFactory();
		(await openIdbStore({ ...owner, idbFactory: factory })).close();
		const db = await rawOpen(factory, DB_VERSION);
		const old = [{ id: 'b', firstName: 'B' }, { id: 'a', firstName: 'A' }];
		await new Promise((resolve, reject) => {
			const tx = db.transaction('summarySnapshot', 'readwrite');
			tx.objectStore('summarySnapshot').put({ json: JSON.stringify(old), upTo: 0 }, 'snapshot');
			tx.oncomplete = resolve;
			tx.onerror = () => reject(tx.error);
		});
		db.close();
		const store = await openIdbStore({ ...owner, idbFactory: factory });
		expect((await store.loadSummaries()).map((s) => s.id)).toEqual(['a', 'b']);
		store.close();
	});

	it('database names keep users and workspaces apart whatever their ids contain', () => {
		expect(databaseName({ workspaceId: 'w', userId: 'u' })).toBe('parley:w:u');
		expect(databaseName({ workspaceId: 'a:b', userId: 'c' })).not.toBe(databaseName({ workspaceId: 'a', userId: 'b:c' }));
	});
});
