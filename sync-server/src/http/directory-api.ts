/**
 * Directory commands (`/api/directory/...`), for owners and managers only. The directory
 * document is written by the server alone, through `rooms.applyServerChange`, so every change
 * is stored, relayed and drives visibility like any other update.
 *
 * Rules: only an owner creates, edits or deletes an owner, or makes someone an owner; the last
 * active owner cannot be demoted or deactivated; a change of password, role, restriction,
 * teams or activity bumps the user's token version (older tokens stop working) and revokes
 * their refresh tokens. A webhook channel's secret is generated here, kept in its own table and
 * shown once, on creation; it never enters the directory document.
 */
import { randomBytes } from 'node:crypto';
import { directoryDoc } from '../../../src/lib/doc';
import { DIR_DOC_ID, newId } from '../../../src/lib/domain/ids';
import type { Channel, ChannelId, MessageTemplate, Restriction, Role, Snippet, SnippetId, Team, TeamId, User, UserId } from '../../../src/lib/domain/types';
import { normalizeEmail } from '../../../src/lib/domain/contact-input';
import { hashPassword } from '../auth/passwords';
import { errorReply, reply, type Reply } from './respond';
import { objectBody, type ApiDeps, type Route, type RouteContext } from './routes';

const ROLES: readonly Role[] = ['owner', 'manager', 'agent'];
const RESTRICTIONS: readonly Restriction[] = ['none', 'team', 'self'];
const COLORS = ['#7c3aed', '#0891b2', '#db2777', '#ea580c', '#16a34a', '#2563eb'];

type Check<T> = { ok: true; value: T } | { ok: false; reply: Reply };
const bad = (message: string): { ok: false; reply: Reply } => ({ ok: false, reply: errorReply(400, 'invalid_input', message) });

function text(v: unknown, field: string, max: number, required: boolean): Check<string | undefined> {
	if (v === undefined && !required) return { ok: true, value: undefined };
	if (typeof v !== 'string' || v.trim().length === 0 || v.trim().length > max) return bad(`${field} must be text of 1 to ${max} characters.`);
	return { ok: true, value: v.trim() };
}

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): Check<T | undefined> {
	if (v === undefined) return { ok: true, value: undefined };
	return allowed.includes(v as T) ? { ok: true, value: v as T } : bad(`${field} must be one of ${allowed.join(', ')}.`);
}

function teamIds(v: unknown, deps: ApiDeps): Check<TeamId[] | undefined> {
	if (v === undefined) return { ok: true, value: undefined };
	const known = new Set(deps.visibility.directory.teams.map((t) => t.id));
	if (!Array.isArray(v) || !v.every((t) => typeof t === 'string' && known.has(t as TeamId))) return bad('teamIds must list existing teams.');
	return { ok: true, value: [...new Set(v as TeamId[])] };
}

const writeDir = (deps: ApiDeps, fn: (d: ReturnType<typeof directoryDoc>) => void) =>
	deps.rooms.applyServerChange(DIR_DOC_ID, (ydoc) => fn(directoryDoc(ydoc)));

const activeOwners = (deps: ApiDeps) => deps.visibility.directory.users.filter((u) => u.role === 'owner' && u.active);

