// The client awareness hub: wire round trip with y-protocols, clock rules, rate budget that
// never loses the last state, renewal and expiry, reconnect. SPEC S5.8 S9.4
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { DocId } from '../domain/types';
import { readAwarenessUpdate, writeAwarenessUpdate, type AwarenessEntry } from '../protocol/awareness';
import { AwarenessHub } from './awareness';

const decodeAwareness = (u: Uint8Array) => readAwarenessUpdate(u, 'object');
const encodeAwareness = (entries: ReadonlyArray<AwarenessEntry<unknown>>) => writeAwarenessUpdate(entries, 'object');

const DOC = 'c/k1' as DocId;

function hub(opts: Partial<ConstructorParameters<typeof AwarenessHub>[0]> = {}) {
	const sent: Array<{ docId: DocId; update: Uint8Array }> = [];
	let online = true;
	const h = new AwarenessHub({
		send: (docId, update) => {
			if (!online) return false;
			sent.push({ docId, update });
			return true;
		},
		...opts
	});
	return { h, sent, setOnline: (v: boolean) => (online = v) };
}

describe('awareness wire format', () => {
	it('round-trips with y-protocols in both directions', () => {
		const a = new awarenessProtocol.Awareness(new Y.Doc());
		a.setLocalState({ user: { kind: 'bot', id: 'u1', name: 'Bot' }, typing: { composer: 'reply', at: 1 } });
		const decoded = decodeAwareness(awarenessProtocol.encodeAwarenessUpdate(a, [a.clientID]));
		expect(decoded?.[0]?.state).toEqual({ user: { kind: 'bot', id: 'u1', name: 'Bot' }, typing: { composer: 'reply', at: 1 } });
		const b = new awarenessProtocol.Awareness(new Y.Doc());
		awarenessProtocol.applyAwarenessUpdate(b, encodeAwareness([{ clientId: 7, clock: 1, state: { x: 1 } }]), 'remote');
		expect(b.getStates().get(7)).toEqual({ x: 1 });
		a.destroy();
		b.destroy();
	});

	it('reads garbage as null, a non-object state as null', () => {
		expect(decodeAwareness(new Uint8Array([5, 1]))).toBeNull();
		const u = encodeAwareness([{ clientId: 3, clock: 1, state: null }]);
		expect(decodeAwareness(u)).toEqual([{ clientId: 3, clock: 1, state: null }]);
	});
});

describe('AwarenessHub', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('tracks peers by clock and removes them on null', () => {
		const { h } = hub({ clientId: 1 });
		const seen: DocId[] = [];
		h.subscribe((d) => seen.push(d));
		h.receive(DOC, encodeAwareness([{ clientId: 2, clock: 3, state: { a: 1 } }]));
		h.receive(DOC, encodeAwareness([{ clientId: 2, clock: 2, state: { a: 0 } }])); // stale
		expect(h.peers(DOC).map((p) => p.state)).toEqual([{ a: 1 }]);
		h.receive(DOC, encodeAwareness([{ clientId: 2, clock: 3, state: null }])); // server's "gone"
		expect(h.peers(DOC)).toEqual([]);
		expect(seen).toEqual([DOC, DOC]);
		h.receive(DOC, encodeAwareness([{ clientId: 1, clock: 9, state: { me: true } }])); // own echo
		expect(h.peers(DOC)).toEqual([]);
		h.dispose();
	});

	it('never sends more than the budget, and the last state always arrives', () => {
		const { h, sent } = hub({ clientId: 1, ratePerSec: 4, burst: 2 });
		for (let i = 0; i < 20; i++) h.setLocal(DOC, { n: i });
		expect(sent.length).toBe(2);
		vi.advanceTimersByTime(2_000);
		const last = decodeAwareness(sent[sent.length - 1]!.update)![0]!;
		expect(last.state).toEqual({ n: 19 });
		expect(sent.length).toBeLessThanOrEqual(2 + 8 + 1);
		h.dispose();
	});

	it('renews local states and expires silent peers', () => {
		let now = 0;
		const { h, sent } = hub({ clientId: 1, now: () => now, renewMs: 1_000, outdatedMs: 3_000 });
		h.setLocal(DOC, { here: true });
		h.receive(DOC, encodeAwareness([{ clientId: 2, clock: 1, state: { b: 1 } }]));
		const before = sent.length;
		now = 1_500;
		vi.advanceTimersByTime(1_500);
		expect(sent.length).toBeGreaterThan(before);
		now = 4_000;
		vi.advanceTimersByTime(2_500);
		expect(h.peers(DOC)).toEqual([]);
		h.dispose();
	});

	it('answers a newcomer with its state, and re-sends everything with a higher clock on reconnect', () => {
		const { h, sent, setOnline } = hub({ clientId: 1 });
		h.setLocal(DOC, { viewing: 'x' });
		const clock1 = decodeAwareness(sent[0]!.update)![0]!.clock;
		h.receive(DOC, encodeAwareness([{ clientId: 5, clock: 1, state: { hi: 1 } }]));
		vi.advanceTimersByTime(600);
		expect(sent.length).toBe(2);
		setOnline(false);
		h.disconnected();
		expect(h.peers(DOC)).toEqual([]);
		h.setLocal(DOC, { viewing: 'y' }); // offline: kept
		expect(sent.length).toBe(2);
		setOnline(true);
		h.connected();
		const last = decodeAwareness(sent[sent.length - 1]!.update)![0]!;
		expect(last.state).toEqual({ viewing: 'y' });
		expect(last.clock).toBeGreaterThan(clock1 + 2);
		h.dispose();
	});

	it('answers a newcomer on the directory with its states on every document (a new tab learns who drafts where, S9.4)', () => {
		const { h, sent } = hub({ clientId: 1 });
		h.setLocal('dir' as DocId, { status: 'online' });
		h.setLocal(DOC, { drafting: { composer: 'reply', key: 'reply:u-o' } });
		const before = sent.length;
		h.receive('dir' as DocId, encodeAwareness([{ clientId: 5, clock: 1, state: { hi: 1 } }]));
		vi.advanceTimersByTime(600);
		expect(sent.slice(before).map((m) => m.docId).sort()).toEqual([DOC, 'dir']);
		h.dispose();
	});
});
