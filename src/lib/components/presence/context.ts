/**
 * How presence components reach the app's presence without every list row threading a prop:
 * the app state from Svelte context when there is one (the running app), else null (a
 * component rendered alone shows nothing rather than failing).
 */
import { getAppState } from '../../state/context';
import type { DraftsApi, PresenceApi } from '../../state/api';

export function presenceFromContext(): PresenceApi | null {
	try {
		return getAppState().presence ?? null;
	} catch {
		return null;
	}
}

export function draftsFromContext(): DraftsApi | null {
	try {
		return getAppState().drafts ?? null;
	} catch {
		return null;
	}
}
