import { expect, test } from '@playwright/test';
import { CoordinatorPages } from '../pages/coordinator';

/**
 * Generation from the coordinator UI with the real tiny model: one checkpoint runs to the end
 * with live progress; a slow one is cancelled cleanly (its unfinished outputs stay pending).
 */
test('a coordinator generates outputs, watches progress and cancels a job', async ({ page }) => {
	await new CoordinatorPages(page).signIn();
	await page.getByRole('link', { name: /Mini demo/ }).click();
	const outputs = page.getByTestId('outputs');
	const row = (name: string) => outputs.getByRole('row').filter({ hasText: name });

	await row('tiny-random').getByRole('button', { name: 'Generate' }).click();
	// Starting a job runs the preflight (model hash, node-llama-cpp load) before the page updates:
	// seconds on a busy 2-core machine, so wait as long as for the outputs below.
	await expect(page.getByTestId('jobs')).toContainText('tiny-random', { timeout: 60_000 });
	await expect(async () => {
		await page.reload();
		await expect(row('tiny-random').locator('td').nth(2)).toHaveText('3', { timeout: 1000 });
	}).toPass({ timeout: 60_000 });
	await expect(page.getByTestId('jobs').getByRole('listitem').first()).toContainText('done');

	// Provenance per output, for coordinators.
	await row('tiny-random').getByRole('link', { name: 'tiny-random' }).click();
	const table = page.getByTestId('provenance');
	await expect(table.getByRole('row').filter({ hasText: 'DEMO-01' }).first()).toContainText(
		/stop|length/
	);
	await table.getByText('Letter and provenance').first().click();
	await expect(table).toContainText('"modelSha256"');
	await expect(table).toContainText('"renderedPromptSha256"');
	await page.goBack();

	await row('tiny-slow').getByRole('button', { name: 'Generate' }).click();
	const job = page.getByTestId('job-tiny-slow');
	await expect(job).toBeVisible();
	await expect(job.getByTestId('progress')).toContainText(/Generated \d of 3/);
	await job.getByRole('button', { name: 'Cancel' }).click();
	await expect(async () => {
		await page.reload();
		await expect(page.getByTestId('jobs').getByRole('listitem').first()).toContainText(
			'cancelled',
			{
				timeout: 1000
			}
		);
	}).toPass({ timeout: 30_000 });
	const cells = row('tiny-slow').locator('td');
	// Done + pending = 3 cases, nothing left running or half-written.
	const done = Number(await cells.nth(2).textContent());
	expect(done).toBeLessThan(3);
	await expect(cells.nth(3)).toHaveText(String(3 - done));
	await expect(cells.nth(4)).toHaveText('0');
});
