/**
 * SPEC S5.12: the rules of email threads, shared by the composer and the server.
 *
 * Threading: a reply carries `In-Reply-To` (the Message-ID it answers) and `References` (that
 * mail's references plus its id, capped), so the customer's mail client files it in the same
 * thread. Which mail a reply answers: the one the agent picked (Reply in the message menu), else
 * the latest email of the thread. A subject that differs from the answered mail's (ignoring
 * `Re:`/`Fwd:` prefixes, case and spacing) starts a new email: no threading headers.
 */
import { normalizeEmail } from './contact-input';
import type { EmailMeta, Entry, MessageEntry } from './types';

/** The `References` a reply keeps at most (the first and the latest ones). */
export const MAX_REFERENCES = 20;
export const MAX_SUBJECT = 300;
/** Recipients of one email at most (To, CC and BCC together). */
export const MAX_RECIPIENTS = 50;

/** The subject without reply/forward prefixes, folded for comparison. */
export function baseSubject(subject: string): string {
	let s = subject.trim();
	for (;;) {
		const next = s.replace(/^(re|fwd?|tr|aw|sv|antw)\s*(\[\d+\])?\s*:\s*/i, '');
		if (next === s) break;
		s = next;
	}
	return s.replace(/\s+/g, ' ').toLowerCase();
}

/** The subject of a reply to `subject` ("Re: " once). */
export function replySubject(subject: string): string {
	const s = subject.trim();
	return /^re\s*:/i.test(s) ? s : `Re: ${s}`;
}

/** Addresses typed in a To/CC/BCC field (comma, semicolon or space separated): valid ones and the rest. */
export function parseAddressList(input: string): { valid: string[]; invalid: string[] } {
	const valid: string[] = [];
	const invalid: string[] = [];
	for (const raw of input.split(/[,;\s]+/)) {
		const part = raw.replace(/^<|>$/g, '').trim();
		if (!part) continue;
		const e = normalizeEmail(part);
		if (e) {
			if (!valid.includes(e)) valid.push(e);
		} else invalid.push(part);
	}
	return { valid, invalid };
}

const isEmail = (e: Entry): e is MessageEntry & { body: { email: EmailMeta } } => e.kind === 'message' && !!e.body.email;

/** The emails of a thread on one channel, oldest first. */
export function emailsOf(entries: readonly Entry[], channelId: string): Array<MessageEntry & { body: { email: EmailMeta } }> {
	return entries.filter((e): e is MessageEntry & { body: { email: EmailMeta } } => isEmail(e) && e.channelId === channelId);
}

export interface ReplyHeaders {
	inReplyTo?: string;
	references?: string[];
}

/** The threading headers of an outgoing email answering `answered` with `subject` (see the module comment). */
export function replyHeaders(answered: EmailMeta | undefined, subject: string): ReplyHeaders {
	if (!answered?.messageId) return {};
	if (subject.trim() && baseSubject(subject) !== baseSubject(answered.subject)) return {};
	const refs = [...(answered.references ?? []), answered.messageId].filter((r, i, a) => a.indexOf(r) === i);
	const capped = refs.length > MAX_REFERENCES ? [refs[0]!, ...refs.slice(refs.length - MAX_REFERENCES + 1)] : refs;
	return { inReplyTo: answered.messageId, references: capped };
}

/**
 * Splits an email's plain text into what is new and the quoted history (lines starting with `>`
 * and what follows an "On ... wrote:" line), so the thread can fold the history.
 */
export function splitQuoted(text: string): { fresh: string; quoted: string } {
	const lines = text.split(/\r?\n/);
	let cut = lines.length;
	for (let i = 0; i < lines.length; i++) {
		const l = lines[i]!;
		if (/^\s*>/.test(l) || /^(On|Le)\s.+(wrote|a écrit)\s*:\s*$/.test(l.trim()) || /^-{2,}\s*Original Message\s*-{2,}$/i.test(l.trim())) {
			cut = i;
			break;
		}
	}
	return { fresh: lines.slice(0, cut).join('\n').trimEnd(), quoted: lines.slice(cut).join('\n').trim() };
}

/** A user's email signature: plain text, added under each email they send (S5.12). */
export const MAX_SIGNATURE = 2000;

/**
 * S5.4: a delivery report (bounce) the server could not match to an email it sent, kept per
 * channel (the newest `MAX_DELIVERY_PROBLEMS`) for its owners and managers.
 * `reason`: `unknown_message` (the report names a message we did not send, or no longer know),
 * `no_message_id` (the report names none).
 */
export interface EmailDeliveryProblem {
	at: number;
	recipient: string;
	status: string;
	diagnostic: string;
	reason: 'unknown_message' | 'no_message_id';
	originalMessageId?: string;
	/** The report's own Message-ID (a report received twice is kept once). */
	reportId: string;
	from: string;
	subject: string;
}

export const MAX_DELIVERY_PROBLEMS = 500;
