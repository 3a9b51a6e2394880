/**
 * Directory commands (`/api/directory/...`), for owners and managers only. The directory
 * document is written by the server alone, through `rooms.applyServerChange`, so every change
 * is stored, relayed and drives visibility like any other update.
 *
 * Rules: only an owner creates, edits or deletes an owner, or makes someone an owner; the last
 * active owner cannot be demoted or deactivated; a change of password, role, restriction,
 * teams or activity bumps the user's token version (older tokens stop working) and revokes
 * their refresh tokens. A webhook channel's secret is generated here, kept in its own table and
 * shown once, on creation and on rotation; it never enters the directory document.
 *
 * Issue 20: names of teams, channels and snippets are unique (case-insensitive, 409
 * `name_taken`); every change is an audit event (`audit.ts`); a restriction or teams change is
 * applied live to the user's open connections (the hub sends REVOKE/GRANT) without ending their
 * sessions, since neither is in the token; a role change, a password set by an admin and a
 * deactivation still end them. Deleting a team that contacts are assigned to needs a choice:
 * `?contacts=unassign` or `?contacts=move&to=<teamId>`, done here, one server change per contact.
 */
import { randomBytes } from 'node:crypto';
import { contactDoc, directoryDoc } from '../../../src/lib/doc';
import { assign } from '../../../src/lib/domain/actions';
import { DIR_DOC_ID, newId } from '../../../src/lib/domain/ids';
import type {
	Channel,
	ChannelId,
	CustomFieldDef,
	CustomFieldType,
	MessageTemplate,
	Restriction,
	Role,
	Snippet,
	SnippetId,
	Team,
	TeamId,
	User,
	UserId,
	WebchatOptions
} from '../../../src/lib/domain/types';
import { normalizeEmail } from '../../../src/lib/domain/contact-input';
import { hashPassword } from '../auth/passwords';
import { audit } from './audit';
import { errorReply, reply, type Reply } from './respond';
import { objectBody, type ApiDeps, type Route, type RouteContext } from './routes';
import { parseEmailSettings, secretKey } from '../channels/email/settings';

const ROLES: readonly Role[] = ['owner', 'manager', 'agent'];
const RESTRICTIONS: readonly Restriction[] = ['none', 'team', 'self'];
export const COLORS = ['#7c3aed', '#0891b2', '#db2777', '#ea580c', '#16a34a', '#2563eb'];

export type Check<T> = { ok: true; value: T } | { ok: false; reply: Reply };
export const bad = (message: string): { ok: false; reply: Reply } => ({ ok: false, reply: errorReply(400, 'invalid_input', message) });

export function text(v: unknown, field: string, max: number, required: boolean): Check<string | undefined> {
	if (v === undefined && !required) return { ok: true, value: undefined };
	if (typeof v !== 'string' || v.trim().length === 0 || v.trim().length > max) return bad(`${field} must be text of 1 to ${max} characters.`);
	return { ok: true, value: v.trim() };
}

export function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): Check<T | undefined> {
	if (v === undefined) return { ok: true, value: undefined };
	return allowed.includes(v as T) ? { ok: true, value: v as T } : bad(`${field} must be one of ${allowed.join(', ')}.`);
}

export function teamIds(v: unknown, deps: ApiDeps): Check<TeamId[] | undefined> {
	if (v === undefined) return { ok: true, value: undefined };
	const known = new Set(deps.visibility.directory.teams.map((t) => t.id));
	if (!Array.isArray(v) || !v.every((t) => typeof t === 'string' && known.has(t as TeamId))) return bad('teamIds must list existing teams.');
	return { ok: true, value: [...new Set(v as TeamId[])] };
}

export const writeDir = (deps: ApiDeps, fn: (d: ReturnType<typeof directoryDoc>) => void) =>
	deps.rooms.applyServerChange(DIR_DOC_ID, (ydoc) => fn(directoryDoc(ydoc)));

