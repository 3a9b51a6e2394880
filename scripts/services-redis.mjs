/**
 * Redis for the tests: Debian's `redis-server` package (installed with apt-get when missing),
 * started on loopback on a free port without persistence, stopped by its PID afterwards.
 * Exports PARLEY_REDIS_URL, and PARLEY_REDIS_BIN so that a test can restart one of its own.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './services-util.mjs';

const BIN = '/usr/bin/redis-server';

/** Starts one redis-server on `port` (a free one when omitted); used by the tests too. */
export async function startRedis(port) {
	const dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
	const p = port ?? (await freePort());
	const child = spawn(BIN, ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	child.stdout.on('data', (d) => (out = (out + d).slice(-4000)));
	await waitFor(() => {
		if (child.exitCode !== null) throw new Error(`redis-server exited: ${out}`);
		return out.includes('Ready to accept connections');
	}, 30_000, 'redis-server to start');
	return {
		port: p,
		url: `redis://127.0.0.1:${p}`,
		async stop() {
			if (child.exitCode === null) {
				const exited = new Promise((r) => child.once('exit', r));
				child.kill('SIGTERM');
				await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
				if (child.exitCode === null) child.kill('SIGKILL');
			}
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

export async function start() {
	if (!existsSync(BIN)) {
		console.error('[services] installing redis-server from Debian packages');
		execFileSync('apt-get', ['install', '-y', '-q', 'redis-server'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
	}
	const r = await startRedis();
	return { env: { PARLEY_REDIS_URL: r.url }, stop: r.stop };
}
