/**
 * Wiring of workflows and the bot (SPEC S7.7, S7.8): the engine (a write hook), the bot it
 * hands incoming messages to, and their HTTP routes. `server.ts` makes one per process.
 */
import type { ContactSummary, DocId, UserId } from '../../../src/lib/domain/types';
import { workspaceOptions } from '../../../src/lib/domain/workspace-options';
import type { Fanout } from '../fanout/fanout';
import type { Route } from '../http/routes';
import type { Store, WorkflowStore } from '../persistence/store';
import type { Rooms } from '../rooms';
import type { Visibility } from '../visibility';
import { Bot } from './bot';
import { seedDemoAutomation } from './demo';
import { WorkflowEngine } from './engine';
import { WorkspacePresence } from './presence';
import { workflowRoutes } from './routes';

export interface WorkflowsOptions {
	store: Store;
	rooms: Rooms;
	visibility: Visibility;
	fanout: Fanout;
	online(userId: UserId): boolean;
	/** A contact's summary without loading its document (least open counts, schedule audiences). */
	summaryOf(docId: DocId): Promise<ContactSummary | null>;
	clock: () => number;
	log: (message: string) => void;
	lease?: { readonly held: boolean };
	allowPrivate: boolean;
	/** The bot's typing time before an answer (default 600 ms). */
	botTypingMs?: number;
	/** Seed the demo's bot and workflows (a demo workspace's first start). */
	demo?: boolean;
	/** Fault injection of the crash tests (see `EngineOptions.afterEffect`). */
	afterEffect?: () => void;
	/** Most runs one occurrence of a schedule starts (default 1,000). */
	audienceCap?: number;
}

export class Workflows {
	readonly engine: WorkflowEngine;
	readonly bot: Bot;
	readonly routes: Route[];

	private readonly wf: WorkflowStore;
	/** Agents online on any process (the presence on `dir`, carried by the fan-out). */
	readonly presence: WorkspacePresence;

	constructor(private readonly o: WorkflowsOptions) {
		const wf = (this.wf = o.store.workflowStore());
		const presence = (this.presence = new WorkspacePresence(o.clock));
		o.fanout.subscribe(presence);
		this.bot = new Bot({
			meta: o.store,
			rooms: o.rooms,
			fanout: o.fanout,
			clock: o.clock,
			log: o.log,
			timeZone: () => workspaceOptions(o.visibility.directory).timeZone,
			...(o.lease ? { lease: o.lease } : {}),
			...(o.botTypingMs !== undefined ? { typingMs: o.botTypingMs } : {})
		});
		this.engine = new WorkflowEngine({
			wf,
			meta: o.store,
			rooms: o.rooms,
			visibility: o.visibility,
			// This process's sockets, or any process's presence on `dir` (scale-out).
			online: (userId) => o.online(userId) || presence.online(userId),
			summaryOf: o.summaryOf,
			clock: o.clock,
			log: o.log,
			soleProcess: o.store.kind !== 'postgres',
			allowPrivate: o.allowPrivate,
			...(o.lease ? { lease: o.lease } : {}),
			onIncoming: (docId, contactId, ids) => this.bot.onIncoming(docId, contactId, ids),
			...(o.afterEffect ? { afterEffect: o.afterEffect } : {}),
			...(o.audienceCap !== undefined ? { audienceCap: o.audienceCap } : {})
		});
		this.routes = workflowRoutes({ engine: this.engine, wf, bot: this.bot });
	}

	async start(): Promise<void> {
		await this.wf.migrateWorkflows();
		if (this.o.demo && (await seedDemoAutomation(this.wf, this.o.store, this.bot, this.o.clock()))) this.o.log('seeded the demo bot and workflows');
		await this.bot.start();
		await this.engine.start();
	}

	/** A new lease holder runs what is due at once. */
	kick(): void {
		void this.bot.reload();
		this.engine.kick();
	}

	async close(): Promise<void> {
		this.o.fanout.unsubscribe(this.presence);
		await this.engine.close();
		await this.bot.close();
	}
}
