import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	build: {
		// Source maps would ship server paths and code to raters' browsers.
		sourcemap: false
	},
	test: {
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					include: ['src/**/*.test.ts', 'models/**/*.test.ts'],
					environment: 'node'
				}
			},
			{
				extends: true,
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts'],
					environment: 'node',
					// PGlite start-up and node-llama-cpp loading are slow on 2 cores.
					testTimeout: 120_000,
					hookTimeout: 120_000,
					// One database server and one CPU budget: files run one after another.
					fileParallelism: false
				}
			}
		]
	}
});
