/**
 * SPEC S5.12: the email composer writes plain text with light marks (the toolbar inserts them):
 * `**bold**`, `*italic*`, `- ` or `1. ` list lines, `> ` quote lines and `[text](https://...)`
 * links. The email goes out as HTML made from those marks, with the text (marks removed) as its
 * plain alternative. Everything typed is escaped: the marks are the only HTML the agent makes.
 */

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function inline(line: string): string {
	let out = escape(line);
	out = out.replace(/\[([^\]\n]{1,200})\]\((https?:\/\/[^\s)]{1,2000}|mailto:[^\s)]{1,300})\)/g, (_m, t: string, u: string) => `<a href="${u}">${t}</a>`);
	out = out.replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>');
	out = out.replace(/(^|[^*])\*([^*\n]+)\*(?!\*)/g, '$1<em>$2</em>');
	return out;
}

/** The HTML of a composed email (see the module comment). */
export function emailHtml(text: string): string {
	const lines = text.replace(/\r\n/g, '\n').split('\n');
	const out: string[] = [];
	let list: 'ul' | 'ol' | null = null;
	let quote: string[] = [];
	let para: string[] = [];
	const flushPara = () => {
		if (para.length) out.push(`<p>${para.map(inline).join('<br>')}</p>`);
		para = [];
	};
	const flushList = () => {
		if (list) out.push(`</${list}>`);
		list = null;
	};
	const flushQuote = () => {
		if (quote.length) out.push(`<blockquote>${emailHtml(quote.join('\n'))}</blockquote>`);
		quote = [];
	};
	for (const line of lines) {
		const q = /^>\s?(.*)$/.exec(line);
		if (q) {
			flushPara();
			flushList();
			quote.push(q[1]!);
			continue;
		}
		flushQuote();
		const ul = /^\s*[-*]\s+(.*)$/.exec(line);
		const ol = /^\s*\d+[.)]\s+(.*)$/.exec(line);
		if (ul || ol) {
			flushPara();
			const kind = ul ? 'ul' : 'ol';
			if (list !== kind) {
				flushList();
				out.push(`<${kind}>`);
				list = kind;
			}
			out.push(`<li>${inline((ul ?? ol)![1]!)}</li>`);
			continue;
		}
		flushList();
		if (line.trim() === '') flushPara();
		else para.push(line);
	}
	flushPara();
	flushList();
	flushQuote();
	return out.join('');
}

/** The plain-text alternative: the text with its marks removed. */
export function emailPlainText(text: string): string {
	return text
		.replace(/\[([^\]\n]{1,200})\]\(([^\s)]+)\)/g, '$1 <$2>')
		.replace(/\*\*([^*\n]+)\*\*/g, '$1')
		.replace(/(^|[^*])\*([^*\n]+)\*(?!\*)/g, '$1$2');
}

export type EmailMark = 'bold' | 'italic' | 'list' | 'link' | 'quote';

/** The text after applying a toolbar mark to the selection [start, end); the new selection. */
export function applyMark(text: string, start: number, end: number, mark: EmailMark): { text: string; start: number; end: number } {
	const sel = text.slice(start, end);
	if (mark === 'bold' || mark === 'italic') {
		const m = mark === 'bold' ? '**' : '*';
		const inner = sel || (mark === 'bold' ? 'bold' : 'italic');
		return { text: text.slice(0, start) + m + inner + m + text.slice(end), start: start + m.length, end: start + m.length + inner.length };
	}
	if (mark === 'link') {
		const inner = sel || 'link';
		const url = 'https://';
		const next = `${text.slice(0, start)}[${inner}](${url})${text.slice(end)}`;
		const at = start + inner.length + 3;
		return { text: next, start: at, end: at + url.length };
	}
	// Line marks: every line the selection touches.
	const from = text.lastIndexOf('\n', start - 1) + 1;
	const nl = text.indexOf('\n', end);
	const to = nl < 0 ? text.length : nl;
	const prefix = mark === 'list' ? '- ' : '> ';
	const block = text
		.slice(from, to)
		.split('\n')
		.map((l) => (l.startsWith(prefix) ? l : prefix + l))
		.join('\n');
	return { text: text.slice(0, from) + block + text.slice(to), start: from, end: from + block.length };
}
