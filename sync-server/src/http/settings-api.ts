/**
 * Settings commands beyond the directory records (issue 20): invitations, password reset links,
 * the first-run setup, the caller's own profile and password, workspace name and options,
 * webhook secret rotation and test events, and the audit trail.
 *
 * One-time links (invitations, resets) are random 256-bit tokens shown once, stored as hashes
 * (`links` table), valid for `LINK_TTL_MS`, used at most once (`useLink` is conditional). An
 * unknown token is 404 `link_not_found`, an expired one 410 `link_expired`, a used one 410
 * `link_used`. Every command validates its whole input before writing anything, and each change
 * is an audit event.
 */
import { normalizeEmail } from '../../../src/lib/domain/contact-input';
import { newId } from '../../../src/lib/domain/ids';
import type { Restriction, Role, User, UserId } from '../../../src/lib/domain/types';
import { checkOptionsPatch } from '../../../src/lib/domain/workspace-options';
import { hashPassword } from '../auth/passwords';
import { postJson } from '../channels/outbound-http';
import { hashToken, randomSecret, sign } from '../channels/signature';
import type { LinkKind, LinkRecord, MetaStore } from '../persistence/store';
import { audit } from './audit';
import { COLORS, oneOf, teamIds, text, writeDir } from './directory-api';
import { errorReply, reply, type Reply } from './respond';
import { objectBody, type ApiDeps, type PublicContext, type Route, type RouteContext } from './routes';

/** How long an invitation or reset link stays valid. */
export const LINK_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const ROLES: readonly Role[] = ['owner', 'manager', 'agent'];
const RESTRICTIONS: readonly Restriction[] = ['none', 'team', 'self'];
const TOKEN = '([A-Za-z0-9_-]{1,100})';

export interface SettingsRouteOptions {
	/** Test events may reach private addresses (ALLOW_LOOPBACK_CHANNELS=1). */
	allowPrivate: boolean;
	timeoutMs?: number;
}

function password(v: unknown): string | null {
	return typeof v === 'string' && v.length >= 8 && v.length <= 1024 ? v : null;
}
const badPassword = () => errorReply(400, 'invalid_input', 'password must have 8 to 1024 characters.');

interface InvitePayload {
	role: Role;
	restriction: Restriction;
	teamIds: string[];
	name?: string;
}

async function newLink(deps: ApiDeps, kind: LinkKind, email: string, userId: UserId | null, payload: unknown, by: UserId) {
	const token = randomSecret();
	const now = deps.clock();
	const link: LinkRecord = { hash: hashToken(token), kind, email, userId, payload: JSON.stringify(payload), createdBy: by, createdAt: now, expiresAt: now + LINK_TTL_MS, usedAt: null };
	await deps.store.insertLink(link);
	return { token, link };
}

/** The live link of a token, or the refusal (unknown, other kind, expired, used). */
async function liveLink(deps: ApiDeps, token: string, kind: LinkKind): Promise<{ ok: true; link: LinkRecord } | { ok: false; reply: Reply }> {
	const link = await deps.store.getLink(hashToken(token));
	const what = kind === 'invite' ? 'invitation' : 'password reset link';
	if (!link || link.kind !== kind) return { ok: false, reply: errorReply(404, 'link_not_found', `This ${what} does not exist.`) };
	if (link.usedAt !== null) return { ok: false, reply: errorReply(410, 'link_used', `This ${what} was already used.`) };
	if (link.expiresAt <= deps.clock()) return { ok: false, reply: errorReply(410, 'link_expired', `This ${what} has expired; ask for a new one.`) };
	return { ok: true, link };
}

const inviteView = (l: LinkRecord) => {
	const p = JSON.parse(l.payload) as InvitePayload;
	return { id: l.hash.slice(0, 12), email: l.email, role: p.role, restriction: p.restriction, teamIds: p.teamIds, createdBy: l.createdBy, createdAt: l.createdAt, expiresAt: l.expiresAt };
};

