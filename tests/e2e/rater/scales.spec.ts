import { expect, test } from '@playwright/test';
import { readFixture } from '../fixture';
import { RatingPage } from './rating-page';

/**
 * Scales beyond four points on the rater page (issue 17): each dimension shows its own answers
 * (5 anchored points; No and Yes coded 0 and 1; the harm scale's three named grades, in English
 * and German), is scored by mouse and by keyboard on its own values (a key off the scale does
 * nothing), and the scores survive a reload, i.e. the server holds them.
 */
test('a rater scores a 5-point and a yes/no dimension by mouse and keyboard', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	const rater = new RatingPage(page);
	await page.goto(readFixture().scalesRater);
	const first = await rater.arrived();
	expect(await rater.dimensions()).toEqual(['completeness', 'fabrication', 'harm_extent']);
	const scale = (key: string) => page.locator(`fieldset.scale[data-dimension="${key}"]`);
	await expect(scale('completeness').getByRole('radio')).toHaveCount(5);
	await expect(scale('completeness').getByRole('radio', { name: 'Complete' })).toHaveValue('5');
	await expect(scale('fabrication').getByRole('radio')).toHaveCount(2);
	await expect(scale('fabrication').getByRole('radio', { name: 'No' })).toHaveValue('0');
	await expect(scale('fabrication').getByRole('radio', { name: 'Yes' })).toHaveValue('1');
	await expect(scale('harm_extent').getByRole('radio', { name: 'Severe or death' })).toHaveValue(
		'3'
	);
	await page.screenshot({ path: test.info().outputPath('scales-1280.png'), fullPage: true });

	// Mouse: the fifth point, "Yes", the middle harm grade.
	await scale('completeness').getByText('Complete', { exact: true }).click();
	await scale('fabrication').getByText('Yes', { exact: true }).click();
	await scale('harm_extent').getByText('Mild or moderate', { exact: true }).click();
	await rater.saved();
	expect(await rater.checked()).toEqual({ completeness: 5, fabrication: 1, harm_extent: 2 });

	// Keyboard on the next letter: 0 is not on the 5-point scale, 5 is; 2 is not yes/no, 0 is.
	await rater.next.click();
	await expect(page).not.toHaveURL(new RegExp(first));
	await rater.arrived();
	await rater.expectFocus('completeness');
	await page.keyboard.press('0');
	expect(await rater.checked()).toEqual({});
	await page.keyboard.press('5');
	await rater.expectFocus('fabrication');
	await page.keyboard.press('2');
	expect(await rater.checked()).toEqual({ completeness: 5 });
	await page.keyboard.press('0');
	await rater.expectFocus('harm_extent');
	// The arrows step along the harm scale and stop at its top.
	await page.keyboard.press('ArrowRight');
	await page.keyboard.press('ArrowRight');
	await page.keyboard.press('ArrowRight');
	await page.keyboard.press('ArrowRight');
	await rater.saved();
	expect(await rater.checked()).toEqual({ completeness: 5, fabrication: 0, harm_extent: 3 });
	await page.keyboard.press('ArrowLeft');
	await rater.saved();

	// The server holds both letters' scores: reloaded pages show them.
	await page.reload();
	await rater.arrived();
	expect(await rater.checked()).toEqual({ completeness: 5, fabrication: 0, harm_extent: 2 });
	await page.goto(`/rate/${first}`);
	await rater.arrived();
	expect(await rater.checked()).toEqual({ completeness: 5, fabrication: 1, harm_extent: 2 });

	// Over HTTP, a score off the dimension's scale is a 400 naming the field and the scale.
	const refused = await page.request.put(`/api/rater/items/${first}/scores`, {
		data: { dimension: 'fabrication', score: 2 }
	});
	expect(refused.status()).toBe(400);
	expect((await refused.json()).issues).toEqual([
		{ field: 'score', message: 'must be 0 (No) or 1 (Yes)' }
	]);

	// The harm scale's grades in German, from the language switch.
	await page.getByTestId('lang-de').click();
	await expect(scale('harm_extent').getByRole('radio', { name: 'Schwer oder Tod' })).toHaveValue(
		'3'
	);
	await expect(scale('fabrication').getByRole('radio', { name: 'Ja' })).toBeChecked();
	await context.close();
});
