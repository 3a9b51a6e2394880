/**
 * What `npm start` and `npm test` need before they can run, installed on demand so that a fresh
 * clone works with nothing done by hand: node_modules (npm ci when the lockfile changed), a client
 * build that is not older than its sources, Debian's Chromium for the browser tests,
 * PostgreSQL / Redis / Dovecot servers for the scale-out and email tests, Apertium for the AI
 * translation tests, and ffmpeg / pocketsphinx / espeak-ng for the call tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

function run(cmd, args, opts = {}) {
	const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
	if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function mtime(path) {
	try {
		return statSync(path).mtimeMs;
	} catch {
		return 0;
	}
}

function newestUnder(path) {
	let newest = mtime(path);
	let entries;
	try {
		entries = readdirSync(path, { withFileTypes: true });
	} catch {
		return newest;
	}
	for (const e of entries) {
		if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
		const p = join(path, e.name);
		newest = Math.max(newest, e.isDirectory() ? newestUnder(p) : mtime(p));
	}
	return newest;
}

export function ensureDependencies() {
	const marker = join(root, 'node_modules', '.package-lock.json');
	const lock = join(root, 'package-lock.json');
	const stale = !existsSync(marker) || mtime(lock) > mtime(marker) || mtime(join(root, 'package.json')) > mtime(marker);
	if (!stale) return;
	console.log('[parley] installing dependencies ...');
	run('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);
}

export function ensureBuild({ force = false } = {}) {
	const out = join(root, 'build', 'index.html');
	const sources = Math.max(
		newestUnder(join(root, 'src')),
		newestUnder(join(root, 'static')),
		mtime(join(root, 'svelte.config.js')),
		mtime(join(root, 'vite.config.ts')),
		mtime(join(root, 'package-lock.json'))
	);
	if (!force && existsSync(out) && mtime(out) >= sources) return;
	console.log('[parley] building the client ...');
	run('npx', ['vite', 'build', '--logLevel', 'warn']);
}

function aptInstall(packages) {
	if (process.getuid?.() !== 0) throw new Error(`need root to apt-get install ${packages.join(' ')}`);
	console.log(`[parley] installing ${packages.join(', ')} from Debian ...`);
	run('apt-get', ['update', '-qq']);
	run('apt-get', ['install', '-y', '-qq', ...packages], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Debian's Chromium, and a colour emoji font so screenshots show emoji as people see them. */
function missingChromium() {
	const missing = [];
	if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
	if (!existsSync('/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf')) missing.push('fonts-noto-color-emoji');
	return missing;
}
export function ensureChromium() {
	const missing = missingChromium();
	if (missing.length) aptInstall(missing);
	return '/usr/bin/chromium';
}

/**
 * Debian's Apertium and the language pairs of the built-in AI translator (issue 24): English<->
 * Spanish, French<->Spanish, English<->Catalan (English<->French goes through Spanish). Kept in
 * step with `APERTIUM_PACKAGES` in sync-server/src/ai/apertium.ts.
 */
export const APERTIUM_PACKAGES = ['apertium', 'apertium-en-es', 'apertium-fr-es', 'apertium-en-ca'];
function missingApertium() {
	const modes = '/usr/share/apertium/modes';
	const want = ['eng-spa.mode', 'spa-eng.mode', 'fr-es.mode', 'es-fr.mode', 'eng-cat.mode', 'cat-eng.mode'];
	return has('apertium') && want.every((m) => existsSync(join(modes, m))) ? [] : APERTIUM_PACKAGES;
}
export function ensureApertium() {
	const missing = missingApertium();
	if (missing.length) aptInstall(missing);
}

/**
 * Calls (SPEC S2): ffmpeg decodes recordings and pocketsphinx (with its en-us model) transcribes
 * them on the server; espeak-ng speaks the test calls. `forTests` adds espeak-ng.
 */
function missingSpeech(forTests) {
	const missing = [];
	if (!existsSync('/usr/bin/pocketsphinx_continuous')) missing.push('pocketsphinx');
	if (!existsSync('/usr/share/pocketsphinx/model/en-us/en-us')) missing.push('pocketsphinx-en-us');
	if (!existsSync('/usr/bin/ffmpeg')) missing.push('ffmpeg');
	if (forTests && !existsSync('/usr/bin/espeak-ng')) missing.push('espeak-ng');
	return missing;
}
export function ensureSpeech({ forTests = false } = {}) {
	const missing = missingSpeech(forTests);
	if (missing.length) aptInstall(missing);
}

/** The Debian packages of the test services (`tests/services.json`, `services-*.mjs`). */
function missingServicePackages() {
	const missing = [];
	const pg = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'postgres')));
	if (!pg) missing.push('postgresql');
	if (!existsSync('/usr/bin/redis-server')) missing.push('redis-server');
	if (!existsSync('/usr/sbin/dovecot')) missing.push('dovecot-imapd');
	return missing;
}

/**
 * Everything the whole test suite needs from Debian (Chromium, Apertium, the speech tools, the
 * services' servers), installed in one apt-get run when anything is missing: one package index
 * update and one dpkg pass instead of one per area.
 */
export function ensureTestPackages() {
	const missing = [...new Set([...missingChromium(), ...missingApertium(), ...missingSpeech(true), ...missingServicePackages()])];
	if (missing.length) aptInstall(missing);
}

export function has(cmd) {
	try {
		execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}

export { aptInstall, run };
