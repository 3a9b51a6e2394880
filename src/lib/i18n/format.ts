/**
 * Locale-aware date and time formatting for the inbox, with the clock passed in so the output
 * is deterministic in tests. List rows follow the usual mail-client rule: today shows the time,
 * the last six days the weekday, the same year day and month, older the short date.
 */
export type Locale = 'en' | 'fr';
export const LOCALES: readonly Locale[] = ['en', 'fr'];

const DAY = 86_400_000;

/** Local midnight of the day holding `t`. */
export function startOfDay(t: number): number {
	const d = new Date(t);
	d.setHours(0, 0, 0, 0);
	return d.getTime();
}

/** Picks a supported locale: a stored choice first, then the browser's languages, else English. */
export function detectLocale(stored: string | null | undefined, browser: readonly string[]): Locale {
	if (stored === 'en' || stored === 'fr') return stored;
	for (const tag of browser) {
		const base = tag.toLowerCase().split('-')[0];
		if (base === 'fr' || base === 'en') return base;
	}
	return 'en';
}

/** Intl formatters are costly to build and rows are many: one set per locale. */
export class DateFormats {
	readonly time: Intl.DateTimeFormat;
	readonly weekday: Intl.DateTimeFormat;
	readonly dayMonth: Intl.DateTimeFormat;
	readonly date: Intl.DateTimeFormat;
	readonly full: Intl.DateTimeFormat;
	readonly relative: Intl.RelativeTimeFormat;

	constructor(readonly locale: Locale) {
		this.time = new Intl.DateTimeFormat(locale, { hour: locale === 'fr' ? '2-digit' : 'numeric', minute: '2-digit' });
		this.weekday = new Intl.DateTimeFormat(locale, { weekday: 'short' });
		this.dayMonth = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' });
		this.date = new Intl.DateTimeFormat(locale, { dateStyle: 'short' });
		this.full = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
		this.relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
	}

	/** Compact time of a list row: time today, weekday this week, else a date. */
	listTime(at: number, now: number): string {
		const today = startOfDay(now);
		if (at >= today) return this.time.format(at);
		if (at >= today - 6 * DAY) return this.weekday.format(at);
		if (new Date(at).getFullYear() === new Date(now).getFullYear()) return this.dayMonth.format(at);
		return this.date.format(at);
	}

	/** A moment ahead (snooze presets, wake-up): weekday and time, or date and time further out. */
	future(at: number, now: number): string {
		const today = startOfDay(now);
		const time = this.time.format(at);
		if (at < today + DAY) return time;
		if (at < today + 2 * DAY) return `${this.relative.format(1, 'day')} ${time}`;
		if (at < today + 7 * DAY) return `${this.weekday.format(at)} ${time}`;
		return this.full.format(at);
	}
}
