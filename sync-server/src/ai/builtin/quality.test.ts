// SPEC S6.3, S5.3, S6.4: the built-in provider's quality on fixed material. Twenty conversations
// (EN and FR, written for this test with small talk woven in): every summary keeps the facts
// each conversation must keep and stays under a length bound. Twenty sentences through Apertium
// (direct pairs and the EN<->FR pivot): each translation contains its key words. The rules of
// the prompts on known inputs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summaryText } from '../../../../src/lib/domain/ai';
import { APERTIUM_PACKAGES as ENSURED } from '../../../../scripts/ensure.mjs';
import { Apertium, APERTIUM_PACKAGES } from '../apertium';
import { QUALITY_CASES, TRANSLATION_CASES } from './quality-fixtures';
import { rewriteWithRules } from './rewrite';
import { MAX_ACTIONS, MAX_BULLETS, summarizeLines } from './summarize';

describe('built-in summaries of 20 conversations (S6.3)', () => {
	it('has ten conversations in English and ten in French', () => {
		expect(QUALITY_CASES.filter((c) => c.lang === 'en')).toHaveLength(10);
		expect(QUALITY_CASES.filter((c) => c.lang === 'fr')).toHaveLength(10);
	});

	for (const c of QUALITY_CASES) {
		it(`${c.lang}: ${c.name}: keeps ${c.facts.join(', ')} and stays short`, () => {
			const s = summarizeLines(c.lines, c.lang);
			const text = summaryText(s, { actions: 'Actions' });
			for (const fact of c.facts) expect(text.toLowerCase(), `fact "${fact}" in:\n${text}`).toContain(fact.toLowerCase());
			// Length bound: at most 2/3 of the conversation (labels and quotes included), 700 characters.
			const whole = c.lines.map((l) => l.text).join('\n').length;
			expect(text.length).toBeLessThanOrEqual(Math.min(700, (whole * 2) / 3));
			expect(s.bullets.length).toBeGreaterThanOrEqual(2);
			expect(s.bullets.length).toBeLessThanOrEqual(MAX_BULLETS);
			expect(s.actionItems.length).toBeLessThanOrEqual(MAX_ACTIONS);
			// Bullets quote what was said, with who said it; small talk is left out.
			for (const b of s.bullets) expect(b).toMatch(/^(Customer|Agent): “.+”$/);
			expect(text).not.toMatch(/Have a nice day|Bonne journée|One moment please|Un instant/);
		});
	}

	it('finds action items in imperative and future forms, EN and FR', () => {
		const s = summarizeLines(
			[
				{ from: 'contact', text: 'Please send me the invoice.', at: 1 },
				{ from: 'agent', text: 'I will send it tonight.', at: 2 },
				{ from: 'contact', text: 'Merci de confirmer la date.', at: 3 },
				{ from: 'agent', text: 'Nous enverrons le colis demain.', at: 4 },
				{ from: 'contact', text: 'The weather is nice.', at: 5 }
			],
			'en'
		);
		expect(s.actionItems.join('\n')).toContain('Please send me the invoice.');
		expect(s.actionItems.join('\n')).toContain('I will send it tonight.');
		expect(s.actionItems.join('\n')).toContain('Merci de confirmer la date.');
		expect(s.actionItems.join('\n')).toContain('Nous enverrons le colis demain.');
		expect(s.actionItems.join('\n')).not.toContain('weather');
	});
});

const apertium = new Apertium();

