import { expect, test } from '@playwright/test';
import { CoordinatorPages } from '../pages/coordinator';

/**
 * The power planner in the browser (issue 13): the design taken from a round, a table and
 * a chart of power against cases, the cases needed per number of raters, and a bad input named
 * by its field.
 */
test('a coordinator plans the power of a round in the browser', async ({ page }) => {
	await new CoordinatorPages(page).signIn();
	await page.goto('/studies/mini');
	await page.getByRole('link', { name: 'Power and sample size' }).click();
	await expect(page.getByRole('heading', { name: 'Power and sample size' })).toBeVisible();

	// The mini study ships no plan: the comparison is typed in, the design comes from the round.
	await page.getByLabel('Round (plan and design)').selectOption('Balanced round');
	await page.getByLabel('Dimension', { exact: true }).fill('clinical_benefit');
	await page.getByLabel('Better checkpoint', { exact: true }).fill('llama3-8b-qlora-letters');
	await page.getByLabel('Comparator checkpoint', { exact: true }).fill('llama3-8b-instruct');
	await page.getByLabel('Cases (comma-separated)').fill('8, 16, 24');
	await page.getByLabel('Raters to compare').fill('1, 2');
	await page.getByLabel('Simulated rounds per point').fill('200');
	await page.getByRole('button', { name: 'Simulate' }).click();

	const result = page.getByTestId('power-result');
	await expect(result.getByRole('heading', { level: 2 })).toHaveText(
		'Power of llama3-8b-qlora-letters > llama3-8b-instruct on clinical_benefit'
	);
	await expect(result).toContainText('Balanced, 1 of 3 raters per letter');
	await expect(result).toContainText('From: design from round "Balanced round"');
	const rows = page.getByTestId('power-curve').locator('tbody tr');
	await expect(rows).toHaveCount(3);
	await expect(rows.first().getByRole('cell').first()).toHaveText('8');
	await expect(rows.first().getByRole('cell').nth(1)).toHaveText(/^\d+\.\d%$/);
	await expect(page.locator('canvas[aria-label="Power against cases"]')).toBeVisible();
	await expect(page.getByTestId('power-required').locator('tbody tr')).toHaveCount(2);
	// The settings stay in the address: the same link gives the same simulation.
	expect(new URL(page.url()).searchParams.get('reps')).toBe('200');

	await page.getByLabel("Comparator's score shares").fill('0.5, 0.5, 0.5, 0.5');
	await page.getByRole('button', { name: 'Simulate' }).click();
	await expect(page.getByRole('alert')).toContainText(
		'field thanDistribution: the shares add up to 2.000, not 1'
	);
	await expect(page.getByTestId('power-result')).toHaveCount(0);
});