async function createInvite({ req, deps, me }: RouteContext): Promise<Reply> {
	const body = await objectBody(req);
	if (!body.ok) return body.reply;
	const b = body.value;
	const email = typeof b.email === 'string' && b.email.length <= 254 ? normalizeEmail(b.email) : null;
	if (!email) return errorReply(400, 'invalid_input', 'email must be an email address.');
	const role = oneOf(b.role ?? 'agent', 'role', ROLES);
	if (!role.ok) return role.reply;
	const restriction = oneOf(b.restriction ?? 'none', 'restriction', RESTRICTIONS);
	if (!restriction.ok) return restriction.reply;
	const teams = teamIds(b.teamIds ?? [], deps);
	if (!teams.ok) return teams.reply;
	const name = text(b.name, 'name', 100, false);
	if (!name.ok) return name.reply;
	if (role.value === 'owner' && me.role !== 'owner') return errorReply(403, 'forbidden', 'Only an owner can invite an owner.');
	if (await deps.store.getUserByEmail(email)) return errorReply(409, 'email_taken', 'A user with this email exists.');
	const payload: InvitePayload = { role: role.value!, restriction: restriction.value!, teamIds: teams.value!, ...(name.value ? { name: name.value } : {}) };
	const { token, link } = await newLink(deps, 'invite', email, null, payload, me.id);
	await audit(deps, me.id, 'user.invite', null, { email, role: payload.role });
	return reply(201, { invite: inviteView(link), token, path: `/invite/${token}` });
}

async function showInvite({ deps, params }: PublicContext): Promise<Reply> {
	const live = await liveLink(deps, params[0]!, 'invite');
	if (!live.ok) return live.reply;
	const p = JSON.parse(live.link.payload) as InvitePayload;
	return reply(200, { email: live.link.email, name: p.name ?? '', role: p.role, workspaceName: deps.visibility.directory.workspaceName, expiresAt: live.link.expiresAt });
}

async function acceptInvite({ req, deps, params }: PublicContext): Promise<Reply> {
	const body = await objectBody(req);
	if (!body.ok) return body.reply;
	const name = text(body.value.name, 'name', 100, true);
	if (!name.ok) return name.reply;
	const pw = password(body.value.password);
	if (!pw) return badPassword();
	const live = await liveLink(deps, params[0]!, 'invite');
	if (!live.ok) return live.reply;
	const { link } = live;
	if (await deps.store.getUserByEmail(link.email)) return errorReply(409, 'email_taken', 'A user with this email exists.');
	if (!(await deps.store.useLink(link.hash, deps.clock()))) return errorReply(410, 'link_used', 'This invitation was already used.');
	const p = JSON.parse(link.payload) as InvitePayload;
	const known = new Set(deps.visibility.directory.teams.map((t) => t.id));
	const id = `u-${newId()}` as UserId;
	await deps.store.createUser({ id, email: link.email, passwordHash: await hashPassword(pw), tokenVersion: 0 });
	const user: User = {
		id,
		name: name.value!,
		email: link.email,
		role: p.role,
		restriction: p.restriction,
		teamIds: p.teamIds.filter((t) => known.has(t as never)) as User['teamIds'],
		color: COLORS[deps.visibility.directory.users.length % COLORS.length]!,
		active: true
	};
	await writeDir(deps, (d) => d.putUser(user));
	await audit(deps, id, 'user.accept_invite', id, { email: link.email, invitedBy: link.createdBy });
	return reply(201, { user });
}

async function createResetLink({ deps, me, params }: RouteContext): Promise<Reply> {
	const target = deps.visibility.user(params[0] as UserId);
	if (!target) return errorReply(404, 'not_found', 'No such user.');
	if (target.role === 'owner' && me.role !== 'owner') return errorReply(403, 'forbidden', 'Only an owner can reset an owner\'s password.');
	if (!target.active) return errorReply(409, 'user_inactive', 'Reactivate the user first.');
	const { token, link } = await newLink(deps, 'reset', target.email, target.id, {}, me.id);
	await audit(deps, me.id, 'user.reset_link', target.id, {});
	return reply(201, { token, path: `/reset/${token}`, expiresAt: link.expiresAt });
}

async function showReset({ deps, params }: PublicContext): Promise<Reply> {
	const live = await liveLink(deps, params[0]!, 'reset');
	if (!live.ok) return live.reply;
	return reply(200, { email: live.link.email, workspaceName: deps.visibility.directory.workspaceName, expiresAt: live.link.expiresAt });
}

