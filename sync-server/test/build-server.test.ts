// Issue 15 ("Also"): `npm run build` names `scripts/build-server.mjs`; it exists, bundles the
// server, and the bundle starts, serves /health and stops on SIGTERM (SPEC S9: the server
// ships as a built artifact as well as from source).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Inside the repository (`.tmp/` is ignored), so that the bundle finds node_modules.
const OUT = join(ROOT, '.tmp', `build-server-test-${process.pid}`);
const DATA = mkdtempSync(join(tmpdir(), 'parley-build-server-'));

afterAll(() => {
	rmSync(OUT, { recursive: true, force: true });
	rmSync(DATA, { recursive: true, force: true });
});

describe('npm run build', () => {
	it('names a server build script that exists and produces a bundle that runs', async () => {
		const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
		for (const m of pkg.scripts.build!.matchAll(/node (\S+\.mjs)/g)) expect(existsSync(join(ROOT, m[1]!)), m[1]).toBe(true);

		const built = spawnSync(process.execPath, ['scripts/build-server.mjs', '--outdir', OUT], { cwd: ROOT, encoding: 'utf8' });
		expect(built.status, built.stderr).toBe(0);
		expect(existsSync(join(OUT, 'main.mjs'))).toBe(true);

		const child = spawn(process.execPath, [join(OUT, 'main.mjs')], {
			cwd: ROOT,
			env: { ...process.env, HOST: '127.0.0.1', PORT: '0', DATA_DIR: DATA, DEMO_CONTACTS: '0', STATIC_DIR: '/nonexistent' },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
		try {
			const url = await new Promise<string>((resolve, reject) => {
				let out = '';
				child.stdout!.on('data', (d: Buffer) => {
					out += d.toString();
					const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
					if (m) resolve(m[1]!);
				});
				void exited.then((code) => reject(new Error(`the bundle exited with ${code}`)));
			});
			const health = await fetch(`${url}/health`);
			expect(health.status).toBe(200);
		} finally {
			child.kill('SIGTERM');
		}
		expect(await exited).toBe(0);
	}, 120_000);
});
