/** Store role: the access index, who may see each contact (written and read by `visibility.ts`). */
import type { DocId, UserId } from '../../../src/lib/domain/types';

/** Who may see a contact, as last derived from its document (see `visibility.ts`). */
export interface DocAccess {
	docId: DocId;
	assigneeId: UserId | null;
	teamId: string | null;
	blocked: boolean;
	/** The document's sequence number this record was derived at. */
	seq: number;
}

export interface AccessIndex {
	/** Upserts access records, all in one commit. */
	putAccess(records: readonly DocAccess[]): Promise<void>;
	listAccess(): Promise<DocAccess[]>;
}
