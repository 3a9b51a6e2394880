/** Runs `sync-server/src/main.ts` as a child process and reads its URL from stdout. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ChildServer {
	url: string;
	process: ChildProcess;
	/** Resolves with the exit code or signal. */
	exited: Promise<number | NodeJS.Signals | null>;
	/** Everything the process wrote to stderr so far. */
	stderr(): string;
}

/** Whether the child server has neither exited nor been killed. */
export function isRunning(child: ChildServer): boolean {
	return child.process.exitCode === null && child.process.signalCode === null;
}

/** Kills the child server with SIGKILL if it still runs, and waits for it to be gone. */
export async function killChild(child: ChildServer | undefined): Promise<void> {
	if (!child) return;
	if (isRunning(child)) child.process.kill('SIGKILL');
	await child.exited;
}

export function spawnServer(env: Record<string, string>, timeoutMs = 60_000): Promise<ChildServer> {
	const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/src/main.ts'], {
		cwd: ROOT,
		env: { ...process.env, HOST: '127.0.0.1', PORT: '0', STATIC_DIR: '/nonexistent', PARLEY_DEMO_WORKFLOWS: '0', ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
	let stderr = '';
	child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
	return new Promise((resolve, reject) => {
		let out = '';
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`server did not start in ${timeoutMs} ms\n${stderr}`));
		}, timeoutMs);
		child.stdout!.on('data', (d: Buffer) => {
			out += d.toString();
			const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
			if (m) {
				clearTimeout(timer);
				resolve({ url: m[1]!, process: child, exited, stderr: () => stderr });
			}
		});
		void exited.then((code) => {
			clearTimeout(timer);
			reject(new Error(`server exited (${String(code)}) before listening\n${stderr}`));
		});
	});
}
