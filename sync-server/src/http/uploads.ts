/**
 * Uploaded files (SPEC S5.14): `POST /api/uploads` stores a file sent as the raw request body
 * (type in `Content-Type`, original name URI-encoded in `X-File-Name`) and answers the
 * `Attachment` a message carries; `GET /api/uploads/<storageName>` serves it back.
 *
 * Rules:
 * - The storage name is minted here (a random id plus an extension chosen from the type, never
 *   from the caller's name), so names are unique and never a path; the original name is kept in
 *   a sidecar `<storageName>.json` for display and for `Content-Disposition`.
 * - Size is capped (`maxBytes`, 413 past it, refused before buffering when declared) and the
 *   type must be on the allow-list (images but not SVG, PDF, plain text and CSV, office
 *   documents; 415 otherwise), so the server never serves script-capable content.
 * - Both routes need a signed-in member. The download also accepts `?token=` (like `/sync`), so
 *   an `<img>` or a download link works; it is served with `nosniff` and a sandboxing CSP.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newId } from '../../../src/lib/domain/ids';
import type { Attachment } from '../../../src/lib/domain/types';
import { bearerToken, type Route } from './routes';
import { errorReply, readBody, reply } from './respond';

export interface UploadOptions {
	/** Where files are kept (DATA_DIR/uploads). */
	dir: string;
	maxBytes: number;
}

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** Allowed types and the extension their stored files get. */
export const UPLOAD_TYPES: Readonly<Record<string, string>> = {
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/gif': 'gif',
	'image/webp': 'webp',
	'application/pdf': 'pdf',
	'text/plain': 'txt',
	'text/csv': 'csv',
	'application/msword': 'doc',
	'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
	'application/vnd.ms-excel': 'xls',
	'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
	'application/vnd.ms-powerpoint': 'ppt',
	'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
	'application/vnd.oasis.opendocument.text': 'odt',
	'application/vnd.oasis.opendocument.spreadsheet': 'ods'
};

const STORAGE_NAME = /^[A-Za-z0-9_-]{16,64}\.[a-z]{2,5}$/;
const MAX_NAME_CHARS = 255;
/** Shown inline (thumbnails, the browser's PDF viewer); everything else downloads. */
const INLINE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf']);

interface Sidecar {
	name: string;
	mime: string;
	size: number;
	uploadedBy: string;
	at: number;
}

/** The original name as given, made displayable: no path, no control characters, bounded. */
export function displayName(raw: string): string {
	let name = raw;
	try {
		name = decodeURIComponent(raw);
	} catch {
		/* not URI-encoded: taken as is */
	}
	// eslint-disable-next-line no-control-regex
	name = (name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
	if (name.length > MAX_NAME_CHARS) name = name.slice(name.length - MAX_NAME_CHARS);
	return name || 'file';
}

function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
	const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
	return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function uploadRoutes(opts: UploadOptions): Route[] {
	return [
		{
			// SPEC S5.14
			method: 'POST',
			path: /^\/api\/uploads$/,
			access: 'member',
			async handle({ req, me, deps }) {
				const mime = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
				const ext = UPLOAD_TYPES[mime];
				if (!ext) {
					req.resume();
					return errorReply(415, 'unsupported_type', `Files of type ${mime || 'unknown'} cannot be attached. Allowed: images, PDF, text and office documents.`);
				}
				const rawName = req.headers['x-file-name'];
				const name = displayName(typeof rawName === 'string' ? rawName : '');
				const body = await readBody(req, opts.maxBytes);
				if (!body.ok) {
					if (body.reply.status === 413) return errorReply(413, 'file_too_large', `The file is larger than ${Math.round(opts.maxBytes / 1024 / 1024)} MiB.`);
					return body.reply;
				}
				if (body.value.length === 0) return errorReply(400, 'empty_file', 'The file is empty.');
				const storageName = `${newId()}.${ext}`;
				await mkdir(opts.dir, { recursive: true });
				const sidecar: Sidecar = { name, mime, size: body.value.length, uploadedBy: me.id, at: deps.clock() };
				// The sidecar is written last and by rename, so a file is served only once whole.
				await writeFile(join(opts.dir, storageName), body.value);
				const tmp = join(opts.dir, `${storageName}.json.tmp`);
				await writeFile(tmp, JSON.stringify(sidecar));
				await rename(tmp, join(opts.dir, `${storageName}.json`));
				const attachment: Attachment = { storageName, name, size: sidecar.size, mime };
				return reply(201, { attachment });
			}
		},
		{
			method: 'GET',
			path: /^\/api\/uploads\/([^/]+)$/,
			access: 'public',
			async handle({ req, url, params, deps }) {
				const verified = await deps.auth.verify(bearerToken(req) ?? url.searchParams.get('token'));
				if (!verified.ok) return errorReply(verified.error.status, verified.error.code, verified.error.message);
				if (!deps.visibility.user(verified.value.userId)) return errorReply(401, 'user_inactive', 'This account is no longer active.');
				const storageName = params[0] ?? '';
				if (!STORAGE_NAME.test(storageName)) return errorReply(404, 'not_found', 'No such file.');
				let sidecar: Sidecar;
				let data: Buffer;
				try {
					sidecar = JSON.parse(await readFile(join(opts.dir, `${storageName}.json`), 'utf8')) as Sidecar;
					data = await readFile(join(opts.dir, storageName));
				} catch {
					return errorReply(404, 'not_found', 'No such file.');
				}
				return reply(200, data, {
					'content-type': UPLOAD_TYPES[sidecar.mime] ? sidecar.mime : 'application/octet-stream',
					'content-disposition': contentDisposition(INLINE.has(sidecar.mime) ? 'inline' : 'attachment', sidecar.name),
					'x-content-type-options': 'nosniff',
					'content-security-policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
					'cache-control': 'private, max-age=86400'
				});
			}
		}
	];
}
