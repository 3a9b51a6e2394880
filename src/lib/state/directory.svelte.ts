/**
 * The workspace directory (users, teams, channels...) read from the `dir` document, live.
 * Lookups go through maps rebuilt once per directory change, not per call.
 */
import type { Directory, TeamId, User, UserId } from '../domain/types';
import type { DirectoryApi } from './api';

export class DirectoryState implements DirectoryApi {
	dir = $state.raw<Directory | null>(null);
	#users = $derived(new Map((this.dir?.users ?? []).map((u) => [u.id, u])));
	#teams = $derived(new Map((this.dir?.teams ?? []).map((t) => [t.id, t.name])));

	set(dir: Directory | null): void {
		this.dir = dir;
	}

	user(id: UserId | null | undefined): User | undefined {
		return id ? this.#users.get(id) : undefined;
	}

	teamName(id: TeamId | null | undefined): string | undefined {
		return id ? this.#teams.get(id) : undefined;
	}
}
