/**
 * The demo workspace, generated from a seed: the same seed and options always give the same
 * workspace, byte for byte (ids included), so tests, benchmarks and `npm start`'s first-run
 * seed all see the same data. Plain objects only (no Yjs): `src/lib/doc/seed.ts` turns them
 * into documents.
 *
 * Every thread is consistent with its contact's final state: a closed contact's last episode
 * ends with a `closed` event, a snoozed one with `snoozed`, a blocked one with `blocked`, and
 * `state.since` is the time of that last status event. The first contacts are fixed scenarios
 * (assigned to Sue, to Tom, to Tom's team only, unassigned, snoozed, blocked...) so every
 * visibility rule has data to act on; the rest are random.
 */
import type {
	Assignment,
	ChannelId,
	ContactId,
	ConversationState,
	Delivery,
	Directory,
	Entry,
	Profile,
	SnippetId,
	Status,
	TeamId,
	User,
	UserId,
	WorkspaceId
} from '../domain/types';
import { createPrng, type Prng } from './prng';
import { COMPANIES, FIRST_NAMES_EN, FIRST_NAMES_FR, LAST_NAMES_EN, LAST_NAMES_FR, MAIL_PROVIDERS, TAGS } from './phrases';
import { buildThread } from './thread';

export const DEMO_PASSWORD = 'parley-demo';
export const DEMO_WORKSPACE_ID = 'w-demo' as WorkspaceId;

export const DEMO_TEAMS = { sales: 't-sales' as TeamId, support: 't-support' as TeamId };
export const DEMO_CHANNELS = { webchat: 'ch-webchat' as ChannelId, webhook: 'ch-webhook' as ChannelId, email: 'ch-email' as ChannelId };
/** The demo email channel's address and its local mailbox (both on loopback, see sync-server/src/main.ts). */
export const DEMO_EMAIL = { address: 'support@parley.localhost', mailboxPort: 2526 };
export const DEMO_USERS = {
	owner: 'u-olivia' as UserId,
	manager: 'u-marc' as UserId,
	ana: 'u-ana' as UserId,
	tom: 'u-tom' as UserId,
	sue: 'u-sue' as UserId,
	lucas: 'u-lucas' as UserId
};

export interface DemoContact {
	id: ContactId;
	createdAt: number;
	profile: Profile;
	assignment: Assignment;
	state: ConversationState;
	/** Thread entries in thread order (at, id); the `contact_created` event is left to `initContact`. */
	entries: Entry[];
	deliveries: Record<string, Delivery>;
	reads: Record<string, number>;
}

export interface DemoWorkspace {
	directory: Directory;
	users: Array<{ user: User; password: typeof DEMO_PASSWORD }>;
	contacts: DemoContact[];
}

export interface GenerateOptions {
	seed: number;
	/** Number of contacts (default 300). */
	contacts?: number;
	/** Messages per contact: a range, or an average (range 0..2x). Default {min: 2, max: 18}. */
	messagesPerContact?: { min: number; max: number } | number;
	/** "Now" of the workspace: every entry is before it, snoozes end after it. */
	now: number;
}

