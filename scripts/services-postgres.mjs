/**
 * PostgreSQL for the tests: Debian's `postgresql` package (installed with apt-get when missing),
 * one throwaway cluster in a temporary directory, listening on loopback on a free port, stopped
 * by its PID afterwards. Exports PARLEY_PG_URL (a superuser URL on the `postgres` database; each
 * test creates and drops its own databases).
 *
 * `initdb` and `postgres` refuse to run as root: as root they run as the `postgres` user the
 * package creates (`runuser`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './services-util.mjs';

function binDir() {
	const base = '/usr/lib/postgresql';
	if (!existsSync(base)) return null;
	const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
	return versions[0] ? join(base, versions[0], 'bin') : null;
}

function install() {
	console.error('[services] installing postgresql from Debian packages');
	execFileSync('apt-get', ['install', '-y', '-q', 'postgresql'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

export async function start() {
	let bin = binDir();
	if (!bin) {
		install();
		bin = binDir();
		if (!bin) throw new Error('postgresql is not installed and could not be installed');
	}
	const root = process.getuid?.() === 0;
	const dir = mkdtempSync(join(tmpdir(), 'parley-pg-'));
	const data = join(dir, 'data');
	const asUser = (cmd, args, opts = {}) => (root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args], opts] : [cmd, args, opts]);
	if (root) {
		const { uid, gid } = pgIds();
		chownSync(dir, uid, gid);
		chmodSync(dir, 0o700);
	}
	execFileSync(...asUser(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8'], { stdio: 'ignore' }));
	const port = await freePort();
	const [cmd, args] = asUser(join(bin, 'postgres'), [
		'-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir,
		'-c', 'fsync=on', '-c', 'max_connections=200', '-c', 'shared_buffers=32MB'
	]);
	const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
	let log = '';
	child.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
	const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
	await waitFor(async () => {
		if (child.exitCode !== null) throw new Error(`postgres exited: ${log}`);
		try {
			execFileSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
			return true;
		} catch {
			return false;
		}
	}, 60_000, 'postgres to accept connections');
	return {
		env: { PARLEY_PG_URL: url },
		async stop() {
			if (child.exitCode === null) {
				const exited = new Promise((r) => child.once('exit', r));
				// runuser forwards SIGINT to postgres: a fast shutdown.
				child.kill('SIGINT');
				await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
				if (child.exitCode === null) child.kill('SIGKILL');
			}
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

function pgIds() {
	const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
	const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
	return { uid, gid };
}
