// The app is a local-first single-page app: everything renders from IndexedDB in the browser.
export const ssr = false;
export const prerender = false;
