/**
 * The advanced filter language (SPEC S4.4) behind custom inboxes (S1.5) and workflow branch
 * conditions: plain, serializable data (JSON, URLs) and pure functions over it.
 *
 * A `Filter` is a list of groups; a group is a list of conditions. A contact matches when every
 * condition of at least one group holds (AND within a group, OR between groups). A filter with
 * no group, or a group with no condition, matches every contact: the caller still applies the
 * viewer's visibility (S1.3), a filter never widens it.
 *
 * A condition is `{field, op, ...value}`. Fields are ids (`FilterFieldId`): contact fields
 * (`name`, `email`, `phone`, `country`, `language`, `tags`), custom fields (`custom:<key>`, typed
 * by the directory's `CustomFieldDef`), conversation fields (`status`, `assignee` with the values
 * `me` and `unassigned`, `team`, `channel`, `unreplied`, `snoozed`, `blocked`, and the instants
 * `lastMessageAt`, `lastIncomingAt`, `lastOutgoingAt`, `openedAt`), and `text`, the free-text
 * hook answered by the caller's search (`FilterContext.text`).
 *
 * Rules, in one place:
 * - text comparisons ignore case, accents and surrounding spaces; `is not` and `does not contain`
 *   hold for an empty value, every other comparison but `is empty` fails on one;
 * - `before`, `after`, `between` and `is` on instants take a calendar date `YYYY-MM-DD` (the
 *   whole day in the filter's time zone; `between` includes both days) or a local date-time
 *   `YYYY-MM-DDTHH:MM` in that zone; `in the last N hours/days` and `more than N hours/days ago`
 *   are rolling windows of N x 1 h or N x 24 h ending now;
 * - custom `date` values are calendar dates: compared as such, with "today" taken in the
 *   filter's time zone; custom `time` values (`HH:MM`) compare as times of day;
 * - a condition the validator warns about (unknown field, deleted custom field, removed team,
 *   user or channel, an operator or value that does not fit) never matches: `validateFilter`
 *   returns the warnings so the builder shows them instead of silently matching nothing.
 *
 * `nextChange` tells when a time-based condition will next flip for a contact, so a live list
 * can re-evaluate exactly then instead of polling.
 */
import type { ContactSummary, CustomFieldDef, CustomFieldType, Directory, Status, UserId } from './types';

// ---------------------------------------------------------------------------------------------
// The language (data)

export const CONTACT_FIELDS = ['name', 'email', 'phone', 'country', 'language', 'tags'] as const;
export const CONVERSATION_FIELDS = [
	'status',
	'assignee',
	'team',
	'channel',
	'unreplied',
	'snoozed',
	'blocked',
	'lastMessageAt',
	'lastIncomingAt',
	'lastOutgoingAt',
	'openedAt'
] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];
export type ConversationField = (typeof CONVERSATION_FIELDS)[number];
export type FilterFieldId = ContactField | ConversationField | 'text' | `custom:${string}`;

export const OPERATORS = [
	'is',
	'is_not',
	'contains',
	'not_contains',
	'starts_with',
	'is_empty',
	'is_not_empty',
	'gt',
	'lt',
	'between',
	'before',
	'after',
	'in_last',
	'older_than'
] as const;
export type FilterOperator = (typeof OPERATORS)[number];

export type TimeUnit = 'hours' | 'days';

/** A value typed in a condition: text, a number, a yes/no, or a date (`YYYY-MM-DD[THH:MM]`) / time (`HH:MM`) as text. */
export type FilterValue = string | number | boolean;

export interface FilterCondition {
	field: FilterFieldId;
	op: FilterOperator;
	/** The operand; for `between` the lower bound. Absent for `is_empty`/`is_not_empty`. */
	value?: FilterValue;
	/** Upper bound of `between` (included). */
	to?: FilterValue;
	/** `in_last` / `older_than`: how many units. */
	amount?: number;
	unit?: TimeUnit;
}

export type FilterGroup = FilterCondition[];

