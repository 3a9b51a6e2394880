/**
 * Text normalization and tokenization for search (SPEC S3). One definition of "a word" is used
 * by the index, the query planner, the snippet highlighter and the naive reference, so they can
 * only disagree about how they *find* words, never about what a word is.
 *
 * - Folding: lower case, then NFKD with combining marks removed (`résumé` -> `resume`), plus the
 *   ligatures NFKD keeps (`œ` -> `oe`, `æ` -> `ae`, `ß` -> `ss`). ASCII skips the Unicode work.
 * - Words: maximal runs of letters, marks and digits, folded (`l'été` -> `l`, `ete`).
 * - Emoji: every emoji grapheme (flags, keycaps, ZWJ sequences, skin tones) is a word of its
 *   own, with variation selectors dropped so `❤️` and `❤` are the same word.
 * - Emails (`a.b@c.de`) are one token *besides* their words, so word search still finds `gmail`
 *   in `ana@gmail.com`; `emailKeys` lists the forms a partial email query may be a prefix of.
 */

const EMAIL_SRC = String.raw`[\p{L}\p{M}\p{N}._%+\-]+@[\p{L}\p{M}\p{N}\-]+(?:\.[\p{L}\p{M}\p{N}\-]+)+`;
/** In a query an email may be partial: `@gmail`, `ana@`, `ana.b@gm`. */
const QUERY_EMAIL_SRC = String.raw`[\p{L}\p{M}\p{N}._%+\-]*@[\p{L}\p{M}\p{N}.\-]*`;
const EMOJI_SRC = String.raw`\p{Regional_Indicator}\p{Regional_Indicator}|[#*0-9]\uFE0F?\u20E3|\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?)*`;
const WORD_SRC = String.raw`[\p{L}\p{M}\p{N}]+`;

const TEXT_RE = new RegExp(`(${EMAIL_SRC})|(${EMOJI_SRC})|(${WORD_SRC})`, 'gu');
const QUERY_RE = new RegExp(`(${QUERY_EMAIL_SRC})|(${EMOJI_SRC})|(${WORD_SRC})`, 'gu');
const SUB_WORD_RE = new RegExp(WORD_SRC, 'gu');
const ASCII_RE = /^\p{ASCII}*$/u;
const MARKS_RE = /\p{M}/gu;
const NON_WORD_RE = /[^\p{L}\p{N}]+/u;
const ALNUM_RE = /[\p{L}\p{N}]/u;
const LIGATURES: Record<string, string> = { œ: 'oe', æ: 'ae', ß: 'ss', ø: 'o', ł: 'l', đ: 'd', ı: 'i' };
const LIGATURE_RE = /[œæßøłđı]/g;

export type TokenKind = 'word' | 'emoji' | 'email';

export interface Token {
	/** Folded form: what the index stores and queries compare. */
	term: string;
	kind: TokenKind;
	/** UTF-16 offsets of the token in the original text (for highlights). */
	start: number;
	end: number;
}

function slowFold(s: string): string {
	return s.toLowerCase().normalize('NFKD').replace(MARKS_RE, '').replace(LIGATURE_RE, (c) => LIGATURES[c] ?? c);
}

/**
 * Folded form of each Latin character (up to the combining marks block), computed once: folding
 * is per character there, and a table lookup is several times faster than NFKD on every word.
 */
const LATIN_FOLD: readonly string[] = Array.from({ length: 0x370 }, (_, c) => slowFold(String.fromCharCode(c)));

/** Case- and accent-folds a string; keeps every other character. */
export function fold(s: string): string {
	if (ASCII_RE.test(s)) return s.toLowerCase();
	// Joined once: `+=` per character would leave a cons-string node per character in every
	// folded term the index keeps (tens of bytes each).
	const out: string[] = [];
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c >= 0x370) return slowFold(s);
		out.push(LATIN_FOLD[c]!);
	}
	return out.join('');
}

function emojiTerm(s: string): string {
	return s.replace(/[\uFE0E\uFE0F]/g, '');
}

/** Folds one run of word characters; NFKD may reveal separators (`½` -> `1⁄2`), so it may split. */
function pushWord(out: Token[], run: string, start: number, end: number): void {
	const f = fold(run);
	if (!NON_WORD_RE.test(f)) {
		if (f) out.push({ term: f, kind: 'word', start, end });
		return;
	}
	for (const part of f.split(NON_WORD_RE)) if (part) out.push({ term: part, kind: 'word', start, end });
}

