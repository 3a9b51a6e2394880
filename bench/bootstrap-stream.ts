/**
 * Issue 26, the first login's list part without the browser: how fast the server streams the
 * summaries part of the bootstrap to one raw /sync client on the cached scale fixture
 * (`data/bench-scale/<contacts>-42`, copied). Prints HELLO -> WELCOME, BOOTSTRAP -> first chunk
 * and -> done, the bytes received, with and without permessage-deflate (as the browser gets it).
 *
 *   npx tsx bench/bootstrap-stream.ts [contacts=50000] [part=0]
 *
 * `SHOW=1` prints the first payload. For the server's CPU, run it under `node --cpu-prof --import tsx`.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { decodeServerFrame, encodeFrame, PROTOCOL_VERSION } from '../src/lib/protocol';
import { startServer } from '../sync-server/src/server';

const root = fileURLToPath(new URL('..', import.meta.url));
const contacts = Number(process.argv[2] ?? 50_000);
const part = Number(process.argv[3] ?? 0) as 0 | 1;
const fixture = join(root, 'data', 'bench-scale', `${contacts}-42`);
if (!existsSync(join(fixture, 'ready'))) throw new Error(`no cached fixture at ${fixture}: run npm run bench scale once`);
const dataDir = mkdtempSync(join(tmpdir(), 'parley-bootstrap-stream-'));
cpSync(fixture, dataDir, { recursive: true });
const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir: dataDir, seed: false, log: () => undefined });
try {
	await server.bootstrap.build();
	console.log(`server ready at ${server.url}`);
	const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@demo.test', password: 'parley-demo' }) });
	const token = ((await res.json()) as { accessToken: string }).accessToken;
	for (const deflate of [true, false, true]) {
		const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/sync?token=${encodeURIComponent(token)}`, { perMessageDeflate: deflate });
		ws.binaryType = 'nodebuffer';
		await new Promise<void>((resolve, reject) => {
			ws.once('open', () => resolve());
			ws.once('error', reject);
		});
		const t0 = performance.now();
		const times: Record<string, number> = {};
		let bytes = 0;
		let items = 0;
		let chunks = 0;
		await new Promise<void>((resolve) => {
			ws.on('message', (data: Buffer) => {
				bytes += data.length;
				const d = decodeServerFrame(new Uint8Array(data));
				if (!d.ok) return void console.log(`undecodable frame: ${d.error.message}`);
				// A WELCOME of 50,000 ids comes in CHUNK frames: its last one stands for it.
				if (d.msg.type === 'welcome' || (d.msg.type === 'chunk' && d.msg.index === d.msg.total - 1 && times['WELCOME'] === undefined)) {
					times['WELCOME'] = performance.now() - t0;
					ws.send(encodeFrame({ type: 'bootstrap', part, seq: 0, after: '' }));
				} else if (d.msg.type === 'bootstrap-chunk') {
					times['first chunk'] ??= performance.now() - t0;
					if (items === 0 && process.env.SHOW) console.log(new TextDecoder().decode(d.msg.items[0]!.payload));
					items += d.msg.items.length;
					chunks++;
					if (d.msg.done) {
						times['done'] = performance.now() - t0;
						resolve();
					}
				}
			});
			ws.send(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, lastSeq: 0, clientId: `stream-${deflate}` }));
		});
		ws.close();
		const ms = Object.entries(times)
			.map(([k, v]) => `${k} ${Math.round(v)} ms`)
			.join(', ');
		console.log(`part ${part}, deflate ${deflate}: ${ms}; ${items} items in ${chunks} chunks, ${(bytes / 1e6).toFixed(1)} MB of frames (decompressed)`);
	}
} finally {
	await server.close();
	rmSync(dataDir, { recursive: true, force: true });
}
