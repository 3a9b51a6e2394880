/**
 * HTTP API of workflows, shortcuts and the bot (SPEC S7.7, S7.8; docs/api.md "Workflows").
 * Builder routes are for owners and managers (`admin`); the console's routes (shortcuts, running
 * workflows, the bot toggle) for any member who may see the contact (else 404, as if it did not
 * exist: a contact one may not see is never confirmed).
 */
import { contactDoc, serverOrigin } from '../../../src/lib/doc';
import { parseBotConfig } from '../../../src/lib/domain/bot';
import { contactDocId, isValidContactId, newId } from '../../../src/lib/domain/ids';
import type { ContactId, EntryId } from '../../../src/lib/domain/types';
import { botEnabled, nextVersion, parseDefinition, validateDefinition, type WorkflowVersion } from '../../../src/lib/domain/workflows';
import { isCreated } from '../channels/thread-writes';
import { errorReply, reply, type Reply } from '../http/respond';
import { objectBody, type Route, type RouteContext } from '../http/routes';
import type { StoredRun, WorkflowStore } from '../persistence/store';
import type { Bot } from './bot';
import type { WorkflowEngine } from './engine';

export interface WorkflowRoutesDeps {
	engine: WorkflowEngine;
	wf: WorkflowStore;
	bot: Bot;
}

const ID = '([A-Za-z0-9_-]{1,80})';

const notFound = (): Reply => errorReply(404, 'not_found', 'No such contact.');

function seeContact(ctx: RouteContext, raw: string): ContactId | null {
	if (!isValidContactId(raw)) return null;
	const id = raw as ContactId;
	return ctx.deps.visibility.canSee(ctx.me.id, contactDocId(id)) ? id : null;
}

const runView = (r: StoredRun, name: string) => ({
	id: r.id,
	workflowId: r.workflowId,
	name,
	version: r.version,
	contactId: r.contactId,
	status: r.status,
	position: r.position,
	steps: r.steps,
	waitUntil: r.waitUntil,
	waitingForReply: r.waitReplySince !== null,
	error: r.error,
	startedBy: r.startedBy,
	createdAt: r.createdAt,
	updatedAt: r.updatedAt
});

