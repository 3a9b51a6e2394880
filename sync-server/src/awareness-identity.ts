/**
 * Who an awareness state speaks for is decided by the server, not the client (SPEC S5.8, S9.4):
 * an agent connection (/sync or /yjs, authenticated by a user's token) may only publish states
 * whose `user` is `{ kind: 'user' | 'bot', id: <the token's user id> }`. Bots have no tokens of
 * their own: a bot runs with a user's token and says `kind: 'bot'`, so it is shown as that
 * user's bot. The `name` is always the directory's (a client's name is overwritten, other
 * fields of `user` are dropped), so "X is typing" names the token's user as the team knows them.
 *
 * A state that fails (no `user`, another id, a kind the connection may not claim such as
 * `contact`, not JSON, a deactivated user) is dropped, not relayed: the connection stays open.
 * Closing would be wrong for the stock y-websocket clients we support: they publish `{}` when
 * they connect and a bot may set its state in several steps; dropping costs the sender only its
 * own visibility. Contacts' states (web chat visitors) are written by the server itself
 * (`channels/visitor-socket.ts`) and never pass here. Removals (`null`) always pass.
 */
import type { User, UserId } from '../../src/lib/domain/types';

/** The state as it may be relayed (JSON), or null to drop it. */
export type StateGuard = (state: string) => string | null;

const AGENT_KINDS: ReadonlySet<unknown> = new Set(['user', 'bot']);

function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The guard of an agent connection of `userId`; `nameOf` reads the directory at the time of
 * each state (a renamed user is relayed under the new name; null: no active user, drop).
 */
export function agentStateGuard(userId: UserId, nameOf: (id: UserId) => string | null): StateGuard {
	return (raw) => {
		let state: unknown;
		try {
			state = JSON.parse(raw) as unknown;
		} catch {
			return null;
		}
		if (!isRecord(state) || !isRecord(state.user)) return null;
		const { kind, id } = state.user;
		if (!AGENT_KINDS.has(kind) || id !== userId) return null;
		const name = nameOf(userId);
		if (name === null) return null;
		const user = state.user;
		if (user.name === name && Object.keys(user).length === 3) return raw;
		return JSON.stringify({ ...state, user: { kind, id, name } });
	};
}

/** `agentStateGuard` with names from the directory the server holds (active users only). */
export function directoryStateGuard(userId: UserId, directory: { user(id: UserId): User | undefined }): StateGuard {
	return agentStateGuard(userId, (id) => {
		const u = directory.user(id);
		return u && u.active ? u.name : null;
	});
}
