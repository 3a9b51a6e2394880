/**
 * The app: wires the concern classes (session, sync status, directory, inbox, actions,
 * conversations) to one user's local replica and owns its lifecycle.
 *
 * Lifecycle: a stored session is restored from local data alone (`restoring` -> `ready` with the
 * cached user and directory, no network); a login needs the network and then does the same.
 * While restoring, the inbox shell mounts with the cached user and the first page remembered
 * from the last session (`first-page.ts`) paints before the database opens. The replica opens
 * the user's own database (per user and workspace, so another user on the same browser never
 * sees this one's data), replaces that preview with the list from stored summaries, then starts
 * the connection. Logout closes the replica and, with `wipe`, deletes the database.
 */
import { databaseName, deleteUserDatabase, openIdbStore, type ClientStore, type StoreOwner } from '../storage';
import type { ContactId, Directory, User } from '../domain/types';
import { AuthClient, localStorageSession, type SessionStorage, type StoredSession } from '../sync/auth';
import type { WebSocketCtor } from '../sync/connection';
import { Replica } from '../sync/replica';
import { contactDoc } from '../doc';
import { ActionsState } from './actions.svelte';
import type { AppState } from './api';
import { ConversationsState } from './conversations.svelte';
import { DirectoryState } from './directory.svelte';
import { DraftsState } from './drafts.svelte';
import { PresenceState } from './presence.svelte';
import { InboxState } from './inbox.svelte';
import { clearFirstPage, readFirstPage, sameQuery, writeFirstPage } from './first-page';
import { DEFAULT_LIST_QUERY } from '../domain/list';
import { Media } from './composer-media';
import { EmailSettingsState } from './email-settings.svelte';
import { WorkflowsClient } from './workflows';
import { FileOutbox } from './file-outbox.svelte';
import { NotificationsState } from './notifications.svelte';
import { CustomInboxesState } from './custom-inboxes.svelte';
import { CallsState } from './calls.svelte';
import { SearchState } from './search.svelte';
import { SessionState } from './session.svelte';
import { NotificationPrefsState, SettingsClient } from './settings.svelte';
import { AlertsState } from './alerts.svelte';
import { SyncState } from './sync.svelte';
import { IdleGate } from './idle-gate';
import { AiState } from './ai.svelte';

export interface AppOptions {
	/** Server origin; '' (default) for the page's own origin. */
	baseUrl?: string;
	/** WebSocket URL base, e.g. `ws://127.0.0.1:8787`; default from `location`. */
	wsBase?: string;
	WebSocket?: WebSocketCtor;
	sessionStorage?: SessionStorage;
	openStore?(owner: StoreOwner): Promise<ClientStore>;
	deleteStore?(owner: StoreOwner): Promise<void>;
	fetch?: typeof fetch;
	now?(): number;
	/** Documents kept decoded in memory (LRU bound). */
	capacity?: number;
	/** Fresh documents from which a first login starts with the bootstrap (issue 26; `Replica`). */
	bootstrapMin?: number;
	/** Called once the first rows are set after a cold start (bench mark). */
	onListReady?(): void;
	/** Where the first page of the list is remembered between starts; default localStorage. */
	firstPageStorage?: Storage | null;
}

const DOTS = 'dots';
/** The notification center's seen mark (S6.2), in the store's meta. */
const NOTIFICATIONS_SEEN = 'notifications.seen';

export class App implements AppState {
	readonly session: SessionState;
	readonly sync = new SyncState();
	readonly directory = new DirectoryState();
	readonly inbox: InboxState;
	readonly actions: ActionsState;
	readonly conversations: ConversationsState;
	readonly search: SearchState;
	readonly media: Media;
	/** S5.12: the email channels' settings page. */
	readonly emailSettings: EmailSettingsState;
	/** Workflows, shortcuts and the bot over HTTP (S7.7, S7.8). */
	readonly workflows: WorkflowsClient;
	readonly fileOutbox: FileOutbox;
	readonly notifications: NotificationsState;
	/** Voice calls (SPEC S2). */
	readonly calls: CallsState;
	readonly presence: PresenceState;
	readonly drafts: DraftsState;
	readonly customInboxes: CustomInboxesState;
	readonly ai: AiState;
	readonly auth: AuthClient;
	/** Settings commands and public link pages (issue 20). */
	readonly settings: SettingsClient;
	readonly notifyPrefs: NotificationPrefsState;
	readonly alerts: AlertsState;
	replica = $state.raw<Replica | null>(null);

