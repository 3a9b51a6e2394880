/**
 * Convergence property test: 8 replicas of one contact document make random changes through
 * the typed wrappers while a simulated network buffers every update per receiver, delivers
 * random subsets in shuffled order (sometimes twice), and keeps replicas offline for a while.
 * After everything is delivered, every replica must read the same summary, the same ordered
 * thread, the same drafts, deliveries and profile; and each replica's incrementally maintained
 * summary must equal its full summary. 200 seeds (LONG=1: 2000); a failure names its seed.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Author, ChannelId, ContactId, Entry, EntryId, EventSource, TeamId, UserId } from '../domain/types';
import { createPrng, type Prng } from '../demo/prng';
import { contactDoc, initContact, type ActionResultLike } from './contact';
import { asOrigin, remoteOrigin } from './origins';
import { DRAFT_KEYS } from './schema';
import { summarize, watchSummary, type DocSummary } from './summary';

// SPEC S9.1 S9.2

const CID = 'c-conv' as ContactId;
const REPLICAS = 8;
const USERS = ['u-ana', 'u-tom', 'u-sue', 'u-max'] as UserId[];
const TEAMS = ['t-sales', 't-support'] as TeamId[];
const CHANNELS = ['ch-web', 'ch-hook'] as ChannelId[];
const BODY_TYPES = ['text', 'template', 'quick_reply', 'story_reply', 'image', 'location'];
const WORDS = ['bonjour', 'hello', 'merci', 'commande', 'order', 'délai', 'refund', '🙂', 'François', 'Hélène'];

interface Replica {
	doc: Y.Doc;
	inbox: Uint8Array[];
	online: boolean;
	watcher: { current(): DocSummary; stop(): void };
}

function randomText(rng: Prng): string {
	return Array.from({ length: rng.int(1, 6) }, () => rng.pick(WORDS)).join(' ');
}

function randomEntry(rng: Prng, replica: number, seq: number): Entry {
	const id = `r${replica}-${seq}-${rng.id(4)}` as EntryId;
	const at = 1_000_000 + rng.int(0, 500) * 1000;
	const kind = rng.weighted(['message', 'comment', 'event'] as const, [6, 2, 2]);
	const user: Author = { type: 'user', id: rng.pick(USERS) };
	if (kind === 'comment') return { id, at, kind, author: user, text: randomText(rng), mentions: rng.sample(USERS, rng.int(0, 2)) };
	if (kind === 'event') return { id, at, kind, author: user, type: 'page_change', source: 'contact', data: { n: rng.int(0, 9) } };
	const direction = rng.bool() ? 'in' : 'out';
	return {
		id,
		at,
		kind,
		author: direction === 'in' ? { type: 'contact', id: CID } : user,
		direction,
		channelId: rng.pick(CHANNELS),
		body: { type: rng.pick(BODY_TYPES), text: rng.bool(0.9) ? randomText(rng) : undefined },
		broadcast: direction === 'out' && rng.bool(0.15) ? true : undefined
	};
}

function randomAction(rng: Prng, now: number): ActionResultLike {
	const user = rng.pick(USERS);
	const source: EventSource = rng.pick(['user', 'workflow', 'bot']);
	switch (rng.int(0, 5)) {
		case 0:
			return { assignment: { userId: user, teamId: rng.bool() ? rng.pick(TEAMS) : null }, events: [{ type: 'assigned', source, data: { assigneeId: user } }] };
		case 1:
			return { assignment: { userId: null }, events: [{ type: 'unassigned', source, data: {} }] };
		case 2:
			return { state: { status: 'closed', since: now, snoozeUntil: null }, events: [{ type: 'closed', source, data: {} }] };
		case 3:
			return { state: { status: 'open', since: now, snoozeUntil: null }, events: [{ type: 'opened', source, data: {} }] };
		case 4:
			return {
				state: { status: 'snoozed', since: now, snoozeUntil: now + 3_600_000, statusBeforeSnooze: 'open', sinceBeforeSnooze: now - 1000 },
				events: [{ type: 'snoozed', source, data: { until: now + 3_600_000 } }]
			};
		default:
			return {
				state: { status: 'open', since: now - 1000, snoozeUntil: null, statusBeforeSnooze: null, sinceBeforeSnooze: null },
				events: [{ type: 'woken', source: 'system', data: {} }, { type: 'assigned', source, data: {} }]
			};
	}
}

/** One random change on replica `r`; `pool` holds entries any replica may (re)send. */
function mutate(rng: Prng, r: number, doc: Y.Doc, seq: number, pool: Entry[]): void {
	const c = contactDoc(doc);
	const now = 1_000_000 + rng.int(0, 500) * 1000;
	const op = rng.weighted(['append', 'resend', 'action', 'profile', 'read', 'draft', 'delivery'] as const, [8, 1, 3, 2, 2, 4, 2]);
	switch (op) {
		case 'append': {
			const e = randomEntry(rng, r, seq);
			pool.push(e);
			c.thread.append(e);
			return;
		}
		case 'resend':
			if (pool.length > 0) c.thread.append(rng.pick(pool));
			return;
		case 'action': {
			let n = 0;
			c.applyAction(randomAction(rng, now), { type: 'user', id: rng.pick(USERS) }, now, () => `a${r}-${seq}-${n++}-${rng.id(3)}`);
			return;
		}
		case 'profile':
			c.profile.patch(
				rng.pick([
					{ firstName: rng.pick(['Hélène', 'François', 'Ana', 'Zoë']) },
					{ phone: `+33 6 ${rng.int(10, 99)} ${rng.int(10, 99)} ${rng.int(10, 99)} ${rng.int(10, 99)}` },
					{ tags: rng.sample(['vip', 'lead', 'churn'], rng.int(0, 3)) },
					{ blocked: rng.bool() },
					{ custom: { plan: rng.pick(['free', 'pro']), seats: rng.int(1, 50) } }
				])
			);
			return;
		case 'read':
			c.reads.markRead(rng.pick(USERS), now);
			return;
		case 'draft': {
			const edit = (t: Y.Text) => {
				if (t.length > 0 && rng.bool(0.35)) {
					const at = rng.int(0, t.length - 1);
					t.delete(at, rng.int(1, Math.min(5, t.length - at)));
				} else t.insert(rng.int(0, t.length), `${rng.pick(WORDS)} `);
			};
			// Half through the wrapper, half as an editor binding would (origin null).
			if (rng.bool()) c.drafts.edit(rng.pick(DRAFT_KEYS), edit);
			else edit(c.drafts.text(rng.pick(DRAFT_KEYS)));
			return;
		}
		case 'delivery': {
			const outgoing = pool.filter((e) => e.kind === 'message' && e.direction === 'out');
			if (outgoing.length === 0) return;
			c.delivery.set(rng.pick(outgoing).id, { status: rng.pick(['queued', 'sent', 'delivered', 'read', 'failed'] as const), at: now });
			return;
		}
	}
}

