/** Temporary directories for tests, removed when their test file ends (see temp-cleanup.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every directory tempDir made in this test file and not removed yet. */
const made = new Set<string>();

/** Removes what tempDir made; `temp-cleanup.ts` (a vitest setup file) calls it after each test file's own hooks. */
export function removeTempDirs(): void {
	for (const dir of made) rmSync(dir, { recursive: true, force: true });
	made.clear();
}

/** A fresh directory under the OS temp folder, removed at the latest when its test file ends. */
export function tempDir(prefix = 'parley-test-'): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	made.add(dir);
	return dir;
}
