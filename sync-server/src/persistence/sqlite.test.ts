import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { channelsStoreContract } from '../channels/store-contract';
import { storeContract, type StoreFactory } from './contract';
import { SqliteStore } from './sqlite';

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
