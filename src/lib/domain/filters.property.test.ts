// SPEC S4.4, S1.5. Property: the compiled filter (compileFilter, what lists and counts run) agrees
// with a naive evaluator written from the rules in filters.ts' module comment, on random
// filters over random contacts, directories with every custom field type, and time zones.
// Instants are compared with dates through their wall-clock date in the zone (zonedDate), not
// through the instants compileFilter computes, so the two paths are independent. 5k filters x
// 40 contacts per run; reproduce with SEED=<printed seed>.
import { describe, expect, it } from 'vitest';
import type { Channel, CustomFieldDef, Directory } from './types';
import { asChannelId, asTeamId, asUserId } from './ids';
import {
	ASSIGNEE_ME,
	ASSIGNEE_NONE,
	OPERATORS_BY_KIND,
	UNIT_MS,
	compileFilter,
	conditionWarning,
	fieldKind,
	filterFields,
	foldText,
	nextChange,
	zonedDate,
	zonedParts,
	type FieldKind,
	type Filter,
	type FilterCondition,
	type FilterSubject
} from './filters';
import { contact, directory, pick, rng, team, testSeed, user } from './test-fixtures';

const SEED = testSeed();
const FIELDS: CustomFieldDef[] = [
	{ key: 'note', label: 'Note', type: 'text' },
	{ key: 'mail', label: 'Mail', type: 'email' },
	{ key: 'tel', label: 'Tel', type: 'phone' },
	{ key: 'site', label: 'Site', type: 'url' },
	{ key: 'n', label: 'N', type: 'number' },
	{ key: 'vip', label: 'VIP', type: 'checkbox' },
	{ key: 'd', label: 'D', type: 'date' },
	{ key: 't', label: 'T', type: 'time' },
	{ key: 'plan', label: 'Plan', type: 'select', options: ['free', 'pro'] }
];
const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Pacific/Auckland'];
const TEXTS = ['', 'ana', 'Ána', 'anabel', 'bob', ' BOB ', 'zoé', 'x'];
const DATES = ['2026-12-01', '2026-12-05', '2026-12-06', '2026-12-07', '2026-12-20'];
const TIMES = ['00:00', '09:30', '12:00', '17:45', '23:59'];
const NOW = Date.UTC(2026, 11, 6, 12, 0);
const H = 3_600_000;

function dir(): Directory {
	const d = directory([user('me', { teamIds: [asTeamId('t1')] }), user('ana'), user('gone', { active: false })], [team('t1'), team('t2')]);
	const ch = (id: string): Channel => ({ id: asChannelId(id), kind: 'webchat', name: id, windowHours: null, supportsReplies: true });
	return { ...d, channels: [ch('web'), ch('hook')], customFields: FIELDS };
}

function randomSubject(r: () => number, i: number): FilterSubject {
	const maybe = <T>(v: T): T | null => (r() < 0.25 ? null : v);
	const instant = () => (r() < 0.2 ? null : NOW - Math.floor(r() * 10 * 24) * H + pick(r, [0, 1, -1, 30 * 60_000]));
	return {
		...contact(`k${i}`, {
			firstName: pick(r, TEXTS),
			lastName: pick(r, TEXTS),
			email: pick(r, ['', 'ana@x.fr', 'bob@y.com']),
			phone: pick(r, ['', '+33612345678']),
			blocked: r() < 0.2,
			channelIds: [asChannelId('web'), asChannelId('hook')].filter(() => r() < 0.5),
			assigneeId: pick(r, [null, asUserId('me'), asUserId('ana'), asUserId('gone')]),
			teamId: pick(r, [null, asTeamId('t1'), asTeamId('t2')]),
			status: pick(r, ['open', 'closed', 'snoozed'] as const),
			lastMessageAt: instant(),
			lastMessageDirection: pick(r, ['in', 'out', null] as const),
			lastMessagePreview: pick(r, TEXTS)
		}),
		country: pick(r, ['', 'FR', 'US']),
		language: pick(r, ['', 'fr', 'en']),
		tags: TEXTS.filter(() => r() < 0.2),
		custom: {
			note: maybe(pick(r, TEXTS)),
			mail: maybe(pick(r, ['ana@x.fr', ''])),
			tel: maybe('+33700000000'),
			site: maybe('https://x.fr'),
			n: maybe(pick(r, [-1, 0, 1.5, 10, 100])),
			vip: maybe(r() < 0.5),
			d: maybe(pick(r, [...DATES, 'junk'])),
			t: maybe(pick(r, TIMES)),
			plan: maybe(pick(r, ['free', 'pro']))
		},
		lastIncomingAt: instant(),
		lastOutgoingAt: instant(),
		openedAt: instant()
	};
}

