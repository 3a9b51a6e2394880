// Issue 26 (SPEC S9.2): a bootstrap chunk's payloads are decoded together, one JSON.parse per
// chunk, with the same answer as decoding each alone, including for payloads that are not JSON;
// the chunk's items are read from the frame without a copy each.
import { describe, expect, it } from 'vitest';
import { decodeServerFrame, encodeFrame } from './frame';
import { decodePayload, decodePayloads, encodePayload, type BootstrapItem } from './bootstrap';
import type { DocId } from '../domain/types';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('bootstrap payloads (issue 26)', () => {
	it('decodes a chunk of payloads at once, as each alone would be', () => {
		const values = [{ id: 'a', firstName: 'Zoé 📦', n: 1 }, [['e1', 5, 0, 'hello, "world"']], null, 'text', 42, { nested: { deep: [1, 2] } }];
		const payloads = values.map((v) => encodePayload(v));
		expect(decodePayloads(payloads)).toEqual(values);
		expect(decodePayloads(payloads)).toEqual(payloads.map(decodePayload));
		expect(decodePayloads([])).toEqual([]);
	});

	it('falls back to each payload alone when one is not JSON (that one is undefined)', () => {
		const payloads = [encodePayload({ id: 'a' }), bytes('{"broken":'), new Uint8Array(0), bytes('1,2'), encodePayload(['x']), new Uint8Array([0xff, 0xfe])];
		expect(decodePayloads(payloads)).toEqual([{ id: 'a' }, undefined, undefined, undefined, ['x'], undefined]);
	});

	it('reads the items of a BOOTSTRAP_CHUNK frame as views, each decoding to what was sent', () => {
		const items: BootstrapItem[] = Array.from({ length: 50 }, (_, i) => ({ docId: `c/contact${i}` as DocId, docSeq: i + 1, payload: encodePayload({ id: `contact${i}`, i }) }));
		const frame = encodeFrame({ type: 'bootstrap-chunk', part: 0, seq: 9, total: 50, done: true, items });
		const d = decodeServerFrame(frame);
		expect(d.ok).toBe(true);
		if (!d.ok || d.msg.type !== 'bootstrap-chunk') return;
		expect(d.msg.items.map((it) => [it.docId, it.docSeq])).toEqual(items.map((it) => [it.docId, it.docSeq]));
		expect(decodePayloads(d.msg.items.map((it) => it.payload))).toEqual(items.map((_, i) => ({ id: `contact${i}`, i })));
	});
});
