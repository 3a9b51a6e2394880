/**
 * One received email, from raw RFC 5322 bytes to what the inbox stores (SPEC S5.12, S5.14):
 * MIME and charsets decoded by mailparser; the HTML body sanitized here, before it is stored
 * (scripts, event handlers, styles, forms, frames and `javascript:` URLs removed; remote images
 * kept as `data-remote-src` so the client loads them only when the agent asks); threading
 * headers; attachments as bytes; and the kind of mail: a delivery report (RFC 3464
 * `multipart/report; report-type=delivery-status`, or a null envelope sender) or an automatic
 * reply (`Auto-Submitted` other than `no`, RFC 3834; `X-Autoreply`, `Precedence: auto_reply`).
 */
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import sanitizeHtml from 'sanitize-html';
import { normalizeEmail } from '../../../../src/lib/domain/contact-input';
import { MAX_REFERENCES, MAX_SUBJECT } from '../../../../src/lib/domain/email';

/** Stored HTML at most (a bigger body keeps its text; the HTML is dropped). */
export const MAX_HTML_CHARS = 200_000;
export const MAX_TEXT_CHARS = 60_000;

export interface ParsedEmail {
	/** Message-ID with angle brackets, or a digest of the source when the mail has none. */
	messageId: string;
	hasMessageId: boolean;
	from: string | null;
	fromName: string;
	to: string[];
	cc: string[];
	subject: string;
	text: string;
	html?: string;
	inReplyTo?: string;
	references: string[];
	date: number | null;
	attachments: Array<{ name: string; mime: string; data: Buffer }>;
	auto?: 'bounce' | 'auto_reply';
	/** Delivery report: the Message-ID of the mail that bounced, and the reason given. */
	bounce?: BounceDetails;
}

const addresses = (a: AddressObject | AddressObject[] | undefined): Array<{ address: string; name: string }> => {
	const list = a === undefined ? [] : Array.isArray(a) ? a : [a];
	const out: Array<{ address: string; name: string }> = [];
	for (const o of list) {
		for (const v of o.value) {
			const e = v.address ? normalizeEmail(v.address) : null;
			if (e) out.push({ address: e, name: v.name ?? '' });
			for (const g of v.group ?? []) {
				const ge = g.address ? normalizeEmail(g.address) : null;
				if (ge) out.push({ address: ge, name: g.name ?? '' });
			}
		}
	}
	return out;
};

const ALLOWED_TAGS = [
	'p', 'div', 'span', 'br', 'hr', 'b', 'strong', 'i', 'em', 'u', 's', 'strike', 'sub', 'sup', 'small', 'big', 'font',
	'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code', 'ul', 'ol', 'li', 'dl', 'dt', 'dd',
	'a', 'img', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'caption', 'col', 'colgroup', 'center'
];

/** The stored form of an email's HTML (see the module comment). */
export function sanitizeEmailHtml(html: string): string {
	return sanitizeHtml(html, {
		allowedTags: ALLOWED_TAGS,
		allowedAttributes: {
			a: ['href', 'title'],
			img: ['alt', 'title', 'width', 'height', 'data-remote-src', 'src'],
			td: ['colspan', 'rowspan', 'align', 'valign'],
			th: ['colspan', 'rowspan', 'align', 'valign'],
			table: ['border', 'cellpadding', 'cellspacing', 'width'],
			font: ['color'],
			'*': ['dir', 'lang']
		},
		allowedSchemes: ['http', 'https', 'mailto', 'cid'],
		allowedSchemesByTag: { img: ['data', 'cid'] },
		allowProtocolRelative: false,
		disallowedTagsMode: 'discard',
		nonTextTags: ['style', 'script', 'textarea', 'option', 'noscript', 'title', 'head'],
		transformTags: {
			// Remote images wait for the agent (privacy: a loaded image tells the sender it was read).
			img: (tagName, attribs) => {
				const src = attribs.src ?? '';
				if (/^https?:/i.test(src)) {
					const { src: _drop, ...rest } = attribs;
					return { tagName, attribs: { ...rest, 'data-remote-src': src } };
				}
				return { tagName, attribs };
			},
			a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' } })
		},
		allowedAttributesAllowSchemes: undefined
	} as sanitizeHtml.IOptions).slice(0, MAX_HTML_CHARS);
}

const header = (mail: ParsedMail, name: string): string => {
	const v = mail.headers.get(name);
	if (v === undefined || v === null) return '';
	if (typeof v === 'string') return v;
	if (typeof v === 'object' && 'value' in v && typeof (v as { value: unknown }).value === 'string') return (v as { value: string }).value;
	return String(v);
};

const idList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : v.split(/\s+/)).map((s) => s.trim()).filter((s) => /^<[^<>\s]{1,250}>$/.test(s));

