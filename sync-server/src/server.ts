/**
 * Wiring: one function that opens the store, migrates, seeds on first start, loads the
 * directory and the access index, and serves HTTP and the WebSockets on one port. Used by
 * `main.ts` and, in-process, by the tests and benchmarks.
 *
 * Shutdown order: stop accepting, close every socket (1001), let in-flight writes finish,
 * write the access checkpoint, close the store. Nothing acknowledged is lost on any path: acks
 * follow durable appends.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DIR_DOC_ID } from '../../src/lib/domain/ids';
import { DEMO_WORKSPACE_ID } from '../../src/lib/demo/generate';
import { createHmac } from 'node:crypto';
import { aiRoutes } from './ai/routes';
import { AiService, type AiServiceOptions } from './ai/service';
import { Auth, loadJwtSecret } from './auth/auth';
import { Channels, type ChannelsOptions } from './channels/service';
import type { RateLimitOptions } from './auth/rate-limit';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits, type SyncDeps } from './connection';
import { LocalFanout } from './fanout/local';
import { RedisFanout } from './fanout/redis';
import type { Fanout } from './fanout/fanout';
import { createHttpHandler } from './http';
import { LINK_PREVIEW_DEFAULTS, linkPreviewRoutes, type LinkPreviewOptions } from './http/link-preview';
import { MAX_UPLOAD_BYTES, MAX_WORKSPACE_UPLOAD_BYTES, UploadStore, type UploadOptions } from './http/upload-store';
import { uploadRoutes } from './http/uploads';
import { settingsRoutes } from './http/settings-api';
import { Hub } from './hub';
import { BootstrapIndex } from './bootstrap';
import { DEFAULT_USER_LIMITS, UserBudgets, type UserLimits } from './limits/user-budget';
import { PostgresStore } from './persistence/postgres';
import { SqliteStore } from './persistence/sqlite';
import type { MetaStore, Store } from './persistence/store';
import { Rooms } from './rooms';
import { Quarantine } from './quarantine';
import { Lease } from './scheduler/lease';
import { SnoozeScheduler } from './scheduler/snooze';
import { createUpgradeHandler, SYNC_COMPRESSION, type SyncCompression } from './upgrade';
import type { LivenessOptions } from './liveness';
import { Visibility } from './visibility';
import { Workflows } from './workflows/service';
import { CallService, callSettingsFromEnv, type CallsDeps } from './calls/service';
import { callRoutes } from './calls/routes';
import { transcriberFromEnv } from './calls/transcribe';
import { fromAiService } from './ai/call-summary';
import { parseIceServers } from '../../src/lib/protocol/calls';
import { decodeSummary } from '../../src/lib/protocol/summary';
import { ensureWorkspace, type SeedOptions } from './workspace';

export interface ServerOptions {
	host?: string;
	/** 0 picks a free port. */
	port?: number;
	/** Where `parley.db` lives; ignored when `store` or `databaseUrl` is given. */
	dataDir?: string;
	store?: Store;
	/** `postgres://...`: PostgreSQL storage shared with the workspace's other processes (DATABASE_URL). */
	databaseUrl?: string;
	/** The built client; without it only the API and WebSockets are served. */
	staticDir?: string;
	/** Demo workspace for an empty store (default 300 contacts); false: an empty workspace. */
	seed?: SeedOptions | false;
	clock?: () => number;
	/** Idle time before an unheld document is unloaded (default 30 s). */
	unloadAfterMs?: number;
	/** Background compaction and access checkpoint period (default 5 s; 0 disables). */
	maintenanceEveryMs?: number;
	limits?: Partial<ConnectionLimits>;
	/** Budgets per user over all of their connections (limits/user-budget.ts). */
	userLimits?: Partial<UserLimits>;
	loginLimits?: { perAccount?: RateLimitOptions; perAddress?: RateLimitOptions; perAccountAddress?: RateLimitOptions };
	fanout?: Fanout;
	/** `redis://...`: fan-out to the workspace's other processes over Redis (REDIS_URL). */
	redisUrl?: string;
	log?: (message: string) => void;
	/** Web chat and webhook channels; `allowPrivate` defaults to ALLOW_LOOPBACK_CHANNELS=1. */
	channels?: Partial<ChannelsOptions>;
	/** Link previews (S5.9); `allowPrivate` defaults to the channels' setting. */
	linkPreview?: Partial<LinkPreviewOptions>;
	/** Uploaded files (S5.14); `dir` defaults to `<dataDir>/uploads`. */
	uploads?: Partial<UploadOptions>;
	/** Pings of idle WebSockets and the drop of silent ones (`liveness.ts`). */
	liveness?: LivenessOptions;
	/** permessage-deflate on `/sync` and `/yjs` (default off: see `SYNC_COMPRESSION`). */
	syncCompression?: SyncCompression;
	/** Seed the demo's bot and workflows in a demo workspace (default off; `main.ts` turns it on). */
	demoWorkflows?: boolean;
	/** Most runs one occurrence of a scheduled workflow starts (default 1,000; tests lower it). */
	workflowAudienceCap?: number;
	/** Crash tests only: called after each workflow step's effect is stored, before the run moves. */
	workflowAfterEffect?: () => void;
	/** AI assist (issue 24): the configured endpoint (default from AI_BASE_URL) and Apertium. */
	ai?: AiServiceOptions;
	/** Voice calls (SPEC S2): settings under the workspace's, ICE servers (default `ICE_SERVERS`), engines. */
	calls?: Partial<Pick<CallsDeps, 'settings' | 'iceServers' | 'transcriber' | 'summarizer'>>;
}

