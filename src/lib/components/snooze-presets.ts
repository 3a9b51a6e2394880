/**
 * Snooze presets offered in the snooze menu (SPEC S7.4), computed from a clock passed in.
 * "Tonight" (18:00) is offered only while at least an hour remains before it, so it never
 * duplicates "In 1 hour"; "Next week" is the coming Monday at 9:00.
 */
export type SnoozePresetKey = 'hour' | 'tonight' | 'tomorrow' | 'nextWeek';
export interface SnoozePreset {
	key: SnoozePresetKey;
	at: number;
}

const HOUR = 3_600_000;

function at(base: number, dayOffset: number, hour: number): number {
	const d = new Date(base);
	d.setDate(d.getDate() + dayOffset);
	d.setHours(hour, 0, 0, 0);
	return d.getTime();
}

export function snoozePresets(now: number): SnoozePreset[] {
	const out: SnoozePreset[] = [{ key: 'hour', at: now + HOUR }];
	const tonight = at(now, 0, 18);
	if (tonight - now >= HOUR) out.push({ key: 'tonight', at: tonight });
	out.push({ key: 'tomorrow', at: at(now, 1, 9) });
	const day = new Date(now).getDay(); // 0 Sunday .. 6 Saturday
	const toMonday = ((8 - day) % 7) || 7;
	out.push({ key: 'nextWeek', at: at(now, toMonday, 9) });
	return out;
}

/** Value for `<input type="datetime-local">` in local time, e.g. "2025-03-12T18:00". */
export function toLocalInput(t: number): string {
	const d = new Date(t);
	const p = (n: number) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Parses a `datetime-local` value as local time; null when empty or invalid. */
export function fromLocalInput(v: string): number | null {
	const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(v);
	if (!m) return null;
	const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
	const t = new Date(y, mo - 1, d, h, mi).getTime();
	return Number.isFinite(t) ? t : null;
}
