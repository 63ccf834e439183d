import { expect, test } from '@playwright/test';
import { readFixture } from '../fixture';
import { CoordinatorPages } from '../pages/coordinator';

/**
 * The leakage check on the round page (issue 13): the checks demo's fine-tune was trained on two
 * of the round's cases; the page lists them per checkpoint, and the round opens only with the
 * confirmation box ticked.
 */
test('a round with leaked cases opens only after the confirmation', async ({ page }) => {
	const coordinator = new CoordinatorPages(page);
	await coordinator.signIn();
	await coordinator.openRoundPage(readFixture().checksRoundId);

	const rows = page.getByTestId('leakage-checkpoint');
	await expect(rows.filter({ hasText: 'llama3-8b-instruct' })).toContainText(
		'no training data named'
	);
	const leaked = rows.filter({ hasText: 'llama3-8b-qlora-letters' });
	await expect(leaked).toContainText('2 cases of this round found');
	await expect(leaked).toContainText('case "CHK-04" ↔ training example at line 7: by case id');

	await page.getByRole('button', { name: 'Open round' }).click();
	await expect(page.getByRole('alert')).toContainText(
		'checkpoint "llama3-8b-qlora-letters" was trained on 2 of this round\'s cases'
	);
	await expect(page.getByTestId('round-status')).toHaveText('draft');

	await page.getByLabel(/open the round anyway/).check();
	await coordinator.transition('Open round', 'open');
});
