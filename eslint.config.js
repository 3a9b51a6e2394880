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
		languageOptions: { globals: { ...globals.browser, ...globals.node } },
		rules: {
			// A leading underscore marks a binding left unused on purpose: a parameter an interface
			// requires (`setRemoteTraffic(_handler, _headSeq)`), a key destructured out of a copy.
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }]
		}
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		languageOptions: {
			parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'], svelteConfig }
		},
		rules: {
			// The state classes keep plain Map/Set on purpose: non-reactive indexes and caches (upload
			// controllers, per-contact lookups) and temporaries built inside one computation. They
			// publish what the UI reads through `$state`/`$state.raw` fields replaced as a whole;
			// a SvelteMap there would add tracking and rerun effects on every internal write.
			'svelte/prefer-svelte-reactivity': 'off',
			// The app is served at the root (no `paths.base`), and most links flagged are external
			// or blob URLs (link previews, attachments, a contact's URL) that `resolve()` cannot take.
			'svelte/no-navigation-without-resolve': 'off'
		}
	},
	{
		// TypeScript checks names in components (svelte-check), knowing the DOM's types such as
		// `AutoFill`, as typescript-eslint recommends for .ts files.
		files: ['**/*.svelte'],
		rules: { 'no-undef': 'off' }
	}
);
