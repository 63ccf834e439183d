import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { CoordinatorPages } from '../pages/coordinator';

/** The ids of the entries on the page, top to bottom. */
async function shownIds(page: Page): Promise<string[]> {
	const rows = page.getByTestId('audit-row');
	return rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id') ?? ''));
}

/** Follows a paging link and waits until the other page is shown. */
async function turnPage(page: Page, name: 'Older →' | '← Newer') {
	const top = page.getByTestId('audit-row').first();
	const before = await top.getAttribute('data-id');
	await page.getByRole('link', { name }).click();
	await expect(top).not.toHaveAttribute('data-id', before!);
}

/**
 * A coordinator opens the audit log from the navigation, filters it with the GET form (the
 * filter is in the URL), pages older and newer, expands an entry, and downloads the filtered log
 * as CSV holding exactly the entries the pages showed. Nothing on the page deletes or edits.
 */
test('a coordinator filters, pages and downloads the audit log', async ({ page }) => {
	await new CoordinatorPages(page).signIn();
	await page.getByRole('link', { name: 'Audit log' }).click();
	await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
	await expect(page.getByTestId('audit-row').first()).toBeVisible();
	// The e2e database was prepared from the command line: its entries are the CLI's.
	await expect(page.getByRole('cell', { name: 'command line' }).first()).toBeVisible();

	await page.getByLabel('Study').selectOption('mini');
	await page.getByLabel('Entity', { exact: true }).selectOption('round');
	await page.getByRole('button', { name: 'Filter' }).click();
	await expect(page).toHaveURL(/[?&]study=mini&entity=round/);
	await expect(page.getByLabel('Study')).toHaveValue('mini');

	// A small page size, so the mini study's round entries take several pages.
	const url = new URL(page.url());
	url.searchParams.set('limit', '3');
	await page.goto(url.pathname + url.search);
	const firstPage = await shownIds(page);
	expect(firstPage).toHaveLength(3);
	await expect(page.getByRole('link', { name: '← Newer' })).toHaveCount(0);
	const seen = [...firstPage];
	while (await page.getByRole('link', { name: 'Older →' }).count()) {
		await turnPage(page, 'Older →');
		await expect(page).toHaveURL(/[?&]before=\d+/);
		seen.push(...(await shownIds(page)));
	}
	expect(new Set(seen).size).toBe(seen.length);
	expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => b - a));
	for (const row of await page.getByTestId('audit-row').all()) {
		await expect(row.getByRole('cell').nth(3)).toContainText('round');
		await expect(row.getByRole('cell').nth(4)).toHaveText('mini');
	}
	// The oldest entry is the first round's creation; its details show what was created.
	const oldest = page.getByTestId('audit-row').last();
	await expect(oldest).toContainText('round.create');
	await oldest.getByText('Before and after').click();
	await expect(oldest.getByText('"name": "E2E round"')).toBeVisible();

	// Back up one page: newer entries again, and the filter is still applied.
	await turnPage(page, '← Newer');
	await expect(page).toHaveURL(/study=mini&entity=round/);
	expect(seen).toEqual(expect.arrayContaining(await shownIds(page)));

	// Only the sign-out form posts anything: the log cannot be changed from here.
	await expect(page.locator('form[method="POST"]')).toHaveCount(1);

	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('link', { name: 'Download CSV' }).click()
	]);
	expect(download.suggestedFilename()).toBe('audit-mini.csv');
	const csv = fs.readFileSync((await download.path())!, 'utf8');
	const [header, ...lines] = csv.trimEnd().split('\r\n');
	expect(header).toBe('id,at,actor_type,actor,action,entity,entity_id,study,before,after');
	expect(lines.map((l) => l.split(',')[0])).toEqual(seen);
	for (const line of lines)
		expect(line).toMatch(
			/^\d+,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,cli,command line,round\.[a-z]+,round,[0-9a-f-]{36},mini,/
		);
});
