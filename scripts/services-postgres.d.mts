// Types of `services-postgres.mjs` for the TypeScript that imports it (tests, bench).
export function start(): Promise<{ env: { PARLEY_PG_URL: string }; stop(): Promise<void> }>;
