/**
 * Speech to text of call recordings, on the server with no cloud by default:
 * `ffmpeg` decodes the recording (webm/opus, ogg, wav...) to 16 kHz mono 16-bit WAV, and Debian's
 * `pocketsphinx_continuous` with its en-us model (package `pocketsphinx-en-us`) transcribes it.
 * When `TRANSCRIBE_URL` names an OpenAI-compatible `/audio/transcriptions` endpoint, that is used
 * instead (multipart upload; `TRANSCRIBE_API_KEY`, `TRANSCRIBE_MODEL`, default `whisper-1`).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Transcriber {
	readonly name: string;
	transcribe(audio: Buffer, mime: string): Promise<string>;
}

export const POCKETSPHINX_MODEL = '/usr/share/pocketsphinx/model/en-us';

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
		child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
		const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.on('error', (err) => {
			clearTimeout(t);
			reject(err);
		});
		child.on('close', (code) => {
			clearTimeout(t);
			resolve({ code, stdout, stderr });
		});
	});
}

/** Decodes any audio ffmpeg reads into 16 kHz mono s16 WAV at `out`. */
export async function toWav16k(input: string, out: string): Promise<void> {
	const r = await run('ffmpeg', ['-loglevel', 'error', '-y', '-i', input, '-ar', '16000', '-ac', '1', '-c:a', 'pcm_s16le', '-f', 'wav', out], 120_000);
	if (r.code !== 0) throw new Error(`ffmpeg failed: ${r.stderr.trim().slice(0, 300)}`);
}

export class PocketsphinxTranscriber implements Transcriber {
	readonly name = 'pocketsphinx';
	constructor(private readonly model = POCKETSPHINX_MODEL) {}

	async transcribe(audio: Buffer): Promise<string> {
		const dir = await mkdtemp(join(tmpdir(), 'parley-stt-'));
		try {
			const input = join(dir, 'in.bin');
			const wav = join(dir, 'in.wav');
			await writeFile(input, audio);
			await toWav16k(input, wav);
			return await this.transcribeWav(wav);
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	}

	/** A 16 kHz mono WAV file to text (one line per utterance, joined by spaces). */
	async transcribeWav(wav: string): Promise<string> {
		const m = this.model;
		const r = await run('pocketsphinx_continuous', ['-hmm', join(m, 'en-us'), '-lm', join(m, 'en-us.lm.bin'), '-dict', join(m, 'cmudict-en-us.dict'), '-remove_noise', 'no', '-infile', wav, '-logfn', '/dev/null'], 600_000);
		if (r.code !== 0) throw new Error(`pocketsphinx failed (${String(r.code)}): ${r.stderr.trim().slice(0, 300)}`);
		return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
	}
}

/** An OpenAI-compatible `POST <url>` (…/audio/transcriptions) speech-to-text endpoint. */
export class HttpTranscriber implements Transcriber {
	readonly name = 'http';
	constructor(
		private readonly url: string,
		private readonly apiKey: string | undefined,
		private readonly model = 'whisper-1'
	) {}

	async transcribe(audio: Buffer, mime: string): Promise<string> {
		const form = new FormData();
		form.append('model', this.model);
		form.append('file', new Blob([new Uint8Array(audio)], { type: mime }), mime.includes('ogg') ? 'call.ogg' : mime.includes('wav') ? 'call.wav' : 'call.webm');
		const res = await fetch(this.url, { method: 'POST', body: form, headers: this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}, signal: AbortSignal.timeout(300_000) });
		if (!res.ok) throw new Error(`transcription endpoint answered ${res.status}`);
		const body = (await res.json()) as { text?: unknown };
		return typeof body.text === 'string' ? body.text : '';
	}
}

/** The transcriber the environment asks for. */
export function transcriberFromEnv(env: NodeJS.ProcessEnv): Transcriber {
	if (env.TRANSCRIBE_URL) return new HttpTranscriber(env.TRANSCRIBE_URL, env.TRANSCRIBE_API_KEY, env.TRANSCRIBE_MODEL || undefined);
	return new PocketsphinxTranscriber(env.POCKETSPHINX_MODEL || undefined);
}
