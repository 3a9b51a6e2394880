/**
 * Serves the built client (the SvelteKit static build) from one directory. Paths are decoded,
 * normalized and must stay inside the root (no `..`, no encoded separators, no NUL). A GET for
 * a path that is not a file falls back to `index.html` (the app routes in the browser), except
 * for asset-looking paths (with an extension), which are 404. Hashed assets under
 * `/_app/immutable/` are cached for a year as immutable; everything else is revalidated.
 *
 * Compression (issue 17: a first login over a slow link): the build writes `.br` and `.gz`
 * beside each text asset (adapter-static `precompress`), and the one the browser accepts is
 * sent (brotli first: ~25% smaller than gzip on our scripts), with `Vary: Accept-Encoding`.
 * Nothing is compressed per request.
 */
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { errorReply, send } from './respond';

const TYPES: Record<string, string> = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.mjs': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.json': 'application/json; charset=utf-8',
	'.webmanifest': 'application/manifest+json',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.jpg': 'image/jpeg',
	'.jpeg': 'image/jpeg',
	'.gif': 'image/gif',
	'.webp': 'image/webp',
	'.ico': 'image/x-icon',
	'.woff': 'font/woff',
	'.woff2': 'font/woff2',
	'.txt': 'text/plain; charset=utf-8',
	'.map': 'application/json; charset=utf-8',
	'.wasm': 'application/wasm'
};

function fileAt(root: string, urlPath: string): string | null {
	let decoded: string;
	try {
		decoded = decodeURIComponent(urlPath);
	} catch {
		return null;
	}
	if (decoded.includes('\0') || decoded.includes('\\')) return null;
	const full = resolve(root, '.' + normalize('/' + decoded));
	if (full !== root && !full.startsWith(root + sep)) return null;
	try {
		const st = statSync(full);
		if (st.isFile()) return full;
		if (st.isDirectory()) {
			const index = join(full, 'index.html');
			if (statSync(index, { throwIfNoEntry: false })?.isFile()) return index;
		}
	} catch {
		return null;
	}
	return null;
}

export function serveStatic(rootDir: string, req: IncomingMessage, res: ServerResponse, pathname: string): void {
	if (req.method !== 'GET' && req.method !== 'HEAD') {
		return send(res, errorReply(405, 'method_not_allowed', 'Only GET and HEAD are served here.', { allow: 'GET, HEAD' }));
	}
	const root = resolve(rootDir);
	let file = fileAt(root, pathname);
	if (!file && extname(pathname) === '') file = fileAt(root, '/index.html');
	if (!file) return send(res, errorReply(404, 'not_found', 'Nothing here.'));
	const immutable = pathname.startsWith('/_app/immutable/');
	const encoded = precompressed(file, req.headers['accept-encoding']);
	const body = encoded?.path ?? file;
	const size = statSync(body).size;
	res.writeHead(200, {
		'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
		'content-length': size,
		'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
		'x-content-type-options': 'nosniff',
		...(encoded ? { 'content-encoding': encoded.encoding } : {}),
		...(encoded !== undefined ? { vary: 'Accept-Encoding' } : {})
	});
	if (req.method === 'HEAD') return void res.end();
	createReadStream(body)
		.on('error', () => res.destroy())
		.pipe(res);
}

/**
 * The precompressed twin of `file` the request accepts: `{path, encoding}`; null when the file
 * has twins but none is accepted (the response still varies by encoding); undefined when the
 * file has none.
 */
function precompressed(file: string, acceptEncoding: string | string[] | undefined): { path: string; encoding: 'br' | 'gzip' } | null | undefined {
	const accepted = new Set(
		(Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : (acceptEncoding ?? ''))
			.split(',')
			.map((part) => part.trim().split(';'))
			.filter(([, q]) => q === undefined || !/^\s*q\s*=\s*0(\.0*)?\s*$/.test(q))
			.map(([name]) => name!.trim().toLowerCase())
	);
	let any = false;
	for (const [suffix, encoding] of [
		['.br', 'br'],
		['.gz', 'gzip']
	] as const) {
		if (!statSync(file + suffix, { throwIfNoEntry: false })?.isFile()) continue;
		any = true;
		if (accepted.has(encoding)) return { path: file + suffix, encoding };
	}
	return any ? null : undefined;
}