function deliverSome(rng: Prng, rep: Replica): void {
	if (rep.inbox.length === 0) return;
	const take = rng.int(0, rep.inbox.length);
	const chosen = new Set(rng.sample([...rep.inbox.keys()], take));
	const batch = rep.inbox.filter((_, i) => chosen.has(i));
	rep.inbox = rep.inbox.filter((_, i) => !chosen.has(i));
	for (const u of rng.shuffle(batch)) {
		Y.applyUpdate(rep.doc, u, remoteOrigin());
		if (rng.bool(0.1)) Y.applyUpdate(rep.doc, u, remoteOrigin()); // duplicate delivery
	}
	if (rng.bool(0.1) && batch.length > 0) rep.inbox.push(rng.pick(batch)); // delivered again later
}

function observable(doc: Y.Doc) {
	const c = contactDoc(doc);
	return {
		summary: summarize(CID, doc),
		thread: c.thread.ordered(),
		drafts: Object.fromEntries(c.drafts.keys().map((k) => [k, c.drafts.read(k)])),
		delivery: c.delivery.all(),
		profile: c.profile.get()
	};
}

function runSeed(seed: number): void {
	const rng = createPrng(seed);
	const origin = new Y.Doc();
	initContact(origin, { id: CID, profile: { firstName: 'Léa', lastName: 'Martin' }, createdAt: 1_000_000 });
	const initial = Y.encodeStateAsUpdate(origin);
	const replicas: Replica[] = [];
	for (let r = 0; r < REPLICAS; r++) {
		const doc = new Y.Doc();
		Y.applyUpdate(doc, initial, remoteOrigin());
		const rep: Replica = { doc, inbox: [], online: true, watcher: watchSummary(CID, doc, () => {}) };
		doc.on('update', (u: Uint8Array, o: unknown) => {
			if (asOrigin(o)?.kind === 'remote') return; // relay what this replica wrote, origin ours or null
			for (const other of replicas) if (other !== rep) other.inbox.push(u);
		});
		replicas.push(rep);
	}
	const pool: Entry[] = [];
	const steps = rng.int(20, 80);
	for (let step = 0; step < steps; step++) {
		const r = rng.int(0, REPLICAS - 1);
		mutate(rng, r, replicas[r]!.doc, step, pool);
		for (const rep of replicas) {
			if (rng.bool(0.1)) rep.online = !rep.online;
			if (rep.online && rng.bool(0.3)) deliverSome(rng, rep);
		}
	}
	for (const rep of replicas) {
		for (const u of rng.shuffle(rep.inbox)) Y.applyUpdate(rep.doc, u, remoteOrigin());
		rep.inbox = [];
	}
	const expected = observable(replicas[0]!.doc);
	for (const [i, rep] of replicas.entries()) {
		expect(rep.doc.store.pendingStructs, `seed ${seed} replica ${i}: pending structs`).toBeNull();
		expect(observable(rep.doc), `seed ${seed} replica ${i}`).toEqual(expected);
		expect(rep.watcher.current(), `seed ${seed} replica ${i}: incremental summary`).toEqual(expected.summary);
		rep.watcher.stop();
	}
}

describe('convergence of contact documents', () => {
	const seeds = process.env.LONG === '1' ? 2000 : 200;
	it(`${REPLICAS} replicas converge under random ops, reordering, duplicates and offline periods (${seeds} seeds)`, () => {
		for (let seed = 1; seed <= seeds; seed++) {
			try {
				runSeed(seed);
			} catch (err) {
				console.error(`convergence failed with seed ${seed}`);
				throw err;
			}
		}
	}, 600_000);
});
