/**
 * The one way the server POSTs to a channel's configured URL, with the SSRF guard built in.
 *
 * A workspace manager chooses the URL, so it must not reach the server's own network: loopback,
 * private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast and
 * unspecified addresses are refused, for IPv4, IPv6 and IPv4-mapped IPv6 alike. The check runs
 * on the addresses the connection actually uses (a `lookup` hook on the request, and the literal
 * address when the host is one), so a name that resolves to a public address at check time and
 * a private one at connect time (DNS rebinding) is still refused. Tests and local setups opt in
 * to private addresses with `allowPrivate` (`ALLOW_LOOPBACK_CHANNELS=1`).
 *
 * Redirects are not followed (a 3xx is a failed delivery): following one would be a second,
 * unchecked request. Link previews (`http/link-preview.ts`) send their requests through
 * `guardedRequest` too, and follow redirects by hand, checking each hop.
 */
import { lookup as dnsLookup, promises as dnsPromises, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const blocked = new BlockList();
for (const [net, bits] of [
	['0.0.0.0', 8],
	['10.0.0.0', 8],
	['100.64.0.0', 10],
	['127.0.0.0', 8],
	['169.254.0.0', 16],
	['172.16.0.0', 12],
	['192.0.0.0', 24],
	['192.168.0.0', 16],
	['198.18.0.0', 15],
	['224.0.0.0', 4],
	['240.0.0.0', 4]
] as const) {
	blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
	['::', 128],
	['::1', 128],
	['fc00::', 7],
	['fe80::', 10],
	['ff00::', 8],
	['64:ff9b::', 96]
] as const) {
	blocked.addSubnet(net, bits, 'ipv6');
}

/** Whether an IP address is one outbound channel requests may not reach. */
export function isPrivateAddress(ip: string): boolean {
	const family = isIP(ip);
	if (family === 4) return blocked.check(ip, 'ipv4');
	if (family !== 6) return true;
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
	if (mapped) return blocked.check(mapped[1]!, 'ipv4');
	return blocked.check(ip, 'ipv6');
}

export class RefusedAddressError extends Error {
	readonly code = 'refused_address';
}

/** A `lookup` for http(s).request that refuses names resolving to private addresses (also used by link previews). */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
	return (hostname, options, callback) => {
		dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
			if (err) return callback(err, '', 0);
			const list = addresses;
			const bad = list.find((a) => isPrivateAddress(a.address));
			if (!allowPrivate && bad) {
				return callback(new RefusedAddressError(`${hostname} resolves to a private address (${bad.address})`), '', 0);
			}
			if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
			const first = list[0];
			if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
			callback(null, first.address, first.family);
		});
	};
}

/**
 * The address to connect to for a host name (or literal) of a non-HTTP target (the email
 * channels' SMTP and IMAP servers), refused when it is or resolves to a private address: the
 * caller connects to that address (the name kept for TLS), so the name cannot resolve elsewhere
 * between this check and the connection. A name that does not resolve is a network failure
 * (worth a retry), not a refusal.
 */
export async function resolveGuarded(
	host: string,
	allowPrivate: boolean
): Promise<{ ok: true; address: string } | { ok: false; kind: 'refused' | 'network'; message: string }> {
	const refused = (why: string) => ({ ok: false as const, kind: 'refused' as const, message: `Refused: ${host} ${why}.` });
	if (isIP(host)) return !allowPrivate && isPrivateAddress(host) ? refused('is a private address') : { ok: true, address: host };
	let list: LookupAddress[];
	try {
		list = await dnsPromises.lookup(host, { all: true });
	} catch (err) {
		return { ok: false, kind: 'network', message: `${host} does not resolve (${err instanceof Error ? err.message : String(err)}).` };
	}
	const bad = list.find((a) => isPrivateAddress(a.address));
	if (!allowPrivate && bad) return refused(`resolves to a private address (${bad.address})`);
	const first = list[0];
	return first ? { ok: true, address: first.address } : { ok: false, kind: 'network', message: `${host} has no address.` };
}

export type PostResult =
	| { ok: true; status: number; text: string }
	| { ok: false; kind: 'refused' | 'network' | 'timeout' | 'bad_url'; message: string };

export interface PostOptions {
	allowPrivate: boolean;
	timeoutMs: number;
	/** Bytes of the answer kept (an error text, not a download). */
	maxResponseBytes?: number;
}

/** The URL, or why no request may go there (checks what can be known before resolving names). */
export function checkTarget(url: string, allowPrivate: boolean): { ok: true; url: URL } | (PostResult & { ok: false }) {
	let target: URL;
	try {
		target = new URL(url);
	} catch {
		return { ok: false, kind: 'bad_url', message: 'The channel URL is not a valid URL.' };
	}
	if (target.protocol !== 'http:' && target.protocol !== 'https:') {
		return { ok: false, kind: 'bad_url', message: 'The channel URL must be http or https.' };
	}
	const host = target.hostname.replace(/^\[|\]$/g, '');
	if (isIP(host) && !allowPrivate && isPrivateAddress(host)) {
		return { ok: false, kind: 'refused', message: `Refused: ${host} is a private address.` };
	}
	return { ok: true, url: target };
}

