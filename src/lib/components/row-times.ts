/**
 * The time texts of conversation rows, memoised. A row shows `listTime(at, now)`, a full date as
 * its title and an ISO `datetime`; scrolling 10k rows asks for the same instants again and again,
 * and Intl formatting is the costliest part of updating a row. `listTime` depends on `now` only
 * through the start of its day (today, this week, this year), so the results are kept for one
 * day and one set of formats, and dropped when either changes.
 */
import { startOfDay, type DateFormats } from '../i18n/format';

export interface RowTime {
	/** Compact: time today, weekday this week, else a date. */
	text: string;
	/** Full date and time (the title). */
	full: string;
	/** `datetime` attribute. */
	iso: string;
}

/** Past this many instants the cache starts over (10k rows fit; memory stays bounded). */
const MAX_ENTRIES = 20_000;

export class RowTimes {
	#formats: DateFormats | null = null;
	#now = NaN;
	#day = NaN;
	#cache = new Map<number, RowTime>();

	get(at: number, now: number, formats: DateFormats): RowTime {
		if (now !== this.#now) {
			this.#now = now;
			const day = startOfDay(now);
			if (day !== this.#day) {
				this.#day = day;
				this.#cache.clear();
			}
		}
		if (formats !== this.#formats) {
			this.#formats = formats;
			this.#cache.clear();
		}
		let t = this.#cache.get(at);
		if (t === undefined) {
			if (this.#cache.size >= MAX_ENTRIES) this.#cache.clear();
			t = { text: formats.listTime(at, now), full: formats.full.format(at), iso: new Date(at).toISOString() };
			this.#cache.set(at, t);
		}
		return t;
	}
}
