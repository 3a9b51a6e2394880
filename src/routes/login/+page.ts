/**
 * The login page asks the server whether this is the demo workspace, to offer the demo
 * accounts; any failure (offline, older server) just hides them.
 */
import type { PageLoad } from './$types';

export interface WorkspaceInfo {
	name: string;
	demo: boolean;
	/** A new workspace without a user yet: the first-run page sets it up (issue 20). */
	setup: boolean;
}

export const load: PageLoad = async ({ fetch }) => {
	try {
		const res = await fetch('/api/workspace');
		if (!res.ok) return { workspace: null };
		const body: unknown = await res.json();
		if (typeof body !== 'object' || body === null) return { workspace: null };
		const { name, demo, setup } = body as Record<string, unknown>;
		return { workspace: { name: typeof name === 'string' ? name : '', demo: demo === true, setup: setup === true } satisfies WorkspaceInfo };
	} catch {
		return { workspace: null };
	}
};
