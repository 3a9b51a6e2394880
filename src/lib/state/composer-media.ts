/**
 * The composer's server helpers (MediaApi): link previews (S5.9) and uploads (S5.14) over the
 * authenticated HTTP API. Both need the network; failures come back as values a person can
 * read, never as exceptions. A 401 is retried once after a token refresh, like every API call.
 * Files are read back through short-lived signed URLs (the server checks the contact's
 * visibility when one is made and when it is used), cached until shortly before they expire.
 */
import type { Attachment, LinkPreview } from '../domain/types';
import type { RefreshResult } from '../sync/auth';
import type { MediaApi, UploadOptions, UploadOutcome } from './api';

export interface MediaDeps {
	baseUrl: string;
	token(): Promise<string | null>;
	refresh(): Promise<RefreshResult>;
	fetch?: typeof fetch;
}

export class Media implements MediaApi {
	readonly #deps: MediaDeps;
	readonly #previews = new Map<string, Promise<LinkPreview | null>>();
	readonly #links = new Map<string, { url: string; expiresAt: number }>();

	constructor(deps: MediaDeps) {
		this.#deps = deps;
	}

	async #call(path: string, init: RequestInit = {}): Promise<Response | null> {
		const doFetch = this.#deps.fetch ?? ((...a: Parameters<typeof fetch>) => globalThis.fetch(...a));
		for (let attempt = 0; attempt < 2; attempt++) {
			const token = await this.#deps.token();
			if (!token) return null;
			let res: Response;
			try {
				res = await doFetch(`${this.#deps.baseUrl}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });
			} catch {
				return null;
			}
			if (res.status === 401 && attempt === 0 && (await this.#deps.refresh()) === 'ok') continue;
			return res;
		}
		return null;
	}

	linkPreview(url: string): Promise<LinkPreview | null> {
		// One request per URL per session: the composer asks again on every keystroke that keeps it.
		let p = this.#previews.get(url);
		if (!p) {
			p = this.#call(`/api/link-preview?url=${encodeURIComponent(url)}`).then(async (res) => {
				if (!res?.ok) {
					this.#previews.delete(url);
					return null;
				}
				const json = (await res.json().catch(() => null)) as { preview?: LinkPreview } | null;
				const preview = json?.preview;
				return preview && (preview.title || preview.description || preview.image) ? preview : null;
			});
			this.#previews.set(url, p);
		}
		return p;
	}

	async upload(file: Blob & { name: string }, opts: UploadOptions): Promise<UploadOutcome> {
		const path = `/api/uploads?contact=${encodeURIComponent(opts.contactId)}`;
		const headers = { 'content-type': file.type || 'application/octet-stream', 'x-file-name': encodeURIComponent(file.name) };
		for (let attempt = 0; attempt < 2; attempt++) {
			if (opts.signal?.aborted) return { ok: false, error: 'Cancelled.', reason: 'cancelled' };
			const token = await this.#deps.token();
			if (!token) return { ok: false, error: 'Uploading needs a connection to the server.', reason: 'offline' };
			const res = await this.#send(path, { ...headers, authorization: `Bearer ${token}` }, file, opts);
			if (res.kind !== 'response') {
				return res.kind === 'cancelled' ? { ok: false, error: 'Cancelled.', reason: 'cancelled' } : { ok: false, error: 'Uploading needs a connection to the server.', reason: 'offline' };
			}
			if (res.status === 401 && attempt === 0 && (await this.#deps.refresh()) === 'ok') continue;
			const json = res.json as { attachment?: Attachment; url?: string; expiresAt?: number; error?: { code?: string; message?: string; limitBytes?: number } } | null;
			if (res.status === 201 && json?.attachment) {
				if (json.url && json.expiresAt) this.#links.set(json.attachment.storageName, { url: `${this.#deps.baseUrl}${json.url}`, expiresAt: json.expiresAt });
				return { ok: true, attachment: json.attachment };
			}
			const e = json?.error;
			return {
				ok: false,
				error: e?.message ?? `The server refused the file (${res.status}).`,
				reason: 'refused',
				...(e?.code ? { code: e.code } : {}),
				...(typeof e?.limitBytes === 'number' ? { limitBytes: e.limitBytes } : {})
			};
		}
		return { ok: false, error: 'Uploading needs a connection to the server.', reason: 'offline' };
	}

	/** One POST of the file: XHR in the browser (upload progress), fetch elsewhere. */
	#send(path: string, headers: Record<string, string>, body: Blob, opts: UploadOptions): Promise<{ kind: 'response'; status: number; json: unknown } | { kind: 'offline' } | { kind: 'cancelled' }> {
		const url = `${this.#deps.baseUrl}${path}`;
		if (this.#deps.fetch || typeof XMLHttpRequest === 'undefined') {
			const doFetch = this.#deps.fetch ?? ((...a: Parameters<typeof fetch>) => globalThis.fetch(...a));
			return doFetch(url, { method: 'POST', headers, body, ...(opts.signal ? { signal: opts.signal } : {}) }).then(
				async (res) => {
					opts.onProgress?.(body.size, body.size);
					return { kind: 'response' as const, status: res.status, json: await res.json().catch(() => null) };
				},
				() => (opts.signal?.aborted ? { kind: 'cancelled' as const } : { kind: 'offline' as const })
			);
		}
		return new Promise((resolve) => {
			const xhr = new XMLHttpRequest();
			xhr.open('POST', url);
			for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
			xhr.upload.onprogress = (e) => opts.onProgress?.(e.loaded, e.lengthComputable ? e.total : body.size);
			xhr.onload = () => {
				let json: unknown = null;
				try {
					json = JSON.parse(xhr.responseText) as unknown;
				} catch {
					/* not JSON */
				}
				resolve({ kind: 'response', status: xhr.status, json });
			};
			xhr.onerror = () => resolve({ kind: 'offline' });
			xhr.onabort = () => resolve({ kind: 'cancelled' });
			opts.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
			xhr.send(body);
		});
	}

	/** A signed URL, asked of the server and reused until a minute before it expires. */
	async fileUrl(storageName: string): Promise<string | null> {
		const known = this.#links.get(storageName);
		if (known && known.expiresAt - 60_000 > Date.now()) return known.url;
		const res = await this.#call(`/api/uploads/${encodeURIComponent(storageName)}/link`);
		if (!res?.ok) return null;
		const json = (await res.json().catch(() => null)) as { url?: string; expiresAt?: number } | null;
		if (!json?.url || !json.expiresAt) return null;
		const link = { url: `${this.#deps.baseUrl}${json.url}`, expiresAt: json.expiresAt };
		this.#links.set(storageName, link);
		return link.url;
	}
}
