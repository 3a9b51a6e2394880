/**
 * The contact document (src/lib/doc/): cost of one thread append as the thread grows (the
 * design requires a 20k-entry thread to append within 1.5x the time of a 1k-entry one), with
 * Automerge 3 doing the same appends as the measured alternative; size and encode/decode time
 * of a 10k-message document; and summaries for 10k contacts (full and incremental).
 *
 * Each append is its own transaction with an update listener attached, as in the app (the sync
 * layer encodes every local update). Times are medians of many appends after a warm-up.
 */
import * as Automerge from '@automerge/automerge';
import type { ChannelId, ContactId, EntryId, MessageEntry } from '../src/lib/domain/types';
import { contactDoc, initContact } from '../src/lib/doc/contact';
import { applyUpdate, createDoc, encodeState, onUpdate, type YDoc } from '../src/lib/doc/encoding';
import { storageOrigin } from '../src/lib/doc/origins';
import { buildContactDoc } from '../src/lib/doc/seed';
import { summarize, updateSummary, type DocSummary } from '../src/lib/doc/summary';
import { generateWorkspace } from '../src/lib/demo/generate';
import { LINES } from '../src/lib/demo/phrases';
import { createPrng, type Prng } from '../src/lib/demo/prng';
import { percentile, type Benchmark, type Figure } from './harness';

const NOW = Date.UTC(2025, 5, 1);
const CID = 'bench-contact' as ContactId;
const TEXTS = [...LINES.en.questionsIn, ...LINES.en.repliesOut, ...LINES.fr.questionsIn, ...LINES.fr.repliesOut];

function message(rng: Prng, i: number): MessageEntry {
	const direction = rng.bool() ? 'in' : 'out';
	return {
		id: `${rng.id(12)}${i.toString(36)}` as EntryId,
		kind: 'message',
		at: NOW - 1e9 + i * 1000,
		author: direction === 'in' ? { type: 'contact', id: CID } : { type: 'user', id: 'u-ana' },
		direction,
		channelId: 'ch-webchat' as ChannelId,
		body: { type: 'text', text: rng.pick(TEXTS) }
	};
}

function yjsThread(rng: Prng, size: number): YDoc {
	const ydoc = createDoc();
	const c = initContact(ydoc, { id: CID, profile: { firstName: 'Bench' }, createdAt: NOW - 2e9 });
	c.transact(() => {
		for (let i = 0; i < size; i++) c.thread.append(message(rng, i));
	});
	return ydoc;
}

/** Median time of one append (own transaction, update encoded) to a thread of `size` entries. */
function yjsAppend(seed: number, size: number, appends: number): number {
	const rng = createPrng(seed);
	const ydoc = yjsThread(rng, size);
	const c = contactDoc(ydoc);
	let bytes = 0;
	const stop = onUpdate(ydoc, (u) => (bytes += u.length));
	const times: number[] = [];
	for (let i = 0; i < appends + 100; i++) {
		const m = message(rng, size + i);
		const t0 = performance.now();
		c.thread.append(m);
		if (i >= 100) times.push(performance.now() - t0);
	}
	stop();
	if (bytes === 0) throw new Error('no update emitted');
	return percentile(times, 50);
}

type AmDoc = { thread: Record<string, unknown> };

function automergeThread(rng: Prng, size: number): Automerge.Doc<AmDoc> {
	let doc = Automerge.from<AmDoc>({ thread: {} });
	doc = Automerge.change(doc, (d) => {
		for (let i = 0; i < size; i++) {
			const m = message(rng, i);
			d.thread[m.id] = m;
		}
	});
	return doc;
}

function automergeAppend(seed: number, size: number, appends: number): number {
	const rng = createPrng(seed);
	let doc = automergeThread(rng, size);
	const times: number[] = [];
	for (let i = 0; i < appends + 20; i++) {
		const m = message(rng, size + i);
		const t0 = performance.now();
		doc = Automerge.change(doc, (d) => {
			d.thread[m.id] = m;
		});
		Automerge.getLastLocalChange(doc); // what a sync layer would send
		if (i >= 20) times.push(performance.now() - t0);
	}
	return percentile(times, 50);
}

const appendBench: Benchmark = {
	name: 'doc: thread append',
	async run(ctx) {
		const small = ctx.quick ? 200 : 1_000;
		const large = ctx.quick ? 2_000 : 20_000;
		const appends = ctx.quick ? 200 : 2_000;
		const amAppends = ctx.quick ? 30 : 200;
		// Interleave and take the best of three rounds, so one GC pause does not decide the ratio.
		const y1: number[] = [];
		const y20: number[] = [];
		for (let round = 0; round < 3; round++) {
			y1.push(yjsAppend(ctx.seed + round, small, appends));
			y20.push(yjsAppend(ctx.seed + round, large, appends));
		}
		const ySmall = Math.min(...y1);
		const yLarge = Math.min(...y20);
		ctx.log(`yjs rounds (ms) ${small}: ${y1.map((t) => t.toFixed(4)).join(', ')}; ${large}: ${y20.map((t) => t.toFixed(4)).join(', ')}`);
		const amSmall = automergeAppend(ctx.seed, small, amAppends);
		const amLarge = automergeAppend(ctx.seed, large, amAppends);
		const us = 1000;
		return [
			{ figure: `append to ${small}-entry thread (p50 per append)`, value: ySmall * us, unit: 'µs', baseline: { label: 'automerge 3', value: amSmall * us } },
			{ figure: `append to ${large}-entry thread (p50 per append)`, value: yLarge * us, unit: 'µs', baseline: { label: 'automerge 3', value: amLarge * us } },
			{
				figure: `append time ${large} / ${small} entries`,
				value: yLarge / ySmall,
				unit: 'x',
				baseline: { label: 'automerge 3', value: amLarge / amSmall },
				target: '<= 1.5'
			}
		] satisfies Figure[];
	}
};

