/**
 * Every text a person reads comes from the catalogs, in English and in French (SPEC S1.8): no
 * component writes a sentence into a placeholder, title, label or alt text itself. Literal
 * examples that read the same in every language (an address, a host, a URL, a code) are allowed.
 */
// SPEC S1.8
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../..', import.meta.url));

function svelteFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
		const path = join(dir, e.name);
		if (e.isDirectory()) return svelteFiles(path);
		return e.name.endsWith('.svelte') ? [path] : [];
	});
}

/** What is outside `{…}` (an expression, such as a catalog lookup) in an attribute's value: literal text. */
function outsideBraces(value: string): string {
	let depth = 0;
	let out = '';
	for (const ch of value) {
		if (ch === '{') {
			depth++;
			out += ' ';
		} else if (ch === '}') depth = Math.max(0, depth - 1);
		else if (depth === 0) out += ch;
	}
	return out.replace(/\s+/g, ' ');
}

/** The literal parts of `placeholder`, `title`, `aria-label` and `alt` attributes written in markup. */
function literalTexts(markup: string): string[] {
	const found: string[] = [];
	for (const m of markup.matchAll(/\s(?:placeholder|title|aria-label|alt)="([^"]*)"/g)) {
		const literal = outsideBraces(m[1]!).trim();
		if (literal !== '') found.push(literal);
	}
	return found;
}

/**
 * Words of a language: two letter-words side by side ("agent, human") or one capitalised word
 * ("Hi", "Search"); not an address, a host, a URL or a code ("support@example.com", "FR").
 */
function isProse(text: string): boolean {
	const words = text.replace(/\S*[@/:.0-9]\S*/g, ' ').trim();
	return /\p{L}{2,}[\s,]+\p{L}{2,}/u.test(words) || /^\p{Lu}\p{Ll}+$/u.test(words);
}

describe('literal UI text', () => {
	it('finds prose and ignores language-neutral examples', () => {
		expect(literalTexts(`<input placeholder="agent, human" />`).filter(isProse)).toEqual(['agent, human']);
		expect(literalTexts(`<textarea placeholder="Hi {'{{contact.firstName}}'}"></textarea>`).filter(isProse)).toEqual(['Hi']);
		expect(literalTexts(`<input placeholder="https://example.com/parley" title={i18n.t('x')} />`).filter(isProse)).toEqual([]);
		expect(literalTexts(`<input placeholder="support@example.com" /><input placeholder="FR" /><input placeholder="Europe/Paris" />`).filter(isProse)).toEqual([]);
	});

	it('no component writes prose into an attribute a person reads', () => {
		const offenders = svelteFiles(src).flatMap((file) =>
			literalTexts(readFileSync(file, 'utf8'))
				.filter(isProse)
				.map((text) => `${file.slice(src.length)}: "${text}"`)
		);
		expect(offenders).toEqual([]);
	});
});
