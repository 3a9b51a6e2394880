/**
 * Calls (issue 25):
 * - ring latency: a web chat visitor presses Call (the `call_start` frame leaves its socket) ->
 *   every one of 20 agents online holds the ringing call (their /sync replica folded the
 *   `call_ringing` event, which is what the Incoming calls list renders from), p50/p95;
 * - answer -> audio flowing: in Chromium (fake microphones), from the agent's Answer (the
 *   `/answer` request) to the first audio bytes received from the caller (WebRTC inbound-rtp);
 * - transcription real-time factor of the local engine (ffmpeg + pocketsphinx) on this machine:
 *   processing time / audio duration (below 1: faster than real time).
 */
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contactDoc } from '../src/lib/doc';
import { contactDocId } from '../src/lib/domain/ids';
import { foldCalls } from '../src/lib/domain/calls';
import type { ContactId, EventEntry } from '../src/lib/domain/types';
import { ensureBuild } from '../scripts/ensure.mjs';
import { hashToken } from '../sync-server/src/channels/signature';
import { PocketsphinxTranscriber } from '../sync-server/src/calls/transcribe';
import { startServer } from '../sync-server/src/server';
import { Visitor } from '../sync-server/test/channels-helpers';
import { startTestServer } from '../sync-server/test/helpers/server';
import { SyncClient, login, waitFor } from '../sync-server/test/helpers/sync-client';
import { percentile, type Benchmark, type Figure } from './harness';

const AGENTS = 20;
const CHAT = 'ch-webchat';
const OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';

