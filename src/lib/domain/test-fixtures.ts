/**
 * Builders and a seeded random generator for the domain tests (not part of the public API).
 * Builders take overrides so each test states only the facts it is about.
 */
import type {
	ContactSummary,
	ConversationState,
	Directory,
	Restriction,
	Role,
	Team,
	TeamId,
	User,
	UserId
} from './types';
import { asContactId, asTeamId, asUserId, asWorkspaceId } from './ids';

export const ROLES: Role[] = ['owner', 'manager', 'agent'];
export const RESTRICTIONS: Restriction[] = ['none', 'team', 'self'];

export function user(id: string, over: Partial<Omit<User, 'id'>> = {}): User {
	return {
		id: asUserId(id),
		name: id,
		email: `${id}@example.com`,
		role: 'agent',
		restriction: 'none',
		teamIds: [],
		color: '#888',
		active: true,
		...over
	};
}

export function team(id: string): Team {
	return { id: asTeamId(id), name: id };
}

export function directory(users: User[], teams: Team[] = []): Directory {
	return {
		workspaceId: asWorkspaceId('w1'),
		workspaceName: 'Acme',
		users,
		teams,
		channels: [],
		snippets: [],
		customFields: []
	};
}

export function contact(id: string, over: Partial<Omit<ContactSummary, 'id'>> = {}): ContactSummary {
	return {
		id: asContactId(id),
		firstName: id,
		lastName: '',
		phone: '',
		email: '',
		blocked: false,
		channelIds: [],
		assigneeId: null,
		teamId: null,
		status: 'open',
		statusSince: null,
		snoozeUntil: null,
		statusBeforeSnooze: null,
		sinceBeforeSnooze: null,
		lastMessageAt: null,
		lastMessageDirection: null,
		lastMessageChannelId: null,
		lastMessagePreview: '',
		recentIncomingAt: [],
		reads: {},
		updatedAt: 0,
		...over
	};
}

export function state(over: Partial<ConversationState> = {}): ConversationState {
	return { status: 'open', since: 1000, snoozeUntil: null, statusBeforeSnooze: null, sinceBeforeSnooze: null, ...over };
}

/** mulberry32: small, fast, good enough to generate test data reproducibly from a seed. */
export function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function pick<T>(r: () => number, items: readonly T[]): T {
	const item = items[Math.floor(r() * items.length)];
	if (item === undefined) throw new Error('pick from an empty list');
	return item;
}

/** A seed from the environment (`SEED=123`) or the clock, printed by the caller on failure. */
export function testSeed(): number {
	const env = Number(process.env.SEED);
	return Number.isInteger(env) ? env : Date.now() % 2 ** 31;
}

/** A random workspace: users of every role and restriction spread over a few teams. */
export function randomWorkspace(r: () => number, nUsers = 12, nTeams = 4): { dir: Directory; userIds: UserId[]; teamIds: TeamId[] } {
	const teams = Array.from({ length: nTeams }, (_, i) => team(`t${i}`));
	const teamIds = teams.map((t) => t.id);
	const users = Array.from({ length: nUsers }, (_, i) =>
		user(`u${i}`, {
			role: pick(r, ROLES),
			restriction: pick(r, RESTRICTIONS),
			active: r() > 0.1,
			teamIds: teamIds.filter(() => r() < 0.35)
		})
	);
	return { dir: directory(users, teams), userIds: users.map((u) => u.id), teamIds };
}

export function randomContact(r: () => number, i: number, userIds: UserId[], teamIds: TeamId[]): ContactSummary {
	const status = pick(r, ['open', 'closed', 'snoozed'] as const);
	const maybe = <T>(v: T): T | null => (r() < 0.2 ? null : v);
	const t = () => Math.floor(r() * 50) * 1000; // coarse times so ties are common
	return contact(`k${String(i).padStart(5, '0')}`, {
		assigneeId: r() < 0.3 ? null : pick(r, userIds),
		teamId: r() < 0.4 ? null : pick(r, teamIds),
		blocked: r() < 0.1,
		status,
		statusSince: maybe(t()),
		snoozeUntil: status === 'snoozed' ? t() + 100_000 : null,
		statusBeforeSnooze: status === 'snoozed' ? pick(r, ['open', 'closed'] as const) : null,
		sinceBeforeSnooze: status === 'snoozed' ? maybe(t()) : null,
		lastMessageAt: maybe(t()),
		lastMessageDirection: pick(r, ['in', 'out', null] as const)
	});
}
