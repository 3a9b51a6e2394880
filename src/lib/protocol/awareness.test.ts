// Awareness updates round-trip through the one reader/writer, and read the same as y-protocols
// writes them (SPEC S5.8 typing and viewing indicators ride on awareness).
import * as awarenessProtocol from 'y-protocols/awareness';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readAwarenessUpdate, writeAwarenessUpdate } from './awareness';

describe('awareness updates', () => {
	const entries = [
		{ clientId: 1, clock: 3, state: { user: { id: 'u-ana', name: 'Ana' }, typing: true } },
		{ clientId: 4_000_000_000, clock: 0, state: null },
		{ clientId: 7, clock: 12, state: [1, 2] },
		{ clientId: 8, clock: 1, state: 'text' }
	];

	it('round-trips every JSON state as json, and as text byte for byte', () => {
		const bytes = writeAwarenessUpdate(entries, 'json');
		expect(readAwarenessUpdate(bytes, 'json')).toEqual(entries);
		const text = readAwarenessUpdate(bytes, 'text')!;
		expect(text.map((e) => e.state)).toEqual(entries.map((e) => JSON.stringify(e.state)));
		expect(writeAwarenessUpdate(text, 'text')).toEqual(bytes);
	});

	it('keeps object states only when asked', () => {
		const read = readAwarenessUpdate(writeAwarenessUpdate(entries, 'json'), 'object')!;
		expect(read.map((e) => e.state)).toEqual([entries[0]!.state, null, null, null]);
	});

	it('reads what y-protocols writes, and y-protocols applies what it writes', () => {
		const a = new awarenessProtocol.Awareness(new Y.Doc());
		a.setLocalState({ hello: 'world' });
		const read = readAwarenessUpdate(awarenessProtocol.encodeAwarenessUpdate(a, [a.clientID]), 'object');
		expect(read).toEqual([{ clientId: a.clientID, clock: expect.any(Number), state: { hello: 'world' } }]);
		const b = new awarenessProtocol.Awareness(new Y.Doc());
		awarenessProtocol.applyAwarenessUpdate(b, writeAwarenessUpdate([{ clientId: 9, clock: 1, state: { x: 1 } }], 'json'), 'remote');
		expect(b.getStates().get(9)).toEqual({ x: 1 });
		a.destroy();
		b.destroy();
	});

	it('answers null on bytes that are not an update, and null states for unparsable JSON', () => {
		expect(readAwarenessUpdate(new Uint8Array([5, 1]), 'json')).toBeNull();
		const enc = [1, 2, 1, 2, ...new TextEncoder().encode('{x')];
		expect(readAwarenessUpdate(new Uint8Array(enc), 'json')).toEqual([{ clientId: 2, clock: 1, state: null }]);
		expect(readAwarenessUpdate(new Uint8Array(enc), 'text')).toEqual([{ clientId: 2, clock: 1, state: '{x' }]);
	});
});