async function createUser(ctx: RouteContext): Promise<Reply> {
	const { deps, me } = ctx;
	const body = await objectBody(ctx.req);
	if (!body.ok) return body.reply;
	const b = body.value;
	const name = text(b.name, 'name', 100, true);
	if (!name.ok) return name.reply;
	const email = typeof b.email === 'string' ? normalizeEmail(b.email) : null;
	if (!email) return errorReply(400, 'invalid_input', 'email must be an email address.');
	const role = oneOf(b.role ?? 'agent', 'role', ROLES);
	if (!role.ok) return role.reply;
	const restriction = oneOf(b.restriction ?? 'none', 'restriction', RESTRICTIONS);
	if (!restriction.ok) return restriction.reply;
	const teams = teamIds(b.teamIds ?? [], deps);
	if (!teams.ok) return teams.reply;
	if (role.value === 'owner' && me.role !== 'owner') return errorReply(403, 'forbidden', 'Only an owner can add an owner.');
	if (b.password !== undefined && (typeof b.password !== 'string' || b.password.length < 8 || b.password.length > 1024)) {
		return errorReply(400, 'invalid_input', 'password must have at least 8 characters.');
	}
	if (await deps.store.getUserByEmail(email)) return errorReply(409, 'email_taken', 'A user with this email exists.');
	const password = typeof b.password === 'string' ? b.password : randomBytes(12).toString('base64url');
	const id = `u-${newId()}` as UserId;
	await deps.store.createUser({ id, email, passwordHash: await hashPassword(password), tokenVersion: 0 });
	const user: User = {
		id,
		name: name.value!,
		email,
		role: role.value!,
		restriction: restriction.value!,
		teamIds: teams.value!,
		color: COLORS[deps.visibility.directory.users.length % COLORS.length]!,
		active: true
	};
	await writeDir(deps, (d) => d.putUser(user));
	// The password is shown once, when the server made it up (an invitation to pass on).
	return reply(201, typeof b.password === 'string' ? { id, user } : { id, user, password });
}

async function editUser(ctx: RouteContext): Promise<Reply> {
	const { deps, me } = ctx;
	const id = ctx.params[0] as UserId;
	const current = deps.visibility.user(id);
	if (!current) return errorReply(404, 'not_found', 'No such user.');
	const body = await objectBody(ctx.req);
	if (!body.ok) return body.reply;
	const b = body.value;
	const name = text(b.name, 'name', 100, false);
	if (!name.ok) return name.reply;
	const role = oneOf(b.role, 'role', ROLES);
	if (!role.ok) return role.reply;
	const restriction = oneOf(b.restriction, 'restriction', RESTRICTIONS);
	if (!restriction.ok) return restriction.reply;
	const teams = teamIds(b.teamIds, deps);
	if (!teams.ok) return teams.reply;
	if (b.active !== undefined && typeof b.active !== 'boolean') return errorReply(400, 'invalid_input', 'active must be true or false.');
	if (b.password !== undefined && (typeof b.password !== 'string' || b.password.length < 8 || b.password.length > 1024)) {
		return errorReply(400, 'invalid_input', 'password must have at least 8 characters.');
	}
	if ((current.role === 'owner' || role.value === 'owner') && me.role !== 'owner') {
		return errorReply(403, 'forbidden', 'Only an owner can change an owner.');
	}
	const next: User = {
		...current,
		...(name.value !== undefined ? { name: name.value } : {}),
		...(role.value !== undefined ? { role: role.value } : {}),
		...(restriction.value !== undefined ? { restriction: restriction.value } : {}),
		...(teams.value !== undefined ? { teamIds: teams.value } : {}),
		...(typeof b.active === 'boolean' ? { active: b.active } : {})
	};
	const losesOwner = current.role === 'owner' && current.active && (next.role !== 'owner' || !next.active);
	if (losesOwner && activeOwners(deps).length <= 1) return errorReply(409, 'last_owner', 'The workspace needs an active owner.');
	const accessChanged =
		next.role !== current.role ||
		next.restriction !== current.restriction ||
		next.active !== current.active ||
		next.teamIds.join() !== current.teamIds.join();
	// The directory first: a deactivated user's sockets close as forbidden (4403) as it is written;
	// then the tokens, whose invalidation closes the user's other sockets (4401, SPEC S1.9).
	await writeDir(deps, (d) => d.putUser(next));
	if (typeof b.password === 'string') await deps.auth.setPassword(id, b.password);
	else if (accessChanged) await deps.auth.invalidateUser(id);
	return reply(200, { user: next });
}

async function deleteUser(ctx: RouteContext): Promise<Reply> {
	const { deps, me } = ctx;
	const id = ctx.params[0] as UserId;
	const current = deps.visibility.user(id);
	if (!current) return errorReply(404, 'not_found', 'No such user.');
	if (me.role !== 'owner') return errorReply(403, 'forbidden', 'Only an owner can delete a user.');
	if (current.role === 'owner' && activeOwners(deps).length <= 1) return errorReply(409, 'last_owner', 'The workspace needs an active owner.');
	await deps.store.deleteUser(id);
	await writeDir(deps, (d) => d.removeUser(id));
	deps.hub.closeUser(id, 'user deleted');
	return reply(204);
}

