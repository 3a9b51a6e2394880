// The schedule trigger's occurrences (SPEC S7.7): every N minutes/hours, daily and weekly at a
// time of day in the workspace's time zone, across DST changes, and missed slots collapsed.
import { describe, expect, it } from 'vitest';
import { dueOccurrence, latestOccurrence, nextOccurrence, parseSchedule, scheduleProblem, type Schedule } from './workflow-schedule';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const at = (s: string) => Date.parse(s);

describe('workflow schedules', () => {
	// SPEC S7.7
	it('puts intervals on multiples of the period', () => {
		const every15: Schedule = { kind: 'interval', every: 15, unit: 'minutes' };
		expect(iso(nextOccurrence(every15, at('2026-01-05T10:07:00Z'), 'UTC'))).toBe('2026-01-05T10:15:00.000Z');
		expect(iso(nextOccurrence(every15, at('2026-01-05T10:15:00Z'), 'UTC'))).toBe('2026-01-05T10:30:00.000Z');
		expect(iso(latestOccurrence(every15, at('2026-01-05T10:15:00Z'), 'UTC'))).toBe('2026-01-05T10:15:00.000Z');
		const every2h: Schedule = { kind: 'interval', every: 2, unit: 'hours' };
		expect(iso(nextOccurrence(every2h, at('2026-01-05T10:07:00Z'), 'Europe/Paris'))).toBe('2026-01-05T12:00:00.000Z');
	});

	// SPEC S7.7
	it('runs daily at a local time, in the workspace zone, across DST changes', () => {
		const nine: Schedule = { kind: 'daily', at: '09:00' };
		// Paris: 09:00 is 08:00Z in winter and 07:00Z after the clocks go forward (29 March 2026).
		expect(iso(nextOccurrence(nine, at('2026-03-28T08:00:00Z'), 'Europe/Paris'))).toBe('2026-03-29T07:00:00.000Z');
		expect(iso(nextOccurrence(nine, at('2026-03-27T12:00:00Z'), 'Europe/Paris'))).toBe('2026-03-28T08:00:00.000Z');
		expect(iso(nextOccurrence(nine, at('2026-01-01T00:00:00Z'), 'America/New_York'))).toBe('2026-01-01T14:00:00.000Z');
		// 02:30 does not happen on 29 March in Paris: the first instant after the gap (03:30 CEST).
		const twoThirty: Schedule = { kind: 'daily', at: '02:30' };
		expect(iso(nextOccurrence(twoThirty, at('2026-03-28T12:00:00Z'), 'Europe/Paris'))).toBe('2026-03-29T01:30:00.000Z');
		// 02:30 happens twice on 25 October: once, the first time (CEST), then the next day.
		const first = nextOccurrence(twoThirty, at('2026-10-24T12:00:00Z'), 'Europe/Paris');
		expect(iso(first)).toBe('2026-10-25T00:30:00.000Z');
		expect(iso(nextOccurrence(twoThirty, first!, 'Europe/Paris'))).toBe('2026-10-26T01:30:00.000Z');
	});

	// SPEC S7.7
	it('runs weekly on the chosen days only', () => {
		// Monday and Wednesday at 10:00 in Paris (winter: 09:00Z). 6 Jan 2026 is a Tuesday.
		const s: Schedule = { kind: 'weekly', days: [1, 3], at: '10:00' };
		expect(iso(nextOccurrence(s, at('2026-01-06T12:00:00Z'), 'Europe/Paris'))).toBe('2026-01-07T09:00:00.000Z');
		expect(iso(nextOccurrence(s, at('2026-01-07T09:00:00Z'), 'Europe/Paris'))).toBe('2026-01-12T09:00:00.000Z');
		expect(iso(latestOccurrence(s, at('2026-01-11T23:00:00Z'), 'Europe/Paris'))).toBe('2026-01-07T09:00:00.000Z');
		// Sunday in Tokyo is still Saturday in UTC: the day is the zone's.
		const sunday: Schedule = { kind: 'weekly', days: [0], at: '08:00' };
		expect(iso(nextOccurrence(sunday, at('2026-01-09T00:00:00Z'), 'Asia/Tokyo'))).toBe('2026-01-10T23:00:00.000Z');
	});

	// SPEC S7.7 (missed occurrences after downtime run once, not once per missed slot)
	it('collapses missed slots into the newest one', () => {
		const nine: Schedule = { kind: 'daily', at: '09:00' };
		const lastRun = at('2026-01-05T09:00:00Z');
		expect(iso(dueOccurrence(nine, lastRun, at('2026-01-08T10:00:00Z'), 'UTC'))).toBe('2026-01-08T09:00:00.000Z');
		expect(dueOccurrence(nine, at('2026-01-08T09:00:00Z'), at('2026-01-08T10:00:00Z'), 'UTC')).toBeNull();
		expect(dueOccurrence(nine, lastRun, at('2026-01-05T20:00:00Z'), 'UTC')).toBeNull();
		const every5: Schedule = { kind: 'interval', every: 5, unit: 'minutes' };
		expect(iso(dueOccurrence(every5, at('2026-01-05T09:00:00Z'), at('2026-01-05T11:02:00Z'), 'UTC'))).toBe('2026-01-05T11:00:00.000Z');
	});

	// SPEC S7.7 (validation before publishing)
	it('refuses schedules that never or too often happen', () => {
		expect(scheduleProblem({ kind: 'interval', every: 0, unit: 'minutes' })).toBe('bad_interval');
		expect(scheduleProblem({ kind: 'interval', every: 1.5, unit: 'hours' })).toBe('bad_interval');
		expect(scheduleProblem({ kind: 'interval', every: 1000, unit: 'hours' })).toBe('bad_interval');
		expect(scheduleProblem({ kind: 'daily', at: '24:00' })).toBe('bad_time');
		expect(scheduleProblem({ kind: 'weekly', days: [], at: '09:00' })).toBe('no_days');
		expect(scheduleProblem({ kind: 'weekly', days: [7], at: '09:00' })).toBe('no_days');
		expect(nextOccurrence({ kind: 'daily', at: '9h' }, 0, 'UTC')).toBeNull();
		expect(parseSchedule({ kind: 'weekly', days: [1], at: '09:00', extra: 1 })).toEqual({ kind: 'weekly', days: [1], at: '09:00' });
		expect(parseSchedule({ kind: 'cron', at: '* * * * *' })).toBeNull();
	});
});