export interface Filter {
	/** OR between groups, AND within a group. */
	groups: FilterGroup[];
	/** IANA time zone for calendar dates and "today" (e.g. `Europe/Paris`); UTC when absent. */
	timeZone?: string;
}

/** Special values of the `assignee` field. */
export const ASSIGNEE_ME = 'me';
export const ASSIGNEE_NONE = 'unassigned';

// ---------------------------------------------------------------------------------------------
// What a filter reads

/**
 * Contact facts a filter may read beyond the list summary. Optional so that summaries made
 * before they existed still evaluate (a missing fact is an empty value); `lastIncomingAt` falls
 * back to the newest of `recentIncomingAt`, `openedAt` to the start of the current open status.
 */
export interface FilterExtras {
	country?: string;
	language?: string;
	tags?: readonly string[];
	custom?: Readonly<Record<string, string | number | boolean | null>>;
	lastIncomingAt?: number | null;
	lastOutgoingAt?: number | null;
	openedAt?: number | null;
}

export type FilterSubject = ContactSummary & FilterExtras;

export interface FilterContext {
	/** The viewer: the value `me` of the assignee field. */
	me: UserId;
	dir: Directory;
	now: number;
	/**
	 * The free-text hook (field `text`): whether the contact matches the query in the local
	 * search. When absent, the query is looked for in the name, email, phone and last preview.
	 */
	text?: (query: string, subject: FilterSubject) => boolean;
}

/** The kind of value a field holds, which decides its operators. */
export type FieldKind =
	| Exclude<CustomFieldType, 'checkbox'>
	| 'boolean'
	| 'tags'
	| 'status'
	| 'user'
	| 'team'
	| 'channel'
	| 'instant'
	| 'search';

const TEXTUAL: readonly FilterOperator[] = ['is', 'is_not', 'contains', 'not_contains', 'starts_with', 'is_empty', 'is_not_empty'];

/** The operators that fit each kind of field, in the order the builder offers them. */
export const OPERATORS_BY_KIND: Readonly<Record<FieldKind, readonly FilterOperator[]>> = {
	text: TEXTUAL,
	email: TEXTUAL,
	phone: TEXTUAL,
	url: TEXTUAL,
	select: ['is', 'is_not', 'is_empty', 'is_not_empty'],
	number: ['is', 'is_not', 'gt', 'lt', 'between', 'is_empty', 'is_not_empty'],
	boolean: ['is'],
	date: ['is', 'before', 'after', 'between', 'in_last', 'older_than', 'is_empty', 'is_not_empty'],
	time: ['is', 'before', 'after', 'between', 'is_empty', 'is_not_empty'],
	instant: ['before', 'after', 'between', 'is', 'in_last', 'older_than', 'is_empty', 'is_not_empty'],
	tags: ['contains', 'not_contains', 'is_empty', 'is_not_empty'],
	status: ['is', 'is_not'],
	user: ['is', 'is_not'],
	team: ['is', 'is_not', 'is_empty', 'is_not_empty'],
	channel: ['is', 'is_not'],
	search: ['contains']
};

const KIND_OF_FIELD: Readonly<Record<ContactField | ConversationField | 'text', FieldKind>> = {
	name: 'text',
	email: 'email',
	phone: 'phone',
	country: 'text',
	language: 'text',
	tags: 'tags',
	status: 'status',
	assignee: 'user',
	team: 'team',
	channel: 'channel',
	unreplied: 'boolean',
	snoozed: 'boolean',
	blocked: 'boolean',
	lastMessageAt: 'instant',
	lastIncomingAt: 'instant',
	lastOutgoingAt: 'instant',
	openedAt: 'instant',
	text: 'search'
};

export function customFieldId(key: string): FilterFieldId {
	return `custom:${key}`;
}

/** The custom field key of a `custom:<key>` id, or null. */
export function customKeyOf(field: string): string | null {
	return field.startsWith('custom:') ? field.slice('custom:'.length) : null;
}

