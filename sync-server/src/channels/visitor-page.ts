/**
 * The contact-facing pages, outside `/api/`: `GET /chat/<channelId>` (the web chat page, plain
 * HTML with no user data in it but the channel's name, escaped), `GET /chat-assets/visitor.js`
 * (its script), `GET /chat-assets/favicon.svg` (its icon) and `GET /widget.js` (the embed script).
 * The page opens with a greeting, has an attach button and takes dropped files (S5.14), and a
 * Call button when the channel carries voice calls (SPEC S2, `src/lib/protocol/calls.ts`). The
 * assets are the files in `static/`
 * (which the client build also copies), read once and served with a strict content security
 * policy on the page: scripts only from this origin, no inline script, network only to this
 * origin; the page may be framed by any site (that is what the widget does).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Channel } from '../../../src/lib/domain/types';

const STATIC_ROOT = fileURLToPath(new URL('../../../static/', import.meta.url));

const CSP =
	"default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; media-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors *";

export function escapeHtml(s: string): string {
	return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readAsset(name: string): string | null {
	try {
		return readFileSync(STATIC_ROOT + name, 'utf8');
	} catch {
		return null;
	}
}

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
const ORIGIN = /^https?:\/\/[a-z0-9.-]{1,253}(:\d{1,5})?$/;
const DEFAULT_COLOR = '#4f46e5';

/**
 * The page's CSP: `frame-ancestors` is the channel's allowed origins when it has some (issue 20:
 * settings > Channels), so only those sites (and this server) can embed the chat; any otherwise.
 */
export function chatPageCsp(channel: Channel | undefined): string {
	const origins = (channel?.webchat?.allowedOrigins ?? []).filter((o) => ORIGIN.test(o));
	return origins.length > 0 ? CSP.replace('frame-ancestors *', `frame-ancestors 'self' ${origins.join(' ')}`) : CSP;
}

export function chatPageHtml(channel: Channel): string {
	const name = escapeHtml(channel.name);
	const color = channel.webchat?.color && HEX_COLOR.test(channel.webchat.color) ? channel.webchat.color : DEFAULT_COLOR;
	const greeting = channel.webchat?.greeting?.trim();
	const page = chatPageTemplate(name, channel).replaceAll(DEFAULT_COLOR, color);
	// A greeting of the channel's own replaces the default one (which the script translates).
	return greeting
		? page.replace(/<li id="greeting">.*?<\/li>/, `<li id="greeting" data-custom=""><strong>${name}</strong><span>${escapeHtml(greeting)}</span></li>`)
		: page;
}

