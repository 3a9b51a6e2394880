/**
 * Machine translation with Debian's Apertium engine (SPEC S5.3, S6.4), the built-in provider's
 * translator: nothing leaves the machine and no model is downloaded.
 *
 * The language pairs are the installed modes (`/usr/share/apertium/modes/<from>-<to>.mode`,
 * packages apertium-en-es, apertium-fr-es, apertium-en-ca ...). A pair without a direct mode goes
 * through a pivot found by breadth-first search (English<->French goes through Spanish), and
 * the result says so (`via`), for the UI to tell. Each step is one `apertium -u <mode>` process
 * fed on stdin, killed past its deadline. Results are cached (LRU) by pair and text, so a
 * translated thread costs the engine once.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import type { Lang } from '../../../src/lib/domain/ai';
import { failed, type AiResult } from './provider';

export const APERTIUM_MODES_DIR = '/usr/share/apertium/modes';
/** Debian packages of the pairs the built-in translator uses (`scripts/ensure.mjs` installs them). */
export const APERTIUM_PACKAGES = ['apertium', 'apertium-en-es', 'apertium-fr-es', 'apertium-en-ca'];

const CODE: Record<string, Lang> = { eng: 'en', en: 'en', spa: 'es', es: 'es', fr: 'fr', fra: 'fr', cat: 'ca', ca: 'ca' };

export interface ApertiumOptions {
	modesDir: string;
	/** Per step (one process). */
	timeoutMs: number;
	cacheEntries: number;
	/** The command (tests may point at a missing one). */
	command: string;
}

export const APERTIUM_DEFAULTS: ApertiumOptions = { modesDir: APERTIUM_MODES_DIR, timeoutMs: 15_000, cacheEntries: 5000, command: 'apertium' };

type Edge = { from: Lang; to: Lang; mode: string };

export class Apertium {
	readonly #opts: ApertiumOptions;
	readonly #edges: Edge[];
	readonly #cache = new Map<string, string>();
	/** Calls to the engine (processes run), for tests and figures. */
	runs = 0;

	constructor(opts: Partial<ApertiumOptions> = {}) {
		this.#opts = { ...APERTIUM_DEFAULTS, ...opts };
		this.#edges = readModes(this.#opts.modesDir);
	}

	get available(): boolean {
		return this.#edges.length > 0;
	}

	/** The modes to chain from `from` to `to` (shortest), or null. */
	route(from: Lang, to: Lang): Edge[] | null {
		if (from === to) return [];
		const prev = new Map<Lang, Edge>();
		const queue: Lang[] = [from];
		const seen = new Set<Lang>([from]);
		while (queue.length > 0) {
			const at = queue.shift()!;
			for (const e of this.#edges) {
				if (e.from !== at || seen.has(e.to)) continue;
				seen.add(e.to);
				prev.set(e.to, e);
				if (e.to === to) {
					const path: Edge[] = [];
					for (let l: Lang = to; l !== from; ) {
						const step = prev.get(l)!;
						path.unshift(step);
						l = step.from;
					}
					return path;
				}
				queue.push(e.to);
			}
		}
		return null;
	}

	/** Every pair reachable, with its pivots. */
	pairs(): Array<{ from: Lang; to: Lang; via: Lang[] }> {
		const langs = [...new Set(this.#edges.flatMap((e) => [e.from, e.to]))].sort();
		const out: Array<{ from: Lang; to: Lang; via: Lang[] }> = [];
		for (const from of langs)
			for (const to of langs) {
				if (from === to) continue;
				const r = this.route(from, to);
				if (r) out.push({ from, to, via: r.slice(0, -1).map((e) => e.to) });
			}
		return out;
	}

	async translate(text: string, from: Lang, to: Lang): Promise<AiResult<{ text: string; via: Lang[] }>> {
		const route = this.route(from, to);
		if (!route) {
			return failed(this.available ? `No Apertium language pair leads from ${from} to ${to}.` : 'Apertium is not installed on the server (Debian packages: ' + APERTIUM_PACKAGES.join(', ') + ').');
		}
		const key = `${from}>${to}\n${text}`;
		const hit = this.#cache.get(key);
		const via = route.slice(0, -1).map((e) => e.to);
		if (hit !== undefined) {
			// Refresh its place in the LRU order.
			this.#cache.delete(key);
			this.#cache.set(key, hit);
			return { ok: true, value: { text: hit, via } };
		}
		let current = text;
		for (const step of route) {
			const r = await this.#run(step.mode, current);
			if (!r.ok) return r;
			current = r.value;
		}
		this.#cache.set(key, current);
		if (this.#cache.size > this.#opts.cacheEntries) this.#cache.delete(this.#cache.keys().next().value!);
		return { ok: true, value: { text: current, via } };
	}

	#run(mode: string, input: string): Promise<AiResult<string>> {
		this.runs++;
		return new Promise((resolve) => {
			let out = '';
			let err = '';
			let settled = false;
			const done = (r: AiResult<string>) => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				resolve(r);
			};
			// apertium reads `/dev/stdin` by name, which fails on the socket Node gives as stdin:
			// `cat` turns it into a pipe. Its own process group, so a timeout kills the whole chain.
			const child = spawn('sh', ['-c', 'cat | "$0" -u "$1"', this.#opts.command, mode], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
			const timer = setTimeout(() => {
				try {
					if (child.pid) process.kill(-child.pid, 'SIGKILL');
				} catch {
					child.kill('SIGKILL');
				}
				done({ ok: false, code: 'timeout', message: `Apertium did not answer within ${this.#opts.timeoutMs} ms.` });
			}, this.#opts.timeoutMs);
			child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
			child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d.slice(0, 2000)));
			child.on('error', (e) => done(failed(`Apertium could not start: ${e.message}`)));
			child.on('close', (code) => {
				if (code === 0) done({ ok: true, value: clean(out, input) });
				else done(failed(`Apertium failed (${mode}, exit ${code}): ${err.trim().slice(0, 200)}`));
			});
			child.stdin.on('error', () => {});
			child.stdin.end(input);
		});
	}
}

/** Drops Apertium's marks (`#` generation gaps, `@` untranslated) and keeps the input's trailing newline state. */
function clean(out: string, input: string): string {
	const text = out.replace(/[#@](?=[\p{L}\p{N}])/gu, '').replace(/[ \t]{2,}/g, ' ');
	return input.endsWith('\n') ? text : text.replace(/\n+$/, '');
}

function readModes(dir: string): Edge[] {
	if (!existsSync(dir)) return [];
	const edges: Edge[] = [];
	for (const f of readdirSync(dir).sort()) {
		const m = /^([a-z]+)-([a-z]+)\.mode$/.exec(f);
		if (!m) continue;
		const from = CODE[m[1]!];
		const to = CODE[m[2]!];
		if (!from || !to || from === to) continue;
		// One mode per pair: the first found in a stable (sorted) order.
		if (!edges.some((e) => e.from === from && e.to === to)) edges.push({ from, to, mode: `${m[1]}-${m[2]}` });
	}
	return edges.sort((a, b) => a.mode.localeCompare(b.mode));
}
