import { describe, expect, it } from 'vitest';
import { asTeamId, asUserId } from './ids';
import { directory, team, user } from './test-fixtures';
import type { Entry, Profile } from './types';
import {
	botEnabled,
	definitionOf,
	evaluate,
	jsonPath,
	matchesWords,
	nextPosition,
	nextVersion,
	parseDefinition,
	pickAgent,
	planStep,
	renderTemplate,
	stepAt,
	triggerMatches,
	validateDefinition,
	type StepContext,
	type Step,
	type WorkflowDefinition,
	type WorkflowVersion
} from './workflows';

const SUPPORT = asTeamId('support');
const dir = {
	...directory([user('boss', { role: 'manager' }), user('ann', { teamIds: [SUPPORT] }), user('bob', { teamIds: [SUPPORT] }), user('gone', { active: false })], [team('support')]),
	customFields: [{ key: 'plan', label: 'Plan', type: 'text' as const }],
	channels: [{ id: 'web', kind: 'webchat' as const, name: 'Web', windowHours: null, supportsReplies: false }],
	snippets: [{ id: 's1', name: 'Hours', text: 'We open at 9, {{contact.firstName}}.' }]
} as unknown as StepContext['directory'] & ReturnType<typeof directory>;

const profile: Profile = { phone: '', email: '', country: '', language: '', blocked: false, firstName: 'Lea', lastName: 'Roy', tags: ['vip'], custom: { plan: 'gold' }, channelIds: [] };

function ctx(over: Partial<StepContext> = {}): StepContext {
	return {
		now: 1_000,
		directory: dir,
		creatorId: asUserId('boss'),
		profile,
		state: { status: 'open' },
		assignment: { userId: null, teamId: null },
		lastIncomingText: 'hello I need a refund',
		vars: {},
		channelIds: ['web'],
		lastChannelId: 'web',
		agents: () => [
			{ userId: asUserId('ann'), online: true, open: 3 },
			{ userId: asUserId('bob'), online: true, open: 1 }
		],
		lastPicked: () => null,
		...over
	};
}

const plan = (step: Step, over: Partial<StepContext> = {}) => planStep([step], [0], ctx(over));

describe('variables', () => {
	// SPEC S7.7 (variables in workflow messages, S5.6 snippets)
	it('replaces contact fields, custom fields, run variables and snippets', () => {
		const v = { profile, vars: { code: 'X1' }, snippets: dir.snippets, assigneeName: 'Ann' };
		expect(renderTemplate('Hi {{contact.firstName}} ({{ contact.custom.plan }}) {{vars.code}} {{assignee.name}}', v)).toBe('Hi Lea (gold) X1 Ann');
		expect(renderTemplate('{{snippet:hours}}', v)).toBe('We open at 9, Lea.');
		expect(renderTemplate('x{{contact.nope}}y', v)).toBe('xy');
	});
});