export interface RunningServer {
	url: string;
	host: string;
	port: number;
	workspaceId: string;
	seeded: boolean;
	store: Store;
	rooms: Rooms;
	visibility: Visibility;
	hub: Hub;
	/** Per-user budgets over all connections (limits/user-budget.ts). */
	budgets: UserBudgets;
	auth: Auth;
	channels: Channels;
	/** Wakes snoozed contacts (S7.5). */
	snooze: SnoozeScheduler;
	/** The first-login snapshot (issue 26). */
	bootstrap: BootstrapIndex;
	/** Workflows, shortcuts and the bot (S7.7, S7.8). */
	workflows: Workflows;
	/** AI assist (issue 24). */
	ai: AiService;
	/** Voice calls (SPEC S2). */
	calls: CallService;
	http: Server;
	close(): Promise<void>;
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
	const log = opts.log ?? ((m: string) => console.error(`[parley] ${m}`));
	const clock = opts.clock ?? Date.now;
	let store = opts.store;
	// Issue 26: a store this process opens in the data folder keeps the bootstrap snapshot beside it.
	const ownSqlite = !store && !opts.databaseUrl;
	if (!store && opts.databaseUrl) store = new PostgresStore(opts.databaseUrl);
	if (!store) {
		const dataDir = opts.dataDir ?? './data';
		mkdirSync(dataDir, { recursive: true });
		store = new SqliteStore(join(dataDir, 'parley.db'));
	}
	await store.migrate();
	// Processes starting at once seed one workspace and make one token secret: the first
	// does, the others find them.
	const seedStore = store;
	const { workspaceId, seeded, jwtSecret, channelKey } = await store.exclusive('workspace.seed', async () => ({
		...(await ensureWorkspace(seedStore, opts.seed ?? { contacts: 300 }, clock(), log, ownSqlite ? join(opts.dataDir ?? './data', 'bootstrap.snapshot') : undefined)),
		jwtSecret: await loadJwtSecret(seedStore),
		channelKey: await fanoutChannelKey(seedStore)
	}));

	const quarantine = new Quarantine(log);
	const visibility = new Visibility(store, quarantine);
	await visibility.open();
	const onDeliveryError = (err: unknown) => log(`fan-out delivery failed: ${String(err)}`);
	// Everything up to this number is in the store; later numbers arrive by the fan-out or are fetched.
	const startSeq = await store.headSeq();
	const redis = !opts.fanout && opts.redisUrl ? new RedisFanout({ url: opts.redisUrl, channel: `parley:${workspaceId}:${channelKey}`, onDeliveryError, log }) : null;
	if (redis) await redis.ready();
	const fanout = opts.fanout ?? redis ?? new LocalFanout(onDeliveryError);
	// The write hooks (write-hooks.ts), in order: the access index, then the hub that acts on its
	// changes; the channels and snooze, which write through the rooms, are added once made.
	const hub = new Hub(visibility, clock);
	const rooms = new Rooms({
		store,
		fanout,
		log,
		clock,
		directory: () => visibility.directory,
		quarantine,
		hooks: [visibility, hub],
		...(opts.unloadAfterMs !== undefined ? { unloadAfterMs: opts.unloadAfterMs } : {})
	});
	fanout.setRemoteTraffic(rooms, startSeq);
	const dirRoom = await rooms.pin(DIR_DOC_ID);
	visibility.setDirectory(dirRoom.ydoc);

