/**
 * Open conversations: a contact's document loaded from local storage (pinned in the registry
 * while open), its thread kept in (at, id) order as entries arrive, and the composer actions.
 *
 * Invariants:
 * - Entries are immutable and only ever added, so new ones are inserted by binary search into
 *   the sorted array; the thread is read whole once, when the document loads.
 * - Sending a message or a comment is one local transaction with a client-made entry id; a
 *   reply to a contact with no assignee assigns the sender in the same transaction (S7.2).
 * - `replyTo` (S5.3) is UI state of this open conversation, shared by the thread's message menu
 *   (which sets it) and the composer (which reads and clears it); it is never written anywhere.
 * - Profile edits (S8.1) are validated with the domain's `validateProfilePatch`; custom fields
 *   are merged into the current ones, so editing one field keeps the others.
 */
import { attachmentBodyType } from '../domain/attachments';
import { compareEntries, contactDoc, type YDoc } from '../doc';
import { autoAssignOnReply } from '../domain/actions';
import { validateProfilePatch, type ProfilePatchInput } from '../domain/contact-input';
import { contactDocId, newId } from '../domain/ids';
import type {
	Assignment,
	Attachment,
	ChannelId,
	ContactId,
	ContactSummary,
	ConversationState,
	Delivery,
	Directory,
	EmailMeta,
	Entry,
	EntryId,
	LinkPreview,
	Profile,
	Status,
	User,
	UserId
} from '../domain/types';
import type { Replica } from '../sync/replica';
import type { ActionOutcome, ConversationApi, ConversationsApi, ProfileOutcome } from './api';
import { findMergeSuggestions, type MergeSuggestion } from './merge-suggestions';

export interface ConversationDeps {
	replica(): Replica | null;
	user(): User | null;
	summary(id: ContactId): ContactSummary | undefined;
	now(): number;
	/** Every local summary (S8.2 merge suggestions); reactivity comes through `summary`. */
	summaries?(): Iterable<ContactSummary>;
	/** The directory (custom field definitions for S8.1 validation). */
	dir?(): Directory | null;
}

export class Conversation implements ConversationApi {
	readonly id: ContactId;
	loading = $state(true);
	profile = $state.raw<Profile | null>(null);
	status = $state<Status>('open');
	entries = $state.raw<Entry[]>([]);
	assignment = $state.raw<Assignment>({ userId: null, teamId: null });
	conversationState = $state.raw<ConversationState | null>(null);
	replyTo = $state<EntryId | null>(null);
	#byId = new Map<EntryId, Entry>();
	#deliveries = $state.raw<Record<string, Delivery>>({});
	readonly #deps: ConversationDeps;
	#doc: YDoc | null = null;
	#cleanup: Array<() => void> = [];
	#closed = false;
	/** Resolves once the document is loaded (tests and the bench wait on it). */
	readonly loaded: Promise<void>;

	constructor(id: ContactId, deps: ConversationDeps) {
		this.id = id;
		this.#deps = deps;
		this.loaded = this.#load();
	}

	get summary(): ContactSummary | undefined {
		return this.#deps.summary(this.id);
	}

	async #load(): Promise<void> {
		const replica = this.#deps.replica();
		if (!replica) return;
		const release = replica.registry.pin(contactDocId(this.id));
		this.#cleanup.push(release);
		let doc: YDoc;
		try {
			doc = await replica.contact(this.id);
		} catch {
			this.loading = false;
			return;
		}
		if (this.#closed) return;
		this.#doc = doc;
		const c = contactDoc(doc);
		this.entries = c.thread.ordered();
		for (const e of this.entries) this.#byId.set(e.id, e);
		this.#readMaps();
		this.#cleanup.push(
			c.thread.observe((added) => {
				const next = this.entries.slice();
				for (const id of added) {
					const e = c.thread.get(id);
					if (!e || this.#byId.has(e.id)) continue;
					this.#byId.set(e.id, e);
					next.splice(insertAt(next, e), 0, e);
				}
				this.entries = next;
			})
		);
		const onTx = () => this.#readMaps();
		doc.on('afterTransaction', onTx);
		this.#cleanup.push(() => doc.off('afterTransaction', onTx));
		this.loading = false;
	}