	readonly #opts: AppOptions;
	readonly #now: () => number;
	#detach: Array<() => void> = [];
	#owner: StoreOwner | null = null;
	#opening: Promise<void> | null = null;

	constructor(opts: AppOptions = {}) {
		this.#opts = opts;
		this.#now = opts.now ?? Date.now;
		// Issue 17: any HTTP answer proves the network works, so a waiting reconnect runs at once.
		const fetch = watchedFetch(opts.fetch, () => this.replica?.nudge());
		this.auth = new AuthClient({
			baseUrl: opts.baseUrl ?? '',
			storage: opts.sessionStorage ?? localStorageSession(),
			fetch
		});
		const user = () => this.session.user;
		const dir = () => this.directory.dir;
		const replica = () => this.replica;
		this.session = new SessionState({
			login: (email, password) => this.#login(email, password),
			logout: (o) => this.#logout(o.wipe)
		});
		this.inbox = new InboxState({
			user,
			dir,
			opened: (id) => void this.#markRead(id),
			reading: () => typeof document === 'undefined' || document.visibilityState === 'visible',
			saveDots: (dots) => {
				void this.replica?.store.setMeta(DOTS, dots);
				this.replica?.shareDots(dots);
			},
			textSearch: (q) => this.search.contactsMatching(q)
		});
		this.actions = new ActionsState({ replica, user, dir, now: this.#now, createContact: (b) => this.#createContact(b) });
		this.conversations = new ConversationsState({ replica, user, now: this.#now, summary: (id) => this.inbox.summary(id), summaries: () => this.inbox.all(), dir });
		this.search = new SearchState({ summary: (id) => this.inbox.summary(id) });
		this.media = new Media({ baseUrl: opts.baseUrl ?? '', token: () => this.auth.token(), refresh: () => this.auth.refresh(), fetch });
		this.emailSettings = new EmailSettingsState({ baseUrl: opts.baseUrl ?? '', token: () => this.auth.token(), refresh: () => this.auth.refresh() });
		this.workflows = new WorkflowsClient({ baseUrl: opts.baseUrl ?? '', token: () => this.auth.token(), refresh: () => this.auth.refresh(), fetch });
		this.fileOutbox = new FileOutbox({
			media: this.media,
			user: () => this.session.user?.id ?? null,
			send: async (contactId, input) => {
				const conv = this.conversations.open(contactId);
				try {
					await conv.loaded;
					return await conv.sendMessage(input);
				} finally {
					conv.close();
				}
			}
		});
		this.notifications = new NotificationsState({ user, now: this.#now, saveSeen: (at) => void this.replica?.store.setMeta(NOTIFICATIONS_SEEN, at) });
		this.calls = new CallsState({
			user,
			now: this.#now,
			baseUrl: opts.baseUrl ?? '',
			token: () => this.auth.token(),
			refresh: () => this.auth.refresh(),
			fetch,
			upload: (file, contactId) => this.media.upload(file, { contactId })
		});
		this.presence = new PresenceState({ user, dir, selected: () => this.inbox.selectedId });
		this.drafts = new DraftsState({ replica, presence: this.presence, me: () => this.session.user?.id ?? null });
		this.settings = new SettingsClient({ baseUrl: opts.baseUrl ?? '', token: () => this.auth.token(), refresh: () => this.auth.refresh(), fetch });
		this.notifyPrefs = new NotificationPrefsState(this.#firstPageStorage());
		this.alerts = new AlertsState({ user, live: () => this.sync.state === 'online' && !this.sync.catchingUp, selected: () => this.inbox.selectedId });
		this.customInboxes = new CustomInboxesState({
			baseUrl: opts.baseUrl ?? '',
			fetch,
			token: () => this.auth.token(),
			refreshToken: () => this.auth.refresh(),
			storage: () => {
				const store = this.#firstPageStorage();
				const o = this.#owner;
				return store && o ? { store, key: `parley:customInboxes:${encodeURIComponent(o.workspaceId)}:${encodeURIComponent(o.userId)}` } : null;
			},
			onChange: (list) => this.inbox.setCustomInboxes(list)
		});
		this.ai = new AiState({
			baseUrl: opts.baseUrl ?? '',
			token: () => this.auth.token(),
			refresh: () => this.auth.refresh(),
			fetch,
			online: () => this.sync.state === 'online',
			getMeta: <T,>(key: string) => (this.replica ? this.replica.store.getMeta<T>(key) : Promise.reject(new Error('no local store yet'))),
			setMeta: (key, value) => this.replica?.store.setMeta(key, value) ?? Promise.resolve(),
			now: this.#now,
			sees: (id) => this.inbox.summary(id) !== undefined
		});
	}

	/** Restores a stored session (offline-capable) or settles on `anonymous`. */
	async start(): Promise<void> {
		const s = this.auth.session;
		if (!s) return this.session.anonymous();
		await this.#open(s);
	}

	async destroy(): Promise<void> {
		await this.#close();
		this.auth.stop();
	}

	async #login(email: string, password: string): Promise<{ ok: true } | { ok: false; message: string }> {
		const r = await this.auth.login(email, password);
		if (!r.ok) return { ok: false, message: r.message };
		await this.#open(r.session);
		return { ok: true };
	}

	async #logout(wipe: boolean): Promise<void> {
		const replica = this.replica;
		const owner = this.#owner;
		await this.#close();
		this.ai.reset();
		if (owner) clearFirstPage(this.#firstPageStorage(), owner);
		if (wipe && replica && owner) {
			await replica.store.wipe().catch(() => undefined);
			replica.store.close();
			await (this.#opts.deleteStore ?? ((o) => deleteUserDatabase(o)))(owner).catch(() => undefined);
		} else replica?.store.close();
		this.auth.logout();
	}

	async #open(s: StoredSession): Promise<void> {
		if (this.#opening) return this.#opening;
		this.#opening = this.#doOpen(s).finally(() => (this.#opening = null));
		return this.#opening;
	}

	async #doOpen(s: StoredSession): Promise<void> {
		await this.#close();
		// The cached user lets the inbox shell mount while the database opens and is read.
		this.session.restoring(s.user);
		const owner: StoreOwner = { userId: s.userId, workspaceId: s.workspaceId };
		this.#owner = owner;
		// The rows seen last time paint while the database opens; the stored summaries replace them.
		const page = readFirstPage(this.#firstPageStorage(), owner);
		if (page && this.inbox.preview(page)) markAfterPaint('parley:list-painted');
		const store = await (this.#opts.openStore ?? ((o) => openIdbStore(o)))(owner);
		// Issue 26: a first login's documents download while the person is not using the page.
		const gate = new IdleGate();
		this.#detach.push(() => gate.dispose());
		const replica = new Replica({
			store,
			tabChannel: databaseName(owner),
			busy: () => gate.busy(),
			...(this.#opts.bootstrapMin !== undefined ? { bootstrapMin: this.#opts.bootstrapMin } : {}),
			...(this.#opts.capacity ? { capacity: this.#opts.capacity } : {}),
			connection: {
				url: (token) => `${this.#wsBase()}/sync?token=${encodeURIComponent(token)}`,
				WebSocket: this.#opts.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketCtor),
				token: () => this.auth.token(),
				refreshToken: () => this.auth.refresh(),
				refusedBeforeOpen: () => this.auth.refreshIfRejected()
			}
		});
		const [summaries, dots, dir, seen] = await Promise.all([
			replica.open(),
			store.getMeta<string[]>(DOTS),
			replica.directory(),
			store.getMeta<number>(NOTIFICATIONS_SEEN)
		]);
		this.replica = replica;
		this.#setDirectory(dir, s.user);
		this.inbox.load(summaries, dots ?? []);
		this.customInboxes.loadCached();
		this.notifications.load(summaries, seen);
		this.alerts.load(summaries);
		this.calls.load(summaries);
		this.#opts.onListReady?.();
		markAfterPaint('parley:list-painted');
		this.#detach.push(
			this.sync.attach(replica),
			replica.summaries.subscribe((c) => this.inbox.apply(c)),
			replica.summaries.subscribe((c) => this.notifications.apply(c)),
			replica.summaries.subscribe((c) => this.alerts.apply(c)),
			this.notifications.onArrive((n) => {
				if (n.kind === 'mention') this.alerts.emit('mentions', n.contactId);
			}),
			replica.summaries.subscribe((c) => this.calls.apply(c)),
			replica.onIncoming((c) => this.inbox.incoming(c)),
			replica.onDots((dots) => this.inbox.adoptDots(dots)),
			replica.onDirectory((d) => {
				this.#setDirectory(d, this.session.user ?? s.user);
				this.inbox.recompute();
				this.search.setDirectory(d);
				// the directory carries the custom inboxes' revision: the list may have changed
				void this.customInboxes.refresh();
			}),
			this.presence.attach(replica.awareness),
			this.auth.subscribe((next) => {
				if (next === null) this.session.anonymous('Your session has expired. Please sign in again.');
			}),
			this.#watchNetwork(replica)
		);
		// What the first paint does not need waits for it: restoring the search index reads
		// megabytes from storage, and the connection's catch-up competes for the main thread.
		await afterNextPaint(250);
		if (this.replica !== replica) return;
		this.#saveFirstPage(owner);
		this.#detach.push(this.search.attach(replica, this.session.user ?? s.user, this.directory.dir ?? dir));
		replica.start();
		void this.customInboxes.refresh();
		void this.fileOutbox.start();
		this.#detach.push(() => this.fileOutbox.stop());
	}

	#firstPageStorage(): Storage | null {
		if (this.#opts.firstPageStorage !== undefined) return this.#opts.firstPageStorage;
		try {
			return globalThis.localStorage ?? null;
		} catch {
			return null;
		}
	}

	/** Remembers the top of the default view for the next start (only that view is previewed). */
	#saveFirstPage(owner: StoreOwner): void {
		if (!this.inbox.ready || !sameQuery(this.inbox.query, DEFAULT_LIST_QUERY)) return;
		writeFirstPage(this.#firstPageStorage(), owner, { query: this.inbox.query, rows: this.inbox.rows, inboxes: this.inbox.inboxes });
	}

	#setDirectory(dir: Directory, fallback: User): void {
		const known = dir.users.length > 0;
		this.directory.set(known ? dir : null);
		const me = (known ? dir.users.find((u) => u.id === fallback.id) : undefined) ?? fallback;
		if (this.session.status !== 'ready' || this.session.user !== me) this.session.ready(me);
		// Without a directory yet (first login, before the first sync), the user record from the
		// login stands in so the inbox can paint; the real directory replaces it on arrival.
		if (!known) this.directory.set(emptyDirectory(dir, me));
	}

	async #close(): Promise<void> {
		for (const f of this.#detach.splice(0)) f();
		const r = this.replica;
		this.replica = null;
		if (r) await r.close();
		this.sync.reset();
		this.inbox.reset();
		this.notifications.reset();
		this.alerts.reset();
		this.customInboxes.reset();
		this.calls.reset();
		this.directory.set(null);
	}

	#watchNetwork(replica: Replica): () => void {
		if (typeof window === 'undefined') return () => undefined;
		const update = () => replica.setNetworkAvailable(navigator.onLine);
		// Best effort: write waiting summary increments when the page goes away.
		const hide = () => {
			void replica.summaries.flush();
			if (this.#owner) this.#saveFirstPage(this.#owner);
		};
		const visible = () => {
			if (document.visibilityState === 'visible') replica.nudge();
		};
		window.addEventListener('online', update);
		window.addEventListener('offline', update);
		window.addEventListener('pagehide', hide);
		document.addEventListener('visibilitychange', visible);
		if (!navigator.onLine) update();
		return () => {
			window.removeEventListener('online', update);
			window.removeEventListener('offline', update);
			window.removeEventListener('pagehide', hide);
			document.removeEventListener('visibilitychange', visible);
		};
	}

	#wsBase(): string {
		if (this.#opts.wsBase) return this.#opts.wsBase;
		const loc = globalThis.location;
		return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}`;
	}

	/** Selecting a conversation marks it read for me: a normal CRDT write of the reads map. */
	async #markRead(id: ContactId): Promise<void> {
		const replica = this.replica;
		const user = this.session.user;
		const s = this.inbox.summary(id);
		if (!replica || !user || !s || this.inbox.unread(s) === 0) return;
		const at = Math.max(this.#now(), s.recentIncomingAt[s.recentIncomingAt.length - 1] ?? 0);
		await replica.edit(id, (doc) => contactDoc(doc).reads.markRead(user.id, at), { background: true });
	}

	async #createContact(body: Record<string, unknown>): Promise<{ ok: true; id: ContactId } | { ok: false; error: string }> {
		const doFetch = this.#opts.fetch ?? ((...a: Parameters<typeof fetch>) => globalThis.fetch(...a));
		for (let attempt = 0; attempt < 2; attempt++) {
			const token = await this.auth.token();
			if (!token) return { ok: false, error: 'Not signed in.' };
			let res: Response;
			try {
				res = await doFetch(`${this.#opts.baseUrl ?? ''}/api/contacts`, {
					method: 'POST',
					headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
					body: JSON.stringify(body)
				});
			} catch {
				return { ok: false, error: 'Creating a contact needs a connection to the server.' };
			}
			if (res.status === 401 && attempt === 0 && (await this.auth.refresh()) === 'ok') continue;
			const json = (await res.json().catch(() => null)) as { id?: string; error?: { message?: string } } | null;
			if (res.ok && json?.id) return { ok: true, id: json.id as ContactId };
			return { ok: false, error: json?.error?.message ?? `The server refused (${res.status}).` };
		}
		return { ok: false, error: 'Not signed in.' };
	}
}

/** `fetch` (the given one or the global one), calling `ok` after every answer from the server. */
function watchedFetch(given: typeof fetch | undefined, ok: () => void): typeof fetch {
	return async (...a: Parameters<typeof fetch>) => {
		const res = await (given ?? globalThis.fetch)(...a);
		ok();
		return res;
	};
}

/**
 * Resolves right after the next frame is painted; at once where there are no frames, and after
 * `maxWaitMs` at most when given (a hidden tab paints no frames).
 */
function afterNextPaint(maxWaitMs?: number): Promise<void> {
	if (typeof requestAnimationFrame === 'undefined' || typeof MessageChannel === 'undefined') return Promise.resolve();
	if (typeof document !== 'undefined' && document.hidden) return Promise.resolve();
	return new Promise((resolve) => {
		const timer = maxWaitMs === undefined ? undefined : setTimeout(resolve, maxWaitMs);
		requestAnimationFrame(() => {
			const ch = new MessageChannel();
			ch.port1.onmessage = () => {
				ch.port1.close();
				clearTimeout(timer);
				resolve();
			};
			ch.port2.postMessage(null);
		});
	});
}

/** A performance mark right after the next frame is painted (browser only). */
function markAfterPaint(name: string): void {
	if (typeof requestAnimationFrame === 'undefined') return;
	void afterNextPaint().then(() => {
		if (performance.getEntriesByName(name).length === 0) performance.mark(name);
	});
}

function emptyDirectory(dir: Directory, me: User): Directory {
	return { ...dir, users: [me] };
}
