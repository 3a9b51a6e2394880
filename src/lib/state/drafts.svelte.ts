/**
 * Drafts (ARCHITECTURE "draft", SPEC S9.4): each agent's reply and comment drafts of a contact
 * are Y.Text in its document under a key naming the composer and the author
 * (`domain/drafts.ts`), so a draft is its author's own, follows them across their devices and
 * tabs, survives reloads and offline periods like any local change (stored, queued, acked),
 * and an empty draft after sending is empty everywhere. Others see "Olivia is drafting a
 * reply" through awareness (`presence.setDrafting`, published while the draft is non-empty);
 * "Write together" (`join`) writes a join marker and binds the composer to the owner's draft,
 * whose owner sees the joiners (`joiners`).
 *
 * A `SharedDraft` is one composer's view of one draft: `value` follows the Y.Text; `set` writes
 * the smallest insert/delete that turns it into the textarea's text (so two agents typing in
 * different places both keep their characters); cursors travel as relative positions in the
 * contact's awareness (`presence.setCursor`), and peers' cursors are mapped back to indices
 * whenever the text or their state changes.
 */
import { contactDoc, type YDoc, type YText } from '../doc';
import { draftKey, joinKey, joinersOf } from '../domain/drafts';
import { contactDocId } from '../domain/ids';
import type { ContactId, DocId, UserId } from '../domain/types';
import { readContactPresence } from '../sync/awareness-states';
import { absoluteCursor, applyTextDiff, relativeCursor } from '../sync/awareness-text';
import type { Replica } from '../sync/replica';
import type { DraftsApi, RemoteCursor, SharedDraftApi } from './api';
import type { PresenceState } from './presence.svelte';

export interface DraftsDeps {
	replica(): Replica | null;
	presence: PresenceState;
	/** The signed-in user, author of their drafts. */
	me(): UserId | null;
}

export class SharedDraft implements SharedDraftApi {
	readonly contactId: ContactId;
	readonly composer: string;
	ready = $state(false);
	value = $state('');
	/** Whose draft this composer writes: mine, or the one I joined. */
	owner = $state<string | null>(null);
	joiners = $state.raw<string[]>([]);
	remoteCursors = $state.raw<RemoteCursor[]>([]);
	/** Resolves once the document is loaded. */
	readonly loaded: Promise<void>;
	readonly #deps: DraftsDeps;
	readonly #docId: DocId;
	#doc: YDoc | null = null;
	#text: YText | null = null;
	/** My selection as relative positions (JSON), so it survives others' edits. */
	#mine: { anchor: unknown; head: unknown } | null = null;
	#cleanup: Array<() => void> = [];
	#closed = false;

	constructor(contactId: ContactId, composer: string, deps: DraftsDeps) {
		this.contactId = contactId;
		this.composer = composer;
		this.#deps = deps;
		this.#docId = contactDocId(contactId);
		this.owner = deps.me();
		this.loaded = this.#load();
	}

	/** The key of the draft this composer writes; null before sign-in. */
	get key(): string | null {
		return this.owner ? draftKey(this.composer, this.owner) : null;
	}