/** Create / edit / delete routes of one plain directory record kind. */
function crud<T extends { id: string; name: string }>(kind: string, spec: {
	make(b: Record<string, unknown>, deps: ApiDeps, prev?: T): Check<T>;
	list(deps: ApiDeps): T[];
	put(d: ReturnType<typeof directoryDoc>, v: T): void;
	remove(d: ReturnType<typeof directoryDoc>, id: string): void;
	afterCreate?(v: T, deps: ApiDeps): Promise<Record<string, unknown>>;
	afterDelete?(id: string, deps: ApiDeps): Promise<void>;
}): Route[] {
	const one = new RegExp(`^/api/directory/${kind}/([A-Za-z0-9_-]{1,80})$`);
	const find = (deps: ApiDeps, id: string) => spec.list(deps).find((x) => x.id === id);
	return [
		{ method: 'GET', path: new RegExp(`^/api/directory/${kind}$`), access: 'admin', handle: async ({ deps }) => reply(200, { [kind]: spec.list(deps) }) },
		{
			method: 'POST',
			path: new RegExp(`^/api/directory/${kind}$`),
			access: 'admin',
			async handle({ req, deps }) {
				const body = await objectBody(req);
				if (!body.ok) return body.reply;
				const made = spec.make(body.value, deps);
				if (!made.ok) return made.reply;
				const extra = spec.afterCreate ? await spec.afterCreate(made.value, deps) : {};
				await writeDir(deps, (d) => spec.put(d, made.value));
				return reply(201, { id: made.value.id, ...extra });
			}
		},
		{
			method: 'PATCH',
			path: one,
			access: 'admin',
			async handle({ req, deps, params }) {
				const prev = find(deps, params[0]!);
				if (!prev) return errorReply(404, 'not_found', `No such ${kind.slice(0, -1)}.`);
				const body = await objectBody(req);
				if (!body.ok) return body.reply;
				const made = spec.make(body.value, deps, prev);
				if (!made.ok) return made.reply;
				await writeDir(deps, (d) => spec.put(d, made.value));
				return reply(200, { [kind.slice(0, -1)]: made.value });
			}
		},
		{
			method: 'DELETE',
			path: one,
			access: 'admin',
			async handle({ deps, params }) {
				if (!find(deps, params[0]!)) return errorReply(404, 'not_found', `No such ${kind.slice(0, -1)}.`);
				await spec.afterDelete?.(params[0]!, deps);
				await writeDir(deps, (d) => spec.remove(d, params[0]!));
				return reply(204);
			}
		}
	];
}

const teamRoutes = crud<Team>('teams', {
	make(b, _deps, prev) {
		const name = text(b.name, 'name', 100, !prev);
		if (!name.ok) return name;
		return { ok: true, value: { id: prev?.id ?? (`t-${newId()}` as TeamId), name: name.value ?? prev!.name } };
	},
	list: (deps) => deps.visibility.directory.teams,
	put: (d, v) => d.putTeam(v),
	remove(d, id) {
		for (const u of d.read().users) if (u.teamIds.includes(id as TeamId)) d.putUser({ ...u, teamIds: u.teamIds.filter((t) => t !== id) });
		d.removeTeam(id);
	}
});

/** S5.6: a channel's message templates, checked; null when malformed. */
function channelTemplates(raw: unknown): MessageTemplate[] | null {
	if (!Array.isArray(raw) || raw.length > 20) return null;
	const out: MessageTemplate[] = [];
	for (const t of raw as unknown[]) {
		const o = typeof t === 'object' && t !== null ? (t as Record<string, unknown>) : null;
		const name = typeof o?.name === 'string' ? o.name.trim() : '';
		const body = typeof o?.text === 'string' ? o.text.trim() : '';
		const id = typeof o?.id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(o.id) ? o.id : `tpl-${newId()}`;
		if (!name || name.length > 100 || !body || body.length > 1000) return null;
		out.push({ id, name, text: body });
	}
	return out;
}

