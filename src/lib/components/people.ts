/** Display helpers for people and contacts: names, initials, avatar colours. Pure. */
import type { ContactSummary } from '../domain/types';

type Named = Pick<ContactSummary, 'firstName' | 'lastName' | 'phone' | 'email'>;

/** "First Last", else the phone or email; empty when the contact has none of them. */
export function contactName(c: Named): string {
	const name = `${c.firstName} ${c.lastName}`.trim();
	return name || c.phone || c.email;
}

/** One or two letters for an avatar: "Ana Lopez" -> "AL", "sue" -> "S", "+33 6" -> "#". */
export function initials(name: string): string {
	const words = name.trim().split(/\s+/).filter((w) => /\p{L}/u.test(w[0] ?? ''));
	if (words.length === 0) return name.trim() ? '#' : '?';
	const first = words[0]?.[0] ?? '';
	const last = words.length > 1 ? (words[words.length - 1]?.[0] ?? '') : '';
	return (first + last).toUpperCase();
}

/** Muted avatar colours with enough contrast for white initials. */
const PALETTE = ['#6366f1', '#0ea5e9', '#14b8a6', '#22a06b', '#d97706', '#e11d48', '#8b5cf6', '#64748b', '#c026d3', '#0891b2'];

/** A stable colour per id (FNV-1a hash), so a contact keeps its colour everywhere. */
export function avatarColor(id: string): string {
	let h = 0x811c9dc5;
	for (let i = 0; i < id.length; i++) {
		h ^= id.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return PALETTE[(h >>> 0) % PALETTE.length] ?? '#64748b';
}
