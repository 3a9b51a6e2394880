/**
 * Phone numbers as people type them (SPEC S3.2; issue 16): `+33 6 11 22 33 44`,
 * `33 6 11 22 33 44`, `0033 6 11…`, `06.11.22.33.44`, `(06) 11-22…` all name the same number in
 * a French workspace. Shared by the index and the naive reference, so both mean the same.
 *
 * A text's *forms* are digit strings:
 * - its digits as typed (separators, brackets and a leading `+` dropped);
 * - after a `00` international prefix (no `+`): the digits that follow it;
 * - without `+` or `00`: the national reading in the workspace's country, its calling code
 *   followed by the digits less the trunk prefix (`06 11` in FR -> `33611`; `514 555` in US ->
 *   `1514555`);
 * - when the text has brackets and libphonenumber reads it as a valid number
 *   (`+33 (0)6 11 22 33 44`): its E.164 digits.
 * A contact is found by a phone-like query when a form of the query prefixes a form of the
 * contact's phone; it is an *exact* phone match when one equals one (ranked first).
 * The national reading is libphonenumber-js's (`AsYouType`, which also reads partial numbers).
 */
import { AsYouType, isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import { phoneDigits } from './tokenize';

export type { CountryCode };

/** The demo workspace's country, used when the workspace has not set one. */
export const DEMO_COUNTRY: CountryCode = 'FR';

/** The workspace's default country for reading national numbers; the demo's when unset or unknown. */
export function workspaceCountry(setting: string | null | undefined): CountryCode {
	const c = (setting ?? '').trim().toUpperCase();
	return isSupportedCountry(c) ? c : DEMO_COUNTRY;
}

/** The digit strings a phone number (or a phone-like query) stands for; see the module doc. */
export function phoneForms(text: string, country: CountryCode): string[] {
	const digits = phoneDigits(text);
	if (digits === '') return [];
	const forms = new Set([digits]);
	const international = text.trim().startsWith('+');
	if (!international) {
		if (digits.startsWith('00')) {
			if (digits.length > 2) forms.add(digits.slice(2));
		} else {
			// libphonenumber reads a partial national number too (`06 11` in FR -> +33611).
			const national = new AsYouType(country);
			national.input(digits);
			const e164 = national.getNumber()?.number;
			if (e164) forms.add(phoneDigits(e164));
		}
	}
	// Only a bracketed part can hide a trunk prefix the rules above keep (`+33 (0)6 …`); parsing
	// is the costly step, so other numbers skip it.
	if (text.includes('(')) {
		const parsed = parsePhoneNumberFromString(text, country);
		if (parsed?.isValid()) forms.add(phoneDigits(parsed.number));
	}
	return [...forms];
}
