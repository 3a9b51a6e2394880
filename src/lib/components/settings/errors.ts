/**
 * A refused settings command in the reader's language: the server's error codes that a person
 * meets in the settings screens have their own message; any other shows the server's text
 * (which names the field, e.g. an `invalid_input`).
 */
import type { MessageKey } from '../../i18n/en';
import type { Params } from '../../i18n/i18n.svelte';

const BY_CODE: Record<string, MessageKey> = {
	network: 'settings.error.network',
	name_taken: 'settings.error.nameTaken',
	key_taken: 'settings.error.nameTaken',
	email_taken: 'settings.error.emailTaken',
	last_owner: 'settings.users.reason.lastOwner',
	forbidden: 'settings.error.forbidden',
	wrong_password: 'settings.profile.wrongPassword',
	already_set_up: 'settings.error.alreadySetUp',
	link_expired: 'settings.link.expired',
	link_used: 'settings.link.used',
	link_not_found: 'settings.link.notFound',
	not_found: 'settings.error.notFound',
	user_inactive: 'settings.error.userInactive',
	no_secret: 'settings.error.noSecret',
	rate_limited: 'settings.error.rateLimited'
};

export function errorText(i18n: { t(key: MessageKey, params?: Params): string }, answer: { code: string; message: string }): string {
	const key = BY_CODE[answer.code];
	return key ? i18n.t(key) : answer.message;
}
