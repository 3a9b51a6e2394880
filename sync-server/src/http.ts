/**
 * The HTTP request handler: `/health`, the JSON API (routes from `http/routes.ts` and
 * `http/directory-api.ts`) and the built client. Every API answer is JSON; every error is
 * `{error: {code, message}}`; an exception inside a handler is a 500 with a generic message
 * (the detail goes to the log, not to the caller), and the process keeps serving.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { customInboxRoutes } from './http/custom-inboxes-api';
import { directoryRoutes } from './http/directory-api';
import { openapiRoutes } from './http/openapi';
import { errorReply, reply, send } from './http/respond';
import { bearerToken, coreRoutes, type ApiDeps, type Route } from './http/routes';
import { serveStatic } from './http/static';

const ROUTES: Route[] = [...coreRoutes, ...directoryRoutes, ...customInboxRoutes, ...openapiRoutes];

/** Routes and pages mounted by other modules (the channels: `/api/chat`, `/api/channels`, `/chat`). */
export interface HttpExtensions {
	routes?: Route[];
	/** Serves a non-API page when it is one of its own; false lets the request through. */
	page?: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
}

/** One entry of the router's table: what `GET /api/openapi.json` must describe. */
export interface RouteInfo {
	method: string;
	path: RegExp;
	access: Route['access'];
}

/** Served before the table is consulted (`handle` below). */
const BUILTIN_ROUTES: RouteInfo[] = [{ method: 'GET', path: /^\/health$/, access: 'public' }];

type HttpHandler = ((req: IncomingMessage, res: ServerResponse) => void) & { routeTable(): RouteInfo[] };

export function createHttpHandler(deps: ApiDeps, staticDir: string | undefined, ext: HttpExtensions = {}): HttpHandler {
	const routes = [...ROUTES, ...(ext.routes ?? [])];
	const handler = (req: IncomingMessage, res: ServerResponse): void => {
		handle(req, res, deps, staticDir, routes, ext).catch((err: unknown) => {
			deps.log(`http ${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
			send(res, errorReply(500, 'internal', 'The server failed to handle the request.'));
		});
	};
	return Object.assign(handler, {
		routeTable: (): RouteInfo[] => [...BUILTIN_ROUTES, ...routes.map(({ method, path, access }) => ({ method, path, access }))]
	});
}

/** The route table of a server whose request listener `createHttpHandler` made. */
export function routeTableOf(server: Server): RouteInfo[] {
	for (const listener of server.listeners('request')) {
		const table = (listener as Partial<HttpHandler>).routeTable;
		if (typeof table === 'function') return table();
	}
	throw new Error('this server has no route table (its request listener is not createHttpHandler\'s)');
}

async function handle(
	req: IncomingMessage,
	res: ServerResponse,
	deps: ApiDeps,
	staticDir: string | undefined,
	routes: Route[],
	ext: HttpExtensions
): Promise<void> {
	const url = new URL(req.url ?? '/', 'http://localhost');
	const path = url.pathname;
	// `ok`: the server serves; `quarantined`: documents it cannot read back and does not serve
	// until repaired (quarantine.ts), each with the reason.
	if (path === '/health') return send(res, reply(200, { ok: true, quarantined: deps.rooms.quarantine.list() }));
	if (path.startsWith('/api/')) {
		let pathMatched = false;
		for (const route of routes) {
			const m = route.path.exec(path);
			if (!m) continue;
			pathMatched = true;
			if (route.method !== req.method) continue;
			const address = req.socket.remoteAddress ?? 'unknown';
			if (route.access === 'public') {
				return send(res, await route.handle({ req, url, params: m.slice(1), address, deps }));
			}
			const verified = await deps.auth.verify(bearerToken(req));
			if (!verified.ok) return send(res, errorReply(verified.error.status, verified.error.code, verified.error.message));
			const me = deps.visibility.user(verified.value.userId);
			if (!me) return send(res, errorReply(401, 'user_inactive', 'This account is no longer active.'));
			if (route.access === 'admin' && me.role !== 'owner' && me.role !== 'manager') {
				return send(res, errorReply(403, 'forbidden', 'Only owners and managers may do this.'));
			}
			return send(res, await route.handle({ req, url, params: m.slice(1), address, deps, principal: verified.value, me }));
		}
		if (pathMatched) return send(res, errorReply(405, 'method_not_allowed', `${req.method} is not allowed here.`));
		return send(res, errorReply(404, 'not_found', 'No such API route.'));
	}
	if (ext.page?.(req, res, path)) return;
	if (!staticDir) return send(res, errorReply(404, 'not_found', 'Nothing here.'));
	serveStatic(staticDir, req, res, path);
}
