import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** The client is a single-page app: the sync server serves `build/` and falls back to index.html. */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// precompress: .br and .gz beside each text asset, served by sync-server/src/http/static.ts.
		adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: false, precompress: true }),
		serviceWorker: { register: false }
	}
};

export default config;
