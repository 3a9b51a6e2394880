/**
 * The email channels' settings page (SPEC S5.12): reads and writes an email channel's settings
 * over the authenticated API (`GET`/`PATCH /api/channels/<id>/email`, `POST
 * /api/directory/channels`), and lists the demo mailbox. Passwords and the DKIM key are sent
 * once and never come back: the server only says whether each is set. Failures are values.
 *
 * Also the signed-in user's email signature (S5.12), kept on the server per user
 * (`/api/me/email-signature`) so it is the same on every device; the last one read is cached on
 * this device for the user (an email written offline still gets it). And a channel's delivery
 * problems: the bounces that matched no email we sent (S5.4).
 */
import { authedFetch } from './authed-fetch';
import type { EmailChannelSettings } from '../domain/types';
import type { EmailDeliveryProblem } from '../domain/email';
import type { RefreshResult } from '../sync/auth';

export interface EmailSettingsDeps {
	baseUrl: string;
	token(): Promise<string | null>;
	refresh(): Promise<RefreshResult>;
}

export interface EmailChannelView {
	id: string;
	name: string;
	email: EmailChannelSettings;
	secrets: { smtpPassword: boolean; imapPassword: boolean; dkimKey: boolean };
	receiver: { host: string; port: number } | null;
	imap: { state: string; error?: string; lastUid?: number } | null;
}

export interface DemoMail {
	n: number;
	messageId: string | null;
	raw: string;
}

const SIGNATURE_CACHE = (userId: string) => `parley.email.signature.${userId}`;

type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export class EmailSettingsState {
	readonly #deps: EmailSettingsDeps;
	views = $state<Record<string, EmailChannelView>>({});
	mailbox = $state<DemoMail[] | null>(null);
	error = $state('');
	/** The user's signature (null: not read yet); `signatureFor`: whose. */
	signature = $state<string | null>(null);
	signatureFor = $state<string | null>(null);
	problems = $state<Record<string, EmailDeliveryProblem[]>>({});

	constructor(deps: EmailSettingsDeps) {
		this.#deps = deps;
	}

	async #call<T>(method: string, path: string, body?: unknown): Promise<Result<T>> {
		const a = await authedFetch(this.#deps, method, path, body);
		if (!a.ok) return { ok: false, error: a.reason === 'network' ? 'The server cannot be reached.' : 'Not signed in.' };
		const res = a.res;
		const json = (await res.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
		if (!res.ok) return { ok: false, error: json?.error?.message ?? `HTTP ${res.status}` };
		return { ok: true, value: json as T };
	}

	async load(channelId: string): Promise<void> {
		const r = await this.#call<EmailChannelView>('GET', `/api/channels/${encodeURIComponent(channelId)}/email`);
		if (r.ok) this.views = { ...this.views, [channelId]: r.value };
		else this.error = r.error;
	}

	/** Saves a change (secrets included once); the error a person reads, or null. */
	async save(channelId: string, patch: Record<string, unknown>): Promise<string | null> {
		const r = await this.#call<EmailChannelView>('PATCH', `/api/channels/${encodeURIComponent(channelId)}/email`, patch);
		if (!r.ok) return r.error;
		this.views = { ...this.views, [channelId]: r.value };
		return null;
	}

	async create(name: string, addresses: string[]): Promise<string | null> {
		const r = await this.#call<{ id: string }>('POST', '/api/directory/channels', { name, kind: 'email', email: { addresses } });
		if (!r.ok) return r.error;
		await this.load(r.value.id);
		return null;
	}

	/** Reads `userId`'s signature: the cached one at once, then the server's. */
	async loadSignature(userId: string): Promise<void> {
		if (this.signatureFor !== userId) {
			this.signatureFor = userId;
			this.signature = typeof localStorage !== 'undefined' ? localStorage.getItem(SIGNATURE_CACHE(userId)) : null;
		}
		const r = await this.#call<{ signature: string }>('GET', '/api/me/email-signature');
		if (!r.ok || this.signatureFor !== userId) return;
		this.signature = r.value.signature;
		if (typeof localStorage !== 'undefined') localStorage.setItem(SIGNATURE_CACHE(userId), r.value.signature);
	}

	/** Saves the user's signature on the server; the error a person reads, or null. */
	async saveSignature(userId: string, signature: string): Promise<string | null> {
		const r = await this.#call<{ signature: string }>('PATCH', '/api/me/email-signature', { signature });
		if (!r.ok) return r.error;
		this.signatureFor = userId;
		this.signature = r.value.signature;
		if (typeof localStorage !== 'undefined') localStorage.setItem(SIGNATURE_CACHE(userId), r.value.signature);
		return null;
	}

	/** A channel's unmatched delivery reports, newest first (owners and managers). */
	async loadProblems(channelId: string): Promise<void> {
		const r = await this.#call<{ problems: EmailDeliveryProblem[] }>('GET', `/api/channels/${encodeURIComponent(channelId)}/email/problems`);
		if (r.ok) this.problems = { ...this.problems, [channelId]: r.value.problems };
	}

	async loadMailbox(): Promise<void> {
		const r = await this.#call<{ mails: DemoMail[] }>('GET', '/api/email/demo-mailbox');
		this.mailbox = r.ok ? r.value.mails : null;
	}
}
