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
	collisionTyping: '{names} is typing a reply right now.',
	collisionTypingMany: '{names} are typing a reply right now.',
	collisionDrafting: '{names} is working on a reply draft.',
	collisionDraftingMany: '{names} are working on a reply draft.',
	drafting: '{name} is drafting a reply',
	writeTogether: 'Write together',
	writingWith: 'Writing together with {name}',
	backToMine: 'Back to my draft',
	joined: '{names} joined your draft',
	joinedMany: '{names} joined your draft',
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
	collisionTypingMany: '{names} écrivent une réponse en ce moment.',
	collisionDrafting: '{names} travaille sur un brouillon de réponse.',
	collisionDraftingMany: '{names} travaillent sur un brouillon de réponse.',
	drafting: '{name} rédige une réponse',
	writeTogether: 'Écrire ensemble',
	writingWith: 'Vous écrivez avec {name}',
	backToMine: 'Revenir à mon brouillon',
	joined: '{names} a rejoint votre brouillon',
	joinedMany: '{names} ont rejoint votre brouillon',
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
/** A sentence about one or several people: the singular or the plural template. */
export function aboutNames(one: string, many: string, names: readonly string[]): string {
	return fill(names.length > 1 ? many : one, { names: names.join(', ') });
}

export function typingLine(s: PresenceStrings, names: readonly string[]): string {
	if (names.length === 0) return '';
	if (names.length === 1) return fill(s.isTyping, { name: names[0]! });
	if (names.length === 2) return fill(s.twoTyping, { a: names[0]!, b: names[1]! });
	return fill(s.manyTyping, { name: names[0]!, n: names.length - 1 });
}
