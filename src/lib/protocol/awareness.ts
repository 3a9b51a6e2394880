/**
 * Awareness updates: the format of y-protocols/awareness, read and written here for the app,
 * the `/sync` and `/yjs` endpoints and the web chat (whose agents' typing is published as
 * awareness).
 *
 *   varUint count
 *   count × ( varUint clientID, varUint clock, varString state )
 *
 * `state` is JSON text: the client's state, or `null` when the client left (its clock moves on,
 * so the removal wins over what came before). A client's newer clock replaces its older state;
 * receivers ignore a clock they have already seen.
 *
 * `readAwarenessUpdate` parses the states as the caller needs them: `object` (the app keeps
 * object states only: anything else, and JSON that does not parse, reads as null), `json` (any
 * JSON value; unparsable text reads as null) or `text` (the JSON text as sent, for the server,
 * which passes states on without re-encoding them). It returns null on bytes that are not an
 * update; it never throws. `writeAwarenessUpdate` is its inverse: states are JSON-encoded, or
 * written as they are with `text`. Frames carrying an update are checked on the way in by
 * `checkAwarenessUpdate` (doc.ts), so a decoder past that point does not meet bad bytes.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export interface AwarenessEntry<S = unknown> {
	clientId: number;
	clock: number;
	/** The state; null when the client left (or, unless read as `text`, is not what was asked). */
	state: S;
}

export type AwarenessObject = Record<string, unknown>;

/** How states are read: see the file's comment. */
export type StateReading = 'object' | 'json' | 'text';

type StateOf<R extends StateReading> = R extends 'object' ? AwarenessObject | null : R extends 'text' ? string : unknown;

function parseState(raw: string, reading: StateReading): unknown {
	if (reading === 'text') return raw;
	let v: unknown;
	try {
		v = JSON.parse(raw) as unknown;
	} catch {
		return null;
	}
	if (reading === 'json') return v;
	return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null;
}

/** The entries of an awareness update, states read as `reading`; null when the bytes are not one. */
export function readAwarenessUpdate<R extends StateReading>(update: Uint8Array, reading: R): Array<AwarenessEntry<StateOf<R>>> | null {
	try {
		const dec = decoding.createDecoder(update);
		const n = decoding.readVarUint(dec);
		const out: Array<AwarenessEntry<StateOf<R>>> = [];
		for (let i = 0; i < n; i++) {
			const clientId = decoding.readVarUint(dec);
			const clock = decoding.readVarUint(dec);
			const state = parseState(decoding.readVarString(dec), reading) as StateOf<R>;
			out.push({ clientId, clock, state });
		}
		return out;
	} catch {
		return null;
	}
}

/** An awareness update of `entries`; states JSON-encoded, or written as given with `text`. */
export function writeAwarenessUpdate(entries: ReadonlyArray<AwarenessEntry<unknown>>, reading: 'json' | 'object'): Uint8Array;
export function writeAwarenessUpdate(entries: ReadonlyArray<AwarenessEntry<string>>, reading: 'text'): Uint8Array;
export function writeAwarenessUpdate(entries: ReadonlyArray<AwarenessEntry<unknown>>, reading: StateReading): Uint8Array {
	const enc = encoding.createEncoder();
	encoding.writeVarUint(enc, entries.length);
	for (const e of entries) {
		encoding.writeVarUint(enc, e.clientId);
		encoding.writeVarUint(enc, e.clock);
		encoding.writeVarString(enc, reading === 'text' ? (e.state as string) : JSON.stringify(e.state));
	}
	return encoding.toUint8Array(enc);
}
