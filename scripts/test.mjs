/**
 * `npm test`: every test suite, with nothing installed by hand. Installs dependencies and
 * Debian's Chromium when missing, builds the client, then runs in order: the type checks
 * (`npm run check`, zero warnings), the unit and integration tests (vitest: src/, sync-server/),
 * and the end-to-end tests (Playwright driving real Chromium against a real server).
 * Ends with one line `N passed, N failed` summing every suite. LONG=1 runs the long variants.
 * `node scripts/test.mjs unit <files...>` (or `e2e <files...>`) runs some files of one suite,
 * with the services they need.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuild, ensureChromium, ensureDependencies, ensureTestPackages, root } from './ensure.mjs';
import { ensureServices, stopServices } from './services.mjs';

const only = process.argv[2]; // optional: check | unit | e2e
const filters = process.argv.slice(3); // optional, after unit or e2e: the test files to run
const tmp = join(root, '.tmp');
mkdirSync(tmp, { recursive: true });

ensureDependencies();
// Debian's packages of every suite (Chromium, Apertium, speech tools, services) in one apt run.
if (only !== 'check') ensureTestPackages();
const totals = { passed: 0, failed: 0 };
const suites = [];

function record(name, passed, failed) {
	totals.passed += passed;
	totals.failed += failed;
	suites.push(`${name}: ${passed} passed, ${failed} failed`);
}

function readJson(path) {
	try {
		return JSON.parse(readFileSync(path, 'utf8'));
	} catch {
		return null;
	}
}

if (!only || only === 'check') {
	console.log('\n[parley] type checks and lint (svelte-check, tsc, eslint) ...');
	const r = spawnSync('npm', ['run', '--silent', 'check'], { cwd: root, stdio: 'inherit' });
	record('check', r.status === 0 ? 1 : 0, r.status === 0 ? 0 : 1);
}

let services = null;
try {
	if (!only || only === 'unit') {
		services = await ensureServices();
		console.log('\n[parley] unit and integration tests (vitest) ...');
		const out = join(tmp, 'vitest.json');
		rmSync(out, { force: true });
		const r = spawnSync(
			'npx',
			['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...filters],
			{ cwd: root, stdio: 'inherit', env: { ...process.env, ...services.env } }
		);
		const report = readJson(out);
		if (report) record('vitest', report.numPassedTests, report.numFailedTests + (r.status !== 0 && report.numFailedTests === 0 ? 1 : 0));
		else record('vitest', 0, 1);
	}

	if (!only || only === 'e2e') {
		ensureChromium();
		ensureBuild();
		console.log('\n[parley] end-to-end tests (Playwright, Chromium) ...');
		const out = join(tmp, 'playwright.json');
		rmSync(out, { force: true });
		const r = spawnSync('npx', ['playwright', 'test', '--reporter=list,json', ...filters], {
			cwd: root,
			stdio: 'inherit',
			env: { ...process.env, ...(services?.env ?? {}), PLAYWRIGHT_JSON_OUTPUT_NAME: out }
		});
		const report = readJson(out);
		if (report?.stats) {
			const failed = report.stats.unexpected + (r.status !== 0 && report.stats.unexpected === 0 ? 1 : 0);
			record('playwright', report.stats.expected + report.stats.flaky, failed);
		} else record('playwright', 0, 1);
	}
} finally {
	if (services) await stopServices(services);
}

console.log(`\n${suites.join('\n')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exitCode = totals.failed > 0 ? 1 : 0;
