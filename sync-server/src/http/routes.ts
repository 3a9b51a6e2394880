/**
 * The route table shape shared by the API modules, and the auth, me and contacts routes.
 * A route names its method, a path pattern (capture groups become `params`) and who may call
 * it: anyone, any active member (`member`), or owners and managers (`admin`). The principal is
 * verified with the same checks as the WebSocket upgrade; the role is the directory's current
 * one, not the token's.
 */
import type { IncomingMessage } from 'node:http';
import { initContact, serverOrigin } from '../../../src/lib/doc';
import { DEMO_WORKSPACE_ID } from '../../../src/lib/demo/generate';
import { validateNewContact } from '../../../src/lib/domain/contact-input';
import { contactDocId, newId } from '../../../src/lib/domain/ids';
import type { ContactId, User } from '../../../src/lib/domain/types';
import type { Auth, Principal } from '../auth/auth';
import type { Hub } from '../hub';
import type { AdminRecords, AuthStore, ChannelSecrets, MetaStore } from '../persistence/store';
import type { Rooms } from '../rooms';
import type { Visibility } from '../visibility';
import { asObject, errorReply, readJson, reply, type Reply } from './respond';

export interface ApiDeps {
	auth: Auth;
	rooms: Rooms;
	visibility: Visibility;
	/** The directory API's roles (users, channel secrets, audit); meta for custom inboxes. */
	store: AuthStore & ChannelSecrets & AdminRecords & MetaStore;
	hub: Hub;
	clock: () => number;
	log: (message: string) => void;
}

export interface PublicContext {
	req: IncomingMessage;
	url: URL;
	params: string[];
	address: string;
	deps: ApiDeps;
}

export interface RouteContext extends PublicContext {
	principal: Principal;
	/** The caller's directory record. */
	me: User;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export type Route =
	| { method: Method; path: RegExp; access: 'public'; handle(ctx: PublicContext): Promise<Reply> }
	| { method: Method; path: RegExp; access: 'member' | 'admin'; handle(ctx: RouteContext): Promise<Reply> };

export function bearerToken(req: IncomingMessage): string | null {
	const h = req.headers.authorization;
	if (typeof h !== 'string') return null;
	const m = /^Bearer\s+(\S+)$/i.exec(h);
	return m ? m[1]! : null;
}

/** Reads a JSON object body, or the reply refusing it. */
export async function objectBody(req: IncomingMessage): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; reply: Reply }> {
	const body = await readJson(req);
	if (!body.ok) return body;
	const obj = asObject(body.value);
	return obj ? { ok: true, value: obj } : { ok: false, reply: errorReply(400, 'bad_request', 'The body must be a JSON object.') };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export const coreRoutes: Route[] = [
	{
		// Public: the login page names the workspace and, in the demo workspace only, offers the demo
		// logins; `setup` is true while a workspace made without the demo has no user (first run).
		method: 'GET',
		path: /^\/api\/workspace$/,
		access: 'public',
		async handle({ deps }) {
			const dir = deps.visibility.directory;
			return reply(200, { name: dir.workspaceName, demo: dir.workspaceId === DEMO_WORKSPACE_ID, setup: dir.users.length === 0 });
		}
	},
	{
		method: 'POST',
		path: /^\/api\/auth\/login$/,
		access: 'public',
		async handle({ req, deps, address }) {
			const body = await objectBody(req);
			if (!body.ok) return body.reply;
			const email = str(body.value.email);
			const password = str(body.value.password);
			if (!email || !password || email.length > 254 || password.length > 1024) {
				return errorReply(400, 'bad_request', 'Give an email and a password.');
			}
			const res = await deps.auth.login(email, password, address);
			if (!res.ok) {
				const headers = res.error.retryAfterSec ? { 'retry-after': String(res.error.retryAfterSec) } : undefined;
				return errorReply(res.error.status, res.error.code, res.error.message, headers);
			}
			return reply(200, res.value);
		}
	},
	{
		method: 'POST',
		path: /^\/api\/auth\/refresh$/,
		access: 'public',
		async handle({ req, deps }) {
			const body = await objectBody(req);
			if (!body.ok) return body.reply;
			const token = str(body.value.refreshToken);
			if (!token || token.length > 200) return errorReply(400, 'bad_request', 'Give a refreshToken.');
			const res = await deps.auth.refresh(token);
			return res.ok ? reply(200, res.value) : errorReply(res.error.status, res.error.code, res.error.message);
		}
	},
	{
		method: 'POST',
		path: /^\/api\/auth\/logout$/,
		access: 'public',
		async handle({ req, deps }) {
			const body = await objectBody(req);
			if (!body.ok) return body.reply;
			const token = str(body.value.refreshToken);
			// SPEC S1.9: the session ends here and now, its access token included (Bearer, optional).
			await deps.auth.logout(token && token.length <= 200 ? token : null, bearerToken(req));
			return reply(204);
		}
	},
	{
		method: 'GET',
		path: /^\/api\/me$/,
		access: 'member',
		async handle({ deps, me }) {
			const dir = deps.visibility.directory;
			return reply(200, { user: me, workspace: { id: dir.workspaceId, name: dir.workspaceName } });
		}
	},
	{
		// SPEC S3.1: create a contact; S5.7: new contacts start unassigned unless given.
		method: 'POST',
		path: /^\/api\/contacts$/,
		access: 'member',
		async handle({ req, deps, me }) {
			const body = await objectBody(req);
			if (!body.ok) return body.reply;
			const checked = validateNewContact(body.value, deps.visibility.directory);
			if (!checked.ok) {
				const fields = Object.entries(checked.errors).map(([f, m]) => `${f}: ${String(m)}`);
				return reply(400, { error: { code: 'invalid_contact', message: fields.join(' '), fields: checked.errors } });
			}
			const c = checked.value;
			const id = newId() as ContactId;
			await deps.rooms.applyServerChange(contactDocId(id), (ydoc) => {
				initContact(
					ydoc,
					{
						id,
						profile: { firstName: c.firstName, lastName: c.lastName, phone: c.phone, email: c.email },
						assignment: { userId: c.assigneeId, teamId: c.teamId },
						createdAt: deps.clock(),
						createdBy: { type: 'user', id: me.id },
						source: 'user'
					},
					serverOrigin()
				);
			});
			return reply(201, { id });
		}
	}
];
