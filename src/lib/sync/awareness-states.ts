/**
 * The awareness states we publish and read, and their timing rules (SPEC S5.8, S9.4).
 *
 * On the directory `dir` (presence, every member receives it; the server removes `viewing`
 * for a recipient who may not see that contact):
 *   { user: { kind, id, name }, status: 'online' | 'away', viewing: ContactId | null }
 * On a contact `c/<id>` (typing and the shared draft's cursor; only users who may see the
 * contact receive it). The shape of `user` and `typing` is the web chat's (server
 * `channels/typing.ts`), so a visitor typing shows in the agent UI and agents reach visitors:
 *   { user: { kind: 'user' | 'bot' | 'contact', id, name },
 *     typing: { composer, at } | null,
 *     cursor?: { composer, anchor, head } | null,   composer: the draft's key; anchor/head: Y.RelativePosition JSON
 *     drafting?: { composer, key } | null }         a non-empty draft open in that composer (S9.4)
 *
 * States come from other people's code (bots, scripts), so readers validate every field and
 * ignore what does not fit rather than throwing.
 */
import type { AwarenessState } from './awareness';

export type PeerKind = 'user' | 'bot' | 'contact';

export interface AwarenessUser {
	kind: PeerKind;
	id: string;
	name: string;
}

export type PresenceStatus = 'online' | 'away' | 'offline';

export interface DirPresence {
	user: AwarenessUser;
	status: 'online' | 'away';
	viewing: string | null;
}

export interface DraftCursor {
	composer: string;
	anchor: unknown;
	head: unknown;
}

/** "Olivia is drafting a reply": her non-empty draft `key` (`domain/drafts.ts`) is open in `composer`. */
export interface DraftingState {
	composer: string;
	key: string;
}

export interface ContactPresence {
	user: AwarenessUser;
	typing: { composer: string; at: number } | null;
	cursor: DraftCursor | null;
	drafting: DraftingState | null;
}

/** A typing state not refreshed for this long counts as stopped (a crashed tab, a bot gone quiet). */
export const TYPING_TTL_MS = 8_000;
/** After this long without a keystroke we publish that we stopped typing. */
export const TYPING_IDLE_MS = 3_000;
/** While typing, the state is re-published at most this often (and at least every TTL / 2). */
export const TYPING_EVERY_MS = 1_000;
/** Cursor moves are published at most 4 times a second. */
export const CURSOR_EVERY_MS = 250;
/** No input for this long marks the user away. */
export const AWAY_AFTER_MS = 5 * 60_000;

const KINDS: ReadonlySet<string> = new Set<PeerKind>(['user', 'bot', 'contact']);

function str(v: unknown, max = 200): string | null {
	return typeof v === 'string' && v.length > 0 && v.length <= max ? v : null;
}

export function readUser(state: AwarenessState): AwarenessUser | null {
	const u = state.user;
	if (typeof u !== 'object' || u === null) return null;
	const r = u as Record<string, unknown>;
	const id = str(r.id);
	// A stock client may leave out `kind`: it is someone, so it counts as a bot, never as us.
	const kind = typeof r.kind === 'string' && KINDS.has(r.kind) ? (r.kind as PeerKind) : 'bot';
	if (!id) return null;
	return { kind, id, name: str(r.name) ?? id };
}

export function readDirPresence(state: AwarenessState): DirPresence | null {
	const user = readUser(state);
	if (!user) return null;
	return { user, status: state.status === 'away' ? 'away' : 'online', viewing: str(state.viewing) };
}

export function readContactPresence(state: AwarenessState): ContactPresence | null {
	const user = readUser(state);
	if (!user) return null;
	let typing: ContactPresence['typing'] = null;
	const t = state.typing;
	if (typeof t === 'object' && t !== null) {
		const r = t as Record<string, unknown>;
		const composer = str(r.composer, 64) ?? 'reply';
		typing = { composer, at: typeof r.at === 'number' && Number.isFinite(r.at) ? r.at : 0 };
	}
	let cursor: DraftCursor | null = null;
	const c = state.cursor;
	if (typeof c === 'object' && c !== null) {
		const r = c as Record<string, unknown>;
		const composer = str(r.composer);
		if (composer && r.anchor !== undefined && r.head !== undefined) cursor = { composer, anchor: r.anchor, head: r.head };
	}
	let drafting: DraftingState | null = null;
	const d = state.drafting;
	if (typeof d === 'object' && d !== null) {
		const r = d as Record<string, unknown>;
		const composer = str(r.composer, 64);
		const key = str(r.key);
		if (composer && key) drafting = { composer, key };
	}
	return { user, typing, cursor, drafting };
}

/**
 * Leading-and-trailing throttle: the first call runs at once, later calls within `everyMs`
 * collapse into one run at the end of the window (so the last value is never lost).
 */
export class Throttle {
	#last = -Infinity;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#pending: (() => void) | null = null;

	constructor(
		private readonly everyMs: number,
		private readonly now: () => number = Date.now
	) {}

	run(fn: () => void): void {
		const wait = this.#last + this.everyMs - this.now();
		if (wait <= 0 && !this.#timer) {
			this.#last = this.now();
			fn();
			return;
		}
		this.#pending = fn;
		if (!this.#timer) {
			this.#timer = setTimeout(() => {
				this.#timer = null;
				const f = this.#pending;
				this.#pending = null;
				this.#last = this.now();
				f?.();
			}, Math.max(0, wait));
		}
	}

	cancel(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		this.#pending = null;
	}
}
