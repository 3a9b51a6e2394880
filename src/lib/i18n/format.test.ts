import { describe, expect, it } from 'vitest';
import { DateFormats, detectLocale, startOfDay } from './format';

// A fixed Wednesday, 2025-03-12 15:30 local time.
const now = new Date(2025, 2, 12, 15, 30).getTime();

describe('DateFormats.listTime', () => {
	const en = new DateFormats('en');
	const fr = new DateFormats('fr');

	it('shows the time for today', () => {
		const at = new Date(2025, 2, 12, 9, 5).getTime();
		expect(en.listTime(at, now)).toBe(en.time.format(at));
		expect(en.listTime(at, now)).toMatch(/9:05/);
		expect(fr.listTime(at, now)).toBe('09:05');
	});

	it('shows the weekday within the last six days', () => {
		const at = new Date(2025, 2, 10, 9, 5).getTime(); // Monday
		expect(en.listTime(at, now)).toBe('Mon');
		expect(fr.listTime(at, now)).toBe('lun.');
	});

	it('shows day and month earlier this year, and a short date for older years', () => {
		const march1 = new Date(2025, 2, 1, 12).getTime();
		expect(en.listTime(march1, now)).toBe('Mar 1');
		expect(fr.listTime(march1, now)).toBe('1 mars');
		const old = new Date(2023, 10, 4, 12).getTime();
		expect(en.listTime(old, now)).toBe('11/4/23');
		expect(fr.listTime(old, now)).toBe('04/11/2023');
	});

	it('describes future moments relative to today', () => {
		const tonight = new Date(2025, 2, 12, 18, 0).getTime();
		expect(en.future(tonight, now)).toMatch(/6:00/);
		const tomorrow = new Date(2025, 2, 13, 9, 0).getTime();
		expect(en.future(tomorrow, now)).toMatch(/^tomorrow 9:00/);
		expect(fr.future(tomorrow, now)).toMatch(/^demain 09:00/);
	});
});

describe('detectLocale', () => {
	it('prefers the stored choice, then the browser, else English', () => {
		expect(detectLocale('fr', ['en-US'])).toBe('fr');
		expect(detectLocale(null, ['fr-CA', 'en'])).toBe('fr');
		expect(detectLocale('xx', ['de-DE', 'en-GB'])).toBe('en');
		expect(detectLocale(undefined, ['de'])).toBe('en');
	});
});

describe('startOfDay', () => {
	it('is local midnight', () => {
		expect(new Date(startOfDay(now)).getHours()).toBe(0);
	});
});
