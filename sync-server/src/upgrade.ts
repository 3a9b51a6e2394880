/**
 * WebSocket upgrades, decided before they happen. `GET /sync?token=` and
 * `GET /yjs/<docId>?token=` (the token may also come as `Authorization: Bearer`) are verified
 * with the same checks as the HTTP API; a missing, forged, expired, wrong-algorithm,
 * other-workspace or revoked token, or a deleted or deactivated user, gets `401` written on the
 * raw socket, which is then destroyed: no upgrade, no byte of any document. A bad doc id is 400,
 * a document the user may not see 403, an unknown path 404.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES } from '../../src/lib/protocol';
import { CLOSE_RATE_LIMITED } from '../../src/lib/protocol/close';
import { parseDocId } from '../../src/lib/domain/ids';
import type { DocId, UserId } from '../../src/lib/domain/types';
import type { Auth } from './auth/auth';
import { SyncConnection, type SyncDeps } from './connection';
import type { Hub, SocketSession } from './hub';
import { bearerToken } from './http/routes';
import { YjsConnection } from './yjs-endpoint';
import { Liveness, type LivenessOptions } from './liveness';

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests' };

function refuse(socket: Duplex, status: number, code: string, message: string): void {
	const body = JSON.stringify({ error: { code, message } });
	if (socket.writable) {
		socket.write(
			`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
				'Connection: close\r\nContent-Type: application/json; charset=utf-8\r\n' +
				`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
		);
	}
	socket.destroy();
}

/**
 * A socket error before the upgrade completes ends the socket. Not a closure: it stays attached
 * for the socket's life, and a closure over the handler's scope would keep the upgrade request
 * (headers, parser state) alive with it.
 */
function destroyOnError(this: Duplex): void {
	this.destroy();
}

/** permessage-deflate of `/sync` and `/yjs`: off, or on for messages of at least `threshold` bytes. */
export type SyncCompression = false | { threshold: number };

/**
 * On, for messages of 1 KiB and more. Measured with bench/network.bench.ts (the demo workspace's
 * first sync, a Node client through the chaos proxy; two runs): at 50 KB/s 28.6-29.0 s and
 * 1.36 MB without, 9.4-10.8 s and 0.49 MB with (Yjs updates of thread text compress ~2.8x);
 * unthrottled on loopback 1.35-1.67 s without and 0.74-1.33 s with, so not slower on a fast
 * link (zlib's time is below the time saved moving fewer bytes, even on loopback). Below 1 KiB (typing, acks,
 * awareness, most live updates) frames go as they are: too small to gain, and the fan-out keeps
 * writing one prepared frame to every socket (prepared-frame.ts).
 */
export const SYNC_COMPRESSION: SyncCompression = { threshold: 1024 };

export function createUpgradeHandler(deps: SyncDeps & { auth: Auth; hub: Hub; liveness?: LivenessOptions; compression?: SyncCompression }) {
	const compression = deps.compression ?? false;
	const wss = new WebSocketServer({
		noServer: true,
		maxPayload: MAX_FRAME_BYTES,
		// No context takeover and small windows: what a connection keeps of zlib between messages
		// stays small (tens of KiB, not the default ~300 KiB).
		perMessageDeflate: compression && {
			threshold: compression.threshold,
			serverNoContextTakeover: true,
			clientNoContextTakeover: true,
			serverMaxWindowBits: 13,
			clientMaxWindowBits: 13,
			zlibDeflateOptions: { memLevel: 6 }
		}
	});
	const liveness = new Liveness(deps.liveness);
	wss.on('error', (err) => deps.log(`websocket server: ${err.message}`));

	const handler = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
		socket.on('error', destroyOnError);
		decide(req)
			.then((target) => {
				if (!target.ok) return refuse(socket, target.status, target.code, target.message);
				wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
					// Upgrades that passed the check together: the count decides.
					if (!deps.budgets.connect(target.userId)) return ws.close(CLOSE_RATE_LIMITED, 'too many open connections for this account');
					ws.once('close', () => deps.budgets.disconnect(target.userId));
					liveness.watch(ws);
					if (target.kind === 'sync') deps.hub.addSync(new SyncConnection(ws, target.userId, deps), target.session);
					else deps.hub.addYjs(new YjsConnection(ws, target.userId, target.docId, deps), target.session);
				});
			})
			.catch((err: unknown) => {
				deps.log(`upgrade failed: ${err instanceof Error ? err.message : String(err)}`);
				socket.destroy();
			});
	};

	type Target =
		| { ok: true; kind: 'sync'; userId: UserId; session: SocketSession }
		| { ok: true; kind: 'yjs'; userId: UserId; docId: DocId; session: SocketSession }
		| { ok: false; status: number; code: string; message: string };

	async function decide(req: IncomingMessage): Promise<Target> {
		const url = new URL(req.url ?? '/', 'http://localhost');
		const isSync = url.pathname === '/sync';
		const yjsMatch = /^\/yjs\/(.+)$/.exec(url.pathname);
		if (!isSync && !yjsMatch) return { ok: false, status: 404, code: 'not_found', message: 'No WebSocket endpoint here.' };
		const verified = await deps.auth.verify(url.searchParams.get('token') ?? bearerToken(req));
		if (!verified.ok) return { ok: false, status: 401, code: verified.error.code, message: verified.error.message };
		const { userId, sessionId, expiresAt } = verified.value;
		// Refused before the upgrade, for the price of the token check (issue 15.6).
		if (!deps.budgets.canConnect(userId)) {
			return { ok: false, status: 429, code: 'too_many_connections', message: 'Too many open connections for this account; close some tabs.' };
		}
		const session: SocketSession = { sessionId, expiresAt };
		if (isSync) return { ok: true, kind: 'sync', userId, session };
		let raw: string;
		try {
			raw = decodeURIComponent(yjsMatch![1]!);
		} catch {
			return { ok: false, status: 400, code: 'bad_doc_id', message: 'The document id is not valid.' };
		}
		if (!parseDocId(raw)) return { ok: false, status: 400, code: 'bad_doc_id', message: 'The document id is not valid.' };
		const docId = raw as DocId;
		if (!deps.visibility.canSee(userId, docId)) {
			return { ok: false, status: 403, code: 'forbidden', message: 'You may not see this document.' };
		}
		return { ok: true, kind: 'yjs', userId, docId, session };
	}

	return {
		handler,
		liveness,
		close(): void {
			liveness.close();
			wss.close();
		}
	};
}
