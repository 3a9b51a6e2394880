// SPEC S4.4 (advanced filters), S1.5 (custom inboxes are saved filters), S4.5 (live: nextChange).
import { describe, expect, it } from 'vitest';
import type { Channel, CustomFieldDef, Directory } from './types';
import { asChannelId, asTeamId, asUserId } from './ids';
import {
	OPERATORS,
	OPERATORS_BY_KIND,
	compileFilter,
	conditionWarning,
	filterFields,
	matchesFilter,
	nextChange,
	parseFilter,
	validateFilter,
	zonedDate,
	zonedInstant,
	type Filter,
	type FilterCondition,
	type FilterContext,
	type FilterSubject
} from './filters';
import { contact, directory, team, user } from './test-fixtures';

const ME = asUserId('me');
const ANA = asUserId('ana');
const SALES = asTeamId('sales');
const WEB = asChannelId('web');
const HOOK = asChannelId('hook');

const FIELDS: CustomFieldDef[] = [
	{ key: 'note', label: 'Note', type: 'text' },
	{ key: 'work_email', label: 'Work email', type: 'email' },
	{ key: 'mobile', label: 'Mobile', type: 'phone' },
	{ key: 'site', label: 'Site', type: 'url' },
	{ key: 'spend', label: 'Spend', type: 'number' },
	{ key: 'vip', label: 'VIP', type: 'checkbox' },
	{ key: 'renewal', label: 'Renewal', type: 'date' },
	{ key: 'call_at', label: 'Call at', type: 'time' },
	{ key: 'plan', label: 'Plan', type: 'select', options: ['free', 'pro', 'enterprise'] }
];

function dir(): Directory {
	const d = directory([user('me', { teamIds: [SALES] }), user('ana')], [team('sales')]);
	const ch = (id: string): Channel => ({ id: asChannelId(id), kind: 'webchat', name: id, windowHours: null, supportsReplies: true });
	return { ...d, channels: [ch('web'), ch('hook')], customFields: FIELDS };
}

const NOW = Date.UTC(2026, 11, 6, 12, 0); // Sunday 6 Dec 2026, 12:00 UTC
const H = 3_600_000;
const ctx = (over: Partial<FilterContext> = {}): FilterContext => ({ me: ME, dir: dir(), now: NOW, ...over });

function subject(over: Partial<FilterSubject> = {}): FilterSubject {
	return { ...contact('k1'), ...over };
}

/** Whether a one-condition filter matches the subject. */
function m(c: FilterCondition, s: Partial<FilterSubject>, extra: Partial<Filter> = {}, cx: Partial<FilterContext> = {}): boolean {
	return matchesFilter({ groups: [[c]], ...extra }, subject(s), ctx(cx));
}

describe('groups: AND within, OR between', () => {
	const a: FilterCondition = { field: 'status', op: 'is', value: 'open' };
	const b: FilterCondition = { field: 'assignee', op: 'is', value: 'me' };
	it('no group and empty groups match everything (visibility is applied by the caller)', () => {
		expect(matchesFilter({ groups: [] }, subject(), ctx())).toBe(true);
		expect(matchesFilter({ groups: [[]] }, subject({ status: 'closed' }), ctx())).toBe(true);
	});
	it('a group needs every condition', () => {
		expect(matchesFilter({ groups: [[a, b]] }, subject({ assigneeId: ME }), ctx())).toBe(true);
		expect(matchesFilter({ groups: [[a, b]] }, subject({ assigneeId: ANA }), ctx())).toBe(false);
	});
	it('any group is enough', () => {
		expect(matchesFilter({ groups: [[a, b], [{ field: 'status', op: 'is', value: 'closed' }]] }, subject({ status: 'closed' }), ctx())).toBe(true);
		expect(matchesFilter({ groups: [[b], [{ field: 'status', op: 'is', value: 'closed' }]] }, subject({ status: 'open' }), ctx())).toBe(false);
	});
});

