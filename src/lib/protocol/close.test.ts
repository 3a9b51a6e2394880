// Every error code has a defined ending, and the decoder's codes can be sent as ERRORs as is.
// SPEC S1.9 (bad input is refused with a reason), S9.5 (the client knows its sync state).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DocId } from '../domain/types';
import * as close from './close';
import { CLOSE_FORBIDDEN, CLOSE_PROTOCOL_ERROR, CLOSE_UNAUTHORIZED, CLOSE_UNSUPPORTED_VERSION, afterClose, closeCodeFor } from './close';
import { decodeClientFrame, decodeServerFrame, encodeFrame } from './frame';
import { MAX_UPDATE_BYTES } from './limits';
import { ERROR_CODES, errorFromProtocolError } from './session';

describe('close codes', () => {
	it('per-document errors keep the connection, the others close it', () => {
		const open = ERROR_CODES.filter((c) => closeCodeFor(c) === null);
		expect([...open].sort()).toEqual(['forbidden', 'quota_exceeded', 'rate_limited', 'rejected_update', 'unknown_doc']);
		expect(closeCodeFor('bad_frame')).toBe(CLOSE_PROTOCOL_ERROR);
		expect(afterClose(CLOSE_UNSUPPORTED_VERSION)).toBe('stop');
		expect(afterClose(CLOSE_UNAUTHORIZED)).toBe('refresh');
		expect(afterClose(CLOSE_FORBIDDEN)).toBe('refresh');
		expect(afterClose(CLOSE_PROTOCOL_ERROR)).toBe('retry');
		expect(afterClose(1006)).toBe('retry');
	});

	// docs/protocol.md's tables are the contract third-party clients read: they list exactly the
	// codes of close.ts, and what the app does after each is what `afterClose` decides.
	it('the close-code tables of docs/protocol.md match close.ts', () => {
		const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
		const table = (heading: string): Map<number, string> => {
			const start = doc.indexOf(heading);
			expect(start, heading).toBeGreaterThanOrEqual(0);
			const rows = new Map<number, string>();
			for (const line of doc.slice(start).split('\n').slice(1)) {
				const m = /^\| (\d{4}) \|.*\| ([^|]*) \|$/.exec(line);
				if (m) rows.set(Number(m[1]), m[2]!);
				else if (rows.size > 0) break;
			}
			return rows;
		};
		const codes = Object.entries(close)
			.filter(([name, v]) => name.startsWith('CLOSE_') && typeof v === 'number')
			.map(([, v]) => v as number)
			.sort((a, b) => a - b);
		const sync = table('### Close codes');
		expect([...sync.keys()].sort((a, b) => a - b)).toEqual(codes);
		for (const [code, what] of sync) {
			const expected = afterClose(code);
			const said = /^refresh/.test(what) ? 'refresh' : /reload/.test(what) ? 'stop' : 'retry';
			expect(said, `${code}: ${what}`).toBe(expected);
		}
		const yjs = table('Close codes you can see on `/yjs`:');
		for (const code of yjs.keys()) expect(codes, `/yjs code ${code}`).toContain(code);
	});

	it('a decode failure becomes the ERROR frame the server sends back, with its context', () => {
		const big = encodeFrame({ type: 'update', docId: 'c/x' as DocId, updateId: 'u-9', update: new Uint8Array(MAX_UPDATE_BYTES + 1) });
		const result = decodeClientFrame(big);
		if (result.ok) throw new Error('expected too_large');
		const reply = decodeServerFrame(encodeFrame(errorFromProtocolError(result.error)));
		expect(reply.ok && reply.msg).toMatchObject({ type: 'error', code: 'too_large', docId: 'c/x', updateId: 'u-9' });
	});

	it('an overlong error message is clamped so the client can still read it', () => {
		const reply = decodeServerFrame(encodeFrame({ type: 'error', code: 'internal', message: '€'.repeat(10_000) }));
		expect(reply.ok && reply.msg.type === 'error' && reply.msg.message.length).toBeGreaterThan(1000);
	});
});
