/**
 * Where uploaded files live (SPEC S5.14, S5.6) and who may read them back.
 *
 * - Every file belongs to one contact: it is uploaded into that contact's conversation (by a
 *   user who may see the contact, or by the contact's own web chat visitor) and is read back
 *   only by users who may see that contact *now* (the visibility module decides, per request)
 *   and by that contact's visitor. There are no bare capability URLs.
 * - `<img>`, `<audio>` and download links cannot send an Authorization header, so a reader gets
 *   a short-lived signed URL: `?exp=<ms>&who=<u:userId | v:contactId>&sig=<HMAC>`. The signature
 *   binds the file, the reader and the expiry; the reader's right is checked again when the URL
 *   is used (a user who lost the contact since cannot use a URL signed before).
 * - The storage name is minted here (random id + an extension chosen from the type), never from
 *   the caller's name; the original name is kept in a sidecar `<storageName>.json`, written
 *   last and by rename, so a file is served only once whole.
 * - Any type may be uploaded. Only types a browser renders safely are served as themselves
 *   (raster images, PDF, audio, video); everything else is served as `application/octet-stream`
 *   with `Content-Disposition: attachment`, `nosniff` and a sandboxing CSP, so an uploaded HTML
 *   or SVG file never runs as a page of this origin.
 * - Limits: `maxBytes` per file and `workspaceMaxBytes` for all files together, each refused
 *   with its own error code and a message a person understands.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newId } from '../../../src/lib/domain/ids';
import type { Attachment, ContactId } from '../../../src/lib/domain/types';
import { errorReply, readBody, reply, type Reply } from './respond';

export interface UploadOptions {
	/** Where files are kept (DATA_DIR/uploads). */
	dir: string;
	/** One file at most. */
	maxBytes: number;
	/** All the workspace's files together at most. */
	workspaceMaxBytes: number;
}

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
export const MAX_WORKSPACE_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;
/** How long a signed URL works: a user's (re-asked when a file is opened), a visitor's (their page stays open). */
export const USER_URL_TTL_MS = 10 * 60_000;
export const VISITOR_URL_TTL_MS = 24 * 3_600_000;
/** Files one message may carry. */
export const MAX_ATTACHMENTS = 10;

/** Extensions of the stored files, by type. Unknown types are stored as `.bin`. */
const EXTENSIONS: Readonly<Record<string, string>> = {
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/gif': 'gif',
	'image/webp': 'webp',
	'application/pdf': 'pdf',
	'audio/mpeg': 'mp3',
	'audio/ogg': 'ogg',
	'audio/wav': 'wav',
	'audio/x-wav': 'wav',
	'audio/webm': 'weba',
	'audio/mp4': 'm4a',
	'audio/aac': 'aac',
	'video/mp4': 'mp4',
	'video/webm': 'webm',
	'text/plain': 'txt',
	'message/rfc822': 'eml',
	'text/csv': 'csv',
	'application/zip': 'zip',
	'application/msword': 'doc',
	'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
	'application/vnd.ms-excel': 'xls',
	'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
	'application/vnd.ms-powerpoint': 'ppt',
	'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
	'application/vnd.oasis.opendocument.text': 'odt',
	'application/vnd.oasis.opendocument.spreadsheet': 'ods'
};

/** Served as themselves and inline (thumbnails, players, the browser's PDF viewer). */
const INLINE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'audio/mpeg', 'audio/ogg', 'audio/wav', 'audio/x-wav', 'audio/webm', 'audio/mp4', 'audio/aac', 'video/mp4', 'video/webm']);
/** Served as themselves but as a download. */
const DOWNLOAD_AS_IS = new Set(['text/plain', 'text/csv', 'application/zip', 'application/msword', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.ms-excel', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/vnd.ms-powerpoint', 'application/vnd.openxmlformats-officedocument.presentationml.presentation', 'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet']);

export const STORAGE_NAME = /^[A-Za-z0-9_-]{16,64}\.[a-z0-9]{2,5}$/;
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,127}$/;
const MAX_NAME_CHARS = 255;

/** Who reads a file: a user (checked against the contact's visibility) or the contact's visitor. */
export type Reader = { kind: 'user'; userId: string } | { kind: 'visitor'; contactId: ContactId };

