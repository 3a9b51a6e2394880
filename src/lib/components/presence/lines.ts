/**
 * Sentences of the presence UI built from several names; the words are the `presence.*` keys of
 * the catalogs (src/lib/i18n).
 */
import type { I18n, PluralBase } from '../../i18n/i18n.svelte';

/** "Ana is typing…", "Ana and Bo are typing…", "Ana and 2 others are typing…"; '' for nobody. */
export function typingLine(i18n: Pick<I18n, 't'>, names: readonly string[]): string {
	if (names.length === 0) return '';
	if (names.length === 1) return i18n.t('presence.isTyping', { name: names[0]! });
	if (names.length === 2) return i18n.t('presence.twoTyping', { a: names[0]!, b: names[1]! });
	return i18n.t('presence.manyTyping', { name: names[0]!, n: names.length - 1 });
}

/** A sentence about one or several people ("Ana is…", "Ana, Bo are…"): the plural form of `base`. */
export function aboutNames(i18n: Pick<I18n, 'tn'>, base: PluralBase & `presence.${string}`, names: readonly string[]): string {
	return i18n.tn(base, names.length, { names: names.join(', ') });
}
