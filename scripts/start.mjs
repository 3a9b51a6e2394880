/**
 * `npm start`: install what is missing, build the client when stale, then run the sync server,
 * which serves the app, seeds the demo workspace on first start and prints the URL and logins.
 */
import { spawn } from 'node:child_process';
import { ensureApertium, ensureBuild, ensureDependencies, ensureSpeech, root } from './ensure.mjs';

ensureDependencies();
ensureBuild();
// Call transcripts on the server (SPEC S2) need ffmpeg and pocketsphinx, unless they are off
// (CALL_TRANSCRIPTS=off) or an OpenAI-compatible endpoint does it (TRANSCRIBE_URL).
if (!/^(0|off|false)$/i.test(process.env.CALL_TRANSCRIPTS ?? '') && !process.env.TRANSCRIBE_URL) {
	try {
		ensureSpeech();
	} catch (err) {
		console.warn(`[parley] call transcripts are unavailable: ${err instanceof Error ? err.message : String(err)}`);
	}
}

// AI assist's built-in translation (issue 24) runs Debian's Apertium and its language pairs; the
// server itself runs unprivileged and only reports what is missing.
try {
	ensureApertium();
} catch (err) {
	console.warn(`[parley] built-in translation is unavailable: ${err instanceof Error ? err.message : String(err)}`);
}

const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/src/main.ts'], {
	cwd: root,
	stdio: 'inherit',
	env: { ...process.env, STATIC_DIR: process.env.STATIC_DIR ?? 'build' }
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
