/**
 * The session: who is signed in. `restoring` while a stored session is being opened from local
 * data (no network needed), `anonymous` without one, `signing-in` during a login (network
 * needed), `ready` once the user's local replica is open.
 */
import type { User } from '../domain/types';
import type { SessionApi, SessionStatus } from './api';

export interface SessionDeps {
	login(email: string, password: string): Promise<{ ok: true } | { ok: false; message: string }>;
	logout(opts: { wipe: boolean }): Promise<void>;
}

export class SessionState implements SessionApi {
	status = $state<SessionStatus>('restoring');
	user = $state.raw<User | null>(null);
	error = $state<string | null>(null);
	readonly #deps: SessionDeps;

	constructor(deps: SessionDeps) {
		this.#deps = deps;
	}

	async login(email: string, password: string): Promise<boolean> {
		this.status = 'signing-in';
		this.error = null;
		const r = await this.#deps.login(email, password);
		if (!r.ok) {
			this.error = r.message;
			this.status = 'anonymous';
			return false;
		}
		return true;
	}

	async logout(opts: { wipe?: boolean } = {}): Promise<void> {
		await this.#deps.logout({ wipe: opts.wipe ?? false });
		this.user = null;
		this.status = 'anonymous';
	}

	/**
	 * A stored session is being opened: `user` is the cached user, so the inbox shell can mount
	 * (skeleton rows) while the local reads run. Status stays `restoring`.
	 */
	restoring(user: User): void {
		this.user = user;
		this.error = null;
		this.status = 'restoring';
	}

	/** The replica of `user` is open. */
	ready(user: User): void {
		this.user = user;
		this.error = null;
		this.status = 'ready';
	}

	anonymous(error: string | null = null): void {
		this.user = null;
		this.error = error;
		this.status = 'anonymous';
	}
}