	#readMaps(): void {
		if (!this.#doc) return;
		const c = contactDoc(this.#doc);
		this.profile = c.profile.get();
		const state = c.state.get();
		this.status = state.status;
		if (!sameState(this.conversationState, state)) this.conversationState = state;
		const a = c.assignment.get();
		if (a.userId !== this.assignment.userId || a.teamId !== this.assignment.teamId) this.assignment = a;
		this.#deliveries = c.delivery.all();
	}

	get blocked(): boolean {
		return this.profile?.blocked ?? this.summary?.blocked ?? false;
	}

	entry(id: EntryId): Entry | undefined {
		void this.entries;
		return this.#byId.get(id);
	}

	setReplyTo(id: EntryId | null): void {
		this.replyTo = id;
	}

	mergeSuggestions(): MergeSuggestion[] {
		const self = this.summary;
		const profile = this.profile;
		const all = this.#deps.summaries?.();
		if (!all || (!self && !profile)) return [];
		return findMergeSuggestions({ id: this.id, phone: profile?.phone ?? self?.phone ?? '', email: profile?.email ?? self?.email ?? '' }, all);
	}

	async updateProfile(input: ProfilePatchInput): Promise<ProfileOutcome> {
		const dir = this.#deps.dir?.() ?? null;
		if (!dir) return { ok: false, errors: { form: 'The workspace is not loaded yet.' } };
		const v = validateProfilePatch(input, dir);
		if (!v.ok) return { ok: false, errors: Object.fromEntries(Object.entries(v.errors).filter((kv): kv is [string, string] => typeof kv[1] === 'string')) };
		const { custom, ...fields } = v.value;
		const out = await this.#write((c) => {
			const patch: Partial<Profile> = { ...fields };
			if (custom) {
				const merged: Profile['custom'] = { ...c.profile.get().custom };
				for (const [k, value] of Object.entries(custom)) {
					if (value === null) delete merged[k];
					else merged[k] = value;
				}
				patch.custom = merged;
			}
			c.profile.patch(patch);
			return null;
		});
		return out.ok ? { ok: true } : { ok: false, errors: { form: out.error } };
	}

	delivery(entryId: EntryId): Delivery | undefined {
		return this.#deliveries[entryId];
	}

	async sendMessage(input: { text: string; channelId: ChannelId; replyTo?: EntryId; attachments?: Attachment[]; linkPreview?: LinkPreview; id?: EntryId; templateId?: string; email?: EmailMeta }): Promise<ActionOutcome> {
		const text = input.text.trim();
		const attachments = input.attachments ?? [];
		if (!text && attachments.length === 0) return { ok: false, error: 'The message is empty.' };
		return this.#write((c, user, now) => {
			if (c.profile.get().blocked) return 'A blocked contact cannot be messaged.';
			// A message sent again under its id (the file outbox after a crash) is written once.
			if (input.id && c.thread.get(input.id)) return null;
			c.transact(() => {
				c.thread.append({
					id: input.id ?? (newId() as EntryId),
					kind: 'message',
					direction: 'out',
					channelId: input.channelId,
					body: {
						type: input.email ? 'email' : input.templateId ? 'template' : text ? 'text' : attachmentBodyType(attachments),
						text,
						...(input.email ? { email: input.email } : {}),
						...(input.templateId ? { templateId: input.templateId } : {}),
						...(attachments.length > 0 ? { attachments } : {})
					},
					at: now,
					author: { type: 'user', id: user.id },
					...(input.replyTo ? { replyTo: input.replyTo } : {}),
					...(input.linkPreview ? { linkPreview: input.linkPreview } : {})
				});
				c.applyAction(autoAssignOnReply(c.assignment.get(), user.id), { type: 'user', id: user.id }, now + 1, newId);
			});
			return null;
		});
	}

	async addComment(input: { text: string; mentions: UserId[] }): Promise<ActionOutcome> {
		const text = input.text.trim();
		if (!text) return { ok: false, error: 'The comment is empty.' };
		return this.#write((c, user, now) => {
			c.thread.append({
				id: newId() as EntryId,
				kind: 'comment',
				text,
				mentions: input.mentions,
				at: now,
				author: { type: 'user', id: user.id }
			});
			return null;
		});
	}

	async #write(fn: (c: ReturnType<typeof contactDoc>, user: User, now: number) => string | null): Promise<ActionOutcome> {
		const replica = this.#deps.replica();
		const user = this.#deps.user();
		if (!replica || !user) return { ok: false, error: 'Not signed in.' };
		const error = await replica.edit(this.id, (doc) => fn(contactDoc(doc), user, this.#deps.now()));
		return error === null ? { ok: true } : { ok: false, error };
	}

	close(): void {
		this.#closed = true;
		for (const f of this.#cleanup.splice(0)) f();
		this.#doc = null;
	}
}

function sameState(a: ConversationState | null, b: ConversationState): boolean {
	return (
		a !== null &&
		a.status === b.status &&
		a.since === b.since &&
		a.snoozeUntil === b.snoozeUntil &&
		a.statusBeforeSnooze === b.statusBeforeSnooze &&
		a.sinceBeforeSnooze === b.sinceBeforeSnooze
	);
}

function insertAt(entries: Entry[], e: Entry): number {
	let lo = 0;
	let hi = entries.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (compareEntries(entries[mid]!, e) < 0) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

export class ConversationsState implements ConversationsApi {
	readonly #deps: ConversationDeps;

	constructor(deps: ConversationDeps) {
		this.#deps = deps;
	}

	open(id: ContactId): Conversation {
		return new Conversation(id, this.#deps);
	}
}
