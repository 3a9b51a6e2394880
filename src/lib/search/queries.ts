/**
 * Random search queries drawn from a workspace's own data (words, prefixes, phrases, emails and
 * their parts, numbers, emoji, phones, custom values) plus random strings, for the property test
 * and the benchmark. Deterministic in the generator's seed.
 */
import type { Prng } from '../demo/prng';
import type { SearchableContact } from './indexable';
import { tokenize } from './tokenize';

export type QueryClass = 'word' | 'prefix' | 'phrase' | 'numbers' | 'email' | 'emoji' | 'contact' | 'phone' | 'random';

export interface QuerySource {
	texts: readonly string[];
	contacts: readonly SearchableContact[];
}

const RANDOM_CHARS = 'aeiouéèàçrstlnm@.-+ 0123456789😀👍';

export function randomQuery(p: Prng, src: QuerySource, cls: QueryClass): string {
	const text = src.texts.length ? p.pick(src.texts) : '';
	const tokens = tokenize(text);
	const words = tokens.filter((t) => t.kind === 'word');
	switch (cls) {
		case 'word': {
			const t = words.length ? p.pick(words) : null;
			return t ? text.slice(t.start, t.end) : 'renard';
		}
		case 'prefix': {
			const t = words.length ? p.pick(words) : null;
			const w = t ? text.slice(t.start, t.end) : 'renard';
			return w.slice(0, p.int(1, w.length));
		}
		case 'phrase': {
			const seq = tokens.filter((t) => t.kind !== 'email');
			if (seq.length < 2) return 'brun rapide';
			const n = p.int(2, Math.min(4, seq.length));
			const i = p.int(0, seq.length - n);
			// Half the time the raw text between the words (punctuation and all), half re-spaced.
			if (p.bool()) return text.slice(seq[i]!.start, seq[i + n - 1]!.end);
			return seq
				.slice(i, i + n)
				.map((t) => text.slice(t.start, t.end))
				.join(' ');
		}
		case 'numbers': {
			const nums = words.filter((t) => /^\d+$/.test(t.term)).map((t) => t.term);
			const pool = nums.length ? nums : ['016', '014'];
			return [p.pick(pool), p.pick(['016', '014', '42', '2024', '7'])].join(' ');
		}
		case 'email': {
			const emails = tokens.filter((t) => t.kind === 'email').map((t) => text.slice(t.start, t.end));
			const e = emails.length ? p.pick(emails) : 'ana@gmail.com';
			const at = e.indexOf('@');
			switch (p.int(0, 4)) {
				case 0:
					return e;
				case 1:
					return e.slice(0, p.int(at + 1, e.length));
				case 2:
					return e.slice(at, p.int(at + 2, e.length));
				case 3:
					return e.slice(p.int(0, at), e.length);
				default:
					return e.toUpperCase();
			}
		}
		case 'emoji': {
			const emoji = tokens.filter((t) => t.kind === 'emoji').map((t) => text.slice(t.start, t.end));
			const pool = emoji.length ? emoji : ['😀'];
			return p.pick(pool) + p.pick(pool) + p.pick(pool);
		}
		case 'contact': {
			const c = src.contacts.length ? p.pick(src.contacts) : null;
			if (!c) return 'car';
			const custom = Object.values(c.custom ?? {}).filter((v) => v !== null);
			const fields = [c.firstName, c.lastName, c.phone, c.email, ...custom.map(String)].filter(Boolean);
			const f = fields.length ? p.pick(fields) : 'car';
			const r = p.next();
			if (r < 0.3) return f;
			if (r < 0.5) return f.toUpperCase();
			if (r < 0.85) return f.slice(0, p.int(1, f.length));
			return `${c.firstName.slice(0, p.int(1, 3))} ${c.lastName.slice(0, p.int(1, 3))}`;
		}
		case 'phone': {
			// A contact's number as a person might type it (phone.ts): with or without `+`, with
			// `00`, in national form with the trunk prefix, any separators; often only its start.
			const withPhone = src.contacts.filter((c) => /\d/.test(c.phone));
			const c = withPhone.length ? p.pick(withPhone) : null;
			const digits = (c?.phone ?? '+33 6 11 22 33 44').replace(/\D+/g, '');
			const intl = (c?.phone ?? '+').trim().startsWith('+');
			const forms = intl ? [`+${digits}`, digits, `00${digits}`, digits.startsWith('33') ? `0${digits.slice(2)}` : `+${digits}`] : [digits, `+33${digits.replace(/^0/, '')}`];
			let f = p.pick(forms);
			if (p.bool()) f = f.slice(0, p.int(Math.min(3, f.length), f.length));
			const sep = p.pick(['', ' ', '-', '.', ' ']);
			const groups = f.match(/^\+|\d{1,2}/g) ?? [f];
			return groups.join(sep).replace(/^\+\s?[-.]?/, '+');
		}
		case 'random': {
			let s = '';
			for (let i = p.int(1, 8); i > 0; i--) s += p.pick([...RANDOM_CHARS]);
			return s;
		}
	}
}
