/**
 * One AppState per app, passed by Svelte context (no module-level singleton): the root layout
 * calls `setAppState(createAppState())` and `start()`; components call `getAppState()`.
 * `exposeForTests` puts the app on `window.__parley` (dev builds, or when localStorage has
 * `parley.debug` = `1`), the hook the end-to-end tests and the bench drive and inspect.
 */
import { dev } from '$app/environment';
import { getContext, setContext } from 'svelte';
import { App, type AppOptions } from './app.svelte';
import type { AppState } from './api';

const KEY = Symbol('parley.app');

/**
 * Creates the app (call once, in the root layout). In the browser it also marks
 * `parley:app-start` (the bench measures the cold start from it) and registers the service
 * worker of the offline app shell (not in dev, where Vite serves modules).
 */
export function createAppState(opts: AppOptions = {}): App {
	if (typeof window !== 'undefined') {
		performance.mark('parley:app-start');
		registerServiceWorker(dev);
	}
	return new App(opts);
}

export function setAppState(app: AppState): void {
	setContext(KEY, app);
}

export function getAppState(): AppState {
	const app = getContext<AppState | undefined>(KEY);
	if (!app) throw new Error('getAppState() outside the app: the root layout must call setAppState()');
	return app;
}

/** What `window.__parley` holds. */
export interface ParleyDebug {
	app: App;
	/** Documents that ran sync step 1/2 in the last catch-up, and how many WELCOME listed. */
	lastCatchUp(): { changed: number; synced: number; revoked: number; full: boolean } | null;
	docsLoaded(): number;
}

export function exposeForTests(app: App, dev: boolean): void {
	if (typeof window === 'undefined') return;
	let enabled = dev;
	try {
		enabled ||= window.localStorage.getItem('parley.debug') === '1';
	} catch {
		/* storage blocked */
	}
	if (!enabled) return;
	const debug: ParleyDebug = {
		app,
		lastCatchUp: () => app.replica?.lastCatchUp ?? null,
		docsLoaded: () => app.replica?.registry.loads ?? 0
	};
	(window as unknown as { __parley: ParleyDebug }).__parley = debug;
}

/** Registers the offline app shell (`src/service-worker.ts`); not in dev, where Vite serves modules. */
export function registerServiceWorker(dev: boolean): void {
	if (dev || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
	navigator.serviceWorker.register('/service-worker.js').catch(() => undefined);
}
