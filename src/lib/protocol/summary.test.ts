// Issue 26 (SPEC S9.2, S4.2, S4.4): the compact wire form of a contact summary, as the bootstrap
// snapshot and DOCS_CHUNK carry it, decodes back to the exact summary (the list, filters and
// notifications read every field), for summaries with each optional field present or absent,
// unicode, large and fractional numbers, empty arrays; and it is much smaller than the JSON object.
import * as prng from 'lib0/prng';
import { describe, expect, it } from 'vitest';
import type { ContactSummary } from '../domain/types';
import { createGen, type Gen } from './arbitrary';
import { encodePayload } from './bootstrap';
import { decodeSummaries, decodeSummary, encodeSummary, summaryFromWire, summaryToWire } from './summary';

const TEXTS = ['', 'Zoé', 'Ελένη 📦', '山田 太郎', 'a "quoted" \\ back\nslash', '\u0000\u2028\u2029', 'x'.repeat(300)];
const NUMBERS = [0, 1, -1, 1791743483849, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 60, 1.5, -0.25, 1e-7];

function pick<T>(gen: Gen, xs: readonly T[]): T {
	return xs[prng.int31(gen, 0, xs.length - 1)]!;
}
const text = (gen: Gen) => pick(gen, TEXTS) + (prng.bool(gen) ? String(prng.int31(gen, 0, 999)) : '');
const time = (gen: Gen) => (prng.int31(gen, 0, 3) === 0 ? pick(gen, NUMBERS) : 1_700_000_000_000 + prng.int31(gen, 0, 2 ** 30));
const orNull = <T>(gen: Gen, f: () => T): T | null => (prng.bool(gen) ? f() : null);

function times(gen: Gen): number[] {
	const n = pick(gen, [0, 1, 2, 5, 100]);
	const out: number[] = [];
	let t = time(gen);
	for (let i = 0; i < n; i++) {
		// Mostly newest last; sometimes out of order or not integers (still exact).
		t = prng.int31(gen, 0, 9) === 0 ? pick(gen, NUMBERS) : t + prng.int31(gen, 0, 86_400_000);
		out.push(t);
	}
	return out;
}

function arbitrarySummary(gen: Gen): ContactSummary & { lastMessageId?: string | null } {
	// Built in the order `summarize` writes the keys; each optional field present or absent.
	const s: Record<string, unknown> = {
		id: `c${prng.int31(gen, 0, 1e6)}`,
		firstName: text(gen),
		lastName: text(gen),
		phone: text(gen),
		email: text(gen),
		blocked: prng.bool(gen),
		channelIds: pick(gen, [[], ['ch-webchat'], ['ch-a', 'ch-ü']]),
		assigneeId: orNull(gen, () => 'u1'),
		teamId: orNull(gen, () => 't-é'),
		status: pick(gen, ['open', 'pending', 'snoozed', 'closed'] as const),
		statusSince: orNull(gen, () => time(gen)),
		snoozeUntil: orNull(gen, () => time(gen)),
		statusBeforeSnooze: orNull(gen, () => 'open' as const),
		sinceBeforeSnooze: orNull(gen, () => time(gen)),
		reads: pick(gen, [{}, { u1: 1791743483849 }, { 'u-ü': 0.5, u2: Number.MAX_SAFE_INTEGER }])
	};
	if (prng.bool(gen)) s.country = text(gen);
	if (prng.bool(gen)) s.language = text(gen);
	if (prng.bool(gen)) s.tags = pick(gen, [[], ['vip'], ['a', 'Ωmega']]);
	if (prng.bool(gen)) s.custom = pick(gen, [{}, { newsletter: false }, { plan: 'pro', seats: 2 ** 40, note: null }]);
	s.lastMessageAt = orNull(gen, () => time(gen));
	s.lastMessageDirection = orNull(gen, () => pick(gen, ['in', 'out'] as const));
	s.lastMessageChannelId = orNull(gen, () => 'ch-webchat');
	s.lastMessagePreview = text(gen);
	if (prng.bool(gen)) s.lastMessageId = orNull(gen, () => text(gen));
	s.recentIncomingAt = times(gen);
	s.updatedAt = time(gen);
	if (prng.bool(gen)) s.notices = prng.bool(gen) ? [] : [{ entryId: 'e1', at: time(gen), kind: 'mention', userIds: ['u1'], authorId: 'u2' }];
	if (prng.bool(gen)) s.lastOutgoingAt = orNull(gen, () => time(gen));
	if (prng.bool(gen)) s.calls = [];
	return s as unknown as ContactSummary & { lastMessageId?: string | null };
}

describe('compact summary encoding (issue 26)', () => {
	it('decodes every summary back exactly, keys in the order summarize writes them', () => {
		const gen = createGen(26);
		const all: ContactSummary[] = [];
		for (let i = 0; i < 3000; i++) {
			const s = arbitrarySummary(gen);
			all.push(s);
			const back = decodeSummary(encodeSummary(s));
			expect(back).toStrictEqual(s);
			expect(Object.keys(back!)).toEqual(Object.keys(s));
			// Every value survives a JSON round trip of the wire array too (what the browser parses).
			expect(summaryFromWire(JSON.parse(JSON.stringify(summaryToWire(s))))).toStrictEqual(s);
		}
		// A chunk decodes with one parse, to the same summaries.
		expect(decodeSummaries(all.slice(0, 500).map(encodeSummary))).toStrictEqual(all.slice(0, 500));
	});

	it('is smaller than the JSON object: about 60% of its bytes for a typical summary', () => {
		const s: ContactSummary & { lastMessageId: string } = {
			id: 'zJIieZXmlnVX_KM9EC0F' as ContactSummary['id'],
			firstName: 'Daniel',
			lastName: 'Taylor',
			phone: '+1 415 555 0144',
			email: 'daniel.taylor@icloud.com',
			blocked: false,
			channelIds: ['ch-webchat'] as ContactSummary['channelIds'],
			assigneeId: null,
			teamId: null,
			status: 'open',
			statusSince: 1791743483849,
			snoozeUntil: null,
			statusBeforeSnooze: null,
			sinceBeforeSnooze: null,
			reads: {},
			country: 'CA',
			language: 'en',
			lastMessageAt: 1791743483849,
			lastMessageDirection: 'in',
			lastMessageChannelId: 'ch-webchat' as ContactSummary['lastMessageChannelId'],
			lastMessagePreview: 'Hi, my order has not arrived yet',
			lastMessageId: 'e-91823',
			recentIncomingAt: Array.from({ length: 20 }, (_, i) => 1791743483849 + i * 3_600_000),
			updatedAt: 1791743483849
		};
		const compact = encodeSummary(s).length;
		expect(compact).toBeLessThan(0.6 * encodePayload(s).length);
	});

	it('refuses what is not a summary in this layout (the JSON object of an older server, a truncated array)', () => {
		const s = arbitrarySummary(createGen(1));
		const wire = summaryToWire(s);
		expect(summaryFromWire(JSON.parse(JSON.stringify(s)))).toBeUndefined();
		expect(summaryFromWire(wire.slice(0, 20))).toBeUndefined();
		expect(summaryFromWire([...wire, 'extra'])).toBeUndefined();
		expect(summaryFromWire(null)).toBeUndefined();
		expect(decodeSummary(new Uint8Array([0xff]))).toBeUndefined();
	});
});
