/**
 * Messages of one area of the app: First-login bootstrap and big workspaces (issue 26). Each area keeps its own keys, prefixed
 * with its name, so areas grow without touching one another; `en.ts` and `fr.ts` spread them in.
 */
export const en = {
	'bootstrap.list': 'Loading conversations… {done} of {total}',
	'bootstrap.text': 'Preparing search… {done} of {total}',
	'bootstrap.documents': 'Making {done} of {total} conversations available offline',
	'bootstrap.paused': 'paused while you work',
	'bootstrap.label': 'Offline availability'
} as const satisfies Record<string, string>;

export const fr: Record<keyof typeof en, string> = {
	'bootstrap.list': 'Chargement des conversations… {done} sur {total}',
	'bootstrap.text': 'Préparation de la recherche… {done} sur {total}',
	'bootstrap.documents': '{done} conversations sur {total} disponibles hors ligne',
	'bootstrap.paused': 'en pause pendant que vous travaillez',
	'bootstrap.label': 'Disponibilité hors ligne'
};
