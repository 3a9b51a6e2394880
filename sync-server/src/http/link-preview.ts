/**
 * Link previews (SPEC S5.9): `GET /api/link-preview?url=` fetches the page on behalf of a
 * signed-in member and answers its Open Graph title, description and image.
 *
 * The server is the one fetching, so the request must not become a way into the server's own
 * network: every hop goes through the channels' SSRF guard (`checkTarget` on the URL, then
 * `guardedLookup` on the addresses the connection really uses). Redirects are followed by hand,
 * at most `maxRedirects`, each new location checked the same way. The whole fetch has one
 * deadline (`timeoutMs`, 3 s), and at most `maxBytes` (512 KiB) of HTML are read: the `<head>`
 * of any page fits, and a hostile endless body costs nothing more. Private addresses are
 * allowed only with `allowPrivate` (tests, local setups: ALLOW_LOOPBACK_CHANNELS=1).
 */
import type { IncomingMessage } from 'node:http';
import type { LinkPreview } from '../../../src/lib/domain/types';
import { checkTarget, guardedRequest, readCapped } from '../channels/outbound-http';
import { errorReply, reply } from './respond';
import type { Route } from './routes';

export interface LinkPreviewOptions {
	allowPrivate: boolean;
	timeoutMs: number;
	maxBytes: number;
	maxRedirects: number;
}

export const LINK_PREVIEW_DEFAULTS: Omit<LinkPreviewOptions, 'allowPrivate'> = {
	timeoutMs: 3000,
	maxBytes: 512 * 1024,
	maxRedirects: 3
};

const MAX_URL_CHARS = 2048;
const MAX_TITLE = 300;
const MAX_DESCRIPTION = 600;

export type PreviewResult =
	| { ok: true; preview: LinkPreview }
	| { ok: false; kind: 'bad_url' | 'refused' | 'timeout' | 'network' | 'not_html' | 'http_error' | 'too_many_redirects'; message: string };

type Hop = { ok: true; res: IncomingMessage } | (PreviewResult & { ok: false });

/** Fetches `url` and reads its preview; never throws. */
export async function fetchLinkPreview(url: string, opts: LinkPreviewOptions): Promise<PreviewResult> {
	const deadline = Date.now() + opts.timeoutMs;
	let current = url;
	for (let hop = 0; hop <= opts.maxRedirects; hop++) {
		const checked = checkTarget(current, opts.allowPrivate);
		if (!checked.ok) return { ok: false, kind: checked.kind === 'refused' ? 'refused' : 'bad_url', message: checked.message.replace('channel URL', 'link') };
		const got = await get(checked.url, opts.allowPrivate, deadline - Date.now());
		if (!got.ok) return got;
		const res = got.res;
		const status = res.statusCode ?? 0;
		if (status >= 300 && status < 400 && res.headers.location) {
			res.destroy();
			try {
				current = new URL(res.headers.location, checked.url).href;
			} catch {
				return { ok: false, kind: 'bad_url', message: 'The page redirects to an invalid address.' };
			}
			continue;
		}
		if (status < 200 || status >= 300) {
			res.destroy();
			return { ok: false, kind: 'http_error', message: `The page answered HTTP ${status}.` };
		}
		const type = String(res.headers['content-type'] ?? '');
		if (type && !/text\/html|application\/xhtml/i.test(type)) {
			res.destroy();
			return { ok: false, kind: 'not_html', message: 'The link is not a web page.' };
		}
		const html = await readCapped(res, opts.maxBytes, deadline);
		if (html === null) return { ok: false, kind: 'timeout', message: `No answer within ${opts.timeoutMs} ms.` };
		return { ok: true, preview: parsePreview(html, checked.url) };
	}
	return { ok: false, kind: 'too_many_redirects', message: `More than ${opts.maxRedirects} redirects.` };
}

function get(target: URL, allowPrivate: boolean, timeoutMs: number): Promise<Hop> {
	return guardedRequest(target, {
		method: 'GET',
		headers: { accept: 'text/html,application/xhtml+xml', 'user-agent': 'ParleyLinkPreview/1.0' },
		allowPrivate,
		timeoutMs
	});
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(s: string): string {
	return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, code: string) => {
		if (code[0] === '#') {
			const n = code[1] === 'x' || code[1] === 'X' ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
			return Number.isFinite(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : m;
		}
		return ENTITIES[code.toLowerCase()] ?? m;
	});
}

function clean(s: string | undefined, max: number): string | undefined {
	if (s === undefined) return undefined;
	const t = decodeEntities(s).replace(/\s+/g, ' ').trim();
	if (!t) return undefined;
	return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** Attributes of one tag, names lower-cased. */
function attributes(tag: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const m of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
		out[m[1]!.toLowerCase()] = m[3] ?? m[4] ?? m[5] ?? '';
	}
	return out;
}

/** The Open Graph preview of a page, with `<title>` and `meta description` as fallbacks. */
export function parsePreview(html: string, base: URL): LinkPreview {
	const meta: Record<string, string> = {};
	for (const m of html.matchAll(/<meta\b[^>]*>/gi)) {
		const a = attributes(m[0]);
		const key = (a.property ?? a.name ?? '').toLowerCase();
		if (key && a.content !== undefined && !(key in meta)) meta[key] = a.content;
	}
	const titleTag = /<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
	const title = clean(meta['og:title'] ?? meta['twitter:title'] ?? titleTag, MAX_TITLE);
	const description = clean(meta['og:description'] ?? meta['twitter:description'] ?? meta.description, MAX_DESCRIPTION);
	const preview: LinkPreview = { url: base.href };
	if (title) preview.title = title;
	if (description) preview.description = description;
	const rawImage = meta['og:image'] ?? meta['og:image:url'] ?? meta['twitter:image'];
	if (rawImage) {
		try {
			const img = new URL(decodeEntities(rawImage.trim()), base);
			if ((img.protocol === 'http:' || img.protocol === 'https:') && img.href.length <= MAX_URL_CHARS) preview.image = img.href;
		} catch {
			/* an unreadable image URL: no image */
		}
	}
	return preview;
}

const STATUS: Record<Exclude<PreviewResult, { ok: true }>['kind'], number> = {
	bad_url: 400,
	refused: 403,
	timeout: 504,
	network: 502,
	not_html: 422,
	http_error: 502,
	too_many_redirects: 502
};

/** `GET /api/link-preview?url=`: members only. */
export function linkPreviewRoutes(opts: LinkPreviewOptions): Route[] {
	return [
		{
			method: 'GET',
			path: /^\/api\/link-preview$/,
			access: 'member',
			async handle({ url }) {
				const target = url.searchParams.get('url');
				if (!target || target.length > MAX_URL_CHARS) return errorReply(400, 'bad_request', `Give a url of at most ${MAX_URL_CHARS} characters.`);
				const r = await fetchLinkPreview(target, opts);
				return r.ok ? reply(200, { preview: r.preview }) : errorReply(STATUS[r.kind], r.kind, r.message);
			}
		}
	];
}
