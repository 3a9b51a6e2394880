/**
 * The settings sections, in nav order: the one registry the settings layout reads. Adding a
 * section is one line here (its id, its page under `src/routes/settings/<id>/+page.svelte`, its
 * label key in the area's i18n module, the roles that see it) plus that page. The server checks
 * every command by role on its own; `roles` only decides what the nav offers.
 */
import type { MessageKey } from '../../i18n/en';
import type { Role } from '../../domain/types';

export interface SettingsSection {
	id: string;
	href: string;
	label: MessageKey;
	roles: readonly Role[];
	/** Nav group heading. */
	group: 'me' | 'workspace';
}

const ALL: readonly Role[] = ['owner', 'manager', 'agent'];
const ADMINS: readonly Role[] = ['owner', 'manager'];

export const SETTINGS_SECTIONS: readonly SettingsSection[] = [
	{ id: 'profile', href: '/settings/profile', label: 'settings.nav.profile', roles: ALL, group: 'me' },
	{ id: 'users', href: '/settings/users', label: 'settings.nav.users', roles: ADMINS, group: 'workspace' },
	{ id: 'teams', href: '/settings/teams', label: 'settings.nav.teams', roles: ADMINS, group: 'workspace' },
	{ id: 'channels', href: '/settings/channels', label: 'settings.nav.channels', roles: ADMINS, group: 'workspace' },
	{ id: 'email', href: '/settings/email', label: 'email.settingsTitle', roles: ADMINS, group: 'workspace' },
	{ id: 'workflows', href: '/settings/workflows', label: 'workflows.title', roles: ADMINS, group: 'workspace' },
	{ id: 'ai', href: '/settings/ai', label: 'ai.settings.title', roles: ADMINS, group: 'workspace' },
	{ id: 'snippets', href: '/settings/snippets', label: 'settings.nav.snippets', roles: ADMINS, group: 'workspace' },
	{ id: 'fields', href: '/settings/fields', label: 'settings.nav.fields', roles: ADMINS, group: 'workspace' },
	{ id: 'workspace', href: '/settings/workspace', label: 'settings.nav.workspace', roles: ADMINS, group: 'workspace' },
	{ id: 'activity', href: '/settings/activity', label: 'settings.nav.activity', roles: ['owner'], group: 'workspace' }
];

export function sectionsFor(role: Role | undefined): SettingsSection[] {
	return role ? SETTINGS_SECTIONS.filter((s) => s.roles.includes(role)) : [];
}

/** The section a path is in, if any. */
export function sectionOf(path: string): SettingsSection | undefined {
	return SETTINGS_SECTIONS.find((s) => path === s.href || path.startsWith(`${s.href}/`));
}