/** Trims what the email pattern may swallow at its edges (`.ana@x.com.` -> `ana@x.com`). */
function trimEmail(raw: string, start: number): { text: string; start: number } | null {
	let a = 0;
	let b = raw.length;
	while (a < b && !ALNUM_RE.test(raw[a]!)) a++;
	while (b > a && !ALNUM_RE.test(raw[b - 1]!)) b--;
	const text = raw.slice(a, b);
	const at = text.indexOf('@');
	if (at <= 0 || text.indexOf('.', at) < 0) return null;
	return { text, start: start + a };
}

/**
 * Tokens of a message, comment or contact field, in text order. An email yields its `email`
 * token followed by its words; the words alone (with emoji) form the sequence phrases match.
 */
export function tokenize(text: string): Token[] {
	const out: Token[] = [];
	TEXT_RE.lastIndex = 0;
	for (let m = TEXT_RE.exec(text); m; m = TEXT_RE.exec(text)) {
		const [whole, email, emoji] = m;
		const start = m.index;
		if (email !== undefined) {
			const t = trimEmail(email, start);
			if (t) out.push({ term: fold(t.text), kind: 'email', start: t.start, end: t.start + t.text.length });
			SUB_WORD_RE.lastIndex = 0;
			for (let w = SUB_WORD_RE.exec(email); w; w = SUB_WORD_RE.exec(email)) {
				pushWord(out, w[0], start + w.index, start + w.index + w[0].length);
			}
		} else if (emoji !== undefined) {
			out.push({ term: emojiTerm(emoji), kind: 'emoji', start, end: start + whole.length });
		} else {
			pushWord(out, whole, start, start + whole.length);
		}
	}
	return out;
}

/** A query split the way texts are; partial emails (`@gmail`) are kept whole and not split. */
export interface QueryTokens {
	emails: string[];
	/** Words and emoji, in order, excluding the inside of `emails`. */
	words: string[];
}

export function tokenizeQuery(query: string): QueryTokens {
	const emails: string[] = [];
	const words: string[] = [];
	QUERY_RE.lastIndex = 0;
	for (let m = QUERY_RE.exec(query); m; m = QUERY_RE.exec(query)) {
		const [whole, email, emoji] = m;
		if (email !== undefined) {
			const folded = fold(email).replace(/^[._%+-]+/, '');
			// A bare `@` (or `.@`) says nothing; ignore it rather than match every address.
			if (ALNUM_RE.test(folded)) emails.push(folded);
		} else if (emoji !== undefined) {
			words.push(emojiTerm(emoji));
		} else {
			const tmp: Token[] = [];
			pushWord(tmp, whole, 0, 0);
			for (const t of tmp) words.push(t.term);
		}
	}
	return { emails, words };
}

/**
 * The keys a partial email query is matched against by prefix (SPEC S3.5 email: exact, partial,
 * domain): the address, the address from each part of its local name (`b@x.io` for `a.b@x.io`),
 * and `@domain` from each label of the domain that still holds a dot (`@mail.x.io`, `@x.io`).
 */
export function emailKeys(email: string): string[] {
	const at = email.indexOf('@');
	const local = email.slice(0, at);
	const domain = email.slice(at + 1);
	const keys = [email];
	for (let i = 1; i < local.length; i++) {
		if ('._%+-'.includes(local[i - 1]!) && ALNUM_RE.test(local[i]!)) keys.push(local.slice(i) + '@' + domain);
	}
	keys.push('@' + domain);
	for (let i = 1; i < domain.length; i++) {
		if (domain[i - 1] === '.' && domain.indexOf('.', i) > 0) keys.push('@' + domain.slice(i));
	}
	return keys;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Characters as a person counts them: one emoji is one (SPEC S3.5); whitespace not counted. */
export function visibleLength(query: string): number {
	let n = 0;
	for (const { segment } of graphemes.segment(query)) if (segment.trim() !== '') n++;
	return n;
}

/** Digits of a phone number: spaces, dashes, dots, brackets and a leading `+` are ignored. */
export function phoneDigits(phone: string): string {
	return phone.replace(/\D+/g, '');
}

/** A query that reads as a phone number (`+33 6 12-34`): digits and phone punctuation only. */
export function isPhoneLike(query: string): boolean {
	return /^\s*\+?[\d\s\-().]+$/.test(query) && /\d/.test(query);
}

/** Whole-value form for strict custom-field matching (S3.3): folded, whitespace collapsed. */
export function exactForm(value: string): string {
	// eslint-disable-next-line no-control-regex -- control characters count as spaces here
	return fold(value).replace(/[\u0000-\u001f]/g, ' ').replace(/\s+/g, ' ').trim();
}
