/**
 * The compact wire form of a `ContactSummary` (issue 26): the summary payloads of the bootstrap
 * snapshot (BOOTSTRAP_CHUNK part 0, the server's snapshot file) and of DOCS_CHUNK items.
 *
 * A summary as a JSON object is about 950 bytes, most of it key names; at 50,000 contacts that
 * is 48 MB for the list part of a first login (28 MB in this form). Here it is a JSON array of its values in a fixed
 * order (no keys), `blocked` as 0/1, `recentIncomingAt` as its first time and then the gaps
 * between times, and the optional fields only when present, named by a bit mask:
 *
 *   [id, firstName, lastName, phone, email, blocked (0|1), channelIds, assigneeId, teamId,
 *    status, statusSince, snoozeUntil, statusBeforeSnooze, sinceBeforeSnooze, reads,
 *    lastMessageAt, lastMessageDirection, lastMessageChannelId, lastMessagePreview,
 *    recentIncomingAt, updatedAt, mask?, ...the optional fields the mask names, in OPTIONAL's order]
 *
 * mask bit i (0..7): OPTIONAL[i] follows; bit 8: recentIncomingAt is gaps (each time and gap a
 * safe integer, so the sum gives the times back exactly). A mask of 0 is left out.
 *
 * Still JSON, so a chunk is still one `JSON.parse` (`decodePayloads`): measured in Node on the
 * 50k fixture's summaries, a binary lib0 encoding of the same array (`writeAny`) was 20% smaller
 * but not cheaper to decode, and deflates to about the same size (docs/architecture.md).
 *
 * `summaryFromWire(summaryToWire(s))` equals `s`, with its keys in `summarize`'s order (including
 * the `lastMessageId` the server's summaries carry). Changing the layout changes
 * `PROTOCOL_VERSION` and the snapshot file's version.
 */
import type { ContactSummary } from '../domain/types';
import { decodePayload, decodePayloads } from './bootstrap';

/** Optional fields, in wire order (mask bit = index). */
const OPTIONAL = ['country', 'language', 'tags', 'custom', 'lastMessageId', 'notices', 'lastOutgoingAt', 'calls'] as const;
const REQUIRED = 21;
const GAPS = 1 << 8;

type WireSummary = ContactSummary & { lastMessageId?: string | null };

const utf8Encoder = new TextEncoder();

/** `recentIncomingAt` as the first time and the gaps after it, or null when that is not exact. */
function gapsOf(times: readonly number[]): number[] | null {
	const out: number[] = [];
	let prev = 0;
	for (let i = 0; i < times.length; i++) {
		const t = times[i]!;
		const d = i === 0 ? t : t - prev;
		if (!Number.isSafeInteger(t) || !Number.isSafeInteger(d) || (i > 0 && prev + d !== t)) return null;
		out.push(d);
		prev = t;
	}
	return out;
}

export function summaryToWire(s: ContactSummary): unknown[] {
	const w = s as WireSummary;
	const gaps = w.recentIncomingAt.length > 1 ? gapsOf(w.recentIncomingAt) : null;
	const out: unknown[] = [
		w.id,
		w.firstName,
		w.lastName,
		w.phone,
		w.email,
		w.blocked ? 1 : 0,
		w.channelIds,
		w.assigneeId,
		w.teamId,
		w.status,
		w.statusSince,
		w.snoozeUntil,
		w.statusBeforeSnooze,
		w.sinceBeforeSnooze,
		w.reads,
		w.lastMessageAt,
		w.lastMessageDirection,
		w.lastMessageChannelId,
		w.lastMessagePreview,
		gaps ?? w.recentIncomingAt,
		w.updatedAt
	];
	let mask = gaps ? GAPS : 0;
	const rest: unknown[] = [];
	for (let i = 0; i < OPTIONAL.length; i++) {
		const v = w[OPTIONAL[i]!];
		if (v === undefined) continue;
		mask |= 1 << i;
		rest.push(v);
	}
	if (mask !== 0) out.push(mask, ...rest);
	return out;
}

/** The UTF-8 JSON payload of a summary. */
export function encodeSummary(s: ContactSummary): Uint8Array {
	return utf8Encoder.encode(JSON.stringify(summaryToWire(s)));
}

function bits(mask: number): number {
	let n = 0;
	for (let i = 0; i < OPTIONAL.length; i++) if (mask & (1 << i)) n++;
	return n;
}

/** The summary of a parsed wire array, or undefined when it does not have the layout (never throws). */
export function summaryFromWire(value: unknown): ContactSummary | undefined {
	if (!Array.isArray(value) || value.length < REQUIRED) return undefined;
	const a = value as unknown[];
	const mask = a.length > REQUIRED ? a[REQUIRED] : 0;
	if (typeof mask !== 'number' || !Number.isInteger(mask) || mask < 0 || mask >= 2 * GAPS) return undefined;
	if (a.length !== (a.length === REQUIRED ? REQUIRED : REQUIRED + 1 + bits(mask))) return undefined;
	const id = a[0];
	const recent = a[19];
	if (typeof id !== 'string' || typeof a[1] !== 'string' || typeof a[2] !== 'string' || typeof a[9] !== 'string' || typeof a[20] !== 'number') return undefined;
	if (!Array.isArray(recent) || (a[5] !== 0 && a[5] !== 1)) return undefined;
	let recentIncomingAt = recent as number[];
	if (mask & GAPS) {
		recentIncomingAt = new Array<number>(recent.length);
		let t = 0;
		for (let i = 0; i < recent.length; i++) {
			const d: unknown = recent[i];
			if (typeof d !== 'number') return undefined;
			t = i === 0 ? d : t + d;
			recentIncomingAt[i] = t;
		}
	}
	let j = REQUIRED + 1;
	const s = {
		id,
		firstName: a[1],
		lastName: a[2],
		phone: a[3],
		email: a[4],
		blocked: a[5] === 1,
		channelIds: a[6],
		assigneeId: a[7],
		teamId: a[8],
		status: a[9],
		statusSince: a[10],
		snoozeUntil: a[11],
		statusBeforeSnooze: a[12],
		sinceBeforeSnooze: a[13],
		reads: a[14]
	} as Record<string, unknown>;
	// Keys in `summarize`'s order: the profile facts, the last message, the thread's facts.
	for (let i = 0; i < 4; i++) if (mask & (1 << i)) s[OPTIONAL[i]!] = a[j++];
	s.lastMessageAt = a[15];
	s.lastMessageDirection = a[16];
	s.lastMessageChannelId = a[17];
	s.lastMessagePreview = a[18];
	if (mask & (1 << 4)) s.lastMessageId = a[j++];
	s.recentIncomingAt = recentIncomingAt;
	s.updatedAt = a[20];
	for (let i = 5; i < OPTIONAL.length; i++) if (mask & (1 << i)) s[OPTIONAL[i]!] = a[j++];
	return s as unknown as ContactSummary;
}

/** The summary of one payload, or undefined when it is not one (never throws). */
export function decodeSummary(bytes: Uint8Array): ContactSummary | undefined {
	return summaryFromWire(decodePayload(bytes));
}

/** The summaries of a chunk's payloads, in order, with one `JSON.parse` (`decodePayloads`). */
export function decodeSummaries(payloads: readonly Uint8Array[]): Array<ContactSummary | undefined> {
	return decodePayloads(payloads).map(summaryFromWire);
}
