/**
 * `npm run build` (after `vite build`): bundles the sync server (`sync-server/src/main.ts` and
 * the shared code of `src/lib/` it imports) into one ES module, `dist/server/main.mjs`, run with
 * `node dist/server/main.mjs` (same environment as `npm start`: HOST, PORT, DATA_DIR,
 * STATIC_DIR=build, DEMO_CONTACTS). Packages stay external, loaded from node_modules (better-sqlite3
 * is native). `--outdir <dir>` writes elsewhere (tests).
 */
import { build } from 'esbuild';
import { join, resolve } from 'node:path';
import { root } from './ensure.mjs';

const at = process.argv.indexOf('--outdir');
const outdir = resolve(root, at > 0 && process.argv[at + 1] ? process.argv[at + 1] : join('dist', 'server'));

await build({
	entryPoints: [join(root, 'sync-server', 'src', 'main.ts')],
	outfile: join(outdir, 'main.mjs'),
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	packages: 'external',
	sourcemap: true,
	logLevel: 'warning'
});
console.log(`[parley] server bundle: ${join(outdir, 'main.mjs')}`);