describe('text-like fields (name, email, phone, country, language, custom text/email/phone/url)', () => {
	const cases: [string, Partial<FilterSubject>, Partial<FilterSubject>][] = [
		['name', { firstName: 'Éloïse', lastName: 'Durand' }, { firstName: '', lastName: '' }],
		['email', { email: 'eloise@acme.fr' }, { email: '' }],
		['phone', { phone: '+33612345678' }, { phone: '' }],
		['country', { country: 'FR' }, {}],
		['language', { language: 'fr' }, { language: '' }],
		['custom:note', { custom: { note: 'Likes tea' } }, { custom: { note: null } }],
		['custom:work_email', { custom: { work_email: 'e@acme.fr' } }, { custom: {} }],
		['custom:mobile', { custom: { mobile: '+33700000000' } }, {}],
		['custom:site', { custom: { site: 'https://acme.fr' } }, { custom: { site: '' } }]
	];
	for (const [field, full, empty] of cases) {
		const f = field as FilterCondition['field'];
		const s = subject(full);
		const value = String((() => {
			const k = field.startsWith('custom:') ? (full.custom ?? {})[field.slice(7)] : field === 'name' ? 'Éloïse Durand' : (full as Record<string, unknown>)[field];
			return k;
		})());
		it(`${field}: is / is not ignore case, accents and spaces`, () => {
			expect(m({ field: f, op: 'is', value: ` ${value.toUpperCase()} ` }, s)).toBe(true);
			expect(m({ field: f, op: 'is', value: value.normalize('NFD').replace(/\p{M}/gu, '') }, s)).toBe(true);
			expect(m({ field: f, op: 'is', value: 'zzz' }, s)).toBe(false);
			expect(m({ field: f, op: 'is_not', value: 'zzz' }, s)).toBe(true);
			expect(m({ field: f, op: 'is_not', value }, s)).toBe(false);
		});
		it(`${field}: contains / does not contain / starts with`, () => {
			const part = value.length > 4 ? value.slice(2, 5) : value.slice(1);
			expect(m({ field: f, op: 'contains', value: part }, s)).toBe(true);
			expect(m({ field: f, op: 'contains', value: 'zzz' }, s)).toBe(false);
			expect(m({ field: f, op: 'not_contains', value: 'zzz' }, s)).toBe(true);
			expect(m({ field: f, op: 'not_contains', value: part }, s)).toBe(false);
			expect(m({ field: f, op: 'starts_with', value: value.slice(0, 3) }, s)).toBe(true);
			expect(m({ field: f, op: 'starts_with', value: part }, s)).toBe(false);
		});
		it(`${field}: empty values`, () => {
			const e = subject(empty);
			expect(m({ field: f, op: 'is_empty' }, e)).toBe(true);
			expect(m({ field: f, op: 'is_not_empty' }, e)).toBe(false);
			expect(m({ field: f, op: 'is_empty' }, s)).toBe(false);
			expect(m({ field: f, op: 'is_not_empty' }, s)).toBe(true);
			// negative operators hold for an empty value, positive ones fail
			expect(m({ field: f, op: 'is_not', value }, e)).toBe(true);
			expect(m({ field: f, op: 'not_contains', value: 'a' }, e)).toBe(true);
			expect(m({ field: f, op: 'is', value }, e)).toBe(false);
			expect(m({ field: f, op: 'contains', value: 'a' }, e)).toBe(false);
			expect(m({ field: f, op: 'starts_with', value: 'a' }, e)).toBe(false);
		});
	}
});

describe('tags', () => {
	const s = { tags: ['VIP', 'Refund'] };
	it('contains / does not contain a tag, whole tags only, any case', () => {
		expect(m({ field: 'tags', op: 'contains', value: 'vip' }, s)).toBe(true);
		expect(m({ field: 'tags', op: 'contains', value: 'VI' }, s)).toBe(false);
		expect(m({ field: 'tags', op: 'not_contains', value: 'refund' }, s)).toBe(false);
		expect(m({ field: 'tags', op: 'not_contains', value: 'lead' }, s)).toBe(true);
	});
	it('empty: no tags, or tags never read', () => {
		expect(m({ field: 'tags', op: 'is_empty' }, { tags: [] })).toBe(true);
		expect(m({ field: 'tags', op: 'is_empty' }, {})).toBe(true);
		expect(m({ field: 'tags', op: 'is_not_empty' }, s)).toBe(true);
		expect(m({ field: 'tags', op: 'not_contains', value: 'vip' }, {})).toBe(true);
	});
});

describe('custom select', () => {
	it('is / is not / empty', () => {
		expect(m({ field: 'custom:plan', op: 'is', value: 'pro' }, { custom: { plan: 'pro' } })).toBe(true);
		expect(m({ field: 'custom:plan', op: 'is_not', value: 'pro' }, { custom: { plan: 'free' } })).toBe(true);
		expect(m({ field: 'custom:plan', op: 'is_not', value: 'pro' }, {})).toBe(true);
		expect(m({ field: 'custom:plan', op: 'is_empty' }, {})).toBe(true);
		expect(m({ field: 'custom:plan', op: 'is_not_empty' }, { custom: { plan: 'free' } })).toBe(true);
	});
	it('an option that no longer exists is a warning and never matches', () => {
		const c: FilterCondition = { field: 'custom:plan', op: 'is', value: 'gold' };
		expect(conditionWarning(c, dir())).toEqual({ code: 'bad_value', ref: 'gold' });
		expect(m(c, { custom: { plan: 'gold' } })).toBe(false);
	});
});

