// Every error code has a defined ending, and the decoder's codes can be sent as ERRORs as is.
// SPEC S1.9 (bad input is refused with a reason), S9.5 (the client knows its sync state).
import { describe, expect, it } from 'vitest';
import type { DocId } from '../domain/types';
import { CLOSE_PROTOCOL_ERROR, CLOSE_UNSUPPORTED_VERSION, closeCodeFor, shouldReconnect } from './close';
import { decodeClientFrame, decodeServerFrame, encodeFrame } from './frame';
import { MAX_UPDATE_BYTES } from './limits';
import { ERROR_CODES, errorFromProtocolError } from './session';

describe('close codes', () => {
	it('per-document errors keep the connection, the others close it', () => {
		const open = ERROR_CODES.filter((c) => closeCodeFor(c) === null);
		expect([...open].sort()).toEqual(['forbidden', 'quota_exceeded', 'rate_limited', 'rejected_update', 'unknown_doc']);
		expect(closeCodeFor('bad_frame')).toBe(CLOSE_PROTOCOL_ERROR);
		expect(shouldReconnect(CLOSE_UNSUPPORTED_VERSION)).toBe(false);
		expect(shouldReconnect(1006)).toBe(true);
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
