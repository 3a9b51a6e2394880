/**
 * The composer's state (SPEC S5.6, S5.9, S5.10, S5.14, S6.1, S6.2): which mode is open, the
 * text (a shared draft when given, local otherwise), the channel and its messaging window, the
 * shortcut under the caret, the link preview, the files being uploaded and the sending itself.
 * `Composer.svelte` creates one per composer and renders it; the DOM stays there (the textarea
 * is reached through `focus`, its caret comes in through `syncCaret`).
 *
 * Reactive inputs (the conversation, the directory, the clock...) are read through `props()`,
 * so the derived values follow the component's props.
 */
import { tick, untrack } from 'svelte';
import { channelsToReach, templatesFor } from '../../domain/outbound';
import { newId } from '../../domain/ids';
import type { Channel, ChannelId, Directory, EmailMeta, Entry, EntryId, LinkPreview, Snippet as SavedReply, User, UserId } from '../../domain/types';
import { usersWhoCanSee } from '../../domain/visibility';
import type { I18n } from '../../i18n/i18n.svelte';
import type { ComposerDraft, ConversationApi, FileOutboxApi, MediaApi, SharedDraftApi, UploadOutcome } from '../../state/api';
import type { PendingFile } from './AttachmentChips.svelte';
import { filterEmoji, type EmojiItem } from './emoji';
import { formatSize } from './size';
import { EmailDraft } from '../email/email-draft.svelte';
import { emailHtmlToText, isEmailHtml } from '../../domain/email-format';
import {
	contactVariables,
	defaultChannel,
	expandVariables,
	filterByWord,
	firstUrl,
	insertMention,
	keptMentions,
	lastIncomingByChannel,
	messagingWindow,
	replaceRange,
	triggerAt,
	type Trigger,
	type Variable
} from './text';

export type ComposerMode = 'reply' | 'comment';
export type ComposerPick =
	| { kind: 'emoji'; item: EmojiItem }
	| { kind: 'snippet'; item: SavedReply }
	| { kind: 'variable'; item: Variable }
	| { kind: 'mention'; item: User };

/** What the composer reads from its component (all reactive). */
export interface ComposerInputs {
	conversation: ConversationApi;
	dir: Directory | null;
	me: User | null;
	media: MediaApi;
	now: number;
	/** The reply's text (a shared draft); local state when absent. */
	draft?: ComposerDraft;
	/** The comment's text (a shared draft); local state when absent. */
	commentDraft?: ComposerDraft;
	/** Where a reply waits while its files cannot be uploaded (offline, S5.14). */
	outbox?: FileOutboxApi;
	/** The user's email signature, kept on the server (S5.12); null while not read. */
	emailSignature?: { readonly value: string | null; load(): void };
}

export interface ComposerDeps {
	props(): ComposerInputs;
	i18n: I18n;
	/** Focuses the textarea, with the caret at `at` when given. */
	focus(at?: number): void;
}

function isShared(d: ComposerDraft | undefined): d is SharedDraftApi {
	return d !== undefined && 'setCursor' in d && 'remoteCursors' in d && 'localSelection' in d;
}

export class ComposerState {
	mode = $state<ComposerMode>('reply');
	#localReply = $state('');
	#localComment = $state('');
	#chosenChannel = $state<ChannelId | null>(null);
	caret = $state(0);
	/** The highlighted suggestion. */
	active = $state(0);
	#closedTriggerAt = $state<number | null>(null);
	files = $state<PendingFile[]>([]);
	preview = $state<LinkPreview | null>(null);
	#dismissed = $state<string[]>([]);
	#picked = $state<User[]>([]);
	error = $state('');
	#sending = $state(false);
	dragging = $state(false);
	templateId = $state<string | null>(null);
	readonly #deps: ComposerDeps;
	// Each upload can be cancelled (its chip's ×); the controllers live outside the reactive list.
	readonly #uploads = new Map<string, AbortController>();
	/** Files that could not be uploaded for lack of a connection: sent with the queued reply. */
	readonly #offlineFiles = new Map<string, File>();

	/** S5.12: subject, CC/BCC and signature of a reply on an email channel. */
	readonly email: EmailDraft;

	constructor(deps: ComposerDeps) {
		this.#deps = deps;
		this.email = new EmailDraft(() => ({
			entries: this.#entries,
			quoted: this.quoted,
			channel: this.mode === 'reply' ? this.channel : undefined,
			contactEmail: this.#p.conversation.profile?.email ?? '',
			signature: this.#p.emailSignature?.value ?? '',
			loadSignature: () => this.#p.emailSignature?.load()
		}));
	}