function autoKind(mail: ParsedMail, envelopeFrom: string | null | undefined): 'bounce' | 'auto_reply' | undefined {
	const ct = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
	if (ct?.value?.toLowerCase() === 'multipart/report' && /delivery-status/i.test(ct.params?.['report-type'] ?? '')) return 'bounce';
	if (envelopeFrom === '') return 'bounce';
	const submitted = header(mail, 'auto-submitted').trim().toLowerCase();
	if (submitted && submitted !== 'no') return 'auto_reply';
	if (header(mail, 'x-autoreply') || header(mail, 'x-autorespond') || /auto_reply/i.test(header(mail, 'precedence'))) return 'auto_reply';
	return undefined;
}

/** What a delivery report says: the message it reports on, the recipient, the status and the server's diagnostic. */
export interface BounceDetails {
	originalMessageId?: string;
	reason: string;
	recipient?: string;
	status?: string;
	diagnostic?: string;
}

function bounceDetails(mail: ParsedMail, raw: Buffer): BounceDetails {
	let original: string | undefined;
	let reason = '';
	let fields: Pick<BounceDetails, 'recipient' | 'status' | 'diagnostic'> = {};
	// mailparser keeps some report parts as attachments and folds others into the text: the
	// delivery-status fields are read from whichever holds them, else from the raw report.
	const parts = [...mail.attachments.map((a) => ({ ct: a.contentType.toLowerCase(), body: a.content.toString('utf8') })), { ct: 'message/delivery-status', body: raw.toString('utf8') }];
	for (const { ct, body } of parts) {
		if (reason) break;
		if (ct === 'message/delivery-status' || ct === 'message/global-delivery-status') {
			const diag = /^Diagnostic-Code:\s*(?:smtp;\s*)?(.+(?:\r?\n[ \t].+)*)/im.exec(body)?.[1];
			const status = /^Status:\s*(\S+)/im.exec(body)?.[1];
			const rcpt = /^Final-Recipient:\s*(?:rfc822;\s*)?(\S+)/im.exec(body)?.[1];
			reason = [rcpt, status, diag?.replace(/\s+/g, ' ')].filter(Boolean).join(' ');
			fields = { ...(rcpt ? { recipient: rcpt.slice(0, 320) } : {}), ...(status ? { status: status.slice(0, 20) } : {}), ...(diag ? { diagnostic: diag.replace(/\s+/g, ' ').slice(0, 500) } : {}) };
		}
	}
	for (const a of mail.attachments) {
		const ct = a.contentType.toLowerCase();
		if (ct === 'message/rfc822' || ct === 'text/rfc822-headers' || ct === 'message/global' || ct === 'message/global-headers') {
			original ??= /^Message-ID:\s*(<[^<>\s]+>)/im.exec(a.content.toString('utf8'))?.[1];
		}
	}
	original ??= /^Message-ID:\s*(<[^<>\s]+>)/im.exec(mail.text ?? '')?.[1];
	return { ...(original ? { originalMessageId: original } : {}), ...fields, reason: (reason || mail.subject || 'Undeliverable').slice(0, 500) };
}

/** Parses and sanitizes one raw email (see the module comment). `envelopeFrom`: the SMTP MAIL FROM ('' for `<>`). */
export async function parseEmail(raw: Buffer, envelopeFrom?: string | null): Promise<ParsedEmail> {
	const mail = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true });
	const from = addresses(mail.from)[0];
	const auto = autoKind(mail, envelopeFrom);
	const mid = mail.messageId && /^<[^<>\s]{1,250}>$/.test(mail.messageId.trim()) ? mail.messageId.trim() : null;
	const html = typeof mail.html === 'string' && mail.html.trim() ? sanitizeEmailHtml(mail.html) : undefined;
	const text = (mail.text ?? (html ? sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} }) : '')).trimEnd().slice(0, MAX_TEXT_CHARS);
	const refs = idList(mail.references);
	const inReplyTo = idList(mail.inReplyTo)[0];
	const reportParts = new Set(['message/delivery-status', 'message/global-delivery-status', 'message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers']);
	return {
		messageId: mid ?? `<sha256-${createHash('sha256').update(raw).digest('hex').slice(0, 40)}@parley.invalid>`,
		hasMessageId: mid !== null,
		from: from?.address ?? null,
		fromName: from?.name ?? '',
		to: addresses(mail.to).map((a) => a.address),
		cc: addresses(mail.cc).map((a) => a.address),
		subject: (mail.subject ?? '').slice(0, MAX_SUBJECT),
		text,
		...(html ? { html } : {}),
		...(inReplyTo ? { inReplyTo } : {}),
		references: refs.slice(-MAX_REFERENCES),
		date: mail.date ? mail.date.getTime() : null,
		attachments: mail.attachments
			.filter((a) => !(auto === 'bounce' && reportParts.has(a.contentType.toLowerCase())))
			.map((a) => ({ name: a.filename ?? 'attachment', mime: a.contentType, data: a.content })),
		...(auto ? { auto } : {}),
		...(auto === 'bounce' ? { bounce: bounceDetails(mail, raw) } : {})
	};
}
