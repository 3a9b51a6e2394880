/**
 * `node --import tsx sync-server/src/main.ts` (or the esbuild bundle): the server process.
 * Environment: HOST (127.0.0.1), PORT (8787; 0 picks a free one), DATA_DIR (./data),
 * STATIC_DIR (./build), DEMO_CONTACTS (300), PARLEY_DEMO (1; 0: an empty database starts as a new
 * workspace that the first-run page sets up, no demo data); DATABASE_URL (postgres://...) and REDIS_URL
 * (redis://...) make the process one of a cluster serving one workspace (see the README).
 * Prints `listening on <url>` and the demo logins
 * on stdout (tests read the port from that line). SIGTERM / SIGINT close sockets, flush and
 * close the store, and exit 0.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_CHANNELS, DEMO_EMAIL, DEMO_PASSWORD, DEMO_WORKSPACE_ID } from '../../src/lib/demo/generate';
import { MailSink } from './channels/email/mail-sink';
import { startServer } from './server';

const DEMO_LOGINS = ['owner@demo.test', 'manager@demo.test', 'ana@demo.test', 'tom@demo.test', 'sue@demo.test'];

const env = process.env;
let listening = false;
const staticDir = env.STATIC_DIR ?? './build';
const contacts = Number(env.DEMO_CONTACTS ?? 300);

// Email (see docs/operations.md): the built-in SMTP receiver listens on SMTP_PORT (2525) once an
// email channel has addresses; the demo's replies land in a local mailbox (DEMO_MAILBOX_PORT,
// 2526; DEMO_MAILBOX=0: none), kept under DATA_DIR/demo-mailbox. A port in use is not fatal.
let demoMailbox: MailSink | undefined;
if (env.DEMO_MAILBOX !== '0') {
	const dir = join(env.DATA_DIR ?? './data', 'demo-mailbox');
	demoMailbox = new MailSink({ dir, port: Number(env.DEMO_MAILBOX_PORT ?? DEMO_EMAIL.mailboxPort) });
	await demoMailbox.listen().catch(async () => {
		demoMailbox = new MailSink({ dir, port: 0 });
		await demoMailbox.listen();
	});
}

const server = await startServer({
	host: env.HOST ?? '127.0.0.1',
	port: Number(env.PORT ?? 8787),
	dataDir: env.DATA_DIR ?? './data',
	...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
	...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
	...(existsSync(staticDir) ? { staticDir } : {}),
	seed: env.PARLEY_DEMO === '0' ? false : { contacts: Number.isFinite(contacts) && contacts >= 0 ? contacts : 300 },
	channels: { email: { smtpPort: Number(env.SMTP_PORT ?? 2525), smtpHost: env.SMTP_HOST ?? '127.0.0.1', ...(demoMailbox ? { demoMailbox } : {}) } },
	// The demo's bot and workflows (PARLEY_DEMO_WORKFLOWS=0: without them).
	demoWorkflows: env.PARLEY_DEMO_WORKFLOWS !== '0',
	// Crash tests: the process kills itself right after the n-th workflow step effect it stores,
	// before recording the run's move (the window a kill -9 rarely hits by chance).
	...(env.PARLEY_TEST_KILL_AFTER_EFFECT ? { workflowAfterEffect: killAfter(Number(env.PARLEY_TEST_KILL_AFTER_EFFECT)) } : {})
});

/** Counts only once the server listens (a test must see it start before it dies). */
function killAfter(n: number): () => void {
	let seen = 0;
	return () => {
		if (listening && ++seen === n) process.kill(process.pid, 'SIGKILL');
	};
}

listening = true;
console.log(`listening on ${server.url}`);
console.log(`Parley is running at ${server.url}`);
if (server.workspaceId === DEMO_WORKSPACE_ID) console.log(`Demo logins (password ${DEMO_PASSWORD}): ${DEMO_LOGINS.join(', ')}`);
else if (server.visibility.directory.users.length === 0) console.log(`First run: open ${server.url} to name the workspace and create its owner`);
if (server.workspaceId === DEMO_WORKSPACE_ID) console.log(`Customer web chat of the demo: ${server.url}/chat/${DEMO_CHANNELS.webchat}`);
const smtp = server.channels.email.smtpAddress;
if (server.workspaceId === DEMO_WORKSPACE_ID && smtp) {
	console.log(`Email channel of the demo: send mail to ${DEMO_EMAIL.address} over SMTP at ${smtp.host}:${smtp.port} (e.g. swaks --server ${smtp.host}:${smtp.port} --to ${DEMO_EMAIL.address})`);
	if (demoMailbox) console.log(`Replies land in the demo mailbox (SMTP ${smtp.host}:${demoMailbox.port}), shown in Settings > Email and at ${server.url}/api/email/demo-mailbox`);
}
if (!existsSync(staticDir)) console.log(`(no client build at ${staticDir}: only the API and WebSockets are served)`);

/** Shutdown is bounded: whatever hangs (a socket, a store), the process is gone after this. */
const SHUTDOWN_MS = 8000;
let stopping = false;
const stop = (signal: string) => {
	if (stopping) return;
	stopping = true;
	console.error(`[parley] ${signal}: shutting down`);
	setTimeout(() => {
		console.error(`[parley] shutdown did not finish within ${SHUTDOWN_MS} ms; exiting`);
		process.exit(1);
	}, SHUTDOWN_MS).unref();
	Promise.all([server.close(), demoMailbox?.close()]).then(
		() => process.exit(0),
		(err: unknown) => {
			console.error(`[parley] shutdown failed: ${String(err)}`);
			process.exit(1);
		}
	);
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.on('uncaughtException', (err) => console.error(`[parley] uncaught: ${err.stack ?? err.message}`));
process.on('unhandledRejection', (err) => console.error(`[parley] unhandled rejection: ${String(err)}`));