const encodeBench: Benchmark = {
	name: 'doc: encode/decode',
	async run(ctx) {
		const size = ctx.quick ? 1_000 : 10_000;
		const rng = createPrng(ctx.seed);
		const ydoc = yjsThread(rng, size);
		const enc: number[] = [];
		const dec: number[] = [];
		let update: Uint8Array = new Uint8Array();
		for (let i = 0; i < 7; i++) {
			let t0 = performance.now();
			update = encodeState(ydoc);
			enc.push(performance.now() - t0);
			t0 = performance.now();
			const copy = createDoc();
			applyUpdate(copy, update, storageOrigin());
			dec.push(performance.now() - t0);
			if (contactDoc(copy).thread.size !== size + 1) throw new Error('decoded thread has the wrong size');
		}
		const am = automergeThread(createPrng(ctx.seed), size);
		const amSave: number[] = [];
		const amLoad: number[] = [];
		let saved: Uint8Array = new Uint8Array();
		for (let i = 0; i < 3; i++) {
			let t0 = performance.now();
			saved = Automerge.save(am);
			amSave.push(performance.now() - t0);
			t0 = performance.now();
			Automerge.load<AmDoc>(saved);
			amLoad.push(performance.now() - t0);
		}
		// Keeping one long thread's summary current: one append, then incremental vs full.
		const doc = contactDoc(ydoc);
		const summary = summarize(CID, ydoc);
		const inc: number[] = [];
		const full: number[] = [];
		for (let i = 0; i < 20; i++) {
			const m = message(rng, size + i);
			doc.thread.append(m);
			let t = performance.now();
			updateSummary(summary, ydoc, [m.id]);
			inc.push(performance.now() - t);
			t = performance.now();
			summarize(CID, ydoc);
			full.push(performance.now() - t);
		}
		return [
			{
				figure: `summary of a ${size}-message contact after one append`,
				value: percentile(inc, 50),
				unit: 'ms',
				baseline: { label: 'full summarize', value: percentile(full, 50) }
			},
			{ figure: `${size}-message contact document size`, value: update.length / 1024, unit: 'KiB', baseline: { label: 'automerge 3 save', value: saved.length / 1024 } },
			{ figure: `encode ${size}-message document (p50)`, value: percentile(enc, 50), unit: 'ms', baseline: { label: 'automerge 3 save', value: percentile(amSave, 50) } },
			{ figure: `decode ${size}-message document (p50)`, value: percentile(dec, 50), unit: 'ms', baseline: { label: 'automerge 3 load', value: percentile(amLoad, 50) } }
		] satisfies Figure[];
	}
};

const summaryBench: Benchmark = {
	name: 'doc: summaries',
	async run(ctx) {
		const contacts = ctx.quick ? 500 : 10_000;
		let t0 = performance.now();
		const w = generateWorkspace({ seed: ctx.seed, contacts, messagesPerContact: 10, now: NOW });
		const generateMs = performance.now() - t0;
		t0 = performance.now();
		const docs = w.contacts.map((c) => buildContactDoc(c));
		const buildMs = performance.now() - t0;
		const messages = w.contacts.reduce((n, c) => n + c.entries.filter((e) => e.kind === 'message').length, 0);
		ctx.log(`${contacts} contacts, ${messages} messages: generated in ${generateMs.toFixed(0)} ms, documents built in ${buildMs.toFixed(0)} ms`);

		t0 = performance.now();
		const summaries: DocSummary[] = w.contacts.map((c, i) => summarize(c.id, docs[i]!));
		const fullMs = performance.now() - t0;

		const rng = createPrng(ctx.seed);
		const added = docs.map((d, i) => {
			const m = message(rng, 1_000_000 + i);
			contactDoc(d).thread.append(m);
			return m.id;
		});
		t0 = performance.now();
		// As `watchSummary` calls it: the transaction touched the thread only.
		const next = summaries.map((s, i) => updateSummary(s, docs[i]!, { added: [added[i]!], maps: [] }));
		const incMs = performance.now() - t0;
		t0 = performance.now();
		const rescanned = w.contacts.map((c, i) => summarize(c.id, docs[i]!));
		const rescanMs = performance.now() - t0;
		for (let i = 0; i < 50; i++) {
			if (JSON.stringify(next[i]) !== JSON.stringify(rescanned[i])) throw new Error(`incremental summary differs for contact ${i}`);
		}
		return [
			{ figure: `generate demo workspace (${contacts} contacts, ${messages} messages)`, value: generateMs, unit: 'ms' },
			{ figure: `summarize ${contacts} contacts (full)`, value: fullMs, unit: 'ms' },
			{
				figure: `update ${contacts} summaries after one append each`,
				value: incMs,
				unit: 'ms',
				baseline: { label: 'full rescan', value: rescanMs }
			}
		] satisfies Figure[];
	}
};

export const benchmarks: Benchmark[] = [appendBench, encodeBench, summaryBench];