describe('custom number', () => {
	const f = 'custom:spend' as const;
	it('is / is not / greater / less / between (bounds included, either order)', () => {
		expect(m({ field: f, op: 'is', value: 100 }, { custom: { spend: 100 } })).toBe(true);
		expect(m({ field: f, op: 'is', value: '100' }, { custom: { spend: 100 } })).toBe(true);
		expect(m({ field: f, op: 'is_not', value: 100 }, { custom: { spend: 99 } })).toBe(true);
		expect(m({ field: f, op: 'gt', value: 99.5 }, { custom: { spend: 100 } })).toBe(true);
		expect(m({ field: f, op: 'gt', value: 100 }, { custom: { spend: 100 } })).toBe(false);
		expect(m({ field: f, op: 'lt', value: 100 }, { custom: { spend: -3 } })).toBe(true);
		expect(m({ field: f, op: 'between', value: 10, to: 100 }, { custom: { spend: 100 } })).toBe(true);
		expect(m({ field: f, op: 'between', value: 100, to: 10 }, { custom: { spend: 10 } })).toBe(true);
		expect(m({ field: f, op: 'between', value: 10, to: 100 }, { custom: { spend: 101 } })).toBe(false);
	});
	it('empty values fail comparisons, hold for is not and is empty', () => {
		for (const op of ['gt', 'lt', 'is'] as const) expect(m({ field: f, op, value: 0 }, {})).toBe(false);
		expect(m({ field: f, op: 'between', value: -1, to: 1 }, { custom: { spend: null } })).toBe(false);
		expect(m({ field: f, op: 'is_not', value: 0 }, {})).toBe(true);
		expect(m({ field: f, op: 'is_empty' }, {})).toBe(true);
		expect(m({ field: f, op: 'is_not_empty' }, { custom: { spend: 0 } })).toBe(true);
	});
	it('a non-number operand is a warning', () => {
		expect(conditionWarning({ field: f, op: 'gt', value: 'ten' }, dir())?.code).toBe('bad_value');
		expect(conditionWarning({ field: f, op: 'between', value: 1 }, dir())?.code).toBe('bad_value');
	});
});

describe('custom checkbox and boolean conversation fields', () => {
	it('checkbox: is checked / is unchecked (unset counts as unchecked)', () => {
		expect(m({ field: 'custom:vip', op: 'is', value: true }, { custom: { vip: true } })).toBe(true);
		expect(m({ field: 'custom:vip', op: 'is', value: false }, { custom: { vip: false } })).toBe(true);
		expect(m({ field: 'custom:vip', op: 'is', value: false }, {})).toBe(true);
		expect(m({ field: 'custom:vip', op: 'is', value: true }, {})).toBe(false);
	});
	it('unreplied: the latest message is incoming (S4.1)', () => {
		expect(m({ field: 'unreplied', op: 'is', value: true }, { lastMessageDirection: 'in' })).toBe(true);
		expect(m({ field: 'unreplied', op: 'is', value: true }, { lastMessageDirection: 'out' })).toBe(false);
		expect(m({ field: 'unreplied', op: 'is', value: false }, { lastMessageDirection: null })).toBe(true);
	});
	it('snoozed and blocked', () => {
		expect(m({ field: 'snoozed', op: 'is', value: true }, { status: 'snoozed' })).toBe(true);
		expect(m({ field: 'snoozed', op: 'is', value: true }, { status: 'open' })).toBe(false);
		expect(m({ field: 'blocked', op: 'is', value: true }, { blocked: true })).toBe(true);
		expect(m({ field: 'blocked', op: 'is', value: false }, { blocked: true })).toBe(false);
	});
	it('a boolean field only takes is with a yes/no', () => {
		expect(conditionWarning({ field: 'blocked', op: 'is_not', value: true }, dir())?.code).toBe('bad_operator');
		expect(conditionWarning({ field: 'blocked', op: 'is', value: 'yes' }, dir())?.code).toBe('bad_value');
	});
});

