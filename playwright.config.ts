import { defineConfig } from '@playwright/test';

// E2E_PORT lets a second checkout run its specs beside this one on the same machine.
const PORT = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
	testDir: 'tests/e2e',
	// One production server with one embedded database: specs run one after another.
	workers: 1,
	fullyParallel: false,
	// The machine is shared and has 2 cores; a retry hides nothing real here, so none.
	retries: 0,
	timeout: 120_000,
	reporter: [['list']],
	use: {
		baseURL: `http://127.0.0.1:${PORT}`,
		// Debian's Chromium: Playwright's own browser download cannot reach its host here.
		launchOptions: {
			executablePath: '/usr/bin/chromium',
			args: [
				'--headless',
				'--no-sandbox', // running as root in CI
				'--disable-gpu',
				// Without these Chromium keeps trying to reach Google's hosts on a closed network.
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync'
			]
		},
		viewport: { width: 1280, height: 800 },
		trace: 'retain-on-failure'
	},
	webServer: {
		// Builds, prepares a fresh embedded database with the e2e round, then serves the build.
		command: `bash tests/e2e/serve.sh ${PORT}`,
		url: `http://127.0.0.1:${PORT}/`,
		timeout: 240_000,
		reuseExistingServer: false,
		stdout: 'pipe',
		stderr: 'pipe'
	}
});
