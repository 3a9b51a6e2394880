// The repository explains itself: every link in README.md and docs/*.md points inside the
// repository, to a file that exists (and to a heading that exists, for `#anchors`), so a reader
// of a clone never meets a dead or outside link.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(new URL('../../', import.meta.url).pathname);
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
	const out = new Set<string>();
	for (const m of markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6}\s+(.+)$/gm)) {
		out.add(m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
	}
	return out;
}

function links(markdown: string): string[] {
	const text = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
	return [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

describe('documentation links', () => {
	it('every link in README.md and docs/ resolves inside the repository', () => {
		const problems: string[] = [];
		for (const page of pages) {
			const text = readFileSync(join(root, page), 'utf8');
			for (const link of links(text)) {
				if (/^[a-z]+:/i.test(link)) {
					problems.push(`${page}: ${link} leaves the repository`);
					continue;
				}
				const [path, anchor] = link.split('#') as [string, string | undefined];
				const target = path === '' ? join(root, page) : resolve(root, dirname(page), path);
				if (relative(root, target).startsWith('..')) problems.push(`${page}: ${link} leaves the repository`);
				else if (!existsSync(target)) problems.push(`${page}: ${link} does not exist`);
				else if (anchor && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) problems.push(`${page}: ${link} names no heading`);
			}
		}
		expect(problems).toEqual([]);
	});

	it('names no file outside the repository, linked or not', () => {
		const outside = pages.filter((page) => /(^|[\s`(])\.\.\//m.test(readFileSync(join(root, page), 'utf8')));
		expect(outside, 'pages that refer to ../ paths').toEqual([]);
	});

	it('finds the links it checks', () => {
		expect(links('see [a](docs/a.md) and ![b](images/b.png), not `[c](d)`')).toEqual(['docs/a.md', 'images/b.png']);
		expect(anchors('## `/yjs`: one document\n## Awareness: presence, typing')).toEqual(new Set(['yjs-one-document', 'awareness-presence-typing']));
	});
});
