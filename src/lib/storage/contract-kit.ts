/**
 * What the store contract cases are made of: the world they run in, plain assertions that throw,
 * a seeded random generator and fixtures. Nothing here depends on a test runner, so the same
 * cases run under vitest (memory twin, fake-indexeddb) and inside Chromium (real IndexedDB).
 */
import type { ContactId, ContactSummary, DocId } from '../domain/types';
import type { ClientStore, ExternalCloseReason, StoreOwner } from './store';

/** A fresh, isolated origin: the cases open handles on it and delete databases in it. */
export interface StoreWorld {
	/** A new handle on the database of `owner` (default `ALICE`); handles on one owner share data. */
	open(owner?: StoreOwner, hooks?: { onExternalClose?: (reason: ExternalCloseReason) => void }): Promise<ClientStore>;
	/** Deletes the owner's database the way logout does, closing its open handles. */
	deleteDatabase(owner?: StoreOwner): Promise<void>;
	/** Closes every handle the world opened and removes its databases. */
	dispose(): Promise<void>;
}

export interface ContractCase {
	name: string;
	run(world: StoreWorld): Promise<void>;
}

export const ALICE: StoreOwner = { userId: 'u-alice', workspaceId: 'w-1' };
export const BOB: StoreOwner = { userId: 'u-bob', workspaceId: 'w-1' };
/** Same user id as Alice, another workspace. */
export const ALICE_ELSEWHERE: StoreOwner = { userId: 'u-alice', workspaceId: 'w-2' };

export class ContractFailure extends Error {
	override readonly name = 'ContractFailure';
}

export function check(condition: boolean, message: string): asserts condition {
	if (!condition) throw new ContractFailure(message);
}

/** Deep equality for plain data, typed arrays compared by content and by kind. */
export function same(actual: unknown, expected: unknown, message: string): void {
	const diff = difference(actual, expected, '$');
	if (diff !== null) throw new ContractFailure(`${message}: ${diff}`);
}

function difference(a: unknown, b: unknown, path: string): string | null {
	if (Object.is(a, b)) return null;
	if (a instanceof Uint8Array || b instanceof Uint8Array) {
		if (!(a instanceof Uint8Array && b instanceof Uint8Array)) return `${path}: ${describe(a)} is not ${describe(b)}`;
		if (a.length !== b.length) return `${path}: ${a.length} bytes, expected ${b.length}`;
		const at = a.findIndex((x, i) => x !== b[i]);
		return at < 0 ? null : `${path}[${at}]: ${a[at]}, expected ${b[at]}`;
	}
	if (Array.isArray(a) || Array.isArray(b)) {
		if (!(Array.isArray(a) && Array.isArray(b))) return `${path}: ${describe(a)} is not ${describe(b)}`;
		if (a.length !== b.length) return `${path}: length ${a.length}, expected ${b.length}`;
		for (let i = 0; i < a.length; i++) {
			const d = difference(a[i], b[i], `${path}[${i}]`);
			if (d !== null) return d;
		}
		return null;
	}
	if (isRecord(a) && isRecord(b)) {
		const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
		for (const key of keys) {
			const d = difference(a[key], b[key], `${path}.${key}`);
			if (d !== null) return d;
		}
		return null;
	}
	return `${path}: ${describe(a)}, expected ${describe(b)}`;
}

function isRecord(x: unknown): x is Record<string, unknown> {
	return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
	if (x instanceof Uint8Array) return `Uint8Array(${x.length})`;
	try {
		return JSON.stringify(x) ?? String(x);
	} catch {
		return String(x);
	}
}

/** Awaits `p` and checks it rejected with a `StoreError` of `code`. */
export async function rejectsWith(p: Promise<unknown>, code: string, message: string): Promise<void> {
	try {
		await p;
	} catch (err) {
		const got = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : String(err);
		check(got === code, `${message}: rejected with ${got}, expected ${code}`);
		return;
	}
	throw new ContractFailure(`${message}: resolved, expected a rejection with ${code}`);
}

/** Polls `condition` until it holds or the deadline passes (events from other handles are async). */
/** mulberry32: small, fast, reproducible from its seed. */
export function seededRandom(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (s + 0x6d2b79f5) >>> 0;
		let t = s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Runs `body` with a seeded generator and names the seed in any failure, to replay it. */
export async function withSeed(seed: number, body: (random: () => number) => Promise<void>): Promise<void> {
	try {
		await body(seededRandom(seed));
	} catch (err) {
		const message = err instanceof Error ? err.message : String(err);
		throw new ContractFailure(`seed ${seed}: ${message}`, { cause: err });
	}
}

export const doc = (id: string): DocId => id as DocId;
export const contact = (id: string): ContactId => id as ContactId;
export const contactDoc = (id: string): DocId => `c/${id}` as DocId;

export function bytes(...values: number[]): Uint8Array {
	return new Uint8Array(values);
}

export function summary(id: string, overrides: Partial<ContactSummary> = {}): ContactSummary {
	return {
		id: contact(id),
		firstName: `First ${id}`,
		lastName: 'Last',
		phone: '+33 6 00 00 00 00',
		email: `${id}@example.com`,
		blocked: false,
		channelIds: [],
		assigneeId: null,
		teamId: null,
		status: 'open',
		statusSince: 1_700_000_000_000,
		snoozeUntil: null,
		statusBeforeSnooze: null,
		sinceBeforeSnooze: null,
		lastMessageAt: null,
		lastMessageDirection: null,
		lastMessageChannelId: null,
		lastMessagePreview: 'héllo 👋 "quoted"',
		recentIncomingAt: [1, 2, 3],
		reads: { 'u-alice': 2 },
		updatedAt: 1_700_000_000_000,
		...overrides
	};
}
