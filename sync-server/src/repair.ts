/**
 * `npm run repair -- <docId>` (or `node --import tsx sync-server/src/repair.ts <docId>`), with
 * DATA_DIR as for the server (default ./data): repairs a quarantined document (quarantine.ts).
 *
 * It replays the document's stored updates in order, keeps each one after which the document
 * still re-encodes and loads in a fresh Y.Doc, drops the others (the poison), and replaces the
 * stored rows by the repaired state in one transaction (the store's compaction, which keeps the
 * newest seq). What the dropped updates carried is lost; everything else is kept. Safe while the
 * server runs: a quarantined document is neither written nor compacted by it, and the server
 * takes the repaired document out of quarantine on its next load. Exit code 0: repaired or
 * nothing to repair; 1: could not repair; 2: usage.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeState, storageOrigin } from '../../src/lib/doc';
import { isDocId } from '../../src/lib/protocol';
import type { DocId } from '../../src/lib/domain/types';
import { SqliteStore } from './persistence/sqlite';
import { readStoredDoc, UnreadableDocError } from './quarantine';
import { newRoomDoc } from './rooms';

export interface RepairResult {
	/** Stored updates replayed, and the ones dropped (by index in stored order). */
	updates: number;
	dropped: number[];
	/** The repaired state (null when nothing had to be dropped). */
	state: Uint8Array | null;
}

/** Which of `updates` to drop so that the document reads back, and the state without them. */
export function repairUpdates(docId: DocId, updates: readonly Uint8Array[]): RepairResult {
	const dropped: number[] = [];
	let state: Uint8Array | null = null;
	updates.forEach((u, i) => {
		try {
			const ydoc = readStoredDoc(docId, state ? [state, u] : [u], storageOrigin(), { into: newRoomDoc(docId), thorough: true });
			state = encodeState(ydoc);
			ydoc.destroy();
		} catch (err) {
			if (!(err instanceof UnreadableDocError)) throw err;
			dropped.push(i);
		}
	});
	return { updates: updates.length, dropped, state: dropped.length > 0 ? state : null };
}

async function main(argv: string[]): Promise<number> {
	const docId = argv[0];
	if (!docId || !isDocId(docId)) {
		console.error('usage: npm run repair -- <docId>   (e.g. c/AbC123; DATA_DIR as for the server)');
		return 2;
	}
	const store = new SqliteStore(join(process.env.DATA_DIR ?? './data', 'parley.db'));
	try {
		await store.migrate();
		let result: RepairResult | null = null;
		const res = await store.compact(docId as DocId, (updates) => {
			result = repairUpdates(docId as DocId, updates);
			if (!result.state) throw new NothingToRepair();
			return result.state;
		}).catch((err: unknown) => {
			if (err instanceof NothingToRepair) return null;
			throw err;
		});
		const r = result as RepairResult | null;
		if (!r) {
			const stored = await store.loadDoc(docId as DocId);
			if (!stored) {
				console.error(`${docId}: no such document`);
				return 1;
			}
			const single = repairUpdates(docId as DocId, stored.updates);
			if (single.dropped.length === 0) {
				console.log(`${docId}: reads fine (${stored.updates.length} stored updates); nothing to repair`);
				return 0;
			}
			console.error(`${docId}: its only stored update is unreadable; nothing can be kept`);
			return 1;
		}
		if (!res) {
			console.log(`${docId}: reads fine (${r.updates} stored updates); nothing to repair`);
			return 0;
		}
		console.log(`${docId}: dropped ${r.dropped.length} of ${r.updates} stored updates (positions ${r.dropped.join(', ')}); stored the repaired document at seq ${res.seq}`);
		return 0;
	} finally {
		await store.close();
	}
}

class NothingToRepair extends Error {}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	process.exitCode = await main(process.argv.slice(2));
}
