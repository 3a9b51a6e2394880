/**
 * One demo contact's thread: episodes of conversation (a customer writes, agents answer, the
 * conversation is closed, later reopened by a new message), comments with mentions, events
 * with their sources, broadcasts, delivery statuses and read marks, ending in the status the
 * scenario asks for. Times are strictly inside (createdAt, now).
 */
import type {
	Assignment,
	Author,
	ChannelId,
	ContactId,
	ConversationState,
	Delivery,
	Entry,
	EntryId,
	EventEntry,
	EventSource,
	MessageBody,
	MessageEntry,
	Profile,
	Status,
	UserId
} from '../domain/types';
import { LINES } from './phrases';
import type { Prng } from './prng';

export interface ThreadPlan {
	contactId: ContactId;
	lang: 'en' | 'fr';
	profile: Profile;
	createdAt: number;
	now: number;
	messages: number;
	assignment: Assignment;
	status: Status;
	blocked: boolean;
	endsIncoming: boolean;
	agents: UserId[];
	users: Array<{ id: UserId; name: string }>;
	newId: () => string;
}

export interface DemoThread {
	entries: Entry[];
	deliveries: Record<string, Delivery>;
	reads: Record<string, number>;
	state: ConversationState;
}

export function buildThread(rng: Prng, plan: ThreadPlan): DemoThread {
	const L = LINES[plan.lang];
	const { profile } = plan;
	const entries: Entry[] = [];
	const order = `0${rng.int(10, 99)}${rng.int(1000, 9999)}`;
	const fill = (s: string): string =>
		s
			.replace('{order}', order)
			.replace('{email}', profile.email || (plan.lang === 'fr' ? 'mon adresse' : 'my address'))
			.replace('{name}', profile.firstName);
	const contactAuthor: Author = { type: 'contact', id: plan.contactId };
	const agentId = plan.assignment.userId ?? rng.pick(plan.agents);
	const episodes = plan.messages <= 3 ? 1 : rng.int(1, Math.min(4, Math.ceil(plan.messages / 4)));
	const gap = (plan.now - plan.createdAt) / (plan.messages + 3 * episodes + 3);
	let t = plan.createdAt;
	const tick = (scale = 1): number => {
		t = Math.min(t + Math.max(1000, Math.round(gap * scale * (0.2 + rng.next() * 1.6))), plan.now - 10_000 + entries.length);
		return t;
	};
	const channel = (): ChannelId => rng.pick(profile.channelIds);
	let ch = channel();

	const message = (direction: 'in' | 'out', body: MessageBody, author?: Author): MessageEntry => {
		const m: MessageEntry = {
			id: plan.newId() as EntryId,
			kind: 'message',
			at: tick(),
			author: author ?? (direction === 'in' ? contactAuthor : { type: 'user', id: agentId }),
			direction,
			channelId: ch,
			body
		};
		entries.push(m);
		return m;
	};
	const event = (type: EventEntry['type'], source: EventSource, data: Record<string, unknown> = {}, extra: Partial<EventEntry> = {}): EventEntry => {
		const last = entries[entries.length - 1];
		const e: EventEntry = {
			id: plan.newId() as EntryId,
			kind: 'event',
			at: (last ? last.at : t) + 1 + rng.int(0, 5000),
			author:
				source === 'user' ? { type: 'user', id: agentId }
				: source === 'contact' ? contactAuthor
				: { type: source === 'bot' ? 'bot' : source === 'workflow' ? 'workflow' : 'system', id: source },
			type,
			source,
			data,
			...extra
		};
		t = Math.max(t, e.at);
		entries.push(e);
		return e;
	};
	const text = (lines: string[], type: MessageBody['type'] = 'text'): MessageBody => ({ type, text: fill(rng.pick(lines)) });
	const incomingBody = (): MessageBody => {
		const r = rng.next();
		if (r < 0.05) return text(L.storyReplies, 'story_reply');
		if (r < 0.09) return { type: 'image', attachments: [{ storageName: `${plan.newId()}.jpg`, name: 'IMG_20240412.jpg', size: rng.int(40_000, 900_000), mime: 'image/jpeg' }] };
		return text(rng.bool(0.6) ? L.followUpsIn : L.questionsIn);
	};
	const comment = () => {
		const mentioned = rng.pick(plan.users);
		const raw = rng.pick(L.comments);
		const mentions = raw.includes('{mention}') ? [mentioned.id] : [];
		entries.push({
			id: plan.newId() as EntryId,
			kind: 'comment',
			at: tick(0.3),
			author: { type: 'user', id: agentId },
			text: fill(raw.replace('{mention}', `@${mentioned.name.split(' ')[0]}`)),
			mentions
		});
	};

	let since = plan.createdAt;
	let left = plan.messages;
	const source = (): EventSource => rng.weighted<EventSource>(['user', 'workflow', 'bot'], [6, 2, 2]);
	for (let ep = 0; ep < episodes && left > 0; ep++) {
		const lastEpisode = ep === episodes - 1;
		const budget = lastEpisode ? left : Math.max(1, Math.round(left / (episodes - ep)) + rng.int(-1, 1));
		let used = 0;
		ch = channel();
		if (ep === 0 && rng.bool(0.15)) {
			message('out', text(L.templates, 'template'), { type: 'workflow', id: 'welcome' });
			used++;
			if (used < budget) {
				message('in', text(L.quickReplies, 'quick_reply'));
				used++;
			}
		} else {
			message('in', text(rng.bool(0.4) ? L.greetingsIn : L.questionsIn));
			used++;
			if (ep > 0) since = event('opened', 'contact').at;
		}
		if (ep === 0 && (plan.assignment.userId || plan.assignment.teamId)) {
			event('assigned', source(), { assigneeId: plan.assignment.userId, teamId: plan.assignment.teamId });
		}
		if (ch === 'ch-webchat' && rng.bool(0.3)) event('page_change', 'contact', {}, { url: `https://shop.example.com/${rng.pick(['pricing', 'checkout', 'faq', 'produits'])}` });
		let dir: 'in' | 'out' = 'out';
		while (used < budget) {
			if (rng.bool(0.08)) comment();
			const reserveClose = !lastEpisode && used === budget - 1;
			if (reserveClose) message('out', text(L.closingsOut));
			else if (dir === 'out') message('out', rng.bool(0.08) ? text(L.templates, 'template') : text(L.repliesOut), rng.bool(0.1) ? { type: 'bot', id: 'bot' } : undefined);
			else message('in', rng.bool(0.2) && used > budget - 3 ? text(L.thanksIn) : incomingBody());
			used++;
			dir = rng.bool(0.8) ? (dir === 'out' ? 'in' : 'out') : dir;
		}
		if (lastEpisode && plan.status === 'open') {
			const last = [...entries].reverse().find((e): e is MessageEntry => e.kind === 'message');
			if (plan.endsIncoming && last?.direction !== 'in') message('in', incomingBody());
			if (!plan.endsIncoming && last?.direction !== 'out') message('out', text(L.repliesOut));
		}
		if (!lastEpisode) {
			since = event('closed', source()).at;
			if (rng.bool(0.1)) event('workflow_ended', 'workflow', { workflow: 'CSAT survey' }, { ref: `WF-${rng.int(100, 999)}` });
		}
		left -= used;
	}

	let state: ConversationState = { status: 'open', since, snoozeUntil: null, statusBeforeSnooze: null, sinceBeforeSnooze: null };
	if (plan.blocked) {
		const closed = event('closed', 'user').at;
		event('blocked', 'user');
		state = { ...state, status: 'closed', since: closed };
	} else if (plan.status === 'closed') {
		state = { ...state, status: 'closed', since: event('closed', source()).at };
	} else if (plan.status === 'snoozed') {
		const until = plan.now + rng.int(1, 120) * 3_600_000;
		const at = event('snoozed', 'user', { until }).at;
		state = { status: 'snoozed', since: at, snoozeUntil: until, statusBeforeSnooze: 'open', sinceBeforeSnooze: since };
	}

	if (rng.bool(0.15) && entries.length > 0) {
		const span = t - plan.createdAt;
		const body: MessageBody = { type: 'template', text: fill(rng.pick(L.broadcasts)) };
		entries.push({
			id: plan.newId() as EntryId,
			kind: 'message',
			at: plan.createdAt + Math.round(span * rng.next()),
			author: { type: 'workflow', id: 'broadcast' },
			direction: 'out',
			channelId: channel(),
			body,
			broadcast: true
		});
	}
	entries.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	return { entries, deliveries: deliveries(rng, entries, plan.status), reads: reads(rng, entries, plan), state };
}

