import { expect, test } from '@playwright/test';
import { readFixture } from '../fixture';
import { CoordinatorPages } from '../pages/coordinator';

/**
 * Pre-registration in the browser (issue 13): a locked round without a plan cannot be unblinded;
 * the coordinator writes and locks a plan, unblinds, and the analysis page opens with the
 * confirmatory results under the plan's hash, before everything exploratory.
 */
test('a coordinator locks a plan, unblinds, and sees the confirmatory results first', async ({
	page
}) => {
	const { planRoundId } = readFixture();
	const coordinator = new CoordinatorPages(page);
	await coordinator.signIn();
	await coordinator.openRoundPage(planRoundId);
	await expect(page.getByTestId('round-status')).toHaveText('locked');

	// Without a locked plan (or an opt-out) unblinding is refused, with the reason.
	await coordinator.tryUnblind();
	await expect(page.getByRole('alert')).toContainText(/plan/i);
	await expect(page.getByTestId('round-status')).toHaveText('locked');

	const sha256 = await coordinator.lockPlan(
		[
			'primary: { better: llama3-8b-qlora-letters, than: llama3-8b-instruct, dimension: clinical_benefit }',
			'secondary:',
			'  - { better: llama3-8b-qlora-letters, than: llama3-8b-instruct, dimension: diagnosis }',
			'alpha: 0.05'
		].join('\n')
	);
	await expect(page.getByTestId('plan-text')).toContainText(
		'Primary: llama3-8b-qlora-letters > llama3-8b-instruct on clinical_benefit'
	);
	// Locked: the plan can no longer be edited from the page.
	await expect(page.getByLabel('Plan (YAML)')).toHaveCount(0);

	await coordinator.unblind();
	await page.getByTestId('analysis-link').click();
	const headings = page.getByRole('heading', { level: 2 });
	await expect(headings.first()).toHaveText('Confirmatory analysis (pre-registered)');
	await expect(headings.nth(1)).toHaveText('Exploratory analysis');
	await expect(page.getByTestId('plan-hash')).toHaveText(sha256);
	const confirmatory = page.getByTestId('confirmatory');
	await expect(confirmatory).toContainText('This analysis ran on exactly the locked plan.');
	await expect(confirmatory.getByRole('row')).toHaveCount(3);
	await expect(confirmatory.getByRole('row').nth(1)).toContainText('primary');
	await expect(confirmatory.getByRole('row').nth(1)).toContainText('clinical_benefit');
});
