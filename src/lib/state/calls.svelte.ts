/**
 * Voice calls in the agent's browser (SPEC S2.1-S2.5, S8.5).
 *
 * - The calls themselves come from the local contact summaries (`summary.calls`, folded from the
 *   `call_*` events the server writes), so the Incoming calls list and the call log show exactly
 *   the contacts this user may see (S1.3), live, with no extra request.
 * - The one call this tab is on (`active`) is a WebRTC peer connection with the caller's browser
 *   (media peer to peer; the server only relays the offer and answer, `/api/calls`): mute, a
 *   recording of both sides mixed (MediaRecorder) that is uploaded into the conversation and
 *   attached to the call, and the end of the call wherever it is decided (the other side, the
 *   maximum duration: the summary says so).
 * - A ringing call rings (a tone) in every tab of every user who may see it, and shows a desktop
 *   notification when the page is hidden and notifications are allowed.
 */
import { authedFetch } from './authed-fetch';
import { callsForTab, isFinished, type CallState, type CallTab } from '../domain/calls';
import { isRestricted } from '../domain/visibility';
import type { ChannelId, ContactId, ContactSummary, User, UserId } from '../domain/types';
import type { RefreshResult } from '../sync/auth';
import type { SummaryChange } from '../sync/summaries';
import type { UploadOutcome } from './api';

export interface CallItem {
	contactId: ContactId;
	firstName: string;
	lastName: string;
	phone: string;
	email: string;
	channelId: ChannelId;
	assigneeId: UserId | null;
	call: CallState;
}

export type ListView = 'chats' | 'calls' | 'incoming';
export type ActiveStatus = 'connecting' | 'ringing' | 'connected' | 'ended';

export interface CallsDeps {
	user(): User | null;
	now(): number;
	baseUrl: string;
	token(): Promise<string | null>;
	refresh(): Promise<RefreshResult>;
	fetch?: typeof fetch;
	upload(file: Blob & { name: string }, contactId: ContactId): Promise<UploadOutcome>;
}

interface IceServer {
	urls: string | string[];
	username?: string;
	credential?: string;
}

/** The call this tab is on. */
export class ActiveCall {
	status = $state<ActiveStatus>('connecting');
	connectedAt = $state<number | null>(null);
	muted = $state(false);
	/** Whether the workspace lets agents record calls (S2.2 Record). */
	canRecord = $state(true);
	recording = $state(false);
	/** The recording is being uploaded (after the call or after Stop). */
	saving = $state(false);
	error = $state<string | null>(null);
	pc: RTCPeerConnection | null = null;
	mic: MediaStream | null = null;
	remote: MediaStream | null = null;
	audio: HTMLAudioElement | null = null;
	recorder: MediaRecorder | null = null;
	mix: AudioContext | null = null;
	constructor(
		readonly callId: string,
		readonly contactId: ContactId,
		readonly direction: 'in' | 'out'
	) {}
}

const RING_EVERY_MS = 2500;

export class CallsState {
	/** Every known call of visible contacts, newest first (the Calls tab, S2.5). */
	items = $state.raw<CallItem[]>([]);
	view = $state<ListView>('chats');
	tab = $state<CallTab>('all');
	active = $state<ActiveCall | null>(null);
	/** A short message for the agent ("Answered by Ana"), cleared by `dismiss`. */
	notice = $state<{ code: string; name?: string } | null>(null);

	readonly #deps: CallsDeps;
	readonly #byContact = new Map<ContactId, CallItem[]>();
	readonly #announced = new Set<string>();
	#ringTimer: ReturnType<typeof setInterval> | null = null;
	#audioCtx: AudioContext | null = null;
	#loaded = false;

	constructor(deps: CallsDeps) {
		this.#deps = deps;
	}

	// --- the lists -----------------------------------------------------------------------------

	load(summaries: Iterable<ContactSummary>): void {
		this.#byContact.clear();
		for (const s of summaries) this.#set(s);
		this.#rebuild();
		// Calls ringing before this tab opened are not announced as new, but they ring.
		for (const i of this.items) this.#announced.add(i.call.id);
		this.#loaded = true;
		this.#updateRinger();
	}

