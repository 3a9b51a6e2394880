/** Registers every store contract case as a vitest test. */
import { describe, it } from 'vitest';
import { contractCases, runContractCase, type StoreWorld } from './contract';

export function runStoreContract(name: string, makeWorld: () => Promise<StoreWorld>): void {
	describe(`ClientStore contract: ${name}`, () => {
		for (const c of contractCases) it(c.name, () => runContractCase(c, makeWorld));
	});
}
