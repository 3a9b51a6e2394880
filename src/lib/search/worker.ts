/**
 * The search Web Worker (module worker): wires the worker global to a `SearchHost`. Start it with
 * `SearchClient.spawn()`; the protocol is in protocol.ts.
 */
import { SearchHost } from './host';
import type { WorkerReply, WorkerRequest } from './protocol';

interface WorkerScope {
	postMessage(message: WorkerReply, transfer?: Transferable[]): void;
	addEventListener(type: 'message', listener: (ev: MessageEvent<WorkerRequest>) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
const host = new SearchHost((reply, transfer) => scope.postMessage(reply, transfer ?? []));
scope.addEventListener('message', (ev) => host.handle(ev.data));
