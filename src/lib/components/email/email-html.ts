/**
 * An email's HTML as the thread shows it (SPEC S5.12): sanitized again in the browser with
 * DOMPurify (the server sanitized it before storing; this is the second wall), with no styles,
 * forms, frames or scripts, links opening in a new tab without a referrer, and remote images
 * blocked until the agent asks: an `http(s)` image keeps its address in `data-remote-src` and
 * gets a `src` only when `loadImages` is true. The result goes into an element whose CSS keeps
 * it inside its box (no fixed or absolute positioning can cover the app).
 */
import DOMPurify from 'dompurify';

let hooked = false;
let loadRemote = false;

function hook(): void {
	if (hooked) return;
	hooked = true;
	DOMPurify.addHook('afterSanitizeAttributes', (node) => {
		if (node.tagName === 'A') {
			node.setAttribute('target', '_blank');
			node.setAttribute('rel', 'noopener noreferrer nofollow');
		}
		if (node.tagName === 'IMG') {
			const src = node.getAttribute('src') ?? '';
			if (/^https?:/i.test(src)) {
				node.setAttribute('data-remote-src', src);
				node.removeAttribute('src');
			}
			const remote = node.getAttribute('data-remote-src') ?? '';
			if (loadRemote && /^https?:\/\//i.test(remote)) node.setAttribute('src', remote);
		}
	});
}

export function displayHtml(html: string, loadImages: boolean): string {
	hook();
	loadRemote = loadImages;
	try {
		return DOMPurify.sanitize(html, {
			FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'svg', 'math', 'link', 'meta', 'base'],
			FORBID_ATTR: ['style', 'class', 'id'],
			ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|cid:|data:image\/(?:png|gif|jpe?g|webp);)/i
		});
	} finally {
		loadRemote = false;
	}
}

/** Whether the HTML holds images that wait for the agent. */
export const hasRemoteImages = (html: string): boolean => /data-remote-src=|<img[^>]+src=["']?https?:/i.test(html);
/** Whether the HTML holds quoted history (folded by default). */
export const hasQuote = (html: string): boolean => /<blockquote/i.test(html);
