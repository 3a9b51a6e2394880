/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/// <reference types="@sveltejs/kit" />
/**
 * The offline app shell. Install caches the built app (`build`: the hashed JS/CSS, `files`: the
 * static folder) and the SPA's index.html under one cache named for this build `version`;
 * activate deletes the caches of older builds. Navigations go to the network first (a fresh
 * index.html when online) and fall back to the cached index.html, so a reload without network
 * opens the app, which then reads everything from IndexedDB. Built assets are served from the
 * cache (their names are content hashes). API calls and the WebSocket are never cached.
 */
import { build, files, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `parley-shell-${version}`;
const INDEX = '/index.html';
const ASSETS = new Set([...build, ...files]);

sw.addEventListener('install', (event) => {
	event.waitUntil(
		(async () => {
			const cache = await caches.open(CACHE);
			await cache.addAll([...ASSETS, INDEX]);
			await sw.skipWaiting();
		})()
	);
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		(async () => {
			for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
			await sw.clients.claim();
		})()
	);
});

sw.addEventListener('fetch', (event) => {
	const req = event.request;
	if (req.method !== 'GET') return;
	const url = new URL(req.url);
	if (url.origin !== sw.location.origin) return;
	if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/sync') || url.pathname.startsWith('/yjs/')) return;

	if (req.mode === 'navigate') {
		event.respondWith(
			(async () => {
				try {
					const res = await fetch(req);
					if (res.ok) {
						const cache = await caches.open(CACHE);
						await cache.put(INDEX, res.clone());
					}
					return res;
				} catch {
					const cached = await caches.match(INDEX);
					return cached ?? new Response('Offline', { status: 503, headers: { 'content-type': 'text/plain' } });
				}
			})()
		);
		return;
	}

	if (ASSETS.has(url.pathname)) {
		event.respondWith(
			(async () => {
				const cached = await caches.match(url.pathname);
				if (cached) return cached;
				const res = await fetch(req);
				if (res.ok) (await caches.open(CACHE)).put(url.pathname, res.clone()).catch(() => undefined);
				return res;
			})()
		);
	}
});
