/**
 * Presence, typing and the collision guard (SPEC S5.8, S9.4), read from and written to the
 * replica's awareness hub (`sync/awareness.ts`; state shapes in `sync/awareness-states.ts`).
 *
 * - My presence on `dir`: online, away after `AWAY_AFTER_MS` without input, and the contact I am
 *   viewing. Offline is the absence of a state (the server withdraws it when my socket closes).
 * - My state on `c/<id>`: typing (published at once on the first keystroke, then at most every
 *   `TYPING_EVERY_MS`, withdrawn after `TYPING_IDLE_MS` without one) and my draft cursor (at
 *   most every `CURSOR_EVERY_MS`); withdrawn when I leave the conversation.
 * - Others' typing counts while refreshed within `TYPING_TTL_MS`.
 * - Collision: a reply collides with messages and comments by others that I have not seen at
 *   the thread's end (`markSeen`), and with other agents typing or with a cursor in the reply.
 *   The contact typing (web chat) is no collision: that is the conversation going on.
 */
import { DIR_DOC_ID, contactDocId, parseDocId } from '../domain/ids';
import type { ContactId, Directory, DocId, Entry, User, UserId } from '../domain/types';
import {
	AWAY_AFTER_MS,
	CURSOR_EVERY_MS,
	Throttle,
	TYPING_EVERY_MS,
	TYPING_IDLE_MS,
	TYPING_TTL_MS,
	readContactPresence,
	readDirPresence,
	type ContactPresence,
	type DirPresence,
	type DraftCursor,
	type DraftingState
} from '../sync/awareness-states';
import { parseDraftKey } from '../domain/drafts';
import type { AwarenessHub } from '../sync/awareness';
import type { Collision, DraftingPeer, PresenceApi, PresencePeer, PresenceStatus, TeamMember, TypingPeer } from './api';

export interface PresenceDeps {
	user(): User | null;
	dir(): Directory | null;
	/** The conversation on screen (presence `viewing`). */
	selected(): ContactId | null;
	now?(): number;
}

interface MyContactState {
	typing: { composer: string; at: number } | null;
	cursor: DraftCursor | null;
	/** My non-empty drafts open here, composer -> draft key. */
	drafting: Map<string, string>;
	idle: ReturnType<typeof setTimeout> | null;
	cursorThrottle: Throttle;
}

const RANK: Record<PresenceStatus, number> = { online: 0, away: 1, offline: 2 };

function peerOf(u: { kind: PresencePeer['kind']; id: string; name: string }): PresencePeer {
	return { kind: u.kind, id: u.id, name: u.name };
}

export class PresenceState implements PresenceApi {
	status = $state<'online' | 'away'>('online');
	/** Others' presence on `dir`, one per awareness client. */
	#dirPeers = $state.raw<DirPresence[]>([]);
	/** Bumped when any contact document's awareness changes (or a typing state expires). */
	#contactRev = $state(0);
	readonly #deps: PresenceDeps;
	readonly #now: () => number;
	#hub: AwarenessHub | null = null;
	#viewing: ContactId | null = null;
	readonly #mine = new Map<ContactId, MyContactState>();
	readonly #seen = new Map<ContactId, Set<string>>();
	#lastActive = 0;
	#expiry: ReturnType<typeof setTimeout> | null = null;

	constructor(deps: PresenceDeps) {
		this.#deps = deps;
		this.#now = deps.now ?? Date.now;
	}

