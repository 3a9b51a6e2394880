/**
 * Tools of the trust tests: copies of a demo contact created on a running server through its
 * write path (so the access index and open connections see them), a wait for a client's copy
 * to match the server's, and a bare `/yjs/<docId>` socket that records frames and its close.
 */
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { DemoContact } from '../../../src/lib/demo/generate';
import { encodeState } from '../../../src/lib/doc';
import { buildContactDoc } from '../../../src/lib/doc/seed';
import { contactDocId } from '../../../src/lib/domain/ids';
import type { ContactId, DocId } from '../../../src/lib/domain/types';
import type { RunningServer } from '../../src/server';
import { waitFor, type SyncClient } from './sync-client';

/** `contact` under a new id (every mention of the old id rewritten: author, created event). */
export function cloneContact(contact: DemoContact, id: string): DemoContact {
	return JSON.parse(JSON.stringify(contact).replaceAll(contact.id, id)) as DemoContact;
}

/** Stores `contact` as a new document through the server's write path; returns its doc id. */
export async function createContact(server: RunningServer, contact: DemoContact): Promise<DocId> {
	const docId = contactDocId(contact.id as ContactId);
	const built = buildContactDoc(contact);
	const update = encodeState(built);
	built.destroy();
	await server.rooms.applyServerChange(docId, (ydoc) => Y.applyUpdate(ydoc, update));
	return docId;
}

/** Bytes of the server's current state of a document (loads it when needed). */
export async function serverState(server: RunningServer, docId: DocId): Promise<Uint8Array> {
	return (await server.rooms.snapshot(docId)).update;
}

/** Waits until the client's copy of `docId` has exactly the server's state vector. */
export async function waitInSync(client: SyncClient, server: RunningServer, docId: DocId, what = 'client in sync'): Promise<void> {
	const target = Buffer.from((await server.rooms.snapshot(docId)).stateVector);
	await waitFor(() => client.docs.has(docId) && Buffer.from(Y.encodeStateVector(client.doc(docId))).equals(target), 10_000, `${what} (${docId})`);
}

/** A y-websocket sync frame (messageSync, `step`, payload). */
export function yjsSyncFrame(step: 0 | 1 | 2, payload: Uint8Array): Uint8Array {
	const enc = encoding.createEncoder();
	encoding.writeVarUint(enc, 0);
	encoding.writeVarUint(enc, step);
	encoding.writeVarUint8Array(enc, payload);
	return encoding.toUint8Array(enc);
}

/** A bare `/yjs/<docId>` socket: records frames, resolves `closed` with the close code and reason. */
export class YjsSocket {
	readonly frames: Uint8Array[] = [];
	readonly closed: Promise<{ code: number; reason: string }>;
	private constructor(readonly ws: WebSocket) {
		ws.binaryType = 'nodebuffer';
		ws.on('error', () => {});
		ws.on('message', (d: Buffer) => this.frames.push(new Uint8Array(d)));
		this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
	}

	/** Opens the socket and waits for the server's sync step 1. */
	static async open(base: string, docId: DocId, token: string): Promise<YjsSocket> {
		const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/yjs/${encodeURIComponent(docId)}?token=${encodeURIComponent(token)}`);
		const s = new YjsSocket(ws);
		await new Promise<void>((resolve, reject) => {
			ws.once('open', () => resolve());
			ws.once('unexpected-response', (_q, r) => reject(new Error(`upgrade refused: ${r.statusCode}`)));
		});
		await waitFor(() => s.frames.length > 0, 10_000, 'server step 1 on /yjs');
		return s;
	}

	send(frame: Uint8Array): void {
		if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
	}

	close(): void {
		this.ws.close();
	}
}
