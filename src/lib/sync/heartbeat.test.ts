// Issue 17 (SPEC S9.5): the heartbeat's decisions on a fake clock: an idle socket is pinged, a
// silent one is dead within 10 s, a send left unanswered is dead sooner, bytes still leaving
// (a large upload on a slow link) are not silence, and a frozen timer is not silence either.
import { describe, expect, it } from 'vitest';
import { Heartbeat } from './heartbeat';

function rig(buffered = () => 0) {
	let now = 0;
	const pings: number[] = [];
	let dead: { at: number; reason: string } | null = null;
	const hb = new Heartbeat({ ping: () => (pings.push(now), true), buffered, dead: (reason) => (dead = { at: now, reason }) }, { now: () => now });
	hb.start();
	hb.stop(); // ticks are driven by hand
	const run = (ms: number) => {
		for (let t = 0; t < ms && !dead; t += 1_000) {
			now += 1_000;
			hb.tick();
		}
	};
	return { hb, pings, run, dead: () => dead, setNow: (t: number) => (now = t), now: () => now };
}

describe('Heartbeat', () => {
	it('pings an idle socket every 3 s while the server answers, and never calls it dead', () => {
		const r = rig();
		for (let i = 0; i < 30; i++) {
			r.run(1_000);
			// The server answers each ping at once.
			if (r.pings.length > 0 && r.pings[r.pings.length - 1] === r.now()) r.hb.received();
		}
		expect(r.dead()).toBeNull();
		expect(r.pings.length).toBeGreaterThanOrEqual(9);
		expect(r.pings[0]).toBe(3_000);
	});

	it('calls a silent socket dead within 10 s', () => {
		const r = rig();
		r.run(20_000);
		expect(r.dead()).not.toBeNull();
		expect(r.dead()!.at).toBeLessThanOrEqual(10_000);
	});

	it('calls a send left unanswered for 5 s dead, before the silence bound', () => {
		const r = rig();
		r.run(1_000);
		r.hb.received();
		r.hb.sent();
		r.run(20_000);
		expect(r.dead()!.reason).toMatch(/no answer/);
		expect(r.dead()!.at).toBeLessThanOrEqual(1_000 + 6_000);
	});

	it('does not call a socket dead while its bytes are still leaving', () => {
		let buffered = 500_000;
		const r = rig(() => buffered);
		r.hb.sent();
		r.run(30_000);
		expect(r.dead()).toBeNull();
		buffered = 0;
		r.run(20_000);
		expect(r.dead()).not.toBeNull();
	});

	it('does not count a frozen timer as silence', () => {
		const r = rig();
		r.run(2_000);
		// The main thread froze for 12 s; the frames that arrived meanwhile are still queued.
		r.setNow(r.now() + 12_000);
		r.hb.tick();
		expect(r.dead()).toBeNull();
	});
});
