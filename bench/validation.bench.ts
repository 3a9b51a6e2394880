/**
 * The sync server's update validator (sync-server/src/validation/): cost of deciding one
 * typical client update against a ~1 MB contact document (target p99 <= 10 ms), for the three
 * updates a live conversation is made of: append a message, change the status, type one
 * character in a shared draft. Each update is made by a client replica, validated against the
 * server's copy (only that is timed), then applied to it, so the document keeps growing as in
 * production.
 *
 * Baseline: the design's rejected alternative, applying the update to a twin cloned from the
 * document (`encodeStateAsUpdate` + `applyUpdate` into a fresh doc), which is O(document).
 */
import * as Y from 'yjs';
import { contactDoc } from '../src/lib/doc/contact';
import { buildContactDoc } from '../src/lib/doc/seed';
import { ensureContactRoots } from '../src/lib/doc/schema';
import { generateWorkspace } from '../src/lib/demo/generate';
import * as actions from '../src/lib/domain/actions';
import type { ChannelId, EntryId } from '../src/lib/domain/types';
import { validateContactUpdate } from '../sync-server/src/validation/validate-update';
import { ANA, NOW, DIRECTORY } from '../sync-server/src/validation/test-kit';
import { percentile, timeEach, type Benchmark, type Figure } from './harness';

const me = { type: 'user' as const, id: ANA.id };

type Kind = 'append a message' | 'change the status' | 'type in a draft';

function bigContact(seed: number, messages: number): Y.Doc {
	const ws = generateWorkspace({ seed, contacts: 1, messagesPerContact: { min: messages, max: messages }, now: NOW });
	const doc = buildContactDoc(ws.contacts[0]!);
	ensureContactRoots(doc);
	return doc;
}

/** The next update of `kind` made by the client replica. */
function edit(replica: Y.Doc, kind: Kind, i: number): Uint8Array {
	const updates: Uint8Array[] = [];
	const on = (u: Uint8Array) => updates.push(u);
	replica.on('update', on);
	const c = contactDoc(replica);
	const newId = () => `b${i}-${updates.length}-${Math.random().toString(36).slice(2, 8)}`;
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
		name: 'validation',
		async run(ctx) {
			const messages = ctx.quick ? 400 : 4000;
			const rounds = ctx.quick ? 50 : 500;
			const server = bigContact(ctx.seed, messages);
			const replica = new Y.Doc();
			Y.applyUpdate(replica, Y.encodeStateAsUpdate(server));
			const size = Y.encodeStateAsUpdate(server).length;
			ctx.log(`contact document: ${(size / 1024).toFixed(0)} KiB, ${contactDoc(server).thread.size} entries`);

			const cloneTimes = await timeEach(ctx.quick ? 5 : 20, () => {
				const twin = new Y.Doc();
				Y.applyUpdate(twin, Y.encodeStateAsUpdate(server));
				twin.destroy();
			});
			const cloneP50 = percentile(cloneTimes, 50);

			const figures: Figure[] = [];
			const kinds: Kind[] = ['append a message', 'change the status', 'type in a draft'];
			for (const kind of kinds) {
				const times: number[] = [];
				for (let i = 0; i < rounds + 20; i++) {
					const update = edit(replica, kind, i);
					const t0 = performance.now();
					const result = validateContactUpdate({ doc: server, update, user: ANA, now: NOW, directory: DIRECTORY });
					const dt = performance.now() - t0;
					if (!result.ok) throw new Error(`a typical update was rejected: ${result.reason}`);
					if (i >= 20) times.push(dt);
					Y.applyUpdate(server, update);
				}
				figures.push(
					{ figure: `${kind}: validate p50 (${(size / 1024 / 1024).toFixed(1)} MB doc)`, value: percentile(times, 50), unit: 'ms', baseline: { label: 'clone twin p50', value: cloneP50 } },
					{ figure: `${kind}: validate p99 (${(size / 1024 / 1024).toFixed(1)} MB doc)`, value: percentile(times, 99), unit: 'ms', target: '<= 10' }
				);
			}
			return figures;
		}
	}
];
