/**
 * The built-in bot (SPEC S7.8) on the server: answers incoming messages per channel by the
 * rules of `domain/bot.ts`, as the author `{type: 'bot', id: 'bot'}`, with its own typing
 * indicator on the contact's awareness (the web chat shows it, `channels/typing.ts`).
 *
 * Exactly once: the answer's id is derived from the incoming message's id and written only if
 * absent, in the same server transaction that re-reads the thread; a hand-over assigns the team
 * and turns the bot off for the contact (events with source `bot`, S5.5) in that transaction.
 * Settings live in meta `bot.config` ({channelId: BotConfig}).
 */
import { contactDoc, serverOrigin } from '../../../src/lib/doc';
import { assign } from '../../../src/lib/domain/actions';
import { botAnswer, botAnswerId, parseBotConfig, type BotAnswer, type BotConfig } from '../../../src/lib/domain/bot';
import type { ChannelId, ContactId, DocId, EntryId } from '../../../src/lib/domain/types';
import type { Fanout } from '../fanout/fanout';
import type { MetaStore } from '../persistence/store';
import type { Rooms } from '../rooms';
import { writeAwareness } from '../channels/typing';

const CONFIG_KEY = 'bot.config';
export const BOT_AUTHOR = { type: 'bot', id: 'bot' } as const;

export interface BotOptions {
	meta: MetaStore;
	rooms: Rooms;
	fanout: Fanout;
	clock: () => number;
	log: (message: string) => void;
	/** How long the bot shows as typing before it answers (default 600 ms). */
	typingMs?: number;
	/** Several processes: only the lease's holder answers. */
	lease?: { readonly held: boolean };
	/** The workspace's time zone (office hours without a fixed offset); UTC when absent. */
	timeZone?: () => string;
}

export class Bot {
	private configs: Record<string, BotConfig> = {};
	private readonly awarenessId = 1 + Math.floor(Math.random() * 0x7ffffffe);
	private clockN = 0;
	private readonly inflight = new Set<Promise<unknown>>();
	private closed = false;

	constructor(private readonly o: BotOptions) {}

	async start(): Promise<void> {
		await this.reload();
	}

	async reload(): Promise<void> {
		try {
			const raw = JSON.parse((await this.o.meta.getMeta(CONFIG_KEY)) ?? '{}') as Record<string, unknown>;
			const out: Record<string, BotConfig> = {};
			for (const [k, v] of Object.entries(raw)) {
				const c = parseBotConfig(v);
				if (c) out[k] = c;
			}
			this.configs = out;
		} catch {
			this.configs = {};
		}
	}

	config(channelId: string): BotConfig | null {
		return this.configs[channelId] ?? null;
	}

	all(): Record<string, BotConfig> {
		return this.configs;
	}

	async setConfig(channelId: string, cfg: BotConfig): Promise<void> {
		await this.reload();
		this.configs = { ...this.configs, [channelId]: cfg };
		await this.o.meta.setMeta(CONFIG_KEY, JSON.stringify(this.configs));
	}

	/** Incoming messages just stored (from the engine's write hook). */
	onIncoming(docId: DocId, contactId: ContactId, ids: EntryId[]): void {
		if (this.closed || (this.o.lease && !this.o.lease.held)) return;
		for (const id of ids) {
			const p = this.answer(docId, contactId, id)
				.catch((err: unknown) => this.o.log(`bot: ${String(err)}`))
				.finally(() => this.inflight.delete(p));
			this.inflight.add(p);
		}
	}

	private decide(docId: DocId, incomingId: EntryId): { answer: BotAnswer; channelId: string } | null {
		const view = this.o.rooms.view(docId);
		if (!view) return null;
		const c = view.contact;
		const m = c.thread.get(incomingId);
		if (!m || m.kind !== 'message' || m.direction !== 'in') return null;
		const cfg = this.config(m.channelId);
		if (!cfg) return null;
		const answer = botAnswer(cfg, c.thread.entries(), { id: m.id, at: m.at, text: m.body.text ?? '' }, this.o.timeZone?.());
		if (answer.kind === 'quiet' || c.thread.has(botAnswerId(m.id, answer.kind) as EntryId)) return null;
		return { answer, channelId: m.channelId };
	}

	private async answer(docId: DocId, contactId: ContactId, incomingId: EntryId): Promise<void> {
		if (!this.decide(docId, incomingId)) return;
		this.typing(docId, contactId, true);
		await new Promise((r) => setTimeout(r, this.o.typingMs ?? 600));
		try {
			await this.o.rooms.applyServerChange(docId, (ydoc) => {
				const c = contactDoc(ydoc, serverOrigin());
				const m = c.thread.get(incomingId);
				if (!m || m.kind !== 'message') return;
				const cfg = this.config(m.channelId);
				if (!cfg) return;
				// Decided again inside the write: the toggle or an agent's reply may have come meanwhile.
				const answer = botAnswer(cfg, c.thread.entries(), { id: m.id, at: m.at, text: m.body.text ?? '' }, this.o.timeZone?.());
				if (answer.kind === 'quiet') return;
				const id = botAnswerId(m.id, answer.kind) as EntryId;
				if (c.thread.has(id)) return;
				const now = Math.max(this.o.clock(), m.at + 1);
				if (answer.text.trim() !== '') {
					c.thread.append({ id, kind: 'message', direction: 'out', channelId: m.channelId as ChannelId, at: now, author: BOT_AUTHOR, body: { type: 'text', text: answer.text } });
				}
				if (answer.kind === 'handover') {
					let n = 0;
					if (answer.teamId) c.applyAction(assign(c.assignment.get(), { teamId: answer.teamId }, 'bot'), BOT_AUTHOR, now + 1, () => `${id}-a${n++}`);
					c.thread.append({ id: `${id}-off` as EntryId, kind: 'event', at: now + 2, author: BOT_AUTHOR, type: 'bot_off', source: 'bot', data: { reason: 'handover' } });
				}
			});
		} finally {
			this.typing(docId, contactId, false);
		}
	}

	private typing(docId: DocId, contactId: ContactId, on: boolean): void {
		void contactId;
		const state = { user: { kind: 'bot' as const, id: 'bot', name: 'Bot' }, typing: on ? { composer: 'reply', at: this.o.clock() } : null };
		this.o.fanout.publish({ type: 'awareness', docId, update: writeAwareness(this.awarenessId, ++this.clockN, state), senderId: 'bot' });
	}

	/** Resolves once no answer is in flight (tests). */
	async idle(): Promise<void> {
		while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
	}

	async close(): Promise<void> {
		this.closed = true;
		await Promise.allSettled([...this.inflight]);
	}
}