export const activeOwners = (deps: ApiDeps) => deps.visibility.directory.users.filter((u) => u.role === 'owner' && u.active);

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
	await audit(deps, me.id, 'user.create', id, { email, role: user.role });
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
	// The role is in the token: a change of it, or of activity, ends the user's sessions. A
	// restriction or teams change is not: the hub applies it to the open connections (REVOKE).
	const sessionsEnd = next.role !== current.role || next.active !== current.active;
	// The directory first: a deactivated user's sockets close as forbidden (4403) as it is written;
	// then the tokens, whose invalidation closes the user's other sockets (4401, SPEC S1.9).
	await writeDir(deps, (d) => d.putUser(next));
	if (typeof b.password === 'string') await deps.auth.setPassword(id, b.password);
	else if (sessionsEnd) await deps.auth.invalidateUser(id);
	const changed = (['name', 'role', 'restriction', 'teamIds', 'active'] as const).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(current[k]));
	const action = typeof b.active === 'boolean' && b.active !== current.active ? (b.active ? 'user.reactivate' : 'user.deactivate') : 'user.update';
	await audit(deps, me.id, action, id, { changed: Object.fromEntries(changed.map((k) => [k, next[k]])), ...(typeof b.password === 'string' ? { password: 'set' } : {}) });
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
	await audit(deps, me.id, 'user.delete', id, { email: current.email });
	return reply(204);
}

/** Another record of the list with the same name (case-insensitive), for 409 `name_taken`. */
function sameName<T extends { id: string; name: string }>(list: T[], name: string, id: string): T | undefined {
	const n = name.trim().toLocaleLowerCase();
	return list.find((x) => x.id !== id && x.name.trim().toLocaleLowerCase() === n);
}

/** Create / edit / delete routes of one plain directory record kind. */
function crud<T extends { id: string; name: string }>(kind: string, spec: {
	/** Singular name in audit actions (`team.create`). */
	noun: string;
	make(b: Record<string, unknown>, deps: ApiDeps, prev?: T): Check<T>;
	list(deps: ApiDeps): T[];
	put(d: ReturnType<typeof directoryDoc>, v: T): void;
	remove(d: ReturnType<typeof directoryDoc>, id: string): void;
	afterCreate?(v: T, deps: ApiDeps): Promise<Record<string, unknown>>;
	/** Checks a delete and does what must happen first; a reply refuses it (nothing changed). */
	beforeDelete?(ctx: RouteContext, id: string): Promise<Reply | null>;
	afterDelete?(id: string, deps: ApiDeps): Promise<void>;
}): Route[] {
	const one = new RegExp(`^/api/directory/${kind}/([A-Za-z0-9_-]{1,80})$`);
	const find = (deps: ApiDeps, id: string) => spec.list(deps).find((x) => x.id === id);
	const taken = (name: string) => errorReply(409, 'name_taken', `A ${spec.noun} named "${name}" exists.`);
	return [
		{ method: 'GET', path: new RegExp(`^/api/directory/${kind}$`), access: 'admin', handle: async ({ deps }) => reply(200, { [kind]: spec.list(deps) }) },
		{
			method: 'POST',
			path: new RegExp(`^/api/directory/${kind}$`),
			access: 'admin',
			async handle({ req, deps, me }) {
				const body = await objectBody(req);
				if (!body.ok) return body.reply;
				const made = spec.make(body.value, deps);
				if (!made.ok) return made.reply;
				if (sameName(spec.list(deps), made.value.name, made.value.id)) return taken(made.value.name);
				const extra = spec.afterCreate ? await spec.afterCreate(made.value, deps) : {};
				await writeDir(deps, (d) => spec.put(d, made.value));
				await audit(deps, me.id, `${spec.noun}.create`, made.value.id, { name: made.value.name });
				return reply(201, { id: made.value.id, ...extra });
			}
		},
		{
			method: 'PATCH',
			path: one,
			access: 'admin',
			async handle({ req, deps, params, me }) {
				const prev = find(deps, params[0]!);
				if (!prev) return errorReply(404, 'not_found', `No such ${spec.noun}.`);
				const body = await objectBody(req);
				if (!body.ok) return body.reply;
				const made = spec.make(body.value, deps, prev);
				if (!made.ok) return made.reply;
				if (sameName(spec.list(deps), made.value.name, made.value.id)) return taken(made.value.name);
				await writeDir(deps, (d) => spec.put(d, made.value));
				await audit(deps, me.id, `${spec.noun}.update`, made.value.id, { fields: Object.keys(body.value) });
				return reply(200, { [kind.slice(0, -1)]: made.value });
			}
		},
		{
			method: 'DELETE',
			path: one,
			access: 'admin',
			async handle(ctx) {
				const { deps, params, me } = ctx;
				const prev = find(deps, params[0]!);
				if (!prev) return errorReply(404, 'not_found', `No such ${spec.noun}.`);
				const refused = spec.beforeDelete ? await spec.beforeDelete(ctx, params[0]!) : null;
				if (refused) return refused;
				await spec.afterDelete?.(params[0]!, deps);
				await writeDir(deps, (d) => spec.remove(d, params[0]!));
				await audit(deps, me.id, `${spec.noun}.delete`, params[0]!, { name: prev.name, ...Object.fromEntries(ctx.url.searchParams) });
				return reply(204);
			}
		}
	];
}

