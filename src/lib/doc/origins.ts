/**
 * Transaction origins. Every `transact` and `applyUpdate` in our code passes one of these, so
 * an update listener can tell its own echo from a peer's change (`remote` carries the
 * connection it came from, so a relay never sends an update back where it came from), and a
 * store can skip re-persisting what it just loaded (`storage`).
 */

export type Origin =
	| { readonly kind: 'local' }
	| { readonly kind: 'remote'; readonly connection?: unknown }
	| { readonly kind: 'storage' }
	| { readonly kind: 'server' };

export type OriginKind = Origin['kind'];

/** A change made by this replica's user. */
export function localOrigin(): Origin {
	return { kind: 'local' };
}

/** A change received from a peer; `connection` identifies where it came from. */
export function remoteOrigin(connection?: unknown): Origin {
	return connection === undefined ? { kind: 'remote' } : { kind: 'remote', connection };
}

/** State loaded from a persistent store. */
export function storageOrigin(): Origin {
	return { kind: 'storage' };
}

/** A change written by the sync server itself (incoming messages, delivery, events). */
export function serverOrigin(): Origin {
	return { kind: 'server' };
}

const KINDS: ReadonlySet<string> = new Set<OriginKind>(['local', 'remote', 'storage', 'server']);

/** Whether a transaction's `origin` (typed `unknown` by Yjs) is one of ours. */
export function isOrigin(value: unknown): value is Origin {
	if (typeof value !== 'object' || value === null || !('kind' in value)) return false;
	const kind = (value as { kind: unknown }).kind;
	return typeof kind === 'string' && KINDS.has(kind);
}

/** Our origin of a transaction, or null when it came from code that is not ours. */
export function asOrigin(value: unknown): Origin | null {
	return isOrigin(value) ? value : null;
}
