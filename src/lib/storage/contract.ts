/**
 * The store contract, after automerge-repo's shared storage-adapter tests: every implementation
 * of `ClientStore` must pass every case. Cases are plain async functions that throw on failure,
 * so vitest runs them on the memory twin and on fake-indexeddb (`contract-vitest.ts`), and a
 * Playwright test runs them on Chromium's IndexedDB (`browser-contract-entry.ts`).
 */
import { dataCases } from './contract-data';
import { docCases } from './contract-docs';
import type { ContractCase, StoreWorld } from './contract-kit';

export type { ContractCase, StoreWorld } from './contract-kit';

export const contractCases: readonly ContractCase[] = [...docCases, ...dataCases];

export interface CaseResult {
	name: string;
	ok: boolean;
	error?: string;
}

/** Runs one case in a world of its own, always disposing it. */
export async function runContractCase(c: ContractCase, makeWorld: () => Promise<StoreWorld>): Promise<void> {
	const world = await makeWorld();
	try {
		await c.run(world);
	} finally {
		await world.dispose();
	}
}

/** Runs every case in turn and reports each, for runners without their own test harness. */
export async function runAllContractCases(makeWorld: () => Promise<StoreWorld>): Promise<CaseResult[]> {
	const results: CaseResult[] = [];
	for (const c of contractCases) {
		try {
			await runContractCase(c, makeWorld);
			results.push({ name: c.name, ok: true });
		} catch (err) {
			results.push({ name: c.name, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
		}
	}
	return results;
}
