/**
 * The blinding audit's crawler. Starting from a rater's link in a fresh browser context, it
 * visits every same-origin page it can reach (links in each page, breadth first), records every
 * response the browser receives on the way (documents, SvelteKit data requests, scripts, styles,
 * API calls the page makes) and also fetches each page's `__data.json`; then it searches every
 * URL, status, header (Set-Cookie included), body and the context's cookies for each secret.
 * It never follows links off the origin, and stops at `maxPages`.
 */
import type { Browser, Response } from '@playwright/test';

export interface CrawlResult {
	/** Pages visited, and every response searched (pages, data, assets, API calls). */
	pages: string[];
	responses: number;
	/** "where: contains secret" for every hit; empty when the blinding holds. */
	leaks: string[];
}

export async function crawl(
	browser: Browser,
	origin: string,
	start: string,
	secrets: readonly string[],
	maxPages = 200
): Promise<CrawlResult> {
	const context = await browser.newContext({ baseURL: origin });
	const page = await context.newPage();
	const leaks: string[] = [];
	let responses = 0;
	const search = (where: string, text: string) => {
		for (const s of secrets) if (text.includes(s)) leaks.push(`${where}: contains "${s}"`);
	};
	const pending: Promise<void>[] = [];
	const inspect = (response: Response) => {
		pending.push(
			(async () => {
				let body = '';
				try {
					body = (await response.body()).toString('utf8');
				} catch {
					// a redirect or an aborted request has no body
				}
				const head = JSON.stringify(await response.headersArray());
				search(response.url(), `${response.url()}\n${response.status()}\n${head}\n${body}`);
				responses++;
			})()
		);
	};
	page.on('response', inspect);

	const seen = new Set<string>();
	const queue = [new URL(start, origin).href];
	while (queue.length && seen.size < maxPages) {
		const url = queue.shift()!;
		const key = url.split('#')[0]!;
		if (seen.has(key)) continue;
		seen.add(key);
		await page.goto(url);
		await page.waitForLoadState('networkidle');
		const { pathname } = new URL(page.url());
		// The data request SvelteKit makes on client-side navigation to this page.
		const data = await context.request.get(`${pathname.replace(/\/$/, '')}/__data.json`);
		search(
			`${pathname}/__data.json`,
			`${data.status()}\n${JSON.stringify(data.headersArray())}\n${await data.text()}`
		);
		responses++;
		const links = await page
			.locator('a[href]')
			.evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
		for (const link of links) {
			const next = new URL(link);
			if (next.origin === new URL(origin).origin && !seen.has(next.href.split('#')[0]!))
				queue.push(next.href);
		}
	}
	await Promise.all(pending);
	for (const c of await context.cookies()) search(`cookie ${c.name}`, `${c.name}=${c.value}`);
	await context.close();
	return { pages: [...seen], responses, leaks };
}