describe('each step type', () => {
	// SPEC S7.7 S5.5
	it('send_message renders and picks the last used channel, or the given one', () => {
		expect(plan({ type: 'send_message', text: 'Hi {{contact.firstName}}' })).toEqual({ kind: 'send', text: 'Hi Lea', channelId: 'web' });
		expect(plan({ type: 'send_message', text: 'x' }, { lastChannelId: null, channelIds: [] })).toEqual({ kind: 'fail', error: 'no_channel' });
		expect(plan({ type: 'send_message', text: 'x' }, { profile: { ...profile, blocked: true } })).toEqual({ kind: 'fail', error: 'blocked' });
		expect(plan({ type: 'send_message', text: 'x', channel: { rule: 'channel', channelId: 'gone' } })).toEqual({ kind: 'fail', error: 'broken_channel:gone' });
	});
	it('comment keeps mentions', () => {
		expect(plan({ type: 'comment', text: 'see @ann', mentions: [asUserId('ann')] })).toEqual({ kind: 'comment', text: 'see @ann', mentions: ['ann'] });
	});
	it('assign: user, team, round robin, least open, unassign', () => {
		expect(plan({ type: 'assign', to: { kind: 'user', userId: asUserId('ann') } })).toEqual({ kind: 'assign', userId: 'ann' });
		expect(plan({ type: 'assign', to: { kind: 'team', teamId: SUPPORT } })).toEqual({ kind: 'assign', teamId: SUPPORT });
		expect(plan({ type: 'assign', to: { kind: 'unassign' } })).toEqual({ kind: 'assign', userId: null });
		expect(plan({ type: 'assign', to: { kind: 'round_robin', teamId: SUPPORT } }, { lastPicked: () => 'ann' })).toMatchObject({ userId: 'bob', teamId: SUPPORT });
		expect(plan({ type: 'assign', to: { kind: 'round_robin', teamId: SUPPORT } }, { lastPicked: () => 'bob' })).toMatchObject({ userId: 'ann' });
		expect(plan({ type: 'assign', to: { kind: 'least_open', teamId: SUPPORT } })).toMatchObject({ userId: 'bob' });
		expect(plan({ type: 'assign', to: { kind: 'round_robin', teamId: SUPPORT } }, { agents: () => [] })).toEqual({ kind: 'fail', error: 'no_agent:support' });
	});
	it('round robin prefers online agents', () => {
		const agents = [
			{ userId: asUserId('a'), online: false, open: 0 },
			{ userId: asUserId('b'), online: true, open: 9 }
		];
		expect(pickAgent('round_robin', agents, null)).toBe('b');
		expect(pickAgent('least_open', agents, null)).toBe('b');
	});
	it('tags and fields', () => {
		expect(plan({ type: 'tag', op: 'add', tag: 'new' })).toEqual({ kind: 'profile', patch: { tags: ['vip', 'new'] } });
		expect(plan({ type: 'tag', op: 'add', tag: 'VIP' })).toEqual({ kind: 'profile', patch: {} });
		expect(plan({ type: 'tag', op: 'remove', tag: 'vip' })).toEqual({ kind: 'profile', patch: { tags: [] } });
		expect(plan({ type: 'set_field', field: 'plan', value: '{{contact.firstName}}-x' })).toEqual({ kind: 'profile', patch: { custom: { plan: 'Lea-x' } } });
		expect(plan({ type: 'set_field', field: 'email', value: 'a@b.c' })).toEqual({ kind: 'profile', patch: { email: 'a@b.c' } });
	});
	it('status, wait, http, bot, stop', () => {
		expect(plan({ type: 'status', to: 'closed' })).toEqual({ kind: 'status', to: 'closed' });
		expect(plan({ type: 'status', to: 'snoozed', snoozeMinutes: 2 })).toEqual({ kind: 'status', to: 'snoozed', until: 121_000 });
		expect(plan({ type: 'wait', minutes: 1, forReply: true })).toEqual({ kind: 'wait', until: 61_000, forReply: true });
		expect(plan({ type: 'http', method: 'GET', url: 'https://x.test/{{contact.firstName}}', map: [{ path: 'a.b', field: 'plan' }] })).toEqual({
			kind: 'http',
			method: 'GET',
			url: 'https://x.test/Lea',
			map: [{ path: 'a.b', field: 'plan' }]
		});
		expect(jsonPath({ a: { b: [1, { c: 'z' }] } }, 'a.b.1.c')).toBe('z');
		expect(plan({ type: 'bot', on: false })).toEqual({ kind: 'bot', on: false });
		expect(plan({ type: 'stop' })).toEqual({ kind: 'stop' });
	});
	it('a step referring to a deleted team or user fails as broken', () => {
		expect(plan({ type: 'assign', to: { kind: 'team', teamId: asTeamId('deleted') } })).toEqual({ kind: 'fail', error: 'broken_team:deleted' });
		expect(plan({ type: 'assign', to: { kind: 'user', userId: asUserId('gone') } })).toEqual({ kind: 'fail', error: 'broken_user:gone' });
	});
	it('no step runs once its creator may no longer do it', () => {
		expect(plan({ type: 'stop' }, { creatorId: asUserId('ann') })).toEqual({ kind: 'fail', error: 'not_allowed' });
	});
});

describe('branching', () => {
	// SPEC S7.7
	const steps: Step[] = [
		{
			type: 'branch',
			branches: [
				{ name: 'refund', when: { kind: 'message_contains', words: ['refund'] }, steps: [{ type: 'tag', op: 'add', tag: 'refund' }, { type: 'stop' }] },
				{ name: 'empty', when: { kind: 'tag', tag: 'nope' }, steps: [] }
			],
			otherwise: [{ type: 'comment', text: 'other' }]
		},
		{ type: 'status', to: 'closed' }
	];
	it('enters the first matching branch, then continues after the branch step', () => {
		expect(planStep(steps, [0], ctx())).toEqual({ kind: 'goto', position: [0, 0, 0] });
		expect(stepAt(steps, [0, 0, 1])).toEqual({ type: 'stop' });
		expect(nextPosition(steps, [0, 0, 0])).toEqual([0, 0, 1]);
		expect(nextPosition(steps, [0, 0, 1])).toEqual([1]);
		expect(nextPosition(steps, [1])).toBeNull();
	});
	it('otherwise, and an empty branch falls through', () => {
		expect(planStep(steps, [0], ctx({ lastIncomingText: 'hi' }))).toEqual({ kind: 'goto', position: [0, 2, 0] });
		const p = { ...profile, tags: ['nope'] };
		const withEmpty: Step[] = [{ ...(steps[0] as Extract<Step, { type: 'branch' }>), branches: [(steps[0] as Extract<Step, { type: 'branch' }>).branches[1]!] }, steps[1]!];
		expect(planStep(withEmpty, [0], ctx({ profile: p }))).toEqual({ kind: 'goto', position: [1] });
	});
	it('branches on an advanced filter of the custom inboxes (S4.4), refused when it names a removed team', () => {
		const byFilter: Step[] = [
			{ type: 'branch', branches: [{ name: 'support', when: { kind: 'filter', filter: { groups: [[{ field: 'team', op: 'is', value: 'support' }]] } }, steps: [{ type: 'stop' }] }], otherwise: [] }
		];
		expect(planStep(byFilter, [0], ctx({ matchFilter: () => true }))).toEqual({ kind: 'goto', position: [0, 0, 0] });
		expect(planStep(byFilter, [0], ctx({ matchFilter: () => false }))).toEqual({ kind: 'goto', position: null });
		const gone: WorkflowDefinition = {
			name: 'F',
			trigger: { type: 'shortcut' },
			steps: [{ type: 'branch', branches: [{ name: 'x', when: { kind: 'filter', filter: { groups: [[{ field: 'team', op: 'is', value: 't-gone' }]] } }, steps: [] }], otherwise: [] }]
		};
		expect(validateDefinition(gone, dir)).toEqual([{ pos: [0], code: 'broken_filter', ref: 'removed_team' }]);
		expect(parseDefinition(gone)).toEqual(gone);
	});
	it('conditions', () => {
		const c = ctx({ assignment: { userId: asUserId('ann'), teamId: SUPPORT } });
		expect(evaluate({ kind: 'all', of: [{ kind: 'tag', tag: 'VIP' }, { kind: 'field', field: 'plan', op: 'eq', value: 'Gold' }] }, c)).toBe(true);
		expect(evaluate({ kind: 'any', of: [{ kind: 'status', status: 'closed' }, { kind: 'assigned', to: 'nobody' }] }, c)).toBe(false);
		expect(evaluate({ kind: 'not', of: { kind: 'team', teamId: SUPPORT } }, c)).toBe(false);
		expect(evaluate({ kind: 'variable', name: 'code', op: 'empty' }, c)).toBe(true);
		expect(matchesWords('Where is my ORDER?', ['order'])).toBe(true);
		expect(matchesWords('disorder', ['order'])).toBe(false);
	});
});

