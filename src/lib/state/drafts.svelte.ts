/**
 * Shared drafts (ARCHITECTURE "shared draft", SPEC S9.4): the reply and comment drafts of a
 * contact are Y.Text in its document, so they merge between agents, survive reloads and
 * offline periods like any local change (stored, queued, acked), and an empty draft after
 * sending is empty for everyone.
 *
 * A `SharedDraft` is one composer's view of one draft: `value` follows the Y.Text; `set` writes
 * the smallest insert/delete that turns it into the textarea's text (so two agents typing in
 * different places both keep their characters); cursors travel as relative positions in the
 * contact's awareness (`presence.setCursor`), and peers' cursors are mapped back to indices
 * whenever the text or their state changes.
 */
import { contactDoc, type YDoc, type YText } from '../doc';
import { contactDocId } from '../domain/ids';
import type { ContactId, DocId } from '../domain/types';
import { readContactPresence } from '../sync/awareness-states';
import { absoluteCursor, applyTextDiff, relativeCursor } from '../sync/awareness-text';
import type { Replica } from '../sync/replica';
import type { DraftsApi, RemoteCursor, SharedDraftApi } from './api';
import type { PresenceState } from './presence.svelte';

export interface DraftsDeps {
	replica(): Replica | null;
	presence: PresenceState;
}

export class SharedDraft implements SharedDraftApi {
	readonly contactId: ContactId;
	readonly composer: string;
	ready = $state(false);
	value = $state('');
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
		this.loaded = this.#load();
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
		const c = contactDoc(doc);
		// `reply` and `comment` exist from the contact's creation; another key is made on first use.
		const read = () => {
			const t = c.drafts.has(this.composer) ? c.drafts.text(this.composer) : null;
			this.#text = t;
			this.value = t ? t.toString() : '';
			this.#readCursors();
		};
		// The draft may be replaced by a peer creating it concurrently: follow the document, not one Y.Text.
		doc.on('afterTransaction', read);
		this.#cleanup.push(() => doc.off('afterTransaction', read));
		this.#cleanup.push(replica.awareness.subscribe((d) => d === this.#docId && this.#readCursors()));
		read();
		this.ready = true;
	}

	set(next: string): void {
		if (!this.#doc || next === this.value) return;
		const c = contactDoc(this.#doc);
		c.drafts.edit(this.composer, (t) => applyTextDiff(t, next));
		this.#text = c.drafts.text(this.composer);
		this.#deps.presence.typing(this.contactId, this.composer);
	}

	setCursor(anchor: number, head: number): void {
		const t = this.#text;
		if (!t) return;
		this.#mine = { anchor: relativeCursor(t, anchor), head: relativeCursor(t, head) };
		this.#deps.presence.setCursor(this.contactId, { composer: this.composer, ...this.#mine });
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
		if (!this.#doc || !contactDoc(this.#doc).drafts.has(this.composer)) return;
		contactDoc(this.#doc).drafts.edit(this.composer, (t) => {
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
			if (!s?.cursor || s.cursor.composer !== this.composer) continue;
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
