/**
 * The search UI's strings in each supported locale. Kept beside the search components while the
 * shared catalogs (src/lib/i18n) are being edited elsewhere; keys move there when they settle.
 */
import type { Locale } from '../../i18n/format';

const en = {
	placeholder: 'Search contacts and messages',
	label: 'Search contacts and messages',
	recent: 'Recent searches',
	noRecent: 'Recent searches appear here',
	forget: 'Remove from recent searches',
	contacts: 'Contacts',
	messages: 'Messages',
	noContacts: 'No contact found',
	moreContacts: 'Show all {n} contacts',
	noMessages: 'No message found',
	tooShort: 'Type at least 3 characters to search messages',
	partial: 'Still loading older messages…',
	more: 'Showing the most recent matches',
	comment: 'Comment',
	threadSearch: 'Search in this conversation',
	threadPlaceholder: 'Search in conversation',
	previous: 'Previous match',
	next: 'Next match',
	showMatches: 'Show all matches',
	close: 'Close search',
	noMatch: 'No match',
	count: '{n} of {total}'
};
export type SearchStrings = typeof en;

const fr: SearchStrings = {
	placeholder: 'Rechercher contacts et messages',
	label: 'Rechercher contacts et messages',
	recent: 'Recherches récentes',
	noRecent: 'Vos recherches récentes apparaîtront ici',
	forget: 'Retirer des recherches récentes',
	contacts: 'Contacts',
	messages: 'Messages',
	noContacts: 'Aucun contact trouvé',
	moreContacts: 'Afficher les {n} contacts',
	noMessages: 'Aucun message trouvé',
	tooShort: 'Tapez au moins 3 caractères pour chercher dans les messages',
	partial: 'Chargement des messages plus anciens…',
	more: 'Résultats les plus récents',
	comment: 'Commentaire',
	threadSearch: 'Rechercher dans la conversation',
	threadPlaceholder: 'Rechercher dans la conversation',
	previous: 'Résultat précédent',
	next: 'Résultat suivant',
	showMatches: 'Afficher tous les résultats',
	close: 'Fermer la recherche',
	noMatch: 'Aucun résultat',
	count: '{n} sur {total}'
};

export function searchStrings(locale: Locale): SearchStrings {
	return locale === 'fr' ? fr : en;
}