/** The kind of a field in this directory, or null when the field is unknown or its custom field was deleted. */
export function fieldKind(field: string, dir: Directory): FieldKind | null {
	const key = customKeyOf(field);
	if (key !== null) {
		const def = dir.customFields.find((d) => d.key === key);
		return def ? kindOfCustom(def) : null;
	}
	return Object.hasOwn(KIND_OF_FIELD, field) ? KIND_OF_FIELD[field as keyof typeof KIND_OF_FIELD] : null;
}

function kindOfCustom(def: CustomFieldDef): FieldKind {
	return def.type === 'checkbox' ? 'boolean' : def.type;
}

export interface FilterFieldInfo {
	id: FilterFieldId;
	kind: FieldKind;
	/** The custom field's label; standard fields are labelled by the UI's strings. */
	label?: string;
	/** Choices of a select field. */
	options?: readonly string[];
}

/** Every field a filter may use in this directory, in the builder's order. */
export function filterFields(dir: Directory): FilterFieldInfo[] {
	const out: FilterFieldInfo[] = [];
	for (const f of CONTACT_FIELDS) out.push({ id: f, kind: KIND_OF_FIELD[f] });
	for (const d of dir.customFields) {
		out.push({ id: customFieldId(d.key), kind: kindOfCustom(d), label: d.label, ...(d.options ? { options: d.options } : {}) });
	}
	for (const f of CONVERSATION_FIELDS) out.push({ id: f, kind: KIND_OF_FIELD[f] });
	out.push({ id: 'text', kind: 'search' });
	return out;
}

// ---------------------------------------------------------------------------------------------
// Validation

export type FilterWarningCode =
	| 'unknown_field'
	| 'deleted_custom_field'
	| 'bad_operator'
	| 'bad_value'
	| 'removed_team'
	| 'removed_user'
	| 'removed_channel'
	| 'bad_time_zone';

export interface FilterWarning {
	code: FilterWarningCode;
	/** Position of the condition (absent for a filter-wide warning such as the time zone). */
	group?: number;
	index?: number;
	field?: string;
	/** The id or value that is missing or wrong. */
	ref?: string;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;
const STATUSES: readonly Status[] = ['open', 'closed', 'snoozed'];

function isCalendarDate(s: string): boolean {
	const m = DATE_RE.exec(s);
	if (!m) return false;
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const t = new Date(Date.UTC(y, mo - 1, d));
	return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function isDateOrDateTime(v: unknown): boolean {
	if (typeof v !== 'string') return false;
	if (isCalendarDate(v)) return true;
	const m = DATETIME_RE.exec(v);
	return m !== null && isCalendarDate(v.slice(0, 10)) && Number(m[4]) < 24 && Number(m[5]) < 60;
}

const isTimeOfDay = (v: unknown): boolean => typeof v === 'string' && TIME_RE.test(v);
const isNum = (v: unknown): boolean => toNumber(v) !== null;
const isText = (v: unknown): v is string => typeof v === 'string';

export function isValidTimeZone(tz: string): boolean {
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: tz });
		return true;
	} catch {
		return false;
	}
}

/** Whether the operand(s) of a condition fit its kind and operator (references are checked apart). */
function valueFits(kind: FieldKind, c: FilterCondition): boolean {
	const { op } = c;
	if (op === 'is_empty' || op === 'is_not_empty') return true;
	if (op === 'in_last' || op === 'older_than') {
		return typeof c.amount === 'number' && Number.isFinite(c.amount) && c.amount >= 0 && (c.unit === 'hours' || c.unit === 'days');
	}
	const one = (v: unknown): boolean => {
		switch (kind) {
			case 'number':
				return isNum(v);
			case 'boolean':
				return typeof v === 'boolean';
			case 'date':
				return typeof v === 'string' && isCalendarDate(v);
			case 'instant':
				return isDateOrDateTime(v);
			case 'time':
				return isTimeOfDay(v);
			case 'status':
				return STATUSES.includes(v as Status);
			case 'search':
				return isText(v) && v.trim() !== '';
			default:
				return isText(v) && v.trim() !== '';
		}
	};
	if (!one(c.value)) return false;
	return op !== 'between' || one(c.to);
}

