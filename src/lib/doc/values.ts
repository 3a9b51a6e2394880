/**
 * Plain values stored inside our documents. Entries, deliveries and directory records are
 * written as plain JSON-like objects (Yjs `ContentAny`), never as nested shared types: they are
 * immutable once written. The writer stores a clean copy (no `undefined` members, no shared
 * references with the caller), so the local replica holds exactly what a remote replica decodes.
 * Readers accept values written by other programs (bots over `/yjs/`), so they check the shape
 * before trusting it and skip what does not fit.
 */
import type { Delivery, DeliveryStatus, Entry } from '../domain/types';

/** A deep copy without `undefined` members: what Yjs would hand a remote replica. */
export function plain<T>(value: T): T {
	return copy(value) as T;
}

function copy(value: unknown): unknown {
	if (value === null || typeof value !== 'object') return value;
	if (value instanceof Uint8Array) return value.slice();
	if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : copy(v)));
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(value)) {
		const v = (value as Record<string, unknown>)[key];
		if (v !== undefined) out[key] = copy(v);
	}
	return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a stored value has the shape every reader of an Entry relies on. */
export function isEntry(value: unknown): value is Entry {
	if (!isRecord(value)) return false;
	if (typeof value.id !== 'string' || typeof value.at !== 'number' || !Number.isFinite(value.at)) return false;
	const author = value.author;
	if (!isRecord(author) || typeof author.type !== 'string' || typeof author.id !== 'string') return false;
	switch (value.kind) {
		case 'message':
			return (
				(value.direction === 'in' || value.direction === 'out') &&
				typeof value.channelId === 'string' &&
				isRecord(value.body) &&
				typeof value.body.type === 'string'
			);
		case 'comment':
			return typeof value.text === 'string' && Array.isArray(value.mentions);
		case 'event':
			return typeof value.type === 'string' && typeof value.source === 'string' && isRecord(value.data);
		default:
			return false;
	}
}

const DELIVERY_STATUSES: ReadonlySet<string> = new Set<DeliveryStatus>(['queued', 'sent', 'delivered', 'read', 'failed']);

export function isDelivery(value: unknown): value is Delivery {
	return (
		isRecord(value) &&
		typeof value.status === 'string' &&
		DELIVERY_STATUSES.has(value.status) &&
		typeof value.at === 'number'
	);
}

/** Thread order: by time, then by id, so concurrent appends read the same everywhere. */
export function compareEntries(a: Pick<Entry, 'at' | 'id'>, b: Pick<Entry, 'at' | 'id'>): number {
	if (a.at !== b.at) return a.at - b.at;
	return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
