/**
 * Validation and normalization of contact input (SPEC S3.1 create, S8.1 edit).
 *
 * Input arrives from people and from the HTTP API, so every field is checked at runtime
 * whatever its static type, and answered with one human-readable message per bad field
 * (errors are values). Normal forms, so that search (S3.2) and merge suggestions (S8.2)
 * compare like with like:
 * - names trimmed, 1..100 characters for the first name, at most 100 for the last name;
 * - phone: separators (spaces, dots, dashes, slashes, parentheses) removed, an optional leading
 *   `+` kept, 6 to 20 ASCII digits;
 * - email: trimmed and lower-cased, `local@domain.tld` with the HTML living standard's
 *   character rules, at most 254 characters;
 * - country: ISO 3166-1 alpha-2, upper case (plus `XK`, Kosovo's widely used code);
 * - language: short BCP-47 `ll[-Ssss][-RR]`, e.g. `fr`, `pt-BR`, `zh-Hant`, in canonical case;
 * - custom fields by their `CustomFieldDef` type; `null` or `''` clears a value.
 * Empty optional fields are stored as `''` (profile strings) or null (ids, custom values).
 */
import { activeUser, knownTeam } from './references';
import type { CustomFieldDef, Directory, Profile, TeamId, UserId } from './types';

export const MAX_NAME_LENGTH = 100;
export const MAX_TEXT_FIELD_LENGTH = 1000;
export const MAX_URL_LENGTH = 2048;
export const MAX_EMAIL_LENGTH = 254;

