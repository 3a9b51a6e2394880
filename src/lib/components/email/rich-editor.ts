/**
 * The editing primitives of the email composer's WYSIWYG editor (SPEC S5.12), in one module:
 * the formats (bold, italic, bulleted and numbered lists, links, quotes) applied to the
 * selection, the state of the selection (for the toolbar's aria-pressed), the shortcuts, and the
 * sanitizing of what is pasted and of what is sent.
 *
 * The formats go through `document.execCommand`: deprecated, but still the browsers' one
 * primitive that edits a contenteditable with a working undo stack; it is used here only, so a
 * Range-based implementation can replace it without touching the editor.
 *
 * Only the composer's tags survive (`ALLOWED_TAGS`, links with an http(s) or mailto address):
 * a paste from a web page or a word processor keeps its bold, lists and links and loses its
 * styles, classes, images, tables and scripts. `<b>`/`<i>` (what Chromium writes) become
 * `<strong>`/`<em>`.
 */
import DOMPurify from 'dompurify';

export type RichFormat = 'bold' | 'italic' | 'ul' | 'ol' | 'link' | 'quote';

const BLOCKS = new Set(['p', 'div', 'ul', 'ol', 'blockquote']);

export const ALLOWED_TAGS = ['p', 'div', 'br', 'strong', 'b', 'em', 'i', 'ul', 'ol', 'li', 'a', 'blockquote'];

/** The composer's HTML from any HTML (a paste, a draft written by another device, the editor's own). */
export function sanitizeComposed(html: string): string {
	const clean = DOMPurify.sanitize(html, {
		ALLOWED_TAGS,
		ALLOWED_ATTR: ['href'],
		ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
		KEEP_CONTENT: true,
		RETURN_DOM_FRAGMENT: true
	});
	const rename = (from: string, to: string) => {
		for (const el of Array.from(clean.querySelectorAll(from))) {
			const n = document.createElement(to);
			while (el.firstChild) n.appendChild(el.firstChild);
			el.replaceWith(n);
		}
	};
	rename('b', 'strong');
	rename('i', 'em');
	for (const a of Array.from(clean.querySelectorAll('a'))) if (!a.getAttribute('href')) a.replaceWith(...Array.from(a.childNodes));
	// Text at the top level (the first line typed in an empty box) goes into a paragraph: the
	// draft always starts with a block, which is how it is told from plain text.
	const box = document.createElement('div');
	let para: HTMLParagraphElement | null = null;
	for (const n of Array.from(clean.childNodes)) {
		const block = n.nodeType === Node.ELEMENT_NODE && BLOCKS.has(n.nodeName.toLowerCase());
		if (block) {
			para = null;
			box.appendChild(n);
			continue;
		}
		if (!para) {
			if (n.nodeType === Node.TEXT_NODE && !(n.textContent ?? '').trim()) continue;
			para = document.createElement('p');
			box.appendChild(para);
		}
		para.appendChild(n);
	}
	return box.innerHTML;
}

/**
 * Writes sanitized HTML into the editor (the draft changed elsewhere, an AI answer): the
 * editor's content is its own DOM, never rendered by Svelte.
 */
export function setContent(el: HTMLElement, html: string, how: 'replace' | 'append' = 'replace'): void {
	if (how === 'append') el.insertAdjacentHTML('beforeend', html);
	else el.innerHTML = html;
}

/** Whether the editor holds nothing to send (only empty blocks and line breaks). */
export const isBlank = (el: HTMLElement): boolean => (el.textContent ?? '').trim() === '';

function within(el: HTMLElement, tag: string): boolean {
	const sel = window.getSelection();
	let n: Node | null = sel && sel.rangeCount > 0 ? sel.getRangeAt(0).startContainer : null;
	if (!n || !el.contains(n)) return false;
	for (; n && n !== el; n = n.parentNode) if (n.nodeName.toLowerCase() === tag) return true;
	return false;
}

/** The formats on at the caret (the toolbar shows them pressed). */
export function activeFormats(el: HTMLElement): Record<RichFormat, boolean> {
	const inside = (() => {
		const sel = window.getSelection();
		return !!sel && sel.rangeCount > 0 && el.contains(sel.getRangeAt(0).startContainer);
	})();
	const q = (cmd: string) => inside && document.queryCommandState(cmd);
	return { bold: q('bold'), italic: q('italic'), ul: within(el, 'ul'), ol: within(el, 'ol'), link: within(el, 'a'), quote: within(el, 'blockquote') };
}

/** Applies (or removes, when on) a format to the selection; `href` for a link. */
export function applyFormat(el: HTMLElement, f: RichFormat, href?: string): void {
	el.focus();
	switch (f) {
		case 'bold':
		case 'italic':
			document.execCommand(f);
			break;
		case 'ul':
			document.execCommand('insertUnorderedList');
			break;
		case 'ol':
			document.execCommand('insertOrderedList');
			break;
		case 'quote':
			if (within(el, 'blockquote')) document.execCommand('outdent');
			else document.execCommand('formatBlock', false, 'blockquote');
			break;
		case 'link': {
			if (!href) {
				document.execCommand('unlink');
				break;
			}
			const sel = window.getSelection();
			if (sel && sel.isCollapsed) {
				const a = document.createElement('a');
				a.href = href;
				a.textContent = href;
				document.execCommand('insertHTML', false, a.outerHTML);
			} else document.execCommand('createLink', false, href);
			break;
		}
	}
}

/** A link address as typed: `example.com` gets https://, an address mailto:; null when not one. */
export function normalizeHref(input: string): string | null {
	const v = input.trim();
	if (!v) return null;
	if (/^(https?:\/\/|mailto:)\S+$/i.test(v)) return v;
	if (/^[^\s@/]+@[^\s@/]+\.[^\s@/]+$/.test(v)) return `mailto:${v}`;
	if (/^[a-z0-9-]+(\.[a-z0-9-]+)+(\/\S*)?$/i.test(v)) return `https://${v}`;
	return null;
}

/** The format a key press asks for: Ctrl/Cmd+B, I, K, Ctrl/Cmd+Shift+7 (numbered), 8 (bulleted), 9 (quote). */
export function shortcut(e: KeyboardEvent): RichFormat | null {
	if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
	if (e.shiftKey) {
		if (e.code === 'Digit7') return 'ol';
		if (e.code === 'Digit8') return 'ul';
		if (e.code === 'Digit9') return 'quote';
		return null;
	}
	const k = e.key.toLowerCase();
	return k === 'b' ? 'bold' : k === 'i' ? 'italic' : k === 'k' ? 'link' : null;
}

/** Pastes the clipboard's HTML (sanitized) or text at the caret; false when it holds files (the composer takes those). */
export function pasteSanitized(e: ClipboardEvent): boolean {
	const data = e.clipboardData;
	if (!data || data.files.length > 0) return false;
	e.preventDefault();
	const html = data.getData('text/html');
	if (html) document.execCommand('insertHTML', false, sanitizeComposed(html));
	else document.execCommand('insertText', false, data.getData('text/plain'));
	return true;
}
