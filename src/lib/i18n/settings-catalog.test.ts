// Issue 20: the settings area's French catalog is complete (every English key, no extra one, no
// empty text) and actually French (differs from English except for names and codes), so the
// French settings pages show no English left. The e2e (tests/e2e/settings.spec.ts) checks the
// rendered pages. SPEC S1.3 terms ("Sees": restriction) are translated like the rest.
import { describe, expect, it } from 'vitest';
import { en, fr } from './areas/settings';
import { en as allEn } from './en';
import { fr as allFr } from './fr';

/** Texts that are the same in both languages: product names and technical words. */
const SAME = new Set(['settings.nav.groupMe', 'settings.profile.notifications', 'settings.fields.type.date', 'settings.fields.type.text', 'settings.fields.type.time', 'settings.fields.type', 'settings.channels.kind.webhook', 'settings.workspace.ai.openai', 'settings.workspace.ai.anthropic']);

describe('settings catalog (issue 20)', () => {
	it('French has every English key and no other, none empty', () => {
		expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
		for (const [k, v] of Object.entries(fr)) expect(v.trim(), k).not.toBe('');
	});

	it('French differs from English except for names and codes', () => {
		const same = (Object.keys(en) as Array<keyof typeof en>).filter((k) => en[k] === fr[k] && !SAME.has(k));
		expect(same).toEqual([]);
	});

	it('keeps the placeholders of each message', () => {
		for (const k of Object.keys(en) as Array<keyof typeof en>) {
			const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
			expect(names(fr[k]), k).toEqual(names(en[k]));
		}
	});

	it('is spread into the app catalogs', () => {
		for (const k of Object.keys(en) as Array<keyof typeof en>) {
			expect(allEn[k]).toBe(en[k]);
			expect(allFr[k]).toBe(fr[k]);
		}
	});
});
