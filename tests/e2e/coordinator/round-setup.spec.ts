import { expect, test } from '@playwright/test';
import { CoordinatorPages } from '../pages/coordinator';

/**
 * A coordinator creates a round in the browser, opens it and adds a rater; the link shown
 * opens that rater's blinded round. Anonymous visitors are sent to sign in.
 */
test('a coordinator opens a round and invites a rater from the browser', async ({
	page,
	browser
}) => {
	await page.goto('/studies');
	await expect(page).toHaveURL(/\/login\?next=%2Fstudies$/);

	const coordinator = new CoordinatorPages(page);
	await coordinator.signIn();
	await page.getByRole('link', { name: /Mini demo/ }).click();
	await page.getByLabel('Name').fill('UI round');
	await page.getByRole('button', { name: 'Create round' }).click();
	await expect(page.getByRole('heading', { name: 'UI round' })).toBeVisible();
	await expect(page.getByTestId('round-status')).toHaveText('draft');
	await coordinator.transition('Open round', 'open');
	// An invalid transition is refused with a message, not applied.
	const refused = await page.request.post(`${new URL(page.url()).pathname}?/unblind`, {
		form: {},
		headers: { origin: new URL(page.url()).origin }
	});
	expect(await refused.text()).toContain('can only become locked');

	const link = await coordinator.addRater('Dr. UI');
	expect(link).toMatch(/\/r\/[A-Za-z0-9_-]{43}$/);
	await expect(page.getByRole('cell', { name: 'Dr. UI' })).toBeVisible();

	const rater = await (await browser.newContext()).newPage();
	await rater.goto(new URL(link).pathname);
	await expect(rater.getByText('Letter 1 of 6')).toBeVisible();
	await expect(rater.getByTestId('letter')).not.toBeEmpty();
	await expect(rater.locator('fieldset.scale')).toHaveCount(6);
});