describe('custom date (calendar dates; today in the filter time zone)', () => {
	const f = 'custom:renewal' as const;
	const on = (d: string | null) => ({ custom: { renewal: d } });
	it('is / before / after / between', () => {
		expect(m({ field: f, op: 'is', value: '2026-12-24' }, on('2026-12-24'))).toBe(true);
		expect(m({ field: f, op: 'before', value: '2026-12-24' }, on('2026-12-23'))).toBe(true);
		expect(m({ field: f, op: 'before', value: '2026-12-24' }, on('2026-12-24'))).toBe(false);
		expect(m({ field: f, op: 'after', value: '2026-12-24' }, on('2026-12-25'))).toBe(true);
		expect(m({ field: f, op: 'after', value: '2026-12-24' }, on('2026-12-24'))).toBe(false);
		expect(m({ field: f, op: 'between', value: '2026-12-31', to: '2026-12-01' }, on('2026-12-31'))).toBe(true);
		expect(m({ field: f, op: 'between', value: '2026-12-01', to: '2026-12-31' }, on('2027-01-01'))).toBe(false);
	});
	it('in the last N days / more than N days ago, from today in the zone', () => {
		// 6 Dec 23:30 UTC is already 7 Dec in Paris
		const late = Date.UTC(2026, 11, 6, 23, 30);
		const c: FilterCondition = { field: f, op: 'in_last', amount: 0, unit: 'days' };
		expect(m(c, on('2026-12-07'), { timeZone: 'Europe/Paris' }, { now: late })).toBe(true);
		expect(m(c, on('2026-12-07'), { timeZone: 'UTC' }, { now: late })).toBe(false);
		expect(m(c, on('2026-12-06'), {}, { now: late })).toBe(true);
		expect(m({ field: f, op: 'in_last', amount: 7, unit: 'days' }, on('2026-11-29'))).toBe(true);
		expect(m({ field: f, op: 'in_last', amount: 7, unit: 'days' }, on('2026-11-28'))).toBe(false);
		expect(m({ field: f, op: 'older_than', amount: 7, unit: 'days' }, on('2026-11-28'))).toBe(true);
		expect(m({ field: f, op: 'older_than', amount: 7, unit: 'days' }, on('2026-11-29'))).toBe(false);
	});
	it('empty and malformed values fail every comparison', () => {
		for (const v of [null, '', 'soon']) {
			expect(m({ field: f, op: 'before', value: '2030-01-01' }, on(v))).toBe(false);
			expect(m({ field: f, op: 'in_last', amount: 9999, unit: 'days' }, on(v))).toBe(false);
		}
		expect(m({ field: f, op: 'is_empty' }, on(null))).toBe(true);
		expect(m({ field: f, op: 'is_not_empty' }, on('2026-01-01'))).toBe(true);
	});
	it('a date operand must be a real calendar date', () => {
		expect(conditionWarning({ field: f, op: 'is', value: '2026-02-30' }, dir())?.code).toBe('bad_value');
		expect(conditionWarning({ field: f, op: 'is', value: '2026-02-28' }, dir())).toBeNull();
	});
});

describe('custom time (HH:MM of day)', () => {
	const f = 'custom:call_at' as const;
	const at = (t: string | null) => ({ custom: { call_at: t } });
	it('is / before / after / between', () => {
		expect(m({ field: f, op: 'is', value: '09:30' }, at('09:30'))).toBe(true);
		expect(m({ field: f, op: 'before', value: '09:30' }, at('09:29'))).toBe(true);
		expect(m({ field: f, op: 'before', value: '09:30' }, at('09:30'))).toBe(false);
		expect(m({ field: f, op: 'after', value: '09:30' }, at('18:00'))).toBe(true);
		expect(m({ field: f, op: 'between', value: '09:00', to: '17:00' }, at('17:00'))).toBe(true);
		expect(m({ field: f, op: 'between', value: '09:00', to: '17:00' }, at('17:01'))).toBe(false);
		expect(m({ field: f, op: 'before', value: '23:59' }, at(null))).toBe(false);
		expect(conditionWarning({ field: f, op: 'is', value: '25:00' }, dir())?.code).toBe('bad_value');
	});
});