describe('versioning and validation', () => {
	// SPEC S7.7
	const v1: WorkflowVersion = { workflowId: 'w', version: 1, definition: { name: 'A', trigger: { type: 'shortcut' }, steps: [{ type: 'stop' }] }, createdBy: asUserId('boss'), publishedAt: 1 };
	const v2: WorkflowVersion = { ...v1, version: 2, definition: { ...v1.definition, steps: [{ type: 'comment', text: 'v2' }] } };
	it('a run started on version 1 keeps version 1 after version 2 is published', () => {
		expect(nextVersion([v1])).toBe(2);
		expect(definitionOf([v1, v2], { workflowId: 'w', version: 1 })?.definition.steps).toEqual([{ type: 'stop' }]);
	});
	it('shows broken references before publishing', () => {
		const def: WorkflowDefinition = {
			name: 'X',
			trigger: { type: 'incoming_message' },
			steps: [
				{ type: 'assign', to: { kind: 'round_robin', teamId: asTeamId('deleted') } },
				{ type: 'branch', branches: [{ name: 'b', when: { kind: 'field', field: 'nofield', op: 'empty' }, steps: [{ type: 'send_message', text: '{{contact.custom.gone}}' }] }], otherwise: [] }
			]
		};
		expect(validateDefinition(def, dir)).toEqual([
			{ pos: [0], code: 'broken_team', ref: 'deleted' },
			{ pos: [1], code: 'broken_field', ref: 'nofield' },
			{ pos: [1, 0, 0], code: 'broken_field', ref: 'gone' }
		]);
	});
	it('parses definitions from JSON and refuses bad shapes', () => {
		const def = { name: 'A', trigger: { type: 'incoming_message', words: ['hi'] }, steps: [{ type: 'wait', minutes: 1, forReply: true }] };
		expect(parseDefinition(def)).toEqual(def);
		expect(parseDefinition({ ...def, steps: [{ type: 'rm -rf' }] })).toBeNull();
	});
});

describe('triggers and the bot toggle', () => {
	// SPEC S7.7 S7.8
	it('matches triggers', () => {
		expect(triggerMatches({ type: 'incoming_message', words: ['price'] }, { type: 'incoming_message', text: 'the PRICE?' })).toBe(true);
		expect(triggerMatches({ type: 'incoming_message', words: ['price'] }, { type: 'incoming_message', text: 'hi' })).toBe(false);
		expect(triggerMatches({ type: 'conversation_opened', sources: ['welcome'] }, { type: 'conversation_opened', source: 'contact' })).toBe(false);
		expect(triggerMatches({ type: 'tag_added', tag: 'VIP' }, { type: 'tag_added', tag: 'vip' })).toBe(true);
	});
	it('the newest bot event decides', () => {
		const ev = (id: string, at: number, type: 'bot_on' | 'bot_off'): Entry => ({ id, at, type, kind: 'event', source: 'user', data: {}, author: { type: 'user', id: 'u' } }) as Entry;
		expect(botEnabled([])).toBe(true);
		expect(botEnabled([ev('a', 1, 'bot_off')])).toBe(false);
		expect(botEnabled([ev('b', 2, 'bot_on'), ev('a', 1, 'bot_off')])).toBe(true);
	});
});
