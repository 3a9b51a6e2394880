/**
 * Messages with files written offline (SPEC S5.14, S5.4). A message may point only at a stored
 * file, so a reply whose files could not be uploaded is not written to the thread yet: it waits
 * here, with the files' bytes, in its own IndexedDB database (it survives a reload), and is
 * written once every file is stored. The message keeps the entry id it was given when queued,
 * so a retry after a crash between "written" and "removed from the queue" writes it once.
 *
 * Retries: when the browser says it is online, when `kick()` is called (the sync connection came
 * back), and on a backoff timer while something waits. One flush at a time; a file the server
 * refuses (too large, storage full) stops its message with the reason, shown to the author.
 */
import { openDB, type IDBPDatabase } from 'idb';
import type { Attachment, ChannelId, ContactId, EmailMeta, EntryId, LinkPreview, UserId } from '../domain/types';
import type { ActionOutcome, FileOutboxApi, MediaApi } from './api';

export interface QueuedFile {
	name: string;
	type: string;
	blob: Blob;
}

export interface QueuedMessage {
	id: EntryId;
	userId: UserId;
	contactId: ContactId;
	channelId: ChannelId;
	text: string;
	replyTo?: EntryId;
	linkPreview?: LinkPreview;
	/** Files already stored (uploaded before the connection dropped). */
	attachments: Attachment[];
	/** Files still to upload. */
	files: QueuedFile[];
	/** On an email channel: the email's subject, copies, HTML (S5.12), sent as it was written. */
	email?: EmailMeta;
	at: number;
	/** Why it cannot be sent (a refused file); it then waits for the author to remove it. */
	error?: string;
}

export interface FileOutboxDeps {
	media: MediaApi;
	user(): UserId | null;
	/** Writes the message (the conversation's own send, with the queued id). */
	send(contactId: ContactId, input: { id: EntryId; text: string; channelId: ChannelId; replyTo?: EntryId; linkPreview?: LinkPreview; attachments: Attachment[]; email?: EmailMeta }): Promise<ActionOutcome>;
	/** Where the queue is kept; null: memory only (tests, no IndexedDB). */
	open?(): Promise<QueueStore | null>;
}

/** The queue's storage. */
export interface QueueStore {
	all(): Promise<QueuedMessage[]>;
	put(m: QueuedMessage): Promise<void>;
	delete(id: EntryId): Promise<void>;
}

const DB = 'parley-file-outbox';

export async function indexedDbQueue(): Promise<QueueStore | null> {
	if (typeof indexedDB === 'undefined') return null;
	try {
		const db: IDBPDatabase = await openDB(DB, 1, { upgrade: (d) => void d.createObjectStore('messages', { keyPath: 'id' }) });
		return {
			all: () => db.getAll('messages') as Promise<QueuedMessage[]>,
			put: async (m) => void (await db.put('messages', m)),
			delete: (id) => db.delete('messages', id)
		};
	} catch {
		return null;
	}
}

export class FileOutbox implements FileOutboxApi {
	// Raw: the items hold Blobs; the list is replaced, never mutated.
	items = $state.raw<QueuedMessage[]>([]);
	readonly #deps: FileOutboxDeps;
	#store: Promise<QueueStore | null> | null = null;
	#flushing: Promise<void> | null = null;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#delay = 2_000;
	#detach: (() => void) | null = null;

	constructor(deps: FileOutboxDeps) {
		this.#deps = deps;
	}

	#db(): Promise<QueueStore | null> {
		this.#store ??= (this.#deps.open ?? indexedDbQueue)();
		return this.#store;
	}

	/** Loads what waits from an earlier session and starts retrying it. */
	async start(): Promise<void> {
		const db = await this.#db();
		if (db) this.items = (await db.all()).sort((a, b) => a.at - b.at);
		if (typeof window !== 'undefined' && !this.#detach) {
			const online = () => this.kick();
			window.addEventListener('online', online);
			this.#detach = () => window.removeEventListener('online', online);
		}
		this.kick();
	}

	stop(): void {
		this.#detach?.();
		this.#detach = null;
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
	}

	forContact(id: ContactId): QueuedMessage[] {
		const me = this.#deps.user();
		return this.items.filter((m) => m.contactId === id && m.userId === me);
	}

	async queue(m: QueuedMessage): Promise<void> {
		this.items = [...this.items, m];
		await (await this.#db())?.put(m);
		this.kick();
	}

	async remove(id: EntryId): Promise<void> {
		this.items = this.items.filter((m) => m.id !== id);
		await (await this.#db())?.delete(id);
	}

	/** Tries now (the connection may be back). */
	kick(): void {
		this.#delay = 2_000;
		void this.flush();
	}

	flush(): Promise<void> {
		this.#flushing ??= this.#flush().finally(() => {
			this.#flushing = null;
			this.#schedule();
		});
		return this.#flushing;
	}

	#schedule(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		const me = this.#deps.user();
		if (!this.items.some((m) => m.userId === me && !m.error)) return;
		this.#timer = setTimeout(() => void this.flush(), this.#delay);
		this.#delay = Math.min(this.#delay * 2, 30_000);
	}

	async #flush(): Promise<void> {
		const me = this.#deps.user();
		for (const m of [...this.items]) {
			if (m.userId !== me || m.error) continue;
			let next: QueuedMessage = { ...m, attachments: [...m.attachments], files: [...m.files] };
			while (next.files.length > 0) {
				const f = next.files[0]!;
				const file = Object.assign(f.blob.slice(0, f.blob.size, f.type), { name: f.name });
				const r = await this.#deps.media.upload(file, { contactId: m.contactId });
				if (!r.ok) {
					if (r.reason === 'refused') {
						next = { ...next, error: r.error };
						await this.#update(next);
					} else await this.#update(next);
					// Offline (or cancelled): stop here, retry later.
					if (r.reason !== 'refused') return;
					break;
				}
				next = { ...next, attachments: [...next.attachments, r.attachment], files: next.files.slice(1) };
				await this.#update(next);
			}
			if (next.error || next.files.length > 0) continue;
			const out = await this.#deps.send(m.contactId, {
				id: m.id,
				text: m.text,
				channelId: m.channelId,
				attachments: next.attachments,
				...(m.replyTo ? { replyTo: m.replyTo } : {}),
				...(m.linkPreview ? { linkPreview: m.linkPreview } : {}),
				...(m.email ? { email: m.email } : {})
			});
			if (out.ok) await this.remove(m.id);
			else await this.#update({ ...next, error: out.error });
		}
	}

	async #update(m: QueuedMessage): Promise<void> {
		this.items = this.items.map((x) => (x.id === m.id ? m : x));
		await (await this.#db())?.put(m);
	}
}
