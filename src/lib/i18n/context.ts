import { getContext, setContext } from 'svelte';
import type { I18n } from './i18n.svelte';

const KEY = Symbol('parley.i18n');

export function setI18n(i18n: I18n): I18n {
	return setContext(KEY, i18n);
}

export function getI18n(): I18n {
	const i18n = getContext<I18n | undefined>(KEY);
	if (!i18n) throw new Error('getI18n() called outside the app layout');
	return i18n;
}
