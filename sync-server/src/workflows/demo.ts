/**
 * The demo workspace's automation (SPEC S7.7, S7.8): a welcome bot on the web chat (welcome,
 * FAQ answers, hand-over to Support), a "Welcome and route" workflow (greets WhatsApp contacts,
 * waits for the reply, assigns Support round robin) and an "Escalate to manager" shortcut.
 * Seeded once, on the first start of a demo workspace (meta `workflows.demo`).
 */
import type { BotConfig } from '../../../src/lib/domain/bot';
import { DEMO_CHANNELS, DEMO_TEAMS, DEMO_USERS } from '../../../src/lib/demo/generate';
import type { WorkflowDefinition } from '../../../src/lib/domain/workflows';
import type { MetaStore, WorkflowStore } from '../persistence/store';
import type { Bot } from './bot';

const DONE_KEY = 'workflows.demo';

export const DEMO_BOT: BotConfig = {
	enabled: true,
	welcome: "Hi! I'm Parley's assistant. Ask me about pricing, opening hours or delivery, or type \"agent\" to talk to a person.",
	officeHours: null,
	away: '',
	faq: [
		{ words: ['price', 'prices', 'pricing', 'cost', 'prix', 'tarif'], answer: 'Our plans start at 12 EUR per agent per month, with a 14-day free trial.' },
		{ words: ['hours', 'open', 'opening hours', 'horaires'], answer: 'Our team answers Monday to Friday, 9:00 to 18:00 (Paris time).' },
		{ words: ['delivery', 'shipping', 'livraison'], answer: 'Orders ship within 2 working days; you get a tracking link by email.' }
	],
	handoverWords: ['agent', 'human', 'person', 'conseiller'],
	handoverTeamId: DEMO_TEAMS.support,
	handoverMessage: 'Connecting you with our Support team, one moment please.',
	stopOnAgentReply: true
};

export const DEMO_WORKFLOWS: WorkflowDefinition[] = [
	{
		name: 'Welcome and route',
		trigger: { type: 'conversation_opened', sources: ['contact'] },
		steps: [
			{
				type: 'branch',
				branches: [
					{
						name: 'WhatsApp',
						when: { kind: 'channel', channelId: DEMO_CHANNELS.webhook },
						steps: [{ type: 'send_message', text: 'Hi {{contact.firstName}}, thanks for your message! Tell us a bit more and an agent will take it from here.' }]
					}
				],
				otherwise: []
			},
			{ type: 'wait', minutes: 30, forReply: true },
			{
				type: 'branch',
				branches: [{ name: 'Nobody assigned', when: { kind: 'assigned', to: 'nobody' }, steps: [{ type: 'assign', to: { kind: 'round_robin', teamId: DEMO_TEAMS.support } }] }],
				otherwise: []
			}
		]
	},
	{
		name: 'Escalate to manager',
		trigger: { type: 'shortcut' },
		steps: [
			{ type: 'tag', op: 'add', tag: 'escalated' },
			{ type: 'comment', text: 'Escalated to Marc for a personal follow-up.', mentions: [DEMO_USERS.manager] },
			{ type: 'assign', to: { kind: 'user', userId: DEMO_USERS.manager } },
			{ type: 'send_message', text: "{{contact.firstName}}, I've asked our manager to look at this personally. You'll hear from us shortly." }
		]
	}
];

export async function seedDemoAutomation(wf: WorkflowStore, meta: MetaStore, bot: Bot, now: number): Promise<boolean> {
	if (await meta.getMeta(DONE_KEY)) return false;
	for (const [i, definition] of DEMO_WORKFLOWS.entries()) {
		await wf.putWorkflowVersion({ workflowId: `wf-demo-${i + 1}`, version: 1, definition, createdBy: DEMO_USERS.owner, publishedAt: now });
	}
	await bot.setConfig(DEMO_CHANNELS.webchat, DEMO_BOT);
	await meta.setMeta(DONE_KEY, '1');
	return true;
}
