import { describe, expect, it } from 'vitest';
import type { MessageEntry } from '../domain/types';
import { DEMO_PASSWORD, DEMO_TEAMS, DEMO_USERS, generateWorkspace } from './generate';
import { createPrng } from './prng';

const NOW = Date.UTC(2025, 5, 1, 12);

describe('createPrng', () => {
	it('is deterministic per seed and stays in range', () => {
		const a = createPrng(7);
		const b = createPrng(7);
		const xs = Array.from({ length: 1000 }, () => a.int(-3, 3));
		expect(xs).toEqual(Array.from({ length: 1000 }, () => b.int(-3, 3)));
		expect(new Set(xs)).toEqual(new Set([-3, -2, -1, 0, 1, 2, 3]));
		expect(createPrng(8).next()).not.toBe(createPrng(7).next());
		const s = createPrng(1).shuffle([1, 2, 3, 4, 5]);
		expect([...s].sort()).toEqual([1, 2, 3, 4, 5]);
		expect(createPrng(1).sample([1, 2, 3], 10)).toHaveLength(3);
		expect(() => createPrng(1).pick([])).toThrow(RangeError);
		expect(createPrng(3).weighted(['a', 'b'], [0, 1])).toBe('b');
	});
});

describe('generateWorkspace', () => {
	const w = generateWorkspace({ seed: 42, contacts: 300, now: NOW });

	it('is deterministic for a seed', () => {
		expect(generateWorkspace({ seed: 42, contacts: 300, now: NOW })).toEqual(w);
		expect(generateWorkspace({ seed: 43, contacts: 300, now: NOW }).contacts[0]!.id).not.toBe(w.contacts[0]!.id);
	});

	// SPEC S1.3 S1.4
	it('has the demo users, teams, channels and custom fields', () => {
		const byEmail = new Map(w.users.map((u) => [u.user.email, u.user]));
		expect(byEmail.get('owner@demo.test')?.role).toBe('owner');
		expect(byEmail.get('manager@demo.test')?.role).toBe('manager');
		expect(byEmail.get('ana@demo.test')).toMatchObject({ role: 'agent', restriction: 'none' });
		expect(byEmail.get('tom@demo.test')).toMatchObject({ role: 'agent', restriction: 'team', teamIds: [DEMO_TEAMS.sales] });
		expect(byEmail.get('sue@demo.test')).toMatchObject({ role: 'agent', restriction: 'self', teamIds: [DEMO_TEAMS.support] });
		expect(w.users.every((u) => u.password === DEMO_PASSWORD)).toBe(true);
		expect(w.directory.teams.map((t) => t.name).sort()).toEqual(['Sales', 'Support']);
		expect(w.directory.channels.map((c) => c.kind).sort()).toEqual(['email', 'webchat', 'webhook']);
		expect(new Set(w.directory.customFields.map((f) => f.type))).toEqual(new Set(['text', 'email', 'number', 'checkbox', 'date']));
		expect(w.directory.snippets.length).toBeGreaterThan(2);
	});

	// SPEC S1.2 S1.3 S1.6 S7.4
	it('covers every assignment and status scenario', () => {
		const cs = w.contacts;
		expect(cs).toHaveLength(300);
		expect(cs.some((c) => c.assignment.userId === DEMO_USERS.sue)).toBe(true);
		expect(cs.some((c) => c.assignment.userId === DEMO_USERS.tom)).toBe(true);
		expect(cs.some((c) => c.assignment.userId === null && c.assignment.teamId === DEMO_TEAMS.sales)).toBe(true);
		expect(cs.some((c) => c.assignment.userId === DEMO_USERS.lucas)).toBe(true);
		expect(cs.filter((c) => c.assignment.userId === null && c.assignment.teamId === null).length).toBeGreaterThan(20);
		for (const status of ['open', 'closed', 'snoozed'] as const) expect(cs.some((c) => c.state.status === status)).toBe(true);
		expect(cs.some((c) => c.profile.blocked)).toBe(true);
		expect(cs.some((c) => /[éèçëïô]/i.test(c.profile.firstName + c.profile.lastName))).toBe(true);
		const bodyTypes = new Set(cs.flatMap((c) => c.entries.filter((e): e is MessageEntry => e.kind === 'message').map((m) => m.body.type)));
		for (const t of ['text', 'template', 'quick_reply', 'story_reply', 'image']) expect(bodyTypes.has(t)).toBe(true);
		expect(cs.some((c) => c.entries.some((e) => e.kind === 'message' && e.broadcast))).toBe(true);
		expect(cs.some((c) => c.entries.some((e) => e.kind === 'comment' && e.mentions.length > 0))).toBe(true);
		expect(cs.some((c) => c.profile.email.endsWith('@gmail.com'))).toBe(true);
	});

	it('keeps every thread consistent with its contact', () => {
		for (const c of w.contacts) {
			const ids = new Set(c.entries.map((e) => e.id));
			expect(ids.size).toBe(c.entries.length);
			for (let i = 1; i < c.entries.length; i++) expect(c.entries[i]!.at).toBeGreaterThanOrEqual(c.entries[i - 1]!.at);
			for (const e of c.entries) {
				expect(e.at).toBeGreaterThan(c.createdAt);
				expect(e.at).toBeLessThan(NOW);
			}
			const statusEvents = c.entries.filter((e) => e.kind === 'event' && ['closed', 'opened', 'snoozed'].includes(e.type));
			const last = statusEvents[statusEvents.length - 1];
			if (c.state.status === 'closed') expect(last).toMatchObject({ type: 'closed', at: c.state.since });
			if (c.state.status === 'snoozed') {
				expect(last).toMatchObject({ type: 'snoozed', at: c.state.since });
				expect(c.state.snoozeUntil).toBeGreaterThan(NOW);
			}
			if (c.state.status === 'open' && last) expect(last).toMatchObject({ type: 'opened', at: c.state.since });
			if (c.profile.blocked) expect(c.entries.some((e) => e.kind === 'event' && e.type === 'blocked')).toBe(true);
			for (const id of Object.keys(c.deliveries)) {
				const m = c.entries.find((e) => e.id === id);
				expect(m?.kind === 'message' && m.direction === 'out').toBe(true);
			}
		}
	});

	it('honours messagesPerContact (range and average)', () => {
		const small = generateWorkspace({ seed: 1, contacts: 50, messagesPerContact: { min: 0, max: 0 }, now: NOW });
		// A contact whose scenario ends with an unreplied incoming message gets that one (after a
		// welcome template, sometimes); the others get none.
		for (const c of small.contacts) {
			expect(c.entries.filter((e) => e.kind === 'message' && !e.broadcast).length).toBeLessThanOrEqual(2);
		}
		const big = generateWorkspace({ seed: 2, contacts: 10_000, messagesPerContact: 10, now: NOW });
		const messages = big.contacts.reduce((n, c) => n + c.entries.filter((e) => e.kind === 'message').length, 0);
		expect(messages).toBeGreaterThan(90_000);
	});
});
