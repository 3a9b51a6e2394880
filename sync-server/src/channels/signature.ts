/**
 * Request signing of the webhook channel, both ways: `X-Parley-Signature: sha256=<hex>` where
 * hex is HMAC-SHA256 of the raw body bytes under the channel's secret. Verification compares in
 * constant time and accepts nothing but that exact shape, so a body re-serialized by a proxy or
 * a signature of another scheme is refused rather than guessed at.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-parley-signature';

export function sign(secret: string, body: Uint8Array | string): string {
	return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function verify(secret: string, body: Uint8Array, header: string | string[] | undefined): boolean {
	if (typeof header !== 'string') return false;
	const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
	if (!m) return false;
	const expected = createHmac('sha256', secret).update(body).digest();
	return timingSafeEqual(expected, Buffer.from(m[1]!, 'hex'));
}

/** A fresh random secret or token (256 bits, URL-safe). */
export function randomSecret(): string {
	return randomBytes(32).toString('base64url');
}

/** The stored form of a bearer token: tokens are never kept in clear. */
export function hashToken(token: string): string {
	return createHash('sha256').update(token).digest('base64url');
}