export function workflowRoutes(d: WorkflowRoutesDeps): Route[] {
	/** The newest version, re-read once when unknown here (published on another process). */
	const latest = async (id: string) => d.engine.latest(id) ?? (await d.engine.reload(), d.engine.latest(id));
	const nameOf = (workflowId: string) => d.engine.latest(workflowId)?.definition.name ?? workflowId;

	async function publish(ctx: RouteContext, workflowId: string, raw: unknown): Promise<Reply> {
		const def = parseDefinition(raw);
		if (!def) return errorReply(400, 'invalid_input', 'definition is not a workflow definition (name, trigger, steps).');
		const problems = validateDefinition(def, ctx.deps.visibility.directory);
		if (problems.length > 0) return reply(422, { error: { code: 'invalid_workflow', message: 'The workflow has problems; fix them before publishing.', problems } });
		const v: WorkflowVersion = {
			workflowId,
			version: nextVersion(await d.wf.workflowVersions(workflowId)),
			definition: def,
			createdBy: ctx.me.id,
			publishedAt: ctx.deps.clock()
		};
		if (!(await d.wf.putWorkflowVersion(v))) return errorReply(409, 'conflict', 'Another version was published at the same time; try again.');
		await d.engine.reload();
		// A schedule's next slot may come before the engine's timer: it looks again now.
		d.engine.kick();
		return reply(201, { id: workflowId, version: v.version });
	}

	return [
		{
			method: 'GET',
			path: /^\/api\/workflows$/,
			access: 'admin',
			async handle(ctx) {
				const dir = ctx.deps.visibility.directory;
				const list = d.engine.list().map(({ state, latest }) => ({
					id: state.id,
					enabled: state.enabled,
					version: latest.version,
					definition: latest.definition,
					publishedAt: latest.publishedAt,
					createdBy: latest.createdBy,
					// Broken references show up after a team, user or field was deleted.
					problems: validateDefinition(latest.definition, dir)
				}));
				return reply(200, { workflows: list });
			}
		},
		{
			method: 'POST',
			path: /^\/api\/workflows$/,
			access: 'admin',
			async handle(ctx) {
				const body = await objectBody(ctx.req);
				if (!body.ok) return body.reply;
				return publish(ctx, newId(), body.value.definition);
			}
		},
		{
			method: 'POST',
			path: /^\/api\/workflows\/validate$/,
			access: 'admin',
			async handle(ctx) {
				const body = await objectBody(ctx.req);
				if (!body.ok) return body.reply;
				const def = parseDefinition(body.value.definition);
				if (!def) return errorReply(400, 'invalid_input', 'definition is not a workflow definition (name, trigger, steps).');
				return reply(200, { problems: validateDefinition(def, ctx.deps.visibility.directory) });
			}
		},
		{
			method: 'POST',
			path: new RegExp(`^/api/workflows/${ID}/versions$`),
			access: 'admin',
			async handle(ctx) {
				const id = ctx.params[0]!;
				if (!(await latest(id))) return errorReply(404, 'not_found', 'No such workflow.');
				const body = await objectBody(ctx.req);
				if (!body.ok) return body.reply;
				return publish(ctx, id, body.value.definition);
			}
		},
		{
			method: 'PATCH',
			path: new RegExp(`^/api/workflows/${ID}$`),
			access: 'admin',
			async handle(ctx) {
				const id = ctx.params[0]!;
				if (!(await latest(id))) return errorReply(404, 'not_found', 'No such workflow.');
				const body = await objectBody(ctx.req);
				if (!body.ok) return body.reply;
				if (typeof body.value.enabled !== 'boolean') return errorReply(400, 'invalid_input', 'enabled must be true or false.');
				await d.wf.setWorkflowState(id, { enabled: body.value.enabled }, ctx.deps.clock());
				await d.engine.reload();
				d.engine.kick();
				return reply(200, { id, enabled: body.value.enabled });
			}
		},
		{
			method: 'DELETE',
			path: new RegExp(`^/api/workflows/${ID}$`),
			access: 'admin',
			async handle(ctx) {
				const id = ctx.params[0]!;
				if (!(await latest(id))) return errorReply(404, 'not_found', 'No such workflow.');
				// Running runs finish on their version; nothing new starts.
				await d.wf.setWorkflowState(id, { deleted: true, enabled: false }, ctx.deps.clock());
				await d.engine.reload();
				return reply(204);
			}
		},
		{
			method: 'GET',
			path: new RegExp(`^/api/workflows/${ID}/runs$`),
			access: 'admin',
			async handle(ctx) {
				const id = ctx.params[0]!;
				const runs = await d.wf.listRuns({ workflowId: id, limit: 200 });
				// A scheduled workflow's occurrences: when, how many contacts, and whether the cap cut it.
				const occurrences = (await d.wf.listOccurrences(id, 50)).map((o) => ({
					at: o.at,
					version: o.version,
					status: o.status,
					matched: o.matched,
					started: o.started,
					capped: o.capped
				}));
				return reply(200, { runs: runs.map((r) => runView(r, nameOf(r.workflowId))), occurrences });
			}
		},
		{
			method: 'POST',
			path: new RegExp(`^/api/workflows/${ID}/test$`),
			access: 'admin',
			async handle(ctx) {
				const v = await latest(ctx.params[0]!);
				if (!v) return errorReply(404, 'not_found', 'No such workflow.');
				const body = await objectBody(ctx.req);
				if (!body.ok) return body.reply;
				const contactId = seeContact(ctx, String(body.value.contactId ?? ''));
				if (!contactId) return notFound();
				const run = await d.engine.startRun(v, contactId, `test:${ctx.me.id}`);
				return run ? reply(201, { runId: run.id }) : errorReply(409, 'conflict', 'The run could not start.');
			}
		},
		{
			// SPEC S7.7: the shortcuts available for this contact.
			method: 'GET',
			path: new RegExp(`^/api/contacts/${ID}/shortcuts$`),
			access: 'member',
			async handle(ctx) {
				if (!seeContact(ctx, ctx.params[0]!)) return notFound();
				const shortcuts = d.engine
					.list()
					.filter(({ state, latest }) => state.enabled && latest.definition.trigger.type === 'shortcut')
					.map(({ state, latest }) => ({ id: state.id, name: latest.definition.name, steps: latest.definition.steps.length }));
				return reply(200, { shortcuts });
			}
		},
		{
			method: 'POST',
			path: new RegExp(`^/api/contacts/${ID}/shortcuts/${ID}$`),
			access: 'member',
			async handle(ctx) {
				const contactId = seeContact(ctx, ctx.params[0]!);
				if (!contactId) return notFound();
				const v = await latest(ctx.params[1]!);
				const state = d.engine.list().find((x) => x.state.id === ctx.params[1]);
				if (!v || !state?.state.enabled || v.definition.trigger.type !== 'shortcut') return errorReply(404, 'not_found', 'No such shortcut.');
				const run = await d.engine.startRun(v, contactId, `user:${ctx.me.id}`);
				return run ? reply(201, { runId: run.id }) : errorReply(409, 'conflict', 'The run could not start.');
			}
		},
		{
			// SPEC S7.7: the contact's running workflows.
			method: 'GET',
			path: new RegExp(`^/api/contacts/${ID}/runs$`),
			access: 'member',
			async handle(ctx) {
				const contactId = seeContact(ctx, ctx.params[0]!);
				if (!contactId) return notFound();
				const runs = await d.wf.listRuns({ contactId, active: true, limit: 200 });
				return reply(200, { runs: runs.map((r) => runView(r, nameOf(r.workflowId))) });
			}
		},
		{
			// SPEC S7.7: stop one running workflow (`runId`) or all of them.
			method: 'POST',
			path: new RegExp(`^/api/contacts/${ID}/runs/stop$`),
			access: 'member',
			async handle(ctx) {
				const contactId = seeContact(ctx, ctx.params[0]!);
				if (!contactId) return notFound();
				const body = await objectBody(ctx.req);
				if (!body.ok) return body.reply;
				const runId = body.value.runId;
				if (runId !== undefined && typeof runId !== 'string') return errorReply(400, 'invalid_input', 'runId must be a run id.');
				const runs = (await d.wf.listRuns({ contactId, active: true, limit: 500 })).filter((r) => runId === undefined || r.id === runId);
				if (runId !== undefined && runs.length === 0) return errorReply(404, 'not_found', 'No such running workflow.');
				let stopped = 0;
				for (const r of runs) if (await d.engine.stop(r.id, ctx.me.id)) stopped++;
				return reply(200, { stopped });
			}
		},
		{
			// SPEC S7.8: the console's bot toggle for one contact, recorded as an event.
			method: 'POST',
			path: new RegExp(`^/api/contacts/${ID}/bot$`),
			access: 'member',
			async handle(ctx) {
				const contactId = seeContact(ctx, ctx.params[0]!);
				if (!contactId) return notFound();
				const body = await objectBody(ctx.req);
				if (!body.ok) return body.reply;
				if (typeof body.value.on !== 'boolean') return errorReply(400, 'invalid_input', 'on must be true or false.');
				const on = body.value.on;
				let changed = false;
				await ctx.deps.rooms.applyServerChange(contactDocId(contactId), (ydoc) => {
					if (!isCreated(ydoc, contactId)) return;
					const c = contactDoc(ydoc, serverOrigin());
					if (botEnabled(c.thread.entries()) === on) return;
					changed = true;
					c.thread.append({
						id: newId() as EntryId,
						kind: 'event',
						at: ctx.deps.clock(),
						author: { type: 'user', id: ctx.me.id },
						type: on ? 'bot_on' : 'bot_off',
						source: 'user',
						data: {}
					});
				});
				return reply(200, { on, changed });
			}
		},
		{
			method: 'GET',
			path: /^\/api\/bot$/,
			access: 'admin',
			async handle() {
				return reply(200, { channels: d.bot.all() });
			}
		},
		{
			method: 'PATCH',
			path: new RegExp(`^/api/bot/${ID}$`),
			access: 'admin',
			async handle(ctx) {
				const channelId = ctx.params[0]!;
				if (!ctx.deps.visibility.directory.channels.some((c) => c.id === channelId)) return errorReply(404, 'not_found', 'No such channel.');
				const body = await objectBody(ctx.req);
				if (!body.ok) return body.reply;
				const cfg = parseBotConfig(body.value);
				if (!cfg) return errorReply(400, 'invalid_input', 'Not a bot configuration.');
				await d.bot.setConfig(channelId, cfg);
				return reply(200, { channelId, config: cfg });
			}
		}
	];
}