describe('conversation fields', () => {
	it('status is / is not', () => {
		expect(m({ field: 'status', op: 'is', value: 'snoozed' }, { status: 'snoozed' })).toBe(true);
		expect(m({ field: 'status', op: 'is_not', value: 'open' }, { status: 'closed' })).toBe(true);
		expect(m({ field: 'status', op: 'is_not', value: 'open' }, { status: 'open' })).toBe(false);
		expect(conditionWarning({ field: 'status', op: 'is', value: 'pending' }, dir())?.code).toBe('bad_value');
	});
	it('assignee: me, unassigned, a user', () => {
		expect(m({ field: 'assignee', op: 'is', value: 'me' }, { assigneeId: ME })).toBe(true);
		expect(m({ field: 'assignee', op: 'is', value: 'me' }, { assigneeId: ANA })).toBe(false);
		expect(m({ field: 'assignee', op: 'is', value: 'me' }, { assigneeId: ANA }, {}, { me: ANA })).toBe(true);
		expect(m({ field: 'assignee', op: 'is_not', value: 'me' }, { assigneeId: null })).toBe(true);
		expect(m({ field: 'assignee', op: 'is', value: 'unassigned' }, { assigneeId: null })).toBe(true);
		expect(m({ field: 'assignee', op: 'is_not', value: 'unassigned' }, { assigneeId: null })).toBe(false);
		expect(m({ field: 'assignee', op: 'is', value: 'ana' }, { assigneeId: ANA })).toBe(true);
		expect(m({ field: 'assignee', op: 'is', value: 'me' }, { assigneeId: ME }, {}, { me: ME })).toBe(true);
		expect(m({ field: 'assignee', op: 'is', value: 'me' }, { assigneeId: ME })).toBe(true);
		expect(m({ field: 'assignee', op: 'is_not', value: 'me' }, { assigneeId: ME })).toBe(false);
	});
	it('team is / is not / empty', () => {
		expect(m({ field: 'team', op: 'is', value: 'sales' }, { teamId: SALES })).toBe(true);
		expect(m({ field: 'team', op: 'is_not', value: 'sales' }, { teamId: null })).toBe(true);
		expect(m({ field: 'team', op: 'is_empty' }, { teamId: null })).toBe(true);
		expect(m({ field: 'team', op: 'is_not_empty' }, { teamId: SALES })).toBe(true);
	});
	it('channel: the contact is reachable on it', () => {
		expect(m({ field: 'channel', op: 'is', value: 'web' }, { channelIds: [HOOK, WEB] })).toBe(true);
		expect(m({ field: 'channel', op: 'is', value: 'web' }, { channelIds: [HOOK] })).toBe(false);
		expect(m({ field: 'channel', op: 'is_not', value: 'web' }, { channelIds: [] })).toBe(true);
	});
	it('free text goes through the caller search hook, or a name/email/phone/preview fallback', () => {
		const asked: string[] = [];
		const text = (q: string) => {
			asked.push(q);
			return q === 'refund';
		};
		expect(m({ field: 'text', op: 'contains', value: 'refund' }, {}, {}, { text })).toBe(true);
		expect(m({ field: 'text', op: 'contains', value: 'other' }, {}, {}, { text })).toBe(false);
		expect(asked).toEqual(['refund', 'other']);
		expect(m({ field: 'text', op: 'contains', value: 'REFUND' }, { lastMessagePreview: 'About my refund…' })).toBe(true);
		expect(m({ field: 'text', op: 'contains', value: 'durand' }, { lastName: 'Durand' })).toBe(true);
		expect(conditionWarning({ field: 'text', op: 'contains', value: '  ' }, dir())?.code).toBe('bad_value');
	});
});

