/**
 * The sync server's wired write path with validation (sync-server/src/rooms.ts): one client
 * update of a ~1 MB contact document taken through `applyClientUpdate` (per-room chain,
 * validate against the live room, append to SQLite, apply, publish), for the three updates a
 * live conversation is made of. Two figures per kind: the validation step as the room runs it
 * (same document, same inputs, timed alone), target p99 <= 10 ms; and the whole write path,
 * with the write path minus validation (a server change of the same size through
 * `applyServerChange`) as the baseline, so the share validation adds is visible.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { contactDoc } from '../src/lib/doc/contact';
import { buildContactDoc } from '../src/lib/doc/seed';
import { encodeState } from '../src/lib/doc';
import { generateWorkspace } from '../src/lib/demo/generate';
import * as actions from '../src/lib/domain/actions';
import { contactDocId } from '../src/lib/domain/ids';
import type { ChannelId, EntryId } from '../src/lib/domain/types';
import { LocalFanout } from '../sync-server/src/fanout/local';
import { SqliteStore } from '../sync-server/src/persistence/sqlite';
import { Rooms } from '../sync-server/src/rooms';
import { validateContactUpdate } from '../sync-server/src/validation/validate-update';
import { ANA, NOW, DIRECTORY } from '../sync-server/src/validation/test-kit';
import { percentile, type Benchmark, type Figure } from './harness';

type Kind = 'append a message' | 'change the status' | 'type in a draft';
const me = { type: 'user' as const, id: ANA.id };

function edit(replica: Y.Doc, kind: Kind, i: number): Uint8Array {
	const updates: Uint8Array[] = [];
	const on = (u: Uint8Array) => updates.push(u);
	replica.on('update', on);
	const c = contactDoc(replica);
	const newId = () => `t${i}-${updates.length}-${Math.random().toString(36).slice(2, 8)}`;
	if (kind === 'append a message') {
		c.thread.append({ id: newId() as EntryId, kind: 'message', direction: 'out', channelId: 'ch-webchat' as ChannelId, body: { type: 'text', text: `Reply number ${i}, thanks for waiting.` }, at: NOW, author: me });
	} else if (kind === 'change the status') {
		const s = c.state.get();
		c.applyAction(s.status === 'closed' ? actions.reopen(s, NOW) : actions.close(s, NOW), me, NOW, newId);
	} else {
		c.drafts.edit('reply', (t) => t.insert(t.length, String.fromCharCode(97 + (i % 26))));
	}
	replica.off('update', on);
	return updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
}

export const benchmarks: Benchmark[] = [
	{
		name: 'trust (wired validation)',
		async run(ctx) {
			const messages = ctx.quick ? 400 : 4000;
			const rounds = ctx.quick ? 50 : 400;
			const dir = mkdtempSync(join(tmpdir(), 'parley-trust-bench-'));
			const store = new SqliteStore(join(dir, 'bench.db'));
			await store.migrate();
			const rooms = new Rooms({ store, fanout: new LocalFanout(), clock: () => NOW, directory: () => DIRECTORY });
			try {
				const ws = generateWorkspace({ seed: ctx.seed, contacts: 1, messagesPerContact: { min: messages, max: messages }, now: NOW });
				const contact = ws.contacts[0]!;
				const docId = contactDocId(contact.id);
				const built = buildContactDoc(contact);
				await store.appendUpdate(docId, encodeState(built), 'seed');
				built.destroy();
				const room = await rooms.hold(docId);
				const size = encodeState(room.ydoc).length;
				ctx.log(`contact document: ${(size / 1024).toFixed(0)} KiB, ${contactDoc(room.ydoc).thread.size} entries`);
				const replica = new Y.Doc();
				Y.applyUpdate(replica, encodeState(room.ydoc));
				const from = { senderId: 'bench', userId: ANA.id, role: ANA.role };

				const figures: Figure[] = [];
				for (const kind of ['append a message', 'change the status', 'type in a draft'] as Kind[]) {
					const validate: number[] = [];
					const path: number[] = [];
					const server: number[] = [];
					for (let i = 0; i < rounds + 20; i++) {
						const update = edit(replica, kind, i);
						let t0 = performance.now();
						const verdict = validateContactUpdate({ doc: room.ydoc, update, user: ANA, now: NOW, directory: DIRECTORY });
						const dv = performance.now() - t0;
						if (!verdict.ok) throw new Error(`a typical update was rejected: ${verdict.reason}`);
						t0 = performance.now();
						const res = await rooms.applyClientUpdate(docId, update, { ...from, updateId: `b-${kind}-${i}` });
						const dp = performance.now() - t0;
						if (!res.ok) throw new Error(`the wired path refused a typical update: ${res.message}`);
						// The baseline: the same-sized write without validation (a server change).
						const other = edit(replica, kind, i + 100_000);
						t0 = performance.now();
						await rooms.applyServerChange(docId, (y) => Y.applyUpdate(y, other));
						const ds = performance.now() - t0;
						if (i >= 20) {
							validate.push(dv);
							path.push(dp);
							server.push(ds);
						}
					}
					const mb = (size / 1024 / 1024).toFixed(1);
					figures.push(
						{ figure: `${kind}: validate as wired p99 (${mb} MB doc)`, value: percentile(validate, 99), unit: 'ms', target: '<= 10' },
						{
							figure: `${kind}: applyClientUpdate p99 (validate+append+apply+publish)`,
							value: percentile(path, 99),
							unit: 'ms',
							baseline: { label: 'same write unvalidated p99', value: percentile(server, 99) }
						}
					);
				}
				rooms.release(room);
				return figures;
			} finally {
				await rooms.close();
				await store.close();
				rmSync(dir, { recursive: true, force: true });
			}
		}
	}
];
