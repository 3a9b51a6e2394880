/**
 * SPEC S5.12: the email composer writes rich text (a WYSIWYG editor, `components/email/
 * rich-editor.ts`); its draft is HTML of a few tags (p, div, br, strong, em, ul, ol, li, a,
 * blockquote). The email goes out as that HTML, sanitized, with a plain-text alternative derived
 * from it here: paragraphs and line breaks kept, `- ` and `1. ` list items, `> ` quoted lines,
 * links as `text <url>`. Plain text (an AI answer, a draft written on another channel) becomes
 * paragraphs with everything escaped.
 */

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decode(s: string): string {
	return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (m, e: string) => {
		if (e[0] === '#') {
			const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
			return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : m;
		}
		return ENTITIES[e.toLowerCase()] ?? m;
	});
}

/** Whether a draft's value is the rich editor's HTML (it always starts with a block element). */
export const isEmailHtml = (value: string): boolean => /^\s*<(p|div|ul|ol|blockquote|br|h[1-6])[\s/>]/i.test(value);

/** Plain text as email HTML: paragraphs on blank lines, `<br>` on single line breaks, all escaped. */
export function textToEmailHtml(text: string): string {
	const paras = text.replace(/\r\n?/g, '\n').split(/\n{2,}/);
	return paras
		.filter((p) => p.trim() !== '')
		.map((p) => `<p>${p.split('\n').map(escape).join('<br>')}</p>`)
		.join('');
}

const BLOCK = new Set(['p', 'div', 'ul', 'ol', 'li', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'table', 'tr']);

/**
 * The plain-text alternative of composed HTML (see the module comment). Tags other than those
 * listed are dropped with their text kept; `script` and `style` contents are dropped.
 */
export function emailHtmlToText(html: string): string {
	const lines: string[] = [];
	let line = '';
	let quote = 0;
	const lists: Array<{ kind: 'ul' | 'ol'; n: number }> = [];
	const links: string[] = [];
	let skip = 0;
	const prefix = () => '> '.repeat(quote);
	const endLine = (force = false) => {
		// The signature separator keeps its space (`-- `: mail clients recognise the signature by it).
		if (line.trim() !== '' || force) lines.push(prefix() + (line === '-- ' ? line : line.replace(/[ \t]+$/, '')));
		line = '';
	};
	const blank = () => {
		endLine();
		if (lines.length && lines[lines.length - 1] !== prefix().trimEnd()) lines.push(prefix().trimEnd());
	};
	const re = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>|([^<]+)|</g;
	for (let m = re.exec(html); m; m = re.exec(html)) {
		const [, close, rawTag, attrs, text] = m;
		if (text !== undefined || rawTag === undefined) {
			if (skip) continue;
			line += decode(text ?? '<').replace(/\s+/g, ' ');
			if (line === ' ') line = '';
			continue;
		}
		const tag = rawTag.toLowerCase();
		if (tag === 'script' || tag === 'style') {
			skip += close ? -1 : 1;
			skip = Math.max(0, skip);
			continue;
		}
		if (skip) continue;
		if (tag === 'br') endLine(true);
		else if (tag === 'a') {
			if (close) {
				const href = links.pop();
				if (href && !line.endsWith(href)) line += ` <${href}>`;
			} else {
				const href = /href\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attrs ?? '');
				const url = href ? decode(href[2] ?? href[3] ?? href[4] ?? '') : '';
				links.push(/^(https?|mailto):/i.test(url) ? url.replace(/^mailto:/i, '') : '');
			}
		} else if (tag === 'blockquote') {
			blank();
			quote = Math.max(0, quote + (close ? -1 : 1));
		} else if (tag === 'ul' || tag === 'ol') {
			endLine();
			if (close) {
				lists.pop();
				if (lists.length === 0) blank();
			} else {
				if (lists.length === 0) blank();
				lists.push({ kind: tag, n: 0 });
			}
		} else if (tag === 'li') {
			endLine();
			if (!close) {
				const l = lists[lists.length - 1];
				const indent = '  '.repeat(Math.max(0, lists.length - 1));
				if (l) l.n++;
				line = indent + (l?.kind === 'ol' ? `${l.n}. ` : '- ');
			}
		} else if (BLOCK.has(tag)) {
			if (tag === 'div' || lists.length) endLine();
			else blank();
		}
	}
	endLine();
	while (lines.length && lines[0]!.replace(/>/g, '').trim() === '') lines.shift();
	while (lines.length && lines[lines.length - 1]!.replace(/>/g, '').trim() === '') lines.pop();
	// No list marker alone on its line, and at most one blank line in a row.
	return lines
		.filter((l) => !/^\s*(- |\d+\. )$/.test(l))
		// A quoted blank line stays only between two quoted lines (a paragraph break in the quote).
		.filter((l, i, a) => !/^>[> ]*$/.test(l) || (a[i - 1]?.startsWith('>') && a[i + 1]?.startsWith('>')))
		.map((l) => (/^>[> ]*$/.test(l) ? l.trimEnd() : l))
		.filter((l, i, a) => !(l.trim() === '' && a[i - 1]?.trim() === ''))
		.join('\n');
}
