import { describe, expect, it } from 'vitest';
import { en } from './en';
import { fr } from './fr';
import { I18n, STORAGE_KEY } from './i18n.svelte';

function memoryStorage(init: Record<string, string> = {}) {
	const data = new Map(Object.entries(init));
	return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), data };
}

describe('I18n', () => {
	it('starts from the browser language and persists a switch', () => {
		const storage = memoryStorage();
		const i18n = new I18n(storage, ['fr-FR']);
		expect(i18n.locale).toBe('fr');
		expect(i18n.t('inbox.mine')).toBe('Les miennes');
		i18n.setLocale('en');
		expect(i18n.t('inbox.mine')).toBe('Mine');
		expect(storage.data.get(STORAGE_KEY)).toBe('en');
		expect(new I18n(storage, ['fr-FR']).locale).toBe('en');
	});

	it('fills placeholders and picks plural forms per locale', () => {
		const i18n = new I18n(null, ['en']);
		expect(i18n.t('empty.snoozed', { inbox: 'Mine' })).toBe('No snoozed conversations in Mine');
		expect(i18n.tn('row.unread', 1)).toBe('1 unread message');
		expect(i18n.tn('row.unread', 4)).toBe('4 unread messages');
		i18n.setLocale('fr');
		// French treats 0 and 1 as singular.
		expect(i18n.tn('row.unread', 0)).toBe('0 message non lu');
	});

	it('has the same placeholders in every catalog', () => {
		const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
		for (const key of Object.keys(en) as (keyof typeof en)[]) expect(names(fr[key]), key).toBe(names(en[key]));
	});
});
