// Types of `services-dovecot.mjs` for the TypeScript that imports it (tests).
export const IMAP_PASSWORD: string;
export function startDovecot(port?: number): Promise<{ port: number; url: string; stop(): Promise<void> }>;
export function start(): Promise<{ env: { PARLEY_IMAP_URL: string }; stop(): Promise<void> }>;
