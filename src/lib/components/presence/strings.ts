/**
 * The presence UI's strings in each supported locale, kept beside the components while the
 * shared catalogs (src/lib/i18n) are edited elsewhere; `typingLine` builds the indicator's text.
 */
import type { Locale } from '../../i18n/format';

const en = {
	isTyping: '{name} is typing…',
	twoTyping: '{a} and {b} are typing…',
	manyTyping: '{name} and {n} others are typing…',
	viewing: 'Also viewing: {names}',
	team: 'Team',
	online: 'Online',
	away: 'Away',
	offline: 'Offline',
	bot: 'bot',
	you: 'you',
	collisionTitle: 'Send anyway?',
	collisionUnseen: 'New in this conversation since you last looked:',
	collisionTyping: '{names} typing a reply right now.',
	collisionDrafting: '{names} working on the reply draft.',
	send: 'Send anyway',
	cancel: 'Go back',
	comment: 'Comment'
};
export type PresenceStrings = typeof en;

const fr: PresenceStrings = {
	isTyping: '{name} est en train d’écrire…',
	twoTyping: '{a} et {b} sont en train d’écrire…',
	manyTyping: '{name} et {n} autres sont en train d’écrire…',
	viewing: 'Consulte aussi : {names}',
	team: 'Équipe',
	online: 'En ligne',
	away: 'Absent',
	offline: 'Hors ligne',
	bot: 'bot',
	you: 'vous',
	collisionTitle: 'Envoyer quand même ?',
	collisionUnseen: 'Nouveau dans cette conversation depuis votre dernière lecture :',
	collisionTyping: '{names} écrit une réponse en ce moment.',
	collisionDrafting: '{names} travaille sur le brouillon de réponse.',
	send: 'Envoyer quand même',
	cancel: 'Revenir',
	comment: 'Commentaire'
};

export function presenceStrings(locale: Locale): PresenceStrings {
	return locale === 'fr' ? fr : en;
}

export function fill(template: string, values: Record<string, string | number>): string {
	return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}

/** "Ana is typing…", "Ana and Bo are typing…", "Ana and 2 others are typing…"; '' for nobody. */
export function typingLine(s: PresenceStrings, names: readonly string[]): string {
	if (names.length === 0) return '';
	if (names.length === 1) return fill(s.isTyping, { name: names[0]! });
	if (names.length === 2) return fill(s.twoTyping, { a: names[0]!, b: names[1]! });
	return fill(s.manyTyping, { name: names[0]!, n: names.length - 1 });
}