function chatPageTemplate(name: string, channel: Channel): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${name}</title>
<link rel="icon" type="image/svg+xml" href="/chat-assets/favicon.svg">
<style>
*{box-sizing:border-box}html,body{height:100%;margin:0}
body{font:15px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2330;background:#f4f5f9}
main{display:flex;flex-direction:column;height:100%;max-width:720px;margin:0 auto;background:#fff}
header{display:flex;align-items:baseline;justify-content:space-between;gap:8px;padding:12px 16px;background:#4f46e5;color:#fff}
h1{font-size:16px;margin:0}#conn{font-size:12px;opacity:.85}
#messages{flex:1;overflow-y:auto;list-style:none;margin:0;padding:16px;display:flex;flex-direction:column;gap:8px}
.msg{display:flex;flex-direction:column;max-width:80%}.msg.mine{align-self:flex-end;align-items:flex-end}.msg.theirs{align-self:flex-start}
.bubble{padding:8px 12px;border-radius:14px;background:#eef0f6;white-space:pre-wrap;overflow-wrap:anywhere}
.mine .bubble{background:#4f46e5;color:#fff}.meta{font-size:11px;color:#6b7083;margin-top:2px}
#typing{padding:0 16px 6px;font-size:12px;color:#6b7083;font-style:italic}
#error{margin:0 16px 6px;padding:6px 10px;border-radius:8px;background:#fde8e8;color:#9b1c1c;font-size:13px}
#name-row{padding:8px 16px 0}#name-row input{width:100%;padding:6px 8px;border:1px solid #d5d8e3;border-radius:8px;font:inherit}
form{display:flex;gap:8px;padding:12px 16px;border-top:1px solid #e6e8ef}
textarea{flex:1;resize:none;height:44px;padding:10px;border:1px solid #d5d8e3;border-radius:10px;font:inherit}
button{border:0;border-radius:10px;padding:0 16px;background:#4f46e5;color:#fff;font:inherit;font-weight:600;cursor:pointer}
#greeting{align-self:flex-start;max-width:80%;padding:10px 14px;border-radius:14px;background:#eef0f6;color:#1f2330}
#greeting strong{display:block;margin-bottom:2px}
#attach{padding:0 12px;background:#eef0f6;color:#3730a3;font-size:18px}
#files{display:flex;flex-wrap:wrap;gap:6px;padding:0 16px}#files:empty{display:none}
.chip{display:inline-flex;align-items:center;gap:6px;padding:3px 4px 3px 8px;border:1px solid #d5d8e3;border-radius:8px;font-size:13px;max-width:100%}
.chip progress{width:60px;height:6px}.chip .x{padding:0 6px;background:transparent;color:#6b7083;font-size:15px}
.chip.error{border-color:#fca5a5;background:#fef2f2;color:#9b1c1c}
.att{display:flex;flex-direction:column;gap:4px;margin-top:6px}
.att img{display:block;max-width:220px;max-height:170px;min-width:48px;min-height:48px;object-fit:cover;border-radius:8px;cursor:zoom-in}
.att .thumb{padding:0;background:transparent;border-radius:8px}
.att audio{width:240px;max-width:100%}
.att a.file{display:inline-flex;gap:6px;align-items:center;padding:6px 10px;border-radius:8px;background:#fff;color:#1f2330;text-decoration:none;border:1px solid #d5d8e3}
.preview{display:block;margin-top:6px;padding:6px 10px;border-left:3px solid #a5b4fc;background:rgba(255,255,255,.85);border-radius:6px;color:#1f2330;text-decoration:none}
.preview b{display:block}.preview span{font-size:12px;color:#4b5063}
#drop[hidden]{display:none}#drop{position:fixed;inset:8px;display:flex;align-items:center;justify-content:center;border:2px dashed #4f46e5;border-radius:12px;background:rgba(238,240,255,.92);color:#3730a3;font-weight:600;pointer-events:none}
#viewer{max-width:94vw;max-height:94vh;padding:0;border:0;border-radius:8px;background:#111}
#viewer::backdrop{background:rgba(0,0,0,.75)}#viewer img{display:block;max-width:94vw;max-height:calc(94vh - 44px)}
#viewer div{display:flex;justify-content:space-between;align-items:center;padding:6px 10px;color:#fff}
#viewer button{padding:4px 12px;background:transparent;border:1px solid rgba(255,255,255,.6)}
#call{margin-left:auto;padding:4px 12px;background:#fff;color:#3730a3;font-size:13px}#call[hidden]{display:none}#call:disabled{opacity:.55;cursor:default}
header .right{display:flex;align-items:center;gap:10px}
#callbar{display:flex;align-items:center;gap:10px;padding:8px 16px;background:#eef2ff;border-bottom:1px solid #c7d2fe;font-size:14px}
#callbar[hidden]{display:none}#callbar .grow{flex:1}#call-timer{font-variant-numeric:tabular-nums;font-weight:600}
#call-rec{color:#b91c1c;font-size:12px}#call-rec[hidden]{display:none}
#callbar button{padding:6px 12px}#call-hangup{background:#dc2626}#call-accept{background:#16a34a}
#callbar button[hidden]{display:none}
</style>
</head>
<body>
<main id="chat" data-channel="${escapeHtml(channel.id)}">
<header><h1>${name}</h1><span class="right"><span id="conn" aria-live="polite"></span><button type="button" id="call"${channel.calls ? '' : ' hidden'}>Call</button></span></header>
<div id="callbar" role="status" aria-live="polite" hidden><span id="call-status" class="grow"></span><span id="call-rec" hidden></span><span id="call-timer"></span><button type="button" id="call-accept" hidden>Accept</button><button type="button" id="call-hangup">Hang up</button><audio id="call-audio" autoplay></audio></div>
<ol id="messages" aria-live="polite" aria-label="Conversation"><li id="greeting"><strong>Hi there 👋</strong><span>How can we help? Write your question here; we usually reply within minutes.</span></li></ol>
<div id="typing" hidden>An agent is typing…</div>
<div id="error" role="alert" hidden></div>
<div id="name-row"><input id="name" maxlength="80" autocomplete="name" placeholder="Your name (optional)" aria-label="Your name"></div>
<div id="files" aria-live="polite"></div>
<form id="composer"><button type="button" id="attach" aria-label="Attach a file" title="Attach a file">📎</button><input type="file" id="file" multiple hidden><textarea id="text" maxlength="4000" placeholder="Write a message…" aria-label="Message"></textarea><button type="submit" id="send">Send</button></form>
</main>
<div id="drop" hidden>Drop files to send them</div>
<dialog id="viewer" aria-label="Image"><img alt=""><div><span id="viewer-name"></span><button type="button" id="viewer-close">Close</button></div></dialog>
<script src="/chat-assets/visitor.js"></script>
</body>
</html>`;
}

export interface PageHandler {
	/** Serves the request when it is one of these pages; false otherwise. */
	handle(req: IncomingMessage, res: ServerResponse, path: string): boolean;
}

export function createPageHandler(channel: (id: string) => Channel | undefined): PageHandler {
	const assets = new Map<string, string | null>([
		['/chat-assets/visitor.js', readAsset('chat-visitor.js')],
		['/widget.js', readAsset('widget.js')]
	]);
	const favicon = readAsset('favicon.svg');
	const sendText = (res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}) => {
		res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff', ...headers });
		res.end(body);
	};
	return {
		handle(req, res, path) {
			if (req.method !== 'GET' && req.method !== 'HEAD') return false;
			const asset = assets.get(path);
			if (asset) {
				sendText(res, 200, 'text/javascript; charset=utf-8', asset, { 'cache-control': 'no-cache', 'access-control-allow-origin': '*' });
				return true;
			}
			if (path === '/chat-assets/favicon.svg' && favicon) {
				sendText(res, 200, 'image/svg+xml', favicon, { 'cache-control': 'max-age=86400' });
				return true;
			}
			const m = /^\/chat\/([A-Za-z0-9_-]{1,80})\/?$/.exec(path);
			if (!m) return false;
			const ch = channel(m[1]!);
			const headers = { 'content-security-policy': chatPageCsp(ch), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };
			if (!ch || ch.kind !== 'webchat') {
				sendText(res, 404, 'text/html; charset=utf-8', '<!doctype html><meta charset="utf-8"><title>Not found</title><p>This chat does not exist.</p>', headers);
				return true;
			}
			sendText(res, 200, 'text/html; charset=utf-8', chatPageHtml(ch), headers);
			return true;
		}
	};
}
