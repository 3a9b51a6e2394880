/**
 * The composer's server helpers (MediaApi): link previews (S5.9) and uploads (S5.14) over the
 * authenticated HTTP API. Both need the network; failures come back as values a person can
 * read, never as exceptions. A 401 is retried once after a token refresh, like every API call.
 */
import type { Attachment, LinkPreview } from '../domain/types';
import type { RefreshResult } from '../sync/auth';
import type { MediaApi, UploadOutcome } from './api';

export interface MediaDeps {
	baseUrl: string;
	token(): Promise<string | null>;
	refresh(): Promise<RefreshResult>;
	fetch?: typeof fetch;
}

export class Media implements MediaApi {
	readonly #deps: MediaDeps;
	readonly #previews = new Map<string, Promise<LinkPreview | null>>();

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

	async upload(file: File): Promise<UploadOutcome> {
		const res = await this.#call('/api/uploads', {
			method: 'POST',
			headers: { 'content-type': file.type || 'application/octet-stream', 'x-file-name': encodeURIComponent(file.name) },
			body: file
		});
		if (!res) return { ok: false, error: 'Uploading needs a connection to the server.' };
		const json = (await res.json().catch(() => null)) as { attachment?: Attachment; error?: { message?: string } } | null;
		if (res.ok && json?.attachment) return { ok: true, attachment: json.attachment };
		return { ok: false, error: json?.error?.message ?? `The server refused the file (${res.status}).` };
	}

	async fileUrl(storageName: string): Promise<string | null> {
		const token = await this.#deps.token();
		return token ? `${this.#deps.baseUrl}/api/uploads/${encodeURIComponent(storageName)}?token=${encodeURIComponent(token)}` : null;
	}
}
