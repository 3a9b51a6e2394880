import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	server: { proxy: { '/api': 'http://127.0.0.1:8787', '/sync': { target: 'ws://127.0.0.1:8787', ws: true } } },
	worker: { format: 'es' },
	test: {
		include: ['src/**/*.test.ts', 'sync-server/**/*.test.ts', 'bench/**/*.test.ts'],
		environment: 'node',
		testTimeout: 60_000,
		hookTimeout: 60_000,
		pool: 'forks',
		setupFiles: ['sync-server/test/helpers/temp-cleanup.ts']
	}
});