	get #p(): ComposerInputs {
		return this.#deps.props();
	}

	readonly current = $derived(this.mode === 'reply' ? this.#p.draft : this.#p.commentDraft);
	/** A shared draft gets the editor that publishes this caret and draws the others' (S9.4). */
	readonly shared = $derived(isShared(this.current) ? this.current : null);
	readonly text = $derived(this.current ? this.current.value : this.mode === 'reply' ? this.#localReply : this.#localComment);

	/**
	 * S5.12: a reply on an email channel is written in the rich editor; its draft is HTML
	 * (`domain/email-format.ts`). `plain` is the text of the draft either way.
	 */
	readonly rich = $derived.by(() => this.mode === 'reply' && this.email.active && !this.templateMode);
	readonly plain = $derived(this.rich || isEmailHtml(this.text) ? emailHtmlToText(this.text) : this.text);

	/**
	 * A draft written in the rich editor, now on a channel that takes plain text, becomes that text
	 * (once the channel is known: a directory still loading changes nothing). Run in an effect.
	 */
	plainForChannel(): void {
		if (this.mode === 'reply' && this.channel && !this.rich && isEmailHtml(this.text)) this.setText(emailHtmlToText(this.text));
	}

	setText(value: string): void {
		if (this.current) this.current.set(value);
		else if (this.mode === 'reply') this.#localReply = value;
		else this.#localComment = value;
	}

	/** A new conversation starts from scratch (the shared drafts carry their own text). */
	reset(): void {
		untrack(() => {
			this.mode = 'reply';
			this.#localReply = '';
			this.#localComment = '';
			this.#chosenChannel = null;
			this.files = [];
			this.preview = null;
			this.#dismissed = [];
			this.#picked = [];
			this.error = '';
		});
	}

	// --- channels and windows (S5.6, S5.10) ---
	readonly #entries = $derived(this.#p.conversation.entries);
	/** The contact's channels, plus those that can start a conversation (S3.1: a new contact). */
	readonly channels = $derived.by((): Channel[] => {
		const c = this.#p.conversation;
		const ids = new Set<string>(c.profile?.channelIds ?? c.summary?.channelIds ?? []);
		for (const e of this.#entries) if (e.kind === 'message') ids.add(e.channelId);
		return channelsToReach(this.#p.dir?.channels ?? [], ids, c.profile);
	});
	readonly #lastIn = $derived(lastIncomingByChannel(this.#entries));
	readonly channelId = $derived.by(() => {
		const chosen = this.#chosenChannel;
		if (chosen && this.channels.some((c) => c.id === chosen)) return chosen;
		const last = this.#p.conversation.summary?.lastMessageChannelId ?? null;
		const now = this.#p.now;
		// Prefer a channel whose messaging window is open (S5.6), then the usual order (S5.10).
		return (
			defaultChannel(
				this.#entries,
				// An email channel the contact never used is offered, not preferred (S5.12).
				this.channels.filter((c) => messagingWindow(c, this.#lastIn.get(c.id) ?? null, now).open && (c.kind !== 'email' || this.#lastIn.has(c.id))).map((c) => c.id),
				last
			) ?? defaultChannel(this.#entries, this.channels.map((c) => c.id), last)
		);
	});
	readonly channel = $derived(this.channels.find((c) => c.id === this.channelId));
	readonly #window = $derived(this.channel ? messagingWindow(this.channel, this.#lastIn.get(this.channel.id) ?? null, this.#p.now) : null);
	readonly blocked = $derived(this.#p.conversation.blocked);
	/** A closed window on a channel with templates: only a template may be sent (S5.6). */
	readonly templates = $derived(this.channel && this.#window ? templatesFor(this.channel, this.#window.open) : []);
	readonly replyBlock = $derived.by((): string | null => {
		const { i18n } = this.#deps;
		const channel = this.channel;
		const w = this.#window;
		if (this.blocked) return i18n.t('composer.blocked');
		if (!channel) return i18n.t('composer.noChannel');
		if (w && !w.open && this.templates.length === 0) {
			const hours = String(channel.windowHours ?? 0);
			if (w.reason === 'no-incoming') return i18n.t('composer.windowNoIncoming', { channel: channel.name, hours });
			return i18n.t('composer.windowExpired', { channel: channel.name, hours, ago: this.#ago(w.closedAt ?? this.#p.now) });
		}
		return null;
	});

	chooseChannel(id: ChannelId): void {
		this.#chosenChannel = id;
	}

	#ago(at: number): string {
		const mins = Math.round((at - this.#p.now) / 60_000);
		const rel = this.#deps.i18n.formats.relative;
		if (Math.abs(mins) < 60) return rel.format(mins, 'minute');
		if (Math.abs(mins) < 48 * 60) return rel.format(Math.round(mins / 60), 'hour');
		return rel.format(Math.round(mins / 1440), 'day');
	}

	// --- reply quoting (S5.3) ---
	readonly quoted = $derived.by((): Entry | undefined => {
		const c = this.#p.conversation;
		return this.mode === 'reply' && c.replyTo ? c.entry(c.replyTo) : undefined;
	});

	// --- shortcuts ---
	readonly #mentionable = $derived.by((): User[] => {
		const { dir, me, conversation } = this.#p;
		const s = conversation.summary;
		if (!dir || !s) return [];
		const ids = new Set<UserId>(usersWhoCanSee(s, dir));
		return dir.users.filter((u) => ids.has(u.id) && u.id !== me?.id);
	});
	readonly variables = $derived.by((): Variable[] => {
		const { i18n } = this.#deps;
		return contactVariables(this.#p.conversation.profile, this.#p.dir?.customFields ?? [], {
			firstName: i18n.t('composer.var.firstName'),
			lastName: i18n.t('composer.var.lastName'),
			fullName: i18n.t('composer.var.fullName'),
			email: i18n.t('composer.var.email'),
			phone: i18n.t('composer.var.phone')
		});
	});
	readonly trigger = $derived.by((): Trigger | null => {
		if (this.rich) return null;
		const t = triggerAt(this.text, this.caret, this.mode === 'comment');
		return t && t.start !== this.#closedTriggerAt ? t : null;
	});
	readonly options = $derived.by((): ComposerPick[] => {
		const trigger = this.trigger;
		if (!trigger) return [];
		const q = trigger.query;
		switch (trigger.kind) {
			case 'emoji':
				return filterEmoji(q).map((item) => ({ kind: 'emoji', item }));
			case 'snippet':
				return filterByWord(this.#p.dir?.snippets ?? [], q, (s) => s.name).map((item) => ({ kind: 'snippet', item }));
			case 'variable':
				return filterByWord(this.variables, q, (v) => `${v.key} ${v.label}`).map((item) => ({ kind: 'variable', item }));
			case 'mention':
				return filterByWord(this.#mentionable, q, (u) => u.name).map((item) => ({ kind: 'mention', item }));
		}
	});
	readonly pickerTitle = $derived.by(() => {
		const kind = this.trigger?.kind;
		if (!kind) return '';
		return this.#deps.i18n.t(kind === 'emoji' ? 'composer.emoji' : kind === 'snippet' ? 'composer.snippets' : kind === 'variable' ? 'composer.variables' : 'composer.mentions');
	});

	async choose(p: ComposerPick): Promise<void> {
		const trigger = this.trigger;
		if (!trigger) return;
		const { text, caret } = this;
		let next: { text: string; caret: number };
		if (p.kind === 'emoji') next = replaceRange(text, trigger.start, caret, p.item.char);
		else if (p.kind === 'snippet') next = replaceRange(text, trigger.start, caret, expandVariables(p.item.text, this.variables));
		else if (p.kind === 'variable') next = replaceRange(text, trigger.start, caret, p.item.value);
		else {
			next = insertMention(text, trigger.start, caret, p.item.name);
			this.#picked = [...this.#picked, p.item];
		}
		this.setText(next.text);
		this.current?.onLocalEdit?.();
		this.caret = next.caret;
		await tick();
		this.#deps.focus(next.caret);
		this.shared?.setCursor(next.caret, next.caret);
	}

	/** Keyboard on the textarea: moves and picks in the suggestions, Ctrl/Cmd+Enter sends. */
	onkeydown(e: KeyboardEvent): void {
		const trigger = this.trigger;
		if (trigger && !e.isComposing) {
			if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
				e.preventDefault();
				const n = this.options.length;
				if (n > 0) this.active = (this.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
				return;
			}
			if ((e.key === 'Enter' && !e.ctrlKey && !e.metaKey) || e.key === 'Tab') {
				const p = this.options[this.active];
				if (p) {
					e.preventDefault();
					void this.choose(p);
					return;
				}
			}
			if (e.key === 'Escape') {
				e.preventDefault();
				e.stopPropagation();
				this.#closedTriggerAt = trigger.start;
				return;
			}
		}
		if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
			e.preventDefault();
			void this.send();
		}
	}

	/** The textarea's caret moved (or its text changed). */
	syncCaret(selectionStart: number | undefined): void {
		if (selectionStart !== undefined) this.caret = selectionStart;
		if (this.#closedTriggerAt !== null && triggerAt(this.text, this.caret, this.mode === 'comment')?.start !== this.#closedTriggerAt) this.#closedTriggerAt = null;
	}

	/** The user typed: `value` is the textarea's text (null: the shared editor already wrote it). */
	input(value: string | null): void {
		if (value !== null) this.setText(value);
		this.current?.onLocalEdit?.();
	}

	setMode(m: ComposerMode): void {
		this.mode = m;
		this.error = '';
		void tick().then(() => this.#deps.focus());
	}

	/** Switches to the reply and focuses it (the thread's Reply action, S5.3). */
	async focusReply(): Promise<void> {
		this.mode = 'reply';
		await tick();
		this.#deps.focus();
	}

	// --- link preview (S5.9) ---
	readonly url = $derived(this.mode === 'reply' ? firstUrl(this.plain) : null);

	/** Fetches the preview of the text's first URL, a moment after it stops changing; run in an effect. */
	watchPreview(): (() => void) | undefined {
		const u = this.url;
		if (!u || this.#dismissed.includes(u)) {
			this.preview = null;
			return;
		}
		if (this.preview?.url === u) return;
		let live = true;
		const timer = setTimeout(() => {
			void this.#p.media.linkPreview(u).then((p) => {
				if (live) this.preview = p ? { ...p, url: u } : null;
			});
		}, 400);
		return () => {
			live = false;
			clearTimeout(timer);
		};
	}

	removePreview(): void {
		if (this.preview) this.#dismissed = [...this.#dismissed, this.preview.url];
		this.preview = null;
	}

	// --- attachments (S5.14) ---
	addFiles(list: Iterable<File>): void {
		const { media, conversation, outbox } = this.#p;
		for (const file of list) {
			const id = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
			const ctl = new AbortController();
			this.#uploads.set(id, ctl);
			this.files = [...this.files, { id, name: file.name, size: file.size, status: 'uploading', progress: 0 }];
			const patch = (p: Partial<PendingFile>) => (this.files = this.files.map((f) => (f.id === id ? { ...f, ...p } : f)));
			void media
				.upload(file, { contactId: conversation.id, signal: ctl.signal, onProgress: (sent, total) => patch({ progress: total > 0 ? sent / total : 0 }) })
				.then((r) => {
					this.#uploads.delete(id);
					if (r.ok) patch({ status: 'done', attachment: r.attachment, progress: 1 });
					else if (r.reason === 'offline' && outbox) {
						this.#offlineFiles.set(id, file);
						patch({ status: 'waiting' });
					} else if (r.reason !== 'cancelled') patch({ status: 'error', error: this.#uploadError(file.name, r) });
				});
		}
	}

	/** The refusal in the reader's language when its code is known (S5.14 limits). */
	#uploadError(name: string, r: Extract<UploadOutcome, { ok: false }>): string {
		const { i18n } = this.#deps;
		if (r.code === 'file_too_large' && r.limitBytes) return i18n.t('file.err.tooLarge', { name, max: formatSize(r.limitBytes) });
		if (r.code === 'workspace_storage_full') return i18n.t('file.err.storageFull');
		if (r.reason === 'offline') return i18n.t('file.err.offline');
		return r.error;
	}

	removeFile(id: string): void {
		this.#uploads.get(id)?.abort();
		this.#uploads.delete(id);
		this.#offlineFiles.delete(id);
		this.files = this.files.filter((f) => f.id !== id);
	}

	onpaste(e: ClipboardEvent): void {
		const list = e.clipboardData?.files;
		if (this.mode === 'reply' && list && list.length > 0) {
			e.preventDefault();
			this.addFiles(list);
		}
	}

	ondragover(e: DragEvent): void {
		if (this.mode === 'reply' && e.dataTransfer?.types.includes('Files')) {
			e.preventDefault();
			this.dragging = true;
		}
	}

	ondrop(e: DragEvent): void {
		this.dragging = false;
		const list = e.dataTransfer?.files;
		if (!list || list.length === 0) return;
		e.preventDefault();
		if (this.mode === 'reply' && !this.replyBlock) this.addFiles(list);
	}

	// --- sending ---
	readonly #uploading = $derived(this.files.some((f) => f.status === 'uploading'));
	readonly #ready = $derived(this.files.flatMap((f) => (f.status === 'done' && f.attachment ? [f.attachment] : [])));
	readonly templateMode = $derived(this.mode === 'reply' && !this.replyBlock && this.templates.length > 0);
	readonly #template = $derived(this.templateMode ? (this.templates.find((t) => t.id === this.templateId) ?? this.templates[0]) : undefined);
	readonly #waiting = $derived(this.files.filter((f) => f.status === 'waiting'));
	/** Replies of this conversation waiting in the outbox for their files. */
	readonly queued = $derived(this.#p.outbox ? this.#p.outbox.forContact(this.#p.conversation.id) : []);
	readonly canSend = $derived(
		!this.#sending &&
			!this.#uploading &&
			(this.mode === 'comment'
				? this.text.trim() !== ''
				: !this.replyBlock && (this.#template !== undefined || this.plain.trim() !== '' || this.#ready.length > 0 || this.#waiting.length > 0))
	);

	/** A reply with files still to upload waits in the outbox; it is written once they are stored. */
	async #queueReply(body: string, email: { id: EntryId; text: string; email: EmailMeta } | null): Promise<void> {
		const { me: user, outbox, conversation } = this.#p;
		if (!outbox || !user) return;
		const preview = this.preview;
		await outbox.queue({
			id: email?.id ?? (newId() as EntryId),
			userId: user.id,
			contactId: conversation.id,
			channelId: this.channelId!,
			text: email ? email.text : body.trim(),
			...(email ? { email: email.email } : {}),
			...(this.quoted ? { replyTo: this.quoted.id } : {}),
			...(preview && preview.url === this.url ? { linkPreview: $state.snapshot(preview) } : {}),
			attachments: $state.snapshot(this.#ready),
			files: this.#waiting.map((f) => {
				const file = this.#offlineFiles.get(f.id)!;
				return { name: file.name, type: file.type, blob: file };
			}),
			at: Date.now()
		});
		this.#offlineFiles.clear();
	}

	/**
	 * Empties the box of what was sent, keeping what the person typed while it was being sent
	 * (sending awaits the local write: a fast typist's next keys land meanwhile).
	 */
	#clearSent(sent: string): void {
		const now = this.text;
		const rest = now.startsWith(sent) ? now.slice(sent.length) : now;
		this.setText(rest);
		this.caret = rest.length;
	}

	async send(): Promise<void> {
		if (!this.canSend) return;
		this.#sending = true;
		this.error = '';
		const body = this.text;
		const template = this.#template;
		// S5.12: on an email channel the reply is an email (subject, copies, HTML and text).
		const emailId = newId() as EntryId;
		const email = this.mode === 'reply' && !template && this.email.active ? this.email.build(body, emailId) : null;
		if (email && !email.ok) {
			this.#sending = false;
			const p = email.problem;
			this.error = p.key === 'email.invalidAddresses' ? this.#deps.i18n.t(p.key, { list: p.list }) : this.#deps.i18n.t(p.key);
			return;
		}
		if (this.mode === 'reply' && !template && this.#waiting.length > 0) {
			// Queued with its email part (subject, copies, HTML), sent as it is once its files are stored.
			await this.#queueReply(body, email?.ok ? { id: emailId, text: email.text, email: email.email } : null);
			this.#sending = false;
			this.#clearSent(body);
			this.files = [];
			this.preview = null;
			this.#dismissed = [];
			if (this.quoted) this.#p.conversation.setReplyTo(null);
			if (email) this.email.clear();
			return;
		}
		const quoted = this.quoted;
		const ready = this.#ready;
		const preview = this.preview;
		const out =
			this.mode === 'comment'
				? await this.#p.conversation.addComment({ text: body, mentions: keptMentions(body, this.#picked).map((u) => u.id) })
				: template
					? await this.#p.conversation.sendMessage({ text: expandVariables(template.text, this.variables), channelId: this.channelId!, templateId: template.id })
					: await this.#p.conversation.sendMessage({
							text: email?.ok ? email.text : body,
							channelId: this.channelId!,
							...(email?.ok ? { id: emailId, email: email.email } : {}),
							...(quoted ? { replyTo: quoted.id } : {}),
							...(ready.length > 0 ? { attachments: ready } : {}),
							...(preview && preview.url === this.url ? { linkPreview: preview } : {})
						});
		this.#sending = false;
		if (!out.ok) {
			this.error = out.error;
			return;
		}
		if (this.#template) return;
		this.#clearSent(body);
		if (this.mode === 'reply') {
			this.files = [];
			this.preview = null;
			this.#dismissed = [];
			if (this.quoted) this.#p.conversation.setReplyTo(null);
			if (email) this.email.clear();
		} else this.#picked = [];
		this.#deps.focus();
	}
}