export const benchmarks: Benchmark[] = [
	{
		name: 'calls: ring latency to 20 agents',
		async run(ctx): Promise<Figure[]> {
			const calls = ctx.quick ? 10 : 60;
			const server = await startTestServer({
				seed: { contacts: 50, messagesPerContact: 2, seed: ctx.seed },
				loginLimits: { perAccount: { limit: 1000, windowMs: 60_000 }, perAddress: { limit: 1000, windowMs: 60_000 } }
			});
			const clients: SyncClient[] = [];
			const visitors: Visitor[] = [];
			try {
				const owner = (await login(server.url, 'owner@demo.test')).accessToken;
				const auth = { authorization: `Bearer ${owner}`, 'content-type': 'application/json' };
				for (let i = 0; i < AGENTS; i++) {
					const email = `bench-agent-${i}@demo.test`;
					const r = await fetch(`${server.url}/api/directory/users`, { method: 'POST', headers: auth, body: JSON.stringify({ name: `Agent ${i}`, email, role: 'agent', restriction: 'none', password: 'parley-demo' }) });
					if (r.status !== 201) throw new Error(`user ${i}: ${r.status}`);
					const c = new SyncClient({ url: server.url, token: (await login(server.url, email)).accessToken });
					await c.connect();
					clients.push(c);
				}
				// A visitor places at most 30 call frames a minute (rate limit): one caller per 10 calls.
				const callers: Array<{ v: Visitor; contactId: ContactId }> = [];
				for (let k = 0; k < Math.ceil(calls / 10); k++) {
					const caller = await Visitor.start(server.url, CHAT, `Bench caller ${k}`);
					visitors.push(caller);
					caller.send({ type: 'message', id: `bench-call-warm-${k}`, text: 'hello' });
					await caller.waitFrame((f) => f.type === 'ack');
					callers.push({ v: caller, contactId: (await server.store.getVisitorSession(hashToken(caller.token)))!.contactId as ContactId });
				}
				const docIds = callers.map((c) => contactDocId(c.contactId));
				await waitFor(() => clients.every((c) => docIds.every((d) => c.docs.has(d) && contactDoc(c.doc(d)).thread.entries().length > 0)), 60_000, 'contacts at every agent');

				// Each agent's replica: when does it hold call X ringing?
				const waiting = new Map<string, { n: number; done: () => void }>();
				for (const c of clients) {
					for (const { contactId } of callers) {
						const cd = contactDoc(c.doc(contactDocId(contactId)));
						cd.thread.observe((added) => {
							for (const id of added) {
								const e = cd.thread.get(id);
								if (e?.kind !== 'event') continue;
								const ringing = foldCalls(contactId, [e as EventEntry]).find((x) => x.status === 'ringing');
								const w = ringing ? waiting.get(ringing.id) : undefined;
								if (w && ++w.n === AGENTS) w.done();
							}
						});
					}
				}
				const latencies: number[] = [];
				for (let i = 0; i < calls; i++) {
					const { v } = callers[Math.floor(i / 10)]!;
					const callId = `bench-call-${i}-${Date.now()}`;
					const arrived = new Promise<void>((resolve, reject) => {
						const t = setTimeout(() => reject(new Error(`call ${i} did not ring at every agent`)), 30_000);
						waiting.set(callId, { n: 0, done: () => (clearTimeout(t), resolve()) });
					});
					const t0 = performance.now();
					v.send({ type: 'call_start', callId, sdp: OFFER });
					await arrived;
					latencies.push(performance.now() - t0);
					v.send({ type: 'call_hangup', callId });
					await v.waitFrame((f) => f.type === 'call_state' && f.callId === callId && f.status === 'missed');
				}
				return [
					{ figure: `ring latency, Call pressed -> ringing at all ${AGENTS} agents (p50, ${calls} calls)`, value: percentile(latencies, 50), unit: 'ms' },
					{ figure: `ring latency, Call pressed -> ringing at all ${AGENTS} agents (p95)`, value: percentile(latencies, 95), unit: 'ms' }
				];
			} finally {
				for (const v of visitors) v.close();
				for (const c of clients) c.close();
				await server.destroy();
			}
		}
	},
	{
		name: 'calls: answer to audio flowing (Chromium, WebRTC)',
		async run(ctx): Promise<Figure[]> {
			const rounds = ctx.quick ? 2 : 5;
			ensureBuild();
			const dir = mkdtempSync(join(tmpdir(), 'parley-bench-calls-'));
			const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir, staticDir: fileURLToPath(new URL('../build', import.meta.url)), seed: { contacts: 20, seed: ctx.seed }, channels: { allowPrivate: true }, log: () => undefined });
			const browser = await chromium.launch({
				executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
				args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required']
			});
			try {
				const agentCtx = await browser.newContext({ baseURL: server.url });
				await agentCtx.addInitScript(() => window.localStorage.setItem('parley.debug', '1'));
				const agent = await agentCtx.newPage();
				await agent.goto('/login');
				await agent.locator('#login-email').fill('owner@demo.test');
				await agent.locator('#login-password').fill('parley-demo');
				await agent.locator('form button[type="submit"]').click();
				await agent.waitForFunction(() => (window as unknown as { __parley?: { app: { inbox: { ready: boolean }; sync: { state: string } } } }).__parley?.app.inbox.ready === true, undefined, { timeout: 60_000 });
				const out: number[] = [];
				for (let i = 0; i < rounds; i++) {
					const custCtx = await browser.newContext({ baseURL: server.url });
					const cust = await custCtx.newPage();
					await cust.goto(`/chat/${CHAT}`);
					await cust.locator('#call').click();
					await cust.locator('#callbar[data-state="ringing"]').waitFor({ timeout: 30_000 });
					const ms = await agent.evaluate(async () => {
						type Calls = { ringing: Array<{ contactId: string; call: { id: string } }>; answer(c: string, id: string): Promise<boolean>; active: { pc: RTCPeerConnection | null } | null };
						const calls = (window as unknown as { __parley: { app: { calls: Calls } } }).__parley.app.calls;
						const until = Date.now() + 30_000;
						while (calls.ringing.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
						const item = calls.ringing[0]!;
						const t0 = performance.now();
						const ok = await calls.answer(item.contactId, item.call.id);
						if (!ok) return NaN;
						for (;;) {
							const pc = calls.active?.pc;
							if (!pc || performance.now() - t0 > 30_000) return NaN;
							const stats = await pc.getStats();
							let bytes = 0;
							stats.forEach((s: { type: string; kind?: string; bytesReceived?: number }) => {
								if (s.type === 'inbound-rtp' && s.kind === 'audio') bytes += s.bytesReceived ?? 0;
							});
							if (bytes > 0) return performance.now() - t0;
							await new Promise((r) => setTimeout(r, 5));
						}
					});
					if (Number.isFinite(ms)) out.push(ms);
					await agent.evaluate(() => (window as unknown as { __parley: { app: { calls: { hangUp(): Promise<void> } } } }).__parley.app.calls.hangUp());
					await custCtx.close();
				}
				ctx.log(`answer -> audio: ${out.map((x) => x.toFixed(0)).join(', ')} ms`);
				return [{ figure: `answer -> first audio bytes from the caller (median of ${out.length})`, value: percentile(out, 50), unit: 'ms' }];
			} finally {
				await browser.close();
				await server.close();
				rmSync(dir, { recursive: true, force: true });
			}
		}
	},
	{
		name: 'calls: transcription real-time factor (pocketsphinx)',
		async run(ctx): Promise<Figure[]> {
			const dir = mkdtempSync(join(tmpdir(), 'parley-bench-stt-'));
			try {
				const wav = join(dir, 'speech.wav');
				const repeat = ctx.quick ? 2 : 8;
				const text = Array.from({ length: repeat }, () => 'Hello, I am calling about my order. It was supposed to arrive tomorrow morning. Please call me back. Thank you.').join(' ');
				execFileSync('espeak-ng', ['-v', 'en-us', '-s', '140', '-w', wav, text]);
				const seconds = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', wav]).toString().trim());
				const engine = new PocketsphinxTranscriber();
				const audio = readFileSync(wav);
				const t0 = performance.now();
				await engine.transcribe(audio);
				const took = (performance.now() - t0) / 1000;
				return [
					{ figure: `transcription real-time factor, ffmpeg + pocketsphinx (${seconds.toFixed(0)} s of speech)`, value: took / seconds, unit: 'x', target: '< 1' }
				];
			} finally {
				rmSync(dir, { recursive: true, force: true });
			}
		}
	}
];
