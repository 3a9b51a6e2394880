/**
 * `GET /api/openapi.json` describes exactly the routes the server registers: the router's own
 * table (`routeTableOf`) is compared with the description, both ways. A failure names each route
 * as `METHOD /path` so it can be added to (or removed from) `sync-server/src/http/openapi.ts`;
 * every described route must also be in the table of docs/api.md.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTableOf, type RouteInfo } from '../src/http';
import { OPENAPI } from '../src/http/openapi';
import { startTestServer, type TestServer } from './helpers/server';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

type Operation = { method: string; template: string };

function documented(doc: typeof OPENAPI): Operation[] {
	const out: Operation[] = [];
	const paths = doc.paths as Record<string, Record<string, unknown>>;
	for (const [template, item] of Object.entries(paths)) {
		for (const m of METHODS) if (item[m]) out.push({ method: m.toUpperCase(), template });
	}
	return out;
}

/** A concrete path for a template: every `{param}` becomes a value any id pattern accepts. */
const sample = (template: string) => template.replace(/\{[^}]+\}/g, 'sample-1');

/** The router's pattern as a readable template, for failure messages. */
const readable = (re: RegExp) =>
	re.source
		.replace(/^\^/, '')
		.replace(/\$$/, '')
		.replace(/\((?:[^()]|\([^()]*\))*\)/g, '{param}')
		.replace(/\\(.)/g, '$1');

const show = (r: RouteInfo) => `${r.method} ${readable(r.path)}  (router pattern ${r.path.source})`;

describe('OpenAPI description', () => {
	let server: TestServer;
	let table: RouteInfo[];
	beforeAll(async () => {
		server = await startTestServer({ seed: { contacts: 2 } });
		table = routeTableOf(server.http);
	});
	afterAll(() => server?.destroy());

	it('documents every route the server registers', () => {
		const ops = documented(OPENAPI);
		const missing = table.filter((r) => !ops.some((o) => o.method === r.method && r.path.test(sample(o.template))));
		expect(missing.map(show), 'routes served but missing from sync-server/src/http/openapi.ts').toEqual([]);
	});

	it('documents no route the server does not register', () => {
		const absent = documented(OPENAPI).filter((o) => !table.some((r) => r.method === o.method && r.path.test(sample(o.template))));
		expect(
			absent.map((o) => `${o.method} ${o.template}`),
			'routes in sync-server/src/http/openapi.ts that the server does not serve'
		).toEqual([]);
	});

	it('is served at GET /api/openapi.json, without a token, as OpenAPI 3.1', async () => {
		const res = await fetch(`${server.url}/api/openapi.json`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toMatch(/application\/json/);
		const served = (await res.json()) as typeof OPENAPI;
		expect(served.openapi).toBe('3.1.0');
		expect(served).toEqual(JSON.parse(JSON.stringify(OPENAPI)));
	});

	it('every route is listed in docs/api.md', () => {
		const api = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
		const unlisted = documented(OPENAPI).filter((o) => !api.includes(`\`${o.method} ${o.template}\``));
		expect(unlisted.map((o) => `${o.method} ${o.template}`), 'routes missing from the table of docs/api.md').toEqual([]);
	});

	it('resolves every $ref and declares every path parameter', () => {
		const schemas = (OPENAPI.components as { schemas: Record<string, unknown> }).schemas;
		const refs = [...JSON.stringify(OPENAPI).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
		expect(refs.filter((r) => !(r in schemas))).toEqual([]);
		const problems: string[] = [];
		for (const [template, item] of Object.entries(OPENAPI.paths as Record<string, Record<string, unknown>>)) {
			const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
			const declared = new Set(((item.parameters ?? []) as Array<{ name: string; in: string }>).filter((p) => p.in === 'path').map((p) => p.name));
			for (const n of names) if (!declared.has(n)) problems.push(`${template}: path parameter {${n}} is not declared`);
			for (const m of METHODS) {
				const op = item[m] as { responses?: object; summary?: string } | undefined;
				if (op && (!op.responses || !op.summary)) problems.push(`${m.toUpperCase()} ${template}: needs a summary and responses`);
			}
		}
		expect(problems).toEqual([]);
	});
});