const PHONE_SEPARATORS = /[\s().\-/]/g;
const PHONE_PATTERN = /^\+?\d{6,20}$/;
const EMAIL_PATTERN =
	/^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const LANGUAGE_PATTERN = /^([a-z]{2,3})(?:[-_]([a-z]{4}))?(?:[-_]([a-z]{2}|\d{3}))?$/i;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_PATTERN = /^(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?$/;
const NUMBER_PATTERN = /^-?\d+(?:\.\d+)?$/;

const COUNTRIES = new Set(
	(
		'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV ' +
		'BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ' +
		'ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE ' +
		'IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY ' +
		'MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU ' +
		'NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM ' +
		'SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE ' +
		'VG VI VN VU WF WS YE YT ZA ZM ZW XK'
	).split(' ')
);

/** Result of a field check: the normal form, or a message for a person. */
export type Check<T> = { ok: true; value: T } | { ok: false; message: string };
const ok = <T>(value: T): Check<T> => ({ ok: true, value });
const bad = <T>(message: string): Check<T> => ({ ok: false, message });

const isBlank = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** The normal form of a phone number, or null when it is not one. */
export function normalizePhone(s: string): string | null {
	if (typeof s !== 'string') return null;
	const compact = s.trim().replace(PHONE_SEPARATORS, '');
	return PHONE_PATTERN.test(compact) ? compact : null;
}

/** The normal form of an email address, or null when it is not one. */
export function normalizeEmail(s: string): string | null {
	if (typeof s !== 'string') return null;
	const e = s.trim().toLowerCase();
	return e.length <= MAX_EMAIL_LENGTH && EMAIL_PATTERN.test(e) ? e : null;
}

/** ISO 3166-1 alpha-2 in upper case, or null. */
export function normalizeCountry(s: string): string | null {
	if (typeof s !== 'string') return null;
	const c = s.trim().toUpperCase();
	return COUNTRIES.has(c) ? c : null;
}

/** A short BCP-47 tag in canonical case (`pt-BR`, `zh-Hant-TW`), or null. */
export function normalizeLanguage(s: string): string | null {
	if (typeof s !== 'string') return null;
	const m = LANGUAGE_PATTERN.exec(s.trim());
	if (!m) return null;
	const [, lang = '', script, region] = m;
	let tag = lang.toLowerCase();
	if (script) tag += '-' + script[0]!.toUpperCase() + script.slice(1).toLowerCase();
	if (region) tag += '-' + region.toUpperCase();
	return tag;
}

function checkName(v: unknown, required: boolean): Check<string> {
	if (v === undefined || v === null) return required ? bad('First name is required.') : ok('');
	if (typeof v !== 'string') return bad('Must be text.');
	const t = v.trim();
	if (required && t === '') return bad('First name is required.');
	if (t.length > MAX_NAME_LENGTH) return bad(`At most ${MAX_NAME_LENGTH} characters.`);
	if (CONTROL_CHARS.test(t)) return bad('Must not contain control characters.');
	return ok(t);
}

function checkOptional(v: unknown, normalize: (s: string) => string | null, message: string): Check<string> {
	if (isBlank(v)) return ok('');
	if (typeof v !== 'string') return bad('Must be text.');
	const n = normalize(v);
	return n === null ? bad(message) : ok(n);
}

const PHONE_MESSAGE = 'Enter a phone number of 6 to 20 digits, optionally starting with +.';
const EMAIL_MESSAGE = 'Enter an email address like name@example.com.';

export interface NewContactInput {
	firstName?: unknown;
	lastName?: unknown;
	phone?: unknown;
	email?: unknown;
	teamId?: unknown;
	assigneeId?: unknown;
}
export type NewContactField = keyof NewContactInput;

export interface NewContact {
	firstName: string;
	lastName: string;
	phone: string;
	email: string;
	teamId: TeamId | null;
	assigneeId: UserId | null;
}

export type ValidationResult<T, F extends string> =
	| { ok: true; value: T }
	| { ok: false; errors: Partial<Record<F, string>> };

/** S3.1: a new contact's fields; the team and the assignee must exist (and the assignee be active). */
export function validateNewContact(input: NewContactInput, dir: Directory): ValidationResult<NewContact, NewContactField> {
	const src: NewContactInput = typeof input === 'object' && input !== null ? input : {};
	const errors: Partial<Record<NewContactField, string>> = {};
	const take = <T>(field: NewContactField, c: Check<T>, fallback: T): T => {
		if (c.ok) return c.value;
		errors[field] = c.message;
		return fallback;
	};
	const firstName = take('firstName', checkName(src.firstName, true), '');
	const lastName = take('lastName', checkName(src.lastName, false), '');
	const phone = take('phone', checkOptional(src.phone, normalizePhone, PHONE_MESSAGE), '');
	const email = take('email', checkOptional(src.email, normalizeEmail, EMAIL_MESSAGE), '');
	const teamId = take('teamId', checkRef(src.teamId, (id) => knownTeam(dir, id)?.id, 'No such team.'), null);
	const assigneeId = take('assigneeId', checkRef(src.assigneeId, (id) => activeUser(dir, id)?.id, 'No such active user.'), null);
	if (Object.keys(errors).length > 0) return { ok: false, errors };
	return { ok: true, value: { firstName, lastName, phone, email, teamId, assigneeId } };
}

function checkRef<Id extends string>(v: unknown, find: (id: string) => Id | undefined, message: string): Check<Id | null> {
	if (v === undefined || v === null || v === '') return ok(null);
	if (typeof v !== 'string') return bad(message);
	const found = find(v);
	return found !== undefined ? ok(found) : bad(message);
}

export type CustomValue = Profile['custom'][string];

/** One custom field value by its definition; null clears it. */
export function validateCustomValue(def: CustomFieldDef, v: unknown): Check<CustomValue> {
	if (isBlank(v)) return ok(null);
	switch (def.type) {
		case 'checkbox':
			return typeof v === 'boolean' ? ok(v) : bad('Must be checked or unchecked.');
		case 'number': {
			if (typeof v === 'number') return Number.isFinite(v) ? ok(v) : bad('Must be a number.');
			return typeof v === 'string' && NUMBER_PATTERN.test(v.trim()) ? ok(Number(v.trim())) : bad('Must be a number.');
		}
		default:
			break;
	}
	if (typeof v !== 'string') return bad('Must be text.');
	const s = v.trim();
	switch (def.type) {
		case 'text':
			return s.length <= MAX_TEXT_FIELD_LENGTH ? ok(s) : bad(`At most ${MAX_TEXT_FIELD_LENGTH} characters.`);
		case 'email':
			return checkOptional(s, normalizeEmail, EMAIL_MESSAGE);
		case 'phone':
			return checkOptional(s, normalizePhone, PHONE_MESSAGE);
		case 'url':
			return isHttpUrl(s) ? ok(s) : bad('Enter a web address starting with http:// or https://.');
		case 'date':
			return isCalendarDate(s) ? ok(s) : bad('Enter a date as YYYY-MM-DD.');
		case 'time':
			return TIME_PATTERN.test(s) ? ok(s) : bad('Enter a time as HH:MM (24 hours).');
		case 'select':
			if (def.options !== undefined && !def.options.includes(s)) return bad('Choose one of the options.');
			return s.length <= MAX_TEXT_FIELD_LENGTH ? ok(s) : bad(`At most ${MAX_TEXT_FIELD_LENGTH} characters.`);
	}
}

function isHttpUrl(s: string): boolean {
	if (s.length > MAX_URL_LENGTH) return false;
	try {
		const u = new URL(s);
		return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
	} catch {
		return false;
	}
}

function isCalendarDate(s: string): boolean {
	const m = DATE_PATTERN.exec(s);
	if (!m) return false;
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const t = new Date(Date.UTC(y, mo - 1, d));
	return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

export interface ProfilePatchInput {
	firstName?: unknown;
	lastName?: unknown;
	phone?: unknown;
	email?: unknown;
	country?: unknown;
	language?: unknown;
	custom?: unknown;
}

export type ProfilePatch = Partial<Pick<Profile, 'firstName' | 'lastName' | 'phone' | 'email' | 'country' | 'language'>> & {
	custom?: Record<string, CustomValue>;
};

/**
 * S8.1: an edit of the contact drawer. Only fields present in the input are checked and
 * returned. Error keys are the field names, and `custom.<key>` for custom fields (an unknown
 * key is an error: values without a definition could never be shown or searched).
 */
export function validateProfilePatch(input: ProfilePatchInput, dir: Directory): ValidationResult<ProfilePatch, string> {
	const src: ProfilePatchInput = typeof input === 'object' && input !== null ? input : {};
	const errors: Record<string, string> = {};
	const value: ProfilePatch = {};
	const field = (key: keyof Omit<ProfilePatch, 'custom'>, c: Check<string>) => {
		if (c.ok) value[key] = c.value;
		else errors[key] = c.message;
	};
	if ('firstName' in src) field('firstName', checkName(src.firstName, true));
	if ('lastName' in src) field('lastName', checkName(src.lastName, false));
	if ('phone' in src) field('phone', checkOptional(src.phone, normalizePhone, PHONE_MESSAGE));
	if ('email' in src) field('email', checkOptional(src.email, normalizeEmail, EMAIL_MESSAGE));
	if ('country' in src) field('country', checkOptional(src.country, normalizeCountry, 'Choose a country (two-letter code).'));
	if ('language' in src) {
		field('language', checkOptional(src.language, normalizeLanguage, 'Enter a language code like en or pt-BR.'));
	}
	if ('custom' in src) {
		const custom = src.custom;
		if (typeof custom !== 'object' || custom === null || Array.isArray(custom)) {
			errors.custom = 'Custom fields must be an object of values.';
		} else {
			const defs = new Map(dir.customFields.map((d) => [d.key, d]));
			const out: Record<string, CustomValue> = {};
			for (const [key, v] of Object.entries(custom)) {
				const def = defs.get(key);
				if (!def) {
					errors[`custom.${key}`] = 'No such custom field.';
					continue;
				}
				const c = validateCustomValue(def, v);
				if (c.ok) out[key] = c.value;
				else errors[`custom.${key}`] = c.message;
			}
			value.custom = out;
		}
	}
	if (Object.keys(errors).length > 0) return { ok: false, errors };
	return { ok: true, value };
}
