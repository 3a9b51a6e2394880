/**
 * An email channel's settings as owners and managers send them (`PATCH /api/channels/<id>/email`,
 * or `email` on `POST /api/directory/channels`): checked field by field, split into what enters
 * the directory document (addresses, servers, user names, DKIM domain and selector) and the
 * secrets that never do (SMTP and IMAP passwords, the DKIM private key), which the server keeps
 * in its channel secrets store under `<channelId>#smtp`, `#imap` and `#dkim`.
 */
import { createPrivateKey } from 'node:crypto';
import { normalizeEmail } from '../../../../src/lib/domain/contact-input';
import type { EmailChannelSettings } from '../../../../src/lib/domain/types';

export type SecretKind = 'smtp' | 'imap' | 'dkim';
export const secretKey = (channelId: string, kind: SecretKind) => `${channelId}#${kind}`;

/** A secret to store (a string), to delete (null) or to keep (absent). */
export type SecretChanges = Partial<Record<SecretKind, string | null>>;

type Parsed = { ok: true; settings: EmailChannelSettings; secrets: SecretChanges } | { ok: false; message: string };

const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$|^\[?[0-9a-fA-F:.]{2,45}\]?$/;
const isRec = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const port = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
const shortText = (v: unknown, max: number): v is string => typeof v === 'string' && v.trim().length > 0 && v.length <= max;

/** Checks `raw` against the previous settings (a field left out keeps its value; null removes a part). */
export function parseEmailSettings(raw: unknown, prev: EmailChannelSettings | undefined): Parsed {
	if (!isRec(raw)) return { ok: false, message: 'email must be an object.' };
	const out: EmailChannelSettings = { ...(prev ?? { addresses: [] }) };
	const secrets: SecretChanges = {};
	if (raw.addresses !== undefined) {
		if (!Array.isArray(raw.addresses) || raw.addresses.length > 20) return { ok: false, message: 'addresses must be a list of at most 20 email addresses.' };
		const list: string[] = [];
		for (const a of raw.addresses as unknown[]) {
			const e = typeof a === 'string' ? normalizeEmail(a) : null;
			if (!e) return { ok: false, message: `${String(a)} is not an email address.` };
			if (!list.includes(e)) list.push(e);
		}
		out.addresses = list;
	}
	if (raw.fromName !== undefined) {
		if (raw.fromName === null || raw.fromName === '') delete out.fromName;
		else if (!shortText(raw.fromName, 100) || /[\r\n]/.test(raw.fromName)) return { ok: false, message: 'fromName must be one line of at most 100 characters.' };
		else out.fromName = raw.fromName.trim();
	}
	if (raw.smtp !== undefined) {
		if (raw.smtp === null) {
			delete out.smtp;
			secrets.smtp = null;
		} else {
			const s = raw.smtp;
			if (!isRec(s) || !shortText(s.host, 253) || !HOST.test(s.host.trim())) return { ok: false, message: 'smtp.host must be a host name or address.' };
			if (!port(s.port)) return { ok: false, message: 'smtp.port must be a port number (1-65535).' };
			const security = s.security ?? 'starttls';
			if (security !== 'tls' && security !== 'starttls' && security !== 'none') return { ok: false, message: 'smtp.security must be tls, starttls or none.' };
			if (s.user !== undefined && s.user !== null && s.user !== '' && !shortText(s.user, 200)) return { ok: false, message: 'smtp.user must be text of at most 200 characters.' };
			out.smtp = { host: s.host.trim(), port: s.port, security, ...(typeof s.user === 'string' && s.user.trim() ? { user: s.user.trim() } : {}) };
			if (s.password !== undefined) {
				if (s.password !== null && (typeof s.password !== 'string' || s.password.length > 1000)) return { ok: false, message: 'smtp.password must be text.' };
				secrets.smtp = s.password || null;
			}
		}
	}
	if (raw.imap !== undefined) {
		if (raw.imap === null) {
			delete out.imap;
			secrets.imap = null;
		} else {
			const s = raw.imap;
			if (!isRec(s) || !shortText(s.host, 253) || !HOST.test(s.host.trim())) return { ok: false, message: 'imap.host must be a host name or address.' };
			if (!port(s.port)) return { ok: false, message: 'imap.port must be a port number (1-65535).' };
			if (typeof (s.tls ?? true) !== 'boolean') return { ok: false, message: 'imap.tls must be true or false.' };
			if (!shortText(s.user, 200)) return { ok: false, message: 'imap.user is required.' };
			const folder = s.folder ?? 'INBOX';
			if (!shortText(folder, 200)) return { ok: false, message: 'imap.folder must be a folder name.' };
			out.imap = { host: s.host.trim(), port: s.port, tls: (s.tls ?? true) as boolean, user: s.user.trim(), folder };
			if (s.password !== undefined) {
				if (s.password !== null && (typeof s.password !== 'string' || s.password.length > 1000)) return { ok: false, message: 'imap.password must be text.' };
				secrets.imap = s.password || null;
			}
		}
	}
	if (raw.dkim !== undefined) {
		if (raw.dkim === null) {
			delete out.dkim;
			secrets.dkim = null;
		} else {
			const d = raw.dkim;
			if (!isRec(d) || !shortText(d.domain, 253) || !/^[A-Za-z0-9.-]+$/.test(d.domain)) return { ok: false, message: 'dkim.domain must be a domain name.' };
			if (!shortText(d.selector, 63) || !/^[A-Za-z0-9._-]+$/.test(d.selector)) return { ok: false, message: 'dkim.selector must be a DNS label.' };
			out.dkim = { domain: d.domain.toLowerCase(), selector: d.selector };
			if (d.privateKey !== undefined && d.privateKey !== null && d.privateKey !== '') {
				if (typeof d.privateKey !== 'string' || d.privateKey.length > 10_000) return { ok: false, message: 'dkim.privateKey must be a PEM private key.' };
				try {
					createPrivateKey(d.privateKey);
				} catch {
					return { ok: false, message: 'dkim.privateKey is not a readable PEM private key.' };
				}
				secrets.dkim = d.privateKey;
			}
		}
	}
	return { ok: true, settings: out, secrets };
}