/**
 * Everything wrong with a filter in this directory, in condition order. Empty: every condition
 * means what it says. Each warned condition never matches (see the module comment).
 */
export function validateFilter(filter: Filter, dir: Directory): FilterWarning[] {
	const out: FilterWarning[] = [];
	if (filter.timeZone !== undefined && !isValidTimeZone(filter.timeZone)) out.push({ code: 'bad_time_zone', ref: filter.timeZone });
	filter.groups.forEach((group, g) => {
		group.forEach((c, i) => {
			const w = conditionWarning(c, dir);
			if (w) out.push({ ...w, group: g, index: i, field: c.field });
		});
	});
	return out;
}

/** The warning of one condition, or null when it is sound. */
export function conditionWarning(c: FilterCondition, dir: Directory): Omit<FilterWarning, 'group' | 'index' | 'field'> | null {
	const kind = fieldKind(c.field, dir);
	if (kind === null) return customKeyOf(c.field) !== null ? { code: 'deleted_custom_field', ref: customKeyOf(c.field) ?? '' } : { code: 'unknown_field', ref: String(c.field) };
	if (!OPERATORS_BY_KIND[kind].includes(c.op)) return { code: 'bad_operator', ref: String(c.op) };
	if (!valueFits(kind, c)) return { code: 'bad_value' };
	if (c.op === 'is' || c.op === 'is_not') {
		const v = String(c.value);
		if (kind === 'team' && !dir.teams.some((t) => t.id === v)) return { code: 'removed_team', ref: v };
		if (kind === 'user' && v !== ASSIGNEE_ME && v !== ASSIGNEE_NONE && !dir.users.some((u) => u.id === v && u.active)) return { code: 'removed_user', ref: v };
		if (kind === 'channel' && !dir.channels.some((ch) => ch.id === v)) return { code: 'removed_channel', ref: v };
		if (kind === 'select') {
			const def = dir.customFields.find((d) => d.key === customKeyOf(c.field));
			if (def?.options !== undefined && !def.options.includes(v)) return { code: 'bad_value', ref: v };
		}
	}
	return null;
}

// ---------------------------------------------------------------------------------------------
// Time

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const UNIT_MS: Readonly<Record<TimeUnit, number>> = { hours: HOUR, days: DAY };

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
	let f = formatters.get(tz);
	if (!f) {
		f = new Intl.DateTimeFormat('en-US', {
			timeZone: tz,
			hourCycle: 'h23',
			year: 'numeric',
			month: 'numeric',
			day: 'numeric',
			hour: 'numeric',
			minute: 'numeric',
			second: 'numeric'
		});
		formatters.set(tz, f);
	}
	return f;
}

/** Wall-clock fields of an instant in a time zone. */
export function zonedParts(ms: number, tz: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
	const parts: Record<string, number> = {};
	for (const p of formatter(tz).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
	return { y: parts.year ?? 1970, m: parts.month ?? 1, d: parts.day ?? 1, h: (parts.hour ?? 0) % 24, min: parts.minute ?? 0, s: parts.second ?? 0 };
}

/** Offset (ms, local minus UTC) of a time zone at an instant. */
function offsetAt(ms: number, tz: string): number {
	const p = zonedParts(ms, tz);
	const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s);
	return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time of a time zone happens (the earlier one when a DST change
 * makes it twice; the first instant after the gap when it does not happen).
 */
export function zonedInstant(y: number, m: number, d: number, h: number, min: number, tz: string): number {
	const wall = Date.UTC(y, m - 1, d, h, min);
	const before = offsetAt(wall - DAY, tz);
	const after = offsetAt(wall + DAY, tz);
	const fits = [wall - before, wall - after].filter((t) => zonedIsWall(t, wall, tz));
	if (fits.length > 0) return Math.min(...fits);
	return wall - before; // in a gap: the wall time read with the offset before the change, i.e. just after the gap
}

function zonedIsWall(t: number, wall: number, tz: string): boolean {
	const p = zonedParts(t, tz);
	return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min) === wall;
}