/** The contact documents assigned to a team (from the access index). */
export function contactsOfTeam(deps: ApiDeps, teamId: string) {
	return [...deps.visibility.contactDocIds()].filter((d) => deps.visibility.accessOf(d)?.teamId === teamId);
}

/**
 * A team's contacts before its deletion: none, or the caller's choice done now (unassign from
 * the team, or move to another team), one server change per contact with its thread event.
 */
async function settleTeamContacts(ctx: RouteContext, id: string): Promise<Reply | null> {
	const { deps, url, me } = ctx;
	const docs = contactsOfTeam(deps, id);
	const choice = url.searchParams.get('contacts');
	if (docs.length === 0 && choice === null) return null;
	if (choice !== 'unassign' && choice !== 'move') {
		return reply(409, {
			error: { code: 'team_has_contacts', message: `${docs.length} contacts are assigned to this team: add ?contacts=unassign or ?contacts=move&to=<teamId>.`, count: docs.length }
		});
	}
	let to: TeamId | null = null;
	if (choice === 'move') {
		const target = url.searchParams.get('to');
		if (!target || target === id || !deps.visibility.directory.teams.some((t) => t.id === target)) return bad('to must be another existing team.').reply;
		to = target as TeamId;
	}
	const now = deps.clock();
	for (const docId of docs) {
		await deps.rooms.applyServerChange(docId, (ydoc) => {
			const c = contactDoc(ydoc);
			const current = c.assignment.get();
			if (current.teamId !== id) return;
			c.applyAction(assign(current, { teamId: to }, 'user'), { type: 'user', id: me.id }, now, newId);
		});
	}
	return null;
}

