/** Translated names of things the state gives as keys. */
import type { I18n } from '../i18n/i18n.svelte';
import type { InboxEntry } from '../state/api';

/** Standard and Blocked inboxes are named in the UI language; team inboxes by their team. */
export function inboxLabel(e: Pick<InboxEntry, 'key' | 'kind' | 'label'>, i18n: Pick<I18n, 't'>): string {
	if (e.kind === 'team') return e.label;
	if (e.key === 'all' || e.key === 'mine' || e.key === 'unassigned' || e.key === 'blocked') return i18n.t(`inbox.${e.key}`);
	return e.label;
}
