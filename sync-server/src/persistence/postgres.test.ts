// SPEC S1.3 (nothing acknowledged is lost; catch-up by delta): the PostgreSQL adapter passes
// every role's contract, and the cross-process cases of a shared database.
import { channelsStoreContract } from '../channels/store-contract';
import { workflowStoreContract } from './workflow-store-contract';
import { freshDatabase, useServices } from '../../test/helpers/services';
import { sharedStoreContract, storeContract, type StoreFactory } from './contract';
import { PostgresStore } from './postgres';

const services = useServices();

const pgFactory: StoreFactory = async () => {
	const db = await freshDatabase(services.current().pgUrl);
	return {
		async open() {
			const store = new PostgresStore(db.url, { poolSize: 4 });
			await store.migrate();
			return store;
		},
		async destroy() {
			await db.drop();
		}
	};
};

storeContract('postgres', pgFactory);
channelsStoreContract('postgres', pgFactory);
workflowStoreContract('postgres', pgFactory);
sharedStoreContract('postgres', pgFactory);