const teamRoutes = crud<Team>('teams', {
	noun: 'team',
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
	},
	beforeDelete: settleTeamContacts
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

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/;

/** A web chat channel's options, checked; merged over the previous ones. */
function webchatOptions(raw: unknown, prev: WebchatOptions | undefined): Check<WebchatOptions | undefined> {
	if (raw === undefined) return { ok: true, value: prev };
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('webchat must be an object.');
	const o = raw as Record<string, unknown>;
	const next: WebchatOptions = { ...prev };
	if (o.color !== undefined) {
		if (typeof o.color !== 'string' || !HEX_COLOR.test(o.color)) return bad('webchat.color must be a colour like #4f46e5.');
		next.color = o.color;
	}
	if (o.greeting !== undefined) {
		if (typeof o.greeting !== 'string' || o.greeting.length > 500) return bad('webchat.greeting must be text of at most 500 characters.');
		next.greeting = o.greeting.trim();
	}
	if (o.allowedOrigins !== undefined) {
		const list = o.allowedOrigins;
		if (!Array.isArray(list) || list.length > 50 || !list.every((x) => typeof x === 'string' && ORIGIN.test(x.trim().toLowerCase()))) {
			return bad('webchat.allowedOrigins must list at most 50 origins like https://example.com.');
		}
		next.allowedOrigins = [...new Set((list as string[]).map((x) => x.trim().toLowerCase()))];
	}
	return { ok: true, value: next };
}

const channelRoutes = crud<Channel>('channels', {
	noun: 'channel',
	make(b, _deps, prev) {
		const name = text(b.name, 'name', 100, !prev);
		if (!name.ok) return name;
		const kind = oneOf(b.kind ?? prev?.kind, 'kind', ['webchat', 'webhook', 'email'] as const);
		if (!kind.ok) return kind;
		if (!kind.value) return bad('kind must be webchat, webhook or email.');
		// An email channel's settings (its secrets are stored by the email channel: PATCH /api/channels/<id>/email).
		let email = prev?.email;
		if (kind.value === 'email' && b.email !== undefined) {
			const parsed = parseEmailSettings(b.email, prev?.email);
			if (!parsed.ok) return bad(parsed.message);
			if (Object.keys(parsed.secrets).length > 0) return bad('passwords and keys of an email channel are set with PATCH /api/channels/<id>/email.');
			email = parsed.settings;
		}
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
		const webchat = webchatOptions(b.webchat, prev?.webchat);
		if (!webchat.ok) return webchat;
		if (webchat.value && kind.value !== 'webchat') return bad('webchat options are for web chat channels.');
		const value: Channel = {
			id: prev?.id ?? (`ch-${newId()}` as ChannelId),
			kind: kind.value,
			name: name.value ?? prev!.name,
			windowHours,
			supportsReplies,
			...(url !== undefined ? { url } : {}),
			...(templates && templates.length > 0 ? { templates } : {}),
			...(webchat.value ? { webchat: webchat.value } : {}),
			...(kind.value === 'email' ? { email: email ?? { addresses: [] } } : {}),
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
	async afterDelete(id, deps) {
		await deps.store.deleteChannelSecret(id);
		for (const k of ['smtp', 'imap', 'dkim'] as const) await deps.store.deleteChannelSecret(secretKey(id, k));
	}
});

const snippetRoutes = crud<Snippet>('snippets', {
	noun: 'snippet',
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

const FIELD_TYPES: readonly CustomFieldType[] = ['text', 'email', 'phone', 'url', 'number', 'checkbox', 'date', 'time', 'select'];
const FIELD_KEY = /^[a-z][a-z0-9_]{0,39}$/;

/** A custom field definition from a body, checked (`prev`: the field edited; its key stays). */
function customField(b: Record<string, unknown>, deps: ApiDeps, prev?: CustomFieldDef): Check<CustomFieldDef> {
	const label = text(b.label, 'label', 100, !prev);
	if (!label.ok) return label;
	const type = oneOf(b.type ?? prev?.type, 'type', FIELD_TYPES);
	if (!type.ok) return type;
	if (!type.value) return bad(`type must be one of ${FIELD_TYPES.join(', ')}.`);
	let key = prev?.key;
	if (!prev) {
		const given = b.key ?? (label.value ?? '').toLowerCase().normalize('NFD').replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').replace(/^(\d)/, 'f_$1').slice(0, 40);
		if (typeof given !== 'string' || !FIELD_KEY.test(given)) return bad('key must be 1 to 40 lowercase letters, digits or _ starting with a letter.');
		key = given;
	}
	let options = prev?.options;
	if (b.options !== undefined) {
		const o = b.options;
		if (!Array.isArray(o) || o.length > 100 || !o.every((x) => typeof x === 'string' && x.trim().length > 0 && x.trim().length <= 100)) {
			return bad('options must list at most 100 choices of 1 to 100 characters.');
		}
		options = [...new Set((o as string[]).map((x) => x.trim()))];
	}
	if (type.value === 'select' && (!options || options.length === 0)) return bad('a select field needs options.');
	const labelValue = label.value ?? prev!.label;
	const clash = deps.visibility.directory.customFields.find((f) => f.key !== key && f.label.toLocaleLowerCase() === labelValue.toLocaleLowerCase());
	if (clash) return { ok: false, reply: errorReply(409, 'name_taken', `A field labelled "${labelValue}" exists.`) };
	return { ok: true, value: { key: key!, label: labelValue, type: type.value, ...(type.value === 'select' && options ? { options } : {}) } };
}

const customFieldRoutes: Route[] = [
	{ method: 'GET', path: /^\/api\/directory\/custom-fields$/, access: 'admin', handle: async ({ deps }) => reply(200, { customFields: deps.visibility.directory.customFields }) },
	{
		method: 'POST',
		path: /^\/api\/directory\/custom-fields$/,
		access: 'admin',
		async handle({ req, deps, me }) {
			const body = await objectBody(req);
			if (!body.ok) return body.reply;
			const made = customField(body.value, deps);
			if (!made.ok) return made.reply;
			if (deps.visibility.directory.customFields.some((f) => f.key === made.value.key)) return errorReply(409, 'key_taken', `A field with key "${made.value.key}" exists.`);
			await writeDir(deps, (d) => d.putCustomField(made.value));
			await audit(deps, me.id, 'field.create', made.value.key, { label: made.value.label, type: made.value.type });
			return reply(201, { key: made.value.key, field: made.value });
		}
	},
	{
		method: 'PATCH',
		path: /^\/api\/directory\/custom-fields\/([a-z][a-z0-9_]{0,39}|[A-Za-z0-9_-]{1,80})$/,
		access: 'admin',
		async handle({ req, deps, params, me }) {
			const prev = deps.visibility.directory.customFields.find((f) => f.key === params[0]);
			if (!prev) return errorReply(404, 'not_found', 'No such field.');
			const body = await objectBody(req);
			if (!body.ok) return body.reply;
			const made = customField(body.value, deps, prev);
			if (!made.ok) return made.reply;
			await writeDir(deps, (d) => d.putCustomField(made.value));
			await audit(deps, me.id, 'field.update', prev.key, { fields: Object.keys(body.value) });
			return reply(200, { field: made.value });
		}
	},
	{
		method: 'DELETE',
		path: /^\/api\/directory\/custom-fields\/([a-z][a-z0-9_]{0,39}|[A-Za-z0-9_-]{1,80})$/,
		access: 'admin',
		async handle({ deps, params, me }) {
			const prev = deps.visibility.directory.customFields.find((f) => f.key === params[0]);
			if (!prev) return errorReply(404, 'not_found', 'No such field.');
			await writeDir(deps, (d) => d.removeCustomField(prev.key));
			await audit(deps, me.id, 'field.delete', prev.key, { label: prev.label });
			return reply(204);
		}
	}
];

export const directoryRoutes: Route[] = [
	{ method: 'GET', path: /^\/api\/directory\/users$/, access: 'admin', handle: async ({ deps }) => reply(200, { users: deps.visibility.directory.users }) },
	{ method: 'POST', path: /^\/api\/directory\/users$/, access: 'admin', handle: createUser },
	{ method: 'PATCH', path: /^\/api\/directory\/users\/([A-Za-z0-9_-]{1,80})$/, access: 'admin', handle: editUser },
	{ method: 'DELETE', path: /^\/api\/directory\/users\/([A-Za-z0-9_-]{1,80})$/, access: 'admin', handle: deleteUser },
	...teamRoutes,
	...channelRoutes,
	...snippetRoutes,
	...customFieldRoutes
];