function directory(): Directory {
	const { sales, support } = DEMO_TEAMS;
	const u = (id: UserId, name: string, email: string, role: User['role'], restriction: User['restriction'], teamIds: TeamId[], color: string): User => ({
		id, name, email, role, restriction, teamIds, color, active: true
	});
	return {
		workspaceId: DEMO_WORKSPACE_ID,
		workspaceName: 'Parley Demo',
		users: [
			u(DEMO_USERS.owner, 'Olivia Bennett', 'owner@demo.test', 'owner', 'none', [], '#7c3aed'),
			u(DEMO_USERS.manager, 'Marc Lefèvre', 'manager@demo.test', 'manager', 'none', [sales, support], '#0891b2'),
			u(DEMO_USERS.ana, 'Ana Souza', 'ana@demo.test', 'agent', 'none', [support], '#db2777'),
			u(DEMO_USERS.tom, 'Tom Becker', 'tom@demo.test', 'agent', 'team', [sales], '#ea580c'),
			u(DEMO_USERS.sue, 'Sue Park', 'sue@demo.test', 'agent', 'self', [support], '#16a34a'),
			u(DEMO_USERS.lucas, 'Lucas Moreau', 'lucas@demo.test', 'agent', 'none', [sales], '#2563eb')
		],
		teams: [
			{ id: sales, name: 'Sales' },
			{ id: support, name: 'Support' }
		],
		channels: [
			{ id: DEMO_CHANNELS.webchat, kind: 'webchat', name: 'Web chat', windowHours: null, supportsReplies: true, calls: true },
			{
				id: DEMO_CHANNELS.webhook,
				kind: 'webhook',
				name: 'WhatsApp',
				// The server's built-in demo receiver (sync-server/src/channels/outbound-http.ts: DEMO_RECEIVER_URL).
				url: 'https://receiver.demo.parley.invalid/hook',
				windowHours: 24,
				supportsReplies: true,
				templates: [
					{ id: 'tpl-follow-up', name: 'Follow-up', text: 'Hello {{firstName}}, this is the support team. Do you have a minute to talk about your request? Reply to this message to continue.' },
					{ id: 'tpl-order', name: 'Order update', text: 'Hello {{firstName}}, there is news about your order. Reply to this message and we will tell you more.' }
				]
			},
			{
				id: DEMO_CHANNELS.email,
				kind: 'email',
				name: 'Email',
				windowHours: null,
				supportsReplies: true,
				email: { addresses: [DEMO_EMAIL.address], fromName: 'Parley Demo Support', smtp: { host: '127.0.0.1', port: DEMO_EMAIL.mailboxPort, security: 'none' } }
			}
		],
		snippets: [
			{ id: 's-hello' as SnippetId, name: 'hello', text: 'Hi {{firstName}}, thanks for reaching out! How can I help?' },
			{ id: 's-bonjour' as SnippetId, name: 'bonjour', text: 'Bonjour {{firstName}}, merci pour votre message ! Comment puis-je vous aider ?' },
			{ id: 's-tracking' as SnippetId, name: 'tracking', text: 'You can follow your parcel here: https://track.example.com/' },
			{ id: 's-hours' as SnippetId, name: 'hours', text: 'We are open Monday to Saturday, 9am to 6pm, and Sunday 10am to 4pm.' }
		],
		customFields: [
			{ key: 'company', label: 'Company', type: 'text' },
			{ key: 'billing_email', label: 'Billing email', type: 'email' },
			{ key: 'seats', label: 'Seats', type: 'number' },
			{ key: 'newsletter', label: 'Newsletter', type: 'checkbox' },
			{ key: 'renewal_date', label: 'Renewal date', type: 'date' }
		]
	};
}

/** What a contact ends up as; the first contacts are fixed so every rule has data. */
interface Scenario {
	assignment: Assignment;
	status: Status;
	blocked: boolean;
	/** Whether the last message is incoming (an unreplied conversation). */
	endsIncoming: boolean;
}

const none: Assignment = { userId: null, teamId: null };
function fixedScenarios(): Scenario[] {
	const { ana, tom, sue, lucas, manager } = DEMO_USERS;
	const { sales, support } = DEMO_TEAMS;
	const s = (assignment: Assignment, status: Status, endsIncoming = false, blocked = false): Scenario => ({ assignment, status, blocked, endsIncoming });
	return [
		s({ userId: sue, teamId: support }, 'open', true),
		s({ userId: sue, teamId: null }, 'closed'),
		s({ userId: tom, teamId: sales }, 'open', true),
		s({ userId: null, teamId: sales }, 'open', true),
		s({ userId: lucas, teamId: null }, 'open'),
		s(none, 'open', true),
		s(none, 'snoozed'),
		s({ userId: ana, teamId: support }, 'snoozed'),
		s(none, 'closed', false, true),
		s({ userId: null, teamId: support }, 'open', true),
		s({ userId: ana, teamId: null }, 'closed'),
		s({ userId: tom, teamId: null }, 'snoozed'),
		s({ userId: manager, teamId: sales }, 'closed'),
		s({ userId: sue, teamId: null }, 'closed', false, true)
	];
}

function randomScenario(rng: Prng): Scenario {
	const { ana, tom, sue, lucas, manager, owner } = DEMO_USERS;
	const { sales, support } = DEMO_TEAMS;
	const assignment = rng.weighted<Assignment>(
		[none, { userId: ana, teamId: support }, { userId: ana, teamId: null }, { userId: tom, teamId: sales }, { userId: sue, teamId: support },
			{ userId: lucas, teamId: sales }, { userId: manager, teamId: null }, { userId: owner, teamId: null }, { userId: null, teamId: sales }, { userId: null, teamId: support }],
		[25, 10, 5, 12, 12, 10, 4, 2, 10, 10]
	);
	const blocked = rng.bool(0.03);
	const status: Status = blocked ? 'closed' : rng.weighted<Status>(['open', 'closed', 'snoozed'], [55, 33, 12]);
	return { assignment, status, blocked, endsIncoming: status === 'open' && rng.bool(0.5) };
}

const stripAccents = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
const two = (rng: Prng): string => String(rng.int(0, 99)).padStart(2, '0');