	#byUser = $derived.by(() => {
		const m = new Map<string, { status: 'online' | 'away'; viewing: Set<string>; peer: PresencePeer }>();
		for (const p of this.#dirPeers) {
			const cur = m.get(p.user.id);
			if (!cur) m.set(p.user.id, { status: p.status, viewing: new Set(p.viewing ? [p.viewing] : []), peer: peerOf(p.user) });
			else {
				if (p.status === 'online') cur.status = 'online';
				if (p.viewing) cur.viewing.add(p.viewing);
			}
		}
		return m;
	});

	#viewers = $derived.by(() => {
		const me = this.#deps.user()?.id;
		const m = new Map<string, PresencePeer[]>();
		for (const [id, u] of this.#byUser) {
			if (id === me) continue;
			for (const c of u.viewing) m.set(c, [...(m.get(c) ?? []), u.peer]);
		}
		return m;
	});

	get team(): TeamMember[] {
		const dir = this.#deps.dir();
		const users = (dir?.users ?? []).filter((u) => u.active);
		return users.map((user) => ({ user, status: this.statusOf(user.id) })).sort((a, b) => RANK[a.status] - RANK[b.status] || a.user.name.localeCompare(b.user.name));
	}

	statusOf(userId: UserId): PresenceStatus {
		if (userId === this.#deps.user()?.id) return this.status;
		return this.#byUser.get(userId)?.status ?? 'offline';
	}

	viewersOf(contactId: ContactId): PresencePeer[] {
		return this.#viewers.get(contactId) ?? [];
	}

	typingIn(contactId: ContactId): TypingPeer[] {
		void this.#contactRev;
		const now = this.#now();
		const out: TypingPeer[] = [];
		for (const p of this.#contactPeers(contactId)) {
			if (p.state.typing && now - p.receivedAt <= TYPING_TTL_MS) out.push({ ...peerOf(p.state.user), composer: p.state.typing.composer });
		}
		return dedupe(out);
	}

	/** Other agents with a non-empty draft open on this contact ("Olivia is drafting a reply", S9.4). */
	draftingIn(contactId: ContactId): DraftingPeer[] {
		void this.#contactRev;
		const me = this.#deps.user()?.id;
		const out: DraftingPeer[] = [];
		for (const p of this.#contactPeers(contactId)) {
			const d = p.state.drafting;
			if (d && p.state.user.kind !== 'contact' && p.state.user.id !== me) out.push({ ...peerOf(p.state.user), composer: d.composer, key: d.key });
		}
		return dedupe(out);
	}

	// --- wiring ----------------------------------------------------------------------------

	/** Follows `hub` until the returned function is called; publishes my presence on `dir`. */
	attach(hub: AwarenessHub): () => void {
		this.#hub = hub;
		this.#readDir();
		const off = hub.subscribe((docId) => {
			if (docId === DIR_DOC_ID) this.#readDir();
			else if (parseDocId(docId)?.kind === 'contact') this.#contactChanged();
		});
		const stopFollow = $effect.root(() => {
			$effect(() => {
				const id = this.#deps.selected();
				const user = this.#deps.user();
				if (user) this.#view(id);
			});
		});
		const stopIdle = this.#watchActivity();
		return () => {
			off();
			stopFollow();
			stopIdle();
			for (const id of [...this.#mine.keys()]) this.#leave(id);
			hub.setLocal(DIR_DOC_ID, null);
			if (this.#expiry) clearTimeout(this.#expiry);
			this.#expiry = null;
			this.#hub = null;
			this.#dirPeers = [];
			this.#viewing = null;
		};
	}

	#view(id: ContactId | null): void {
		const prev = this.#viewing;
		this.#viewing = id;
		if (prev && prev !== id) this.#leave(prev);
		this.#publishDir();
	}

	#publishDir(): void {
		const user = this.#deps.user();
		if (!this.#hub || !user) return;
		this.#hub.setLocal(DIR_DOC_ID, { user: { kind: 'user', id: user.id, name: user.name }, status: this.status, viewing: this.#viewing });
	}

	#readDir(): void {
		const hub = this.#hub;
		if (!hub) return;
		this.#dirPeers = hub.peers(DIR_DOC_ID).flatMap((p) => readDirPresence(p.state) ?? []);
	}

	#contactPeers(contactId: ContactId): Array<{ state: ContactPresence; receivedAt: number }> {
		return (this.#hub?.peers(contactDocId(contactId)) ?? []).flatMap((p) => {
			const state = readContactPresence(p.state);
			return state ? [{ state, receivedAt: p.receivedAt }] : [];
		});
	}

	#contactChanged(): void {
		this.#contactRev++;
		// Re-read when the oldest typing state would expire, so a silent peer stops "typing".
		if (this.#expiry) return;
		this.#expiry = setTimeout(() => {
			this.#expiry = null;
			this.#contactRev++;
			const hub = this.#hub;
			const now = this.#now();
			const anyTyping = hub?.docsWithPeers().some((d: DocId) => hub.peers(d).some((p) => p.state.typing && now - p.receivedAt <= TYPING_TTL_MS));
			if (anyTyping) this.#contactChanged();
		}, 1_000);
	}

	// --- my typing and cursor ----------------------------------------------------------------

	typing(contactId: ContactId, composer: string): void {
		const s = this.#my(contactId);
		const now = this.#now();
		this.#activity();
		if (!s.typing || s.typing.composer !== composer || now - s.typing.at >= TYPING_EVERY_MS) {
			s.typing = { composer, at: now };
			this.#publishContact(contactId);
		}
		if (s.idle) clearTimeout(s.idle);
		s.idle = setTimeout(() => this.stopTyping(contactId), TYPING_IDLE_MS);
	}

	stopTyping(contactId: ContactId): void {
		const s = this.#mine.get(contactId);
		if (!s) return;
		if (s.idle) clearTimeout(s.idle);
		s.idle = null;
		if (!s.typing) return;
		s.typing = null;
		this.#publishContact(contactId);
	}

	/** My cursor in a shared draft (relative positions), or null when I left the composer. */
	setCursor(contactId: ContactId, cursor: DraftCursor | null): void {
		const s = this.#my(contactId);
		s.cursor = cursor;
		if (cursor === null) {
			s.cursorThrottle.cancel();
			this.#publishContact(contactId);
		} else s.cursorThrottle.run(() => this.#publishContact(contactId));
	}

	/** My non-empty draft `key` open in `composer` of this contact (S9.4); null when empty or closed. */
	setDrafting(contactId: ContactId, composer: string, key: string | null): void {
		const prev = this.#mine.get(contactId)?.drafting.get(composer) ?? null;
		if (prev === key) return;
		const s = this.#my(contactId);
		if (key) s.drafting.set(composer, key);
		else s.drafting.delete(composer);
		this.#publishContact(contactId);
	}

	/** The drafting state published: the reply's before any other composer's. */
	#draftingOf(s: MyContactState): DraftingState | null {
		const reply = s.drafting.get('reply');
		if (reply) return { composer: 'reply', key: reply };
		for (const [composer, key] of s.drafting) return { composer, key };
		return null;
	}

	#my(contactId: ContactId): MyContactState {
		let s = this.#mine.get(contactId);
		if (!s) {
			s = { typing: null, cursor: null, drafting: new Map(), idle: null, cursorThrottle: new Throttle(CURSOR_EVERY_MS, this.#now) };
			this.#mine.set(contactId, s);
		}
		return s;
	}

	#publishContact(contactId: ContactId): void {
		const user = this.#deps.user();
		const s = this.#mine.get(contactId);
		if (!this.#hub || !user || !s) return;
		const docId = contactDocId(contactId);
		const drafting = this.#draftingOf(s);
		if (!s.typing && !s.cursor && !drafting) {
			this.#hub.setLocal(docId, null);
			return;
		}
		this.#hub.setLocal(docId, { user: { kind: 'user', id: user.id, name: user.name }, typing: s.typing, cursor: s.cursor, drafting });
	}

	#leave(contactId: ContactId): void {
		const s = this.#mine.get(contactId);
		if (!s) return;
		if (s.idle) clearTimeout(s.idle);
		s.cursorThrottle.cancel();
		this.#mine.delete(contactId);
		this.#hub?.setLocal(contactDocId(contactId), null);
	}

	// --- away ----------------------------------------------------------------------------------

	#activity(): void {
		this.#lastActive = this.#now();
		if (this.status === 'away') {
			this.status = 'online';
			this.#publishDir();
		}
	}

	#watchActivity(): () => void {
		this.#lastActive = this.#now();
		const check = setInterval(() => {
			if (this.status === 'online' && this.#now() - this.#lastActive >= AWAY_AFTER_MS) {
				this.status = 'away';
				this.#publishDir();
			}
		}, 15_000);
		(check as { unref?: () => void }).unref?.();
		if (typeof window === 'undefined') return () => clearInterval(check);
		let last = 0;
		const onInput = () => {
			const now = this.#now();
			if (now - last < 1_000 && this.status === 'online') return;
			last = now;
			this.#activity();
		};
		const events = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'focus'] as const;
		for (const e of events) window.addEventListener(e, onInput, { passive: true });
		return () => {
			clearInterval(check);
			for (const e of events) window.removeEventListener(e, onInput);
		};
	}

	// --- collision guard -----------------------------------------------------------------------

	markSeen(contactId: ContactId, entries: readonly Entry[]): void {
		let s = this.#seen.get(contactId);
		if (!s) {
			s = new Set();
			this.#seen.set(contactId, s);
		}
		for (const e of entries) s.add(e.id);
	}

	collisionFor(contactId: ContactId, entries: readonly Entry[]): Collision | null {
		const me = this.#deps.user()?.id;
		const seen = this.#seen.get(contactId);
		// Never marked: the thread was not shown yet, so nothing in it can be "new since".
		const unseen = seen ? entries.filter((e) => e.kind !== 'event' && !seen.has(e.id) && !(e.author.type === 'user' && e.author.id === me)) : [];
		const now = this.#now();
		const typing: TypingPeer[] = [];
		const drafting: TypingPeer[] = [];
		for (const p of this.#contactPeers(contactId)) {
			const u = p.state.user;
			if (u.kind === 'contact' || u.id === me) continue;
			const t = p.state.typing;
			if (t && t.composer === 'reply' && now - p.receivedAt <= TYPING_TTL_MS) typing.push({ ...peerOf(u), composer: 'reply' });
			else if (p.state.drafting?.composer === 'reply' || (p.state.cursor && parseDraftKey(p.state.cursor.composer).composer === 'reply')) drafting.push({ ...peerOf(u), composer: 'reply' });
		}
		if (unseen.length === 0 && typing.length === 0 && drafting.length === 0) return null;
		return { unseen, typing: dedupe(typing), drafting: dedupe(drafting) };
	}
}

function dedupe<T extends PresencePeer>(list: T[]): T[] {
	const seen = new Set<string>();
	return list.filter((p) => {
		const k = `${p.kind}:${p.id}`;
		if (seen.has(k)) return false;
		seen.add(k);
		return true;
	});
}
