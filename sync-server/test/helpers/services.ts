/**
 * PostgreSQL and Redis for the scale-out tests. Under `npm test` they are already running
 * (scripts/services.mjs exports PARLEY_PG_URL / PARLEY_REDIS_URL); a test file run alone starts
 * them itself with the same scripts and stops them after its tests. Nothing is skipped.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import pg from 'pg';

export interface Services {
	pgUrl: string;
	redisUrl: string;
}

/**
 * The services: those of the environment (PARLEY_PG_URL / PARLEY_REDIS_URL), else started with
 * scripts/services-*.mjs; `stop` stops only what this call started.
 */
export async function startServices(): Promise<Services & { stop(): Promise<void> }> {
	const stops: Array<() => Promise<void>> = [];
	let pgUrl = process.env.PARLEY_PG_URL;
	let redisUrl = process.env.PARLEY_REDIS_URL;
	if (!pgUrl) {
		const svc = await (await import('../../../scripts/services-postgres.mjs')).start();
		pgUrl = svc.env.PARLEY_PG_URL;
		stops.push(svc.stop);
	}
	if (!redisUrl) {
		const svc = await (await import('../../../scripts/services-redis.mjs')).start();
		redisUrl = svc.env.PARLEY_REDIS_URL;
		stops.push(svc.stop);
	}
	return {
		pgUrl,
		redisUrl,
		async stop() {
			for (const stop of stops.splice(0).reverse()) await stop();
		}
	};
}

/** Registers hooks that provide the services to the file's tests; read `current()` inside tests. */
export function useServices(): { current(): Services } {
	let services: (Services & { stop(): Promise<void> }) | null = null;
	beforeAll(async () => {
		services = await startServices();
	}, 180_000);
	afterAll(async () => {
		await services?.stop();
	});
	return {
		current() {
			if (!services) throw new Error('services not started');
			return services;
		}
	};
}

/** A new empty database on the server of `adminUrl`; `drop` removes it (closing its sessions). */
export async function freshDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
	const name = `parley_t_${randomBytes(6).toString('hex')}`;
	const admin = new pg.Client(adminUrl);
	await admin.connect();
	try {
		await admin.query(`CREATE DATABASE ${name}`);
	} finally {
		await admin.end();
	}
	const url = new URL(adminUrl);
	url.pathname = `/${name}`;
	return {
		url: url.toString(),
		async drop() {
			const c = new pg.Client(adminUrl);
			await c.connect();
			try {
				await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
			} finally {
				await c.end();
			}
		}
	};
}
