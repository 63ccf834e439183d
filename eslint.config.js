import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

/** Pure modules (domain, analysis) must stay free of I/O and framework imports. */
const PURE_RESTRICTIONS = {
	patterns: [
		{
			group: ['$app/*', '$env/*', '$lib/server/*', '**/server/**'],
			message: 'Pure modules must not import server or SvelteKit code.'
		},
		{
			group: [
				'node:*',
				'drizzle-orm',
				'drizzle-orm/*',
				'postgres',
				'@electric-sql/*',
				'node-llama-cpp'
			],
			message: 'Pure modules must not do I/O.'
		}
	]
};

export default ts.config(
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } }
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts'],
		languageOptions: {
			parserOptions: {
				projectService: true,
				extraFileExtensions: ['.svelte'],
				parser: ts.parser,
				svelteConfig
			}
		}
	},
	{
		files: ['src/lib/domain/**', 'src/lib/analysis/**'],
		ignores: ['**/*.test.ts'],
		rules: { 'no-restricted-imports': ['error', PURE_RESTRICTIONS] }
	},
	{
		rules: {
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_' }
			],
			'no-empty': ['error', { allowEmptyCatch: false }],
			// The app is served at the root (no paths.base), so resolve() on every link adds noise.
			'svelte/no-navigation-without-resolve': 'off'
		}
	},
	{
		ignores: [
			'build/',
			'.svelte-kit/',
			'node_modules/',
			'.data/',
			'test-results/',
			'playwright-report/'
		]
	}
);
