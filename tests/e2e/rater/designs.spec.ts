import { expect, test, type Browser, type Page } from '@playwright/test';
import { readFixture } from '../fixture';

/**
 * Round designs as raters meet them: a pairwise round (two letters side by side, a choice per
 * dimension) completed with the keyboard; and a balanced round whose two raters get different
 * letters in different orders, neither able to open the other's.
 */

async function codesOf(page: Page): Promise<string[]> {
	await page.goto('/rate?overview');
	const hrefs = await page
		.locator('main a[href^="/rate/"]')
		.evaluateAll((links) => links.map((a) => a.getAttribute('href')!));
	return [...new Set(hrefs.map((h) => h.split('/').pop()!))];
}

async function raterPage(browser: Browser, link: string): Promise<Page> {
	const page = await (await browser.newContext()).newPage();
	await page.goto(link);
	await expect(page).toHaveURL(/\/rate\/[0-9A-Z]{4}-[0-9A-Z]{4}$/);
	return page;
}

test('a pairwise round completes with the keyboard, and every choice is kept', async ({
	browser
}) => {
	const page = await raterPage(browser, readFixture().pairwiseRater);
	const first = page.url();
	for (let i = 0; i < 3; i++) {
		await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Comparison ${i + 1} of 3`);
		await expect(page.getByTestId('letter-left')).not.toBeEmpty();
		await expect(page.getByTestId('letter-right')).not.toBeEmpty();
		const scales = page.locator('fieldset.scale');
		await expect(scales).toHaveCount(6);
		// Three choices per scale, named for screen readers.
		await expect(scales.first().getByRole('radio')).toHaveCount(3);
		await expect(
			scales.first().getByRole('radio', { name: /left letter is better/ })
		).toBeVisible();
		for (let d = 0; d < 6; d++) await page.keyboard.press(String(((i + d) % 3) + 1));
		await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
		await page.keyboard.press('Enter');
	}
	await expect(page.getByTestId('all-done')).toBeVisible();

	await page.goto(first);
	const scales = page.locator('fieldset.scale');
	for (let d = 0; d < 6; d++)
		await expect(
			scales
				.nth(d)
				.getByRole('radio')
				.nth(d % 3)
		).toBeChecked();
});

test('two raters of a balanced round get different letters and orders; neither can open the other’s', async ({
	browser
}) => {
	const [linkA, linkB] = readFixture().balancedRaters;
	const a = await raterPage(browser, linkA);
	const b = await raterPage(browser, linkB);
	const codesA = await codesOf(a);
	const codesB = await codesOf(b);
	expect(codesA).toHaveLength(3);
	expect(codesB).toHaveLength(3);
	expect(codesA.filter((c) => codesB.includes(c))).toEqual([]);

	// Another rater's code looks exactly like a code that does not exist: page and API alike.
	const other = await a.goto(`/rate/${codesB[0]}`);
	const otherText = await a.locator('main').innerText();
	const none = await a.goto('/rate/ZZZZ-ZZZZ');
	const noneText = await a.locator('main').innerText();
	expect(other!.status()).toBe(404);
	expect(none!.status()).toBe(404);
	expect(otherText).toBe(noneText);
	const put = (code: string) =>
		a.request.put(`/api/rater/items/${code}/scores`, {
			data: { dimension: 'diagnosis', score: 2 }
		});
	const [toOther, toNone] = [await put(codesB[0]!), await put('ZZZZ-ZZZZ')];
	expect(toOther.status()).toBe(404);
	expect(await toOther.text()).toBe(await toNone.text());
	// B's letter is untouched.
	await b.goto(`/rate/${codesB[0]}`);
	await expect(b.locator('fieldset.scale input:checked')).toHaveCount(0);
});