	apply(change: SummaryChange): void {
		let touched = false;
		for (const id of change.removed) touched = this.#byContact.delete(id) || touched;
		for (const s of change.changed) {
			if (!s.calls?.length && !this.#byContact.has(s.id)) continue;
			this.#set(s);
			touched = true;
		}
		if (!touched) return;
		this.#rebuild();
		this.#announce();
		this.#followActive();
		this.#updateRinger();
	}

	reset(): void {
		this.#byContact.clear();
		this.items = [];
		this.#loaded = false;
		this.#updateRinger();
	}

	#set(s: ContactSummary): void {
		const calls = s.calls ?? [];
		if (calls.length === 0) {
			this.#byContact.delete(s.id);
			return;
		}
		this.#byContact.set(
			s.id,
			calls.map((call) => ({ contactId: s.id, firstName: s.firstName, lastName: s.lastName, phone: s.phone, email: s.email, channelId: call.channelId, assigneeId: s.assigneeId, call }))
		);
	}

	#rebuild(): void {
		const all: CallItem[] = [];
		for (const list of this.#byContact.values()) all.push(...list);
		all.sort((a, b) => b.call.startedAt - a.call.startedAt || (a.call.id < b.call.id ? 1 : -1));
		this.items = all;
	}

	/** Calls ringing or ongoing. */
	get live(): CallItem[] {
		return this.items.filter((i) => !isFinished(i.call));
	}

	/** Incoming calls waiting for an answer. */
	get ringing(): CallItem[] {
		return this.items.filter((i) => i.call.status === 'ringing' && i.call.direction === 'in');
	}

	/** S2.1: the tabs this user has (a restricted agent has no All). */
	get tabs(): CallTab[] {
		const me = this.#deps.user();
		return me && isRestricted(me) ? ['mine', 'unassigned'] : ['all', 'mine', 'unassigned'];
	}

	tabItems(tab: CallTab): CallItem[] {
		const me = this.#deps.user();
		return me ? callsForTab(this.live, tab, me.id) : [];
	}

	callsOf(contactId: ContactId): CallState[] {
		return (this.#byContact.get(contactId) ?? []).map((i) => i.call);
	}

	setView(v: ListView): void {
		this.view = v;
		if (v === 'incoming' && !this.tabs.includes(this.tab)) this.tab = this.tabs[0]!;
	}

	setTab(t: CallTab): void {
		this.tab = t;
	}

	dismiss(): void {
		this.notice = null;
	}

	// --- ringing ---------------------------------------------------------------------------------

	#announce(): void {
		if (!this.#loaded) return;
		for (const i of this.ringing) {
			if (this.#announced.has(i.call.id)) continue;
			this.#announced.add(i.call.id);
			if (typeof document === 'undefined' || document.visibilityState !== 'hidden') continue;
			if (typeof Notification === 'undefined' || Notification.permission !== 'granted') continue;
			try {
				const name = `${i.firstName} ${i.lastName}`.trim() || i.phone;
				new Notification(name ? `📞 ${name}` : '📞', { tag: `call-${i.call.id}`, body: 'Incoming call' });
			} catch {
				// Notifications may be refused in this context (e.g. a service-worker-only browser).
			}
		}
	}

	#updateRinger(): void {
		const ring = this.ringing.length > 0 && !this.active;
		if (ring && !this.#ringTimer) {
			this.#beep();
			this.#ringTimer = setInterval(() => this.#beep(), RING_EVERY_MS);
		} else if (!ring && this.#ringTimer) {
			clearInterval(this.#ringTimer);
			this.#ringTimer = null;
		}
	}

	#beep(): void {
		if (typeof AudioContext === 'undefined') return;
		try {
			const ctx = (this.#audioCtx ??= new AudioContext());
			if (ctx.state === 'suspended') void ctx.resume().catch(() => {});
			const t = ctx.currentTime;
			for (const [start, freq] of [[0, 880], [0.35, 660]] as const) {
				const osc = ctx.createOscillator();
				const gain = ctx.createGain();
				osc.frequency.value = freq;
				gain.gain.setValueAtTime(0.0001, t + start);
				gain.gain.exponentialRampToValueAtTime(0.15, t + start + 0.02);
				gain.gain.exponentialRampToValueAtTime(0.0001, t + start + 0.3);
				osc.connect(gain).connect(ctx.destination);
				osc.start(t + start);
				osc.stop(t + start + 0.32);
			}
		} catch {
			// No audio output: the list still shows the call.
		}
	}

	// --- HTTP --------------------------------------------------------------------------------------

	async #api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> } | null> {
		const a = await authedFetch(this.#deps, method, path, body);
		if (!a.ok) return null;
		const text = await a.res.text().catch(() => '');
		return { status: a.res.status, json: parseObject(text) };
	}

	#refused(r: { status: number; json: Record<string, unknown> } | null): void {
		const err = (r?.json.error ?? null) as { code?: string; name?: string } | null;
		this.notice = { code: err?.code ?? (r ? 'failed' : 'offline'), ...(err?.name ? { name: err.name } : {}) };
	}

	// --- the call this tab is on -------------------------------------------------------------------

	/** S2.1, S2.3: answers a ringing call (the server decides who gets it). */
	async answer(contactId: ContactId, callId: string): Promise<boolean> {
		if (this.active) return false;
		this.notice = null;
		const a = new ActiveCall(callId, contactId, 'in');
		this.active = a;
		this.#updateRinger();
		const r = await this.#api('POST', `/api/calls/${encodeURIComponent(callId)}/answer`);
		if (!r || r.status !== 200 || typeof r.json.sdp !== 'string') {
			this.#refused(r);
			this.#drop(a);
			return false;
		}
		a.canRecord = r.json.recording !== false;
		try {
			await this.#media(a, (r.json.iceServers as IceServer[] | undefined) ?? []);
			const pc = a.pc!;
			await pc.setRemoteDescription({ type: 'offer', sdp: r.json.sdp });
			await pc.setLocalDescription(await pc.createAnswer());
			await gathered(pc);
			const sent = await this.#api('POST', `/api/calls/${encodeURIComponent(callId)}/sdp`, { sdp: pc.localDescription?.sdp ?? '' });
			if (!sent || sent.status !== 204) throw new Error('signal');
			return true;
		} catch (e) {
			a.error = e instanceof DOMException && e.name === 'NotAllowedError' ? 'mic' : 'failed';
			this.notice = { code: a.error === 'mic' ? 'mic' : 'failed' };
			await this.#api('POST', `/api/calls/${encodeURIComponent(callId)}/end`);
			this.#drop(a);
			return false;
		}
	}

	/** Calls a contact whose web chat is open (the same assignment rule as answering). */
	async call(contactId: ContactId): Promise<boolean> {
		if (this.active) return false;
		this.notice = null;
		const callId = `call-${randomId()}`;
		const a = new ActiveCall(callId, contactId, 'out');
		this.active = a;
		this.#updateRinger();
		try {
			const cfg = await this.#api('GET', '/api/calls/config');
			a.canRecord = (cfg?.json.settings as { recording?: boolean } | undefined)?.recording !== false;
			await this.#media(a, (cfg?.json.iceServers as IceServer[] | undefined) ?? []);
			const pc = a.pc!;
			await pc.setLocalDescription(await pc.createOffer());
			await gathered(pc);
			const r = await this.#api('POST', '/api/calls', { contactId, callId, sdp: pc.localDescription?.sdp ?? '' });
			if (!r || r.status !== 201) {
				this.#refused(r);
				this.#drop(a);
				return false;
			}
			a.status = 'ringing';
			// The visitor's answer, by long poll, until they take the call or it ends.
			while (this.active === a && a.status === 'ringing') {
				const w = await this.#api('GET', `/api/calls/${encodeURIComponent(callId)}/remote?wait=20000`);
				if (this.active !== a) return false;
				if (!w || w.status !== 200) throw new Error('signal');
				if (typeof w.json.sdp === 'string') {
					await pc.setRemoteDescription({ type: 'answer', sdp: w.json.sdp });
					return true;
				}
				if (w.json.status !== 'ringing') {
					this.#drop(a);
					return false;
				}
			}
			return false;
		} catch (e) {
			this.notice = { code: e instanceof DOMException && e.name === 'NotAllowedError' ? 'mic' : 'failed' };
			await this.#api('POST', `/api/calls/${encodeURIComponent(callId)}/end`);
			this.#drop(a);
			return false;
		}
	}

	async hangUp(): Promise<void> {
		const a = this.active;
		if (!a) return;
		a.status = 'ended';
		await this.#api('POST', `/api/calls/${encodeURIComponent(a.callId)}/end`);
		await this.#finish(a);
	}

	/** Ends a call this tab is not on (e.g. answered before a reload), by its id. */
	async endCall(callId: string): Promise<void> {
		if (this.active?.callId === callId) return this.hangUp();
		const r = await this.#api('POST', `/api/calls/${encodeURIComponent(callId)}/end`);
		if (!r || r.status !== 204) this.#refused(r);
	}

	toggleMute(): void {
		const a = this.active;
		if (!a?.mic) return;
		a.muted = !a.muted;
		for (const t of a.mic.getAudioTracks()) t.enabled = !a.muted;
	}

	/** S2.2 Record: both sides mixed here; uploaded and attached to the call when stopped or ended. */
	async toggleRecord(): Promise<void> {
		const a = this.active;
		if (!a || a.status !== 'connected') return;
		if (a.recording) return this.#stopRecording(a);
		if (typeof MediaRecorder === 'undefined' || typeof AudioContext === 'undefined' || !a.mic) return;
		const ok = await this.#api('POST', `/api/calls/${encodeURIComponent(a.callId)}/recording-started`);
		if (!ok || ok.status !== 204) {
			this.#refused(ok);
			return;
		}
		const ctx = new AudioContext();
		const dest = ctx.createMediaStreamDestination();
		ctx.createMediaStreamSource(a.mic).connect(dest);
		if (a.remote) ctx.createMediaStreamSource(a.remote).connect(dest);
		const mime = ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus'].find((m) => MediaRecorder.isTypeSupported(m));
		// 24 kbit/s Opus: clear speech, and about an hour fits the 10 MiB upload limit.
		const rec = new MediaRecorder(dest.stream, { audioBitsPerSecond: 24_000, ...(mime ? { mimeType: mime } : {}) });
		const chunks: Blob[] = [];
		rec.ondataavailable = (e) => {
			if (e.data.size > 0) chunks.push(e.data);
		};
		rec.onstop = () => void this.#saveRecording(a, new Blob(chunks, { type: rec.mimeType || 'audio/webm' }));
		rec.start(1000);
		a.recorder = rec;
		a.mix = ctx;
		a.recording = true;
	}

	async #stopRecording(a: ActiveCall): Promise<void> {
		const rec = a.recorder;
		if (!rec) return;
		a.recording = false;
		a.saving = true;
		a.recorder = null;
		await new Promise<void>((resolve) => {
			rec.addEventListener('stop', () => resolve(), { once: true });
			if (rec.state !== 'inactive') rec.stop();
			else resolve();
		});
	}

	async #saveRecording(a: ActiveCall, blob: Blob): Promise<void> {
		try {
			if (blob.size === 0) return;
			const ext = blob.type.includes('ogg') ? 'ogg' : 'webm';
			const stamp = new Date(this.#deps.now()).toISOString().slice(0, 16).replace(/[:T]/g, '-');
			const file = Object.assign(blob, { name: `call-${stamp}.${ext}` });
			const up = await this.#deps.upload(file, a.contactId);
			if (!up.ok) {
				this.notice = { code: 'recording_failed' };
				return;
			}
			const r = await this.#api('POST', `/api/calls/${encodeURIComponent(a.callId)}/recording`, { storageName: up.attachment.storageName });
			if (!r || r.status !== 201) this.#refused(r);
		} finally {
			a.saving = false;
			void a.mix?.close().catch(() => {});
			a.mix = null;
		}
	}

	async #media(a: ActiveCall, iceServers: IceServer[]): Promise<void> {
		a.mic = await navigator.mediaDevices.getUserMedia({ audio: true });
		if (this.active !== a) {
			for (const t of a.mic.getTracks()) t.stop();
			throw new Error('gone');
		}
		const pc = new RTCPeerConnection({ iceServers });
		a.pc = pc;
		for (const t of a.mic.getTracks()) pc.addTrack(t, a.mic);
		pc.ontrack = (ev) => {
			a.remote = ev.streams[0] ?? new MediaStream([ev.track]);
			const el = (a.audio ??= new Audio());
			el.autoplay = true;
			el.srcObject = a.remote;
			void el.play().catch(() => {});
		};
		pc.onconnectionstatechange = () => {
			if (pc.connectionState === 'connected' && a.status !== 'ended') {
				a.status = 'connected';
				a.connectedAt ??= this.#deps.now();
			} else if (pc.connectionState === 'failed' && this.active === a) void this.hangUp();
		};
	}

	/** The summary says the active call is over (the other side, the maximum duration): wind down. */
	#followActive(): void {
		const a = this.active;
		if (!a) return;
		const item = this.#byContact.get(a.contactId)?.find((i) => i.call.id === a.callId);
		if (!item) return;
		if (isFinished(item.call)) {
			a.status = 'ended';
			void this.#finish(a);
		} else if (item.call.status === 'answered' && a.direction === 'out' && a.status === 'ringing') a.status = 'connecting';
	}

	async #finish(a: ActiveCall): Promise<void> {
		if (a.recording) await this.#stopRecording(a);
		this.#drop(a);
	}

	#drop(a: ActiveCall): void {
		a.status = 'ended';
		a.pc?.close();
		for (const t of a.mic?.getTracks() ?? []) t.stop();
		if (a.audio) a.audio.srcObject = null;
		if (this.active === a) this.active = null;
		this.#updateRinger();
	}
}

function gathered(pc: RTCPeerConnection): Promise<void> {
	return new Promise((resolve) => {
		if (pc.iceGatheringState === 'complete') return resolve();
		const t = setTimeout(resolve, 3000);
		pc.addEventListener('icegatheringstatechange', () => {
			if (pc.iceGatheringState === 'complete') {
				clearTimeout(t);
				resolve();
			}
		});
	});
}

function parseObject(text: string): Record<string, unknown> {
	try {
		const v: unknown = text ? JSON.parse(text) : {};
		return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
	} catch {
		return {};
	}
}

function randomId(): string {
	const bytes = new Uint8Array(12);
	crypto.getRandomValues(bytes);
	return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