	join(owner: string): void {
		const me = this.#deps.me();
		if (!this.#doc || !me || owner === me || owner === this.owner) return;
		if (this.#mine) this.clearCursor();
		this.owner = owner;
		const c = contactDoc(this.#doc);
		const marker = joinKey(draftKey(this.composer, owner), me);
		// The marker first, in its own transaction: the server then lets me write the owner's draft.
		if (!c.drafts.has(marker)) c.drafts.text(marker);
		this.#read();
	}

	leave(): void {
		const me = this.#deps.me();
		if (!me || this.owner === me) return;
		if (this.#mine) this.clearCursor();
		this.owner = me;
		this.#read();
	}

	#read = (): void => {
		const doc = this.#doc;
		const key = this.key;
		if (!doc || !key) return;
		const c = contactDoc(doc);
		const t = c.drafts.has(key) ? c.drafts.text(key) : null;
		this.#text = t;
		this.value = t ? t.toString() : '';
		const me = this.#deps.me();
		const joiners = me ? joinersOf(draftKey(this.composer, me), c.drafts.keys()) : [];
		if (joiners.join() !== this.joiners.join()) this.joiners = joiners;
		this.#readCursors();
		this.#publishDrafting();
	};

	/** "I am drafting": while my own draft in this composer is non-empty. */
	#publishDrafting(): void {
		const me = this.#deps.me();
		const key = this.key;
		const mine = me !== null && this.owner === me && key !== null && this.value.trim().length > 0;
		this.#deps.presence.setDrafting(this.contactId, this.composer, mine ? key : null);
	}

	async #load(): Promise<void> {
		const replica = this.#deps.replica();
		if (!replica) return;
		this.#cleanup.push(replica.registry.pin(this.#docId));
		let doc: YDoc;
		try {
			doc = await replica.contact(this.contactId);
		} catch {
			return;
		}
		if (this.#closed) return;
		this.#doc = doc;
		// A draft is made on first use; it may be replaced by my other tab creating it
		// concurrently: follow the document, not one Y.Text.
		const read = this.#read;
		doc.on('afterTransaction', read);
		this.#cleanup.push(() => doc.off('afterTransaction', read));
		this.#cleanup.push(replica.awareness.subscribe((d) => d === this.#docId && this.#readCursors()));
		read();
		this.ready = true;
	}

	set(next: string): void {
		const key = this.key;
		if (!this.#doc || !key || next === this.value) return;
		const c = contactDoc(this.#doc);
		c.drafts.edit(key, (t) => applyTextDiff(t, next));
		this.#text = c.drafts.text(key);
		this.#deps.presence.typing(this.contactId, this.composer);
	}

	setCursor(anchor: number, head: number): void {
		const t = this.#text;
		const key = this.key;
		if (!t || !key) return;
		this.#mine = { anchor: relativeCursor(t, anchor), head: relativeCursor(t, head) };
		this.#deps.presence.setCursor(this.contactId, { composer: key, ...this.#mine });
	}

	clearCursor(): void {
		this.#mine = null;
		this.#deps.presence.setCursor(this.contactId, null);
	}

	localSelection(): { anchor: number; head: number } | null {
		const t = this.#text;
		if (!t || !this.#mine) return null;
		const anchor = absoluteCursor(t, this.#mine.anchor);
		const head = absoluteCursor(t, this.#mine.head);
		return anchor === null || head === null ? null : { anchor, head };
	}

	clear(): void {
		const key = this.key;
		if (!this.#doc || !key || !contactDoc(this.#doc).drafts.has(key)) return;
		contactDoc(this.#doc).drafts.edit(key, (t) => {
			if (t.length > 0) t.delete(0, t.length);
		});
		this.#deps.presence.stopTyping(this.contactId);
	}

	#readCursors(): void {
		const t = this.#text;
		const replica = this.#deps.replica();
		if (!t || !replica) {
			if (this.remoteCursors.length > 0) this.remoteCursors = [];
			return;
		}
		const out: RemoteCursor[] = [];
		for (const p of replica.awareness.peers(this.#docId)) {
			const s = readContactPresence(p.state);
			if (!s?.cursor || s.cursor.composer !== this.key) continue;
			const anchor = absoluteCursor(t, s.cursor.anchor);
			const head = absoluteCursor(t, s.cursor.head);
			if (anchor === null || head === null) continue;
			out.push({ user: { kind: s.user.kind, id: s.user.id, name: s.user.name }, anchor, head });
		}
		if (out.length === 0 && this.remoteCursors.length === 0) return;
		this.remoteCursors = out;
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		if (this.#mine) this.clearCursor();
		this.#deps.presence.setDrafting(this.contactId, this.composer, null);
		for (const f of this.#cleanup.splice(0)) f();
		this.#doc = null;
		this.#text = null;
	}
}

export class DraftsState implements DraftsApi {
	readonly #deps: DraftsDeps;

	constructor(deps: DraftsDeps) {
		this.#deps = deps;
	}

	open(contactId: ContactId, composer: string): SharedDraft {
		return new SharedDraft(contactId, composer, this.#deps);
	}
}