describe('instants: last message / incoming / outgoing / opened', () => {
	it('in the last N hours / days and more than N ago are rolling windows', () => {
		const c = (op: 'in_last' | 'older_than', amount: number, unit: 'hours' | 'days'): FilterCondition => ({ field: 'lastIncomingAt', op, amount, unit });
		expect(m(c('in_last', 2, 'hours'), { lastIncomingAt: NOW - 2 * H })).toBe(true);
		expect(m(c('in_last', 2, 'hours'), { lastIncomingAt: NOW - 2 * H - 1 })).toBe(false);
		expect(m(c('older_than', 2, 'hours'), { lastIncomingAt: NOW - 2 * H - 1 })).toBe(true);
		expect(m(c('older_than', 2, 'hours'), { lastIncomingAt: NOW - 2 * H })).toBe(false);
		expect(m(c('in_last', 1, 'days'), { lastIncomingAt: NOW - 23 * H })).toBe(true);
		expect(m(c('older_than', 1, 'days'), { lastIncomingAt: NOW - 25 * H })).toBe(true);
		expect(m(c('in_last', 1, 'days'), { lastIncomingAt: null })).toBe(false);
		expect(m(c('older_than', 1, 'days'), { lastIncomingAt: null })).toBe(false);
	});
	it('last incoming falls back to the newest recent incoming time; opened time to the open status start', () => {
		expect(m({ field: 'lastIncomingAt', op: 'in_last', amount: 1, unit: 'hours' }, { recentIncomingAt: [NOW - 5 * H, NOW - 10_000] })).toBe(true);
		expect(m({ field: 'openedAt', op: 'in_last', amount: 1, unit: 'hours' }, { status: 'open', statusSince: NOW - 1000 })).toBe(true);
		expect(m({ field: 'openedAt', op: 'in_last', amount: 1, unit: 'hours' }, { status: 'snoozed', statusBeforeSnooze: 'open', sinceBeforeSnooze: NOW - 1000 })).toBe(true);
		expect(m({ field: 'openedAt', op: 'is_empty' }, { status: 'closed', statusSince: NOW - 1000 })).toBe(true);
		expect(m({ field: 'openedAt', op: 'is_empty' }, { status: 'closed', openedAt: NOW - 9 * H })).toBe(false);
		expect(m({ field: 'lastOutgoingAt', op: 'is_empty' }, {})).toBe(true);
		expect(m({ field: 'lastOutgoingAt', op: 'older_than', amount: 3, unit: 'days' }, { lastOutgoingAt: NOW - 4 * 24 * H })).toBe(true);
	});
	it('before / after / is / between a date are whole days in the filter time zone', () => {
		// 5 Dec 23:30 UTC is 6 Dec 00:30 in Paris, and 5 Dec 18:30 in New York
		const t = Date.UTC(2026, 11, 5, 23, 30);
		const s = { lastMessageAt: t };
		const on = (tz: string) => ({ timeZone: tz });
		expect(m({ field: 'lastMessageAt', op: 'is', value: '2026-12-06' }, s, on('Europe/Paris'))).toBe(true);
		expect(m({ field: 'lastMessageAt', op: 'is', value: '2026-12-06' }, s, on('UTC'))).toBe(false);
		expect(m({ field: 'lastMessageAt', op: 'is', value: '2026-12-05' }, s, on('America/New_York'))).toBe(true);
		expect(m({ field: 'lastMessageAt', op: 'before', value: '2026-12-06' }, s, on('Europe/Paris'))).toBe(false);
		expect(m({ field: 'lastMessageAt', op: 'before', value: '2026-12-06' }, s, on('UTC'))).toBe(true);
		expect(m({ field: 'lastMessageAt', op: 'after', value: '2026-12-05' }, s, on('Europe/Paris'))).toBe(true);
		expect(m({ field: 'lastMessageAt', op: 'after', value: '2026-12-05' }, s, on('America/New_York'))).toBe(false);
		expect(m({ field: 'lastMessageAt', op: 'between', value: '2026-12-06', to: '2026-12-01' }, s, on('Europe/Paris'))).toBe(true);
		expect(m({ field: 'lastMessageAt', op: 'between', value: '2026-12-06', to: '2026-12-07' }, s, on('America/New_York'))).toBe(false);
	});
	it('before / after a local date-time in the zone', () => {
		const t = Date.UTC(2026, 11, 5, 23, 30); // 00:30 in Paris
		expect(m({ field: 'lastMessageAt', op: 'after', value: '2026-12-06T00:29' }, { lastMessageAt: t }, { timeZone: 'Europe/Paris' })).toBe(true);
		expect(m({ field: 'lastMessageAt', op: 'before', value: '2026-12-06T00:31' }, { lastMessageAt: t }, { timeZone: 'Europe/Paris' })).toBe(true);
		expect(m({ field: 'lastMessageAt', op: 'before', value: '2026-12-06T00:30' }, { lastMessageAt: t }, { timeZone: 'Europe/Paris' })).toBe(false);
	});
	it('days across a DST change have 23 or 25 hours', () => {
		// Paris: 29 Mar 2026 has 23 hours, 25 Oct 2026 has 25
		const start = (d: string) => zonedInstant(Number(d.slice(0, 4)), Number(d.slice(5, 7)), Number(d.slice(8, 10)), 0, 0, 'Europe/Paris');
		expect(start('2026-03-30') - start('2026-03-29')).toBe(23 * H);
		expect(start('2026-10-26') - start('2026-10-25')).toBe(25 * H);
		expect(zonedDate(start('2026-10-25') + 24.5 * H, 'Europe/Paris')).toBe('2026-10-25');
		const late = start('2026-10-25') + 24.5 * H;
		expect(m({ field: 'lastMessageAt', op: 'is', value: '2026-10-25' }, { lastMessageAt: late }, { timeZone: 'Europe/Paris' })).toBe(true);
		// 02:30 on 25 Oct happens twice: the earlier instant
		expect(zonedInstant(2026, 10, 25, 2, 30, 'Europe/Paris')).toBe(Date.UTC(2026, 9, 25, 0, 30));
	});
	it('an unknown time zone is a warning and the filter falls back to UTC', () => {
		expect(validateFilter({ groups: [], timeZone: 'Mars/Olympus' }, dir())).toEqual([{ code: 'bad_time_zone', ref: 'Mars/Olympus' }]);
		expect(m({ field: 'lastMessageAt', op: 'is', value: '2026-12-06' }, { lastMessageAt: Date.UTC(2026, 11, 6, 0, 1) }, { timeZone: 'Mars/Olympus' })).toBe(true);
	});
	it('relative operators need an amount and a unit', () => {
		expect(conditionWarning({ field: 'lastMessageAt', op: 'in_last', amount: 2 }, dir())?.code).toBe('bad_value');
		expect(conditionWarning({ field: 'lastMessageAt', op: 'in_last', amount: -1, unit: 'days' }, dir())?.code).toBe('bad_value');
		expect(conditionWarning({ field: 'lastMessageAt', op: 'before', value: 'yesterday' }, dir())?.code).toBe('bad_value');
	});
});