function operand(r: () => number, kind: string): string | number | boolean {
	switch (kind) {
		case 'number':
			return pick(r, [-1, 0, 1.5, 10, 100, 'x']);
		case 'boolean':
			return r() < 0.5;
		case 'date':
			return pick(r, DATES);
		case 'instant':
			return r() < 0.7 ? pick(r, DATES) : `${pick(r, DATES)}T${pick(r, TIMES)}`;
		case 'time':
			return pick(r, TIMES);
		case 'status':
			return pick(r, ['open', 'closed', 'snoozed']);
		case 'user':
			return pick(r, [ASSIGNEE_ME, ASSIGNEE_NONE, 'ana', 'gone', 'nobody']);
		case 'team':
			return pick(r, ['t1', 't2', 't9']);
		case 'channel':
			return pick(r, ['web', 'hook', 'sms']);
		case 'select':
			return pick(r, ['free', 'pro', 'gold']);
		default:
			return pick(r, TEXTS);
	}
}

function randomCondition(r: () => number, d: Directory): FilterCondition {
	if (r() < 0.03) return { field: pick(r, ['custom:gone', 'nope'] as const) as FilterCondition['field'], op: 'is', value: 'x' };
	const info = pick(r, filterFields(d));
	const ops = ['is', 'is_not', 'contains', 'not_contains', 'starts_with', 'is_empty', 'is_not_empty', 'gt', 'lt', 'between', 'before', 'after', 'in_last', 'older_than'] as const;
	const op = r() < 0.9 ? pick(r, OPS_OF(info.kind)) : pick(r, ops);
	const c: FilterCondition = { field: info.id, op };
	if (op === 'in_last' || op === 'older_than') return { ...c, amount: pick(r, [0, 1, 2, 3, 48]), unit: pick(r, ['hours', 'days'] as const) };
	if (op === 'is_empty' || op === 'is_not_empty') return c;
	c.value = operand(r, info.kind);
	if (op === 'between') c.to = operand(r, info.kind);
	return c;
}

const OPS_OF = (k: FieldKind) => OPERATORS_BY_KIND[k];

// ----- the naive evaluator -----------------------------------------------------------------

const empty = (v: unknown) => v === null || v === undefined || v === '' || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
const wallMinute = (t: number, tz: string) => {
	const p = zonedParts(t, tz);
	return `${zonedDate(t, tz)}T${String(p.h).padStart(2, '0')}:${String(p.min).padStart(2, '0')}`;
};
const secs = (v: string) => Number(v.slice(0, 2)) * 3600 + Number(v.slice(3, 5)) * 60 + (v.length > 5 ? Number(v.slice(6, 8)) : 0);
const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

function naiveValue(c: FilterCondition, s: FilterSubject): unknown {
	if (c.field.startsWith('custom:')) return s.custom?.[c.field.slice(7)] ?? null;
	const f = c.field;
	if (f === 'name') return `${s.firstName} ${s.lastName}`;
	if (f === 'lastIncomingAt') return s.lastIncomingAt ?? null;
	if (f === 'openedAt') return s.openedAt ?? null;
	if (f === 'unreplied') return s.lastMessageDirection === 'in';
	if (f === 'snoozed') return s.status === 'snoozed';
	if (f === 'assignee') return s.assigneeId;
	if (f === 'team') return s.teamId;
	if (f === 'channel') return s.channelIds;
	return (s as unknown as Record<string, unknown>)[f] ?? null;
}