describe.skipIf(!apertium.available)('Apertium translation of 20 sentences (S5.3)', () => {
	it('has twenty sentences, four of them through the Spanish pivot', () => {
		expect(TRANSLATION_CASES).toHaveLength(20);
		expect(TRANSLATION_CASES.filter((t) => apertium.route(t.from, t.to)!.length > 1)).toHaveLength(4);
	});

	for (const t of TRANSLATION_CASES) {
		it(`${t.from}>${t.to}: "${t.text}" has ${t.keys.join(', ')}`, async () => {
			const r = await apertium.translate(t.text, t.from, t.to);
			expect(r.ok, JSON.stringify(r)).toBe(true);
			if (!r.ok) return;
			for (const k of t.keys) expect(r.value.text.toLowerCase(), r.value.text).toContain(k);
			if ((t.from === 'en' && t.to === 'fr') || (t.from === 'fr' && t.to === 'en')) expect(r.value.via).toEqual(['es']);
		});
	}

	it('npm test installs the packages the translator names', () => {
		expect(ENSURED).toEqual(APERTIUM_PACKAGES);
	});

	it('answers a repeated translation from its cache without running the engine', async () => {
		const a = new Apertium();
		await a.translate('The invoice is paid.', 'en', 'es');
		const runs = a.runs;
		const again = await a.translate('The invoice is paid.', 'en', 'es');
		expect(again.ok).toBe(true);
		expect(a.runs).toBe(runs);
	});

	it('a missing engine or a stuck one is a clear error, not a hang', async () => {
		const missing = await new Apertium({ command: '/nonexistent/apertium' }).translate('Hello.', 'en', 'es');
		expect(missing.ok).toBe(false);
		const dir = mkdtempSync(join(tmpdir(), 'parley-apertium-'));
		const hang = join(dir, 'apertium');
		writeFileSync(hang, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
		const stuck = await new Apertium({ command: hang, timeoutMs: 300 }).translate('Hello.', 'en', 'es');
		rmSync(dir, { recursive: true, force: true });
		expect(stuck).toMatchObject({ ok: false, code: 'timeout' });
		const none = await new Apertium({ modesDir: '/nonexistent' }).translate('Hello.', 'en', 'es');
		expect(none.ok).toBe(false);
		if (!none.ok) expect(none.message).toContain('apertium-en-es');
	});
});

describe('built-in prompts (S6.4)', () => {
	it('fixes spelling and punctuation in English and French', () => {
		expect(rewriteWithRules('i dont recieve teh parcel', 'spelling', 'en')).toEqual({ ok: true, value: "I don't receive the parcel." });
		expect(rewriteWithRules("bonjour,je n'ai pas recu le colis!!", 'spelling', 'fr')).toEqual({ ok: true, value: "Bonjour, je n'ai pas reçu le colis !" });
	});

	it('adds a polite opening and closing in the text\'s language when missing', () => {
		const en = rewriteWithRules('your parcel left the warehouse', 'improve', 'en');
		expect(en).toEqual({ ok: true, value: 'Hello,\n\nYour parcel left the warehouse.\n\nKind regards,' });
		const fr = rewriteWithRules('votre colis est parti', 'improve', 'fr');
		expect(fr).toEqual({ ok: true, value: 'Bonjour,\n\nVotre colis est parti.\n\nCordialement,' });
		// Already polite: nothing added.
		expect(rewriteWithRules('Hello Marie, it shipped. Thanks!', 'improve', 'en')).toEqual({ ok: true, value: 'Hello Marie, it shipped. Thanks!' });
	});

	it('makes a text more formal or friendlier where rules can, and says why not where they cannot', () => {
		expect(rewriteWithRules("hey, we can't ship it asap", 'formal', 'en')).toEqual({ ok: true, value: 'Hello, we cannot ship it as soon as possible.\n\nKind regards,' });
		expect(rewriteWithRules('Dear Tom, we will call you. Kind regards', 'friendly', 'en')).toEqual({ ok: true, value: "Hi Tom, we'll call you. Best wishes" });
		const tu = rewriteWithRules('tu peux me rappeler ?', 'formal', 'fr');
		expect(tu).toMatchObject({ ok: false, code: 'unsupported' });
	});

	it('shortens by dropping fillers and repetitions, or says it cannot', () => {
		const r = rewriteWithRules('I just wanted to let you know that the parcel actually left in order to arrive Monday. The parcel left in order to arrive Monday.', 'shorter', 'en');
		expect(r).toEqual({ ok: true, value: 'The parcel left to arrive Monday.' });
		expect(rewriteWithRules('Parcel left.', 'shorter', 'en')).toMatchObject({ ok: false, code: 'unsupported' });
	});
});
