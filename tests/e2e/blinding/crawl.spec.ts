import { expect, test } from '@playwright/test';
import { readFixture } from '../fixture';
import { crawl } from './crawler';

/**
 * The blinding audit: a crawler starts from a rater's link, follows every link and records every
 * request the pages make, and searches all of it (bodies, headers, cookies) for every checkpoint
 * identifier of the study. It finds nothing for the demo round's rater, and it does find a leak
 * planted in a test fixture, which shows the audit works.
 */
test('the crawler finds no checkpoint identifier anywhere a demo rater can reach', async ({
	browser,
	baseURL
}) => {
	const { demoRater, checkpointSecrets } = readFixture();
	const result = await crawl(browser, baseURL!, demoRater, checkpointSecrets);
	// The overview and all 28 letters of the demo round, each with its data and assets.
	expect(result.pages.filter((p) => /\/rate\/[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(p)).length).toBe(28);
	expect(result.responses).toBeGreaterThan(60);
	expect(result.leaks).toEqual([]);
});

test('the crawler finds a leak planted in the fixture', async ({ browser, baseURL }) => {
	const { leakRater, plantedLeak, checkpointSecrets } = readFixture();
	const result = await crawl(browser, baseURL!, leakRater, checkpointSecrets);
	expect(result.leaks.length).toBeGreaterThan(0);
	expect(result.leaks.join('\n')).toContain(plantedLeak);
});
