import * as Y from 'yjs';
import { generateWorkspace } from '../../../src/lib/demo/generate';
import { buildContactDoc } from '../../../src/lib/doc/seed';
const t0 = performance.now();
const ws = generateWorkspace({ seed: 7, contacts: 1, messagesPerContact: { min: 4000, max: 4000 }, now: Date.UTC(2025, 5, 1) });
const doc = buildContactDoc(ws.contacts[0]!);
const u = Y.encodeStateAsUpdate(doc);
console.log('gen', performance.now() - t0, 'bytes', u.length, 'entries', ws.contacts[0]!.entries.length);
for (let r = 0; r < 5; r++) {
  let t = performance.now();
  const e = Y.encodeStateAsUpdate(doc);
  const t1 = performance.now();
  const twin = new Y.Doc(); Y.applyUpdate(twin, e);
  const t2 = performance.now();
  console.log('encode', (t1 - t).toFixed(2), 'apply', (t2 - t1).toFixed(2));
}
