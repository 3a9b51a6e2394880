// Every `SPEC Sx.y` named in the code and tests has its one-line rule in docs/spec.md, so a
// reader of the repository can look up what a test comment means.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const SOURCES = ['src', 'sync-server', 'tests', 'bench'];
const EXTENSIONS = /\.(ts|js|mjs|svelte)$/;

function* files(dir: string): Generator<string> {
	for (const name of readdirSync(dir)) {
		if (name === 'node_modules' || name.startsWith('.')) continue;
		const path = join(dir, name);
		if (statSync(path).isDirectory()) yield* files(path);
		else if (EXTENSIONS.test(name)) yield path;
	}
}

/** IDs named after `SPEC` on a line: `SPEC S3.2`, `SPEC S5.8, S9.4`, `SPEC S4.2 and S4.1`. */
function namedIds(text: string): string[] {
	const out: string[] = [];
	for (const line of text.split('\n')) {
		const at = line.search(/\bSPEC\s+S\d/);
		if (at < 0) continue;
		for (const m of line.slice(at).matchAll(/\bS(\d+)\.(\d+)\b/g)) out.push(`S${m[1]}.${m[2]}`);
	}
	return out;
}

describe('docs/spec.md', () => {
	const doc = readFileSync(join(root, 'docs/spec.md'), 'utf8');
	const listed = new Set([...doc.matchAll(/^\| (S\d+\.\d+) \| \S.*\|$/gm)].map((m) => m[1]!));

	it('reads the IDs of a SPEC comment', () => {
		expect(namedIds('// SPEC S5.8, S9.4 and S1.3: typing\n// S2.1 alone is not a SPEC comment')).toEqual(['S5.8', 'S9.4', 'S1.3']);
	});

	it('lists every SPEC ID named in src, sync-server, tests and bench, each with a rule', () => {
		const missing = new Map<string, string>();
		for (const dir of SOURCES) {
			for (const file of files(join(root, dir))) {
				for (const id of namedIds(readFileSync(file, 'utf8'))) if (!listed.has(id) && !missing.has(id)) missing.set(id, file.slice(root.length));
			}
		}
		expect([...missing].map(([id, file]) => `${id} (named in ${file})`), 'SPEC IDs missing from docs/spec.md').toEqual([]);
		expect(listed.size).toBeGreaterThan(60);
	});
});