/** The calendar date (`YYYY-MM-DD`) of an instant in a time zone. */
export function zonedDate(ms: number, tz: string): string {
	const p = zonedParts(ms, tz);
	return `${String(p.y).padStart(4, '0')}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

function addDays(date: string, n: number): string {
	const [y, m, d] = date.split('-').map(Number) as [number, number, number];
	const t = new Date(Date.UTC(y, m - 1, d + n));
	return t.toISOString().slice(0, 10);
}

/** Start (included) and end (excluded) instants of a date or a minute (`YYYY-MM-DDTHH:MM`) in a zone. */
function span(v: string, tz: string): [number, number] {
	const [y, m, d] = v.slice(0, 10).split('-').map(Number) as [number, number, number];
	if (v.length === 10) {
		const next = addDays(v, 1).split('-').map(Number) as [number, number, number];
		return [zonedInstant(y, m, d, 0, 0, tz), zonedInstant(next[0], next[1], next[2], 0, 0, tz)];
	}
	const start = zonedInstant(y, m, d, Number(v.slice(11, 13)), Number(v.slice(14, 16)), tz);
	return [start, start + 60_000];
}

/** The start of the next calendar day after `now` in the zone. */
function nextMidnight(now: number, tz: string): number {
	return span(zonedDate(now, tz), tz)[1];
}

function timeOfDay(v: string): number {
	const m = TIME_RE.exec(v);
	return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0) : NaN;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** Case-, accent- and space-insensitive form of a text for comparisons. */
export function foldText(s: string): string {
	return s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

function toNumber(v: unknown): number | null {
	if (typeof v === 'number') return Number.isFinite(v) ? v : null;
	if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
	return null;
}

function isEmptyValue(v: unknown): boolean {
	return v === null || v === undefined || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
}

export function lastIncomingOf(s: FilterSubject): number | null {
	if (s.lastIncomingAt !== undefined) return s.lastIncomingAt;
	return s.recentIncomingAt.length > 0 ? (s.recentIncomingAt[s.recentIncomingAt.length - 1] ?? null) : null;
}

export function openedAtOf(s: FilterSubject): number | null {
	if (s.openedAt !== undefined) return s.openedAt;
	if (s.status === 'open') return s.statusSince;
	if (s.status === 'snoozed' && s.statusBeforeSnooze === 'open') return s.sinceBeforeSnooze;
	return null;
}

/** The raw value of a field of a contact (before the operator): text, number, boolean, list or instant. */
export function fieldValue(field: FilterFieldId, s: FilterSubject, me: UserId): unknown {
	const key = customKeyOf(field);
	if (key !== null) return s.custom?.[key] ?? null;
	switch (field) {
		case 'name':
			return `${s.firstName} ${s.lastName}`.trim();
		case 'email':
			return s.email;
		case 'phone':
			return s.phone;
		case 'country':
			return s.country ?? '';
		case 'language':
			return s.language ?? '';
		case 'tags':
			return s.tags ?? [];
		case 'status':
			return s.status;
		case 'assignee':
			return s.assigneeId === null ? ASSIGNEE_NONE : s.assigneeId === me ? [ASSIGNEE_ME, s.assigneeId] : s.assigneeId;
		case 'team':
			return s.teamId;
		case 'channel':
			return s.channelIds;
		case 'unreplied':
			return s.lastMessageDirection === 'in';
		case 'snoozed':
			return s.status === 'snoozed';
		case 'blocked':
			return s.blocked;
		case 'lastMessageAt':
			return s.lastMessageAt;
		case 'lastIncomingAt':
			return lastIncomingOf(s);
		case 'lastOutgoingAt':
			return s.lastOutgoingAt ?? null;
		case 'openedAt':
			return openedAtOf(s);
		default:
			return null;
	}
}

type Test = (s: FilterSubject) => boolean;
const never: Test = () => false;
const always: Test = () => true;

/** Membership test of a list-like field value (assignee, channel, tags). */
function listHas(v: unknown, wanted: string): boolean {
	if (Array.isArray(v)) return v.some((x) => String(x) === wanted);
	return v !== null && v !== undefined && String(v) === wanted;
}

/**
 * One condition as a test, built once per evaluation run (so a list of 10k contacts and 20
 * inboxes pays the parsing, time zone and lookups once per inbox, not once per contact).
 */
function compileCondition(c: FilterCondition, ctx: FilterContext, tz: string): Test {
	if (conditionWarning(c, ctx.dir) !== null) return never;
	const kind = fieldKind(c.field, ctx.dir) as FieldKind;
	const get = (s: FilterSubject) => fieldValue(c.field, s, ctx.me);
	const { op } = c;
	if (op === 'is_empty') return (s) => isEmptyValue(get(s));
	if (op === 'is_not_empty') return (s) => !isEmptyValue(get(s));
	switch (kind) {
		case 'search': {
			const q = String(c.value);
			if (ctx.text) {
				const hook = ctx.text;
				return (s) => hook(q, s);
			}
			const fq = foldText(q);
			return (s) => foldText(`${s.firstName} ${s.lastName} ${s.email} ${s.phone} ${s.lastMessagePreview}`).includes(fq);
		}
		case 'boolean': {
			const want = c.value === true;
			return (s) => (get(s) === true) === want;
		}
		case 'status':
		case 'user':
		case 'team':
		case 'channel': {
			const want = String(c.value);
			return op === 'is' ? (s) => listHas(get(s), want) : (s) => !listHas(get(s), want);
		}
		case 'tags': {
			const want = foldText(String(c.value));
			const has = (s: FilterSubject) => (get(s) as readonly string[]).some((t) => foldText(t) === want);
			return op === 'contains' ? has : (s) => !has(s);
		}
		case 'number': {
			const a = toNumber(c.value) as number;
			const b = toNumber(c.to) ?? a;
			const num = (s: FilterSubject) => toNumber(get(s));
			switch (op) {
				case 'is':
					return (s) => num(s) === a;
				case 'is_not':
					return (s) => num(s) !== a;
				case 'gt':
					return (s) => (num(s) ?? NaN) > a;
				case 'lt':
					return (s) => (num(s) ?? NaN) < a;
				default:
					return (s) => {
						const n = num(s);
						return n !== null && n >= Math.min(a, b) && n <= Math.max(a, b);
					};
			}
		}
		case 'time': {
			const a = timeOfDay(String(c.value));
			const b = c.to === undefined ? a : timeOfDay(String(c.to));
			const t = (s: FilterSubject) => {
				const v = get(s);
				return typeof v === 'string' ? timeOfDay(v) : NaN;
			};
			switch (op) {
				case 'is':
					return (s) => t(s) === a;
				case 'before':
					return (s) => t(s) < a;
				case 'after':
					return (s) => t(s) > a;
				default:
					return (s) => t(s) >= Math.min(a, b) && t(s) <= Math.max(a, b);
			}
		}
		case 'date':
			return dateTest(c, get, ctx.now, tz);
		case 'instant':
			return instantTest(c, get, ctx.now, tz);
		default: {
			// text, email, phone, url, select
			const want = foldText(String(c.value));
			const text = (s: FilterSubject) => {
				const v = get(s);
				return v === null || v === undefined ? '' : foldText(String(v));
			};
			switch (op) {
				case 'is':
					return (s) => text(s) === want;
				case 'is_not':
					return (s) => text(s) !== want;
				case 'contains':
					return (s) => text(s).includes(want);
				case 'not_contains':
					return (s) => !text(s).includes(want);
				default:
					return (s) => {
						const v = text(s);
						return v !== '' && v.startsWith(want);
					};
			}
		}
	}
}

/** Calendar-date conditions on a `date` custom field; "today" is in the filter's time zone. */
function dateTest(c: FilterCondition, get: (s: FilterSubject) => unknown, now: number, tz: string): Test {
	const day = (s: FilterSubject): string | null => {
		const v = get(s);
		return typeof v === 'string' && isCalendarDate(v) ? v : null;
	};
	const cmp = (s: FilterSubject, f: (d: string) => boolean) => {
		const d = day(s);
		return d !== null && f(d);
	};
	switch (c.op) {
		case 'is':
			return (s) => cmp(s, (d) => d === c.value);
		case 'before':
			return (s) => cmp(s, (d) => d < String(c.value));
		case 'after':
			return (s) => cmp(s, (d) => d > String(c.value));
		case 'between': {
			const [lo, hi] = [String(c.value), String(c.to)].sort();
			return (s) => cmp(s, (d) => d >= (lo as string) && d <= (hi as string));
		}
		default: {
			// in_last / older_than N days (hours round up to days): compared with today's date
			const days = c.unit === 'hours' ? Math.ceil((c.amount ?? 0) / 24) : (c.amount ?? 0);
			const today = zonedDate(now, tz);
			const from = addDays(today, -days);
			return c.op === 'in_last' ? (s) => cmp(s, (d) => d >= from && d <= today) : (s) => cmp(s, (d) => d < from);
		}
	}
}

/** Conditions on instants (ms since the epoch). */
function instantTest(c: FilterCondition, get: (s: FilterSubject) => unknown, now: number, tz: string): Test {
	const at = (s: FilterSubject): number | null => {
		const v = get(s);
		return typeof v === 'number' && Number.isFinite(v) ? v : null;
	};
	const cmp = (s: FilterSubject, f: (t: number) => boolean) => {
		const t = at(s);
		return t !== null && f(t);
	};
	switch (c.op) {
		case 'in_last': {
			const from = now - (c.amount ?? 0) * UNIT_MS[c.unit ?? 'hours'];
			return (s) => cmp(s, (t) => t >= from);
		}
		case 'older_than': {
			const from = now - (c.amount ?? 0) * UNIT_MS[c.unit ?? 'hours'];
			return (s) => cmp(s, (t) => t < from);
		}
		case 'is': {
			const [start, end] = span(String(c.value), tz);
			return (s) => cmp(s, (t) => t >= start && t < end);
		}
		case 'before': {
			const [start] = span(String(c.value), tz);
			return (s) => cmp(s, (t) => t < start);
		}
		case 'after': {
			const [, end] = span(String(c.value), tz);
			return (s) => cmp(s, (t) => t >= end);
		}
		default: {
			const a = span(String(c.value), tz);
			const b = span(String(c.to), tz);
			const start = Math.min(a[0], b[0]);
			const end = Math.max(a[1], b[1]);
			return (s) => cmp(s, (t) => t >= start && t < end);
		}
	}
}

export function filterTimeZone(filter: Filter): string {
	return filter.timeZone !== undefined && isValidTimeZone(filter.timeZone) ? filter.timeZone : 'UTC';
}

/**
 * The filter as a predicate for one viewer at one instant. Build it once per list evaluation
 * and call it per contact; rebuild it when `now` crosses a `nextChange` time or the directory
 * changes. The caller applies visibility (S1.3) on top.
 */
export function compileFilter(filter: Filter, ctx: FilterContext): (s: FilterSubject) => boolean {
	if (filter.groups.length === 0) return always;
	const tz = filterTimeZone(filter);
	const groups = filter.groups.map((g) => g.map((c) => compileCondition(c, ctx, tz)));
	return (s) => groups.some((g) => g.every((t) => t(s)));
}

/** Whether one contact matches (compiles the filter each call: for single checks, not lists). */
export function matchesFilter(filter: Filter, s: FilterSubject, ctx: FilterContext): boolean {
	return compileFilter(filter, ctx)(s);
}

/** Whether any condition depends on the current time (so the list needs `nextChange`). */
export function isTimeDependent(filter: Filter): boolean {
	return filter.groups.some((g) => g.some((c) => c.op === 'in_last' || c.op === 'older_than'));
}

/**
 * The earliest instant after `now` at which a time-based condition of the filter changes its
 * answer for this contact with no change of its data, or null when none will. Rolling windows
 * flip when the instant leaves them (`t + N units`); conditions on a custom `date` field flip at
 * a midnight of the filter's time zone. Fixed dates never flip. The answer may be early (an
 * evaluation then finds nothing changed) but never late.
 */
export function nextChange(filter: Filter, s: FilterSubject, now: number): number | null {
	const tz = filterTimeZone(filter);
	let best: number | null = null;
	const consider = (t: number) => {
		if (t > now && (best === null || t < best)) best = t;
	};
	for (const g of filter.groups) {
		for (const c of g) {
			if (c.op !== 'in_last' && c.op !== 'older_than') continue;
			if (customKeyOf(c.field) !== null) {
				const v = fieldValue(c.field, s, '' as UserId);
				if (typeof v === 'string' && isCalendarDate(v)) consider(nextMidnight(now, tz));
				continue;
			}
			const v = fieldValue(c.field, s, '' as UserId);
			if (typeof v !== 'number' || typeof c.amount !== 'number' || !Number.isFinite(c.amount)) continue;
			const edge = v + c.amount * UNIT_MS[c.unit === 'days' ? 'days' : 'hours'];
			// in_last holds while now <= edge and stops just after; older_than starts just after
			consider(edge + 1);
		}
	}
	return best;
}

// ---------------------------------------------------------------------------------------------
// Serialization (URLs, stored definitions)

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A filter from untrusted JSON (a URL, a stored definition, an HTTP body), or null when its
 * shape is wrong. Unknown fields or bad values are kept: `validateFilter` warns about them.
 * Bounded: at most 20 groups of 20 conditions, texts of at most 1000 characters.
 */
export function parseFilter(v: unknown): Filter | null {
	if (!isRecord(v) || !Array.isArray(v.groups) || v.groups.length > MAX_GROUPS) return null;
	const groups: FilterGroup[] = [];
	for (const g of v.groups) {
		if (!Array.isArray(g) || g.length > MAX_CONDITIONS) return null;
		const group: FilterGroup = [];
		for (const c of g) {
			const cond = parseCondition(c);
			if (!cond) return null;
			group.push(cond);
		}
		groups.push(group);
	}
	const out: Filter = { groups };
	if (v.timeZone !== undefined) {
		if (typeof v.timeZone !== 'string' || v.timeZone.length > 64) return null;
		out.timeZone = v.timeZone;
	}
	return out;
}

export const MAX_GROUPS = 20;
export const MAX_CONDITIONS = 20;
const MAX_VALUE_LENGTH = 1000;

function parseValue(v: unknown): FilterValue | undefined | null {
	if (v === undefined) return undefined;
	if (typeof v === 'boolean') return v;
	if (typeof v === 'number') return Number.isFinite(v) ? v : null;
	if (typeof v === 'string') return v.length <= MAX_VALUE_LENGTH ? v : null;
	return null;
}

function parseCondition(v: unknown): FilterCondition | null {
	if (!isRecord(v) || typeof v.field !== 'string' || v.field.length > 200 || typeof v.op !== 'string') return null;
	if (!(OPERATORS as readonly string[]).includes(v.op)) return null;
	const out: FilterCondition = { field: v.field as FilterFieldId, op: v.op as FilterOperator };
	const value = parseValue(v.value);
	const to = parseValue(v.to);
	if (value === null || to === null) return null;
	if (value !== undefined) out.value = value;
	if (to !== undefined) out.to = to;
	if (v.amount !== undefined) {
		if (typeof v.amount !== 'number' || !Number.isFinite(v.amount)) return null;
		out.amount = v.amount;
	}
	if (v.unit !== undefined) {
		if (v.unit !== 'hours' && v.unit !== 'days') return null;
		out.unit = v.unit;
	}
	return out;
}
