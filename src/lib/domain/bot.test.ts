import { describe, expect, it } from 'vitest';
import { botAnswer, botAnswerId, isOpenAt, parseBotConfig, DEFAULT_BOT, type BotConfig } from './bot';
import type { Entry, TeamId } from './types';

// SPEC S7.8: the built-in bot's rules, and its per-contact toggle.
const cfg: BotConfig = {
	...DEFAULT_BOT,
	enabled: true,
	welcome: 'Welcome!',
	faq: [{ words: ['price', 'pricing'], answer: '12 EUR' }],
	handoverWords: ['agent'],
	handoverTeamId: 'support' as TeamId,
	handoverMessage: 'Passing you on'
};
const author = (type: Entry['author']['type']) => ({ type, id: 'x' });
const msg = (id: string, at: number, direction: 'in' | 'out', text: string, type: Entry['author']['type'] = direction === 'in' ? 'contact' : 'user'): Entry =>
	({ id, at, kind: 'message', direction, channelId: 'web', author: author(type), body: { type: 'text', text } }) as Entry;
const ev = (id: string, at: number, type: string, source = 'user'): Entry => ({ id, at, kind: 'event', type, source, data: {}, author: author('user') }) as Entry;

describe('botAnswer', () => {
	it('welcomes the first message of a conversation, then answers FAQ words', () => {
		const first = msg('m1', 10, 'in', 'hello');
		expect(botAnswer(cfg, [first], { id: 'm1', at: 10, text: 'hello' })).toEqual({ kind: 'welcome', text: 'Welcome!' });
		const second = msg('m2', 20, 'in', 'what is the PRICE?');
		expect(botAnswer(cfg, [first, msg(botAnswerId('m1', 'welcome'), 11, 'out', 'Welcome!', 'bot'), second], { id: 'm2', at: 20, text: 'what is the PRICE?' })).toEqual({ kind: 'faq', text: '12 EUR' });
		expect(botAnswer(cfg, [first, second], { id: 'm2', at: 20, text: 'nothing to see' })).toEqual({ kind: 'quiet', why: 'nothing' });
	});
	it('hands over to a team on request', () => {
		expect(botAnswer(cfg, [], { id: 'm1', at: 1, text: 'an agent please' })).toEqual({ kind: 'handover', text: 'Passing you on', teamId: 'support' });
	});
	it('stays quiet once turned off for the contact, and after an agent replied', () => {
		const m = msg('m2', 20, 'in', 'price?');
		expect(botAnswer(cfg, [ev('e', 5, 'bot_off'), m], { id: 'm2', at: 20, text: 'price?' })).toEqual({ kind: 'quiet', why: 'off_for_contact' });
		expect(botAnswer(cfg, [ev('e', 5, 'bot_off'), ev('f', 6, 'bot_on'), m], { id: 'm2', at: 20, text: 'price?' })).toMatchObject({ kind: 'welcome' });
		expect(botAnswer(cfg, [msg('r', 15, 'out', 'Hi, Ana here'), m], { id: 'm2', at: 20, text: 'price?' })).toEqual({ kind: 'quiet', why: 'agent_replied' });
		expect(botAnswer({ ...cfg, stopOnAgentReply: false }, [msg('m1', 1, 'in', 'x'), msg('r', 15, 'out', 'Hi'), m], { id: 'm2', at: 20, text: 'price?' })).toEqual({ kind: 'faq', text: '12 EUR' });
		expect(botAnswer({ ...cfg, enabled: false }, [m], { id: 'm2', at: 20, text: 'price?' })).toEqual({ kind: 'quiet', why: 'disabled' });
	});
	it('answers outside office hours with the away message, once per conversation', () => {
		// Mondays 9:00-18:00 UTC; 2026-12-06 is a Sunday.
		const hours = { days: [1], start: 9 * 60, end: 18 * 60, utcOffsetMinutes: 0 };
		const sunday = Date.UTC(2026, 11, 6, 12);
		const monday = Date.UTC(2026, 11, 7, 12);
		expect(isOpenAt(hours, sunday)).toBe(false);
		expect(isOpenAt(hours, monday)).toBe(true);
		const c = { ...cfg, officeHours: hours, away: 'We are closed' };
		expect(botAnswer(c, [], { id: 'm1', at: sunday, text: 'hi' })).toEqual({ kind: 'away', text: 'We are closed' });
		expect(botAnswer(c, [msg('m1', sunday, 'in', 'hi'), msg(botAnswerId('m1', 'away'), sunday + 1, 'out', 'We are closed', 'bot')], { id: 'm2', at: sunday + 5, text: 'price' })).toEqual({ kind: 'faq', text: '12 EUR' });
	});
	// SPEC S7.8 (office hours in the workspace's time zone, with its DST changes)
	it('reads office hours without a fixed offset in the workspace time zone', () => {
		// Weekdays 9:00-18:00 in Paris: 8:30 UTC is 9:30 in winter (open) and 10:30 in summer (open);
		// 7:30 UTC is 8:30 in winter (closed) and 9:30 in summer (open).
		const hours = { days: [1, 2, 3, 4, 5], start: 9 * 60, end: 18 * 60 };
		expect(isOpenAt(hours, Date.UTC(2026, 0, 5, 7, 30), 'Europe/Paris')).toBe(false);
		expect(isOpenAt(hours, Date.UTC(2026, 6, 6, 7, 30), 'Europe/Paris')).toBe(true);
		expect(isOpenAt(hours, Date.UTC(2026, 6, 6, 7, 30), 'UTC')).toBe(false);
		// Saturday 23:30 UTC is Sunday 8:30 in Tokyo: closed.
		expect(isOpenAt(hours, Date.UTC(2026, 0, 3, 23, 30), 'Asia/Tokyo')).toBe(false);
		// Monday 00:30 UTC is Monday 9:30 in Tokyo: open.
		expect(isOpenAt(hours, Date.UTC(2026, 0, 5, 0, 30), 'Asia/Tokyo')).toBe(true);
		const c = { ...cfg, officeHours: hours, away: 'Closed' };
		expect(botAnswer(c, [], { id: 'm1', at: Date.UTC(2026, 0, 5, 7, 30), text: 'hi' }, 'Europe/Paris')).toEqual({ kind: 'away', text: 'Closed' });
		expect(parseBotConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
	});
	it('reads its settings from JSON and refuses bad shapes', () => {
		expect(parseBotConfig(JSON.parse(JSON.stringify(cfg)))).toEqual(cfg);
		expect(parseBotConfig({ ...cfg, faq: 'nope' })).toBeNull();
	});
});
