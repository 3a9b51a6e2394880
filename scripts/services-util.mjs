/** Helpers of the test services (`services-*.mjs`). */
import { createServer } from 'node:net';

/** A port free on loopback now (the service binds it right after). */
export function freePort() {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.once('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

/** Polls `check` until it returns true; throws after `ms`. */
export async function waitFor(check, ms, what) {
	const until = Date.now() + ms;
	for (;;) {
		if (await check()) return;
		if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}