describe('validateFilter: broken references are warnings, and never silently match', () => {
	it('unknown field, deleted custom field, removed team / user / channel, wrong operator', () => {
		const d = dir();
		const filter: Filter = {
			groups: [
				[{ field: 'favourite' as FilterCondition['field'], op: 'is', value: 'x' }, { field: 'custom:gone', op: 'is', value: 'x' }],
				[
					{ field: 'team', op: 'is', value: 'support' },
					{ field: 'assignee', op: 'is', value: 'bob' },
					{ field: 'channel', op: 'is_not', value: 'sms' },
					{ field: 'status', op: 'gt', value: 'open' }
				]
			]
		};
		expect(validateFilter(filter, d)).toEqual([
			{ code: 'unknown_field', ref: 'favourite', group: 0, index: 0, field: 'favourite' },
			{ code: 'deleted_custom_field', ref: 'gone', group: 0, index: 1, field: 'custom:gone' },
			{ code: 'removed_team', ref: 'support', group: 1, index: 0, field: 'team' },
			{ code: 'removed_user', ref: 'bob', group: 1, index: 1, field: 'assignee' },
			{ code: 'removed_channel', ref: 'sms', group: 1, index: 2, field: 'channel' },
			{ code: 'bad_operator', ref: 'gt', group: 1, index: 3, field: 'status' }
		]);
		// each broken condition fails its group, even a negative one that would otherwise hold
		for (const g of filter.groups) {
			for (const c of g) expect(m(c, { custom: { gone: 'x' }, teamId: null, channelIds: [] })).toBe(false);
		}
	});
	it('a deactivated user is a removed user; me and unassigned are always known', () => {
		const d = dir();
		d.users = d.users.map((u) => (u.id === ANA ? { ...u, active: false } : u));
		expect(conditionWarning({ field: 'assignee', op: 'is', value: 'ana' }, d)?.code).toBe('removed_user');
		expect(conditionWarning({ field: 'assignee', op: 'is', value: 'me' }, d)).toBeNull();
		expect(conditionWarning({ field: 'assignee', op: 'is', value: 'unassigned' }, d)).toBeNull();
	});
	it('a sound filter has no warning', () => {
		expect(validateFilter({ groups: [[{ field: 'custom:vip', op: 'is', value: true }], [{ field: 'team', op: 'is', value: 'sales' }]], timeZone: 'Europe/Paris' }, dir())).toEqual([]);
	});
});

describe('filterFields and operators', () => {
	it('lists contact fields, every custom field by its type, conversation fields and free text', () => {
		const fields = filterFields(dir());
		expect(fields.map((f) => f.id)).toEqual([
			'name', 'email', 'phone', 'country', 'language', 'tags',
			...FIELDS.map((f) => `custom:${f.key}`),
			'status', 'assignee', 'team', 'channel', 'unreplied', 'snoozed', 'blocked', 'lastMessageAt', 'lastIncomingAt', 'lastOutgoingAt', 'openedAt',
			'text'
		]);
		expect(fields.find((f) => f.id === 'custom:vip')?.kind).toBe('boolean');
		expect(fields.find((f) => f.id === 'custom:plan')?.options).toEqual(['free', 'pro', 'enterprise']);
	});
	it('every operator a kind offers is a known operator', () => {
		for (const ops of Object.values(OPERATORS_BY_KIND)) for (const op of ops) expect(OPERATORS).toContain(op);
	});
});

