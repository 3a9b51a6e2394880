// The memoised row times equal the formatters' own output, across days and locales. SPEC S4.6.
import { describe, expect, it } from 'vitest';
import { DateFormats } from '../i18n/format';
import { RowTimes } from './row-times';

const en = new DateFormats('en');
const fr = new DateFormats('fr');
const HOUR = 3_600_000;

describe('RowTimes', () => {
	const now = new Date(2024, 5, 12, 15, 0).getTime();
	const instants = [now - HOUR, now - 30 * HOUR, now - 5 * 24 * HOUR, now - 40 * 24 * HOUR, now - 400 * 24 * HOUR];

	it('gives the formatters’ texts and reuses them', () => {
		const times = new RowTimes();
		for (const at of instants) {
			const t = times.get(at, now, en);
			expect(t).toEqual({ text: en.listTime(at, now), full: en.full.format(at), iso: new Date(at).toISOString() });
			expect(times.get(at, now + 1000, en)).toBe(t);
		}
	});

	it('starts over on another day and with other formats', () => {
		const times = new RowTimes();
		const at = now - HOUR;
		expect(times.get(at, now, en).text).toBe(en.time.format(at));
		const tomorrow = now + 24 * HOUR;
		expect(times.get(at, tomorrow, en).text).toBe(en.listTime(at, tomorrow));
		expect(times.get(at, tomorrow, en).text).not.toBe(en.time.format(at));
		expect(times.get(at, tomorrow, fr).text).toBe(fr.listTime(at, tomorrow));
	});
});
