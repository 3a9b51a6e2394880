// Types of `ensure.mjs` for the TypeScript that imports it (bench/).
export const root: string;
export function ensureDependencies(): void;
export function ensureBuild(opts?: { force?: boolean }): void;
export function ensureChromium(): void;
export function has(cmd: string): boolean;
export const APERTIUM_PACKAGES: string[];
export function ensureApertium(): void;
export function ensureSpeech(opts?: { forTests?: boolean }): void;
export function ensureTestPackages(): void;
