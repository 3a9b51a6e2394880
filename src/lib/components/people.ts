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

/** Muted avatar colours; `avatarBackground` darkens any that is too light for white initials. */
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

function luminance(r: number, g: number, b: number): number {
	const lin = (v: number) => {
		const c = v / 255;
		return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
	};
	return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/**
 * An avatar colour white initials can be read on (WCAG 1.4.3, 4.5:1): the colour itself when it
 * is dark enough, else the same hue darkened step by step. Users' colours come from the
 * workspace (any `#rrggbb`), so this holds whatever they chose; anything else is returned as is.
 */
export function avatarBackground(color: string): string {
	const m = /^#([0-9a-f]{6})$/i.exec(color.trim());
	if (!m) return color;
	const n = parseInt(m[1]!, 16);
	let [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
	for (let i = 0; i < 40 && 1.05 / (luminance(r, g, b) + 0.05) < 4.6; i++) {
		[r, g, b] = [r, g, b].map((v) => Math.floor(v * 0.95)) as [number, number, number];
	}
	return '#' + ((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1);
}
