// Scheduled workflows through the HTTP API on an in-process server with a controlled clock: an
// occurrence is recorded once and starts one run per contact of its audience (a filter of the
// custom inboxes), however often the engine looks; a restart across the due time runs it once,
// and slots missed while the server was down collapse into one occurrence; the audience cap is
// reported in the run history.
// SPEC S7.7, S4.4
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Filter } from '../../src/lib/domain/filters';
import type { WorkflowDefinition } from '../../src/lib/domain/workflows';
import { api, postSigned } from './channels-helpers';
import { startTestServer, tempDir, type TestServer } from './helpers/server';
import { login, waitFor } from './helpers/sync-client';

const HOUR = 3_600_000;

interface History {
	runs: Array<{ id: string; contactId: string; status: string; startedBy: string }>;
	occurrences: Array<{ at: number; status: string; matched: number; started: number; capped: boolean }>;
}

describe('scheduled workflows', () => {
	const servers: TestServer[] = [];
	const dirs: string[] = [];
	afterEach(async () => {
		for (const s of servers.splice(0)) await s.close().catch(() => {});
		for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
	});

	const freshDir = () => {
		const dir = tempDir('parley-wf-schedule-');
		dirs.push(dir);
		return dir;
	};
	/** A clock ten minutes past the current hour: the next hourly slot is 50 minutes away. */
	const tenPastTheHour = () => ({ now: Math.floor(Date.now() / HOUR) * HOUR + 10 * 60_000 });

	/** A server on `dataDir` whose clock reads `clock.now`. */
	const start = async (dataDir: string, clock: { now: number }, cap?: number) => {
		const server = await startTestServer({ dataDir, clock: () => clock.now, channels: { allowPrivate: true }, ...(cap !== undefined ? { workflowAudienceCap: cap } : {}) });
		servers.push(server);
		const token = (await login(server.url, 'owner@demo.test')).accessToken;
		return { server, token };
	};

	/** Three contacts named "Sched..." through a webhook channel (the audience), and the others. */
	const contacts = async (server: TestServer, token: string, n = 3): Promise<string[]> => {
		const ch = await api(server.url, token, 'POST', '/api/directory/channels', { name: `Hook ${Math.random()}`, kind: 'webhook', url: 'http://127.0.0.1:9/none' });
		const ids: string[] = [];
		for (let i = 0; i < n; i++) {
			const r = await postSigned(`${server.url}/api/channels/${ch.json.id as string}/inbound`, ch.json.secret as string, { messageId: `s-${i}`, contact: { externalId: `sched-${i}`, firstName: `Schedy${i}` }, text: 'hi' });
			ids.push(r.json.contactId as string);
		}
		return ids;
	};

	const audience: Filter = { groups: [[{ field: 'name', op: 'starts_with', value: 'schedy' }]] };
	const hourly = (name: string): WorkflowDefinition => ({
		name,
		trigger: { type: 'schedule', schedule: { kind: 'interval', every: 1, unit: 'hours' }, audience },
		steps: [{ type: 'tag', op: 'add', tag: 'nudged' }]
	});
	const history = async (server: TestServer, token: string, id: string): Promise<History> =>
		(await api(server.url, token, 'GET', `/api/workflows/${id}/runs`)).json as unknown as History;

	// SPEC S7.7 (an occurrence runs exactly once; the audience is a filter of S4.4)
	it('fires an occurrence once for each contact of its audience, however often the engine looks', async () => {
		const dataDir = freshDir();
		const clock = tenPastTheHour();
		const started = await start(dataDir, clock);
		const server = started.server;
		let token = started.token;
		const audienceIds = await contacts(server, token);
		const res = await api(server.url, token, 'POST', '/api/workflows', { definition: hourly('Hourly nudge') });
		expect(res.status, JSON.stringify(res.json)).toBe(201);
		const id = res.json.id as string;
		server.workflows.kick();
		await server.workflows.engine.idle();
		expect((await history(server, token, id)).occurrences).toEqual([]);
		// The slot passes: one occurrence, one run per contact of the audience.
		const slot = Math.floor(clock.now / HOUR) * HOUR + HOUR;
		clock.now = slot + 1000;
		token = (await login(server.url, 'owner@demo.test')).accessToken;
		for (let i = 0; i < 5; i++) server.workflows.kick();
		await waitFor(async () => (await history(server, token, id)).occurrences[0]?.status === 'done', 15_000, 'the occurrence processed');
		for (let i = 0; i < 5; i++) server.workflows.kick();
		await waitFor(async () => (await history(server, token, id)).runs.every((r) => r.status === 'done'), 15_000, 'the runs done');
		const h = await history(server, token, id);
		expect(h.occurrences).toEqual([{ at: slot, version: 1, status: 'done', matched: 3, started: 3, capped: false }]);
		expect(h.runs.map((r) => r.contactId).sort()).toEqual([...audienceIds].sort());
		expect(h.runs.every((r) => r.startedBy === 'schedule')).toBe(true);
	}, 60_000);

	// SPEC S7.7 (exactly once across restarts; missed occurrences after downtime run once)
	it('runs a slot that passed while the server was down once, and many missed slots as one', async () => {
		const dataDir = freshDir();
		const clock = tenPastTheHour();
		let { server, token } = await start(dataDir, clock);
		await contacts(server, token);
		const id = (await api(server.url, token, 'POST', '/api/workflows', { definition: hourly('Across restarts') })).json.id as string;
		const slot = Math.floor(clock.now / HOUR) * HOUR + HOUR;
		await server.close();
		servers.splice(servers.indexOf(server), 1);
		// Down across the due time: on start, the occurrence runs once.
		clock.now = slot + 5 * 60_000;
		({ server, token } = await start(dataDir, clock));
		await waitFor(async () => (await history(server, token, id)).occurrences[0]?.status === 'done', 15_000, 'the occurrence after the restart');
		server.workflows.kick();
		await server.workflows.engine.idle();
		// Restarted again in the same hour: nothing new is due.
		await server.close();
		servers.splice(servers.indexOf(server), 1);
		({ server, token } = await start(dataDir, clock));
		server.workflows.kick();
		await server.workflows.engine.idle();
		let h = await history(server, token, id);
		expect(h.occurrences.map((o) => o.at)).toEqual([slot]);
		expect(h.runs).toHaveLength(3);
		// Down for three more slots: one occurrence, the newest, not three.
		await server.close();
		servers.splice(servers.indexOf(server), 1);
		clock.now = slot + 3 * HOUR + 60_000;
		({ server, token } = await start(dataDir, clock));
		await waitFor(async () => (await history(server, token, id)).occurrences.length === 2 && (await history(server, token, id)).occurrences[0]!.status === 'done', 15_000, 'one occurrence for the missed slots');
		h = await history(server, token, id);
		expect(h.occurrences.map((o) => o.at)).toEqual([slot + 3 * HOUR, slot]);
		expect(h.runs).toHaveLength(6);
	}, 90_000);

	// SPEC S7.7 (recorded before its runs start: processed again after a crash, it starts none twice)
	it('finishes an occurrence a crash cut off after one of its runs started, without a second run for that contact', async () => {
		const dataDir = freshDir();
		const clock = tenPastTheHour();
		let { server, token } = await start(dataDir, clock);
		const ids = await contacts(server, token);
		const id = (await api(server.url, token, 'POST', '/api/workflows', { definition: hourly('Cut off') })).json.id as string;
		const slot = Math.floor(clock.now / HOUR) * HOUR + HOUR;
		// What a process killed mid-occurrence leaves: the occurrence recorded and claimed, the run
		// of the first contact inserted (its id derived from workflow, slot and contact), no more.
		const wf = server.store.workflowStore();
		expect(await wf.insertOccurrence({ workflowId: id, at: slot, version: 1, createdAt: slot })).toBe(true);
		expect(await wf.claimOccurrence(id, slot, 0, slot + 3_600_000)).toBe(true);
		const runId = createHash('sha256').update(`${id}\u0000schedule\u0000${slot}\u0000${ids[0]}`).digest('base64url').slice(0, 20);
		const now = clock.now;
		await wf.insertRun({ id: runId, workflowId: id, version: 1, contactId: ids[0]!, status: 'running', position: [0], steps: 0, vars: {}, waitUntil: null, waitReplySince: null, error: null, startedBy: 'schedule', createdAt: now, updatedAt: now, claimUntil: 0 });
		await server.close();
		servers.splice(servers.indexOf(server), 1);
		clock.now = slot + 60_000;
		({ server, token } = await start(dataDir, clock));
		await waitFor(async () => (await history(server, token, id)).occurrences[0]?.status === 'done', 15_000, 'the occurrence finished after the restart');
		const h = await history(server, token, id);
		expect(h.occurrences).toEqual([{ at: slot, version: 1, status: 'done', matched: 3, started: 3, capped: false }]);
		expect(h.runs.map((r) => r.contactId).sort()).toEqual([...ids].sort());
	}, 60_000);

	// SPEC S7.7 (the audience is bounded, and the history says when the cap cut it)
	it('starts at most the cap of runs per occurrence and reports the cut', async () => {
		const dataDir = freshDir();
		const clock = tenPastTheHour();
		const started = await start(dataDir, clock, 2);
		const server = started.server;
		let token = started.token;
		await contacts(server, token);
		const id = (await api(server.url, token, 'POST', '/api/workflows', { definition: hourly('Capped') })).json.id as string;
		clock.now = Math.floor(clock.now / HOUR) * HOUR + HOUR + 1000;
		token = (await login(server.url, 'owner@demo.test')).accessToken;
		server.workflows.kick();
		await waitFor(async () => (await history(server, token, id)).occurrences[0]?.status === 'done', 15_000, 'the occurrence processed');
		const h = await history(server, token, id);
		expect(h.occurrences[0]).toMatchObject({ matched: 3, started: 2, capped: true });
		expect(h.runs).toHaveLength(2);
	}, 60_000);

	// SPEC S7.7, S4.4 (a big workspace: the audience is matched on the summaries the server keeps)
	it('matches an audience without loading the document of any contact outside it', async () => {
		const dataDir = freshDir();
		const clock = tenPastTheHour();
		const started = await start(dataDir, clock);
		const server = started.server;
		let token = started.token;
		const audienceIds = await contacts(server, token);
		const id = (await api(server.url, token, 'POST', '/api/workflows', { definition: hourly('Summaries only') })).json.id as string;
		const loaded = () => new Set([...server.visibility.contactDocIds()].filter((d) => server.rooms.view(d) !== undefined));
		const before = loaded();
		clock.now = Math.floor(clock.now / HOUR) * HOUR + HOUR + 1000;
		token = (await login(server.url, 'owner@demo.test')).accessToken;
		server.workflows.kick();
		await waitFor(async () => (await history(server, token, id)).occurrences[0]?.status === 'done', 15_000, 'the occurrence processed');
		const h = await history(server, token, id);
		expect(h.occurrences[0]).toMatchObject({ matched: 3, started: 3 });
		expect(h.runs.map((r) => r.contactId).sort()).toEqual([...audienceIds].sort());
		// The seeded contacts (20, none named Schedy) were read from their summaries, not loaded.
		const outside = [...loaded()].filter((d) => !before.has(d) && !audienceIds.some((c) => d.endsWith(c)));
		expect(outside).toEqual([]);
	}, 60_000);

	// SPEC S7.7 (daily at a time of day in the workspace's time zone, set in Settings > Workspace)
	it('runs a daily schedule at its time in the workspace time zone', async () => {
		const dataDir = freshDir();
		const clock = { now: Math.floor(Date.now() / 60_000) * 60_000 };
		const started = await start(dataDir, clock);
		const server = started.server;
		let token = started.token;
		expect((await api(server.url, token, 'PATCH', '/api/directory/workspace', { options: { timeZone: 'Mars/Olympus' } })).status).toBe(400);
		expect((await api(server.url, token, 'PATCH', '/api/directory/workspace', { options: { timeZone: 'Asia/Kolkata' } })).status).toBe(200);
		await contacts(server, token);
		// Twenty minutes from now, as a clock in Kolkata (UTC+5:30) reads it.
		const kolkata = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Kolkata' });
		const due = clock.now + 20 * 60_000;
		const at = kolkata.format(due);
		const res = await api(server.url, token, 'POST', '/api/workflows', {
			definition: { ...hourly('Daily in Kolkata'), trigger: { type: 'schedule', schedule: { kind: 'daily', at }, audience } }
		});
		expect(res.status, JSON.stringify(res.json)).toBe(201);
		const id = res.json.id as string;
		clock.now = due - 60_000;
		token = (await login(server.url, 'owner@demo.test')).accessToken;
		server.workflows.kick();
		await server.workflows.engine.idle();
		expect((await history(server, token, id)).occurrences).toEqual([]);
		clock.now = due + 1000;
		server.workflows.kick();
		await waitFor(async () => (await history(server, token, id)).occurrences[0]?.status === 'done', 15_000, 'the daily occurrence');
		expect((await history(server, token, id)).occurrences.map((o) => o.at)).toEqual([due]);
	}, 60_000);

	// SPEC S7.7 (validation before publishing)
	it('refuses a schedule that never happens or an audience naming a deleted field', async () => {
		const dataDir = freshDir();
		const { server, token } = await start(dataDir, { now: Date.now() });
		const bad = await api(server.url, token, 'POST', '/api/workflows', {
			definition: { ...hourly('Bad'), trigger: { type: 'schedule', schedule: { kind: 'weekly', days: [], at: '09:00' }, audience: { groups: [[{ field: 'custom:gone', op: 'is', value: 'x' }]] } } }
		});
		expect(bad.status).toBe(422);
		expect((bad.json.error as { problems: Array<{ code: string; ref?: string }> }).problems).toEqual(
			expect.arrayContaining([expect.objectContaining({ code: 'bad_trigger', ref: 'no_days' }), expect.objectContaining({ code: 'broken_filter' })])
		);
	}, 30_000);
});