function deliveries(rng: Prng, entries: Entry[], status: Status): Record<string, Delivery> {
	const out: Record<string, Delivery> = {};
	const outgoing = entries.filter((e): e is MessageEntry => e.kind === 'message' && e.direction === 'out');
	outgoing.forEach((m, i) => {
		const isLast = i === outgoing.length - 1;
		const lastOfThread = entries[entries.length - 1]?.id === m.id;
		if (rng.bool(0.03)) {
			out[m.id] = { status: 'failed', error: 'Recipient is outside the 24h messaging window', at: m.at + 2000, attempts: 3 };
		} else if (isLast && lastOfThread && status === 'open' && rng.bool(0.15)) {
			out[m.id] = { status: 'queued', at: m.at };
		} else if (isLast) {
			out[m.id] = { status: rng.pick(['sent', 'delivered', 'read'] as const), at: m.at + 1500 };
		} else {
			out[m.id] = { status: rng.weighted(['read', 'delivered'] as const, [7, 3]), at: m.at + 60_000 };
		}
	});
	return out;
}

function reads(rng: Prng, entries: Entry[], plan: ThreadPlan): Record<string, number> {
	const out: Record<string, number> = {};
	const last = entries[entries.length - 1];
	if (!last) return out;
	const incoming = entries.filter((e) => e.kind === 'message' && e.direction === 'in');
	const mark = (): number => {
		if (rng.bool(0.6) || incoming.length < 2) return last.at;
		return incoming[rng.int(0, incoming.length - 2)]!.at;
	};
	if (plan.assignment.userId) out[plan.assignment.userId] = mark();
	for (const u of plan.users) if (out[u.id] === undefined && rng.bool(0.2)) out[u.id] = mark();
	return out;
}
