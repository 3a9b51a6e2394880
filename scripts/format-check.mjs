/**
 * `npm run check`'s formatting check: the style the code already follows, checked in every
 * tracked source file. Prettier would rewrite most of the tree (the code keeps long lines where
 * a statement reads better on one), so the check holds what the code does agree on: LF line
 * endings, a final newline, no trailing whitespace, and indentation by tabs (a line may start
 * with spaces only to continue a block comment, ` * ...`; Markdown, JSON and YAML keep their
 * own indentation). Prints each offence as `file:line: rule` and exits 1 when there is one.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { root } from './ensure.mjs';

const SOURCE = /\.(ts|js|mjs|cjs|svelte|css|html|json|md|yml|yaml)$/;
const OWN_INDENT = /\.(md|json|yml|yaml)$/;

const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
	.split('\0')
	.filter((f) => SOURCE.test(f) && !f.endsWith('package-lock.json'));

const offences = [];
for (const file of files) {
	let text;
	try {
		text = readFileSync(`${root}/${file}`, 'utf8');
	} catch {
		continue; // deleted in the work tree
	}
	if (text.includes('\r')) offences.push(`${file}: CRLF line endings (use LF)`);
	if (text.length > 0 && !text.endsWith('\n')) offences.push(`${file}: no newline at the end of the file`);
	const lines = text.split('\n');
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i];
		if (/[ \t]+$/.test(line)) offences.push(`${file}:${i + 1}: trailing whitespace`);
		if (!OWN_INDENT.test(file) && /^ +[^*\s]/.test(line)) offences.push(`${file}:${i + 1}: indented with spaces (use tabs)`);
	}
}

if (offences.length > 0) {
	console.error(offences.slice(0, 200).join('\n'));
	if (offences.length > 200) console.error(`... and ${offences.length - 200} more`);
	console.error(`format: ${offences.length} offence(s) in ${files.length} files`);
	process.exit(1);
}
console.log(`format: ${files.length} files follow the house style (LF, final newline, no trailing whitespace, tab indentation)`);
