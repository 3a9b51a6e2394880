import { defineConfig } from '@playwright/test';

/** End-to-end tests drive Debian's Chromium (Playwright cannot download browsers here). */
export default defineConfig({
	testDir: 'tests/e2e',
	timeout: 90_000,
	expect: { timeout: 10_000 },
	fullyParallel: false,
	workers: 1,
	retries: 0,
	outputDir: 'test-results',
	use: {
		headless: true,
		viewport: { width: 1440, height: 900 },
		launchOptions: {
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
				'--disable-dev-shm-usage'
			]
		},
		trace: 'off',
		screenshot: 'only-on-failure'
	}
});
