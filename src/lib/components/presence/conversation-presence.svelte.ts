/**
 * What the conversation console needs from presence, in one object created by the pane during
 * its initialisation (it registers effects):
 * - the shared reply and comment drafts of the open contact (opened and closed with it);
 * - "seen" marks for the collision guard: the entries on screen while the thread is scrolled to
 *   its end and the page is visible (the thread keeps a reader at the end as entries arrive);
 * - `guard(conv)`: the conversation with `sendMessage` asking first (CollisionDialog) when the
 *   reply would collide (S9.4); the composer calls it like the plain one.
 */
import type { ContactId } from '../../domain/types';
import type { ActionOutcome, Collision, ConversationApi, DraftsApi, PresenceApi, SharedDraftApi } from '../../state/api';

export class ConversationPresence {
	reply = $state.raw<SharedDraftApi | null>(null);
	comment = $state.raw<SharedDraftApi | null>(null);
	collision = $state.raw<Collision | null>(null);
	readonly #presence: PresenceApi | null;
	#answer: ((ok: boolean) => void) | null = null;
	readonly #guarded = new WeakMap<ConversationApi, ConversationApi>();

	constructor(
		presence: PresenceApi | null,
		drafts: DraftsApi | null,
		contactId: () => string,
		entries: () => ConversationApi['entries'],
		threadEl: () => HTMLElement | null
	) {
		this.#presence = presence;
		$effect(() => {
			const id = contactId() as ContactId;
			if (!drafts) return;
			const reply = drafts.open(id, 'reply');
			const comment = drafts.open(id, 'comment');
			this.reply = reply;
			this.comment = comment;
			return () => {
				reply.close();
				comment.close();
				this.reply = this.comment = null;
				this.#answer?.(false);
			};
		});
		// Seen: on every change of the thread, and when the reader scrolls to its end.
		$effect(() => {
			const id = contactId() as ContactId;
			const list = entries();
			const el = threadEl();
			if (!presence || !el) return;
			const mark = () => {
				const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
				if (atEnd && document.visibilityState === 'visible') presence.markSeen(id, entries());
			};
			// After the thread laid the new entries out (and scrolled to them if it follows the end).
			const raf = requestAnimationFrame(mark);
			void list.length;
			el.addEventListener('scroll', mark, { passive: true });
			document.addEventListener('visibilitychange', mark);
			return () => {
				cancelAnimationFrame(raf);
				el.removeEventListener('scroll', mark);
				document.removeEventListener('visibilitychange', mark);
			};
		});
	}

	/** `conv` whose `sendMessage` runs the collision guard first. */
	guard(conv: ConversationApi): ConversationApi {
		const known = this.#guarded.get(conv);
		if (known) return known;
		const send = async (input: Parameters<ConversationApi['sendMessage']>[0]): Promise<ActionOutcome> => {
			const found = this.#presence?.collisionFor(conv.id, conv.entries) ?? null;
			if (found) {
				this.collision = found;
				const ok = await new Promise<boolean>((resolve) => (this.#answer = resolve));
				this.#answer = null;
				this.collision = null;
				if (!ok) return { ok: false, error: '' };
			}
			const out = await conv.sendMessage(input);
			if (out.ok) {
				this.#presence?.markSeen(conv.id, conv.entries);
				this.#presence?.stopTyping(conv.id);
			}
			return out;
		};
		const proxy = new Proxy(conv, {
			get(target, key) {
				if (key === 'sendMessage') return send;
				const v: unknown = Reflect.get(target, key, target);
				return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
			}
		});
		this.#guarded.set(conv, proxy);
		return proxy;
	}

	/** The CollisionDialog's answer. */
	answer(ok: boolean): void {
		this.#answer?.(ok);
	}
}
