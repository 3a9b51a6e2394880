/**
 * HTTP edges: JSON replies, the one error shape (`{error: {code, message}}` with a fitting
 * status) and bounded body reading. A body past its limit is refused with 413 without being
 * buffered; invalid JSON is 400. Handlers return `Reply` values instead of throwing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface Reply {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
	/** A body written as it is made (AI answers, NDJSON); `send` writes the head, then hands over. */
	stream?: (res: ServerResponse) => Promise<void>;
}

export const reply = (status: number, body?: unknown, headers?: Record<string, string>): Reply =>
	headers ? { status, body, headers } : { status, body };

export const errorReply = (status: number, code: string, message: string, headers?: Record<string, string>): Reply =>
	reply(status, { error: { code, message } }, headers);

export type BodyResult = { ok: true; value: unknown } | { ok: false; reply: Reply };

export function send(res: ServerResponse, r: Reply): void {
	if (res.headersSent) return;
	const headers: Record<string, string> = { 'cache-control': 'no-store', ...r.headers };
	if (r.stream) {
		res.writeHead(r.status, headers);
		r.stream(res).catch(() => res.destroy());
		return;
	}
	if (r.body === undefined) {
		res.writeHead(r.status, headers).end();
		return;
	}
	// A binary body (an uploaded file) goes out as is, with the handler's content type.
	if (r.body instanceof Uint8Array) {
		res.writeHead(r.status, { ...headers, 'content-length': r.body.byteLength }).end(r.body);
		return;
	}
	const text = JSON.stringify(r.body);
	res
		.writeHead(r.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
		.end(text);
}

/** Reads the raw body, refusing more than `limit` bytes. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<{ ok: true; value: Buffer } | { ok: false; reply: Reply }> {
	const tooLarge = { ok: false as const, reply: errorReply(413, 'body_too_large', `The request body is larger than ${limit} bytes.`) };
	const declared = Number(req.headers['content-length'] ?? NaN);
	if (Number.isFinite(declared) && declared > limit) {
		req.resume();
		return Promise.resolve(tooLarge);
	}
	return new Promise((resolve) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let done = false;
		req.on('data', (chunk: Buffer) => {
			if (done) return;
			size += chunk.length;
			if (size > limit) {
				done = true;
				chunks.length = 0;
				resolve(tooLarge);
				return;
			}
			chunks.push(chunk);
		});
		req.on('end', () => {
			if (!done) resolve({ ok: true, value: Buffer.concat(chunks) });
			done = true;
		});
		req.on('error', () => {
			if (!done) resolve({ ok: false, reply: errorReply(400, 'bad_request', 'The request body could not be read.') });
			done = true;
		});
	});
}

export async function readJson(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
	const body = await readBody(req, limit);
	if (!body.ok) return body;
	if (body.value.length === 0) return { ok: false, reply: errorReply(400, 'bad_json', 'A JSON body is required.') };
	try {
		return { ok: true, value: JSON.parse(body.value.toString('utf8')) as unknown };
	} catch {
		return { ok: false, reply: errorReply(400, 'bad_json', 'The request body is not valid JSON.') };
	}
}

/** A JSON object body, as a record of unknown values. */
export function asObject(value: unknown): Record<string, unknown> | null {
	return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
