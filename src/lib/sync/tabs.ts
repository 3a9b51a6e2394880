/**
 * Tabs of one user share one database. Each tab keeps its own connection and its own loaded
 * documents, so whatever a tab persists it also announces on a BroadcastChannel named after the
 * database; the other tabs apply it to their loaded copy (Yjs updates are idempotent, so
 * hearing an update twice, from here and from the server, changes nothing) and refresh their
 * summaries and pending count. Nothing announced here is written to storage again.
 */
import type { ContactId, ContactSummary, DocId } from '../domain/types';

export type TabMessage =
	| { t: 'update'; docId: DocId; update: Uint8Array }
	/**
	 * Documents were stored in bulk (first sync): a tab reads its loaded documents again. (Naming
	 * thousands of ids costs more to post than re-reading the few loaded ones.)
	 */
	| { t: 'stored' }
	| { t: 'summary'; summary: ContactSummary }
	/** Summaries were stored in bulk (one snapshot): a tab reads them again. */
	| { t: 'summaries' }
	| { t: 'removed'; docId: DocId; contactId: ContactId | null }
	| { t: 'pending' }
	| { t: 'dots'; dots: string[] };

export interface TabChannel {
	post(msg: TabMessage): void;
	close(): void;
}

/** A channel for the tabs of one database; a no-op where BroadcastChannel does not exist. */
export function openTabChannel(name: string, onMessage: (msg: TabMessage) => void): TabChannel {
	if (typeof BroadcastChannel === 'undefined') return { post: () => undefined, close: () => undefined };
	const ch = new BroadcastChannel(name);
	ch.onmessage = (ev: MessageEvent<TabMessage>) => onMessage(ev.data);
	return {
		post: (msg) => {
			try {
				ch.postMessage(msg);
			} catch {
				/* closed */
			}
		},
		close: () => ch.close()
	};
}