const channelRoutes = crud<Channel>('channels', {
	make(b, _deps, prev) {
		const name = text(b.name, 'name', 100, !prev);
		if (!name.ok) return name;
		const kind = oneOf(b.kind ?? prev?.kind, 'kind', ['webchat', 'webhook'] as const);
		if (!kind.ok) return kind;
		if (!kind.value) return bad('kind must be webchat or webhook.');
		let url = prev?.url;
		if (b.url !== undefined) {
			if (typeof b.url !== 'string' || b.url.length > 2048 || !/^https?:\/\/[^\s]+$/.test(b.url)) return bad('url must be an http(s) URL.');
			url = b.url;
		}
		if (kind.value === 'webhook' && !url) return bad('a webhook channel needs a url.');
		const windowHours = b.windowHours === undefined ? (prev?.windowHours ?? null) : b.windowHours;
		if (windowHours !== null && (typeof windowHours !== 'number' || !Number.isInteger(windowHours) || windowHours < 1 || windowHours > 24 * 365)) {
			return bad('windowHours must be a whole number of hours or null.');
		}
		const supportsReplies = b.supportsReplies === undefined ? (prev?.supportsReplies ?? true) : b.supportsReplies;
		if (typeof supportsReplies !== 'boolean') return bad('supportsReplies must be true or false.');
		// SPEC S2: voice calls on a web chat channel.
		const calls = b.calls === undefined ? (prev?.calls ?? false) : b.calls;
		if (typeof calls !== 'boolean') return bad('calls must be true or false.');
		let templates = prev?.templates;
		if (b.templates !== undefined) {
			const t = channelTemplates(b.templates);
			if (!t) return bad('templates must be at most 20 of {id?, name (1-100 characters), text (1-1000 characters)}.');
			templates = t;
		}
		const value: Channel = {
			id: prev?.id ?? (`ch-${newId()}` as ChannelId),
			kind: kind.value,
			name: name.value ?? prev!.name,
			windowHours,
			supportsReplies,
			...(url !== undefined ? { url } : {}),
			...(templates && templates.length > 0 ? { templates } : {}),
			...(calls && kind.value === 'webchat' ? { calls: true } : {})
		};
		return { ok: true, value };
	},
	list: (deps) => deps.visibility.directory.channels,
	put: (d, v) => d.putChannel(v),
	remove: (d, id) => d.removeChannel(id),
	async afterCreate(v, deps) {
		if (v.kind !== 'webhook') return {};
		const secret = randomBytes(32).toString('base64url');
		await deps.store.setChannelSecret(v.id, secret);
		return { secret };
	},
	afterDelete: (id, deps) => deps.store.deleteChannelSecret(id)
});

const snippetRoutes = crud<Snippet>('snippets', {
	make(b, _deps, prev) {
		const name = text(b.name, 'name', 100, !prev);
		if (!name.ok) return name;
		const body = text(b.text, 'text', 10_000, !prev);
		if (!body.ok) return body;
		return {
			ok: true,
			value: { id: prev?.id ?? (`s-${newId()}` as SnippetId), name: name.value ?? prev!.name, text: body.value ?? prev!.text }
		};
	},
	list: (deps) => deps.visibility.directory.snippets,
	put: (d, v) => d.putSnippet(v),
	remove: (d, id) => d.removeSnippet(id)
});

export const directoryRoutes: Route[] = [
	{ method: 'GET', path: /^\/api\/directory\/users$/, access: 'admin', handle: async ({ deps }) => reply(200, { users: deps.visibility.directory.users }) },
	{ method: 'POST', path: /^\/api\/directory\/users$/, access: 'admin', handle: createUser },
	{ method: 'PATCH', path: /^\/api\/directory\/users\/([A-Za-z0-9_-]{1,80})$/, access: 'admin', handle: editUser },
	{ method: 'DELETE', path: /^\/api\/directory\/users\/([A-Za-z0-9_-]{1,80})$/, access: 'admin', handle: deleteUser },
	...teamRoutes,
	...channelRoutes,
	...snippetRoutes
];
