// Types of `services-redis.mjs` for the TypeScript that imports it (tests, bench).
export function startRedis(port?: number): Promise<{ port: number; url: string; stop(): Promise<void> }>;
export function start(): Promise<{ env: { PARLEY_REDIS_URL: string }; stop(): Promise<void> }>;