	const auth = await Auth.create({
		store,
		jwtSecret,
		clock,
		workspaceId,
		lookupUser: (id) => visibility.user(id),
		...(opts.loginLimits ? { loginLimits: opts.loginLimits } : {})
	});
	// SPEC S1.9: an ended session or invalidated user loses its open sockets at once, on every
	// process of the workspace (the fan-out carries the ending to the others' hubs).
	fanout.setSessionHandler((e) => (e.sessionId !== undefined ? hub.closeSession(e.sessionId, e.reason) : hub.closeUser(e.userId, e.reason)));
	auth.onEnded = (e) => fanout.publishSession(e);
	const budgets = new UserBudgets({ ...DEFAULT_USER_LIMITS, ...opts.userLimits }, clock);
	// Issue 26: the first-login snapshot, built in the background and kept by its write hook.
	const bootstrap = new BootstrapIndex({
		store,
		rooms,
		contactDocIds: () => visibility.contactDocIds(),
		log,
		workspaceId,
		...(ownSqlite ? { file: join(opts.dataDir ?? './data', 'bootstrap.snapshot') } : {})
	});
	rooms.addHook(bootstrap);
	void bootstrap.build();
	const syncDeps: SyncDeps = {
		bootstrap,
		rooms,
		visibility,
		fanout,
		store,
		limits: { ...DEFAULT_CONNECTION_LIMITS, ...opts.limits },
		budgets,
		log
	};
	// Once-per-workspace work (snooze wake-ups, outbox dispatch) runs in the lease's holder only
	// when processes may share the store (PostgreSQL); one SQLite process always does it.
	const lease = store.kind === 'postgres' ? new Lease({ store, name: 'workspace.scheduler', log }) : null;
	if (lease) await lease.start();
	// Signed file URLs use a key derived from the workspace's signing secret (same on every process).
	const uploads = new UploadStore(
		{ dir: join(opts.dataDir ?? './data', 'uploads'), maxBytes: MAX_UPLOAD_BYTES, workspaceMaxBytes: MAX_WORKSPACE_UPLOAD_BYTES, ...opts.uploads },
		new Uint8Array(createHmac('sha256', jwtSecret).update('parley uploads v1').digest()),
		clock
	);
	const channels = new Channels(
		{ store, rooms, fanout, channels: () => visibility.directory.channels, clock, log, uploads, ...(lease ? { lease } : {}) },
		{ allowPrivate: process.env.ALLOW_LOOPBACK_CHANNELS === '1', ...opts.channels }
	);
	rooms.addHook(channels);
	const ai = new AiService({ meta: store, ...opts.ai });
	const calls = new CallService({
		rooms,
		visibility,
		visitorsOf: (id) => channels.visitorsOf(id),
		clock,
		log,
		uploads,
		iceServers: opts.calls?.iceServers ?? parseIceServers(process.env.ICE_SERVERS),
		settings: { ...callSettingsFromEnv(process.env), ...opts.calls?.settings },
		transcriber: opts.calls?.transcriber ?? transcriberFromEnv(process.env),
		summarizer: opts.calls?.summarizer ?? fromAiService(ai, () => visibility.directory)
	});
	channels.calls = calls;
	await channels.start();
	const snooze = new SnoozeScheduler({ store, rooms, clock, log, ...(lease ? { lease } : {}) });
	rooms.addHook(snooze);
	await snooze.start();
	const workflows = new Workflows({
		store,
		rooms,
		visibility,
		fanout,
		online: (userId) => hub.connectionsOf(userId) > 0,
		// The summary kept by the bootstrap snapshot (current on every write): no document loaded.
		summaryOf: async (docId) => {
			const entry = await bootstrap.entry(docId);
			return entry ? (decodeSummary(entry.summary) ?? null) : null;
		},
		clock,
		log,
		allowPrivate: process.env.ALLOW_LOOPBACK_CHANNELS === '1' || opts.channels?.allowPrivate === true,
		demo: opts.demoWorkflows === true && workspaceId === DEMO_WORKSPACE_ID,
		...(opts.workflowAfterEffect ? { afterEffect: opts.workflowAfterEffect } : {}),
		...(opts.workflowAudienceCap !== undefined ? { audienceCap: opts.workflowAudienceCap } : {}),
		...(lease ? { lease } : {})
	});
	rooms.addHook(workflows.engine);
	await workflows.start();
	const leaseTaken = () => log('this process holds the lease of the scheduled work (snooze wake-ups, outbox dispatch)');
	if (lease?.held) leaseTaken();
	lease?.onAcquired(() => {
		leaseTaken();
		snooze.rearm();
		channels.outbox.kick();
		workflows.kick();
	});
	const upgrade = createUpgradeHandler({
		...syncDeps,
		auth,
		hub,
		...(opts.liveness ? { liveness: opts.liveness } : {}),
		compression: opts.syncCompression ?? SYNC_COMPRESSION
	});
	const http = createServer(
		createHttpHandler({ auth, rooms, visibility, store, hub, clock, log }, opts.staticDir, {
			routes: [
				...channels.routes,
				...linkPreviewRoutes({ ...LINK_PREVIEW_DEFAULTS, allowPrivate: process.env.ALLOW_LOOPBACK_CHANNELS === '1' || opts.channels?.allowPrivate === true, ...opts.linkPreview }),
				...uploadRoutes(uploads),
				...settingsRoutes({ allowPrivate: process.env.ALLOW_LOOPBACK_CHANNELS === '1' || opts.channels?.allowPrivate === true }),
				...workflows.routes,
				...aiRoutes(ai),
				...callRoutes(calls)
			],
			page: (req, res, path) => channels.pages.handle(req, res, path)
		})
	);
	http.on('upgrade', (req, socket, head) => {
		if (!channels.handleUpgrade(req, socket, head)) upgrade.handler(req, socket, head);
	});
	http.on('clientError', (_err, socket) => socket.destroy());

