/**
 * PostgreSQL and Redis for the scale-out tests: installed from Debian's packages when missing,
 * started on loopback on free ports in a temporary directory, stopped by PID afterwards.
 * Tests that need them read PARLEY_PG_URL / PARLEY_REDIS_URL. Until an adapter needs them
 * (tests/services.json lists what is needed), nothing is started.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './ensure.mjs';

export async function ensureServices() {
	const wanted = existsSync(join(root, 'tests', 'services.json'))
		? JSON.parse(readFileSync(join(root, 'tests', 'services.json'), 'utf8'))
		: [];
	const env = {};
	const stops = [];
	for (const name of wanted) {
		const mod = await import(`./services-${name}.mjs`);
		const svc = await mod.start();
		Object.assign(env, svc.env);
		stops.push(svc.stop);
	}
	return { env, stops };
}

export async function stopServices(services) {
	for (const stop of services.stops) await stop();
}
