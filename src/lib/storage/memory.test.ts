// SPEC S9.1 (local copy of the documents), S9.5 (pending count): the memory twin passes the store contract.
import { runStoreContract } from './contract-vitest';
import { memoryWorld } from './contract-worlds';

runStoreContract('memory', async () => memoryWorld());
