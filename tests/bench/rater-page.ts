/**
 * Rating-page benchmark (prints figures; asserts nothing). Run: `npm run bench:rater-page`
 * (builds first when there is no build).
 *
 * Serves the production build on a fresh embedded database holding the demo study, opens the
 * demo rater's link in headless Chromium and prints:
 * - the JavaScript the rating page loads, raw and gzip-compressed (target: at most 60 KB gzip);
 * - time until the page is interactive: from navigation until the page has hydrated and put
 *   the keyboard focus on the first scale (median of several loads), next to the time until
 *   the sign-in page is interactive, the baseline measured in the same run.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { openDatabase } from '../../src/lib/server/db';
import { setUpDemo } from '../../src/lib/server/demo';

const PORT = Number(process.env.BENCH_PORT ?? 4391);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const LOADS = 7;

function median(xs: number[]): number {
	const s = xs.slice().sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)]!;
}

if (!fs.existsSync('build/index.js')) execFileSync('npx', ['vite', 'build'], { stdio: 'inherit' });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-bench-page-'));
const database = await openDatabase({ dataDir });
await database.migrate(path.resolve('drizzle'));
const { raterLink } = await setUpDemo(database.db, ORIGIN);
await database.close();

const server = spawn('node', ['build'], {
	env: {
		...process.env,
		PORT: String(PORT),
		HOST: '127.0.0.1',
		ORIGIN,
		BLINDEVAL_DATA_DIR: dataDir
	},
	stdio: 'ignore'
});
const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: [
		'--headless',
		'--no-sandbox',
		'--disable-gpu',
		'--disable-background-networking',
		'--disable-component-update',
		'--disable-sync'
	]
});
try {
	for (let i = 0; ; i++) {
		try {
			if ((await fetch(`${ORIGIN}/login`)).ok) break;
		} catch {
			// not listening yet
		}
		if (i > 100) throw new Error('the server did not start');
		await new Promise((r) => setTimeout(r, 200));
	}
	const context = await browser.newContext();
	const page = await context.newPage();
	const scripts = new Map<string, Buffer>();
	page.on('response', async (response) => {
		const type = response.headers()['content-type'] ?? '';
		if (type.includes('javascript')) scripts.set(response.url(), await response.body());
	});
	await page.goto(raterLink);
	await page.waitForURL(/\/rate\/[0-9A-Z]{4}-[0-9A-Z]{4}$/);
	const itemUrl = page.url();
	await page.waitForFunction(() => document.activeElement?.matches('fieldset.scale input'));
	await page.waitForLoadState('networkidle');
	let raw = 0;
	let gzip = 0;
	for (const body of scripts.values()) {
		raw += body.length;
		gzip += gzipSync(body, { level: 9 }).length;
	}

	const interactive = async (url: string, ready: () => Promise<unknown>) => {
		const times: number[] = [];
		for (let i = 0; i < LOADS; i++) {
			const fresh = await (await browser.newContext()).newPage();
			// The rater's cookie, as after opening the link once.
			await fresh.context().addCookies(await context.cookies());
			const start = performance.now();
			await fresh.goto(url);
			await ready.call(fresh);
			times.push(performance.now() - start);
			await fresh.context().close();
		}
		return median(times);
	};
	const ratingMs = await interactive(itemUrl, async function (this: typeof page) {
		await this.waitForFunction(() => document.activeElement?.matches('fieldset.scale input'));
	});
	// Baseline: the sign-in page, loaded until its scripts have run and the network is idle.
	const loginMs = await interactive(`${ORIGIN}/login`, async function (this: typeof page) {
		await this.waitForLoadState('networkidle');
	});
	const date = new Date().toISOString().slice(0, 10);
	console.log(`rater-page benchmark, ${date}, ${os.cpus().length} cores, Node ${process.version}`);
	console.log(
		`JavaScript on the rating page: ${scripts.size} files, ${(raw / 1024).toFixed(1)} KB raw, ${(gzip / 1024).toFixed(1)} KB gzip (target ≤ 60 KB gzip: ${gzip <= 60 * 1024 ? 'met' : 'MISSED'})`
	);
	console.log(
		`time to interactive (median of ${LOADS}): rating page ${ratingMs.toFixed(0)} ms; sign-in page ${loginMs.toFixed(0)} ms (baseline); ratio ${(ratingMs / loginMs).toFixed(2)}`
	);
} finally {
	await browser.close();
	server.kill();
	fs.rmSync(dataDir, { recursive: true, force: true });
}
