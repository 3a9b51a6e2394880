// The document frames carry y-protocols bytes unchanged: a real Y.Doc and a real Awareness
// sync through them. SPEC S9.1 (documents replicate through the server), S9.4 (presence).
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { DocId } from '../domain/types';
import { checkAwarenessUpdate, writeSyncStep1, writeSyncStep2 } from './doc';
import { decodeClientFrame, decodeServerFrame, encodeFrame } from './frame';
import { ProtocolFailure } from './errors';

const docId = 'c/contact-1' as DocId;

function docWithText(text: string): Y.Doc {
	const ydoc = new Y.Doc();
	ydoc.getText('t').insert(0, text);
	return ydoc;
}

describe('SYNC frames are y-protocols sync messages behind a doc id', () => {
	it('step 1 bytes are exactly what y-protocols writes', () => {
		const ydoc = docWithText('hello');
		const ours = encoding.createEncoder();
		writeSyncStep1(ours, docId, Y.encodeStateVector(ydoc));
		const theirs = encoding.createEncoder();
		syncProtocol.writeSyncStep1(theirs, ydoc);

		const dec = decoding.createDecoder(encoding.toUint8Array(ours));
		decoding.readVarUint(dec); // message type
		expect(decoding.readVarString(dec)).toBe(docId);
		const syncPart = decoding.readUint8Array(dec, encoding.length(theirs));
		expect([...syncPart]).toEqual([...encoding.toUint8Array(theirs)]);
		expect(decoding.readVarUint(dec)).toBe(0); // no seq
		expect(decoding.hasContent(dec)).toBe(false);
	});

	it('a client and a server converge through step 1 / step 2 frames', () => {
		const server = docWithText('server side ');
		const client = docWithText('client side ');

		// client -> server: step 1
		const step1 = decodeClientFrame(encodeFrame({ type: 'sync', docId, step: 'step1', stateVector: Y.encodeStateVector(client) }));
		if (!step1.ok || step1.msg.type !== 'sync' || step1.msg.step !== 'step1') throw new Error('step 1 did not decode');
		// server -> client: step 2 with the seq it is current to, then its own step 1
		const step2 = decodeServerFrame(
			encodeFrame({ type: 'sync', docId, step: 'step2', update: Y.encodeStateAsUpdate(server, step1.msg.stateVector), seq: 42 })
		);
		if (!step2.ok || step2.msg.type !== 'sync' || step2.msg.step !== 'step2') throw new Error('step 2 did not decode');
		expect(step2.msg.seq).toBe(42);
		Y.applyUpdate(client, step2.msg.update);
		const back = decodeClientFrame(
			encodeFrame({ type: 'sync', docId, step: 'step2', update: Y.encodeStateAsUpdate(client, Y.encodeStateVector(server)) })
		);
		if (!back.ok || back.msg.type !== 'sync' || back.msg.step !== 'step2') throw new Error('reply step 2 did not decode');
		Y.applyUpdate(server, back.msg.update);

		expect(client.getText('t').toString()).toBe(server.getText('t').toString());
		expect(client.getText('t').toString()).toContain('server side');
		expect(client.getText('t').toString()).toContain('client side');
	});

	it("y-protocols' readSyncMessage consumes the sync part of our frame", () => {
		const source = docWithText('abc');
		const target = new Y.Doc();
		const enc = encoding.createEncoder();
		writeSyncStep2(enc, docId, Y.encodeStateAsUpdate(source), 9);
		const dec = decoding.createDecoder(encoding.toUint8Array(enc));
		decoding.readVarUint(dec);
		decoding.readVarString(dec);
		const type = syncProtocol.readSyncMessage(dec, encoding.createEncoder(), target, 'test');
		expect(type).toBe(syncProtocol.messageYjsSyncStep2);
		expect(decoding.readVarUint(dec)).toBe(9);
		expect(target.getText('t').toString()).toBe('abc');
	});
});

describe('AWARENESS frames', () => {
	it('carry a real awareness update that applies on the other side', () => {
		const a = new awarenessProtocol.Awareness(new Y.Doc());
		const b = new awarenessProtocol.Awareness(new Y.Doc());
		a.setLocalState({ user: 'u1', viewing: 'c/contact-1', typing: true });
		const update = awarenessProtocol.encodeAwarenessUpdate(a, [a.clientID]);
		const result = decodeClientFrame(encodeFrame({ type: 'awareness', docId, update }));
		if (!result.ok || result.msg.type !== 'awareness') throw new Error('awareness did not decode');
		awarenessProtocol.applyAwarenessUpdate(b, result.msg.update, 'remote');
		expect(b.getStates().get(a.clientID)).toEqual({ user: 'u1', viewing: 'c/contact-1', typing: true });
		a.destroy();
		b.destroy();
	});

	it('refuses updates that applyAwarenessUpdate would throw on', () => {
		const bad = (write: (enc: encoding.Encoder) => void): Uint8Array => {
			const enc = encoding.createEncoder();
			write(enc);
			return encoding.toUint8Array(enc);
		};
		const notJson = bad((enc) => {
			encoding.writeVarUint(enc, 1);
			encoding.writeVarUint(enc, 5);
			encoding.writeVarUint(enc, 1);
			encoding.writeVarString(enc, '{not json');
		});
		const tooManyClaimed = bad((enc) => encoding.writeVarUint(enc, 1_000_000));
		const trailing = bad((enc) => {
			encoding.writeVarUint(enc, 0);
			encoding.writeVarUint(enc, 0);
		});
		for (const update of [notJson, tooManyClaimed, trailing]) {
			expect(() => checkAwarenessUpdate(update)).toThrow(ProtocolFailure);
			const result = decodeClientFrame(encodeFrame({ type: 'awareness', docId, update }));
			expect(result.ok ? 'ok' : result.error.code).toBe('bad_frame');
		}
	});
});
