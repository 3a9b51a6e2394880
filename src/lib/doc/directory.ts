/**
 * Typed access to the directory document `dir`: users, teams, channels, snippets and custom
 * field definitions, each a root Y.Map of plain records keyed by id (custom fields by key),
 * plus a `settings` map. Only the server writes it (through HTTP commands checked by role); a
 * record is replaced whole by `put*`, never edited field by field.
 *
 * `read()` lists records in a deterministic order (by name, then id; custom fields by label,
 * then key), because the iteration order of a Y.Map may differ between replicas.
 */
import * as Y from 'yjs';
import { readAiOptions, type AiOptions } from '../domain/ai';
import type { Channel, CustomFieldDef, Directory, Snippet, Team, User, WorkspaceId, WorkspaceOptions } from '../domain/types';
import { serverOrigin, type Origin } from './origins';
import { DIRECTORY_ROOTS, SETTINGS_KEYS, changedKeys, ensureDirectoryRoots } from './schema';
import { plain } from './values';

export interface WorkspaceSettings {
	workspaceId: WorkspaceId;
	workspaceName: string;
	/** ISO 3166 code for reading phone numbers typed in national form; absent when unset. */
	defaultCountry?: string;
	/** Workspace options (settings > Workspace); absent until first set. */
	options?: WorkspaceOptions;
}

function isRecordWith<K extends string>(value: unknown, key: K): value is Record<K, string> {
	return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[key] === 'string';
}

function values<T>(map: Y.Map<unknown>, key: string): T[] {
	const out: T[] = [];
	for (const v of map.values()) if (isRecordWith(v, key)) out.push(v as T);
	return out;
}

const byNameThenId = <T extends { name: string; id: string }>(a: T, b: T): number =>
	a.name.localeCompare(b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export type DirectoryDoc = ReturnType<typeof directoryDoc>;

/** The typed wrapper of the directory document; writes use `origin` (default: server). */
export function directoryDoc(ydoc: Y.Doc, origin: Origin = serverOrigin()) {
	ensureDirectoryRoots(ydoc);
	const users = ydoc.getMap<unknown>(DIRECTORY_ROOTS.users);
	const teams = ydoc.getMap<unknown>(DIRECTORY_ROOTS.teams);
	const channels = ydoc.getMap<unknown>(DIRECTORY_ROOTS.channels);
	const snippets = ydoc.getMap<unknown>(DIRECTORY_ROOTS.snippets);
	const customFields = ydoc.getMap<unknown>(DIRECTORY_ROOTS.customFields);
	const settings = ydoc.getMap<unknown>(DIRECTORY_ROOTS.settings);
	const transact = <T>(fn: () => T): T => {
		let out!: T;
		ydoc.transact(() => {
			out = fn();
		}, origin);
		return out;
	};
	const put = (map: Y.Map<unknown>, key: string, value: unknown) => transact(() => map.set(key, plain(value)));
	const remove = (map: Y.Map<unknown>, key: string): boolean => {
		if (!map.has(key)) return false;
		transact(() => map.delete(key));
		return true;
	};

	function readSettings(): WorkspaceSettings {
		const id = settings.get(SETTINGS_KEYS.workspaceId);
		const name = settings.get(SETTINGS_KEYS.workspaceName);
		const country = settings.get(SETTINGS_KEYS.defaultCountry);
		const stored = settings.get(SETTINGS_KEYS.options);
		// Issue 20's options live under `options`; AI assist's (issue 24) under their own key.
		const options: WorkspaceOptions | null =
			typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? { ...(stored as WorkspaceOptions) } : null;
		const ai = settings.has(SETTINGS_KEYS.ai) ? readAiOptions(settings.get(SETTINGS_KEYS.ai)) : null;
		const merged: WorkspaceOptions | null = ai ? { ...(options ?? {}), ai } : options;
		return {
			workspaceId: (typeof id === 'string' ? id : '') as WorkspaceId,
			workspaceName: typeof name === 'string' ? name : '',
			...(typeof country === 'string' && country ? { defaultCountry: country } : {}),
			...(merged ? { options: merged } : {})
		};
	}

	return {
		doc: ydoc,
		read(): Directory {
			return {
				...readSettings(),
				users: values<User>(users, 'id').sort(byNameThenId),
				teams: values<Team>(teams, 'id').sort(byNameThenId),
				channels: values<Channel>(channels, 'id').sort(byNameThenId),
				snippets: values<Snippet>(snippets, 'id').sort(byNameThenId),
				customFields: values<CustomFieldDef>(customFields, 'key').sort(
					(a, b) => a.label.localeCompare(b.label) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
				)
			};
		},
		settings: readSettings,
		user(id: string): User | undefined {
			const v = users.get(id);
			return isRecordWith(v, 'id') ? (v as User) : undefined;
		},
		putUser: (u: User) => put(users, u.id, u),
		removeUser: (id: string) => remove(users, id),
		putTeam: (t: Team) => put(teams, t.id, t),
		removeTeam: (id: string) => remove(teams, id),
		putChannel: (c: Channel) => put(channels, c.id, c),
		removeChannel: (id: string) => remove(channels, id),
		putSnippet: (s: Snippet) => put(snippets, s.id, s),
		removeSnippet: (id: string) => remove(snippets, id),
		putCustomField: (f: CustomFieldDef) => put(customFields, f.key, f),
		removeCustomField: (key: string) => remove(customFields, key),
		setSettings(p: Partial<WorkspaceSettings>): void {
			transact(() => {
				if (p.workspaceId !== undefined) settings.set(SETTINGS_KEYS.workspaceId, p.workspaceId);
				if (p.workspaceName !== undefined) settings.set(SETTINGS_KEYS.workspaceName, p.workspaceName);
				if (p.defaultCountry !== undefined) settings.set(SETTINGS_KEYS.defaultCountry, p.defaultCountry);
				if (p.options !== undefined) settings.set(SETTINGS_KEYS.options, plain(p.options));
			});
		},
		/** AI assist's workspace options (issue 24), replaced whole. */
		setAiOptions: (o: AiOptions) => put(settings, SETTINGS_KEYS.ai, o),
		/** Calls `cb` after every transaction that changed the directory; returns the unsubscribe. */
		observe(cb: () => void): () => void {
			const roots: ReadonlyArray<Y.Map<unknown>> = [users, teams, channels, snippets, customFields, settings];
			const handler = (tr: Y.Transaction) => {
				if (roots.some((r) => changedKeys(tr, r) !== undefined)) cb();
			};
			ydoc.on('afterTransaction', handler);
			return () => ydoc.off('afterTransaction', handler);
		},
		transact
	};
}