/** Why a guarded request got no answer. */
export type RequestFailure = { ok: false; kind: 'refused' | 'network' | 'timeout'; message: string };

export interface GuardedRequest {
	method: 'GET' | 'POST';
	headers: Record<string, string>;
	body?: string;
	allowPrivate: boolean;
	/** Until the answer's headers arrive. */
	timeoutMs: number;
}

/**
 * Sends one request to `target` (already checked by `checkTarget`) through the guarded lookup,
 * with its own agent (no pooled socket bypasses the check); resolves once, with the answer when
 * its headers arrive, else why not. Redirects are the caller's business. Never throws.
 */
export function guardedRequest(target: URL, init: GuardedRequest): Promise<{ ok: true; res: IncomingMessage } | RequestFailure> {
	if (init.timeoutMs <= 0) return Promise.resolve({ ok: false, kind: 'timeout', message: 'No answer in time.' });
	const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
	return new Promise((resolve) => {
		let settled = false;
		const done = (r: { ok: true; res: IncomingMessage } | RequestFailure) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			resolve(r);
		};
		const req = request(target, { method: init.method, headers: init.headers, lookup: guardedLookup(init.allowPrivate), agent: false }, (res) => done({ ok: true, res }));
		const timer = setTimeout(() => {
			req.destroy();
			done({ ok: false, kind: 'timeout', message: `No answer within ${init.timeoutMs} ms.` });
		}, init.timeoutMs);
		req.on('error', (err) =>
			done(
				err instanceof RefusedAddressError
					? { ok: false, kind: 'refused', message: `Refused: ${err.message}.` }
					: { ok: false, kind: 'network', message: err.message || 'The request failed.' }
			)
		);
		req.end(init.body);
	});
}

/**
 * At most `max` bytes of an answer's body as text (a longer body is cut, not an error; the rest is
 * not read); null past `deadline` (ms since the epoch), or when the body fails and `failOnError`.
 */
export function readCapped(res: IncomingMessage, max: number, deadline: number, failOnError = false): Promise<string | null> {
	return new Promise((resolve) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let settled = false;
		const finish = (v: string | null) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			res.destroy();
			resolve(v);
		};
		const text = () => Buffer.concat(chunks).toString('utf8');
		const timer = setTimeout(() => finish(null), Math.max(0, deadline - Date.now()));
		res.on('data', (c: Buffer) => {
			const room = max - size;
			chunks.push(room < c.length ? c.subarray(0, room) : c);
			size += Math.min(room, c.length);
			if (size >= max) finish(text());
		});
		res.on('end', () => finish(text()));
		res.on('error', () => finish(failOnError ? null : text()));
	});
}

/**
 * The demo workspace's webhook receiver (issue 20): its channel points here, a name under the
 * reserved `.invalid` domain (RFC 2606) that can never resolve, so the server answers for it
 * itself, no network involved: a signed request is acknowledged like a receiver that accepts
 * everything. The demo's replies over the webhook channel are then `sent` on a fresh start
 * instead of failing against an address where nothing listens.
 */
export const DEMO_RECEIVER_URL = 'https://receiver.demo.parley.invalid/hook';

/** POSTs `body` to `url` with `headers`; never throws. */
export async function postJson(url: string, body: string, headers: Record<string, string>, opts: PostOptions): Promise<PostResult> {
	if (url === DEMO_RECEIVER_URL) {
		const signed = typeof headers['x-parley-signature'] === 'string' && headers['x-parley-signature'].startsWith('sha256=');
		return signed ? { ok: true, status: 200, text: '{"ok":true,"receiver":"parley-demo"}' } : { ok: true, status: 401, text: '{"error":"unsigned"}' };
	}
	const checked = checkTarget(url, opts.allowPrivate);
	if (!checked.ok) return checked;
	const deadline = Date.now() + opts.timeoutMs;
	const got = await guardedRequest(checked.url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
		body,
		allowPrivate: opts.allowPrivate,
		timeoutMs: opts.timeoutMs
	});
	if (!got.ok) return got;
	const text = await readCapped(got.res, opts.maxResponseBytes ?? 4096, deadline, true);
	if (text === null) return Date.now() >= deadline ? { ok: false, kind: 'timeout', message: `No answer within ${opts.timeoutMs} ms.` } : { ok: false, kind: 'network', message: 'The answer was cut off.' };
	return { ok: true, status: got.res.statusCode ?? 0, text };
}
