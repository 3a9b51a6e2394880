/**
 * Password hashing with scrypt (node:crypto), a memory-hard function: N = 2^15, r = 8, p = 1
 * takes 32 MiB and tens of milliseconds per hash, which makes offline guessing costly on GPUs.
 * The stored form carries its parameters (`scrypt$N$r$p$salt$hash`, base64url), so they can be
 * raised later without invalidating existing hashes. Comparison is timing-safe.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const DEFAULT = { N: 1 << 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
	const opts: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
	return new Promise((resolve, reject) =>
		scrypt(password.normalize('NFKC'), salt, KEY_BYTES, opts, (err, key) => (err ? reject(err) : resolve(key)))
	);
}

export async function hashPassword(password: string): Promise<string> {
	const salt = randomBytes(SALT_BYTES);
	const key = await derive(password, salt, DEFAULT.N, DEFAULT.r, DEFAULT.p);
	return ['scrypt', DEFAULT.N, DEFAULT.r, DEFAULT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** False for a wrong password and for a hash this module did not write. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
	const parts = stored.split('$');
	if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
	const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
	if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > 1 << 20 || r > 32 || p > 16) return false;
	const salt = Buffer.from(parts[4]!, 'base64url');
	const expected = Buffer.from(parts[5]!, 'base64url');
	if (expected.length !== KEY_BYTES) return false;
	const key = await derive(password, salt, N, r, p);
	return timingSafeEqual(key, expected);
}

/** A hash no password matches, compared against when the account does not exist (same timing). */
export const DUMMY_HASH = `scrypt$${DEFAULT.N}$${DEFAULT.r}$${DEFAULT.p}$${Buffer.alloc(SALT_BYTES).toString('base64url')}$${Buffer.alloc(KEY_BYTES).toString('base64url')}`;