function randomProfile(rng: Prng, lang: 'en' | 'fr'): Profile {
	const firstName = rng.pick(lang === 'fr' ? FIRST_NAMES_FR : FIRST_NAMES_EN);
	const lastName = rng.pick(lang === 'fr' ? LAST_NAMES_FR : LAST_NAMES_EN);
	const country = lang === 'fr' ? rng.weighted(['FR', 'BE', 'CA'], [7, 2, 1]) : rng.weighted(['US', 'GB', 'CA'], [5, 3, 2]);
	const phone =
		country === 'FR' ? `+33 6 ${two(rng)} ${two(rng)} ${two(rng)} ${two(rng)}`
		: country === 'BE' ? `+32 470 ${two(rng)} ${two(rng)} ${two(rng)}`
		: country === 'GB' ? `+44 7700 900${String(rng.int(0, 999)).padStart(3, '0')}`
		: `+1 ${rng.pick(['415', '212', '514', '604'])} 555 ${String(rng.int(100, 199)).padStart(4, '0')}`;
	const company = rng.bool(0.3) ? rng.pick(COMPANIES) : null;
	const local = stripAccents(`${firstName}.${lastName}`).toLowerCase().replace(/[^a-z.]/g, '');
	const email = rng.bool(0.9) ? `${local}${rng.bool(0.3) ? rng.int(1, 99) : ''}@${company ? company.domain : rng.pick(MAIL_PROVIDERS)}` : '';
	const custom: Profile['custom'] = {};
	if (company) {
		custom.company = company.name;
		custom.billing_email = `billing@${company.domain}`;
		custom.seats = rng.int(1, 250);
		custom.renewal_date = `202${rng.int(5, 7)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
	}
	if (rng.bool(0.5)) custom.newsletter = rng.bool();
	const channelIds = rng.weighted<ChannelId[]>([[DEMO_CHANNELS.webchat], [DEMO_CHANNELS.webhook], [DEMO_CHANNELS.webchat, DEMO_CHANNELS.webhook]], [4, 4, 2]);
	return {
		firstName,
		lastName,
		phone: rng.bool(0.95) ? phone : '',
		email,
		country,
		language: lang,
		tags: rng.sample(TAGS, rng.weighted([0, 1, 2], [6, 3, 1])).sort(),
		custom,
		blocked: false,
		channelIds
	};
}

/** 20 characters of the id alphabet (`ids.ts`), from the seeded generator. */
export function demoId(rng: Prng): string {
	const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
	let s = '';
	for (let i = 0; i < 20; i++) s += A[Math.floor(rng.next() * 64)];
	return s;
}

export function generateWorkspace(options: GenerateOptions): DemoWorkspace {
	return { ...demoTeam(), contacts: [...generateContacts(options)] };
}

/** The demo's directory and login records (no contacts; the same for every seed). */
export function demoTeam(): Pick<DemoWorkspace, 'directory' | 'users'> {
	const dir = directory();
	return { directory: dir, users: dir.users.map((user) => ({ user, password: DEMO_PASSWORD })) };
}

/**
 * The contacts of `generateWorkspace`, one at a time and in the same order (the same seed gives
 * the same contacts): a seed of 500,000 contacts holds one at a time, not 10M messages at once.
 */
export function* generateContacts(options: GenerateOptions): Generator<DemoContact, void, undefined> {
	const rng = createPrng(options.seed);
	const count = options.contacts ?? 300;
	const per = options.messagesPerContact ?? { min: 2, max: 18 };
	const range = typeof per === 'number' ? { min: 0, max: Math.max(0, Math.round(per * 2)) } : per;
	const dir = directory();
	const fixed = fixedScenarios();
	const agents = dir.users.filter((u) => u.role === 'agent').map((u) => u.id);
	const people = dir.users.map((u) => ({ id: u.id, name: u.name }));
	for (let i = 0; i < count; i++) {
		const scenario = fixed[i] ?? randomScenario(rng);
		const lang = rng.bool(0.5) ? 'fr' : 'en';
		const id = demoId(rng) as ContactId;
		const profile = randomProfile(rng, lang);
		profile.blocked = scenario.blocked;
		const createdAt = options.now - rng.int(3_600_000, 120 * 86_400_000);
		const messages = Math.max(scenario.endsIncoming ? 1 : 0, rng.int(range.min, range.max));
		const thread = buildThread(rng, {
			contactId: id,
			lang,
			profile,
			createdAt,
			now: options.now,
			messages,
			assignment: scenario.assignment,
			status: scenario.status,
			blocked: scenario.blocked,
			endsIncoming: scenario.endsIncoming,
			agents,
			users: people,
			newId: () => demoId(rng)
		});
		yield {
			id,
			createdAt,
			profile,
			assignment: scenario.assignment,
			state: thread.state,
			entries: thread.entries,
			deliveries: thread.deliveries,
			reads: thread.reads
		};
	}
}
