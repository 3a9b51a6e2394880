/**
 * The contract every `Fanout` adapter passes (in-process and Redis). A factory makes the fan-out
 * of one process; for a shared adapter it is called again for each further process of the same
 * workspace, and `restartLink` (when given) cuts and restores the link between them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DocId } from '../../../src/lib/domain/types';
import type { Fanout, FanoutEvent, FanoutSubscriber, RemoteTraffic, SessionEvent } from './fanout';
import type { UserId } from '../../../src/lib/domain/types';
import { waitFor } from '../../../src/lib/test-utils/wait';

export interface FanoutFactory {
	/** A fan-out of one more process of the workspace; resolves once it receives events. */
	make(): Promise<Fanout>;
	/** Cuts the link between the processes and brings it back (Redis restarted). */
	restartLink?: () => Promise<void>;
	dispose?: () => Promise<void>;
}

const doc = (s: string) => s as DocId;

function recorder(id: string, wants: (d: DocId) => boolean = () => true): FanoutSubscriber & { got: FanoutEvent[] } {
	const got: FanoutEvent[] = [];
	return { id, got, wants, deliver: (e) => void got.push(e) };
}

export function fanoutContract(name: string, factory: () => Promise<FanoutFactory>): void {
	describe(`Fanout contract: ${name}`, () => {
		const cleanups: Array<() => Promise<void>> = [];
		afterEach(async () => {
			for (const c of cleanups.splice(0).reverse()) await c();
		});
		async function setup(): Promise<FanoutFactory> {
			const f = await factory();
			if (f.dispose) cleanups.push(f.dispose);
			return f;
		}
		async function make(f: FanoutFactory): Promise<Fanout> {
			const fanout = await f.make();
			cleanups.push(() => fanout.close());
			return fanout;
		}

		it('delivers an event once to each local subscriber that wants its document, never to its sender', async () => {
			const fanout = await make(await setup());
			const a = recorder('a');
			const b = recorder('b');
			const picky = recorder('p', (d) => d === doc('c/other'));
			for (const s of [a, b, picky]) fanout.subscribe(s);
			fanout.publish({ type: 'update', docId: doc('c/1'), seq: 1, update: new Uint8Array([1]), senderId: 'a' });
			fanout.publish({ type: 'awareness', docId: doc('c/1'), update: new Uint8Array([2]), senderId: 'b' });
			expect(a.got.map((e) => e.type)).toEqual(['awareness']);
			expect(b.got.map((e) => e.type)).toEqual(['update']);
			expect(picky.got).toEqual([]);
			fanout.unsubscribe(b);
			fanout.publish({ type: 'update', docId: doc('c/1'), seq: 2, update: new Uint8Array([3]) });
			expect(b.got).toHaveLength(1);
			expect(fanout.subscriberCount).toBe(2);
		});

		it('hands an ended session to the session handler of every process once, after the events published before it', async () => {
			const f = await setup();
			const first = await make(f);
			const here: SessionEvent[] = [];
			first.setSessionHandler((e) => void here.push(e));
			const logout: SessionEvent = { userId: 'u-ana' as UserId, sessionId: 's-1', reason: 'logged out' };
			const everyOne: SessionEvent = { userId: 'u-tom' as UserId, reason: 'credentials changed' };
			if (!first.shared) {
				first.publishSession(logout);
				first.publishSession(everyOne);
				expect(here).toEqual([logout, everyOne]);
				return;
			}
			const second = await make(f);
			const order: string[] = [];
			second.setRemoteTraffic({ remoteUpdate: () => {}, resync: async (after) => after }, 0);
			second.setSessionHandler((e) => void order.push(`session:${e.userId}:${e.sessionId ?? '*'}:${e.reason}`));
			second.subscribe(recorder('s', () => true));
			second.subscribe({ ...recorder('t'), deliver: (e) => void order.push(`client:${e.type === 'update' ? e.seq : 'aw'}`) });
			first.publish({ type: 'update', docId: doc('dir'), seq: 1, update: new Uint8Array([1]) });
			first.publishSession(logout);
			first.publishSession(everyOne);
			// At once on the publishing process, not through the link.
			expect(here).toEqual([logout, everyOne]);
			await waitFor(() => order.length === 3, 10_000, 'the sessions on the other process');
			await new Promise((r) => setTimeout(r, 50));
			expect(order).toEqual(['client:1', 'session:u-ana:s-1:logged out', 'session:u-tom:*:credentials changed']);
			expect(here).toHaveLength(2);
		});

		it('fetches from the store an update whose event never came (a hole in the numbers), once', async () => {
			const f = await setup();
			const first = await make(f);
			if (!first.shared) return;
			const second = await make(f);
			const fetched: number[][] = [];
			second.setRemoteTraffic(
				{
					remoteUpdate: () => {},
					resync: async (after, upTo, seen, deliver) => {
						const missing = [];
						for (let s = after + 1; s <= (upTo ?? after); s++) if (!seen(s)) missing.push(s);
						fetched.push(missing);
						for (const seq of missing) deliver({ type: 'update', docId: doc('c/1'), seq, update: new Uint8Array([seq]) });
						return upTo ?? after;
					}
				},
				10
			);
			const s = recorder('s');
			second.subscribe(s);
			// 11 and 13 arrive; 12 was committed by a process killed before it published.
			first.publish({ type: 'update', docId: doc('c/1'), seq: 11, update: new Uint8Array([11]) });
			first.publish({ type: 'update', docId: doc('c/1'), seq: 13, update: new Uint8Array([13]) });
			await waitFor(() => s.got.length === 3, 15_000, 'the hole filled from the store');
			expect(s.got.map((e) => (e.type === 'update' ? e.seq : 0))).toEqual([11, 13, 12]);
			expect(fetched.flat()).toEqual([12]);
		});

		it('carries updates and awareness to the other processes once, in order per document, rooms first', async () => {
			const f = await setup();
			const first = await make(f);
			if (!first.shared) return; // one process: nothing to carry
			const second = await make(f);
			const remote = recorder('same-id');
			const order: string[] = [];
			second.setRemoteTraffic(
				{
					remoteUpdate: (e) => void order.push(`room:${e.seq}`),
					resync: async (after) => after
				},
				0
			);
			second.subscribe({ ...remote, deliver: (e) => (remote.got.push(e), void order.push(`client:${e.type === 'update' ? e.seq : 'aw'}`)) });
			// A sender id of the first process means nothing in the second: delivered there.
			for (let i = 1; i <= 50; i++) {
				first.publish({ type: 'update', docId: doc('c/1'), seq: i, prevSeq: i - 1, update: new Uint8Array(150).fill(i), senderId: 'same-id' });
			}
			first.publish({ type: 'awareness', docId: doc('c/1'), update: new Uint8Array([9, 9]), senderId: 'same-id' });
			await waitFor(() => remote.got.length === 51, 10_000, 'remote delivery');
			await new Promise((r) => setTimeout(r, 50));
			expect(remote.got).toHaveLength(51);
			const updates = remote.got.filter((e) => e.type === 'update');
			expect(updates.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
			expect(updates[49]!.prevSeq).toBe(49);
			expect([...updates[49]!.update]).toEqual(new Array(150).fill(50));
			expect(remote.got[50]).toMatchObject({ type: 'awareness', update: new Uint8Array([9, 9]) });
			expect(order.slice(0, 2)).toEqual(['room:1', 'client:1']);
		});

		it('after a loss of the link, resubscribes and asks the process to catch up from the store', async () => {
			const f = await setup();
			const first = await make(f);
			if (!first.shared || !f.restartLink) return;
			const second = await make(f);
			let resyncs = 0;
			const handler: RemoteTraffic = {
				remoteUpdate: () => {},
				resync: async (after, _upTo, seen, deliver) => {
					resyncs++;
					if (!seen(99)) deliver({ type: 'update', docId: doc('c/1'), seq: 99, update: new Uint8Array([7]) });
					return after;
				}
			};
			second.setRemoteTraffic(handler, 0);
			const s = recorder('s');
			second.subscribe(s);
			await waitFor(() => resyncs === 1, 30_000, 'the first resync (at start)');
			await f.restartLink();
			await waitFor(() => resyncs === 2, 30_000, 'resync after the link came back');
			// 99 was delivered at start: not again.
			expect(s.got.filter((e) => e.type === 'update' && e.seq === 99)).toHaveLength(1);
			expect(s.got.some((e) => e.type === 'update' && e.seq === 99)).toBe(true);
			await waitFor(() => {
				first.publish({ type: 'awareness', docId: doc('c/1'), update: new Uint8Array([1]) });
				return s.got.some((e) => e.type === 'awareness');
			}, 30_000, 'traffic after the link came back');
		});
	});
}
