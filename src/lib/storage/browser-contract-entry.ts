/**
 * Browser bundle entry for the store contract: exposes `window.runStoreContract()`, which runs
 * every case on the page's real `indexedDB` and reports each. Each case gets its own workspace
 * prefix, so its databases never meet another case's, and deletes them when done.
 * Bundled and driven by tests/e2e/storage-contract.spec.ts.
 */
import { runAllContractCases, type CaseResult } from './contract';
import { idbWorld } from './contract-worlds';

declare global {
	interface Window {
		runStoreContract(): Promise<CaseResult[]>;
	}
}

window.runStoreContract = () => runAllContractCases(async () => idbWorld({ workspacePrefix: `contract-${crypto.randomUUID()}-` }));
