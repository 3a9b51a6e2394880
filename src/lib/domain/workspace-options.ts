/**
 * Workspace options (settings > Workspace): their defaults and the one validation the server
 * command (`PATCH /api/directory/workspace`) and the settings form share. A later area adds a
 * field to `WorkspaceOptions` (types.ts), its default here and its rule in `OPTION_RULES`.
 */
import { isValidTimeZone } from './filters';
import type { Directory, WorkspaceOptions } from './types';

/**
 * The options this command edits. AI assist's options (`ai`) have their own command and page
 * (`PATCH /api/ai/settings`, Settings > AI assist) and are not part of it.
 */
export type GeneralOptions = Omit<WorkspaceOptions, 'ai'>;

export const DEFAULT_WORKSPACE_OPTIONS: Required<GeneralOptions> = {
	maskNumbers: false,
	callRecording: false,
	callTranscripts: false,
	maxCallMinutes: 60,
	timeZone: 'UTC'
};

/** The options of a directory with every default filled in. */
export function workspaceOptions(dir: Pick<Directory, 'options'> | null | undefined): Required<GeneralOptions> {
	const { ai: _ai, ...general } = dir?.options ?? {};
	return { ...DEFAULT_WORKSPACE_OPTIONS, ...general };
}

type Rule = (v: unknown) => string | null;
const bool: Rule = (v) => (typeof v === 'boolean' ? null : 'must be true or false');

/** One rule per option: null when the value is acceptable, else what is wrong with it. */
export const OPTION_RULES: { [K in keyof Required<GeneralOptions>]: Rule } = {
	maskNumbers: bool,
	callRecording: bool,
	callTranscripts: bool,
	maxCallMinutes: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 480 ? null : 'must be a whole number of minutes from 1 to 480'),
	timeZone: (v) => (typeof v === 'string' && v.length <= 64 && isValidTimeZone(v) ? null : 'must be an IANA time zone such as Europe/Paris')
};

/** Checks a patch of options: the merged options, or the first problem (unknown key included). */
export function checkOptionsPatch(current: WorkspaceOptions | undefined, patch: unknown): { ok: true; value: WorkspaceOptions } | { ok: false; message: string } {
	if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return { ok: false, message: 'options must be an object.' };
	const next: WorkspaceOptions = { ...(current ?? {}) };
	for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
		const rule = (OPTION_RULES as Record<string, Rule | undefined>)[key];
		if (!rule) return { ok: false, message: `options.${key} is not a workspace option.` };
		const problem = rule(value);
		if (problem) return { ok: false, message: `options.${key} ${problem}.` };
		(next as Record<string, unknown>)[key] = value;
	}
	return { ok: true, value: next };
}