	const maintenanceEveryMs = opts.maintenanceEveryMs ?? 5000;
	let maintaining = false;
	const maintenance =
		maintenanceEveryMs > 0
			? setInterval(() => {
					if (maintaining) return;
					maintaining = true;
					(async () => {
						await rooms.compactSome();
						if (rooms.inflightCount === 0) await visibility.checkpoint();
					})()
						.catch((err: unknown) => log(`maintenance failed: ${String(err)}`))
						.finally(() => (maintaining = false));
				}, maintenanceEveryMs).unref()
			: null;

	const host = opts.host ?? '127.0.0.1';
	await new Promise<void>((resolve, reject) => {
		http.once('error', reject);
		http.listen(opts.port ?? 8787, host, () => {
			http.off('error', reject);
			resolve();
		});
	});
	const port = (http.address() as AddressInfo).port;

	let closing: Promise<void> | null = null;
	const close = (): Promise<void> => {
		closing ??= (async () => {
			if (maintenance) clearInterval(maintenance);
			hub.closeAll();
			upgrade.close();
			calls.close();
			await channels.close();
			http.closeAllConnections();
			await new Promise<void>((resolve) => http.close(() => resolve()));
			await waitFor(() => rooms.inflightCount === 0, 5000);
			await workflows.close();
			await snooze.close();
			await bootstrap.stop();
			await bootstrap.save().catch((err: unknown) => log(`bootstrap snapshot not saved: ${String(err)}`));
			await lease?.close();
			await visibility.checkpoint();
			await rooms.close();
			await fanout.close();
			await store.close();
		})();
		return closing;
	};

	return {
		url: `http://${host}:${port}`,
		host,
		port,
		workspaceId,
		seeded,
		store,
		rooms,
		visibility,
		hub,
		budgets,
		auth,
		channels,
		snooze,
		bootstrap,
		workflows,
		ai,
		calls,
		http,
		close
	};
}

/**
 * The Redis channel's key of this store, made once: workspaces with the same id (every demo
 * workspace has one) on different databases must not share a channel on one Redis.
 */
async function fanoutChannelKey(store: MetaStore): Promise<string> {
	const existing = await store.getMeta(CHANNEL_KEY);
	if (existing) return existing;
	const key = randomUUID();
	await store.setMeta(CHANNEL_KEY, key);
	return key;
}

const CHANNEL_KEY = 'fanout.channel';

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