export interface Sidecar {
	name: string;
	mime: string;
	size: number;
	/** The contact the file was uploaded into (absent on files stored before files had one). */
	contactId?: ContactId;
	/** `u:<userId>` or `v:<contactId>`; older sidecars hold a bare user id. */
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

/** A `Content-Disposition` that keeps any name: an ASCII fallback plus the exact UTF-8 name (RFC 6266). */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
	const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
	const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
	return `${kind}; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

/** The type a client declared, normalized; anything malformed is `application/octet-stream`. */
export function normalizeMime(raw: string | undefined): string {
	const mime = String(raw ?? '').split(';')[0]!.trim().toLowerCase();
	return MIME.test(mime) ? mime : 'application/octet-stream';
}

const readerTag = (r: Reader) => (r.kind === 'user' ? `u:${r.userId}` : `v:${r.contactId}`);

export class UploadStore {
	#used: Promise<number> | null = null;

	constructor(
		readonly opts: UploadOptions,
		private readonly key: Uint8Array,
		private readonly clock: () => number
	) {}

	/** Bytes stored, counted from the sidecars once, then kept up to date by `save`. */
	#usage(): Promise<number> {
		this.#used ??= (async () => {
			let total = 0;
			let names: string[];
			try {
				names = await readdir(this.opts.dir);
			} catch {
				return 0;
			}
			for (const n of names) {
				if (!n.endsWith('.json')) continue;
				try {
					total += (JSON.parse(await readFile(join(this.opts.dir, n), 'utf8')) as Sidecar).size || 0;
				} catch {
					/* a torn sidecar counts nothing */
				}
			}
			return total;
		})();
		return this.#used;
	}

	/** Stores the request body as a file of `contactId`; the attachment a message carries, or the refusal. */
	async save(
		req: import('node:http').IncomingMessage,
		who: { contactId: ContactId; uploadedBy: string }
	): Promise<{ ok: true; attachment: Attachment } | { ok: false; reply: Reply }> {
		const mime = normalizeMime(req.headers['content-type']);
		const rawName = req.headers['x-file-name'];
		const name = displayName(typeof rawName === 'string' ? rawName : '');
		const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
		const declared = Number(req.headers['content-length'] ?? NaN);
		const used = await this.#usage();
		if (Number.isFinite(declared) && used + declared > this.opts.workspaceMaxBytes) {
			req.resume();
			return { ok: false, reply: this.#storageFull(used) };
		}
		const body = await readBody(req, this.opts.maxBytes);
		if (!body.ok) {
			if (body.reply.status === 413) {
				// The limit travels with the error, so a client can say it in the reader's language.
				const message = `${name} is larger than ${mib(this.opts.maxBytes)}, the limit for one file.`;
				return { ok: false, reply: reply(413, { error: { code: 'file_too_large', message, limitBytes: this.opts.maxBytes } }) };
			}
			return body;
		}
		return this.saveBytes(body.value, { name, mime }, who, used);
	}

	/**
	 * Stores bytes the server received itself (an email's attachments and source, S5.14) as a file
	 * of `contactId`, under the same limits as an upload.
	 */
	async saveBytes(
		data: Buffer,
		file: { name: string; mime: string },
		who: { contactId: ContactId; uploadedBy: string },
		usedBefore?: number
	): Promise<{ ok: true; attachment: Attachment } | { ok: false; reply: Reply }> {
		const name = displayName(file.name);
		const mime = normalizeMime(file.mime);
		const used = usedBefore ?? (await this.#usage());
		const body = { value: data };
		if (data.length > this.opts.maxBytes) {
			const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
			return { ok: false, reply: reply(413, { error: { code: 'file_too_large', message: `${name} is larger than ${mib(this.opts.maxBytes)}, the limit for one file.`, limitBytes: this.opts.maxBytes } }) };
		}
		const size = body.value.length;
		if (size === 0) return { ok: false, reply: errorReply(400, 'empty_file', `${name} is empty.`) };
		// Counted before the await that writes, so two concurrent uploads cannot both pass.
		const now = (await this.#usage()) + size;
		if (now > this.opts.workspaceMaxBytes) {
			return { ok: false, reply: this.#storageFull(used) };
		}
		this.#used = Promise.resolve(now);
		const storageName = `${newId()}.${EXTENSIONS[mime] ?? 'bin'}`;
		const sidecar: Sidecar = { name, mime, size, contactId: who.contactId, uploadedBy: who.uploadedBy, at: this.clock() };
		try {
			await mkdir(this.opts.dir, { recursive: true });
			await writeFile(join(this.opts.dir, storageName), body.value);
			const tmp = join(this.opts.dir, `${storageName}.json.tmp`);
			await writeFile(tmp, JSON.stringify(sidecar));
			await rename(tmp, join(this.opts.dir, `${storageName}.json`));
		} catch {
			this.#used = this.#usage().then((n) => n - size);
			return { ok: false, reply: errorReply(500, 'storage_failed', 'The file could not be stored; try again.') };
		}
		return { ok: true, attachment: { storageName, name, size, mime } };
	}

	#storageFull(used: number): Reply {
		const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
		const message = `The workspace's file storage is full (${mib(used)} of ${mib(this.opts.workspaceMaxBytes)} used). Ask an admin to free space.`;
		return reply(413, { error: { code: 'workspace_storage_full', message, usedBytes: used, limitBytes: this.opts.workspaceMaxBytes } });
	}

	async sidecar(storageName: string): Promise<Sidecar | null> {
		if (!STORAGE_NAME.test(storageName)) return null;
		try {
			return JSON.parse(await readFile(join(this.opts.dir, `${storageName}.json`), 'utf8')) as Sidecar;
		} catch {
			return null;
		}
	}

	/** The file and the headers that serve it safely with its original name. */
	async read(storageName: string, sidecar: Sidecar): Promise<{ data: Buffer; headers: Record<string, string> } | null> {
		let data: Buffer;
		try {
			data = await readFile(join(this.opts.dir, storageName));
		} catch {
			return null;
		}
		const inline = INLINE.has(sidecar.mime);
		const asIs = inline || DOWNLOAD_AS_IS.has(sidecar.mime);
		return {
			data,
			headers: {
				'content-type': asIs ? sidecar.mime : 'application/octet-stream',
				'content-disposition': contentDisposition(inline ? 'inline' : 'attachment', sidecar.name),
				'x-content-type-options': 'nosniff',
				'content-security-policy': "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox",
				'cache-control': 'private, max-age=600'
			}
		};
	}

	/** A URL path that lets `reader` fetch the file until it expires. */
	signedPath(storageName: string, reader: Reader, ttlMs = reader.kind === 'user' ? USER_URL_TTL_MS : VISITOR_URL_TTL_MS): { url: string; expiresAt: number } {
		const exp = this.clock() + ttlMs;
		const who = readerTag(reader);
		const sig = this.#sign(storageName, who, exp);
		return { url: `/api/uploads/${storageName}?exp=${exp}&who=${encodeURIComponent(who)}&sig=${sig}`, expiresAt: exp };
	}

	/** The reader a signed URL names, when its signature holds and it has not expired. */
	verifySigned(storageName: string, q: URLSearchParams): { ok: true; reader: Reader } | { ok: false; reply: Reply } {
		const exp = Number(q.get('exp'));
		const who = q.get('who') ?? '';
		const sig = q.get('sig') ?? '';
		const expected = Buffer.from(this.#sign(storageName, who, exp));
		const given = Buffer.from(sig);
		if (!Number.isFinite(exp) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
			return { ok: false, reply: errorReply(403, 'bad_signature', 'This file link is not valid.') };
		}
		if (exp <= this.clock()) return { ok: false, reply: errorReply(403, 'link_expired', 'This file link has expired; reload the conversation.') };
		if (who.startsWith('u:')) return { ok: true, reader: { kind: 'user', userId: who.slice(2) } };
		if (who.startsWith('v:')) return { ok: true, reader: { kind: 'visitor', contactId: who.slice(2) as ContactId } };
		return { ok: false, reply: errorReply(403, 'bad_signature', 'This file link is not valid.') };
	}

	#sign(storageName: string, who: string, exp: number): string {
		// JSON: no choice of fields can make two different (file, reader, expiry) read alike.
		return createHmac('sha256', this.key).update(JSON.stringify([storageName, who, exp])).digest('base64url');
	}
}