async function useReset({ req, deps, params }: PublicContext): Promise<Reply> {
	const body = await objectBody(req);
	if (!body.ok) return body.reply;
	const pw = password(body.value.password);
	if (!pw) return badPassword();
	const live = await liveLink(deps, params[0]!, 'reset');
	if (!live.ok) return live.reply;
	const user = live.link.userId ? deps.visibility.user(live.link.userId) : undefined;
	if (!user || !user.active) return errorReply(410, 'link_expired', 'This account is no longer active.');
	if (!(await deps.store.useLink(live.link.hash, deps.clock()))) return errorReply(410, 'link_used', 'This password reset link was already used.');
	// Every session of the account ends: whoever knew the old password is out.
	await deps.auth.setPassword(user.id, pw);
	await audit(deps, user.id, 'user.password_reset', user.id, {});
	return reply(200, { email: user.email });
}

let setupRunning: Promise<Reply> | null = null;

/** The store's record of who is setting the workspace up: one setup across every process. */
const SETUP_CLAIM = 'setup.claim';
/** A claim whose setup never finished (its process died) is taken over after this long. */
const SETUP_CLAIM_MS = 60_000;

/** Claims the first-run setup by compare-and-set in the store; false when another process holds it. */
async function claimSetup(store: MetaStore, email: string, now: number): Promise<boolean> {
	const held = await store.getMeta(SETUP_CLAIM);
	if (held !== null) {
		const at = (JSON.parse(held) as { at?: unknown }).at;
		if (typeof at === 'number' && now - at < SETUP_CLAIM_MS) return false;
	}
	return store.swapMeta(SETUP_CLAIM, held, JSON.stringify({ email, at: now }));
}

/** First run (empty workspace, no demo): names the workspace and creates its owner. */
async function setup(ctx: PublicContext): Promise<Reply> {
	// One at a time: the second of two simultaneous setups finds the owner made.
	while (setupRunning) await setupRunning.catch(() => undefined);
	setupRunning = doSetup(ctx);
	try {
		return await setupRunning;
	} finally {
		setupRunning = null;
	}
}

async function doSetup({ req, deps }: PublicContext): Promise<Reply> {
	if (deps.visibility.directory.users.length > 0) return errorReply(409, 'already_set_up', 'This workspace already has an owner; sign in instead.');
	const body = await objectBody(req);
	if (!body.ok) return body.reply;
	const b = body.value;
	const workspaceName = text(b.workspaceName, 'workspaceName', 100, true);
	if (!workspaceName.ok) return workspaceName.reply;
	const name = text(b.name, 'name', 100, true);
	if (!name.ok) return name.reply;
	const email = typeof b.email === 'string' && b.email.length <= 254 ? normalizeEmail(b.email) : null;
	if (!email) return errorReply(400, 'invalid_input', 'email must be an email address.');
	const pw = password(b.password);
	if (!pw) return badPassword();
	if (await deps.store.getUserByEmail(email)) return errorReply(409, 'email_taken', 'A user with this email exists.');
	// The directory above is this process's view; another process may be setting up at this moment.
	if (!(await claimSetup(deps.store, email, Date.now()))) return errorReply(409, 'already_set_up', 'This workspace is being set up; sign in instead.');
	const id = `u-${newId()}` as UserId;
	await deps.store.createUser({ id, email, passwordHash: await hashPassword(pw), tokenVersion: 0 });
	const user: User = { id, name: name.value!, email, role: 'owner', restriction: 'none', teamIds: [], color: COLORS[0]!, active: true };
	await writeDir(deps, (d) => {
		d.setSettings({ workspaceName: workspaceName.value! });
		d.putUser(user);
	});
	await audit(deps, id, 'workspace.setup', id, { workspaceName: workspaceName.value, email });
	return reply(201, { user });
}