function naiveCondition(c: FilterCondition, s: FilterSubject, d: Directory, tz: string): boolean {
	if (conditionWarning(c, d) !== null) return false;
	const kind = fieldKind(c.field, d);
	const v = naiveValue(c, s);
	if (c.op === 'is_empty') return empty(v);
	if (c.op === 'is_not_empty') return !empty(v);
	const want = c.value;
	switch (kind) {
		case 'search':
			return foldText(`${s.firstName} ${s.lastName} ${s.email} ${s.phone} ${s.lastMessagePreview}`).includes(foldText(String(want)));
		case 'boolean':
			return (v === true) === want;
		case 'user': {
			const is = want === ASSIGNEE_ME ? v === 'me' : want === ASSIGNEE_NONE ? v === null : v === want;
			return c.op === 'is' ? is : !is;
		}
		case 'channel': {
			const is = (v as string[]).includes(String(want));
			return c.op === 'is' ? is : !is;
		}
		case 'status':
		case 'team': {
			const is = v === want;
			return c.op === 'is' ? is : !is;
		}
		case 'tags': {
			const is = (v as string[]).some((t) => foldText(t) === foldText(String(want)));
			return c.op === 'contains' ? is : !is;
		}
		case 'number': {
			const n = typeof v === 'number' ? v : null;
			const a = Number(want);
			if (c.op === 'is') return n === a;
			if (c.op === 'is_not') return n !== a;
			if (n === null) return false;
			if (c.op === 'gt') return n > a;
			if (c.op === 'lt') return n < a;
			const b = Number(c.to);
			return n >= Math.min(a, b) && n <= Math.max(a, b);
		}
		case 'time': {
			if (typeof v !== 'string') return false;
			const [x, a] = [secs(v), secs(String(want))];
			if (c.op === 'is') return x === a;
			if (c.op === 'before') return x < a;
			if (c.op === 'after') return x > a;
			const b = secs(String(c.to));
			return x >= Math.min(a, b) && x <= Math.max(a, b);
		}
		case 'date': {
			if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) return false;
			const today = zonedDate(NOW, tz);
			const days = c.unit === 'hours' ? Math.ceil((c.amount ?? 0) / 24) : (c.amount ?? 0);
			if (c.op === 'in_last') return v >= addDays(today, -days) && v <= today;
			if (c.op === 'older_than') return v < addDays(today, -days);
			if (c.op === 'is') return v === want;
			if (c.op === 'before') return v < String(want);
			if (c.op === 'after') return v > String(want);
			const [lo, hi] = [String(want), String(c.to)].sort();
			return v >= (lo as string) && v <= (hi as string);
		}
		case 'instant': {
			if (typeof v !== 'number') return false;
			if (c.op === 'in_last') return v >= NOW - (c.amount ?? 0) * UNIT_MS[c.unit ?? 'hours'];
			if (c.op === 'older_than') return v < NOW - (c.amount ?? 0) * UNIT_MS[c.unit ?? 'hours'];
			const at = (w: string) => (w.length === 10 ? zonedDate(v, tz) : wallMinute(v, tz));
			const a = String(want);
			if (c.op === 'is') return at(a) === a;
			if (c.op === 'before') return at(a) < a;
			if (c.op === 'after') return at(a) > a;
			// between: from the start of the earlier bound to the end of the later one
			const b = String(c.to);
			const ge = (w: string) => at(w) >= w;
			const le = (w: string) => at(w) <= w;
			return (ge(a) || ge(b)) && (le(a) || le(b));
		}
		default: {
			const x = foldText(v === null ? '' : String(v));
			const w = foldText(String(want));
			if (c.op === 'is') return x === w;
			if (c.op === 'is_not') return x !== w;
			if (c.op === 'contains') return x.includes(w);
			if (c.op === 'not_contains') return !x.includes(w);
			return x !== '' && x.startsWith(w);
		}
	}
}

function naive(f: Filter, s: FilterSubject, d: Directory, tz: string): boolean {
	return f.groups.length === 0 || f.groups.some((g) => g.every((c) => naiveCondition(c, s, d, tz)));
}

describe('compileFilter agrees with a naive evaluator', () => {
	it(`random filters over random contacts (seed ${SEED})`, () => {
		const r = rng(SEED);
		const d = dir();
		const subjects = Array.from({ length: 40 }, (_, i) => randomSubject(r, i));
		// 'me' is the viewer: the naive evaluator reads the assignee `me` literally
		for (let n = 0; n < 5000; n++) {
			const tz = pick(r, ZONES);
			const filter: Filter = {
				groups: Array.from({ length: Math.floor(r() * 3) + 1 }, () => Array.from({ length: Math.floor(r() * 3) + 1 }, () => randomCondition(r, d))),
				timeZone: tz
			};
			const test = compileFilter(filter, { me: asUserId('me'), dir: d, now: NOW });
			for (const s of subjects) {
				const got = test(s);
				if (got !== naive(filter, s, d, tz)) {
					expect({ seed: SEED, filter, subject: s, got }).toBeUndefined();
				}
			}
		}
	});

	it(`nextChange is never late: the answer is constant from now until just before it (seed ${SEED})`, () => {
		const r = rng(SEED + 1);
		const d = dir();
		for (let n = 0; n < 2000; n++) {
			const s = randomSubject(r, n);
			const filter: Filter = { groups: [[randomCondition(r, d)], [randomCondition(r, d)]], timeZone: pick(r, ZONES) };
			const at = nextChange(filter, s, NOW);
			const horizon = at ?? NOW + 20 * 24 * H;
			const base = compileFilter(filter, { me: asUserId('me'), dir: d, now: NOW })(s);
			for (const t of [NOW + 1, Math.floor((NOW + horizon) / 2), horizon - 1]) {
				if (t <= NOW || t >= horizon) continue;
				const later = compileFilter(filter, { me: asUserId('me'), dir: d, now: t })(s);
				if (later !== base) expect({ seed: SEED, filter, subject: s, t, at }).toBeUndefined();
			}
		}
	});
});
