/**
 * The schedule trigger of workflows (SPEC S7.7): when a scheduled workflow runs, and for whom.
 * Pure; the server's engine (`sync-server/src/workflows/engine.ts`) records each occurrence
 * durably before it starts runs.
 *
 * A schedule is every N minutes or hours, daily at HH:MM, or weekly on chosen days at HH:MM, in
 * the workspace's time zone (`WorkspaceOptions.timeZone`, UTC by default):
 * - intervals fall on multiples of the period counted from the Unix epoch (every hour: on the
 *   hour in any zone whose offset is whole hours), whatever the zone;
 * - a daily or weekly time that a DST change skips happens at the first instant after the gap,
 *   one that happens twice (the clocks go back) happens the first time: once per day either way;
 * - occurrences missed while no server ran collapse into one: `dueOccurrence` answers the newest
 *   slot after the last one recorded, never one per missed slot.
 *
 * The audience is a filter of the custom inboxes' language (`filters.ts`, S4.4) over contacts;
 * one occurrence starts at most `AUDIENCE_CAP` runs (the first contacts by id), and says so in
 * the run history when the cap cut it.
 */
import { zonedInstant, zonedParts } from './filters';

export type ScheduleUnit = 'minutes' | 'hours';

export type Schedule =
	| { kind: 'interval'; every: number; unit: ScheduleUnit }
	| { kind: 'daily'; at: string }
	/** `days`: 0 = Sunday ... 6 = Saturday. */
	| { kind: 'weekly'; days: number[]; at: string };

/** Runs one occurrence starts at most. */
export const AUDIENCE_CAP = 1000;
/** Bounds of an interval, in minutes (1 minute to 4 weeks). */
export const MIN_INTERVAL_MINUTES = 1;
export const MAX_INTERVAL_MINUTES = 28 * 24 * 60;

const MINUTE = 60_000;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function defaultSchedule(): Schedule {
	return { kind: 'daily', at: '09:00' };
}

function periodMs(s: Extract<Schedule, { kind: 'interval' }>): number {
	return s.every * (s.unit === 'hours' ? 60 : 1) * MINUTE;
}

/** What is wrong with a schedule (for the builder and publishing), or null. */
export function scheduleProblem(s: Schedule): 'bad_interval' | 'bad_time' | 'no_days' | null {
	if (s.kind === 'interval') {
		const minutes = s.every * (s.unit === 'hours' ? 60 : 1);
		return Number.isInteger(s.every) && minutes >= MIN_INTERVAL_MINUTES && minutes <= MAX_INTERVAL_MINUTES ? null : 'bad_interval';
	}
	if (!HHMM.test(s.at)) return 'bad_time';
	if (s.kind === 'weekly' && (s.days.length === 0 || !s.days.every((d) => Number.isInteger(d) && d >= 0 && d <= 6))) return 'no_days';
	return null;
}

/** The day of the week (0 = Sunday) of a calendar date. */
function weekday(y: number, m: number, d: number): number {
	return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** The daily / weekly slot on the calendar day `offset` days from the day of `t` (zone `tz`), or null. */
function slotOnDay(s: Extract<Schedule, { kind: 'daily' | 'weekly' }>, t: number, offset: number, tz: string): number | null {
	const p = zonedParts(t, tz);
	const day = new Date(Date.UTC(p.y, p.m - 1, p.d + offset));
	const y = day.getUTCFullYear();
	const m = day.getUTCMonth() + 1;
	const d = day.getUTCDate();
	if (s.kind === 'weekly' && !s.days.includes(weekday(y, m, d))) return null;
	const [h, min] = s.at.split(':').map(Number) as [number, number];
	return zonedInstant(y, m, d, h, min, tz);
}

/** The first slot strictly after `after`, or null when the schedule is invalid. */
export function nextOccurrence(s: Schedule, after: number, tz: string): number | null {
	if (scheduleProblem(s)) return null;
	if (s.kind === 'interval') {
		const p = periodMs(s);
		return (Math.floor(after / p) + 1) * p;
	}
	// A DST change moves local midnight by an hour: look from the day before to be safe.
	for (let offset = -1; offset <= 8; offset++) {
		const slot = slotOnDay(s, after, offset, tz);
		if (slot !== null && slot > after) return slot;
	}
	return null;
}

/** The newest slot at or before `t`, or null (an invalid schedule). */
export function latestOccurrence(s: Schedule, t: number, tz: string): number | null {
	if (scheduleProblem(s)) return null;
	if (s.kind === 'interval') {
		const p = periodMs(s);
		return Math.floor(t / p) * p;
	}
	for (let offset = 1; offset >= -8; offset--) {
		const slot = slotOnDay(s, t, offset, tz);
		if (slot !== null && slot <= t) return slot;
	}
	return null;
}

/**
 * The occurrence to run now: the newest slot in (`since`, `now`], or null when none is due.
 * `since` is the last occurrence recorded (or when the schedule was published or switched on):
 * however many slots passed while nothing ran, one occurrence is due, the newest.
 */
export function dueOccurrence(s: Schedule, since: number, now: number, tz: string): number | null {
	const slot = latestOccurrence(s, now, tz);
	return slot !== null && slot > since ? slot : null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A schedule read from untrusted JSON, or null when its shape is wrong (values are checked by `scheduleProblem`). */
export function parseSchedule(v: unknown): Schedule | null {
	if (!isObj(v)) return null;
	switch (v.kind) {
		case 'interval':
			return typeof v.every === 'number' && (v.unit === 'minutes' || v.unit === 'hours') ? { kind: 'interval', every: v.every, unit: v.unit } : null;
		case 'daily':
			return typeof v.at === 'string' && v.at.length <= 5 ? { kind: 'daily', at: v.at } : null;
		case 'weekly':
			return typeof v.at === 'string' && v.at.length <= 5 && Array.isArray(v.days) && v.days.length <= 7 && v.days.every((d) => typeof d === 'number')
				? { kind: 'weekly', days: v.days as number[], at: v.at }
				: null;
		default:
			return null;
	}
}