describe('nextChange: when a time-based condition flips', () => {
	const unreplied2h: Filter = { groups: [[{ field: 'unreplied', op: 'is', value: true }, { field: 'lastIncomingAt', op: 'older_than', amount: 2, unit: 'hours' }]] };
	it('"unreplied for 2 hours" enters the list just after 2 hours', () => {
		const s = subject({ lastMessageDirection: 'in', lastIncomingAt: NOW - H });
		const at = nextChange(unreplied2h, s, NOW);
		expect(at).toBe(NOW + H + 1);
		const pred = (now: number) => compileFilter(unreplied2h, ctx({ now }))(s);
		expect(pred(NOW)).toBe(false);
		expect(pred((at as number) - 1)).toBe(false);
		expect(pred(at as number)).toBe(true);
	});
	it('"in the last N days" leaves the list just after N days', () => {
		const f: Filter = { groups: [[{ field: 'lastMessageAt', op: 'in_last', amount: 1, unit: 'days' }]] };
		const s = subject({ lastMessageAt: NOW - H });
		const at = nextChange(f, s, NOW) as number;
		expect(at).toBe(NOW + 23 * H + 1);
		expect(compileFilter(f, ctx({ now: at - 1 }))(s)).toBe(true);
		expect(compileFilter(f, ctx({ now: at }))(s)).toBe(false);
	});
	it('nothing flips once past the edge, with no time condition, or with no instant', () => {
		expect(nextChange(unreplied2h, subject({ lastIncomingAt: NOW - 3 * H }), NOW)).toBeNull();
		expect(nextChange({ groups: [[{ field: 'status', op: 'is', value: 'open' }]] }, subject(), NOW)).toBeNull();
		expect(nextChange(unreplied2h, subject({ lastIncomingAt: null }), NOW)).toBeNull();
		expect(nextChange({ groups: [[{ field: 'lastMessageAt', op: 'before', value: '2030-01-01' }]] }, subject({ lastMessageAt: NOW }), NOW)).toBeNull();
	});
	it('the earliest of several conditions', () => {
		const f: Filter = { groups: [[{ field: 'lastIncomingAt', op: 'older_than', amount: 2, unit: 'hours' }], [{ field: 'lastOutgoingAt', op: 'in_last', amount: 30, unit: 'hours' }]] };
		expect(nextChange(f, subject({ lastIncomingAt: NOW - H, lastOutgoingAt: NOW - 29.5 * H }), NOW)).toBe(NOW + 0.5 * H + 1);
	});
	it('a custom date condition flips at the next midnight of the filter zone', () => {
		const f: Filter = { groups: [[{ field: 'custom:renewal', op: 'in_last', amount: 3, unit: 'days' }]], timeZone: 'Europe/Paris' };
		const at = nextChange(f, subject({ custom: { renewal: '2026-12-03' } }), NOW) as number;
		expect(at).toBe(Date.UTC(2026, 11, 6, 23, 0));
		const s = subject({ custom: { renewal: '2026-12-03' } });
		expect(compileFilter(f, ctx({ now: at - 1 }))(s)).toBe(true);
		expect(compileFilter(f, ctx({ now: at }))(s)).toBe(false);
	});
});

describe('parseFilter: untrusted JSON', () => {
	it('round-trips a filter through JSON', () => {
		const f: Filter = { groups: [[{ field: 'custom:spend', op: 'between', value: 1, to: 9 }], [{ field: 'lastIncomingAt', op: 'older_than', amount: 2, unit: 'hours' }]], timeZone: 'Europe/Paris' };
		expect(parseFilter(JSON.parse(JSON.stringify(f)))).toEqual(f);
	});
	it('keeps unknown fields (the validator warns) but refuses wrong shapes', () => {
		expect(parseFilter({ groups: [[{ field: 'nope', op: 'is', value: 'x' }]] })).not.toBeNull();
		for (const bad of [null, [], { groups: 'x' }, { groups: [[{ field: 'name', op: 'like', value: 'x' }]] }, { groups: [[{ field: 'name', op: 'is', value: {} }]] }, { groups: [[{ field: 'name', op: 'in_last', amount: 'x' }]] }, { groups: [], timeZone: 3 }, { groups: Array.from({ length: 21 }, () => []) }]) {
			expect(parseFilter(bad)).toBeNull();
		}
	});
});