async function editMe({ req, deps, me }: RouteContext): Promise<Reply> {
	const body = await objectBody(req);
	if (!body.ok) return body.reply;
	const b = body.value;
	const name = text(b.name, 'name', 100, false);
	if (!name.ok) return name.reply;
	if (b.color !== undefined && (typeof b.color !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(b.color))) {
		return errorReply(400, 'invalid_input', 'color must be a colour like #7c3aed.');
	}
	const next: User = { ...me, ...(name.value ? { name: name.value } : {}), ...(typeof b.color === 'string' ? { color: b.color.toLowerCase() } : {}) };
	await writeDir(deps, (d) => d.putUser(next));
	await audit(deps, me.id, 'profile.update', me.id, { fields: Object.keys(b).filter((k) => k === 'name' || k === 'color') });
	return reply(200, { user: next });
}

async function changeMyPassword({ req, deps, me, principal }: RouteContext): Promise<Reply> {
	const body = await objectBody(req);
	if (!body.ok) return body.reply;
	const current = typeof body.value.currentPassword === 'string' ? body.value.currentPassword : '';
	const pw = password(body.value.password);
	if (!pw) return badPassword();
	if (!current || current.length > 1024 || !(await deps.auth.checkPassword(me.id, current))) {
		return errorReply(403, 'wrong_password', 'The current password is not right.');
	}
	await deps.auth.changeOwnPassword(me.id, pw, principal.sessionId);
	await audit(deps, me.id, 'profile.password', me.id, {});
	return reply(204);
}

const COUNTRY = /^[A-Z]{2}$/;

async function editWorkspace({ req, deps, me }: RouteContext): Promise<Reply> {
	const body = await objectBody(req);
	if (!body.ok) return body.reply;
	const b = body.value;
	const unknown = Object.keys(b).filter((k) => k !== 'name' && k !== 'defaultCountry' && k !== 'options');
	if (unknown.length > 0) return errorReply(400, 'invalid_input', `Unknown field ${unknown[0]}: give name, defaultCountry or options.`);
	const name = text(b.name, 'name', 100, false);
	if (!name.ok) return name.reply;
	if (b.defaultCountry !== undefined && (typeof b.defaultCountry !== 'string' || !COUNTRY.test(b.defaultCountry))) {
		return errorReply(400, 'invalid_input', 'defaultCountry must be a two-letter country code like FR.');
	}
	let options = undefined;
	if (b.options !== undefined) {
		const checked = checkOptionsPatch(deps.visibility.directory.options, b.options);
		if (!checked.ok) return errorReply(400, 'invalid_input', checked.message);
		options = checked.value;
	}
	await writeDir(deps, (d) =>
		d.setSettings({
			...(name.value ? { workspaceName: name.value } : {}),
			...(typeof b.defaultCountry === 'string' ? { defaultCountry: b.defaultCountry } : {}),
			...(options ? { options } : {})
		})
	);
	await audit(deps, me.id, 'workspace.update', null, { ...(name.value ? { name: name.value } : {}), ...(b.defaultCountry ? { defaultCountry: b.defaultCountry } : {}), ...(b.options ? { options: b.options as object } : {}) });
	const d = deps.visibility.directory;
	return reply(200, { name: d.workspaceName, defaultCountry: d.defaultCountry ?? null, options: d.options ?? {} });
}

function webhookOf(deps: ApiDeps, id: string | undefined) {
	const ch = deps.visibility.directory.channels.find((c) => c.id === id);
	if (!ch) return { ok: false as const, reply: errorReply(404, 'not_found', 'No such channel.') };
	if (ch.kind !== 'webhook') return { ok: false as const, reply: errorReply(409, 'not_webhook', 'Only a webhook channel has a secret.') };
	return { ok: true as const, channel: ch };
}

