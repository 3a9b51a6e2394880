/**
 * The linter of `npm run check`: ESLint's, typescript-eslint's and eslint-plugin-svelte's
 * recommended rules over the client, the server, the tests, the benches and the scripts, with
 * zero warnings allowed (`eslint --max-warnings 0`). A rule turned off says why, here.
 */
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default defineConfig(
	{ ignores: ['.svelte-kit/', 'build/', 'dist/', 'data/', 'test-results/', 'playwright-report/', 'bench/results/', '.tmp/', 'node_modules/'] },
	js.configs.recommended,
	ts.configs.recommended,
	svelte.configs.recommended,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } }
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		languageOptions: {
			parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'], svelteConfig }
		}
	}
);
