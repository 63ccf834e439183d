import { expect, test } from '@playwright/test';
import { CoordinatorPages } from '../pages/coordinator';

/**
 * A cases file at the scale of Wang et al. (10,000 rows) previews a page at a time: the table
 * holds 25 rows whatever the file's length, and the pager walks the rest. A file with 10,000
 * errors lists them 50 at a time.
 */
const HEADER = 'id,diagnosis,tnm,radiotherapy.total_dose_gy';
const file = (rows: string[]) => ({
	name: 'wang.csv',
	mimeType: 'text/csv',
	buffer: Buffer.from([HEADER, ...rows].join('\n'))
});

test('a 10,000-row cases upload previews in pages of bounded size', async ({ page }) => {
	await new CoordinatorPages(page).signIn();
	await page.getByRole('link', { name: 'New study' }).click();
	await page.getByLabel('Name', { exact: true }).fill('Large upload');
	await page.getByRole('button', { name: 'Create study' }).click();
	await expect(page).toHaveURL(/\/studies\/large-upload\/setup$/);

	const cases = page.getByLabel(/^Cases file/);
	const ids = Array.from({ length: 10_000 }, (_, i) => `W${String(i + 1).padStart(5, '0')}`);
	await cases.setInputFiles(file(ids.map((id, i) => `${id},Carcinoma ${i},cT2,60`)));
	await page.getByRole('button', { name: 'Preview' }).click();
	await expect(page.getByTestId('cases-count')).toContainText('wang.csv: 10000 cases');
	const rows = page.getByTestId('cases-preview').locator('tbody tr');
	await expect(rows).toHaveCount(25);
	await expect(page.getByTestId('cases-page')).toHaveText('Rows 1–25 of 10000 (page 1 of 400)');
	await page.getByRole('button', { name: 'Next' }).click();
	await expect(page.getByTestId('cases-page')).toContainText('Rows 26–50 of 10000');
	await expect(rows).toHaveCount(25);
	await expect(rows.first().locator('td').first()).toHaveText('W00026');
	// The whole document stays small: no element holds the 10,000 rows.
	expect(await page.locator('tr').count()).toBeLessThanOrEqual(26);
	await expect(page.getByRole('button', { name: 'Save 10000 cases' })).toBeVisible();

	// Every row wrong: the errors come 50 at a time.
	await cases.setInputFiles(file(ids.map((id) => `${id} x,D,cT2,60`)));
	await page.getByRole('button', { name: 'Preview' }).click();
	const errors = page.getByTestId('cases-errors').locator('li');
	await expect(errors).toHaveCount(50);
	await expect(page.getByText(/^Errors 1–50 of 10000/)).toBeVisible();
	await expect(page.getByRole('button', { name: /^Save/ })).toHaveCount(0);
});