function testEvent(opts: SettingsRouteOptions) {
	return async ({ deps, params, me }: RouteContext): Promise<Reply> => {
		const found = webhookOf(deps, params[0]);
		if (!found.ok) return found.reply;
		const ch = found.channel;
		if (!ch.url) return errorReply(409, 'no_url', 'The channel has no URL.');
		const secret = await deps.store.getChannelSecret(ch.id);
		if (!secret) return errorReply(409, 'no_secret', 'The channel has no secret yet: rotate one.');
		const payload = JSON.stringify({ type: 'test', channelId: ch.id, at: new Date(deps.clock()).toISOString(), message: 'Test event from Parley settings.' });
		const t0 = Date.now();
		const res = await postJson(ch.url, payload, { 'x-parley-signature': sign(secret, payload), 'x-parley-test': '1', 'user-agent': 'Parley-Webhook/1' }, {
			allowPrivate: opts.allowPrivate,
			timeoutMs: opts.timeoutMs ?? 10_000,
			maxResponseBytes: 2048
		});
		const ms = Date.now() - t0;
		await audit(deps, me.id, 'channel.test_event', ch.id, res.ok ? { status: res.status } : { error: res.kind });
		// The receiver's answer, whatever it is, is the result: a 200 with its status and body.
		return reply(200, res.ok ? { ok: res.status >= 200 && res.status < 300, status: res.status, body: res.text.slice(0, 2048), ms } : { ok: false, error: res.message, ms });
	};
}

async function readAudit({ deps, me, url }: RouteContext): Promise<Reply> {
	if (me.role !== 'owner') return errorReply(403, 'forbidden', 'Only owners read the activity.');
	const limitRaw = Number(url.searchParams.get('limit') ?? 100);
	const beforeRaw = url.searchParams.get('before');
	const before = beforeRaw === null ? undefined : Number(beforeRaw);
	if (!Number.isInteger(limitRaw) || limitRaw < 1 || limitRaw > 500 || (before !== undefined && !Number.isFinite(before))) {
		return errorReply(400, 'invalid_input', 'limit must be 1 to 500 and before a time in ms.');
	}
	const events = await deps.store.listAudit(limitRaw, before);
	return reply(200, { events: events.map((e) => ({ ...e, detail: JSON.parse(e.detail) as unknown })) });
}

async function listInvites({ deps }: RouteContext): Promise<Reply> {
	return reply(200, { invites: (await deps.store.openInvites(deps.clock())).map(inviteView) });
}

async function revokeInvite({ deps, params, me }: RouteContext): Promise<Reply> {
	const open = await deps.store.openInvites(deps.clock());
	const link = open.find((l) => l.hash.slice(0, 12) === params[0]);
	if (!link) return errorReply(404, 'not_found', 'No such open invitation.');
	await deps.store.deleteLink(link.hash);
	await audit(deps, me.id, 'user.revoke_invite', null, { email: link.email });
	return reply(204);
}

export function settingsRoutes(opts: SettingsRouteOptions): Route[] {
	return [
		{ method: 'GET', path: /^\/api\/directory\/invites$/, access: 'admin', handle: listInvites },
		{ method: 'POST', path: /^\/api\/directory\/invites$/, access: 'admin', handle: createInvite },
		{ method: 'DELETE', path: /^\/api\/directory\/invites\/([A-Za-z0-9_-]{1,80})$/, access: 'admin', handle: revokeInvite },
		{ method: 'GET', path: new RegExp(`^/api/invites/${TOKEN}$`), access: 'public', handle: showInvite },
		{ method: 'POST', path: new RegExp(`^/api/invites/${TOKEN}$`), access: 'public', handle: acceptInvite },
		{ method: 'POST', path: /^\/api\/directory\/users\/([A-Za-z0-9_-]{1,80})\/reset-link$/, access: 'admin', handle: createResetLink },
		{ method: 'GET', path: new RegExp(`^/api/password-resets/${TOKEN}$`), access: 'public', handle: showReset },
		{ method: 'POST', path: new RegExp(`^/api/password-resets/${TOKEN}$`), access: 'public', handle: useReset },
		{ method: 'POST', path: /^\/api\/setup$/, access: 'public', handle: setup },
		{ method: 'PATCH', path: /^\/api\/me$/, access: 'member', handle: editMe },
		{ method: 'POST', path: /^\/api\/me\/password$/, access: 'member', handle: changeMyPassword },
		{ method: 'PATCH', path: /^\/api\/directory\/workspace$/, access: 'admin', handle: editWorkspace },
		{ method: 'POST', path: /^\/api\/directory\/channels\/([A-Za-z0-9_-]{1,80})\/test$/, access: 'admin', handle: testEvent(opts) },
		{ method: 'GET', path: /^\/api\/directory\/audit$/, access: 'admin', handle: readAudit }
	];
}
